//! The page frame: header with navigation, content, footer.

use leptos::prelude::*;
use leptos_router::components::A;

/// Wraps every page in the navigation bar and main content area.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Quant Engine"</a>
            <nav aria-label="Main">
                <A href="/ui/runs">"Runs"</A>
                <A href="/ui/stats">"Stats"</A>
                <A href="/ui/seasonality">"Seasonality"</A>
                <A href="/ui/submit">"Submit"</A>
            </nav>
        </header>
        <main class="content">{children()}</main>
    }
}
