// namwidgets: Altair's JupyterChart front end (above, unchanged but for its
// default export), wrapped so that the panel's redraws send data only, and so
// that the view on the page always shows the latest spec and data.
//
// Altair's render() re-embeds the chart on every `spec` (embed_options,
// debounce_wait, max_wait) change, with no guard: each re-embed awaits
// vega-embed, so two close together can finish out of order (the page then
// shows an older spec, or the data handlers are bound to a view that is no
// longer on the page, and every later data update is lost). After each embed it
// adds one more `change:_params` and `change:_py_to_js_updates` listener bound
// to that embed's Vega view, never removed. Wrapped here, through the model it
// is given:
// - its re-embed listener is taken, not registered: changes ask for a re-embed,
//   and re-embeds run one at a time; a change while one runs makes one more run
//   after it, which reads the spec then (the last spec wins, those in between
//   are skipped);
// - its `_params` and `_py_to_js_updates` listeners: only the latest embed's is
//   kept (none while an embed runs), so they always write into the view that is
//   shown;
// - the panel's `_live_data` trait (the datasets that differ from the spec's)
//   goes to that view when it changes, and once right after every embed, so
//   that a view rendered later (a re-embed, a second display, a reload) shows
//   the current data, not the spec's; a dataset dropped from it is written
//   back from the spec.
const NAMWIDGETS_REEMBED = new Set([
    "change:spec",
    "change:embed_options",
    "change:debounce_wait",
    "change:max_wait",
]);

async function namwidgetsLiveRender({ model, el }) {
    // the shown view's handlers (Altair's, from its latest embed), or null
    // while an embed runs
    const shown = { data: null, params: null };
    // the top-level datasets written into the shown view, by name
    let written = new Set();
    const apply = () => {
        if (shown.data == null) {
            return;
        }
        const updates = model.get("_live_data") ?? [];
        const names = new Set(
            updates
                .filter((u) => u.namespace === "data" && !(u.scope ?? []).length)
                .map((u) => u.name),
        );
        // a dataset written before and no longer in `_live_data` shows the
        // spec's rows again: a build whose spec equals the one the view was
        // embedded with changes no trait in the browser, so nothing re-embeds
        const datasets = model.get("spec")?.datasets ?? {};
        const back = [...written]
            .filter((name) => !names.has(name) && name in datasets)
            .map((name) => ({ namespace: "data", name, scope: [], value: datasets[name] }));
        written = names;
        if (back.length || updates.length) {
            shown.data([...back, ...updates]);
        }
    };
    let reembed = null; // Altair's
    let queued = false; // a re-embed asked for since the last one started
    let busy = null; // the embed running, or null
    const serve = async (first) => {
        try {
            await first();
        } catch (error) {
            console.error("namwidgets: chart embed failed", error);
        }
        while (queued && reembed != null) {
            queued = false;
            shown.data = shown.params = null;
            try {
                await reembed();
            } catch (error) {
                console.error("namwidgets: chart re-embed failed", error);
            }
        }
        busy = null;
    };
    const request = () => {
        queued = true;
        shown.data = null; // the view is about to be replaced
        if (busy == null) {
            busy = serve(async () => {});
        }
    };
    const forward = (key) => (...args) => {
        const handler = shown[key];
        return handler == null ? undefined : handler(...args);
    };
    const registered = new Set();
    const proxy = new Proxy(model, {
        get(target, prop) {
            if (prop === "on") {
                return (event, handler, context) => {
                    if (NAMWIDGETS_REEMBED.has(event)) {
                        reembed = handler;
                    } else if (event === "change:_params") {
                        shown.params = handler;
                    } else if (event === "change:_py_to_js_updates") {
                        shown.data = handler;
                        written = new Set(); // a fresh embed shows the spec's
                        apply();
                    } else {
                        return target.on(event, handler, context);
                    }
                    // one listener per event, whatever number of embeds ran
                    if (!registered.has(event)) {
                        registered.add(event);
                        const listener = NAMWIDGETS_REEMBED.has(event)
                            ? request
                            : forward(event === "change:_params" ? "params" : "data");
                        target.on(event, listener, context);
                    }
                };
            }
            const value = target[prop];
            return typeof value === "function" ? value.bind(target) : value;
        },
    });
    model.on("change:_live_data", apply);
    busy = serve(() => render({ model: proxy, el }));
    await busy;
}
export default { render: namwidgetsLiveRender };
