//! The trial page's data: the trial replayed by the engine, its curves thinned into charts.

use crate::charts::{ChartSpec, LineChart, LineSeries, Marker};
use crate::runs::trial::{TrialPage, TrialView};
use engine::data::LoadOptions;
use engine::equity::thin;
use engine::jobs::replay::{self, ReplayError, Replayed};
use engine::store::Store;
use leptos::prelude::ServerFnError;

/// Points per drawn curve.
const CURVE_POINTS: usize = 1_500;

/// The page of trial `number` of run `run_id`: the view, or why there is none (unknown, failed, data gone).
pub async fn page(store: &Store, load: &LoadOptions, run_id: &str, number: i64) -> Result<TrialPage, ServerFnError> {
    match replay::trial(store, load, run_id, number).await {
        Ok(r) => Ok(TrialPage::Found(Box::new(view(&r)))),
        Err(ReplayError::Store(e)) => Err(crate::server_fns::fail(e)),
        Err(e) => Ok(TrialPage::Missing(e.to_string())),
    }
}

fn view(r: &Replayed) -> TrialView {
    let equity = r.equity();
    let drawdown = engine::equity::drawdown(&equity);
    TrialView {
        detail: r.detail(),
        price: ChartSpec::Lines(price_chart(r, &equity)),
        equity: ChartSpec::Lines(line("equity", &equity, "Equity (start = 1)", false)),
        drawdown: ChartSpec::Lines(line("drawdown", &drawdown, "Drawdown", true)),
    }
}

/// The close over the test windows with each trade's entry and exit fill marked.
fn price_chart(r: &Replayed, equity: &[(i64, f64)]) -> LineChart {
    let close = |ts: i64| r.bars.ts.binary_search(&ts).ok().map(|i| r.bars.close[i]);
    let points: Vec<(f64, f64)> = equity
        .iter()
        .filter_map(|&(ts, _)| close(ts).map(|c| (ts as f64, c)))
        .collect();
    let markers = r
        .replay
        .folds
        .iter()
        .flat_map(|f| &f.trades)
        .flat_map(|t| {
            [
                Marker {
                    x: t.ts_entry as f64,
                    y: t.price_entry,
                    entry: true,
                },
                Marker {
                    x: t.ts_exit as f64,
                    y: t.price_exit,
                    entry: false,
                },
            ]
        })
        .collect();
    LineChart {
        markers,
        ..line_of("close", thin(&points, CURVE_POINTS), "Price", false)
    }
}

fn line(label: &str, points: &[(i64, f64)], y_label: &str, area: bool) -> LineChart {
    let points: Vec<(f64, f64)> = points.iter().map(|&(t, v)| (t as f64, v)).collect();
    line_of(label, thin(&points, CURVE_POINTS), y_label, area)
}

fn line_of(label: &str, points: Vec<(f64, f64)>, y_label: &str, area: bool) -> LineChart {
    LineChart {
        series: vec![LineSeries {
            label: label.into(),
            points,
        }],
        x_is_time: true,
        x_label: "Date (UTC)".into(),
        y_label: y_label.into(),
        area,
        percent: area,
        markers: Vec::new(),
    }
}
