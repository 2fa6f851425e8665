"""An edited EBM: a copy of the EBM whose ``term_scores_`` carry the edits.

An edit gives every row of one bin the same value (the adapter's
``feature_values`` hands a row its bin's centre), so the edited function *is* one
score per bin. :func:`edited_ebm` finds those scores by asking the edited model
(through the protocol only) for the contributions of one representative row per
bin: the bin's centre (numeric) or label (categorical), NaN for the missing bin
and a value EBM does not know for the unknown bin; a pair gets one row per cell.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from ._ebm import EBMAdapter

# a value no numeric or categorical bin holds: EBM sends it to the unknown bin
_UNKNOWN = "\x00namwidgets-unknown"


def _representatives(adapter: EBMAdapter, feature: int, level: int) -> list[Any]:
    """One value per bin of a feature: missing, the bins, unknown."""
    if adapter.feature_kinds_[feature] == "numeric":
        inner: list[Any] = adapter.bin_centres(feature, level).tolist()
    else:
        inner = adapter.levels(feature, level)
    return [np.nan, *inner, _UNKNOWN]


def _block(adapter: EBMAdapter, t: int) -> pd.DataFrame:
    """Rows whose term-t contributions, in order, are term t's bins (C order)."""
    features = adapter.term_features_[t]
    level = len(features) - 1
    reps = [_representatives(adapter, f, level) for f in features]
    grids = np.meshgrid(*[np.arange(len(r)) for r in reps], indexing="ij")
    n = grids[0].size
    data: dict[str, Any] = {
        name: np.full(n, np.nan, dtype=object) for name in adapter.feature_names_
    }
    for f, r, g in zip(features, reps, grids):
        col = np.empty(len(r), dtype=object)
        col[:] = r
        data[adapter.feature_names_[f]] = col[g.ravel()]
    return pd.DataFrame(data, columns=adapter.feature_names_)


def bin_scores(adapter: EBMAdapter, model: Any, terms: list[int]) -> list[Any]:
    """``model``'s contribution of each bin of each listed term.

    Parameters
    ----------
    adapter : EBMAdapter
        The EBM whose bins are read.
    model : AdditiveModel
        The adapter itself or a model over it (an edited model).
    terms : list of int
        The terms to read.

    Returns
    -------
    list of ndarray
        Per term, shaped like ``ebm.term_scores_[t]``.
    """
    if not terms:
        return []
    blocks = [_block(adapter, t) for t in terms]
    frame = pd.concat(blocks, ignore_index=True)
    contrib = np.asarray(model.contributions_array(frame), dtype=np.float64)
    out, start = [], 0
    for t, block in zip(terms, blocks):
        column = contrib[start : start + len(block), t, :]
        start += len(block)
        shape = np.shape(adapter.ebm.term_scores_[t])
        out.append(column.reshape(shape))
    return out


def edited_ebm(adapter: EBMAdapter, edited: Any, terms: list[str]) -> Any:
    """A deep copy of the adapter's EBM with the edited model's term scores.

    Parameters
    ----------
    adapter : EBMAdapter
        The EBM the edits were made on (never modified).
    edited : AdditiveModel
        An edited model over ``adapter`` (``EditedModel(adapter, edits)``).
    terms : list of str
        The terms with edits in force; the others keep their scores as they are.

    Returns
    -------
    ExplainableBoostingRegressor or ExplainableBoostingClassifier
        Its ``term_scores_`` of edited terms are the edited bin scores;
        ``bagged_scores_`` move by the same amount (so the bags' spread, and
        ``standard_deviations_``, are kept); the intercept, bins and weights are
        the original's. ``predict``, ``explain_global`` and ``to_json`` work on
        it and agree with the session.
    """
    ebm = copy.deepcopy(adapter.ebm)
    index = [adapter.term_names_.index(name) for name in terms]
    for t, scores in zip(index, bin_scores(adapter, edited, index)):
        old = np.asarray(ebm.term_scores_[t], dtype=np.float64)
        new = np.ascontiguousarray(scores, dtype=np.float64)
        ebm.term_scores_[t] = new
        bagged = getattr(ebm, "bagged_scores_", None)
        if bagged is not None and bagged[t] is not None:
            bagged[t] = np.asarray(bagged[t], dtype=np.float64) + (new - old)[None]
    return ebm
