//! Server-side body of the seasonality page. Profiles are stored per (spec_id, dataset_id), not per run, so a
//! run's profiles are those stored under its spec and dataset ids.

pub mod profiles;

use crate::charts::ChartSpec;
use crate::seasonality::ssr::profiles::{
    compare_symbols, correlation, dim_counts, dims_of, is_joint, newest, profile_chart, stability, symbols_of,
    weekday_hour,
};
use crate::seasonality::{DimProfile, SeasonalityView, TRIALS_SHOWN};
use engine::store::seasonality::{list_profiles, list_runs, ProfileQuery, RunQuery};
use engine::store::seasonality_trials::{count_trials, list_trials_page, TrialOrder};
use engine::store::seasonality_years::list_years;
use engine::store::{Store, StoreError};

/// What the page's URL chose; every part optional.
pub struct Choice {
    pub run: Option<String>,
    pub symbol: Option<String>,
    pub corr_dim: Option<String>,
    pub vs: Option<String>,
    pub years_dim: Option<String>,
}

/// The page for the chosen run (else the newest), symbol (else the first), correlation and stability dims (else
/// `hour`, else the first dim) and compared symbol (else the next one).
pub async fn view(store: &Store, choice: Choice) -> Result<SeasonalityView, StoreError> {
    let Choice {
        run,
        symbol,
        corr_dim,
        vs,
        years_dim,
    } = choice;
    let runs = list_runs(
        store,
        &RunQuery {
            page_size: 100,
            ..Default::default()
        },
    )
    .await?;
    let chosen = run
        .as_ref()
        .and_then(|id| runs.iter().find(|r| &r.run_id == id))
        .or_else(|| {
            runs.iter()
                .find(|r| r.status == model::jobs::JobStatus::Completed.as_str())
        })
        .or(runs.first())
        .cloned();
    let stored = match &chosen {
        Some(r) => {
            list_profiles(
                store,
                &ProfileQuery {
                    spec_id: r.spec_id.clone(),
                    dataset_id: r.dataset_id.clone(),
                    page_size: 50_000,
                    ..Default::default()
                },
            )
            .await?
        }
        None => Vec::new(),
    };
    let rows = newest(&stored);
    let symbols = symbols_of(&rows);
    let symbol = symbol
        .filter(|s| symbols.contains(s))
        .or_else(|| symbols.first().cloned());
    let dims = dims_of(&rows);
    let (profiles, heat) = match &symbol {
        Some(s) => {
            let counts = dim_counts(&rows, s);
            let profiles = dims
                .iter()
                .filter(|d| !is_joint(d))
                .map(|d| {
                    let (bins, insufficient) = counts.get(d).copied().unwrap_or_default();
                    DimProfile {
                        dim: d.clone(),
                        chart: ChartSpec::Bars(profile_chart(&rows, s, d)),
                        bins,
                        insufficient,
                    }
                })
                .collect();
            (profiles, weekday_hour(&rows, s).map(ChartSpec::Heatmap))
        }
        None => (Vec::new(), None),
    };
    let corr_dims: Vec<String> = dims.iter().filter(|d| d.as_str() != "month_year").cloned().collect();
    let corr_dim = pick_dim(corr_dim, &corr_dims);
    let correlation = corr_dim
        .as_deref()
        .and_then(|d| correlation(&rows, d))
        .map(ChartSpec::Heatmap);
    let comparison = match (&symbol, &corr_dim) {
        (Some(a), Some(dim)) => {
            let b = vs
                .filter(|v| v != a && symbols.contains(v))
                .or_else(|| symbols.iter().find(|s| *s != a).cloned());
            b.map(|b| compare_symbols(&rows, a, &b, dim))
        }
        _ => None,
    };
    let stability_dims: Vec<String> = dims.iter().filter(|d| !is_joint(d)).cloned().collect();
    let stability_dim = pick_dim(years_dim, &stability_dims);
    let stability = match (&chosen, &symbol, &stability_dim) {
        (Some(r), Some(s), Some(d)) => stability(&list_years(store, &r.run_id, s, d).await?, d),
        _ => None,
    };
    let (trials, trial_count) = match &chosen {
        Some(r) => {
            let best = list_trials_page(store, &r.run_id, TrialOrder::BestFirst, TRIALS_SHOWN as i64, 0).await?;
            (
                best.iter().map(|t| t.decoded()).collect(),
                count_trials(store, &r.run_id).await?,
            )
        }
        None => (Vec::new(), 0),
    };
    Ok(SeasonalityView {
        run_id: chosen.map(|r| r.run_id),
        measure: rows.first().map(|r| r.measure),
        runs,
        symbols,
        symbol,
        profiles,
        weekday_hour: heat,
        corr_dims,
        corr_dim,
        correlation,
        comparison,
        stability_dims,
        stability_dim,
        stability,
        trials,
        trial_count,
    })
}

/// The chosen dim if offered, else `hour`, else the first offered.
fn pick_dim(chosen: Option<String>, offered: &[String]) -> Option<String> {
    chosen
        .filter(|d| offered.contains(d))
        .or_else(|| offered.iter().find(|d| d.as_str() == "hour").cloned())
        .or_else(|| offered.first().cloned())
}
