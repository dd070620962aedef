//! Chart panels of a run page: the parameter heatmap (axes, metric and aggregation chosen in a GET form and kept
//! in the URL as `hx`, `hy`, `hm`, `agg`), the in-sample vs out-of-sample scatter and the equity curve.

use crate::api::runs::{get_param_heatmap, get_run_charts, ParamHeatmap, RunCharts, METRIC_COLUMNS};
use crate::charts::Chart;
use crate::format::metric_label;
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
            <section class="panel" id="history">
                <h2>"Trial history"</h2>
                <p class="muted">"Out-of-sample objective of each trial in evaluation order; red: the selected trial."</p>
                {match c.history.clone() {
                    Some(spec) => view! { <Chart id="history-chart" spec label="Objective by trial number" height=300/> }.into_any(),
                    None => view! { <p class="empty">"No trial has an objective value yet."</p> }.into_any(),
                }}
            </section>
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
