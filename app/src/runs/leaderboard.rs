//! The leaderboard panel of a run: every trial, sorted by any metric column (click a header), filtered by one
//! parameter value, paged on the server. Sort, page and filter live in the URL (`sort`, `page`, `filter`).

use crate::format::{group, metric, metric_label, MISSING};
use crate::runs::{get_leaderboard, Leaderboard, RunOverview, METRIC_COLUMNS};
use crate::url;
use crate::widgets::{show_errors, Downloads, Loading, Pager, SortHeader, StatusBadge};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};
use leptos_router::params::ParamsMap;

/// The leaderboard of run `run_id`.
#[component]
pub fn LeaderboardPanel(
    run_id: Memo<String>,
    /// The run's overview (its parameters fill the filter).
    overview: Resource<Result<Option<RunOverview>, ServerFnError>>,
) -> impl IntoView {
    let query = use_query_map();
    let key = move || {
        query.with(|q| {
            (
                run_id.get(),
                url::get(q, "sort"),
                url::page(q, "page"),
                url::get(q, "filter"),
            )
        })
    };
    let board = Resource::new(key, |(id, sort, page, filter)| {
        let (param, value) = match filter.as_deref().and_then(|f| f.split_once('=')) {
            Some((p, v)) => (Some(p.to_string()), Some(v.to_string())),
            None => (None, None),
        };
        get_leaderboard(id, sort, Some(page), param, value)
    });
    view! {
        <section class="panel" id="leaderboard">
            <div class="panel-head">
                <h2>"Leaderboard"</h2>
                {move || view! { <Downloads api=format!("/runs/{}/trials", run_id.get()) id="trial-downloads"/> }}
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let choices = overview.await.ok().flatten().map(|o| o.params).unwrap_or_default();
                        view! { <FilterForm choices/> }
                    })}
                </Suspense>
            </div>
            <Transition fallback=|| view! { <Loading/> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        board.await.map(|b| view! { <BoardTable b/> })
                    })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

/// A GET form choosing one `name=value` filter; works without scripts.
#[component]
fn FilterForm(choices: Vec<(String, Vec<String>)>) -> impl IntoView {
    let query = use_query_map();
    let location = use_location();
    let current = query.with_untracked(|q| url::get(q, "filter")).unwrap_or_default();
    let keep: Vec<(String, String)> = query.with_untracked(|q| {
        q.clone()
            .into_iter()
            .filter(|(k, _)| k != "filter" && k != "page")
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    });
    let action = location.pathname.get_untracked();
    view! {
        <form class="filter" method="get" action=action id="trial-filter">
            {keep.into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v/> }).collect_view()}
            <label>"Parameter "
                <select name="filter" id="filter-select">
                    <option value="" selected=current.is_empty()>"All trials"</option>
                    {choices.into_iter().map(|(name, values)| {
                        let current = current.clone();
                        view! {
                            <optgroup label=name.clone()>
                                {values.into_iter().map(|v| {
                                    let pair = format!("{name}={v}");
                                    let selected = pair == current;
                                    view! { <option value=pair.clone() selected=selected>{format!("{name} = {v}")}</option> }
                                }).collect_view()}
                            </optgroup>
                        }
                    }).collect_view()}
                </select>
            </label>
            <button type="submit">"Filter"</button>
        </form>
    }
}

fn sort_link(q: &ParamsMap, path: &str, b: &Leaderboard, field: &str) -> String {
    let dir = if b.sort_field == field && b.descending {
        "asc"
    } else {
        "desc"
    };
    url::link(path, q, &[("sort", Some(format!("{field}.{dir}"))), ("page", None)])
}

#[component]
fn BoardTable(b: Leaderboard) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let path = use_location().pathname.get_untracked();
    if b.rows.is_empty() {
        return view! { <p class="empty" id="leaderboard-empty">"No trial matches."</p> }.into_any();
    }
    let pages = (b.total + b.page_size - 1) / b.page_size;
    let page_link = |p: i64| url::link(&path, &query, &[("page", Some(p.to_string()))]);
    let prev = (b.page > 1).then(|| page_link(b.page - 1));
    let next = (b.page < pages).then(|| page_link(b.page + 1));
    let header = |field: &'static str, label: String| {
        let descending = (b.sort_field == field).then_some(b.descending);
        view! { <SortHeader field label href=sort_link(&query, &path, &b, field) descending/> }
    };
    view! {
        <table class="grid" id="trials">
            <thead><tr>
                {header("trial_number", "#".into())}
                <th scope="col">"Status"</th>
                {b.param_names.iter().map(|p| view! { <th scope="col" class="param">{p.clone()}</th> }).collect_view()}
                {METRIC_COLUMNS.iter().map(|m| header(m, metric_label(m))).collect_view()}
            </tr></thead>
            <tbody>
                {b.rows.iter().map(|r| view! {
                    <tr>
                        <td class="num trial">
                            <a href=format!("{}/trials/{}", path.trim_end_matches('/'), r.trial_number) title="Open this trial: its trades and equity">{r.trial_number}</a>
                        </td>
                        <td><StatusBadge status=r.status.clone()/></td>
                        {r.params.iter().map(|p| view! { <td class="param">{p.clone()}</td> }).collect_view()}
                        {r.metrics.iter().zip(METRIC_COLUMNS).map(|(v, m)| view! {
                            <td class="num" data-metric=m>{v.map(|v| metric(m, v)).unwrap_or_else(|| MISSING.into())}</td>
                        }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager page=b.page pages summary=format!("{} trials", group(b.total)) prev next/>
    }
    .into_any()
}
