//! Bin selection (reference §2.10.3): `threshold` or `topk` on the score, pooled over symbols.

pub use model::results::seasonality::{Rules, RulesMetadata};
use model::seasonality::{Bin, ProfileRow};
use model::spec::seasonality::{Measure, ProfileSpec, SelectMethod, SignalSpec};
use std::collections::{BTreeMap, BTreeSet};

/// The threshold actually compared with the score: for `return`, values with |thr| ≥ 0.01 are basis points.
pub fn normalized_threshold(thr: f64, measure: Measure) -> f64 {
    match measure {
        Measure::Return if thr.abs() >= 0.01 => thr / 10_000.0,
        _ => thr,
    }
}

/// Selects bins from `rows` (all symbols of one profile run) as the original did; see the module doc.
pub fn select_bins(rows: &[ProfileRow], signal: &SignalSpec, profile: &ProfileSpec) -> Rules {
    let mut rules = Rules {
        active_bins: BTreeMap::new(),
        combine: signal.combine,
        metadata: RulesMetadata::default(),
        tom: (profile.tom_before, profile.tom_after),
    };
    if rows.is_empty() {
        return rules;
    }
    let measure = profile.measure;
    rules.metadata.method = Some(signal.method);
    rules.metadata.measure = Some(measure);
    let thr = normalized_threshold(signal.threshold, measure);
    let mut dims: Vec<String> = signal.dims.iter().map(|d| d.name()).collect();
    if dims.is_empty() {
        for r in rows {
            if !dims.contains(&r.dim) {
                dims.push(r.dim.clone());
            }
        }
    }
    for dim in dims {
        let mut candidates: Vec<(&Bin, f64)> = rows
            .iter()
            .filter(|r| r.dim == dim && !r.insufficient)
            .filter_map(|r| r.score().map(|s| (&r.bin, s)))
            .collect();
        let (bins, reported): (BTreeSet<Bin>, f64) = match signal.method {
            _ if candidates.is_empty() => (BTreeSet::new(), thr),
            SelectMethod::Threshold => (
                candidates
                    .iter()
                    .filter(|(_, s)| *s >= thr)
                    .map(|(b, _)| (*b).clone())
                    .collect(),
                thr,
            ),
            SelectMethod::Topk => {
                candidates.sort_by(|a, b| b.1.total_cmp(&a.1));
                candidates.truncate(signal.topk.max(0) as usize);
                let lowest = candidates.iter().map(|c| c.1).fold(f64::INFINITY, f64::min);
                let reported = if candidates.is_empty() { thr } else { lowest };
                (candidates.iter().map(|(b, _)| (*b).clone()).collect(), reported)
            }
        };
        rules.metadata.thresholds.insert(dim.clone(), Some(reported));
        rules.metadata.counts.insert(dim.clone(), bins.len());
        rules.active_bins.insert(dim, bins);
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::seasonality::MeasureStats;

    fn row(symbol: &str, dim: &str, bin: i64, p: f64, insufficient: bool) -> ProfileRow {
        let json = serde_json::json!({
            "symbol": symbol, "timeframe": "M1", "dim": dim, "bin": bin, "n": 10, "successes": 5, "p_hat": p,
            "ci_low": null, "ci_high": null, "run_len_up_mean": null, "run_len_down_mean": null, "n_runs": 0,
            "p_reversal_n": null, "p_reversal_ci_low": null, "p_reversal_ci_high": null, "p_reversal_lift": null,
            "p_reversal_baseline": null, "amp_mean": null, "amp_std": null, "amp_p25": null, "amp_p50": null,
            "amp_p75": null, "amp_p90": null, "atr_mean": null, "p_breakout_up": null, "p_breakout_down": null,
            "p_in_range": null, "ret_p25": null, "ret_p50": null, "ret_p75": null, "ret_p90": null, "baseline": 0.5,
            "lift": null, "insufficient": insufficient, "period_start": 0, "period_end": 0, "horizon": 1,
            "t_stat": null, "p_value": null, "q_value": null, "years_same_sign": null
        });
        let r: ProfileRow = serde_json::from_value(json).unwrap();
        assert!(matches!(r.stats, MeasureStats::Direction { .. }));
        r
    }

    fn rows() -> Vec<ProfileRow> {
        vec![
            row("A", "hour", 1, 0.60, false),
            row("A", "hour", 2, 0.50, false),
            row("A", "hour", 3, 0.90, true),
            row("B", "hour", 2, 0.56, false),
            row("B", "hour", 4, 0.58, false),
            row("A", "dow", 2, 0.40, false),
        ]
    }

    #[test]
    fn threshold_pools_bins_over_symbols_and_skips_insufficient_rows() {
        let sig = SignalSpec {
            threshold: 0.55,
            dims: vec![model::dim::Dim::Hour],
            ..Default::default()
        };
        let r = select_bins(&rows(), &sig, &ProfileSpec::default());
        let hour: Vec<Bin> = r.active_bins["hour"].iter().cloned().collect();
        assert_eq!(hour, vec![Bin::Int(1), Bin::Int(2), Bin::Int(4)]);
        assert_eq!(r.metadata.thresholds["hour"], Some(0.55));
        assert_eq!(r.metadata.counts["hour"], 3);
    }

    #[test]
    fn topk_reports_the_smallest_selected_score_and_k_zero_falls_back() {
        let sig = SignalSpec {
            method: SelectMethod::Topk,
            topk: 2,
            dims: vec![],
            ..Default::default()
        };
        let r = select_bins(&rows(), &sig, &ProfileSpec::default());
        assert_eq!(r.active_bins["hour"].len(), 2);
        assert!(r.active_bins["hour"].contains(&Bin::Int(1)) && r.active_bins["hour"].contains(&Bin::Int(4)));
        assert_eq!(r.metadata.thresholds["hour"], Some(0.58));
        assert_eq!(r.metadata.counts["dow"], 1);
        let sig = SignalSpec {
            method: SelectMethod::Topk,
            topk: 0,
            ..Default::default()
        };
        let r = select_bins(&rows(), &sig, &ProfileSpec::default());
        assert!(r.active_bins["hour"].is_empty());
        assert_eq!(r.metadata.thresholds["hour"], Some(0.54));
    }

    #[test]
    fn return_thresholds_at_or_above_one_percent_are_basis_points() {
        assert_eq!(normalized_threshold(5.0, Measure::Return), 0.0005);
        assert_eq!(normalized_threshold(0.005, Measure::Return), 0.005);
        assert_eq!(normalized_threshold(0.55, Measure::Direction), 0.55);
    }

    #[test]
    fn empty_profiles_give_empty_metadata_in_the_original_shape() {
        let r = select_bins(&[], &SignalSpec::default(), &ProfileSpec::default());
        assert_eq!(
            serde_json::to_value(&r.metadata).unwrap(),
            serde_json::json!({"thresholds": {}, "counts": {}})
        );
    }
}
