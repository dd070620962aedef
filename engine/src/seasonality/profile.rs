//! Profiles of one series for one dim (reference §2.10.2): the series is cut into runs of one bin, and each bin
//! reads its runs in chronological order (sums, per-year cells, values), then selects its quantiles in place.

use super::calendar::Calendar;
use super::dims::{CodeRun, Dim, DimCodes};
use super::estimators::{
    benjamini_hochberg, median_of_keys, normal_two_sided, order_key, quantiles_of_keys, sample_std_of_keys,
    student_two_sided, wilson,
};
use super::outcomes::Outcomes;
use super::window::Window;
use model::seasonality::{Bin, MeasureStats, ProfileRow, YearRow};
use model::spec::seasonality::Measure;
use rayon::prelude::*;
use std::borrow::Cow;
use std::ops::Range;

/// Everything computed once per series and shared by its dims.
pub struct Prepared<'a> {
    pub bars: Window<'a>,
    pub cal: Cow<'a, Calendar>,
    pub out: Outcomes<'a>,
    /// Mean direction (or mean return) over the kept bars.
    pub baseline: Option<f64>,
    /// Mean reversal flag over all run starts.
    pub reversal_baseline: Option<f64>,
    /// Baseline per calendar year, sorted by year.
    pub year_baseline: Vec<(i32, f64)>,
    pub period: (i64, i64),
}

/// Run-wide settings of a profile.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Settings {
    pub measure: Measure,
    pub min_samples: i64,
    pub horizon: usize,
    pub timeframe: String,
}

