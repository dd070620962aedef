//! The benchmarks behind `qe bench` and `cargo bench`: each generates its data with [`crate::data::synth`] at a
//! stated size, runs several times, and reports median and minimum time, the target, the ratio to the original
//! engine's time, throughput, peak memory, the cores it kept busy and the build profile.

mod cases;
mod overfitting;
pub mod probe;
mod seasonality;

use serde::Serialize;
use std::time::Instant;

pub use cases::{Fixture, NAMES};

/// One year of 1-minute bars (366 days of 2024, 24/7): the size of the original's reference timings.
pub const YEAR_OF_MINUTES: usize = 527_040;

/// The kernel's stated size: one million bars.
pub const KERNEL_BARS: usize = 1_000_000;

/// What to run and at which size.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    /// Benchmark names to run (see [`NAMES`]); empty = all.
    pub only: Vec<String>,
    /// Bars of the generated series; `None` = one year of 1-minute bars (the kernel: [`KERNEL_BARS`]).
    pub bars: Option<usize>,
    /// Timed repetitions of each benchmark (after one untimed warm-up).
    pub repeats: usize,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            only: Vec::new(),
            bars: None,
            repeats: 5,
        }
    }
}

/// Why the benchmarks could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("unknown benchmark {0:?} (known: {known})", known = NAMES.join(", "))]
    UnknownName(String),
    #[error("--bars must be at least 2, got {0}")]
    TooFewBars(usize),
    #[error("benchmark {name}: {message}")]
    Failed { name: &'static str, message: String },
}

/// One benchmark's figures.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    pub name: &'static str,
    /// What exactly is timed.
    pub what: String,
    pub bars: usize,
    pub runs: usize,
    pub median_s: f64,
    pub min_s: f64,
    /// The 100× target (seconds), when the benchmark has one in seconds.
    pub target_s: Option<f64>,
    /// The original engine's time on the same work, and where that figure comes from.
    pub original_s: Option<f64>,
    pub original_note: Option<&'static str>,
    /// `original_s / median_s`.
    pub ratio_to_original: Option<f64>,
    /// Work per second at the median time, in `throughput_unit`.
    pub throughput: f64,
    pub throughput_unit: &'static str,
    /// The target in `throughput_unit`, when the benchmark's target is a rate.
    pub target_throughput: Option<f64>,
    /// Whether the median meets the target.
    pub met: Option<bool>,
    /// Peak RSS (VmHWM) during the timed runs, in kB; includes the generated series held in memory.
    pub peak_rss_kb: Option<u64>,
    /// CPU time divided by wall time over the timed runs (1.0 = one core busy).
    pub cores_used: Option<f64>,
    /// CPU time (all threads) per run: on a machine shared with other work, steadier than the wall time.
    pub cpu_s_per_run: Option<f64>,
    /// For a benchmark that prices a part of a run: that part's share of the whole run's median time.
    pub share_of_run: Option<f64>,
    /// The most that share may be (met when below it, at the reference size).
    pub target_share: Option<f64>,
}

/// Every measurement of one invocation and the conditions they were taken in.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub profile: String,
    pub rayon_threads: usize,
    pub cpus: usize,
    pub measurements: Vec<Measurement>,
}

/// Runs the selected benchmarks in [`NAMES`] order.
pub fn run(opts: &BenchOptions) -> Result<Report, BenchError> {
    if let Some(bad) = opts.only.iter().find(|n| !NAMES.contains(&n.as_str())) {
        return Err(BenchError::UnknownName(bad.clone()));
    }
    if let Some(n) = opts.bars.filter(|n| *n < 2) {
        return Err(BenchError::TooFewBars(n));
    }
    let wanted = |name: &str| opts.only.is_empty() || opts.only.iter().any(|n| n == name);
    let mut measurements = Vec::new();
    let mut fixture: Option<Fixture> = None;
    for &name in NAMES {
        if !wanted(name) {
            continue;
        }
        let m = if name == "kernel" {
            cases::kernel(opts.bars.unwrap_or(KERNEL_BARS), opts.repeats)
        } else {
            if fixture.is_none() {
                let f = Fixture::new(opts.bars.unwrap_or(YEAR_OF_MINUTES))
                    .map_err(|message| BenchError::Failed { name, message })?;
                fixture = Some(f);
            }
            let f = fixture.as_ref().expect("fixture just built");
            cases::with_fixture(name, f, opts.repeats)
        };
        measurements.push(m.map_err(|message| BenchError::Failed { name, message })?);
    }
    Ok(Report {
        profile: probe::build_profile(),
        rayon_threads: rayon::current_num_threads(),
        cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        measurements,
    })
}

