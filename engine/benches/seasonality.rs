//! Seasonality profile timings on one year of 1-minute bars generated in memory (`harness = false`).
//! Run: `cargo +stable bench -p engine --bench seasonality`.

use engine::data::synth::{generate, SymbolSpec, SynthSpec};
use engine::seasonality::profile;
use model::spec::seasonality::parse_seasonality;
use std::time::Instant;

fn main() {
    let one_year = |sym: &str, weekends: bool| SynthSpec {
        symbols: vec![SymbolSpec {
            symbol: sym.into(),
            price: 42_000.0,
            vol: 0.0015,
            weekends,
        }],
        days: 365,
        bar_minutes: 1,
        ..SynthSpec::demo()
    };
    let btc = generate(&one_year("BTCUSD", true));
    let fx = generate(&one_year("EURUSD", false));
    let spec = |profile: serde_json::Value| {
        parse_seasonality(serde_json::json!({
            "data": {"symbols": ["X"], "timeframe": "M1", "start": "2024-01-01", "end": "2024-12-31"},
            "profile": profile
        }))
        .expect("spec")
    };
    let hour_dow = spec(serde_json::json!({"by_hour": true, "by_dow": true, "measure": "direction"}));
    let every = spec(
        serde_json::json!({"by_hour": true, "by_dow": true, "by_month": true, "by_session": true,
        "by_month_start": true, "by_month_end": true, "by_news_hour": true, "by_third_friday": true,
        "by_week_in_month": true, "by_day_in_month": true, "by_month_last_days": true, "by_quarter": true,
        "by_month_flags": true, "by_trading_day": true, "by_trading_day_from_end": true, "by_turn_of_month": true,
        "by_weekday_hour": true, "by_month_year": true}),
    );
    let cases = [
        ("by_hour+by_dow direction, BTCUSD 24/7", &hour_dow, &btc),
        ("by_hour+by_dow direction, EURUSD weekdays", &hour_dow, &fx),
        ("every dim (34) direction, BTCUSD 24/7", &every, &btc),
    ];
    for (label, s, bars) in cases {
        let n: usize = bars.iter().map(|b| b.len()).sum();
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let t = Instant::now();
            let p = profile(s, bars).expect("profile");
            best = best.min(t.elapsed().as_secs_f64());
            std::hint::black_box(p);
        }
        println!("seasonality profile {label}: {n} bars, best of 5 = {best:.4} s");
    }
}