impl<'a> Prepared<'a> {
    /// Computes calendar (unless the window has it), outcomes and baselines of one series' window.
    pub fn new(bars: Window<'a>, s: &Settings, tom: (u32, u32)) -> Prepared<'a> {
        let cal = match bars.calendar {
            Some(c) => Cow::Borrowed(c),
            None => Cow::Owned(Calendar::of(bars.ts, bars.roll_id, tom.0, tom.1)),
        };
        let out = super::outcomes::outcomes(&bars, s.horizon, &cal.day_index);
        // One pass over the kept bars, year by year: baseline, reversal baseline and per-year baselines.
        let direction = s.measure == Measure::Direction;
        let (mut sum, mut kept) = (0.0, 0usize);
        let (mut reversals, mut run_starts) = (0usize, 0usize);
        let mut year_baseline = Vec::new();
        let mut a = 0;
        while a < bars.len() {
            let year = cal.year[a];
            let r = a..a + cal.year[a..].partition_point(|&y| y == year);
            let (mut year_sum, mut year_kept) = (0.0, 0usize);
            let starts = out.run_start[r.clone()].iter().zip(&out.run_length[r.clone()]);
            let bars_of_year = out.keep[r.clone()]
                .iter()
                .zip(&out.up[r.clone()])
                .zip(&out.ret[r.clone()]);
            for (((&k, &up), &ret), (&start, &len)) in bars_of_year.zip(starts) {
                if k {
                    let v = if direction { up as u8 as f64 } else { ret };
                    sum += v;
                    year_sum += v;
                    year_kept += 1;
                    run_starts += start as usize;
                    reversals += (start & (len as usize <= s.horizon)) as usize;
                }
            }
            if year_kept > 0 {
                year_baseline.push((year, year_sum / year_kept as f64));
            }
            kept += year_kept;
            a = r.end;
        }
        let first = out.keep.iter().position(|&k| k);
        let last = out.keep.iter().rposition(|&k| k);
        let ratio = |k: f64, n: usize| (n > 0).then(|| k / n as f64);
        let baseline = ratio(sum, kept);
        let reversal_baseline = ratio(reversals as f64, run_starts);
        let period = match (first, last) {
            (Some(a), Some(b)) => (bars.ts[a], bars.ts[b]),
            _ => (0, 0),
        };
        Prepared {
            bars,
            cal,
            baseline,
            reversal_baseline,
            year_baseline,
            out,
            period,
        }
    }
}

/// The profile rows of one dim (sorted by bin) and its per-year cells; empty when the dim does not apply.
/// Bins are computed in parallel, each from its runs of bars.
pub fn profile_dim(p: &Prepared, dim: Dim, s: &Settings) -> (Vec<ProfileRow>, Vec<YearRow>) {
    let none = || (Vec::new(), Vec::new());
    let Some(runs) = dim.runs(&p.cal) else { return none() };
    let runs: Vec<CodeRun> = runs
        .into_iter()
        .filter(|r| p.out.keep[r.start..r.end].contains(&true))
        .collect();
    let (Some(min), Some(max)) = (runs.iter().map(|r| r.code).min(), runs.iter().map(|r| r.code).max()) else {
        return none();
    };
    let (Some(&(y0, _)), Some(&(y1, _))) = (p.year_baseline.first(), p.year_baseline.last()) else {
        return none();
    };
    let years = Years {
        first: y0,
        count: (y1 - y0 + 1) as usize,
    };
    let mut by_bin: Vec<Vec<CodeRun>> = vec![Vec::new(); (max - min + 1) as usize];
    for r in runs {
        by_bin[(r.code - min) as usize].push(r);
    }
    let bins: Vec<(ProfileRow, Vec<YearRow>)> = by_bin
        .par_iter()
        .enumerate()
        .filter(|(_, runs)| !runs.is_empty())
        .map_init(BinValues::default, |v, (b, runs)| {
            let bin = dim.bin(min as i64 + b as i64);
            let cells = v.gather(p, s, runs, years);
            let year_rows = year_rows(p, dim, &bin, &cells, years.first);
            (bin_row(p, s, dim, bin, v, &year_rows), year_rows)
        })
        .collect();
    let (mut rows, years): (Vec<ProfileRow>, Vec<Vec<YearRow>>) = bins.into_iter().unzip();
    apply_bh(&mut rows);
    rows.sort_by(|a, b| a.bin.cmp(&b.bin));
    (rows, years.into_iter().flatten().collect())
}

/// The calendar years of a window's kept bars: `first`, `first + 1`, … (`count` of them).
#[derive(Debug, Clone, Copy)]
struct Years {
    first: i32,
    count: usize,
}

/// Sums over one bin's kept bars, added in chronological order (so they equal sums over the bin's values in a
/// row). Run lengths are integers, summed exactly.
#[derive(Debug, Clone, Copy, Default)]
struct BinSums {
    n: u64,
    successes: u64,
    ret: f64,
    amp: f64,
    atr: f64,
    runs: u64,
    reversals: u64,
    up_len: u64,
    up_runs: u64,
    down_len: u64,
    down_runs: u64,
    breakout_days: u64,
    breakout_up: u64,
    breakout_down: u64,
    in_range: u64,
}

impl BinSums {
    /// Adds the values of the kept bars in `r`, and their scores (direction or return) to the year's `cell`.
    /// A function of its own with few accumulators, so they stay in registers (each sum is a chain of additions).
    #[inline(never)]
    fn add_values(&mut self, o: &Outcomes<'_>, r: Range<usize>, direction: bool, cell: &mut (f64, u64)) {
        let (mut ret, mut amp, mut atr, mut score) = (self.ret, self.amp, self.atr, cell.0);
        let (mut n, mut successes) = (0u64, 0u64);
        let up = &o.up[r.clone()];
        let values = o.ret[r.clone()]
            .iter()
            .zip(&o.amplitude[r.clone()])
            .zip(&o.atr[r.clone()]);
        for ((&k, &u), ((&x, &a), &t)) in o.keep[r].iter().zip(up).zip(values) {
            if k {
                ret += x;
                amp += a;
                atr += t;
                score += if direction { u as u8 as f64 } else { x };
                n += 1;
                successes += u as u64;
            }
        }
        (self.ret, self.amp, self.atr) = (ret, amp, atr);
        self.n += n;
        self.successes += successes;
        *cell = (score, cell.1 + n);
    }

