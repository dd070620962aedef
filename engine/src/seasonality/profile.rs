//! Profiles of one series for one dim (reference §2.10.2): one counting sort of the kept bars by bin,
//! then one pass per bin over contiguous indices.

use super::calendar::Calendar;
use super::dims::Dim;
use super::estimators::{
    benjamini_hochberg, mean, median, normal_two_sided, quantiles_nearest, sample_std, student_two_sided, wilson,
};
use super::outcomes::Outcomes;
use super::window::Window;
use model::seasonality::{MeasureStats, ProfileRow, YearRow};
use model::spec::seasonality::Measure;
use std::borrow::Cow;

/// Everything computed once per series and shared by its dims.
pub struct Prepared<'a> {
    pub bars: Window<'a>,
    pub cal: Cow<'a, Calendar>,
    pub out: Outcomes,
    /// Mean direction (or mean return) over the kept bars.
    pub baseline: Option<f64>,
    /// Mean reversal flag over all run starts.
    pub reversal_baseline: Option<f64>,
    /// Baseline per calendar year, sorted by year.
    pub year_baseline: Vec<(i32, f64)>,
    pub period: (i64, i64),
}

/// Run-wide settings of a profile.
#[derive(Debug, Clone)]
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
        // One pass over the kept bars: baseline, reversal baseline, per-year baselines and the period.
        let direction = s.measure == Measure::Direction;
        let (mut sum, mut kept) = (0.0, 0usize);
        let (mut reversals, mut run_starts) = (0usize, 0usize);
        let mut year_baseline: Vec<(i32, f64, f64)> = Vec::new();
        let (mut first, mut last) = (None, None);
        for i in (0..bars.len()).filter(|&i| out.keep[i]) {
            let v = if direction { out.up[i] as u8 as f64 } else { out.ret[i] };
            sum += v;
            kept += 1;
            if out.run_start[i] {
                run_starts += 1;
                reversals += usize::from(out.run_length[i] as usize <= s.horizon);
            }
            match year_baseline.last_mut() {
                Some(y) if y.0 == cal.year[i] => {
                    y.1 += v;
                    y.2 += 1.0;
                }
                _ => year_baseline.push((cal.year[i], v, 1.0)),
            }
            first.get_or_insert(i);
            last = Some(i);
        }
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
            year_baseline: year_baseline.into_iter().map(|(y, s, n)| (y, s / n)).collect(),
            out,
            period,
        }
    }
}

/// The profile rows of one dim (sorted by bin) and its per-year cells; empty when the dim does not apply.
pub fn profile_dim(p: &Prepared, dim: Dim, s: &Settings) -> (Vec<ProfileRow>, Vec<YearRow>) {
    let n = p.bars.len();
    let mut codes = vec![0i64; n];
    for (i, code) in codes.iter_mut().enumerate().filter(|(i, _)| p.out.keep[*i]) {
        match dim.code(&p.cal, i) {
            Some(c) => *code = c,
            None => return (Vec::new(), Vec::new()),
        }
    }
    let keep = &p.out.keep;
    let kept = move || (0..n).filter(move |&i| keep[i]);
    let Some(min) = kept().map(|i| codes[i]).min() else {
        return (Vec::new(), Vec::new());
    };
    let max = kept().map(|i| codes[i]).max().unwrap_or(min);
    let width = (max - min + 1) as usize;
    // Counting sort: stable, so each bin's indices stay chronological.
    let mut start = vec![0usize; width + 1];
    for i in kept() {
        start[(codes[i] - min) as usize + 1] += 1;
    }
    for b in 0..width {
        start[b + 1] += start[b];
    }
    let mut fill = start.clone();
    let mut order = vec![0u32; start[width]];
    for i in kept() {
        let b = (codes[i] - min) as usize;
        order[fill[b]] = i as u32;
        fill[b] += 1;
    }
    let mut scratch = Scratch::default();
    let mut rows = Vec::new();
    let mut years = Vec::new();
    for b in 0..width {
        let idx = &order[start[b]..start[b + 1]];
        if idx.is_empty() {
            continue;
        }
        let bin = dim.bin(min + b as i64);
        let (row, year_rows) = bin_row(p, s, dim, bin, idx, &mut scratch);
        rows.push(row);
        years.extend(year_rows);
    }
    apply_bh(&mut rows);
    rows.sort_by(|a, b| a.bin.cmp(&b.bin));
    (rows, years)
}

#[derive(Default)]
struct Scratch {
    ret: Vec<f64>,
    amp: Vec<f64>,
}

