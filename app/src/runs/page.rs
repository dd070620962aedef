//! `/ui/runs`: optimisation runs, newest first, paged.

use crate::format::MISSING;
use crate::runs::{list_optimize_runs, RunList};
use crate::url;
use crate::widgets::{show_errors, Loading, Pager, StatusBadge};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The runs list page.
#[component]
pub fn Runs() -> impl IntoView {
    let query = use_query_map();
    let page = move || query.with(|q| url::page(q, "page"));
    let data = Resource::new(page, list_optimize_runs);
    view! {
        <h1>"Optimisation runs"</h1>
        <section class="panel">
            <Transition fallback=|| view! { <Loading/> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move { data.await.map(|list| view! { <RunTable list/> }) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn RunTable(list: RunList) -> impl IntoView {
    if list.runs.is_empty() && list.page == 1 {
        return view! {
            <p class="empty">"No optimisation run yet. " <a href="/ui/submit">"Submit one"</a> "."</p>
        }
        .into_any();
    }
    let prev = (list.page > 1).then(|| format!("/ui/runs?page={}", list.page - 1));
    let next = list.has_more.then(|| format!("/ui/runs?page={}", list.page + 1));
    let pages = if list.has_more { list.page + 1 } else { list.page };
    view! {
        <table class="grid" id="runs">
            <thead><tr>
                <th scope="col">"Run"</th><th scope="col">"Status"</th><th scope="col">"Objective"</th>
                <th scope="col">"Started (UTC)"</th><th scope="col">"Finished (UTC)"</th>
            </tr></thead>
            <tbody>
                {list.runs.into_iter().map(|r| view! {
                    <tr>
                        <td class="mono"><a href=format!("/ui/runs/{}", r.run_id)>{r.run_id.clone()}</a></td>
                        <td><StatusBadge status=r.status.unwrap_or_default()/></td>
                        <td>{r.objective.unwrap_or_else(|| MISSING.into())}</td>
                        <td>{r.started_at.unwrap_or_else(|| MISSING.into())}</td>
                        <td>{r.finished_at.unwrap_or_else(|| MISSING.into())}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager page=list.page pages summary="" prev next/>
    }
    .into_any()
}
