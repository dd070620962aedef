//! `/`: how many runs of each kind exist, the recent runs (refreshed while any is running), and the datasets.

use crate::overview::{get_overview, get_recent_runs, RecentRun};
use crate::widgets::{show_errors, Loading, StatusBadge};
use leptos::prelude::*;
use model::DatasetRow;

/// The overview page.
#[component]
pub fn Overview() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_overview());
    view! {
        <h1>"Overview"</h1>
        <Suspense fallback=|| view! { <Loading/> }>
            <ErrorBoundary fallback=show_errors>
                {move || Suspend::new(async move {
                    data.await.map(|o| view! {
                        <section class="cards">
                            <Card label="Datasets" value=o.datasets.len() as i64/>
                            <Card label="Optimisation runs" value=o.optimize_runs href="/ui/runs"/>
                            <Card label="Stats rows" value=o.stats_rows href="/ui/stats"/>
                            <Card label="Seasonality runs" value=o.seasonality_runs href="/ui/seasonality"/>
                        </section>
                        <DatasetTable rows=o.datasets/>
                    })
                })}
            </ErrorBoundary>
        </Suspense>
        <RecentRuns/>
    }
}

/// Recent runs of every kind; polls every four seconds while one is queued or running.
#[component]
fn RecentRuns() -> impl IntoView {
    let recent = Resource::new(|| (), |_| get_recent_runs());
    #[cfg(feature = "hydrate")]
    {
        let busy = move || {
            recent.get_untracked().and_then(|r| r.ok()).is_some_and(|runs| {
                runs.iter()
                    .any(|r| model::jobs::JobStatus::from_label(&r.status).is_some_and(|s| !s.is_terminal()))
            })
        };
        if let Ok(handle) = leptos::leptos_dom::helpers::set_interval_with_handle(
            move || {
                if busy() {
                    recent.refetch();
                }
            },
            std::time::Duration::from_secs(4),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    view! {
        <section class="panel" id="recent">
            <div class="panel-head"><h2>"Recent runs"</h2></div>
            <Transition fallback=|| view! { <Loading/> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move { recent.await.map(|runs| view! { <RecentTable runs/> }) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn RecentTable(runs: Vec<RecentRun>) -> impl IntoView {
    if runs.is_empty() {
        return view! { <p class="empty">"No run yet. " <a href="/ui/submit">"Submit one"</a> "."</p> }.into_any();
    }
    view! {
        <table class="grid" id="recent-runs">
            <thead><tr><th scope="col">"Kind"</th><th scope="col">"Run"</th><th scope="col">"Status"</th><th scope="col">"When (UTC)"</th></tr></thead>
            <tbody>
                {runs.into_iter().map(|r| view! {
                    <tr>
                        <td>{r.kind.as_str()}</td>
                        <td class="mono"><a href=r.href>{r.run_id}</a></td>
                        <td>
                            <StatusBadge status=r.status/>
                            {r.progress.map(|p| view! { <span class="muted">{format!(" {:.0}%", crate::jobs::fraction(p) * 100.0)}</span> })}
                        </td>
                        <td>{r.when.unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// A count, linking to its page when it has one.
#[component]
fn Card(label: &'static str, value: i64, #[prop(optional)] href: Option<&'static str>) -> impl IntoView {
    view! {
        <div class="card">
            <div class="card-value">{value}</div>
            <div class="card-label">
                {match href {
                    Some(h) => view! { <a href=h>{label}</a> }.into_any(),
                    None => view! { <span>{label}</span> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// The datasets, with a symbol filter that works once the page is hydrated.
#[component]
fn DatasetTable(rows: Vec<DatasetRow>) -> impl IntoView {
    let (filter, set_filter) = signal(String::new());
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let total = rows.len();
    let visible = move || {
        let f = filter.get().to_uppercase();
        rows.iter()
            .filter(|r| r.symbol.to_uppercase().contains(&f))
            .cloned()
            .collect::<Vec<_>>()
    };
    let shown = {
        let visible = visible.clone();
        move || visible().len()
    };
    view! {
        <section class="panel" data-hydrated=move || hydrated.get().to_string()>
            <div class="panel-head">
                <h2>"Datasets"</h2>
                <label class="filter">
                    "Filter symbols "
                    <input id="symbol-filter" type="search" placeholder="e.g. BTC" prop:value=filter
                        on:input=move |ev| set_filter.set(event_target_value(&ev))/>
                </label>
                <span class="muted" id="dataset-count">{move || format!("{} of {}", shown(), total)}</span>
            </div>
            {(total == 0).then(|| view! { <p class="empty">"No dataset yet: run " <code>"qe data synth --register"</code> "."</p> })}
            <table class="grid" id="datasets">
                <thead><tr>
                    <th>"Name"</th><th>"Symbol"</th><th>"Timeframe"</th><th class="num">"Bars"</th>
                    <th>"First bar (UTC)"</th><th>"Last bar (UTC)"</th><th>"File"</th>
                </tr></thead>
                <tbody>
                    <For each=visible key=|r| (r.name.clone(), r.symbol.clone()) let:r>
                        <tr>
                            <td>{r.name}</td><td class="sym">{r.symbol}</td><td>{r.timeframe}</td>
                            <td class="num">{r.n_bars}</td><td>{r.start}</td><td>{r.end}</td>
                            <td class="path">{r.path}</td>
                        </tr>
                    </For>
                </tbody>
            </table>
        </section>
    }
}
