//! The seasonality page's trials panel: the chosen optimisation's best trials by objective, with their parameters
//! and in-sample and out-of-sample figures (all of them at `GET /seasonality/runs/{id}/trials`).

use crate::format::{num, opt, MISSING};
use leptos::prelude::*;
use model::seasonality::SeasonalityTrial;
use serde_json::Value;

/// The trials panel; nothing for a run without trials (a plain seasonality run).
#[component]
pub fn SeasonalityTrials(trials: Vec<SeasonalityTrial>, total: usize, run_id: String) -> impl IntoView {
    if trials.is_empty() {
        return ().into_any();
    }
    let shown = trials.len();
    view! {
        <section class="panel" id="seasonality-trials">
            <h2>"Trials"</h2>
            <p class="muted" id="seasonality-trials-summary">
                {format!("best {shown} of {total} by objective; every trial: ")}
                <a href=format!("/seasonality/runs/{run_id}/trials?page_size=500")>"JSON"</a>
            </p>
            <table class="grid compact">
                <thead><tr><th scope="col" class="num">"#"</th><th scope="col" class="num">"Objective"</th>
                    <th scope="col">"Dims"</th><th scope="col">"Rule"</th><th scope="col" class="num">"Horizon"</th>
                    <th scope="col" class="num">"Min n"</th><th scope="col" class="num">"Sharpe (IS)"</th>
                    <th scope="col" class="num">"Trades (IS)"</th><th scope="col" class="num">"Sharpe (OOS)"</th></tr></thead>
                <tbody id="seasonality-trial-rows">
                    {trials.into_iter().map(|t| view! {
                        <tr>
                            <td class="num">{t.trial_number}</td>
                            <td class="num">{objective(t.objective)}</td>
                            <td>{dims(&t.params)}</td>
                            <td>{rule(&t.params)}</td>
                            <td class="num">{text(&t.params["ret_horizon"])}</td>
                            <td class="num">{text(&t.params["min_samples_bin"])}</td>
                            <td class="num">{opt(t.metrics["sharpe"].as_f64(), num)}</td>
                            <td class="num">{text(&t.metrics["n_trades"])}</td>
                            <td class="num">{opt(t.oos["sharpe"].as_f64(), num)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

/// The objective, or why there is none: the optimiser scores a trial under 30 out-of-sample trades −1e9.
fn objective(v: Option<f64>) -> String {
    match v {
        Some(x) if x <= -1e9 => "< 30 trades".into(),
        v => opt(v, num),
    }
}

fn dims(params: &Value) -> String {
    match params["dims"].as_array() {
        Some(d) => d.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" + "),
        None => MISSING.into(),
    }
}

/// `threshold 0.55 (and)` or `top 3 (or)`.
fn rule(params: &Value) -> String {
    let combine = params["combine"].as_str().unwrap_or(MISSING);
    match params["method"].as_str() {
        Some("topk") => format!("top {} ({combine})", text(&params["topk"])),
        Some(m) => format!("{m} {} ({combine})", text(&params["threshold"])),
        None => MISSING.into(),
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => MISSING.into(),
    }
}