fn bin_row(
    p: &Prepared,
    s: &Settings,
    dim: Dim,
    bin: model::seasonality::Bin,
    idx: &[u32],
    buf: &mut Scratch,
) -> (ProfileRow, Vec<YearRow>) {
    let o = &p.out;
    let n = idx.len() as u64;
    buf.ret.clear();
    buf.amp.clear();
    let (mut successes, mut atr_sum) = (0u64, 0.0);
    let (mut runs, mut reversals, mut up_len, mut up_runs, mut down_len, mut down_runs) =
        (0u64, 0u64, 0.0, 0u64, 0.0, 0u64);
    let (mut bo_up, mut bo_down, mut in_range, mut bo_n) = (0u64, 0u64, 0u64, 0u64);
    for &i in idx {
        let i = i as usize;
        successes += o.up[i] as u64;
        buf.ret.push(o.ret[i]);
        buf.amp.push(o.amplitude[i]);
        atr_sum += o.atr[i];
        if o.run_start[i] {
            runs += 1;
            let len = o.run_length[i];
            reversals += (len as usize <= s.horizon) as u64;
            if o.up[i] {
                up_len += len as f64;
                up_runs += 1;
            } else {
                down_len += len as f64;
                down_runs += 1;
            }
        }
        if let (Some(u), Some(d)) = (o.breakout_up[i], o.breakout_down[i]) {
            bo_n += 1;
            bo_up += u as u64;
            bo_down += d as u64;
            in_range += (!u && !d) as u64;
        }
    }
    let insufficient = (n as i64) < s.min_samples;
    let ret_mean = mean(&buf.ret);
    let ret_std = sample_std(&buf.ret);
    let (stats, score) = match s.measure {
        Measure::Direction => {
            let (ph, lo, hi) = wilson(successes, n);
            let keep = |x: f64| (!insufficient).then_some(x);
            (
                MeasureStats::Direction {
                    successes,
                    p_hat: keep(ph),
                    ci_low: keep(lo),
                    ci_high: keep(hi),
                },
                ph,
            )
        }
        Measure::Return => {
            let med = median(&buf.ret);
            let g = |x: Option<f64>| x.filter(|_| !insufficient);
            (
                MeasureStats::Return {
                    ret_mean: g(ret_mean),
                    ret_median: g(med),
                    ret_std: g(ret_std),
                },
                ret_mean.unwrap_or(0.0),
            )
        }
    };
    let lift = p.baseline.filter(|_| !insufficient).map(|b| score - b);
    let (t_stat, p_value) = if insufficient {
        (None, None)
    } else {
        test_stat(s.measure, n, score, ret_std, p.baseline)
    };
    let (rp, rlo, rhi) = wilson(reversals, runs);
    let frac = |k: u64, of: u64| (of > 0).then(|| k as f64 / of as f64);
    let qs = [0.25, 0.5, 0.75, 0.9];
    let (amp_mean, amp_std) = (mean(&buf.amp), sample_std(&buf.amp));
    let amp_q = quantiles_nearest(&buf.amp, qs);
    let ret_q = quantiles_nearest(&buf.ret, qs);
    let years = year_rows(p, s, dim, &bin, idx);
    let overall = lift.filter(|l| *l != 0.0);
    let years_same_sign = overall.and_then(|l| {
        (!years.is_empty()).then(|| years.iter().filter(|y| y.lift * l > 0.0).count() as f64 / years.len() as f64)
    });
    let row = ProfileRow {
        symbol: p.bars.symbol.to_string(),
        timeframe: s.timeframe.clone(),
        dim: dim.name(),
        bin,
        n,
        stats,
        run_len_up_mean: frac_f(up_len, up_runs),
        run_len_down_mean: frac_f(down_len, down_runs),
        n_runs: runs,
        p_reversal_n: Some(rp),
        p_reversal_ci_low: Some(rlo),
        p_reversal_ci_high: Some(rhi),
        p_reversal_lift: p.reversal_baseline.filter(|_| runs > 0).map(|b| rp - b),
        p_reversal_baseline: p.reversal_baseline,
        amp_mean,
        amp_std,
        amp_p25: amp_q[0],
        amp_p50: amp_q[1],
        amp_p75: amp_q[2],
        amp_p90: amp_q[3],
        atr_mean: Some(atr_sum / n as f64),
        p_breakout_up: frac(bo_up, bo_n),
        p_breakout_down: frac(bo_down, bo_n),
        p_in_range: frac(in_range, bo_n),
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
    };
    (row, years)
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

/// Per calendar year: the bin's score and its lift against that year's baseline (bin indices are chronological).
fn year_rows(p: &Prepared, s: &Settings, dim: Dim, bin: &model::seasonality::Bin, idx: &[u32]) -> Vec<YearRow> {
    let mut out: Vec<YearRow> = Vec::new();
    let mut k = 0;
    while k < idx.len() {
        let year = p.cal.year[idx[k] as usize];
        let (mut sum, mut n) = (0.0, 0u64);
        while k < idx.len() && p.cal.year[idx[k] as usize] == year {
            let i = idx[k] as usize;
            sum += if s.measure == Measure::Direction {
                p.out.up[i] as u8 as f64
            } else {
                p.out.ret[i]
            };
            n += 1;
            k += 1;
        }
        let score = sum / n as f64;
        let base = p
            .year_baseline
            .iter()
            .find(|(y, _)| *y == year)
            .map(|(_, b)| *b)
            .unwrap_or(score);
        out.push(YearRow {
            symbol: p.bars.symbol.to_string(),
            dim: dim.name(),
            bin: bin.clone(),
            year,
            n,
            score,
            lift: score - base,
        });
    }
    out
}
