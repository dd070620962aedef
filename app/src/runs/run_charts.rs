//! Chart panels of a run page: the parameter heatmap (axes, metric and aggregation chosen in a GET form and kept
//! in the URL as `hx`, `hy`, `hm`, `agg`), the search's history, importance and slices (metric `sm`), the
//! in-sample vs out-of-sample scatter and the equity curve.

use crate::charts::{Chart, ChartSpec};
use crate::format::{metric_label, pct};
use crate::runs::{
    get_param_heatmap, get_run_charts, get_search_views, ParamHeatmap, RunCharts, SearchViews, METRIC_COLUMNS,
};
use crate::url;
use crate::widgets::{show_errors, Loading};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_query_map};

/// The parameter heatmap of run `run_id`.
#[component]
pub fn HeatmapPanel(run_id: Memo<String>) -> impl IntoView {
    let query = use_query_map();
    let key = move || {
        query.with(|q| {
            (
                run_id.get(),
                url::get(q, "hx"),
                url::get(q, "hy"),
                url::get(q, "hm"),
                url::get(q, "agg"),
            )
        })
    };
    let heat = Resource::new(key, |(id, x, y, m, a)| get_param_heatmap(id, x, y, m, a));
    view! {
        <section class="panel" id="heatmap">
            <h2>"Parameter heatmap"</h2>
            <p class="muted">"Plateaus of good values are robust; a lone bright cell is more likely luck."</p>
            <Transition fallback=|| view! { <Loading/> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move { heat.await.map(|h| view! { <HeatmapBody h/> }) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn HeatmapBody(h: ParamHeatmap) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let action = use_location().pathname.get_untracked();
    let keep: Vec<(String, String)> = query
        .into_iter()
        .filter(|(k, _)| !["hx", "hy", "hm", "agg"].contains(&&**k))
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let select =
        |name: &'static str, id: &'static str, label: &'static str, current: &str, options: Vec<(String, String)>| {
            let current = current.to_string();
            view! {
                <label>{label} " "
                    <select name=name id=id>
                        {options.into_iter().map(|(value, text)| {
                            let selected = value == current;
                            view! { <option value=value selected=selected>{text}</option> }
                        }).collect_view()}
                    </select>
                </label>
            }
        };
    let params: Vec<(String, String)> = h.params.iter().map(|p| (p.clone(), p.clone())).collect();
    let metrics: Vec<(String, String)> = METRIC_COLUMNS
        .iter()
        .map(|m| (m.to_string(), metric_label(m)))
        .collect();
    let aggs = vec![
        ("max".to_string(), "max".to_string()),
        ("mean".to_string(), "mean".to_string()),
    ];
    let title = format!("{} by {} and {}", metric_label(&h.metric), h.x, h.y);
    view! {
        <form class="filter" method="get" action=action id="heatmap-form">
            {keep.into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v/> }).collect_view()}
            {select("hx", "hx", "X axis", &h.x, params.clone())}
            {select("hy", "hy", "Y axis", &h.y, params)}
            {select("hm", "hm", "Colour", &h.metric, metrics)}
            {select("agg", "agg", "Other parameters", &h.agg, aggs)}
            <button type="submit">"Draw"</button>
        </form>
        {match (h.chart, h.note) {
            (Some(spec), _) => view! {
                <Chart id="param-heatmap" spec label=title height=420 empty="No trial has this metric."/>
                {h.neighbourhood.map(|n| view! { <p class="muted" id="heatmap-neighbourhood">{n}</p> })}
            }.into_any(),
            (None, note) => view! { <p class="empty">{note.unwrap_or_default()}</p> }.into_any(),
        }}
    }
}

/// The overfitting scatter and the equity/drawdown of run `run_id`.
#[component]
pub fn RunChartsPanel(run_id: Memo<String>) -> impl IntoView {
    let charts = Resource::new(move || run_id.get(), get_run_charts);
    view! {
        <Suspense fallback=|| view! { <section class="panel"><Loading/></section> }>
            <ErrorBoundary fallback=show_errors>
                {move || Suspend::new(async move { charts.await.map(|c| view! { <ChartsBody c/> }) })}
            </ErrorBoundary>
        </Suspense>
    }
}

