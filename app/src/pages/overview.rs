//! `/`: the datasets available and how many runs of each kind exist.

use crate::api::get_overview;
use leptos::prelude::*;
use model::DatasetRow;

/// The overview page.
#[component]
pub fn Overview() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_overview());
    view! {
        <h1>"Overview"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <p class="error">"Could not load the overview: " {move || format!("{:?}", errors.get())}</p> }>
                {move || Suspend::new(async move {
                    data.await.map(|o| view! {
                        <section class="cards">
                            <Card label="Datasets" value=o.datasets.len() as i64/>
                            <Card label="Optimisation runs" value=o.optimize_runs/>
                            <Card label="Stats rows" value=o.stats_rows/>
                            <Card label="Seasonality runs" value=o.seasonality_runs/>
                        </section>
                        <DatasetTable rows=o.datasets/>
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn Card(label: &'static str, value: i64) -> impl IntoView {
    view! {
        <div class="card">
            <div class="card-value">{value}</div>
            <div class="card-label">{label}</div>
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
