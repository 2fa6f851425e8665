"""Where the panel's controls go: three columns that wrap in a narrow output."""

from __future__ import annotations

from typing import Any

import ipywidgets as W


def arrange(p: Any) -> list[W.Widget]:
    """Place the controls of panel ``p`` (made by ``_build_controls``).

    Sets ``p.numeric_controls``, ``p.categorical_controls`` and
    ``p.pair_controls`` (the edit controls of a numeric / categorical / pair
    term) and returns the panel's children.
    """
    p.numeric_controls = W.VBox(
        [
            W.HBox([p.scale]),
            p.shift,
            W.HTML("<small>Knots: a piecewise-linear offset (drag to reshape)</small>"),
            *p.knots,
            p.range,
            W.HBox(list(p.region_buttons.values())),
            p.clamp_button,
            p.nan_slider,
        ]
    )
    p.categorical_controls = W.VBox([p.scale, p.shift, p.category_box])
    # a pair term: the edits of a whole 2-D function (no knots, 1-D region,
    # category or missing-value sliders: those are a main effect's)
    p.pair_controls = W.VBox([p.scale, p.shift, p.show_original])
    left = W.VBox(
        [
            W.HTML("<b>Terms</b> <small>(by importance; ● edited)</small>"),
            p.features,
            W.HTML("<b>History</b>"),
            p.history_list,
            W.HBox([p.undo_button, p.redo_button]),
            W.HBox([p.reset_feature_button, p.reset_all_button]),
            p.path,
            W.HBox([p.save_button, p.load_button]),
            p.status,
        ],
        layout=W.Layout(width="250px"),
    )
    middle_items = [p.shape_chart, W.HBox([p.zero, p.message]), p.controls]
    if p.class_picker is not None:
        middle_items.insert(0, p.class_picker)
    middle = W.VBox(middle_items)
    p.detail_pickers = W.HBox([p.row_picker, p.slice_picker])
    right = W.VBox(
        [
            p.feedback_chart,
            p.affected_html,
            p.detail_toggle,
            p.detail_pickers,
            p.detail_chart,
        ]
    )
    # columns keep their width and wrap under each other in a narrow output
    # area, rather than squeezing and clipping each other
    for column in (left, middle, right):
        column.layout.flex = "0 0 auto"
    return [W.HBox([left, middle, right], layout=W.Layout(flex_flow="row wrap"))]