#[component]
fn ChartsBody(c: RunCharts) -> impl IntoView {
    view! {
        <div class="two-up">
            <section class="panel" id="overfit">
                <h2>"In-sample vs out-of-sample"</h2>
                <p class="muted">{c.scatter_note.clone()}</p>
                {c.scatter.map(|spec| view! {
                    <Chart id="overfit-scatter" spec label="Objective per trial: in-sample (x) against out-of-sample (y)" height=360/>
                })}
            </section>
            <section class="panel" id="equity">
                <h2>"Equity of the selected parameters"</h2>
                <p class="muted">{c.equity_note.clone()}</p>
                {c.equity.map(|spec| view! { <Chart id="equity-chart" spec label="Equity per fold (UTC dates)" height=260/> })}
                {c.drawdown.map(|spec| view! { <Chart id="drawdown-chart" spec label="Drawdown from the running peak" height=160/> })}
            </section>
        </div>
    }
}

/// The search's history with its best-so-far line, parameter importance and slices, on the metric `sm`.
#[component]
pub fn SearchPanel(run_id: Memo<String>) -> impl IntoView {
    let query = use_query_map();
    let key = move || (run_id.get(), query.with(|q| url::get(q, "sm")));
    let views = Resource::new(key, |(id, metric)| get_search_views(id, metric));
    view! {
        <section class="panel" id="search">
            <h2>"The search"</h2>
            <Transition fallback=|| view! { <Loading/> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move { views.await.map(|v| view! { <SearchBody v/> }) })}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn SearchBody(v: SearchViews) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let action = use_location().pathname.get_untracked();
    let keep: Vec<(String, String)> = query
        .into_iter()
        .filter(|(k, _)| k != "sm")
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let label = metric_label(&v.metric);
    view! {
        <form class="filter" method="get" action=action id="search-form">
            {keep.into_iter().map(|(k, v)| view! { <input type="hidden" name=k value=v/> }).collect_view()}
            <label>"Metric "
                <select name="sm" id="sm">
                    {METRIC_COLUMNS.iter().map(|m| {
                        let selected = *m == v.metric;
                        view! { <option value=*m selected=selected>{metric_label(m)}</option> }
                    }).collect_view()}
                </select>
            </label>
            <button type="submit">"Draw"</button>
        </form>
        <div class="two-up">
            <div id="history">
                <h3>"History"</h3>
                <p class="muted">{format!("{label} of each trial in evaluation order (out of sample); orange: the best so far; red: the selected trial.")}</p>
                {match v.history {
                    Some(spec) => view! { <Chart id="history-chart" spec label=format!("{label} by trial number") height=300/> }.into_any(),
                    None => view! { <p class="empty">"No trial has this metric."</p> }.into_any(),
                }}
            </div>
            <div id="importance">
                <h3>"Parameter importance"</h3>
                <p class="muted">{format!("Share of the variance of {label} across trials that each parameter's values explain on their own (η², the first-order term of optuna's fANOVA on a full grid).")}</p>
                {match v.importance {
                    Some(spec) => view! {
                        <Chart id="importance-chart" spec=spec.clone() label=format!("Importance for {label}") height=260/>
                        <ImportanceTable spec/>
                    }.into_any(),
                    None => view! { <p class="empty">"Importance needs a searched parameter and trials that differ."</p> }.into_any(),
                }}
            </div>
        </div>
        <h3>"Slices"</h3>
        <p class="muted">{format!("{label} against each searched parameter, one dot per trial: a ridge is a robust value, a lone peak luck.")}</p>
        <div class="chart-grid" id="slices">
            {v.slices.into_iter().map(|(name, spec)| view! {
                <Chart id=format!("slice-{name}") spec label=format!("{label} by {name}") height=240/>
            }).collect_view()}
        </div>
    }
}

/// The importance bars as a table (readable without the canvas).
#[component]
fn ImportanceTable(spec: ChartSpec) -> impl IntoView {
    let ChartSpec::Bars(b) = spec else { return ().into_any() };
    view! {
        <table class="grid compact" id="importance-table">
            <thead><tr><th scope="col">"Parameter"</th><th scope="col" class="num">"Share of variance"</th></tr></thead>
            <tbody>
                {b.labels.into_iter().zip(b.values).map(|(name, v)| view! {
                    <tr><td class="param">{name}</td><td class="num">{v.map(pct).unwrap_or_default()}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
