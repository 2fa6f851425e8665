"""Panel latency: a slider value change -> new chart specs and metrics, in Python.

Drives a NAMPanel (immediate redraw mode, as in tests) through its sliders'
traitlets and times each change until every chart spec and the metrics are
rebuilt. Prints a markdown table (median / p95 ms). The browser side (slider
keypress -> SVG redrawn) is measured in tests/browser/test_panel_browser.py.

    python benchmarks/panel_latency.py            # 10k and 100k rows
    python benchmarks/panel_latency.py --quick    # 10k rows, fewer repeats
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from namwidgets import NAMClassifier, NAMPanel, NAMRegressor
from namwidgets.datasets import make_additive


def _drag(panel, slider, values):
    times = []
    for v in values:
        t0 = time.perf_counter()
        slider.value = float(v)
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    sizes = [10_000] if args.quick else [10_000, 100_000]
    steps = 8 if args.quick else 30
    fit = dict(hidden_sizes=(32, 32), max_epochs=20, verbose=0, random_state=0)
    X, y = make_additive(5000, random_state=0)
    reg = NAMRegressor(**fit).fit(X, y)
    Xc, yc = make_additive(5000, classification=True, random_state=0)
    clf = NAMClassifier(**fit).fit(Xc, yc)
    print(f"# Panel latency (torch threads {args.threads}, {steps} slider steps)")
    print()
    print("| case | " + " | ".join(f"{n:,} rows" for n in sizes) + " |")
    print("|" + "---|" * (len(sizes) + 1))
    rows: dict[str, dict[int, list[float]]] = {}
    for n in sizes:
        for label, model, cls in (
            ("regression", reg, False),
            ("classifier", clf, True),
        ):
            Xn, yn = make_additive(n, classification=cls, random_state=1)
            panel = NAMPanel(model, Xn, yn, redraw_delay=0)
            panel.feature = "smooth"
            values = np.linspace(1.0, 0.2, steps)
            rows.setdefault(f"{label}: scale slider", {})[n] = _drag(
                panel, panel.scale, values
            )
            rows.setdefault(f"{label}: knot slider", {})[n] = _drag(
                panel, panel.knots[2], np.linspace(0, 1, steps)
            )
            panel.feature = "colour"
            cat = panel.category_box.children[0]
            rows.setdefault(f"{label}: category slider", {})[n] = _drag(
                panel, cat, np.linspace(-1, 1, steps)
            )
    for name, cells in rows.items():
        print(
            f"| {name} | "
            + " | ".join(
                f"{np.median(cells[n]):.1f} / {np.percentile(cells[n], 95):.1f}"
                for n in sizes
            )
            + " |"
        )
    print()
    print("Each cell: median / p95 ms from a slider value change to every chart spec,")
    print("the three-state metrics and the affected-rows summary rebuilt.")


if __name__ == "__main__":
    main()
