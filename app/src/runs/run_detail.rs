//! `/ui/runs/{id}`: one optimisation run — summary, leaderboard, parameter heatmap, the search (history with the
//! best so far, importance, slices), overfitting scatter, equity and the PBO panel. Every panel loads on its own;
//! the URL holds the leaderboard, heatmap and search state.

use super::leaderboard::LeaderboardPanel;
use super::run_charts::{HeatmapPanel, RunChartsPanel, SearchPanel};
use super::run_overfitting::OverfittingPanel;
use crate::format::{metric, metric_label, num, MISSING};
use crate::runs::{get_run_overview, RunOverview};
use crate::widgets::{show_errors, Card, Loading, StatusBadge};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// The run page.
#[component]
pub fn RunDetail() -> impl IntoView {
    let params = use_params_map();
    let run_id = Memo::new(move |_| params.with(|p| p.get("id").unwrap_or_default()));
    let overview = Resource::new(move || run_id.get(), get_run_overview);
    view! {
        <p class="crumbs"><a href="/ui/runs">"Optimisation runs"</a> " / " <span class="mono">{move || run_id.get()}</span></p>
        <Suspense fallback=|| view! { <Loading/> }>
            <ErrorBoundary fallback=show_errors>
                {move || Suspend::new(async move {
                    overview.await.map(|o| match o {
                        Some(o) => view! { <RunHeader o/> }.into_any(),
                        None => view! {
                            <h1>"Run not found"</h1>
                            <p class="empty">"There is no optimisation run with this id. " <a href="/ui/runs">"All runs"</a></p>
                        }.into_any(),
                    })
                })}
            </ErrorBoundary>
        </Suspense>
        <LeaderboardPanel run_id overview/>
        <HeatmapPanel run_id/>
        <SearchPanel run_id/>
        <RunChartsPanel run_id/>
        <OverfittingPanel run_id/>
    }
}

#[component]
fn RunHeader(o: RunOverview) -> impl IntoView {
    let run = o.run.clone();
    let in_sample = match o.in_sample {
        Some(true) => view! { <span class="badge warn" title="No train window: parameters were selected on the data they are reported on">"in-sample selection"</span> }.into_any(),
        Some(false) => view! { <span class="badge ok">"walk-forward (out of sample)"</span> }.into_any(),
        None => view! { <span class="badge idle">"selection mode unknown"</span> }.into_any(),
    };
    view! {
        <h1>"Run " <span class="mono">{run.run_id.clone()}</span></h1>
        <div class="meta">
            <StatusBadge status=run.status.clone().unwrap_or_default()/>
            {in_sample}
            <span>"Objective: " <b>{run.objective.clone().unwrap_or_else(|| MISSING.into())}</b></span>
            <span>"Started " {run.started_at.clone().unwrap_or_else(|| MISSING.into())}</span>
            <span>"Finished " {run.finished_at.clone().unwrap_or_else(|| MISSING.into())}</span>
        </div>
        <section class="cards" id="run-cards">
            <Card label="Trials" value=crate::format::group(o.n_trials)/>
            <Card label="Deflated Sharpe" value=o.deflated_sharpe.map(num).unwrap_or_else(|| MISSING.into())/>
            {o.aggregated.iter().take(6).map(|(k, v)| view! { <Card label=format!("OOS {}", metric_label(k)) value=metric(k, *v)/> }).collect_view()}
        </section>
        <section class="panel" id="best">
            <h2>"Selected parameters"</h2>
            {if o.best_params.is_empty() {
                view! { <p class="empty">"No completed trial yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="chips" id="best-params">
                        {o.best_params.iter().map(|(k, v)| view! { <li><span class="muted">{k.clone()}</span> " " <b>{v.clone()}</b></li> }).collect_view()}
                        {o.best_trial.map(|t| view! {
                            <li><a href=format!("/ui/runs/{}/trials/{t}", run.run_id) id="best-trial-link">{format!("trial #{t}: trades and equity")}</a></li>
                        })}
                    </ul>
                }.into_any()
            }}
            <FoldTable o=o.clone()/>
        </section>
    }
}

/// Out-of-sample metrics: the stitched walk-forward path and each fold's test window.
#[component]
fn FoldTable(o: RunOverview) -> impl IntoView {
    if o.aggregated.is_empty() && o.folds.is_empty() {
        return view! { <p class="empty">"No metrics stored for this run yet."</p> }.into_any();
    }
    let names: Vec<String> = o.aggregated.iter().map(|(k, _)| k.clone()).collect();
    let value = |m: &Vec<(String, f64)>, k: &str| {
        m.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| metric(k, *v))
            .unwrap_or_else(|| MISSING.into())
    };
    view! {
        <table class="grid compact" id="fold-metrics">
            <thead><tr>
                <th scope="col">"Window"</th>
                {names.iter().map(|n| view! { <th scope="col" class="num">{metric_label(n)}</th> }).collect_view()}
            </tr></thead>
            <tbody>
                <tr class="total">
                    <th scope="row">"Walk-forward (all folds)"</th>
                    {names.iter().map(|n| view! { <td class="num">{value(&o.aggregated, n)}</td> }).collect_view()}
                </tr>
                {o.folds.iter().map(|(f, m)| view! {
                    <tr>
                        <th scope="row">{format!("Fold {f} (test)")}</th>
                        {names.iter().map(|n| view! { <td class="num">{value(m, n)}</td> }).collect_view()}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
