//! `/ui/submit`: a spec editor with the reference examples to start from. The JSON is checked in the browser
//! first (line and column named at the field), then posted with `Prefer: respond-async`; a `202 {"id"}` leads to
//! the job page, an error body's `detail` is shown at the field.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use crate::submit::{list_spec_examples, SpecExample};
use crate::widgets::{show_errors, Loading};
use leptos::prelude::*;
use model::jobs::JobKind;

/// The JSON syntax error of `text`, naming line and column, or None when it parses.
pub fn json_error(text: &str) -> Option<String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => None,
        Ok(_) => Some("The spec must be a JSON object ({ … }).".into()),
        Err(e) => Some(format!("Line {}, column {}: {e}", e.line(), e.column())),
    }
}

/// The submit page.
#[component]
pub fn Submit() -> impl IntoView {
    let examples = Resource::new(|| (), |_| list_spec_examples());
    let kind = RwSignal::new(JobKind::Optimize);
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let navigate = leptos_router::hooks::use_navigate();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = text.get_untracked();
        if let Some(e) = json_error(&body) {
            error.set(Some(e));
            return;
        }
        error.set(None);
        busy.set(true);
        send(kind.get_untracked(), body, error, busy, navigate.clone());
    };
    view! {
        <h1>"Submit a job"</h1>
        <form class="panel submit" id="submit-form" on:submit=on_submit data-hydrated=move || hydrated.get().to_string()>
            <div class="panel-head">
                <label>"Kind "
                    <select id="kind" prop:value=move || kind.get().as_str()
                        on:change=move |ev| if let Ok(k) = event_target_value(&ev).parse() { kind.set(k) }>
                        {JobKind::ALL.iter().map(|k| view! {
                            <option value=k.as_str()>{format!("{} (POST {})", k.label(), k.endpoint())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <Suspense fallback=|| view! { <Loading/> }>
                    <ErrorBoundary fallback=show_errors>
                        {move || Suspend::new(async move {
                            examples.await.map(|list| view! { <Examples list kind text error/> })
                        })}
                    </ErrorBoundary>
                </Suspense>
            </div>
            <label for="spec" class="field-label">"Spec (JSON)"</label>
            <textarea id="spec" name="spec" rows="22" spellcheck="false" prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                aria-invalid=move || error.get().is_some().to_string() aria-describedby="spec-error"></textarea>
            <p id="spec-error" class="field-error" role="alert">{move || error.get()}</p>
            <button type="submit" id="submit-button" disabled=move || busy.get() || !hydrated.get()>
                {move || if busy.get() { "Submitting…" } else { "Submit" }}
            </button>
        </form>
    }
}

/// Buttons that load an example into the editor and pick its kind.
#[component]
fn Examples(
    list: Vec<SpecExample>,
    kind: RwSignal<JobKind>,
    text: RwSignal<String>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <span class="muted">"No examples found."</span> }.into_any();
    }
    view! {
        <div class="examples" id="examples">
            <span class="muted">"Start from: "</span>
            {list.into_iter().map(|ex| {
                let (name, label) = (ex.name.clone(), ex.name.clone());
                let needs_mysql = ex.needs_mysql;
                let title = needs_mysql.then_some("Needs a MySQL marketdata source (QE_MARKETDATA_MYSQL_URL)");
                view! {
                    <button type="button" class="chip" class:needs-mysql=needs_mysql data-example=name title=title
                        on:click=move |_| {
                        kind.set(ex.kind);
                        text.set(ex.text.clone());
                        error.set(None);
                    }>{label}{needs_mysql.then_some(view! { <span class="chip-note">" · MySQL"</span> })}</button>
                }
            }).collect_view()}
        </div>
    }
    .into_any()
}

/// Posts the spec and goes to the job page, or shows the error at the field.
#[cfg(feature = "hydrate")]
fn send(
    kind: JobKind,
    body: String,
    error: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    navigate: impl Fn(&str, leptos_router::NavigateOptions) + 'static,
) {
    leptos::task::spawn_local(async move {
        let result = crate::browser::post(kind.endpoint(), Some(&body)).await;
        let _ = busy.try_set(false);
        match result {
            Ok((status, text)) if (200..300).contains(&status) => {
                let id = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| {
                    v.get("id")
                        .or_else(|| v.get("run_id"))
                        .and_then(|i| i.as_str().map(str::to_string))
                });
                match id {
                    Some(id) => navigate(&format!("/ui/jobs/{id}?kind={kind}"), Default::default()),
                    None => {
                        let _ = error.try_set(Some(format!("Accepted ({status}) but the answer has no id: {text}")));
                    }
                }
            }
            Ok((status, text)) => {
                let _ = error.try_set(Some(format!("{status}: {}", crate::format::detail_text(&text))));
            }
            Err(e) => {
                let _ = error.try_set(Some(format!("Could not reach the server: {e}")));
            }
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn send(
    _kind: JobKind,
    _body: String,
    _error: RwSignal<Option<String>>,
    _busy: RwSignal<bool>,
    _navigate: impl Fn(&str, leptos_router::NavigateOptions) + 'static,
) {
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_name_line_and_column() {
        assert_eq!(json_error(r#"{"a": 1}"#), None);
        let e = json_error("{\n  \"a\": 1,\n  oops\n}").unwrap();
        assert!(e.starts_with("Line 3, column 3"), "{e}");
        assert!(json_error("[1]").unwrap().contains("JSON object"));
    }
}
