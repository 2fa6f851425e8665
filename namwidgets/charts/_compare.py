"""Two additive models side by side: each shared term's functions overlaid, metrics.

:class:`CompareView` draws, for every main effect both models have, both
functions on one chart (a numeric term as step lines with their bands over a faint
density of each model's training data; a categorical one as bars side by side
with their bands as rules), then the two models' metrics as grouped bars. It is
pure: it reads plain :class:`~namwidgets.explain.ShapeFunction` data and numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import altair as alt
import numpy as np

from ..exceptions import InputError
from ._theme import (
    PALETTE,
    VALUE_FMT,
    X_FMT,
    ChartView,
    Datasets,
    VConcatChart,
    finish,
    floats,
    unvalidated,
)

#: The two models' colours (the first as the NAM's "original" blue).
COLOURS = (PALETTE["original"], "#e07b39")


def _column(values: Any, class_index: int) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    return arr[:, class_index] if arr.ndim == 2 else arr


@dataclass(frozen=True, eq=False)
class CompareView(ChartView):
    """Each shared main effect's two functions overlaid, and both models' metrics.

    Key: the shared terms (names and kinds), ``labels``, ``class_index``,
    ``columns``, ``width``, ``height``, whether metrics are drawn, ``configure``.
    :meth:`datasets`: ``compare_curves`` (numeric terms), ``compare_levels``
    (categorical terms), ``compare_density`` and ``compare_metrics``.

    Parameters
    ----------
    first, second : sequence of ShapeFunction
        Each model's term functions (pairs are skipped: a pair is drawn as a
        heatmap of its own). Terms are matched by name; a term both have with
        the same kind is drawn, in ``first``'s order.
    labels : tuple of (str, str), default=("NAM", "EBM")
        The models' names in the legend and the metrics.
    metrics : mapping of str to mapping of str to float, optional
        ``{label: {metric: value}}``; non-numeric values are left out.
    terms : sequence of str, optional
        Draw only these shared terms.
    class_index : int, default=0
        The class drawn for multiclass functions.
    columns : int, default=3
        Term charts per row.
    width, height : int, default=220, 150
        Size of each term's chart.
    configure : bool, default=True
        Apply the theme.

    Raises
    ------
    InputError
        For labels that are not two distinct strings, a ``terms`` entry that is
        not shared, or no shared term at all.
    """

    first: Sequence[Any]
    second: Sequence[Any]
    labels: tuple[str, str] = ("NAM", "EBM")
    metrics: Mapping[str, Mapping[str, Any]] | None = None
    terms: Sequence[str] | None = None
    class_index: int = 0
    columns: int = 3
    width: int = 220
    height: int = 150
    configure: bool = True

    def __post_init__(self) -> None:
        self._shared  # noqa: B018 - check the inputs now

    @cached_property
    def _shared(self) -> list[tuple[str, str, Any, Any]]:
        labels = tuple(self.labels)
        if len(labels) != 2 or len(set(map(str, labels))) != 2:
            raise InputError(f"labels must be two distinct names, got {labels!r}.")
        second = {sf.name: sf for sf in self.second if sf.kind != "pair"}
        shared = [
            (sf.name, sf.kind, sf, second[sf.name])
            for sf in self.first
            if sf.kind != "pair"
            and sf.name in second
            and second[sf.name].kind == sf.kind
        ]
        if self.terms is not None:
            names = [t for t, *_ in shared]
            unknown = [t for t in self.terms if t not in names]
            if unknown:
                raise InputError(
                    f"terms {unknown} are not main effects of both models "
                    f"(shared: {names})."
                )
            shared = [s for s in shared if s[0] in set(self.terms)]
        if not shared:
            raise InputError("The two models share no main effect to compare.")
        if self.columns < 1:
            raise InputError(f"columns must be >= 1, got {self.columns}.")
        return shared

    @property
    def key(self) -> tuple[Any, ...]:
        """The structure key."""
        return (
            "compare",
            tuple((name, kind) for name, kind, *_ in self._shared),
            tuple(map(str, self.labels)),
            int(self.class_index),
            int(self.columns),
            int(self.width),
            int(self.height),
            self.metrics is not None,
            bool(self.configure),
        )

    def datasets(self) -> Datasets:
        """The four datasets (see the class notes), plain JSON-able rows.

        Returns
        -------
        dict of str to list of dict
            ``compare_curves``: term, model, x, value, lower, upper;
            ``compare_levels``: term, model, level, value, lower, upper;
            ``compare_density``: term, model, x0, x1, density (each model's
            share of its training rows per histogram bin, per unit of x);
            ``compare_metrics``: metric, model, value.
        """
        k = int(self.class_index)
        curves: list[dict[str, Any]] = []
        levels: list[dict[str, Any]] = []
        density: list[dict[str, Any]] = []
        for name, kind, *pair in self._shared:
            for label, sf in zip(map(str, self.labels), pair):
                v = floats(_column(sf.values, k))
                lo = floats(_column(sf.lower, k))
                hi = floats(_column(sf.upper, k))
                if kind == "categorical":
                    for i, level in enumerate(np.asarray(sf.x).tolist()):
                        levels.append(
                            {"term": name, "model": label, "level": str(level)}
                            | {"value": v[i], "lower": lo[i], "upper": hi[i]}
                        )
                    continue
                for i, x in enumerate(floats(sf.x)):
                    curves.append(
                        {"term": name, "model": label, "x": x, "value": v[i]}
                        | {"lower": lo[i], "upper": hi[i]}
                    )
                if sf.density_edges is not None:
                    edges = np.asarray(sf.density_edges, dtype=np.float64)
                    counts = np.asarray(sf.density_counts, dtype=np.float64)
                    widths = np.maximum(np.diff(edges), np.finfo(float).tiny)
                    total = counts.sum()
                    d = floats(counts / widths / total if total > 0 else counts * 0)
                    e = floats(edges)
                    for i in range(len(counts)):
                        density.append(
                            {"term": name, "model": label, "x0": e[i], "x1": e[i + 1]}
                            | {"density": d[i]}
                        )
        rows: list[dict[str, Any]] = []
        for label in map(str, self.labels):
            for metric, value in (self.metrics or {}).get(label, {}).items():
                if isinstance(value, int | float | np.number) and not isinstance(
                    value, bool
                ):
                    rows.append(
                        {"metric": str(metric), "model": label}
                        | {"value": floats([value])[0]}
                    )
        return {
            "compare_curves": curves,
            "compare_levels": levels,
            "compare_density": density,
            "compare_metrics": rows,
        }

    def _colour(self, legend: bool) -> alt.Color:
        scale = alt.Scale(domain=list(map(str, self.labels)), range=list(COLOURS))
        return alt.Color(
            "model:N",
            scale=scale,
            title=None,
            legend=alt.Legend(orient="top") if legend else None,
        )

    def _numeric(self, name: str, legend: bool) -> Any:
        only = alt.datum.term == name
        curves = alt.NamedData(name="compare_curves")
        x = alt.X("x:Q", title=name, axis=alt.Axis(format=X_FMT))
        dens = (
            alt.Chart(alt.NamedData(name="compare_density"))
            .transform_filter(only)
            .mark_rect(opacity=0.2)
            .encode(
                x=alt.X("x0:Q", title=name),
                x2="x1:Q",
                y=alt.Y("density:Q", axis=None, title=None),
                color=self._colour(False),
            )
        )
        band = (
            alt.Chart(curves)
            .transform_filter(only)
            .mark_area(opacity=0.2, interpolate="step")
            .encode(x=x, y="lower:Q", y2="upper:Q", color=self._colour(False))
        )
        line = (
            alt.Chart(curves)
            .transform_filter(only)
            .mark_line(strokeWidth=2, interpolate="step")
            .encode(
                x=x,
                y=alt.Y("value:Q", title="contribution"),
                color=self._colour(legend),
                tooltip=[
                    alt.Tooltip("model:N"),
                    alt.Tooltip("x:Q", format=X_FMT),
                    alt.Tooltip("value:Q", format=VALUE_FMT),
                ],
            )
        )
        return (
            alt.layer(dens, alt.layer(band, line))
            .resolve_scale(y="independent")
            .properties(width=self.width, height=self.height, title=name)
        )

    def _categorical(self, name: str, legend: bool) -> Any:
        only = alt.datum.term == name
        base = alt.Chart(alt.NamedData(name="compare_levels")).transform_filter(only)
        x = alt.X("level:N", title=name, sort=None)
        offset = alt.XOffset("model:N", sort=list(map(str, self.labels)))
        bars = base.mark_bar().encode(
            x=x,
            xOffset=offset,
            y=alt.Y("value:Q", title="contribution"),
            color=self._colour(legend),
            tooltip=[
                alt.Tooltip("model:N"),
                alt.Tooltip("level:N"),
                alt.Tooltip("value:Q", format=VALUE_FMT),
            ],
        )
        rules = base.mark_rule(color=PALETTE["text"]).encode(
            x=x, xOffset=offset, y="lower:Q", y2="upper:Q"
        )
        return alt.layer(bars, rules).properties(
            width=self.width, height=self.height, title=name
        )

    def _metrics_chart(self) -> alt.Chart:
        return (
            alt.Chart(alt.NamedData(name="compare_metrics"))
            .mark_bar()
            .encode(
                y=alt.Y("metric:N", title=None),
                yOffset="model:N",
                x=alt.X("value:Q", title="metric value"),
                color=self._colour(False),
                tooltip=[
                    alt.Tooltip("metric:N"),
                    alt.Tooltip("model:N"),
                    alt.Tooltip("value:Q", format=".4~r"),
                ],
            )
            .properties(width=self.width * 2, title="Metrics")
        )

    @unvalidated
    def chart(self) -> VConcatChart:
        """A grid of term charts (``columns`` per row), then the metrics."""
        charts = [
            self._numeric(name, i == 0)
            if kind == "numeric"
            else self._categorical(name, i == 0)
            for i, (name, kind, *_) in enumerate(self._shared)
        ]
        rows: list[Any] = [
            alt.hconcat(*charts[i : i + self.columns])
            for i in range(0, len(charts), self.columns)
        ]
        if self.metrics is not None:
            rows.append(self._metrics_chart())
        chart = VConcatChart(vconcat=rows)
        a, b = map(str, self.labels)
        return finish(
            chart,
            self.configure,
            self.datasets(),
            title=f"{a} and {b}, term by term",
        )
