//! Benchmark: the original's stats spec (k_consecutive × session × up_next_bar + continuation_n, walk-forward
//! train 2 / test 1 / folds 3) on one year of 1-minute bars (525 600 bars, 24/7) generated in memory.
//! Run: `cargo bench -p engine --bench stats`. Prints one line per measurement.

use engine::data::synth::{generate, SymbolSpec, SynthSpec};
use engine::stats::run;
use model::spec::stats::parse_stats;
use std::time::Instant;

fn main() {
    let synth = SynthSpec {
        symbols: vec![SymbolSpec {
            symbol: "EURUSD".into(),
            price: 1.1,
            vol: 0.0002,
            weekends: true,
        }],
        days: 365,
        bar_minutes: 1,
        ..SynthSpec::demo()
    };
    let series = generate(&synth);
    let spec = parse_stats(serde_json::json!({
        "data": {"symbols": ["EURUSD"], "timeframe": "M1", "start": "2024-01-01", "end": "2024-12-31"},
        "events": [{"name": "k_consecutive", "params": {"k": 2, "direction": "up"}}],
        "conditions": [{"name": "session", "params": {"col": "session_id"}}],
        "targets": [{"name": "up_next_bar"}, {"name": "continuation_n", "params": {"n": 3, "direction": "up"}}],
        "validation": {"train_months": 2, "test_months": 1, "folds": 3, "embargo_days": 0}
    }))
    .expect("valid spec");
    let bars = series[0].len();
    let mut times = Vec::new();
    for i in 0..7 {
        let t0 = Instant::now();
        let result = run(&spec, &series, "M1").expect("run");
        let dt = t0.elapsed().as_secs_f64();
        times.push(dt);
        println!(
            "stats.run bars={bars} rows={} iteration={i} seconds={dt:.4}",
            result.rows.len()
        );
    }
    times.sort_by(f64::total_cmp);
    println!(
        "stats.run bars={bars} median_seconds={:.4} min_seconds={:.4}",
        times[times.len() / 2],
        times[0]
    );
}
