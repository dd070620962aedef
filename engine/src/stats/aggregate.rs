//! Counting and estimation for one split: per-group integer accumulators filled in one pass over the bars
//! for each (event, target), never a long table. Rows come out sorted like the original's groupby.

use super::conditions::NULL;
use super::estimators::{benjamini_hochberg, binomial_p_value, wilson, Jeffreys};
use super::targets::Outcomes;
use model::stats::StatRow;

/// A condition as the counter sees it: its name, its label names and one code per bar ([`NULL`] = no label).
pub struct CondView<'a> {
    pub name: &'a str,
    pub labels: &'a [String],
    pub codes: &'a [u32],
}

/// Which split this is and how rows are judged.
pub struct SplitInfo<'a> {
    pub symbol: &'a str,
    pub split: &'a str,
    pub fold: Option<i64>,
    pub n_min: u64,
    pub alpha: f64,
}

/// Counts every (event, condition value, target) group of a split and turns the counts into finished rows:
/// baseline and BH family per target (pooled over events; each condition partitions the same records).
pub fn split_rows(
    info: &SplitInfo,
    events: &[(&str, Vec<bool>)],
    conditions: &[CondView],
    targets: &[(&str, Outcomes)],
) -> Vec<StatRow> {
    let mut rows = Vec::new();
    for (target_name, outcomes) in targets {
        let (mut base_n, mut base_s) = (0u64, 0u64);
        let mut target_rows = Vec::new();
        for (event_name, on) in events {
            let counts = count(on, conditions, outcomes);
            base_n += counts.total.0;
            base_s += counts.total.1;
            target_rows.extend(counts.into_rows(info, event_name, conditions, target_name, outcomes.horizon));
        }
        finish(&mut target_rows, base_s, base_n, info);
        rows.extend(target_rows);
    }
    rows.sort_by(|a, b| {
        (
            &a.event,
            &a.condition_name,
            a.condition_value.is_none(),
            &a.condition_value,
            &a.target,
        )
            .cmp(&(
                &b.event,
                &b.condition_name,
                b.condition_value.is_none(),
                &b.condition_value,
                &b.target,
            ))
    });
    rows
}

/// Accumulators of one (event, target): `n` and successes per cell, and a histogram per cell for durations.
struct Counts {
    /// Start of each condition's cells (its labels, then one null cell); one null cell when there is no condition.
    offsets: Vec<usize>,
    n: Vec<u64>,
    s: Vec<u64>,
    hist: Vec<u64>,
    bins: usize,
    total: (u64, u64),
}

fn count(on: &[bool], conditions: &[CondView], outcomes: &Outcomes) -> Counts {
    let mut offsets = Vec::with_capacity(conditions.len());
    let mut cells = 0;
    for c in conditions {
        offsets.push(cells);
        cells += c.labels.len() + 1;
    }
    let cells = cells.max(1);
    let bins = outcomes.horizon.map_or(0, |h| h + 1);
    let (mut n, mut s, mut hist) = (vec![0u64; cells], vec![0u64; cells], vec![0u64; cells * bins]);
    let mut total = (0u64, 0u64);
    for (t, &is_on) in on.iter().enumerate() {
        let v = outcomes.value[t];
        if !is_on || v == 0 {
            continue;
        }
        let hit = outcomes.success[t] as u64;
        total.0 += 1;
        total.1 += hit;
        if conditions.is_empty() {
            n[0] += 1;
            s[0] += hit;
            if bins > 0 {
                hist[v as usize] += 1;
            }
            continue;
        }
        for (c, &off) in conditions.iter().zip(&offsets) {
            let code = c.codes[t];
            let cell = off + if code == NULL { c.labels.len() } else { code as usize };
            n[cell] += 1;
            s[cell] += hit;
            if bins > 0 {
                hist[cell * bins + v as usize] += 1;
            }
        }
    }
    Counts {
        offsets,
        n,
        s,
        hist,
        bins,
        total,
    }
}

