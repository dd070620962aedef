//! The lift heatmap of the stats page: condition values × targets for one (symbol, timeframe, event, condition),
//! one cell per pair (test split preferred, then the aggregated fold).

use crate::stats::{LiftCell, LiftGrid};
use model::stats::StoredStatRow;
use std::collections::BTreeMap;

/// Rank of a row when several fill the same cell: the test split first, rows without a fold before fold rows.
fn preference(r: &StoredStatRow) -> (u8, i64) {
    (u8::from(r.split != "test"), r.fold.map_or(-1, |f| f))
}

/// Numbers first (by value), then text, then the null bin, as `/stats/heatmap` orders bins.
fn bin_key(bin: &Option<String>) -> (u8, f64, String) {
    match bin {
        None => (2, 0.0, String::new()),
        Some(s) => match s.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => (0, v, String::new()),
            _ => (1, 0.0, s.clone()),
        },
    }
}

/// The grid of `rows` (already filtered to one symbol, timeframe, event and condition); `bayes` colours by
/// `lift_bayes` instead of `lift_freq`.
pub fn lift_grid(rows: &[StoredStatRow], bayes: bool) -> LiftGrid {
    let mut best: BTreeMap<(Option<String>, String), &StoredStatRow> = BTreeMap::new();
    for r in rows {
        let key = (r.condition_value.clone(), r.target.clone());
        match best.get(&key) {
            Some(prev) if preference(prev) <= preference(r) => {}
            _ => {
                best.insert(key, r);
            }
        }
    }
    let mut values: Vec<Option<String>> = Vec::new();
    let mut targets: Vec<String> = Vec::new();
    for (v, t) in best.keys() {
        if !values.contains(v) {
            values.push(v.clone());
        }
        if !targets.contains(t) {
            targets.push(t.clone());
        }
    }
    values.sort_by(|a, b| bin_key(a).partial_cmp(&bin_key(b)).unwrap_or(std::cmp::Ordering::Equal));
    targets.sort();
    let cells = values
        .iter()
        .map(|v| {
            targets
                .iter()
                .map(|t| {
                    best.get(&(v.clone(), t.clone())).map(|r| LiftCell {
                        lift: if bayes { r.lift_bayes } else { r.lift_freq },
                        n: r.n,
                        p_hat: r.p_hat,
                        ci_low: r.ci_low,
                        ci_high: r.ci_high,
                        q_value: r.q_value,
                        significant: r.significant == Some(true),
                        insufficient: r.insufficient == Some(true),
                        split: r.split.clone(),
                    })
                })
                .collect()
        })
        .collect();
    LiftGrid {
        condition_values: values,
        targets,
        cells,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn stored(
        value: Option<&str>,
        target: &str,
        split: &str,
        fold: Option<i64>,
        lift: f64,
    ) -> StoredStatRow {
        StoredStatRow {
            id: 1,
            symbol: "ES".into(),
            timeframe: "5m".into(),
            event: "k_up".into(),
            condition_name: Some("hour".into()),
            condition_value: value.map(str::to_string),
            target: target.into(),
            split: split.into(),
            n: 120,
            successes: 70,
            p_hat: 70.0 / 120.0,
            ci_low: Some(0.5),
            ci_high: Some(0.66),
            lift,
            start: String::new(),
            end: String::new(),
            spec_id: None,
            dataset_id: None,
            created_at: String::new(),
            lift_freq: lift,
            lift_bayes: lift / 2.0,
            p_mean: None,
            p_map: None,
            hdi_low: None,
            hdi_high: None,
            p_value: Some(0.01),
            q_value: Some(0.02),
            significant: Some(lift > 0.05),
            insufficient: Some(false),
            fold,
            ttr_mean: None,
            ttr_median: None,
            ttr_q25: None,
            ttr_q75: None,
            ttr_q90: None,
        }
    }

    #[test]
    fn cells_prefer_the_test_split_and_bins_sort_numerically() {
        let rows = vec![
            stored(Some("10"), "up_next_bar", "train", Some(0), 0.9),
            stored(Some("10"), "up_next_bar", "test", None, 0.1),
            stored(Some("9"), "up_next_bar", "test", None, -0.2),
            stored(None, "continuation_n", "test", None, 0.06),
            stored(Some("Asia"), "continuation_n", "test", None, 0.0),
        ];
        let g = lift_grid(&rows, false);
        assert_eq!(g.labels(), ["9", "10", "Asia", "(none)"]);
        assert_eq!(g.targets, ["continuation_n", "up_next_bar"]);
        let c = g.cells[1][1].as_ref().unwrap();
        assert_eq!((c.lift, c.split.as_str(), c.significant), (0.1, "test", true));
        assert!(g.cells[0][0].is_none(), "no row for (9, continuation_n)");
        assert!(g.cells[3][0].as_ref().unwrap().significant);
        let bayes = lift_grid(&rows, true);
        assert_eq!(bayes.cells[0][1].as_ref().unwrap().lift, -0.1);
    }

    #[test]
    fn the_colour_scale_ignores_insufficient_cells_and_each_row_keeps_its_stored_value() {
        let mut noisy = stored(Some("3"), "up_next_bar", "test", None, 0.9);
        noisy.insufficient = Some(true);
        let rows = vec![
            noisy,
            stored(Some("1"), "up_next_bar", "test", None, 0.1),
            stored(None, "up_next_bar", "test", None, -0.2),
        ];
        let g = lift_grid(&rows, false);
        assert_eq!(
            g.scale().value_at(1.0),
            0.2,
            "the widest sufficient lift, not the n = 3 cell's 0.9"
        );
        assert_eq!(g.scale().value_at(0.0), -0.2);
        assert_eq!(g.condition_values, [Some("1".to_string()), Some("3".to_string()), None]);
    }
}
