//! `/ui/seasonality`: the runs; for the chosen run (`?run=`) and symbol (`?symbol=`) a profile chart per dim,
//! the weekday × hour heatmap, the lift-correlation matrix across symbols for a chosen dim (`?corr=`), the
//! comparison with another symbol (`?vs=`) and the per-year stability of a chosen dim (`?years=`).

use super::stability::YearStability;
use super::trials::SeasonalityTrials;
use crate::charts::Chart;
use crate::format::{opt, signed, MISSING};
use crate::seasonality::{get_seasonality, Comparison, SeasonalityView};
use crate::url;
use crate::widgets::{api_query, show_errors, Downloads, Loading, StatusBadge};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The seasonality page.
#[component]
pub fn Seasonality() -> impl IntoView {
    let query = use_query_map();
    let key = move || {
        query.with(|q| {
            (
                url::get(q, "run"),
                url::get(q, "symbol"),
                url::get(q, "corr"),
                url::get(q, "vs"),
                url::get(q, "years"),
            )
        })
    };
    let data = Resource::new(key, |(run, symbol, corr, vs, years)| {
        get_seasonality(run, symbol, corr, vs, years)
    });
    view! {
        <h1>"Seasonality"</h1>
        <Transition fallback=|| view! { <Loading/> }>
            <ErrorBoundary fallback=show_errors>
                {move || Suspend::new(async move { data.await.map(|v| view! { <SeasonalityBody v/> }) })}
            </ErrorBoundary>
        </Transition>
    }
}

/// The API read of the shown profiles: the chosen run's spec and dataset, the chosen symbol.
fn profiles_query(v: &SeasonalityView) -> String {
    let run = v.runs.iter().find(|r| Some(&r.run_id) == v.run_id.as_ref());
    api_query(
        "/seasonality/profiles",
        &[
            ("spec_id", run.and_then(|r| r.spec_id.clone())),
            ("dataset_id", run.and_then(|r| r.dataset_id.clone())),
            ("symbol", v.symbol.clone()),
        ],
    )
}

