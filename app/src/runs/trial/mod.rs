//! One trial of an optimisation run, replayed on demand for its page (`/ui/runs/{id}/trials/{n}`).

pub mod page;
#[cfg(feature = "ssr")]
mod ssr;

use crate::charts::ChartSpec;
#[cfg(feature = "ssr")]
use crate::server_fns;
use leptos::prelude::*;
use model::trial::TrialDetail;
use serde::{Deserialize, Serialize};

/// Trades listed on the page; the download holds all of them.
pub const TRADE_ROWS: usize = 200;

/// A replayed trial with its charts: the price with the trades marked, the equity and the drawdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialView {
    pub detail: TrialDetail,
    pub price: ChartSpec,
    pub equity: ChartSpec,
    pub drawdown: ChartSpec,
}

/// What the trial page shows: the replayed trial, or the sentence saying why it cannot be shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrialPage {
    Found(Box<TrialView>),
    Missing(String),
}

/// How `qe serve` loads a job's data, so that a trial is replayed on the data its run read.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct ReplayLoad(pub engine::data::LoadOptions);

/// Trial `trial` of run `run_id`, re-run on the run's data.
#[server]
pub async fn get_trial(run_id: String, trial: i64) -> Result<TrialPage, ServerFnError> {
    let store = server_fns::store()?;
    let load = use_context::<ReplayLoad>().ok_or_else(|| ServerFnError::new("no data options in context"))?;
    ssr::page(&store, &load.0, &run_id, trial).await
}
