//! Pages whose content arrives with later work: each says what it will hold and what exists today.

use leptos::prelude::*;

/// `/ui/runs`: optimisation runs.
#[component]
pub fn Runs() -> impl IntoView {
    view! { <h1>"Optimisation runs"</h1><p class="empty">"No optimisation run yet."</p> }
}

/// `/ui/stats`: market statistics.
#[component]
pub fn Stats() -> impl IntoView {
    view! { <h1>"Market stats"</h1><p class="empty">"No statistics yet."</p> }
}

/// `/ui/seasonality`: seasonality profiles.
#[component]
pub fn Seasonality() -> impl IntoView {
    view! { <h1>"Seasonality"</h1><p class="empty">"No seasonality run yet."</p> }
}

/// `/ui/submit`: the spec editor.
#[component]
pub fn Submit() -> impl IntoView {
    view! { <h1>"Submit"</h1><p class="empty">"Job submission is not available yet."</p> }
}

/// Any unknown path.
#[component]
pub fn NotFound() -> impl IntoView {
    view! { <h1>"Not found"</h1><p>"There is no page at this address. " <a href="/">"Back to the overview"</a></p> }
}
