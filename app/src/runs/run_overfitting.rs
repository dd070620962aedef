//! The overfitting panel of a run page: PBO by CSCV with the logit histogram and the degradation scatter, the
//! deflated Sharpe ratios, and whether the optimum is a plateau or a spike (docs/OVERFITTING.md).

use crate::charts::Chart;
use crate::format::{num, pct};
use crate::runs::{get_run_overfitting, OverfittingView};
use crate::widgets::{show_errors, Card, Loading};
use leptos::prelude::*;

/// The panel of run `run_id` (a sentence when the run has no report).
#[component]
pub fn OverfittingPanel(run_id: Memo<String>) -> impl IntoView {
    let views = Resource::new(move || run_id.get(), get_run_overfitting);
    view! {
        <section class="panel" id="pbo">
            <h2>"Is the winner real?"</h2>
            <Suspense fallback=|| view! { <Loading/> }>
                <ErrorBoundary fallback=show_errors>
                    {move || Suspend::new(async move {
                        views.await.map(|v| {
                            if v.is_empty() {
                                view! { <p class="empty">"No overfitting report is stored for this run."</p> }.into_any()
                            } else {
                                let several = v.len() > 1;
                                v.into_iter().map(|o| view! { <SymbolBody o several/> }).collect_view().into_any()
                            }
                        })
                    })}
                </ErrorBoundary>
            </Suspense>
        </section>
    }
}

#[component]
fn SymbolBody(o: OverfittingView, several: bool) -> impl IntoView {
    let r = o.report;
    let pbo = r.pbo.clone();
    let shape = r.robustness.as_ref().map(|b| if b.spike { "spike" } else { "plateau" });
    view! {
        {several.then(|| view! { <h3>{r.symbol.clone()}</h3> })}
        <section class="cards pbo-cards">
            <Card label="PBO (CSCV)" value=pbo.as_ref().map(|p| pct(p.pbo)).unwrap_or_else(|| "–".into())/>
            <Card label="P(out-of-sample loss)" value=pbo.as_ref().map(|p| pct(p.prob_oos_loss)).unwrap_or_else(|| "–".into())/>
            <Card label="Degradation slope" value=pbo.as_ref().map(|p| num(p.degradation_slope)).unwrap_or_else(|| "–".into())/>
            <Card label="DSR of the best" value=r.dsr.map(|d| num(d.dsr)).unwrap_or_else(|| "–".into())/>
            <Card label="DSR walk-forward" value=r.walk_forward_dsr.map(|d| num(d.dsr)).unwrap_or_else(|| "–".into())/>
            <Card label="Optimum" value=shape.unwrap_or("–")/>
        </section>
        <p class="muted" id="pbo-note">
            {pbo.as_ref().map(|p| format!(
                "PBO: share of {} {} splits of {} blocks whose in-sample best ranks at or below the out-of-sample median \
                 (0.5 = no better than chance). ",
                p.splits, if p.sampled { "sampled" } else { "(all)" }, p.blocks
            ))}
            {r.dsr.map(|d| format!("DSR: {}.", d.describe()))}
        </p>
        <div class="two-up">
            {o.logits.map(|spec| view! {
                <div><Chart id="pbo-logits" spec label="Logit of the in-sample best's out-of-sample rank, per split" height=260/></div>
            })}
            {o.degradation.map(|spec| view! {
                <div><Chart id="pbo-degradation" spec label="Sharpe of each split's in-sample best: in-sample (x) against out-of-sample (y)" height=260/></div>
            })}
        </div>
        {r.robustness.map(|b| view! {
            <table class="grid compact" id="robustness">
                <thead><tr>
                    <th scope="col">"Neighbourhood of the best"</th><th scope="col" class="num">"value"</th>
                </tr></thead>
                <tbody>
                    <tr><th scope="row">"Best objective (selection window)"</th><td class="num">{num(b.best_value)}</td></tr>
                    <tr><th scope="row">{format!("Neighbours' mean ({})", b.neighbours)}</th><td class="num">{num(b.mean)}</td></tr>
                    <tr><th scope="row">"Neighbours' worst"</th><td class="num">{num(b.worst)}</td></tr>
                    <tr><th scope="row">"Within 10 % of the best"</th><td class="num">{pct(b.share_within_10pct)}</td></tr>
                    {b.sensitivity.into_iter().map(|p| view! {
                        <tr><th scope="row">{format!("Range when only {} moves ({} values)", p.param, p.points)}</th><td class="num">{num(p.range)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
    }
}
