//! Browser-only helpers (the `hydrate` build): POST requests to the JSON API and server-sent events.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn js_text(e: JsValue) -> String {
    e.as_string()
        .or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string()))
        .unwrap_or_else(|| "request failed".into())
}

/// POSTs `body` (JSON text, or nothing) to `url` with `Prefer: respond-async`; returns the status and body text.
pub async fn post(url: &str, body: Option<&str>) -> Result<(u16, String), String> {
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    let headers = web_sys::Headers::new().map_err(js_text)?;
    headers.set("Prefer", "respond-async").map_err(js_text)?;
    headers.set("Accept", "application/json").map_err(js_text)?;
    if let Some(b) = body {
        headers.set("Content-Type", "application/json").map_err(js_text)?;
        init.set_body(&JsValue::from_str(b));
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(url, &init).map_err(js_text)?;
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(js_text)?
        .dyn_into()
        .map_err(js_text)?;
    let text = JsFuture::from(response.text().map_err(js_text)?)
        .await
        .map_err(js_text)?
        .as_string()
        .unwrap_or_default();
    Ok((response.status(), text))
}

/// An open `EventSource`; closed when dropped.
pub struct Events {
    source: web_sys::EventSource,
    _handlers: Vec<Closure<dyn FnMut(web_sys::MessageEvent)>>,
}

impl Events {
    /// Subscribes to `url`, calling `on(event_name, data)` for each named event in `names`, and
    /// `on("error", "")` when the connection fails.
    pub fn open(url: &str, names: &[&str], on: impl Fn(&str, String) + Clone + 'static) -> Result<Events, String> {
        let source = web_sys::EventSource::new(url).map_err(js_text)?;
        let mut handlers = Vec::new();
        for name in names.iter().chain(std::iter::once(&"error")) {
            let (on, event) = (on.clone(), name.to_string());
            let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
                on(&event, e.data().as_string().unwrap_or_default());
            });
            source
                .add_event_listener_with_callback(name, handler.as_ref().unchecked_ref())
                .map_err(js_text)?;
            handlers.push(handler);
        }
        Ok(Events {
            source,
            _handlers: handlers,
        })
    }

    /// Stops listening.
    pub fn close(&self) {
        self.source.close();
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        self.source.close();
    }
}
