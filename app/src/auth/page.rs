//! `/ui/signin?next=…`: trades the API token for a session cookie (`POST /ui/signin`). Once hydrated the form posts
//! JSON and shows a refusal at the field; without the WASM it posts as a plain form and the server redirects.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use crate::auth::{local_path, sign_in_status, AuthStatus};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The sign-in page.
#[component]
pub fn SignIn() -> impl IntoView {
    let query = use_query_map();
    let next = query.with_untracked(|q| local_path(&q.get("next").unwrap_or_else(|| "/".into())));
    let failed = query.with_untracked(|q| q.get("failed").is_some());
    let status = Resource::new(|| (), |_| sign_in_status());
    let error = RwSignal::new(failed.then(|| "Wrong token.".to_string()));
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let input = NodeRef::<leptos::html::Input>::new();
    let on_submit = {
        let next = next.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let token = read_value(input);
            if token.trim().is_empty() {
                error.set(Some("Enter the API token.".into()));
                return;
            }
            error.set(None);
            busy.set(true);
            send(token, next.clone(), error, busy);
        }
    };
    view! {
        <h1>"Sign in"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                status.await.ok().map(|s| view! { <StatusNote status=s/> })
            })}
        </Suspense>
        <form class="panel signin" id="signin-form" method="post" action="/ui/signin" on:submit=on_submit
            data-hydrated=move || hydrated.get().to_string()>
            <input type="hidden" name="next" value=next.clone()/>
            <label for="token" class="field-label">"API token (QE_API_TOKEN)"</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required=true node_ref=input
                aria-invalid=move || error.get().is_some().to_string() aria-describedby="signin-error"/>
            <p id="signin-error" class="field-error" role="alert">{move || error.get()}</p>
            <button type="submit" id="signin-button" disabled=move || busy.get()>
                {move || if busy.get() { "Signing in…" } else { "Sign in" }}
            </button>
            <p class="muted">"The session lasts 12 hours, or until the server restarts."</p>
        </form>
    }
}

/// A line above the form when no sign-in is needed or one is already held.
#[component]
fn StatusNote(status: AuthStatus) -> impl IntoView {
    let note = match (status.required, status.signed_in) {
        (false, _) => Some("No API token is configured: the dashboard is open to everyone."),
        (true, true) => Some("You are signed in."),
        (true, false) => None,
    };
    note.map(|n| view! { <p class="muted" id="signin-note">{n}</p> })
}

#[cfg(feature = "hydrate")]
fn read_value(input: NodeRef<leptos::html::Input>) -> String {
    input.get_untracked().map(|i| i.value()).unwrap_or_default()
}

#[cfg(not(feature = "hydrate"))]
fn read_value(_input: NodeRef<leptos::html::Input>) -> String {
    String::new()
}

/// Posts the token as JSON; on success loads `next` afresh (so the header shows the session), else shows why not.
#[cfg(feature = "hydrate")]
fn send(token: String, next: String, error: RwSignal<Option<String>>, busy: RwSignal<bool>) {
    leptos::task::spawn_local(async move {
        let body = serde_json::json!({ "token": token, "next": next }).to_string();
        let result = crate::browser::post("/ui/signin", Some(&body)).await;
        let _ = busy.try_set(false);
        let message = match result {
            Ok((200, _)) => {
                if let Some(w) = web_sys::window() {
                    let _ = w.location().assign(&next);
                }
                return;
            }
            Ok((401, _)) => "Wrong token.".to_string(),
            Ok((status, text)) => format!("{status}: {}", crate::format::detail_text(&text)),
            Err(e) => format!("Could not reach the server: {e}"),
        };
        let _ = error.try_set(Some(message));
    });
}

#[cfg(not(feature = "hydrate"))]
fn send(_token: String, _next: String, _error: RwSignal<Option<String>>, _busy: RwSignal<bool>) {}
