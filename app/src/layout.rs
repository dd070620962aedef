//! The page frame: header with navigation, content, footer.

use leptos::prelude::*;
use leptos_router::components::A;

/// Wraps every page in the navigation bar and main content area.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    // `data-hydrated` turns true once the WASM has taken over (browser tests wait for it).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">"Quant Engine"</a>
            <nav aria-label="Main">
                <A href="/ui/runs">"Runs"</A>
                <A href="/ui/stats">"Stats"</A>
                <A href="/ui/seasonality">"Seasonality"</A>
                <A href="/ui/submit">"Submit"</A>
            </nav>
        </header>
        <main class="content" id="main" data-hydrated=move || hydrated.get().to_string()>{children()}</main>
    }
}
