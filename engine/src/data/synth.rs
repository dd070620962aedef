//! Deterministic synthetic OHLCV with planted calendar effects of known size.
//!
//! Each bar is "up" (close > open) with probability `0.5 + hour_edge` when its UTC hour is
//! `edge_hour`, `0.5 + dow_edge` when its ISO weekday is `edge_dow`, both when both hold, else 0.5.
//! Opens equal the previous close, so "up" also means `close[t] > close[t-1]`.
//!
//! The planted effects give the price a drift (BTC-like bars gain about 2.9 log units a year at 5 minutes), so a
//! long span is held within a band: beyond [`DRIFT_BAND`] of the first price, moves further out shrink and moves
//! back grow. Directions are drawn as before, so the planted probabilities hold everywhere, and bars that stay
//! inside the band are exactly those of an unbounded walk.

use super::Bars;
use crate::time::{DAY_MS, MINUTE_MS};
use chrono::{Datelike, NaiveDate, Timelike};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// One symbol to generate: its name, first price and per-bar volatility (log-return scale).
#[derive(Debug, Clone, Serialize)]
pub struct SymbolSpec {
    pub symbol: String,
    pub price: f64,
    pub vol: f64,
    /// Trades on Saturdays and Sundays too (crypto) instead of five days a week (FX, futures).
    pub weekends: bool,
}

/// What to generate. [`SynthSpec::demo`] is the dashboard's demo set.
#[derive(Debug, Clone, Serialize)]
pub struct SynthSpec {
    pub symbols: Vec<SymbolSpec>,
    pub start: NaiveDate,
    pub days: u32,
    pub bar_minutes: u32,
    pub seed: u64,
    pub edge_hour: u32,
    pub hour_edge: f64,
    /// ISO weekday, Monday = 1 … Sunday = 7.
    pub edge_dow: u32,
    pub dow_edge: f64,
}

impl SynthSpec {
    /// Three symbols (an FX pair, an index future, BTC), 5-minute bars over 2024, hour 14 and Tuesday planted.
    pub fn demo() -> Self {
        Self {
            symbols: vec![
                SymbolSpec {
                    symbol: "EURUSD".into(),
                    price: 1.10,
                    vol: 0.0004,
                    weekends: false,
                },
                SymbolSpec {
                    symbol: "ES".into(),
                    price: 4800.0,
                    vol: 0.0006,
                    weekends: false,
                },
                SymbolSpec {
                    symbol: "BTCUSD".into(),
                    price: 42_000.0,
                    vol: 0.0015,
                    weekends: true,
                },
            ],
            start: NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date"),
            days: 366,
            bar_minutes: 5,
            seed: 42,
            edge_hour: 14,
            hour_edge: 0.08,
            edge_dow: 2,
            dow_edge: 0.04,
        }
    }

    /// Probability that a bar opening at `ts_ms` closes up.
    pub fn p_up(&self, ts_ms: i64) -> f64 {
        let t = crate::time::to_datetime(ts_ms);
        let mut p = 0.5;
        if t.hour() == self.edge_hour {
            p += self.hour_edge;
        }
        if t.weekday().number_from_monday() == self.edge_dow {
            p += self.dow_edge;
        }
        p
    }
}

/// Generates every symbol of `spec`; the same spec always gives the same bars.
pub fn generate(spec: &SynthSpec) -> Vec<Bars> {
    spec.symbols
        .iter()
        .enumerate()
        .map(|(i, s)| generate_symbol(spec, s, spec.seed.wrapping_add(i as u64 * 7919)))
        .collect()
}

/// How far (natural log of price over the first price) a series walks before it is pulled back: ×100 either way.
pub const DRIFT_BAND: f64 = 2.0 * std::f64::consts::LN_10;

/// How hard a series beyond the band is pulled back, per log unit beyond it: the band is overshot by about the
/// drift's share of the bars' mean move over this, under one log unit for the demo symbols.
const PULL: f64 = 0.05;

/// The factor on a move's magnitude at `log_ratio` (log of price over the first price): 1 inside the band, below 1
/// for a move further out, above 1 for a move back.
fn reversion(log_ratio: f64, up: bool) -> f64 {
    let beyond = log_ratio - log_ratio.clamp(-DRIFT_BAND, DRIFT_BAND);
    if beyond == 0.0 {
        return 1.0;
    }
    let outward = if up { beyond } else { -beyond };
    (-PULL * outward).exp()
}

