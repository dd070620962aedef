//! The jobs repository on SQLite and MariaDB: lifecycle, listing, long errors and crash recovery.

use super::*;
use crate::store::runs::{self, NewRun};
use crate::store::testing;

async fn lifecycle(store: Store) {
    insert(&store, "a1", JobKind::Optimize, r#"{"data": {"path": "x.csv"}}"#)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    insert(&store, "b2", JobKind::Stats, "{}").await.unwrap();

    let a = get(&store, "a1").await.unwrap().expect("a1 stored");
    assert_eq!(
        (a.kind, a.status, a.progress),
        (JobKind::Optimize, JobStatus::Queued, 0.0)
    );
    assert!(a.started_at.is_none() && !a.is_finished());
    assert_eq!(
        spec_json(&store, "a1").await.unwrap().as_deref(),
        Some(r#"{"data": {"path": "x.csv"}}"#)
    );
    assert!(get(&store, "nope").await.unwrap().is_none());

    set_running(&store, "a1").await.unwrap();
    set_progress(&store, "a1", 0.25, "EURUSD: trial 5/20").await.unwrap();
    let a = get(&store, "a1").await.unwrap().unwrap();
    assert_eq!((a.status, a.progress), (JobStatus::Running, 0.25));
    assert_eq!(a.message.as_deref(), Some("EURUSD: trial 5/20"));

    // Progress of a queued job is not recorded (it has not started).
    set_progress(&store, "b2", 0.5, "x").await.unwrap();
    assert_eq!(get(&store, "b2").await.unwrap().unwrap().progress, 0.0);

    let long_error = "é".repeat(5000);
    let end = Finish {
        error: Some(&long_error),
        ..Finish::of(JobStatus::Failed)
    };
    finish(&store, "b2", &end).await.unwrap();
    let b = get(&store, "b2").await.unwrap().unwrap();
    assert_eq!(b.status, JobStatus::Failed);
    assert_eq!(
        b.error.as_deref().map(|e| e.chars().count()),
        Some(4000),
        "errors are kept up to 4000 characters"
    );
    assert!(b.finished_at.is_some() && b.is_finished());

    let end = Finish {
        result_path: Some("/tmp/a1/result.json"),
        ..Finish::of(JobStatus::Completed)
    };
    finish(&store, "a1", &end).await.unwrap();
    let a = get(&store, "a1").await.unwrap().unwrap();
    assert_eq!((a.status, a.progress), (JobStatus::Completed, 1.0));
    assert_eq!(a.result_path.as_deref(), Some("/tmp/a1/result.json"));

    let all = list(&store, None, None, 10, 0).await.unwrap();
    let ids: Vec<&str> = all.iter().map(|j| j.job_id.as_str()).collect();
    assert_eq!(ids, ["b2", "a1"], "newest first");
    let stats = list(&store, Some(JobKind::Stats), None, 10, 0).await.unwrap();
    assert_eq!(stats.len(), 1);
    assert!(list(&store, None, Some(JobStatus::Running), 10, 0)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(list(&store, None, None, 1, 1).await.unwrap()[0].job_id, "a1");
    assert_eq!(
        latest_completed(&store, JobKind::Optimize)
            .await
            .unwrap()
            .unwrap()
            .job_id,
        "a1"
    );
    assert!(latest_completed(&store, JobKind::Stats).await.unwrap().is_none());
}

async fn recovery(store: Store) {
    for id in ["q", "r", "done"] {
        insert(&store, id, JobKind::Optimize, "{}").await.unwrap();
        let run = NewRun {
            run_id: id.into(),
            ..Default::default()
        };
        runs::create_or_running(&store, &run).await.unwrap();
    }
    set_running(&store, "r").await.unwrap();
    finish(&store, "done", &Finish::of(JobStatus::Completed)).await.unwrap();
    runs::finish(&store, "done", JobStatus::Completed).await.unwrap();

    // A first restart: the queued job stays queued, the running one is queued again; both are returned.
    let spec = |id: &str| (id.to_string(), "optimize".to_string(), "{}".to_string());
    let again = requeue_unfinished(&store).await.unwrap();
    let got: Vec<_> = again
        .iter()
        .map(|j| (j.job_id.clone(), j.kind.clone(), j.spec_json.clone()))
        .collect();
    assert_eq!(got, [spec("q"), spec("r")], "oldest first");
    let r = get(&store, "r").await.unwrap().unwrap();
    assert_eq!((r.status, r.started_at), (JobStatus::Queued, None));
    // Interrupted again while it ran: now it fails, with its run row.
    set_running(&store, "r").await.unwrap();
    let again = requeue_unfinished(&store).await.unwrap();
    assert_eq!(again.iter().map(|j| j.job_id.as_str()).collect::<Vec<_>>(), ["q"]);
    let r = get(&store, "r").await.unwrap().unwrap();
    assert_eq!(
        (r.status, r.reason),
        (JobStatus::Failed, Some(FailureReason::Interrupted))
    );
    assert!(r.error.unwrap_or_default().contains("twice"));
    assert_eq!(
        runs::get_run(&store, "r").await.unwrap().unwrap().status.as_deref(),
        Some("FAILED")
    );
    // At shutdown only running jobs fail; the queued one waits for the next start.
    set_running(&store, "q").await.unwrap();
    assert_eq!(fail_running(&store).await.unwrap(), ["q"]);
    let q = get(&store, "q").await.unwrap().unwrap();
    assert_eq!(
        (q.status, q.reason),
        (JobStatus::Failed, Some(FailureReason::Interrupted))
    );
    let done = get(&store, "done").await.unwrap().unwrap();
    assert_eq!(done.status, JobStatus::Completed, "finished jobs are untouched");
    assert_eq!(
        runs::get_run(&store, "done").await.unwrap().unwrap().status.as_deref(),
        Some("FINISHED")
    );
    assert!(
        requeue_unfinished(&store).await.unwrap().is_empty() && fail_running(&store).await.unwrap().is_empty(),
        "nothing is left to recover"
    );
}

#[tokio::test]
async fn sqlite_jobs_lifecycle() {
    let (store, _dir) = testing::sqlite().await;
    lifecycle(store).await;
}

#[tokio::test]
async fn mysql_jobs_lifecycle() {
    let Some(store) = testing::mysql().await else { return };
    lifecycle(store).await;
}

#[tokio::test]
async fn sqlite_recovery_queues_a_running_job_again_once_then_fails_it() {
    let (store, _dir) = testing::sqlite().await;
    recovery(store).await;
}

#[tokio::test]
async fn mysql_recovery_queues_a_running_job_again_once_then_fails_it() {
    let Some(store) = testing::mysql().await else { return };
    recovery(store).await;
}
