//! The seasonality page's per-year stability panel: for one dim of the chosen symbol, lift by year and bin, the
//! share of years each bin beat its year's baseline, and the same numbers as a table.

use crate::charts::{Chart, ChartSpec};
use crate::format::{opt, signed};
use crate::seasonality::Stability;
use crate::url;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The stability panel; `dims` are the dims it can show, `dim` the chosen one.
#[component]
pub fn YearStability(
    dims: Vec<String>,
    dim: Option<String>,
    stability: Option<Stability>,
    symbol: String,
) -> impl IntoView {
    let query = use_query_map().get_untracked();
    let body = match stability {
        None => view! {
            <p class="empty">"No per-year cells are stored for this run (runs stored before they were kept, or persistence off)."</p>
        }
        .into_any(),
        Some(s) => {
            let dim_label = s.dim.replace('_', " ");
            view! {
                <p class="muted">{format!("{symbol}, {} calendar years; lift against each year's own baseline", s.years)}</p>
                <div class="two-up">
                    <Chart id="stability-heatmap" spec=ChartSpec::Heatmap(s.heatmap.clone())
                        label=format!("Lift by year and {dim_label} bin") height=260/>
                    <Chart id="stability-positive" spec=ChartSpec::Bars(s.positive.clone())
                        label=format!("Share of years with positive lift per {dim_label} bin") height=260
                        empty="No bin has a year with enough observations."/>
                </div>
                <details>
                    <summary>"Table"</summary>
                    <table class="grid compact" id="stability-table">
                        <thead><tr><th scope="col">"Bin"</th><th scope="col" class="num">"Years with lift > 0"</th>
                            <th scope="col" class="num">"Mean lift"</th><th scope="col" class="num">"Worst year's lift"</th></tr></thead>
                        <tbody>
                            {s.bins.into_iter().map(|b| view! {
                                <tr><td>{b.bin}</td><td class="num">{format!("{} / {}", b.positive, b.years)}</td>
                                    <td class="num">{opt(b.mean_lift, signed)}</td><td class="num">{opt(b.min_lift, signed)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </details>
            }
            .into_any()
        }
    };
    view! {
        <section class="panel" id="stability">
            <h2>"Stability across years"</h2>
            <nav class="chips" aria-label="Stability dimension">
                {dims.into_iter().map(|d| {
                    let current = dim.as_deref() == Some(d.as_str());
                    view! {
                        <a class="chip" class:active=current href=url::link("/ui/seasonality", &query, &[("years", Some(d.clone()))])
                            aria-current={if current { Some("page") } else { None }}>{d.replace('_', " ")}</a>
                    }
                }).collect_view()}
            </nav>
            {body}
        </section>
    }
}
