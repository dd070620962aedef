//! Charts of stored seasonality profiles: a bar chart per dim (p̂ or mean return per bin, Wilson whiskers for
//! direction profiles, the baseline), the weekday × hour heatmap, the per-year stability view and the
//! multi-symbol lift-correlation matrix.

use crate::charts::color::Scale;
use crate::charts::{BarChart, HeatmapChart};
use crate::seasonality::{CompareBin, Comparison, Stability, StabilityBin};
use model::dim::Dim;
use model::seasonality::{Bin, Measure, ProfileRow, StoredProfile, YearRow};
use std::collections::BTreeMap;

/// True for a joint dim, drawn as a heatmap rather than a bar chart.
pub fn is_joint(dim: &str) -> bool {
    Dim::from_name(dim).is_some_and(Dim::is_joint)
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The newest row per (symbol, dim, bin): `rows` come newest first from the store.
pub fn newest(rows: &[StoredProfile]) -> Vec<&StoredProfile> {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .filter(|r| seen.insert((r.symbol.clone(), r.dim.clone(), r.bin.clone())))
        .collect()
}

/// The dims present, in the engine's profile order (unknown names last, alphabetically).
pub fn dims_of(rows: &[&StoredProfile]) -> Vec<String> {
    let order: Vec<String> = Dim::all().into_iter().map(|d| d.name()).collect();
    let mut dims: Vec<String> = rows.iter().map(|r| r.dim.clone()).collect();
    dims.sort();
    dims.dedup();
    dims.sort_by_key(|d| order.iter().position(|o| o == d).unwrap_or(usize::MAX));
    dims
}

/// A bin's label: weekday and month names for `dow` and month dims, the bin itself otherwise.
pub fn bin_label(dim: &str, bin: &Bin) -> String {
    match (dim, bin) {
        ("dow", Bin::Int(d)) if (1..=7).contains(d) => WEEKDAYS[(*d - 1) as usize].into(),
        ("month" | "month_of_year", Bin::Int(m)) if (1..=12).contains(m) => MONTHS[(*m - 1) as usize].into(),
        _ => bin.to_string(),
    }
}

/// The profile of one symbol's `dim`: bins in order, score per bin, Wilson 95% whiskers for direction profiles.
pub fn profile_chart(rows: &[&StoredProfile], symbol: &str, dim: &str) -> BarChart {
    let mut bins: Vec<&StoredProfile> = rows
        .iter()
        .copied()
        .filter(|r| r.symbol == symbol && r.dim == dim)
        .collect();
    bins.sort_by(|a, b| a.bin.cmp(&b.bin));
    let direction = bins.iter().any(|r| r.measure == Measure::Direction);
    let whiskers = bins
        .iter()
        .map(|r| match (direction, r.score, r.n) {
            (true, Some(p), Some(n)) if n > 0 => {
                let successes = (p * n as f64).round().max(0.0) as u64;
                let (_, lo, hi) = engine::stats::estimators::wilson(successes, n as u64);
                Some((lo, hi))
            }
            _ => None,
        })
        .collect();
    BarChart {
        labels: bins.iter().map(|r| bin_label(dim, &r.bin)).collect(),
        values: bins.iter().map(|r| r.score).collect(),
        whiskers,
        baseline: bins.iter().find_map(|r| r.baseline),
        x_label: dim.replace('_', " "),
        y_label: if direction {
            "P(up)".into()
        } else {
            "Mean return".into()
        },
        percent: true,
    }
}

/// Lift per ISO weekday (rows, Monday on top) × UTC hour (columns) from the `weekday_hour` dim; None without it.
pub fn weekday_hour(rows: &[&StoredProfile], symbol: &str) -> Option<HeatmapChart> {
    let mut values = vec![vec![None; 24]; 7];
    let mut any = false;
    for r in rows.iter().filter(|r| r.symbol == symbol && r.dim == "weekday_hour") {
        if let (Bin::Int(code), Some(lift)) = (&r.bin, r.lift) {
            let (dow, hour) = (code / 100, code % 100);
            if (1..=7).contains(&dow) && (0..24).contains(&hour) {
                values[(dow - 1) as usize][hour as usize] = Some(lift);
                any = true;
            }
        }
    }
    any.then(|| HeatmapChart {
        x_labels: (0..24).map(|h| h.to_string()).collect(),
        y_labels: WEEKDAYS.iter().map(|d| d.to_string()).collect(),
        scale: Scale::diverging(0.0, values.iter().flatten().flatten().copied()),
        values,
        x_label: "Hour (UTC)".into(),
        y_label: "Weekday".into(),
        value_label: "Lift".into(),
        annotate: false,
        marked: None,
    })
}

/// `a` against `b` on `dim` with the engine's comparison (reference §2.12): bins both have, in order.
pub fn compare_symbols(rows: &[&StoredProfile], a: &str, b: &str, dim: &str) -> Comparison {
    let side = |s: &str| -> Vec<ProfileRow> {
        rows.iter()
            .filter(|r| r.symbol == s && r.dim == dim)
            .map(|r| ProfileRow::from(*r))
            .collect()
    };
    let c = engine::seasonality::compare(&side(a), &side(b), dim);
    Comparison {
        dim: dim.to_string(),
        symbol_a: a.to_string(),
        symbol_b: b.to_string(),
        correlation: c.correlation,
        bins: c
            .rows
            .iter()
            .map(|r| CompareBin {
                bin: bin_label(dim, &r.bin),
                lift_a: r.lift_a,
                lift_b: r.lift_b,
                lift_diff: r.lift_diff,
                n_a: r.n_a,
                n_b: r.n_b,
            })
            .collect(),
    }
}

/// The symbols × symbols correlation of per-bin lifts on `dim` (`engine::seasonality::lift_correlation`);
/// None with fewer than two symbols.
pub fn correlation(rows: &[&StoredProfile], dim: &str) -> Option<HeatmapChart> {
    let engine_rows: Vec<ProfileRow> = rows
        .iter()
        .filter(|r| r.dim == dim)
        .map(|r| ProfileRow::from(*r))
        .collect();
    let c = engine::seasonality::lift_correlation(&engine_rows, dim);
    (c.symbols.len() >= 2).then(|| HeatmapChart {
        x_labels: c.symbols.clone(),
        y_labels: c.symbols.clone(),
        values: c.matrix.clone(),
        x_label: "Symbol".into(),
        y_label: "Symbol".into(),
        value_label: "Pearson r".into(),
        scale: Scale::Diverging { center: 0.0, half: 1.0 },
        annotate: true,
        marked: None,
    })
}

/// The per-year stability of one symbol's `dim` from its year cells: a years × bins heatmap of lift against each
/// year's baseline, and per bin the share of years whose lift is positive (TradingView's "% positive"); None
/// without cells.
pub fn stability(cells: &[YearRow], dim: &str) -> Option<Stability> {
    let mut bins: Vec<&Bin> = cells.iter().map(|c| &c.bin).collect();
    bins.sort();
    bins.dedup();
    let mut years: Vec<i32> = cells.iter().map(|c| c.year).collect();
    years.sort_unstable();
    years.dedup();
    if bins.is_empty() {
        return None;
    }
    let mut values = vec![vec![None; bins.len()]; years.len()];
    for c in cells {
        let (Ok(x), Ok(y)) = (bins.binary_search(&&c.bin), years.binary_search(&c.year)) else {
            continue;
        };
        values[y][x] = Some(c.lift);
    }
    let rows: Vec<StabilityBin> = bins
        .iter()
        .enumerate()
        .map(|(x, bin)| {
            let lifts: Vec<f64> = values.iter().filter_map(|row| row[x]).collect();
            let positive = lifts.iter().filter(|l| **l > 0.0).count();
            StabilityBin {
                bin: bin_label(dim, bin),
                years: lifts.len(),
                positive,
                mean_lift: (!lifts.is_empty()).then(|| lifts.iter().sum::<f64>() / lifts.len() as f64),
                min_lift: lifts.iter().copied().reduce(f64::min),
            }
        })
        .collect();
    let heatmap = HeatmapChart {
        x_labels: rows.iter().map(|r| r.bin.clone()).collect(),
        y_labels: years.iter().map(|y| y.to_string()).collect(),
        scale: Scale::diverging(0.0, values.iter().flatten().flatten().copied()),
        values,
        x_label: dim.replace('_', " "),
        y_label: "Year".into(),
        value_label: "Lift".into(),
        annotate: false,
        marked: None,
    };
    let positive = BarChart {
        labels: rows.iter().map(|r| r.bin.clone()).collect(),
        values: rows
            .iter()
            .map(|r| (r.years > 0).then(|| r.positive as f64 / r.years as f64))
            .collect(),
        whiskers: vec![None; rows.len()],
        baseline: Some(0.5),
        x_label: dim.replace('_', " "),
        y_label: "Years with lift > 0".into(),
        percent: true,
    };
    Some(Stability {
        dim: dim.to_string(),
        years: years.len(),
        heatmap,
        positive,
        bins: rows,
    })
}

/// Symbols present, sorted.
pub fn symbols_of(rows: &[&StoredProfile]) -> Vec<String> {
    let set: std::collections::BTreeSet<String> = rows.iter().map(|r| r.symbol.clone()).collect();
    set.into_iter().collect()
}

/// Per dim: how many bins and how many are insufficient (no score), for the dims table.
pub fn dim_counts(rows: &[&StoredProfile], symbol: &str) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.symbol == symbol) {
        let e = out.entry(r.dim.clone()).or_default();
        e.0 += 1;
        e.1 += usize::from(r.score.is_none());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(symbol: &str, dim: &str, bin: Bin, score: Option<f64>, n: i64, lift: Option<f64>) -> StoredProfile {
        StoredProfile {
            id: 0,
            symbol: symbol.into(),
            timeframe: Some("5m".into()),
            dim: dim.into(),
            bin,
            measure: Measure::Direction,
            score,
            n: Some(n),
            baseline: Some(0.5),
            lift,
            metrics: Default::default(),
            t_stat: None,
            p_value: None,
            q_value: None,
            years_same_sign: None,
            start: None,
            end: None,
            spec_id: None,
            dataset_id: None,
            created_at: String::new(),
        }
    }

    #[test]
    fn a_direction_profile_has_wilson_whiskers_and_the_baseline() {
        let rows = vec![
            p("ES", "dow", Bin::Int(2), Some(0.6), 100, Some(0.1)),
            p("ES", "dow", Bin::Int(1), Some(0.5), 100, Some(0.0)),
            p("ES", "dow", Bin::Int(1), Some(0.9), 100, Some(0.4)), // older duplicate
            p("BTCUSD", "dow", Bin::Int(1), Some(0.4), 10, None),
        ];
        let newest = newest(&rows);
        assert_eq!(newest.len(), 3);
        let c = profile_chart(&newest, "ES", "dow");
        assert_eq!(c.labels, ["Mon", "Tue"]);
        assert_eq!(c.values, [Some(0.5), Some(0.6)]);
        let (_, lo, hi) = engine::stats::estimators::wilson(60, 100);
        assert_eq!(c.whiskers[1], Some((lo, hi)));
        assert!(lo < 0.6 && hi > 0.6);
        assert_eq!(c.baseline, Some(0.5));
        assert_eq!(dims_of(&newest), ["dow"]);
    }

    #[test]
    fn weekday_hour_codes_land_in_their_cells() {
        let rows = [
            p("ES", "weekday_hour", Bin::Int(214), Some(0.7), 50, Some(0.2)),
            p("ES", "weekday_hour", Bin::Int(700), Some(0.4), 50, Some(-0.1)),
        ];
        let refs: Vec<&StoredProfile> = rows.iter().collect();
        let h = weekday_hour(&refs, "ES").unwrap();
        assert_eq!(h.values[1][14], Some(0.2));
        assert_eq!(h.values[6][0], Some(-0.1));
        assert_eq!(h.values.iter().flatten().flatten().count(), 2);
        assert!(weekday_hour(&refs, "BTCUSD").is_none());
    }

    #[test]
    fn correlation_of_two_symbols_with_proportional_lifts_is_one() {
        let mut rows = Vec::new();
        for h in 0..6 {
            let l = (h as f64 - 2.5) * 0.01;
            rows.push(p("A", "hour", Bin::Int(h), Some(0.5), 10, Some(l)));
            rows.push(p("B", "hour", Bin::Int(h), Some(0.5), 10, Some(2.0 * l)));
        }
        let refs: Vec<&StoredProfile> = rows.iter().collect();
        let c = correlation(&refs, "hour").unwrap();
        assert_eq!(c.x_labels, ["A", "B"]);
        assert!((c.values[0][1].unwrap() - 1.0).abs() < 1e-12);
        assert!(correlation(&refs[..1], "hour").is_none());
    }

    #[test]
    fn stability_puts_each_year_in_its_row_and_counts_positive_years() {
        let cell = |bin: i64, year: i32, lift: f64| YearRow {
            symbol: "ES".into(),
            dim: "dow".into(),
            bin: Bin::Int(bin),
            year,
            n: 50,
            score: 0.5 + lift,
            lift,
        };
        let cells = [
            cell(2, 2023, 0.02),
            cell(1, 2024, -0.01),
            cell(1, 2023, 0.03),
            cell(2, 2022, 0.04),
            cell(1, 2022, -0.02),
        ];
        let s = stability(&cells, "dow").unwrap();
        assert_eq!(s.heatmap.x_labels, ["Mon", "Tue"]);
        assert_eq!(s.heatmap.y_labels, ["2022", "2023", "2024"]);
        assert_eq!(s.heatmap.values[0], [Some(-0.02), Some(0.04)]);
        assert_eq!(s.heatmap.values[2], [Some(-0.01), None], "Tuesday has no 2024 cell");
        assert_eq!((s.bins[0].positive, s.bins[0].years), (1, 3));
        assert_eq!((s.bins[1].positive, s.bins[1].years), (2, 2));
        assert_eq!(s.positive.values, [Some(1.0 / 3.0), Some(1.0)]);
        assert!((s.bins[0].mean_lift.unwrap() - 0.0).abs() < 1e-12);
        assert_eq!(s.bins[0].min_lift, Some(-0.02));
        assert_eq!(s.years, 3);
        assert!(stability(&[], "dow").is_none());
    }

    #[test]
    fn two_symbols_compare_on_their_common_bins() {
        let mut rows = Vec::new();
        for h in 0..4 {
            let l = (h as f64 - 1.5) * 0.01;
            rows.push(p("A", "hour", Bin::Int(h), Some(0.5), 10, Some(l)));
            rows.push(p("B", "hour", Bin::Int(h + 1), Some(0.5), 20, Some(3.0 * l)));
        }
        let refs: Vec<&StoredProfile> = rows.iter().collect();
        let c = compare_symbols(&refs, "A", "B", "hour");
        // Common hours 1, 2, 3: A's lifts −0.005, 0.005, 0.015; B's (shifted by one hour) −0.045, −0.015, 0.015.
        assert_eq!(
            c.bins.iter().map(|b| b.bin.as_str()).collect::<Vec<_>>(),
            ["1", "2", "3"]
        );
        let d = c.bins[1].lift_diff.unwrap();
        assert!((d - (0.005 + 0.015)).abs() < 1e-12, "{d}");
        assert_eq!((c.bins[0].n_a, c.bins[0].n_b), (10, 20));
        assert!(
            (c.correlation.unwrap() - 1.0).abs() < 1e-9,
            "both rise linearly over the common bins"
        );
    }
}