    /// Adds the runs starting at the kept bars in `r` and their previous-day breakouts. Branch-free on the
    /// directions, which are as unpredictable as the market (a run's length is 0 where no run starts).
    #[inline(never)]
    fn add_runs_and_breakouts(&mut self, o: &Outcomes<'_>, r: Range<usize>, horizon: usize) {
        let (mut runs, mut reversals, mut up_len, mut up_runs, mut down_len, mut down_runs) = (0u64, 0, 0, 0, 0, 0);
        let (mut days, mut broke_up, mut broke_down, mut in_range) = (0u64, 0, 0, 0);
        let starts = o.run_start[r.clone()]
            .iter()
            .zip(&o.run_length[r.clone()])
            .zip(&o.up[r.clone()]);
        let breakouts = o.breakout_up[r.clone()].iter().zip(&o.breakout_down[r.clone()]);
        for ((&k, ((&start, &len), &up)), (&bu, &bd)) in o.keep[r].iter().zip(starts).zip(breakouts) {
            if !k {
                continue;
            }
            let (len, up_start, down_start) = (len as u64, (start & up) as u64, (start & !up) as u64);
            runs += start as u64;
            reversals += (start & (len as usize <= horizon)) as u64;
            up_len += len * up as u64;
            up_runs += up_start;
            down_len += len * !up as u64;
            down_runs += down_start;
            if let (Some(u), Some(d)) = (bu, bd) {
                days += 1;
                broke_up += u as u64;
                broke_down += d as u64;
                in_range += (!u & !d) as u64;
            }
        }
        self.runs += runs;
        self.reversals += reversals;
        (self.up_len, self.up_runs) = (self.up_len + up_len, self.up_runs + up_runs);
        (self.down_len, self.down_runs) = (self.down_len + down_len, self.down_runs + down_runs);
        self.breakout_days += days;
        self.breakout_up += broke_up;
        self.breakout_down += broke_down;
        self.in_range += in_range;
    }
}

/// One bin's sums, and its amplitudes and returns as order keys (chronological until the quantiles reorder them).
/// Reused from bin to bin.
#[derive(Default)]
struct BinValues {
    sums: BinSums,
    amp: Vec<i64>,
    ret: Vec<i64>,
}

impl BinValues {
    /// Reads the kept bars of a bin's `runs` (chronological) and returns its (score sum, n) per year.
    fn gather(&mut self, p: &Prepared, s: &Settings, runs: &[CodeRun], years: Years) -> Vec<(f64, u64)> {
        let o = &p.out;
        let direction = s.measure == Measure::Direction;
        let mut sums = BinSums::default();
        let mut cells = vec![(0.0, 0); years.count];
        self.amp.clear();
        self.ret.clear();
        for r in runs {
            let range = r.start..r.end;
            sums.add_values(o, range.clone(), direction, &mut cells[(r.year - years.first) as usize]);
            sums.add_runs_and_breakouts(o, range.clone(), s.horizon);
            let keep = &o.keep[range.clone()];
            extend_kept_keys(&mut self.amp, keep, &o.amplitude[range.clone()]);
            extend_kept_keys(&mut self.ret, keep, &o.ret[range]);
        }
        self.sums = sums;
        cells
    }
}

/// Appends the order keys of the `values` whose `keep` flag is set.
fn extend_kept_keys(keys: &mut Vec<i64>, keep: &[bool], values: &[f64]) {
    let kept = keep.iter().zip(values).filter(|(k, _)| **k);
    keys.extend(kept.map(|(_, v)| order_key(*v)));
}

/// One bin's profile row from its gathered values (which the median and quantiles reorder).
fn bin_row(p: &Prepared, s: &Settings, dim: Dim, bin: Bin, v: &mut BinValues, years: &[YearRow]) -> ProfileRow {
    let sums = v.sums;
    let n = sums.n;
    let insufficient = (n as i64) < s.min_samples;
    let ret_mean = sums.ret / n as f64;
    let amp_mean = sums.amp / n as f64;
    // Standard deviations first: they sum over the values in chronological order, before selection reorders them.
    let ret_std = sample_std_of_keys(&v.ret, ret_mean);
    let amp_std = sample_std_of_keys(&v.amp, amp_mean);
    let (stats, score) = match s.measure {
        Measure::Direction => {
            let (ph, lo, hi) = wilson(sums.successes, n);
            let keep = |x: f64| (!insufficient).then_some(x);
            (
                MeasureStats::Direction {
                    successes: sums.successes,
                    p_hat: keep(ph),
                    ci_low: keep(lo),
                    ci_high: keep(hi),
                },
                ph,
            )
        }
        Measure::Return => {
            let med = median_of_keys(&mut v.ret);
            let g = |x: Option<f64>| x.filter(|_| !insufficient);
            (
                MeasureStats::Return {
                    ret_mean: g(Some(ret_mean)),
                    ret_median: g(med),
                    ret_std: g(ret_std),
                },
                ret_mean,
            )
        }
    };
    let lift = p.baseline.filter(|_| !insufficient).map(|b| score - b);
    let (t_stat, p_value) = if insufficient {
        (None, None)
    } else {
        test_stat(s.measure, n, score, ret_std, p.baseline)
    };
    let (rp, rlo, rhi) = wilson(sums.reversals, sums.runs);
    let frac = |k: u64, of: u64| (of > 0).then(|| k as f64 / of as f64);
    let qs = [0.25, 0.5, 0.75, 0.9];
    let amp_q = quantiles_of_keys(&mut v.amp, qs);
    let ret_q = quantiles_of_keys(&mut v.ret, qs);
    let overall = lift.filter(|l| *l != 0.0);
    let years_same_sign = overall.and_then(|l| {
        (!years.is_empty()).then(|| years.iter().filter(|y| y.lift * l > 0.0).count() as f64 / years.len() as f64)
    });
    ProfileRow {
        symbol: p.bars.symbol.to_string(),
        timeframe: s.timeframe.clone(),
        dim: dim.name(),
        bin,
        n,
        stats,
        run_len_up_mean: frac_f(sums.up_len as f64, sums.up_runs),
        run_len_down_mean: frac_f(sums.down_len as f64, sums.down_runs),
        n_runs: sums.runs,
        p_reversal_n: Some(rp),
        p_reversal_ci_low: Some(rlo),
        p_reversal_ci_high: Some(rhi),
        p_reversal_lift: p.reversal_baseline.filter(|_| sums.runs > 0).map(|b| rp - b),
        p_reversal_baseline: p.reversal_baseline,
        amp_mean: Some(amp_mean),
        amp_std,
        amp_p25: amp_q[0],
        amp_p50: amp_q[1],
        amp_p75: amp_q[2],
        amp_p90: amp_q[3],
        atr_mean: Some(sums.atr / n as f64),
        p_breakout_up: frac(sums.breakout_up, sums.breakout_days),
        p_breakout_down: frac(sums.breakout_down, sums.breakout_days),
        p_in_range: frac(sums.in_range, sums.breakout_days),
        ret_p25: ret_q[0],
        ret_p50: ret_q[1],
        ret_p75: ret_q[2],
        ret_p90: ret_q[3],
        baseline: p.baseline,
        lift,
        insufficient,
        period_start: p.period.0,
        period_end: p.period.1,
        horizon: s.horizon as u32,
        t_stat,
        p_value,
        q_value: None,
        years_same_sign,
    }
}

fn frac_f(sum: f64, n: u64) -> Option<f64> {
    (n > 0).then(|| sum / n as f64)
}

/// Direction: z of p̂ against the baseline under the baseline's binomial variance. Return: one-sample t of the
/// bin's returns against the symbol's mean return, n − 1 degrees of freedom.
fn test_stat(m: Measure, n: u64, score: f64, std: Option<f64>, baseline: Option<f64>) -> (Option<f64>, Option<f64>) {
    let Some(b) = baseline else { return (None, None) };
    let nf = n as f64;
    match m {
        Measure::Direction => {
            let var = b * (1.0 - b) / nf;
            if var <= 0.0 {
                return (None, None);
            }
            let z = (score - b) / var.sqrt();
            (Some(z), Some(normal_two_sided(z)))
        }
        Measure::Return => match std.filter(|s| *s > 0.0) {
            Some(sd) if n >= 2 => {
                let t = (score - b) / (sd / nf.sqrt());
                (Some(t), Some(student_two_sided(t, nf - 1.0)))
            }
            _ => (None, None),
        },
    }
}

/// Benjamini–Hochberg over the bins of one (symbol, dim) that have a p-value.
fn apply_bh(rows: &mut [ProfileRow]) {
    let with_p: Vec<usize> = (0..rows.len()).filter(|&i| rows[i].p_value.is_some()).collect();
    let p: Vec<f64> = with_p.iter().map(|&i| rows[i].p_value.unwrap_or(1.0)).collect();
    for (k, q) in benjamini_hochberg(&p).into_iter().enumerate() {
        rows[with_p[k]].q_value = Some(q);
    }
}

/// Per calendar year with bars in the bin: the bin's score and its lift against that year's baseline.
fn year_rows(p: &Prepared, dim: Dim, bin: &Bin, cells: &[(f64, u64)], y0: i32) -> Vec<YearRow> {
    let cells = cells.iter().enumerate().filter(|(_, c)| c.1 > 0);
    cells
        .map(|(k, &(sum, n))| {
            let year = y0 + k as i32;
            let score = sum / n as f64;
            let base = p
                .year_baseline
                .iter()
                .find(|(y, _)| *y == year)
                .map(|(_, b)| *b)
                .unwrap_or(score);
            YearRow {
                symbol: p.bars.symbol.to_string(),
                dim: dim.name(),
                bin: bin.clone(),
                year,
                n,
                score,
                lift: score - base,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "profile_tests.rs"]
mod tests;