#[component]
fn SeasonalityBody(v: SeasonalityView) -> impl IntoView {
    if v.runs.is_empty() {
        return view! {
            <p class="empty">"No seasonality run yet. " <a href="/ui/submit">"Submit one"</a> "."</p>
        }
        .into_any();
    }
    let query = use_query_map().get_untracked();
    let here = |changes: &[(&str, Option<String>)]| url::link("/ui/seasonality", &query, changes);
    let selected = v.run_id.clone().unwrap_or_default();
    view! {
        <section class="panel" id="seasonality-runs">
            <h2>"Runs"</h2>
            <table class="grid compact">
                <thead><tr><th scope="col">"Run"</th><th scope="col">"Status"</th><th scope="col">"Spec"</th>
                    <th scope="col">"Dataset"</th><th scope="col">"Created (UTC)"</th></tr></thead>
                <tbody>
                    {v.runs.iter().map(|r| {
                        let current = r.run_id == selected;
                        view! {
                            <tr class:current=current>
                                <td class="mono"><a href=here(&[("run", Some(r.run_id.clone())), ("symbol", None)])
                                    aria-current={if current { Some("true") } else { None }}>{r.run_id.clone()}</a></td>
                                <td><StatusBadge status=r.status.clone()/></td>
                                <td>{r.spec_id.clone().unwrap_or_else(|| MISSING.into())}</td>
                                <td>{r.dataset_id.clone().unwrap_or_else(|| MISSING.into())}</td>
                                <td>{r.created_at.clone()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <nav class="chips" aria-label="Symbol" id="symbols">
            <span class="muted">"Symbol:"</span>
            {v.symbols.iter().map(|s| {
                let current = v.symbol.as_deref() == Some(s.as_str());
                view! {
                    <a class="chip" class:active=current href=here(&[("symbol", Some(s.clone()))])
                        aria-current={if current { Some("page") } else { None }}>{s.clone()}</a>
                }
            }).collect_view()}
            <span class="muted">{v.measure.map(|m| format!("measure: {m}"))}</span>
            <Downloads api=profiles_query(&v) id="profile-downloads"/>
        </nav>
        {if v.profiles.is_empty() {
            view! { <p class="empty">"This run stored no profiles."</p> }.into_any()
        } else {
            view! {
                <div class="chart-grid" id="profiles">
                    {v.profiles.iter().map(|p| view! {
                        <section class="panel profile">
                            <h2>{p.dim.replace('_', " ")}</h2>
                            <p class="muted">{format!("{} bins, {} insufficient", p.bins, p.insufficient)}</p>
                            <Chart id=format!("profile-{}", p.dim) spec=p.chart.clone()
                                label=format!("{} per {} bin with 95% interval and baseline", if v.measure == Some(model::seasonality::Measure::Return) { "Mean return" } else { "P(up)" }, p.dim)
                                height=260 empty="Every bin of this dim has too few observations."/>
                        </section>
                    }).collect_view()}
                </div>
            }.into_any()
        }}
        <div class="two-up">
            <section class="panel" id="weekday-hour">
                <h2>"Weekday × hour"</h2>
                {match v.weekday_hour.clone() {
                    Some(spec) => view! { <Chart id="weekday-hour-chart" spec label="Lift by ISO weekday and UTC hour" height=300/> }.into_any(),
                    None => view! { <p class="empty">"No weekday × hour profile in this run (enable profile.by_weekday_hour)."</p> }.into_any(),
                }}
            </section>
            <section class="panel" id="correlation">
                <h2>"Lift correlation across symbols"</h2>
                <nav class="chips" aria-label="Dimension">
                    {v.corr_dims.iter().map(|d| {
                        let current = v.corr_dim.as_deref() == Some(d.as_str());
                        view! { <a class="chip" class:active=current href=here(&[("corr", Some(d.clone()))])>{d.clone()}</a> }
                    }).collect_view()}
                </nav>
                {match v.correlation.clone() {
                    Some(spec) => view! { <Chart id="correlation-chart" spec label=format!("Pearson correlation of per-bin lifts on {}", v.corr_dim.clone().unwrap_or_default()) height=300/> }.into_any(),
                    None => view! { <p class="empty">"A correlation needs at least two symbols with lifts on this dim."</p> }.into_any(),
                }}
            </section>
        </div>
        <SeasonalityTrials trials=v.trials.clone() total=v.trial_count run_id=selected.clone()/>
        <YearStability dims=v.stability_dims.clone() dim=v.stability_dim.clone() stability=v.stability.clone()
            symbol=v.symbol.clone().unwrap_or_default()/>
        {v.comparison.clone().map(|c| view! { <CompareSymbols c symbols=v.symbols.clone()/> })}
    }
    .into_any()
}

/// The chosen symbol against another on the correlation dim: the lift correlation and the bins side by side.
#[component]
fn CompareSymbols(c: Comparison, symbols: Vec<String>) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let others: Vec<String> = symbols.into_iter().filter(|s| *s != c.symbol_a).collect();
    let corr = c
        .correlation
        .map(|r| format!("{r:.3}"))
        .unwrap_or_else(|| MISSING.into());
    view! {
        <section class="panel" id="compare">
            <h2>{format!("{} against another symbol on {}", c.symbol_a, c.dim.replace('_', " "))}</h2>
            <nav class="chips" aria-label="Compared symbol">
                <span class="muted">"vs"</span>
                {others.iter().map(|s| {
                    let current = *s == c.symbol_b;
                    view! {
                        <a class="chip" class:active=current href=url::link("/ui/seasonality", &query, &[("vs", Some(s.clone()))])
                            aria-current={if current { Some("page") } else { None }}>{s.clone()}</a>
                    }
                }).collect_view()}
            </nav>
            <p>"Lift correlation: " <strong class="num" id="compare-correlation">{corr}</strong>
               {format!(" over {} common bins", c.bins.len())}</p>
            <table class="grid compact">
                <thead><tr><th scope="col">"Bin"</th><th scope="col" class="num">{format!("lift {}", c.symbol_a)}</th>
                    <th scope="col" class="num">{format!("lift {}", c.symbol_b)}</th><th scope="col" class="num">"difference"</th>
                    <th scope="col" class="num">{format!("n {}", c.symbol_a)}</th><th scope="col" class="num">{format!("n {}", c.symbol_b)}</th></tr></thead>
                <tbody>
                    {c.bins.into_iter().map(|b| view! {
                        <tr><td>{b.bin}</td><td class="num">{opt(b.lift_a, signed)}</td><td class="num">{opt(b.lift_b, signed)}</td>
                            <td class="num">{opt(b.lift_diff, signed)}</td><td class="num">{b.n_a}</td><td class="num">{b.n_b}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
