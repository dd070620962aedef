//! The Quant Engine dashboard: the HTML shell, the router and the pages.
//! Server-only code sits behind the `ssr` feature; the browser build uses `hydrate`.

pub mod api;
#[cfg(feature = "ssr")]
mod backend;
#[cfg(feature = "hydrate")]
mod browser;
pub mod charts;
#[cfg(feature = "ssr")]
pub mod compute;
pub mod format;
mod layout;
mod pages;
mod url;
mod widgets;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                // Plain head tags: the shell is rendered on the server only, so nothing here takes part in hydration.
                <link rel="stylesheet" href="/pkg/quant-engine.css"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The routed application; `/` is the overview, pages live under `/ui/…`.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Router>
            <layout::Shell>
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::Overview/>
                    <Route path=path!("/ui/runs") view=pages::Runs/>
                    <Route path=path!("/ui/runs/:id") view=pages::RunDetail/>
                    <Route path=path!("/ui/runs/:id/trials/:trial") view=pages::Trial/>
                    <Route path=path!("/ui/jobs/:id") view=pages::Job/>
                    <Route path=path!("/ui/stats") view=pages::Stats/>
                    <Route path=path!("/ui/seasonality") view=pages::Seasonality/>
                    <Route path=path!("/ui/submit") view=pages::Submit/>
                    <Route path=path!("/ui/signin") view=pages::SignIn/>
                </Routes>
            </layout::Shell>
        </Router>
    }
}
