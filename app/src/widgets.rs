//! Small shared pieces: loading and error states, status badges, metric cards, sortable headers and a pager.

use crate::format::status_class;
use leptos::prelude::*;

/// What a panel shows while its data loads.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" aria-live="polite">"Loading…"</p> }
}

/// The messages of an error boundary, as an alert.
pub fn show_errors(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <p class="error" role="alert">
            "Could not load this panel: "
            {move || errors.get().into_iter().map(|(_, e)| e.to_string()).collect::<Vec<_>>().join("; ")}
        </p>
    }
}

/// A run status as a coloured badge.
#[component]
pub fn StatusBadge(#[prop(into)] status: String) -> impl IntoView {
    let class = status_class(&status);
    view! { <span class=class>{status}</span> }
}

/// A labelled number.
#[component]
pub fn Card(#[prop(into)] label: String, #[prop(into)] value: String) -> impl IntoView {
    view! {
        <div class="card">
            <div class="card-value">{value}</div>
            <div class="card-label">{label}</div>
        </div>
    }
}

/// A sortable numeric column's header: a link to `href` (the other order), the arrow and `aria-sort` of
/// `descending` (None: the table is not sorted on this column).
#[component]
pub fn SortHeader(
    field: &'static str,
    #[prop(into)] label: String,
    href: String,
    descending: Option<bool>,
) -> impl IntoView {
    let (aria, arrow) = match descending {
        None => ("none", ""),
        Some(true) => ("descending", " ▼"),
        Some(false) => ("ascending", " ▲"),
    };
    view! {
        <th scope="col" class="num" class:sorted=descending.is_some() aria-sort=aria data-field=field>
            <a href=href>{label}{arrow}</a>
        </th>
    }
}

/// "Page x of y" with previous/next links (absent at the ends).
#[component]
pub fn Pager(
    page: i64,
    pages: i64,
    #[prop(into)] summary: String,
    prev: Option<String>,
    next: Option<String>,
) -> impl IntoView {
    view! {
        <nav class="pager" aria-label="Pages">
            {match prev {
                Some(href) => view! { <a class="button" rel="prev" href=href>"← Previous"</a> }.into_any(),
                None => view! { <span class="button disabled" aria-disabled="true">"← Previous"</span> }.into_any(),
            }}
            <span class="page-of">{format!("Page {page} of {}", pages.max(1))}</span>
            {match next {
                Some(href) => view! { <a class="button" rel="next" href=href>"Next →"</a> }.into_any(),
                None => view! { <span class="button disabled" aria-disabled="true">"Next →"</span> }.into_any(),
            }}
            <span class="muted">{summary}</span>
        </nav>
    }
}

/// Links that download the rows of the API read `api` (a path with its filters) as CSV and as Parquet.
#[component]
pub fn Downloads(#[prop(into)] api: String, #[prop(into)] id: String) -> impl IntoView {
    let sep = if api.contains('?') { '&' } else { '?' };
    view! {
        <span class="downloads" id=id>
            <span class="muted">"Download "</span>
            <a class="button" href=format!("{api}{sep}format=csv") download="">"CSV"</a>
            " "
            <a class="button" href=format!("{api}{sep}format=parquet") download="">"Parquet"</a>
        </span>
    }
}

/// `path?k=v&…` of the pairs that have a value, percent-encoded.
pub fn api_query(path: &str, pairs: &[(&str, Option<String>)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", crate::url::escape(v))))
        .collect();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", q.join("&"))
    }
}
