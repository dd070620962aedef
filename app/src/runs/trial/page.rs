//! `/ui/runs/{id}/trials/{n}`: one trial re-run on its run's data: its parameters, its metrics per fold and
//! stitched, the price with its trades marked, its equity and drawdown, and its trades.

use crate::charts::Chart;
use crate::format::{group, metric, metric_label, num, pct, MISSING};
use crate::runs::trial::{get_trial, TrialPage, TrialView, TRADE_ROWS};
use crate::widgets::{show_errors, Card, Downloads, Loading, StatusBadge};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use model::runs::BacktestMetrics;
use model::trial::TrialDetail;

/// The trial page.
#[component]
pub fn Trial() -> impl IntoView {
    let params = use_params_map();
    let key =
        Memo::new(move |_| params.with(|p| (p.get("id").unwrap_or_default(), p.get("trial").unwrap_or_default())));
    let page = Resource::new(
        move || key.get(),
        |(id, trial)| async move {
            match trial.parse::<i64>() {
                Ok(n) => get_trial(id, n).await,
                Err(_) => Ok(TrialPage::Missing(format!("{trial:?} is not a trial number."))),
            }
        },
    );
    let run_href = move || format!("/ui/runs/{}", key.get().0);
    view! {
        <p class="crumbs">
            <a href="/ui/runs">"Optimisation runs"</a> " / "
            <a href=run_href class="mono">{move || key.get().0}</a> " / "
            <span>{move || format!("trial #{}", key.get().1)}</span>
        </p>
        <Suspense fallback=|| view! { <Loading/> }>
            <ErrorBoundary fallback=show_errors>
                {move || Suspend::new(async move {
                    page.await.map(|p| match p {
                        TrialPage::Found(v) => view! { <TrialBody v=*v/> }.into_any(),
                        TrialPage::Missing(why) => view! {
                            <h1>"Trial not available"</h1>
                            <p class="empty" id="trial-missing">{why}</p>
                        }.into_any(),
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// The metrics shown per window, in order.
const METRICS: [&str; 8] = [
    "sharpe",
    "sortino",
    "cagr",
    "max_drawdown",
    "hit_rate",
    "avg_R",
    "n_trades",
    "profit_factor",
];

fn metric_cell(m: &BacktestMetrics, name: &str) -> String {
    let v = match name {
        "sharpe" => Some(m.sharpe),
        "sortino" => Some(m.sortino),
        "cagr" => Some(m.cagr),
        "max_drawdown" => Some(m.max_drawdown),
        "hit_rate" => Some(m.hit_rate),
        "avg_R" => Some(m.avg_r),
        "n_trades" => Some(m.n_trades as f64),
        "profit_factor" => m.profit_factor,
        _ => None,
    };
    v.map(|v| metric(name, v)).unwrap_or_else(|| MISSING.into())
}

#[component]
fn TrialBody(v: TrialView) -> impl IntoView {
    let d = v.detail.clone();
    let oos = d.out_of_sample;
    let objective = d.objective.clone().unwrap_or_else(|| "objective".into());
    let reproduced = if d.reproduced {
        view! { <span class="badge ok" title="The replay's metrics are the stored ones">"reproduced"</span> }.into_any()
    } else {
        view! { <span class="badge warn" title="The run's data changed since the run: the replay differs from the stored metrics">"data changed since the run"</span> }.into_any()
    };
    let trades_api = format!("/runs/{}/trials/{}/trades", d.run_id, d.trial_number);
    view! {
        <h1>{format!("Trial #{} ", d.trial_number)} <span class="muted">{d.symbol.clone()}</span></h1>
        <div class="meta">
            <StatusBadge status=d.status.clone().unwrap_or_default()/>
            {reproduced}
            <span>"Objective (" {objective.clone()} ", out of sample): " <b>{d.objective_value.map(num).unwrap_or_else(|| MISSING.into())}</b></span>
        </div>
        <ul class="chips" id="trial-params">
            {d.params.iter().filter(|(k, _)| *k != "symbol").map(|(k, v)| view! {
                <li><span class="muted">{k.clone()}</span> " " <b>{v.to_string()}</b></li>
            }).collect_view()}
        </ul>
        <section class="cards" id="trial-cards">
            <Card label="OOS Sharpe" value=num(oos.sharpe)/>
            <Card label="OOS CAGR" value=pct(oos.cagr)/>
            <Card label="OOS Max DD" value=pct(oos.max_drawdown)/>
            <Card label="OOS trades" value=group(oos.n_trades as i64)/>
            <Card label="Hit rate" value=pct(oos.hit_rate)/>
            <Card label="Exposure" value=pct(oos.exposure)/>
        </section>
        <section class="panel" id="trial-folds">
            <h2>"Metrics per window"</h2>
            <p class="muted">"Each fold's train window (where parameters are chosen) and test window (out of sample); the test windows stitched give the trial's out-of-sample line."</p>
            <WindowTable d=d.clone()/>
        </section>
        <section class="panel" id="trial-price">
            <h2>"Price and trades"</h2>
            <Chart id="price-chart" spec=v.price label="Close over the test windows; green: entries, red: exits (fills net of costs)" height=320/>
        </section>
        <section class="panel" id="trial-equity">
            <h2>"Equity and drawdown"</h2>
            <Chart id="trial-equity-chart" spec=v.equity label="Out-of-sample equity, folds stitched (UTC dates)" height=240/>
            <Chart id="trial-drawdown-chart" spec=v.drawdown label="Drawdown from the running peak" height=150/>
        </section>
        <TradeTable d trades_api/>
    }
}

#[component]
fn WindowTable(d: TrialDetail) -> impl IntoView {
    let row = |label: String, m: Option<BacktestMetrics>, total: bool| {
        view! {
            <tr class:total=total>
                <th scope="row">{label}</th>
                {METRICS.iter().map(|n| view! {
                    <td class="num">{m.as_ref().map(|m| metric_cell(m, n)).unwrap_or_else(|| MISSING.into())}</td>
                }).collect_view()}
            </tr>
        }
    };
    view! {
        <table class="grid compact" id="trial-windows">
            <thead><tr>
                <th scope="col">"Window"</th>
                {METRICS.iter().map(|n| view! { <th scope="col" class="num">{metric_label(n)}</th> }).collect_view()}
            </tr></thead>
            <tbody>
                {row("Out of sample (test windows stitched)".into(), Some(d.out_of_sample), true)}
                {d.in_sample.map(|m| row("In sample (train windows stitched)".into(), Some(m), true))}
                {d.folds.iter().map(|f| view! {
                    {row(format!("Fold {} train {} → {}", f.fold, day(&f.train_start), day(&f.train_end)), f.train, false)}
                    {row(format!("Fold {} test {} → {}", f.fold, day(&f.test_start), day(&f.test_end)), Some(f.test), false)}
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// A price with the decimals its magnitude needs (FX quotes keep five).
fn price(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        MISSING.into()
    } else if a >= 1000.0 {
        format!("{v:.2}")
    } else if a >= 10.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.5}")
    }
}

/// The date of an ISO-8601 time.
fn day(iso: &str) -> String {
    iso.get(..10).unwrap_or(iso).to_string()
}

#[component]
fn TradeTable(d: TrialDetail, trades_api: String) -> impl IntoView {
    let total = d.trades.len();
    let shown = total.min(TRADE_ROWS);
    let note = if total > shown {
        format!(
            "The first {shown} of {} trades; the download holds all of them.",
            group(total as i64)
        )
    } else {
        format!("{} trades.", group(total as i64))
    };
    view! {
        <section class="panel" id="trial-trades">
            <h2>"Trades"</h2>
            <p class="muted">{note} " " <Downloads api=trades_api id="trades-downloads"/></p>
            {if total == 0 {
                view! { <p class="empty">"This trial made no trade out of sample."</p> }.into_any()
            } else {
                view! {
                    <table class="grid compact" id="trades">
                        <thead><tr>
                            <th scope="col" class="num">"Fold"</th>
                            <th scope="col">"Entry (UTC)"</th>
                            <th scope="col" class="num">"Entry price"</th>
                            <th scope="col">"Exit (UTC)"</th>
                            <th scope="col" class="num">"Exit price"</th>
                            <th scope="col" class="num">"R"</th>
                            <th scope="col" class="num">"P&L"</th>
                            <th scope="col">"Exit"</th>
                            <th scope="col" class="num">"Bars"</th>
                        </tr></thead>
                        <tbody>
                            {d.trades.iter().take(shown).map(|t| view! {
                                <tr>
                                    <td class="num">{t.fold}</td>
                                    <td class="mono">{t.ts_entry.replace('T', " ").replace('Z', "")}</td>
                                    <td class="num">{price(t.price_entry)}</td>
                                    <td class="mono">{t.ts_exit.replace('T', " ").replace('Z', "")}</td>
                                    <td class="num">{price(t.price_exit)}</td>
                                    <td class="num">{num(t.r_multiple)}</td>
                                    <td class="num" class:neg=t.pnl < 0.0>{pct(t.pnl)}</td>
                                    <td>{t.exit_reason.as_str()}</td>
                                    <td class="num">{group(t.bars_held as i64)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