/// Timings of `repeats` runs of `f` (after one warm-up run), with the peak RSS and the cores kept busy.
pub(crate) struct Timed {
    pub seconds: Vec<f64>,
    pub peak_rss_kb: Option<u64>,
    pub cores_used: Option<f64>,
    pub cpu_s_per_run: Option<f64>,
}

pub(crate) fn time_runs(repeats: usize, mut f: impl FnMut() -> Result<(), String>) -> Result<Timed, String> {
    f()?;
    probe::reset_peak_rss();
    let cpu0 = probe::cpu_seconds();
    let mut seconds = Vec::with_capacity(repeats.max(1));
    for _ in 0..repeats.max(1) {
        let t = Instant::now();
        f()?;
        seconds.push(t.elapsed().as_secs_f64());
    }
    let wall: f64 = seconds.iter().sum();
    let cpu = cpu0.zip(probe::cpu_seconds()).map(|(a, b)| b - a);
    seconds.sort_by(f64::total_cmp);
    Ok(Timed {
        peak_rss_kb: probe::peak_rss_kb(),
        cores_used: cpu.map(|c| c / wall.max(1e-9)),
        cpu_s_per_run: cpu.map(|c| c / seconds.len() as f64),
        seconds,
    })
}

impl Timed {
    /// The median of the sorted timings (mean of the two middle ones for an even count).
    pub fn median(&self) -> f64 {
        let s = &self.seconds;
        let m = s.len() / 2;
        if s.len() % 2 == 1 {
            s[m]
        } else {
            (s[m - 1] + s[m]) / 2.0
        }
    }
}

impl Report {
    /// A plain-text table, one line per benchmark, with the conditions in a header line.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "profile: {}; {} rayon threads on {} CPUs\n",
            self.profile, self.rayon_threads, self.cpus
        );
        out += &format!(
            "{:<13} {:>9} {:>10} {:>10} {:>9} {:>9} {:>8} {:>4} {:>20} {:>9} {:>5} {:>9}\n",
            "benchmark",
            "bars",
            "median s",
            "min s",
            "target",
            "original",
            "×orig",
            "met",
            "throughput",
            "peak MB",
            "cores",
            "cpu s/run"
        );
        for m in &self.measurements {
            let target = match (m.target_s, m.target_throughput, m.target_share) {
                (Some(s), _, _) => format!("<{s} s"),
                (None, Some(t), _) => format!("≥{t:.0e}"),
                (None, None, Some(share)) => format!("<{:.0} %", share * 100.0),
                _ => "—".into(),
            };
            let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map(f).unwrap_or_else(|| "—".into());
            out += &format!(
                "{:<13} {:>9} {:>10.4} {:>10.4} {:>9} {:>9} {:>8} {:>4} {:>20} {:>9} {:>5} {:>9}\n",
                m.name,
                m.bars,
                m.median_s,
                m.min_s,
                target,
                opt(m.original_s, &|s| format!("{s} s")),
                opt(m.ratio_to_original, &|r| format!("{r:.0}×")),
                match m.met {
                    Some(true) => "yes",
                    Some(false) => "NO",
                    None => "—",
                },
                format!("{:.3e} {}", m.throughput, m.throughput_unit),
                opt(m.peak_rss_kb.map(|k| k as f64 / 1024.0), &|mb| format!("{mb:.0}")),
                opt(m.cores_used, &|c| format!("{c:.2}")),
                opt(m.cpu_s_per_run, &|c| format!("{c:.4}")),
            );
        }
        for m in &self.measurements {
            out += &format!("  {}: {}", m.name, m.what);
            if let Some(note) = m.original_note {
                out += &format!(" (original: {note})");
            }
            out += "\n";
        }
        out
    }
}

#[cfg(test)]
mod tests;
