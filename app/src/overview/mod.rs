//! The overview's reads: datasets and counts, and the recent runs of every kind.

pub mod page;

#[cfg(feature = "ssr")]
use crate::server_fns;
use leptos::prelude::*;
use model::jobs::JobKind;
use model::Overview;
use serde::{Deserialize, Serialize};

/// One recent run of any kind, with where its page is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecentRun {
    pub kind: JobKind,
    pub run_id: String,
    pub status: String,
    /// Start (optimisation) or creation (seasonality) time, UTC text.
    pub when: Option<String>,
    pub href: String,
    /// Fraction done, for jobs still queued or running.
    pub progress: Option<f64>,
}

/// Datasets and run counts for the overview page.
#[server]
pub async fn get_overview() -> Result<Overview, ServerFnError> {
    let store = server_fns::store()?;
    engine::store::datasets::overview(&store)
        .await
        .map_err(server_fns::fail)
}

/// The newest jobs of every kind (the job queue) and stored optimisation and seasonality runs that no job of the
/// list produced (seeded or run from the command line): up to 10 of each source, newest first.
#[server]
pub async fn get_recent_runs() -> Result<Vec<RecentRun>, ServerFnError> {
    use engine::store::{jobs, runs, seasonality};
    use model::jobs::JobStatus;
    let store = server_fns::store()?;
    let queued = jobs::list(&store, None, None, 10, 0).await.map_err(server_fns::fail)?;
    let opt = runs::list_runs(
        &store,
        &runs::RunFilter {
            page_size: 10,
            ..Default::default()
        },
    )
    .await
    .map_err(server_fns::fail)?;
    let seas = seasonality::list_runs(
        &store,
        &seasonality::RunQuery {
            page_size: 10,
            ..Default::default()
        },
    )
    .await
    .map_err(server_fns::fail)?;
    let mut out: Vec<RecentRun> = opt
        .into_iter()
        .map(|r| RecentRun {
            kind: JobKind::Optimize,
            href: format!("/ui/runs/{}", r.run_id),
            run_id: r.run_id,
            status: r.status.unwrap_or_default(),
            when: r.started_at,
            progress: None,
        })
        .collect();
    out.extend(seas.into_iter().map(|r| RecentRun {
        kind: JobKind::Seasonality,
        href: format!("/ui/seasonality?run={}", r.run_id),
        run_id: r.run_id,
        status: r.status,
        when: Some(r.created_at),
        progress: None,
    }));
    out.retain(|r| !queued.iter().any(|j| j.job_id == r.run_id));
    out.extend(queued.into_iter().map(|j| {
        let done = j.status == JobStatus::Completed;
        RecentRun {
            href: if done {
                crate::jobs::result_href(j.kind, &j.job_id)
            } else {
                format!("/ui/jobs/{}?kind={}", j.job_id, j.kind)
            },
            progress: (!j.is_finished()).then_some(j.progress),
            kind: j.kind,
            run_id: j.job_id,
            status: j.status.to_string(),
            when: Some(j.created_at),
        }
    }));
    out.sort_by(|a, b| b.when.cmp(&a.when));
    Ok(out)
}
