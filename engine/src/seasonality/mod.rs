//! Seasonality profiles, bin selection, signals and comparison (issue 6). Every symbol is profiled separately;
//! dims and symbols run in parallel with rayon.

pub mod artifacts;
pub mod backtest;
mod calendar;
mod compare;
mod dims;
mod estimators;
pub mod optimize;
mod outcomes;
mod parquet;
pub mod payload;
pub mod pipeline;
mod profile;
mod robust;
mod select;
mod signal;
mod trial_cache;
mod window;

#[cfg(test)]
pub(crate) mod tests;

pub use calendar::Calendar;
pub use compare::{compare, lift_correlation, CompareRow, Comparison, LiftCorrelation};
pub use dims::{Dim, SESSIONS};
pub use parquet::write_profiles;
pub use select::{select_bins, Rules, RulesMetadata};
pub use signal::{signal, signal_on};
pub use window::Window;

use crate::data::Bars;
use model::seasonality::{ProfileRow, YearRow};
use model::spec::seasonality::{Measure, SeasonalitySpec};
use profile::{profile_dim, Prepared, Settings};
use rayon::prelude::*;

/// Why a profile could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum SeasonalityError {
    #[error("symbol {symbol}: column {column} has {len} values for {bars} bars")]
    Ragged {
        symbol: String,
        column: &'static str,
        len: usize,
        bars: usize,
    },
    #[error("symbol {symbol}: timestamps are not increasing at bar {index}")]
    Unsorted { symbol: String, index: usize },
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
    /// A task on `qe worker`s failed, or NATS did.
    #[error("{0}")]
    Remote(String),
    #[error("the run was cancelled")]
    Cancelled,
}

/// The profiles of a run: rows per (symbol, dim, bin) in the original's order, and the per-year stability cells.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Profiles {
    pub measure: Measure,
    pub rows: Vec<ProfileRow>,
    pub years: Vec<YearRow>,
}

impl Profiles {
    /// The rows of one dim.
    pub fn dim<'a>(&'a self, dim: &'a str) -> impl Iterator<Item = &'a ProfileRow> + 'a {
        self.rows.iter().filter(move |r| r.dim == dim)
    }
}

/// Profiles every series of `series` (one per symbol) on the dims `spec.profile` enables.
/// Dims concatenate in the original's order; within a dim rows are sorted by (symbol, bin).
pub fn profile(spec: &SeasonalitySpec, series: &[Bars]) -> Result<Profiles, SeasonalityError> {
    profile_dims(spec, series, &Dim::enabled(&spec.profile))
}

/// As [`profile`] on an explicit list of dims (the optimiser profiles every dim its search space can select).
pub fn profile_dims(spec: &SeasonalitySpec, series: &[Bars], dims: &[Dim]) -> Result<Profiles, SeasonalityError> {
    for b in series {
        check_lengths(b)?;
    }
    let windows: Vec<Window> = series.iter().map(Window::all).collect();
    profile_windows(spec, &windows, dims)
}

/// As [`profile_dims`] on borrowed windows of series (a fold's train windows), one per symbol.
pub fn profile_windows(spec: &SeasonalitySpec, series: &[Window], dims: &[Dim]) -> Result<Profiles, SeasonalityError> {
    profile_with(&ProfileSettings::of(spec), series, dims)
}

/// What profiling reads of a spec (a `qe worker` receives it with a fold's windows).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ProfileSettings {
    settings: Settings,
    /// Turn-of-month window: trading days before the end, after the start.
    tom: (u32, u32),
}

impl ProfileSettings {
    /// What the profiles measure.
    pub fn measure(&self) -> Measure {
        self.settings.measure
    }

    /// The profile settings of `spec`.
    pub fn of(spec: &SeasonalitySpec) -> Self {
        let p = &spec.profile;
        ProfileSettings {
            settings: Settings {
                measure: p.measure,
                min_samples: p.min_samples_bin,
                horizon: p.horizon(),
                timeframe: spec.data.timeframe.clone().unwrap_or_default(),
            },
            tom: (p.tom_before, p.tom_after),
        }
    }
}

/// [`profile_windows`] with the settings taken out of the spec.
pub fn profile_with(ps: &ProfileSettings, series: &[Window], dims: &[Dim]) -> Result<Profiles, SeasonalityError> {
    for w in series {
        check_sorted(w)?;
    }
    let (settings, tom) = (&ps.settings, ps.tom);
    let prepared: Vec<Prepared> = series.par_iter().map(|w| Prepared::new(*w, settings, tom)).collect();
    let jobs: Vec<(usize, usize)> = (0..dims.len())
        .flat_map(|d| (0..prepared.len()).map(move |s| (d, s)))
        .collect();
    let mut parts: Vec<(usize, &str, Vec<ProfileRow>, Vec<YearRow>)> = jobs
        .par_iter()
        .map(|&(d, s)| {
            let (rows, years) = profile_dim(&prepared[s], dims[d], settings);
            (d, prepared[s].bars.symbol, rows, years)
        })
        .collect();
    parts.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut out = Profiles {
        measure: settings.measure,
        ..Default::default()
    };
    for (_, _, rows, years) in parts {
        out.rows.extend(rows);
        out.years.extend(years);
    }
    Ok(out)
}

/// Joins the profiles of single windows (each with its symbol) into those of all of them, in [`profile_with`]'s
/// order: dim by dim (in `dims` order), then symbol by symbol.
pub fn join_profiles(measure: Measure, dims: &[Dim], mut parts: Vec<(String, Profiles)>) -> Profiles {
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Profiles {
        measure,
        ..Default::default()
    };
    for d in dims {
        let name = d.name();
        for (_, p) in &parts {
            out.rows.extend(p.rows.iter().filter(|r| r.dim == name).cloned());
            out.years.extend(p.years.iter().filter(|y| y.dim == name).cloned());
        }
    }
    out
}

/// Every column of `b` has one value per bar (a window of it can be taken).
pub(crate) fn check_lengths(b: &Bars) -> Result<(), SeasonalityError> {
    let n = b.len();
    let cols: [(&'static str, usize); 5] = [
        ("open", b.open.len()),
        ("high", b.high.len()),
        ("low", b.low.len()),
        ("close", b.close.len()),
        ("volume", b.volume.len()),
    ];
    let optional = [
        ("session", b.session.as_ref().map(|s| s.len())),
        ("roll_id", b.roll_id.as_ref().map(Vec::len)),
    ];
    let all = cols
        .into_iter()
        .chain(optional.into_iter().filter_map(|(c, l)| l.map(|l| (c, l))));
    for (column, len) in all {
        if len != n {
            return Err(SeasonalityError::Ragged {
                symbol: b.symbol.clone(),
                column,
                len,
                bars: n,
            });
        }
    }
    Ok(())
}

fn check_sorted(w: &Window) -> Result<(), SeasonalityError> {
    match (1..w.len()).find(|&i| w.ts[i] <= w.ts[i - 1]) {
        Some(index) => Err(SeasonalityError::Unsorted {
            symbol: w.symbol.to_string(),
            index,
        }),
        None => Ok(()),
    }
}
