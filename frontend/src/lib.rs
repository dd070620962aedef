//! WASM entry point: attaches the app to the server-rendered HTML.

use wasm_bindgen::prelude::wasm_bindgen;

/// Called by the generated loader script once the module is fetched.
#[wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
