// namwidgets: Altair's JupyterChart front end (above, unchanged but for its
// default export), wrapped so that the panel's redraws send data only.
//
// Altair's render() re-embeds the chart on every `spec` change, and after each
// embed it adds one more `change:_py_to_js_updates` listener that writes named
// datasets into that embed's Vega view. Wrapped here:
// - its model's on("change:_py_to_js_updates", handler) keeps only the latest
//   embed's handler (no listener per re-embed, each redrawing a dead view);
// - the panel's `_live_data` trait (the datasets that differ from the spec's)
//   goes to that handler when it changes, and once right after every embed, so
//   that a view rendered later (a second display, a reload) shows the current
//   data, not the spec's.
async function namwidgetsLiveRender({ model, el }) {
    let latest = null;
    const apply = () => {
        const updates = model.get("_live_data") ?? [];
        if (latest != null && updates.length) {
            latest(updates);
        }
    };
    const proxy = new Proxy(model, {
        get(target, prop) {
            if (prop === "on") {
                return (event, handler, context) => {
                    if (event === "change:_py_to_js_updates") {
                        latest = handler;
                        apply();
                        return;
                    }
                    return target.on(event, handler, context);
                };
            }
            const value = target[prop];
            return typeof value === "function" ? value.bind(target) : value;
        },
    });
    model.on("change:_live_data", apply);
    return render({ model: proxy, el });
}
export default { render: namwidgetsLiveRender };