fn generate_symbol(spec: &SynthSpec, sym: &SymbolSpec, seed: u64) -> Bars {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start_ms = spec
        .start
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp_millis();
    let step = spec.bar_minutes as i64 * MINUTE_MS;
    let end_ms = start_ms + spec.days as i64 * DAY_MS;
    let mut bars = Bars::new(&sym.symbol);
    let mut price = sym.price;
    let mut ts = start_ms;
    while ts < end_ms {
        let dow = crate::time::to_datetime(ts).weekday().number_from_monday();
        if sym.weekends || dow <= 5 {
            let up = rng.random::<f64>() < spec.p_up(ts);
            // |r| is half-normal-like but never zero, so every bar is strictly up or down.
            let magnitude = sym.vol * (0.05 + rng.random::<f64>() * 1.9) * reversion((price / sym.price).ln(), up);
            let r = if up { magnitude } else { -magnitude };
            let open = price;
            let close = open * r.exp();
            let wick_up = sym.vol * rng.random::<f64>() * 0.8;
            let wick_dn = sym.vol * rng.random::<f64>() * 0.8;
            let high = open.max(close) * (1.0 + wick_up);
            let low = open.min(close) * (1.0 - wick_dn);
            let volume = (100.0 + rng.random::<f64>() * 900.0).round();
            bars.push(ts, open, high, low, close, volume);
            price = close;
        }
        ts += step;
    }
    bars
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SynthSpec {
        SynthSpec {
            days: 60,
            ..SynthSpec::demo()
        }
    }

    #[test]
    fn same_seed_gives_same_bars() {
        assert_eq!(generate(&small()), generate(&small()));
    }

    #[test]
    fn bars_are_consistent_ohlc() {
        for b in generate(&small()) {
            for i in 0..b.len() {
                assert!(b.high[i] >= b.open[i].max(b.close[i]));
                assert!(b.low[i] <= b.open[i].min(b.close[i]));
                assert!(b.close[i] != b.open[i]);
                if i > 0 {
                    assert_eq!(b.open[i], b.close[i - 1]);
                    assert!(b.ts[i] > b.ts[i - 1]);
                }
            }
        }
    }

    #[test]
    fn fx_skips_weekends_and_btc_does_not() {
        let all = generate(&small());
        let weekend = |b: &Bars| {
            b.ts.iter()
                .filter(|&&t| crate::time::to_datetime(t).weekday().number_from_monday() > 5)
                .count()
        };
        assert_eq!(weekend(&all[0]), 0);
        assert!(weekend(&all[2]) > 0);
    }

    #[test]
    fn ten_years_of_minutes_stay_near_the_band_and_one_year_never_reaches_it() {
        let ten_years = SynthSpec {
            days: 3653,
            bar_minutes: 1,
            symbols: vec![SynthSpec::demo().symbols[2].clone()],
            ..SynthSpec::demo()
        };
        let b = &generate(&ten_years)[0];
        let start = b.open[0];
        let (lo, hi) = b
            .low
            .iter()
            .zip(&b.high)
            .fold((f64::MAX, 0.0f64), |(lo, hi), (l, h)| (lo.min(*l), hi.max(*h)));
        // Without the pull the drift takes BTC-like bars past 1e15 in two years; with it they stay within about
        // e^(band + 1.5) of the start.
        let limit = (DRIFT_BAND + 1.5).exp();
        assert!(hi / start < limit && start / lo < limit, "{lo} … {hi} from {start}");
        assert!(
            hi / start > DRIFT_BAND.exp(),
            "the drift should reach the band: high {hi} from {start}"
        );
        // The demo year stays inside the band, where bars are those of the unbounded walk.
        for b in generate(&SynthSpec::demo()) {
            let far = b.close.iter().map(|c| (c / b.open[0]).ln().abs()).fold(0.0, f64::max);
            assert!(far < DRIFT_BAND, "{}: {far}", b.symbol);
        }
    }

    #[test]
    fn the_pull_is_one_inside_the_band_and_leans_back_outside() {
        assert_eq!(reversion(0.0, true), 1.0);
        assert_eq!(reversion(-DRIFT_BAND, false), 1.0);
        assert!(reversion(DRIFT_BAND + 1.0, true) < 1.0 && reversion(DRIFT_BAND + 1.0, false) > 1.0);
        assert!(reversion(-DRIFT_BAND - 1.0, false) < 1.0 && reversion(-DRIFT_BAND - 1.0, true) > 1.0);
    }

    #[test]
    fn planted_hour_is_visibly_more_often_up() {
        let spec = SynthSpec {
            days: 366,
            ..SynthSpec::demo()
        };
        let b = &generate(&spec)[2];
        let (mut n, mut up, mut n_other, mut up_other) = (0.0, 0.0, 0.0, 0.0);
        for i in 0..b.len() {
            let hour = crate::time::to_datetime(b.ts[i]).hour();
            let is_up = (b.close[i] > b.open[i]) as i32 as f64;
            if hour == spec.edge_hour {
                n += 1.0;
                up += is_up;
            } else if hour == 3 {
                n_other += 1.0;
                up_other += is_up;
            }
        }
        // Expected 0.5 + 0.08 (+ 0.04/7 on Tuesdays) versus 0.5 (+ 0.04/7); standard error ≈ 0.01.
        assert!(
            up / n - up_other / n_other > 0.05,
            "{} vs {}",
            up / n,
            up_other / n_other
        );
    }
}
