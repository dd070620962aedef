//! The Quant Engine dashboard: the HTML shell, the router and one folder per feature (`runs`, `stats`,
//! `seasonality`, `jobs`, `submit`, `overview`, `auth`). A feature's `mod.rs` holds its view types and server
//! functions, `ssr` their server-only bodies (behind the `ssr` feature) and `page.rs` (with its panels) the
//! components; `charts`, `format`, `widgets`, `url` and `browser` are shared below the features, `layout` frames
//! them, and the browser build uses `hydrate`.

pub mod auth;
#[cfg(feature = "hydrate")]
mod browser;
pub mod charts;
pub mod format;
pub mod jobs;
mod layout;
pub mod overview;
pub mod runs;
pub mod seasonality;
#[cfg(feature = "ssr")]
mod server_fns;
pub mod stats;
pub mod submit;
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
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=overview::page::Overview/>
                    <Route path=path!("/ui/runs") view=runs::page::Runs/>
                    <Route path=path!("/ui/runs/:id") view=runs::run_detail::RunDetail/>
                    <Route path=path!("/ui/runs/:id/trials/:trial") view=runs::trial::page::Trial/>
                    <Route path=path!("/ui/jobs/:id") view=jobs::page::Job/>
                    <Route path=path!("/ui/stats") view=stats::page::Stats/>
                    <Route path=path!("/ui/seasonality") view=seasonality::page::Seasonality/>
                    <Route path=path!("/ui/submit") view=submit::page::Submit/>
                    <Route path=path!("/ui/signin") view=auth::page::SignIn/>
                </Routes>
            </layout::Shell>
        </Router>
    }
}

/// Any unknown path.
#[component]
fn NotFound() -> impl IntoView {
    view! { <h1>"Not found"</h1><p>"There is no page at this address. " <a href="/">"Back to the overview"</a></p> }
}