impl Counts {
    /// One row per non-empty cell, with counts, p̂ and the posterior; lifts and tests are filled by [`finish`].
    fn into_rows(
        self,
        info: &SplitInfo,
        event: &str,
        conditions: &[CondView],
        target: &str,
        horizon: Option<usize>,
    ) -> Vec<StatRow> {
        let mut out = Vec::new();
        let mut cells: Vec<(usize, Option<&str>, Option<&str>)> = Vec::new();
        if conditions.is_empty() {
            cells.push((0, None, None));
        }
        for (c, &off) in conditions.iter().zip(&self.offsets) {
            for (i, label) in c.labels.iter().enumerate() {
                cells.push((off + i, Some(c.name), Some(label.as_str())));
            }
            cells.push((off + c.labels.len(), Some(c.name), None));
        }
        for (cell, cname, cvalue) in cells {
            let (n, s) = (self.n[cell], self.s[cell]);
            if n == 0 {
                continue;
            }
            let (p_hat, ci_low, ci_high) = wilson(s, n);
            let post = Jeffreys::new(s, n);
            let insufficient = n < info.n_min;
            let (hdi_low, hdi_high) = if insufficient {
                (None, None)
            } else {
                let (l, h) = post.hdi();
                (Some(l), Some(h))
            };
            let dist = horizon.map(|_| Distribution::of(&self.hist[cell * self.bins..(cell + 1) * self.bins], n));
            out.push(StatRow {
                symbol: info.symbol.to_string(),
                event: event.to_string(),
                condition_name: cname.map(str::to_string),
                condition_value: cvalue.map(str::to_string),
                target: target.to_string(),
                n: n as i64,
                successes: s as i64,
                p_hat,
                ci_low: (!insufficient).then_some(ci_low),
                ci_high: (!insufficient).then_some(ci_high),
                p_mean: post.mean(),
                p_map: post.map(),
                hdi_low,
                hdi_high,
                lift_freq: 0.0,
                lift_bayes: 0.0,
                insufficient,
                split: info.split.to_string(),
                p_value: 1.0,
                q_value: 1.0,
                significant: false,
                fold: info.fold,
                ttr_mean: dist.map(|d| d.mean),
                ttr_median: dist.map(|d| d.q(0.5)),
                ttr_q25: dist.map(|d| d.q(0.25)),
                ttr_q75: dist.map(|d| d.q(0.75)),
                ttr_q90: dist.map(|d| d.q(0.9)),
            });
        }
        out
    }
}

/// Lifts against the target's pooled baseline, one-sided p-values against the same rate, BH q-values.
fn finish(rows: &mut [StatRow], base_s: u64, base_n: u64, info: &SplitInfo) {
    let p0 = if base_n == 0 {
        0.0
    } else {
        base_s as f64 / base_n as f64
    };
    let bayes0 = Jeffreys::new(base_s, base_n).mean();
    for r in rows.iter_mut() {
        r.lift_freq = r.p_hat - p0;
        r.lift_bayes = r.p_mean - bayes0;
        r.p_value = binomial_p_value(r.successes as u64, r.n as u64, p0, r.lift_freq >= 0.0);
    }
    let p: Vec<f64> = rows.iter().map(|r| r.p_value).collect();
    for (r, q) in rows.iter_mut().zip(benjamini_hochberg(&p)) {
        r.q_value = q;
        r.significant = q <= info.alpha;
    }
}

/// A distribution of integer durations held as a histogram (`hist[v]` = how many equal v).
#[derive(Clone, Copy)]
struct Distribution<'a> {
    hist: &'a [u64],
    n: u64,
    mean: f64,
}

impl<'a> Distribution<'a> {
    fn of(hist: &'a [u64], n: u64) -> Self {
        let sum: u64 = hist.iter().enumerate().map(|(v, &c)| v as u64 * c).sum();
        Self {
            hist,
            n,
            mean: sum as f64 / n as f64,
        }
    }

    /// The k-th smallest value (0-based).
    fn nth(&self, k: u64) -> f64 {
        let mut cum = 0;
        for (v, &c) in self.hist.iter().enumerate() {
            cum += c;
            if cum > k {
                return v as f64;
            }
        }
        (self.hist.len() - 1) as f64
    }

    /// Quantile with linear interpolation between order statistics (numpy's default).
    fn q(&self, q: f64) -> f64 {
        let h = (self.n - 1) as f64 * q;
        let lo = h.floor() as u64;
        let (a, b) = (self.nth(lo), self.nth((lo + 1).min(self.n - 1)));
        a + (h - lo as f64) * (b - a)
    }
}
