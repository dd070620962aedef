//! The page frame: header with navigation, content, footer.

use crate::auth::{sign_in_status, AuthStatus};
use leptos::prelude::*;
use leptos_router::components::A;

/// Wraps every page in the navigation bar and main content area.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    // `data-hydrated` turns true once the WASM has taken over (browser tests wait for it).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let pathname = leptos_router::hooks::use_location().pathname;
    view! {
        <leptos_meta::Title text=move || page_title(&pathname.get())/>
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="topbar">
            <a class="brand" href="/">"Quant Engine"</a>
            <nav aria-label="Main">
                <A href="/ui/runs">"Runs"</A>
                <A href="/ui/stats">"Stats"</A>
                <A href="/ui/seasonality">"Seasonality"</A>
                <A href="/ui/submit">"Submit"</A>
                <SignInLink/>
            </nav>
        </header>
        <main class="content" id="main" data-hydrated=move || hydrated.get().to_string()>{children()}</main>
    }
}

/// The browser tab's title of the page at `path`: what it shows, then the product.
pub fn page_title(path: &str) -> String {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let what = match parts.as_slice() {
        [""] => "Overview".to_string(),
        ["ui", "runs"] => "Optimisation runs".into(),
        ["ui", "runs", id] => format!("Run {id}"),
        ["ui", "runs", id, "trials", n] => format!("Trial #{n} of run {id}"),
        ["ui", "jobs", id] => format!("Job {id}"),
        ["ui", "stats"] => "Market statistics".into(),
        ["ui", "seasonality"] => "Seasonality".into(),
        ["ui", "submit"] => "Submit a job".into(),
        ["ui", "signin"] => "Sign in".into(),
        _ => "Not found".into(),
    };
    format!("{what} · Quant Engine")
}

/// "Sign in" (or "Sign out" with a session) in the navigation, only when the server has an API token.
#[component]
fn SignInLink() -> impl IntoView {
    let status = Resource::new(|| (), |_| sign_in_status());
    let location = leptos_router::hooks::use_location();
    let (pathname, search) = (location.pathname, location.search);
    let href = move || sign_in_href(&pathname.get(), &search.get());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(AuthStatus { required: true, signed_in: true }) => view! {
                        <form class="signout" method="post" action="/ui/signout">
                            <button type="submit" class="link" id="signout">"Sign out"</button>
                        </form>
                    }
                    .into_any(),
                    Ok(AuthStatus { required: true, signed_in: false }) => {
                        view! { <a href=href id="signin-link">"Sign in"</a> }.into_any()
                    }
                    _ => ().into_any(),
                }
            })}
        </Suspense>
    }
}

/// The sign-in page, told to come back to `path?search` afterwards.
fn sign_in_href(path: &str, search: &str) -> String {
    if path == "/ui/signin" || path.is_empty() {
        return "/ui/signin".into();
    }
    let here = if search.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{search}")
    };
    format!("/ui/signin?next={}", crate::url::escape(&here))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sign_in_link_comes_back_to_the_page() {
        assert_eq!(
            super::sign_in_href("/ui/runs", "page=2"),
            "/ui/signin?next=%2Fui%2Fruns%3Fpage%3D2"
        );
        assert_eq!(super::sign_in_href("/ui/signin", "next=%2F"), "/ui/signin");
    }

    #[test]
    fn every_page_has_its_own_title() {
        let t = super::page_title;
        assert_eq!(t("/"), "Overview · Quant Engine");
        assert_eq!(t("/ui/runs"), "Optimisation runs · Quant Engine");
        assert_eq!(t("/ui/runs/abc/"), "Run abc · Quant Engine");
        assert_eq!(t("/ui/runs/abc/trials/7"), "Trial #7 of run abc · Quant Engine");
        assert_eq!(t("/ui/stats"), "Market statistics · Quant Engine");
        assert_eq!(t("/nowhere"), "Not found · Quant Engine");
    }
}
