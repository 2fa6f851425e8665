"""Where the panel's controls go: three columns that fit a 1280-px laptop screen.

Terms and history on the left, the shape chart (the drag widget lying over
it, :func:`~namwidgets.widget._drag.overlay_box`) with its edit controls in the
middle, the effect (metrics, how predictions moved, the detail tabs) on the
right: at 1280x800 cause and effect show together without scrolling. In a
narrow output the columns wrap under each other in that order.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from ._drag import overlay_box

#: Widths in pixels of the left and middle columns (the charts size the right).
LEFT_WIDTH = 200
MIDDLE_WIDTH = 440
RIGHT_WIDTH = 430  # the charts in it are sized to fit (``_views.RIGHT_WIDTH``)
#: Width of a slider in the middle column's two-slider rows.
HALF_SLIDER = "215px"


def _rows(items: list[W.Widget], per_row: int = 2) -> list[W.HBox]:
    return [W.HBox(items[i : i + per_row]) for i in range(0, len(items), per_row)]


def arrange(p: Any) -> list[W.Widget]:
    """Place the controls of panel ``p`` (made by ``_build_controls``).

    Sets ``p.numeric_controls``, ``p.categorical_controls`` and
    ``p.pair_controls`` (the edit controls of a numeric / categorical / pair
    term) and returns the panel's children.
    """
    for slider in (p.scale, p.shift, *p.knots):
        slider.layout.width = HALF_SLIDER
        slider.style.description_width = "48px"
    # the knots are dragged on the chart itself; their sliders fold away (the
    # toggle opens them: the precise, keyboard path)
    p.knot_sliders_box = W.VBox(_rows(list(p.knots)), layout=W.Layout(display="none"))
    p.drag_hint = W.HTML(
        "<small>On the chart: drag a red knot or the region (its handle) up "
        "or down; brush to choose the region</small>",
        layout=W.Layout(width="320px"),
    )
    p.numeric_controls = W.VBox(
        [
            W.HBox([p.scale, p.shift]),
            W.HBox([p.drag_hint, p.knot_sliders_toggle]),
            p.knot_sliders_box,
            p.range,
            W.HBox([*p.region_buttons.values(), p.clamp_button]),
            p.nan_slider,
        ]
    )
    p.categorical_controls = W.VBox(
        [
            W.HBox([p.scale, p.shift]),
            W.HTML("<small>On the chart: drag a bar up or down</small>"),
            p.category_box,
        ]
    )
    # a pair term: the edits of a whole 2-D function (no knots, 1-D region,
    # category or missing-value sliders: those are a main effect's)
    p.pair_controls = W.VBox([p.scale, p.shift, p.show_original])
    narrow = W.Layout(width=f"{LEFT_WIDTH - 4}px")
    for widget in (p.features, p.history_list, p.path, p.message):
        widget.layout.width = narrow.width
    left = W.VBox(
        [
            W.HTML("<b>Terms</b> <small>(by importance; ● edited)</small>"),
            p.features,
            W.HTML("<b>History</b>"),
            p.history_list,
            W.HBox([p.undo_button, p.redo_button]),
            W.HBox([p.reset_feature_button, p.reset_all_button]),
            p.message,
            p.path,
            W.HBox([p.save_button, p.load_button]),
            p.status,
        ],
        layout=W.Layout(width=f"{LEFT_WIDTH}px"),
    )
    # the drag widget lies over the shape chart: one chart to the eye
    p.shape_box = overlay_box(p.shape_chart, p.drag_curve)
    middle_items = [p.shape_box, W.HBox([p.zero, p.x_range_toggle]), p.controls]
    if p.class_picker is not None:
        middle_items.insert(0, p.class_picker)
    middle = W.VBox(middle_items, layout=W.Layout(width=f"{MIDDLE_WIDTH}px"))
    p.detail_pickers = W.HBox([p.row_picker, p.slice_picker])
    right = W.VBox(
        [
            p.feedback_chart,
            p.affected_html,
            p.detail_toggle,
            p.detail_pickers,
            p.detail_chart,
        ],
        layout=W.Layout(width=f"{RIGHT_WIDTH}px"),
    )
    # columns keep their width and wrap under each other in a narrow output
    # area, rather than squeezing and clipping each other
    for column in (left, middle, right):
        column.layout.flex = "0 0 auto"
        column.layout.margin = "0 8px 0 0"
    return [W.HBox([left, middle, right], layout=W.Layout(flex_flow="row wrap"))]
