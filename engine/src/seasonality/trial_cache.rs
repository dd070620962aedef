//! The optimiser's shared profiles: computed once per (fold, horizon) on every dim the search space can select,
//! with no bin-size floor; each trial applies its own floor and dims to the cached rows.

use super::pipeline::{FoldAsk, Prepared, ProfileExecutor, ProfileSource};
use super::{Dim, ProfileSettings, Profiles, SeasonalityError};
use model::seasonality::MeasureStats;
use model::spec::seasonality::SeasonalitySpec;
use std::collections::{BTreeSet, HashMap};

/// Profiles per (fold, horizon), computed once with every selectable dim and no size floor.
pub struct ProfileCache {
    pub(super) by: HashMap<(usize, usize), Profiles>,
    pub(super) enabled: BTreeSet<String>,
}

impl ProfileCache {
    /// Profiles every processed fold of `prep` for each horizon in `horizons` on `dims`, on `executor`.
    pub fn build(
        spec: &SeasonalitySpec,
        prep: &Prepared,
        horizons: &BTreeSet<usize>,
        dims: &[Dim],
        executor: &dyn ProfileExecutor,
    ) -> Result<ProfileCache, SeasonalityError> {
        let folds: Vec<usize> = (0..prep.folds.len()).filter(|&k| prep.usable[k]).collect();
        let mut keys = Vec::new();
        let mut asks = Vec::new();
        for &h in horizons {
            let mut s = spec.clone();
            s.profile.ret_horizon = h as i64;
            s.profile.min_samples_bin = 0;
            let settings = ProfileSettings::of(&s);
            for &k in &folds {
                keys.push((prep.folds[k].index, h));
                asks.push(FoldAsk {
                    fold: k,
                    settings: settings.clone(),
                    dims: dims.to_vec(),
                });
            }
        }
        let built = executor.profile(prep, &asks)?;
        Ok(ProfileCache {
            by: keys.into_iter().zip(built).collect(),
            enabled: Dim::enabled(&spec.profile).iter().map(|d| d.name()).collect(),
        })
    }
}

/// A trial's view of the cache: its horizon and bin-size floor applied to the cached rows.
pub struct TrialProfiles<'a> {
    pub cache: &'a ProfileCache,
    pub horizon: usize,
    pub min_samples: i64,
    pub dims: &'a [Dim],
}

impl ProfileSource for TrialProfiles<'_> {
    fn profiles(&self, prep: &Prepared, k: usize) -> Result<Profiles, SeasonalityError> {
        let Some(cached) = self.cache.by.get(&(prep.folds[k].index, self.horizon)) else {
            return Ok(Profiles::default());
        };
        let names: Vec<String> = self.dims.iter().map(|d| d.name()).collect();
        let keep = |dim: &str| {
            if names.is_empty() {
                self.cache.enabled.contains(dim)
            } else {
                names.iter().any(|d| d == dim)
            }
        };
        let mut out = Profiles {
            measure: cached.measure,
            rows: Vec::new(),
            years: Vec::new(),
        };
        for r in cached.rows.iter().filter(|r| keep(&r.dim)) {
            let mut r = r.clone();
            if (r.n as i64) < self.min_samples {
                r.insufficient = true;
                r.lift = None;
                match &mut r.stats {
                    MeasureStats::Direction {
                        p_hat, ci_low, ci_high, ..
                    } => {
                        (*p_hat, *ci_low, *ci_high) = (None, None, None);
                    }
                    MeasureStats::Return {
                        ret_mean,
                        ret_median,
                        ret_std,
                    } => {
                        (*ret_mean, *ret_median, *ret_std) = (None, None, None);
                    }
                }
            }
            out.rows.push(r);
        }
        Ok(out)
    }
}
