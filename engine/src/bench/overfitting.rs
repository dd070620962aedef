//! The `overfitting` benchmark: what the overfitting figures (per-block sums kept while trials run, PBO over every
//! C(16, 8) split, the DSRs, the optimum's robustness) cost as a share of the `optimize` benchmark's run, from
//! alternating runs of the same job with and without them in one process.

use super::cases::{grid_spec, measurement, Fixture};
use super::{probe, Measurement, Timed, YEAR_OF_MINUTES};
use crate::data::{load, LoadOptions};
use crate::optimize::{no_progress, RunContext};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// The most the figures may cost: 5 % of the run.
const TARGET_SHARE: f64 = 0.05;

/// Alternates `repeats` runs without the figures and `repeats` with them (after one warm-up of each); the
/// measurement's times are those with them, and its share the difference of the medians over the median with them.
pub fn bench(f: &Fixture, repeats: usize) -> Result<Measurement, String> {
    let spec = grid_spec(f)?;
    let cancel = AtomicBool::new(false);
    let run_once = |figures: bool| -> Result<(f64, f64), String> {
        let cpu0 = probe::cpu_seconds().unwrap_or(0.0);
        let t = Instant::now();
        let opts = crate::jobs::optimize::load_options(LoadOptions::default());
        let series = load(&spec.data, &opts).map_err(|e| e.to_string())?;
        let ctx = RunContext::new(&no_progress, &cancel);
        let ctx = if figures { ctx } else { ctx.without_overfitting() };
        let out = crate::optimize::run(&spec, &series, &ctx).map_err(|e| e.to_string())?;
        match (figures, out.symbols[0].overfitting.pbo.is_some()) {
            (true, false) => return Err("the run with the overfitting figures has no PBO".into()),
            (false, true) => return Err("the run without the overfitting figures has a PBO".into()),
            _ => {}
        }
        std::hint::black_box(out);
        let wall = t.elapsed().as_secs_f64();
        Ok((wall, probe::cpu_seconds().unwrap_or(0.0) - cpu0))
    };
    run_once(false)?;
    run_once(true)?;
    probe::reset_peak_rss();
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..repeats.max(1) {
        without.push(run_once(false)?);
        with.push(run_once(true)?);
    }
    let cpu = |runs: &[(f64, f64)]| runs.iter().map(|r| r.1).sum::<f64>() / runs.len() as f64;
    let (with_cpu, without_cpu) = (cpu(&with), cpu(&without));
    let timed = |runs: &[(f64, f64)]| {
        let mut seconds: Vec<f64> = runs.iter().map(|r| r.0).collect();
        seconds.sort_by(f64::total_cmp);
        let wall: f64 = seconds.iter().sum();
        Timed {
            seconds,
            peak_rss_kb: probe::peak_rss_kb(),
            cores_used: Some(cpu(runs) * runs.len() as f64 / wall.max(1e-9)),
            cpu_s_per_run: Some(cpu(runs)),
        }
    };
    let (with, without) = (timed(&with), timed(&without));
    let (full, bare) = (with.median(), without.median());
    let share = (full - bare) / full;
    let what = format!(
        "optimize's 500 trials with and without the overfitting figures (block sums, PBO over 12,870 splits, \
         DSRs, robustness), alternating: {full:.4} s with, {bare:.4} s without (medians); CPU {with_cpu:.4} s \
         against {without_cpu:.4} s per run ({:.1} %)",
        (with_cpu - without_cpu) / with_cpu.max(1e-9) * 100.0
    );
    let mut m = measurement("overfitting", what, f.bars.len(), &with, 500.0, "trials/s");
    m.share_of_run = Some(share);
    if m.bars == YEAR_OF_MINUTES {
        m.target_share = Some(TARGET_SHARE);
        m.met = Some(share < TARGET_SHARE);
    }
    Ok(m)
}
