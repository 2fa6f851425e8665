// namwidgets: a focused slider's keys reach the slider in Notebook 7 too.
//
// Notebook 7 starts its Lumino application without `bubblingKeydown` (which
// JupyterLab 4.1+ passes), so the application's shortcut handler listens to
// `keydown` on the document in the capture phase: it sees a key before the
// focused noUiSlider handle does, and when a notebook shortcut's selector
// matches the handle (a focused, not editable element in command mode), it
// calls preventDefault() and stopPropagation(): the handle never gets the key.
// Lumino's matcher stops at an element marked `data-lm-suppress-shortcuts`.
// A capturing listener on the window (which runs before the document's) marks
// a handle inside a namwidgets panel just before Lumino looks, for the
// slider's own keys only: other keys (Shift+Enter, Escape) still reach the
// notebook's shortcuts, as in JupyterLab, where the slider handles its keys
// first and the shortcuts see only the rest.
const SLIDER_KEYS = new Set([
    "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown",
    "PageUp", "PageDown", "Home", "End",
]);
const ATTRIBUTE = "data-lm-suppress-shortcuts";

function guardSliderKeys(event) {
    const target = event.target;
    if (!(target instanceof Element) || !target.matches(".noUi-handle")) {
        return;
    }
    if (target.closest(".nam-panel") === null) {
        return;
    }
    if (SLIDER_KEYS.has(event.key)) {
        target.setAttribute(ATTRIBUTE, "true");
    } else {
        target.removeAttribute(ATTRIBUTE);
    }
}

function render({ el }) {
    el.style.display = "none";
    // once per page, whichever panel renders first
    if (!window.__namwidgetsSliderKeys) {
        window.addEventListener("keydown", guardSliderKeys, { capture: true });
        window.__namwidgetsSliderKeys = true;
    }
}

export default { render };
