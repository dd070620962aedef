//! The executor with controllable job bodies on a real SQLite store: lifecycle, progress, failures, panics,
//! cancellation (running and queued), the queue limit, shutdown and the restart of unfinished jobs.

use super::*;
use crate::store::jobs::{FailureReason, JobStatus};
use crate::store::{runs, testing};
use std::sync::atomic::AtomicU32;

fn spec_text() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/submit_local.json")).unwrap()
}

fn spec() -> JobSpec {
    let value = serde_json::from_str(&spec_text()).unwrap();
    JobSpec::Optimize(Box::new(model::spec::experiment::parse_experiment(value).unwrap()))
}

fn config(dir: &Path, workers: usize, queue_limit: usize) -> JobsConfig {
    JobsConfig {
        workers,
        queue_limit,
        artifacts_dir: dir.join("artifacts"),
        load: LoadOptions::default(),
        nats: None,
    }
}

fn body<F, Fut>(f: F) -> Body
where
    F: Fn(JobContext) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<JobResult, JobError>> + Send + 'static,
{
    Arc::new(move |ctx, _spec| Box::pin(f(ctx)))
}

/// A result that carries `marks` as its column names, so a test can tell whose it is.
fn marked(marks: &[&str]) -> JobResult {
    JobResult::Stats(model::results::StatsResult {
        columns: marks.iter().map(|m| m.to_string()).collect(),
        rows: Vec::new(),
    })
}

async fn status(jobs: &Jobs, id: &str) -> JobStatus {
    repo::get(jobs.store(), id).await.unwrap().unwrap().status
}

#[tokio::test]
async fn a_completed_job_stores_its_result_and_streams_progress() {
    let (store, dir) = testing::sqlite().await;
    let b = body(|ctx| async move {
        ctx.report(0.5, "half way");
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(marked(&["answer", &ctx.run_id]))
    });
    let jobs = Jobs::start_with(store.clone(), config(dir.path(), 2, 4), b)
        .await
        .unwrap();
    let submission = jobs.submit(spec(), "{}").await.unwrap();
    let id = submission.id.clone();
    assert_eq!(id.len(), 32);
    let run = runs::get_run(&store, &id)
        .await
        .unwrap()
        .expect("the run row exists before the job runs");
    assert!(matches!(run.status.as_deref(), Some("QUEUED") | Some("RUNNING")));

    let mut rx = jobs.watch(&id).expect("live while unfinished");
    let mut seen = Vec::new();
    loop {
        let u = rx.borrow_and_update().clone();
        seen.push((u.status, u.progress));
        if u.status.is_terminal() || rx.changed().await.is_err() {
            break;
        }
    }
    assert!(seen.iter().any(|(_, p)| *p == 0.5), "progress 0.5 streamed: {seen:?}");

    let rec = jobs.wait(&id).await.unwrap().unwrap();
    assert_eq!((rec.status, rec.progress), (JobStatus::Completed, 1.0));
    assert_eq!(
        rec.message.as_deref(),
        Some(repo::DONE_MESSAGE),
        "not the last phase's message"
    );
    assert!(rec.started_at.is_some() && rec.finished_at.is_some());
    let result = jobs.result(&id).await.unwrap().unwrap();
    assert_eq!(result["columns"], serde_json::json!(["answer", id]));
    let in_memory = submission.result().expect("the submission holds the completed result");
    assert_eq!(
        serde_json::to_value(&*in_memory).unwrap(),
        result,
        "the same document in memory and on disk"
    );
    assert!(dir.path().join("artifacts").join(&id).join("result.json").is_file());
    assert!(jobs.watch(&id).is_none(), "ended jobs are read from the store");
    assert_eq!(
        jobs.latest_result(JobKind::Optimize).await.unwrap().unwrap()["columns"][0],
        "answer"
    );
}

#[tokio::test]
async fn a_stale_progress_report_from_a_slower_worker_never_moves_progress_back() {
    let (store, dir) = testing::sqlite().await;
    let b = body(|ctx| async move {
        ctx.report(0.6, "trial 6/10");
        ctx.report(0.3, "trial 3/10");
        let held = ctx.clone();
        tokio::time::sleep(Duration::from_millis(300)).await;
        held.report(0.7, "trial 7/10");
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(marked(&[]))
    });
    let jobs = Jobs::start_with(store.clone(), config(dir.path(), 1, 4), b)
        .await
        .unwrap();
    let id = jobs.submit(spec(), "{}").await.unwrap().id;
    let mut rx = jobs.watch(&id).expect("live while unfinished");
    let mut seen = Vec::new();
    loop {
        let u = rx.borrow_and_update().clone();
        seen.push((u.progress, u.message.clone()));
        if u.status.is_terminal() || rx.changed().await.is_err() {
            break;
        }
    }
    assert!(seen.iter().any(|(p, _)| *p == 0.7), "later progress streamed: {seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress went back: {seen:?}"
    );
    assert!(
        seen.iter().all(|(_, m)| m.as_deref() != Some("trial 3/10")),
        "stale report shown: {seen:?}"
    );
    jobs.wait(&id).await.unwrap();
}

#[tokio::test]
async fn a_failing_job_is_failed_with_its_error_and_its_run_row_too() {
    let (store, dir) = testing::sqlite().await;
    let b = body(|_| async { Err(JobError::Failed("no bars in range".into())) });
    let jobs = Jobs::start_with(store.clone(), config(dir.path(), 1, 1), b)
        .await
        .unwrap();
    let id = jobs.submit(spec(), "{}").await.unwrap().id;
    let rec = jobs.wait(&id).await.unwrap().unwrap();
    assert_eq!(rec.status, JobStatus::Failed);
    assert_eq!(rec.error.as_deref(), Some("no bars in range"));
    assert!(jobs.result(&id).await.unwrap().is_none());
    let run = runs::get_run(&store, &id).await.unwrap().unwrap();
    assert_eq!(run.status.as_deref(), Some("FAILED"));
    assert!(run.finished_at.is_some());
}

#[tokio::test]
async fn a_panicking_job_fails_without_taking_the_executor_down() {
    let (store, dir) = testing::sqlite().await;
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let b = body(move |_| {
        let n = c.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                panic!("boom");
            }
            Ok(marked(&[]))
        }
    });
    let jobs = Jobs::start_with(store, config(dir.path(), 1, 2), b).await.unwrap();
    let first = jobs.submit(spec(), "{}").await.unwrap().id;
    let rec = jobs.wait(&first).await.unwrap().unwrap();
    assert_eq!(rec.status, JobStatus::Failed);
    assert_eq!(
        rec.error.as_deref(),
        Some(crate::jobs::context::INTERNAL_ERROR),
        "the panic text is only logged"
    );
    let second = jobs.submit(spec(), "{}").await.unwrap().id;
    assert_eq!(jobs.wait(&second).await.unwrap().unwrap().status, JobStatus::Completed);
}

#[tokio::test]
async fn a_job_whose_allocation_fails_fails_saying_so_and_the_next_job_runs() {
    let (store, dir) = testing::sqlite().await;
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let b = body(move |ctx| {
        let n = c.fetch_add(1, Ordering::SeqCst);
        async move {
            ctx.blocking(move |_| {
                // 2^50 f64s (8 PiB): no machine's allocator grants it, so the allocation really fails.
                let len = if n == 0 { 1 << 50 } else { 10 };
                // Through black_box: LLVM may elide an allocation whose memory is never used.
                let bars = std::hint::black_box(crate::alloc::zeroed::<f64>(len, "the test's bars"));
                Ok(marked(&[&bars.len().to_string()]))
            })
            .await
        }
    });
    let jobs = Jobs::start_with(store, config(dir.path(), 1, 2), b).await.unwrap();
    let first = jobs.submit(spec(), "{}").await.unwrap().id;
    let rec = jobs.wait(&first).await.unwrap().unwrap();
    assert_eq!(rec.status, JobStatus::Failed);
    let error = rec.error.unwrap_or_default();
    assert!(
        error.starts_with("out of memory: the test's bars needed 8388608.0 GiB"),
        "{error}"
    );
    let second = jobs.submit(spec(), "{}").await.unwrap().id;
    assert_eq!(jobs.wait(&second).await.unwrap().unwrap().status, JobStatus::Completed);
    assert_eq!(
        jobs.result(&second).await.unwrap(),
        Some(serde_json::json!({"columns": ["10"], "rows": []}))
    );
}

#[tokio::test]
async fn cancelling_stops_a_running_job_and_a_queued_one_never_starts() {
    let (store, dir) = testing::sqlite().await;
    let started = Arc::new(AtomicU32::new(0));
    let s = started.clone();
    let b = body(move |ctx| {
        s.fetch_add(1, Ordering::SeqCst);
        async move {
            for _ in 0..500 {
                if ctx.is_cancelled() {
                    return Err(JobError::Cancelled);
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok(marked(&[]))
        }
    });
    let jobs = Jobs::start_with(store.clone(), config(dir.path(), 1, 2), b)
        .await
        .unwrap();
    let running = jobs.submit(spec(), "{}").await.unwrap().id;
    let queued = jobs.submit(spec(), "{}").await.unwrap().id;
    while status(&jobs, &running).await != JobStatus::Running {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(status(&jobs, &queued).await, JobStatus::Queued);
    assert_eq!(jobs.cancel(&queued).await.unwrap(), CancelOutcome::Requested);
    assert_eq!(jobs.cancel(&running).await.unwrap(), CancelOutcome::Requested);
    assert_eq!(jobs.wait(&running).await.unwrap().unwrap().status, JobStatus::Cancelled);
    assert_eq!(jobs.wait(&queued).await.unwrap().unwrap().status, JobStatus::Cancelled);
    assert_eq!(started.load(Ordering::SeqCst), 1, "the queued job never ran");
    let run = runs::get_run(&store, &queued).await.unwrap().unwrap();
    assert_eq!(run.status.as_deref(), Some("CANCELLED"));
    assert_eq!(
        jobs.cancel(&running).await.unwrap(),
        CancelOutcome::AlreadyFinished(JobStatus::Cancelled)
    );
    assert_eq!(jobs.cancel("nope").await.unwrap(), CancelOutcome::NotFound);
}

#[tokio::test]
async fn a_full_queue_refuses_without_writing_anything() {
    let (store, dir) = testing::sqlite().await;
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    let g = gate.clone();
    let b = body(move |_| {
        let g = g.clone();
        async move {
            let _ = g.acquire().await;
            Ok(marked(&[]))
        }
    });
    let jobs = Jobs::start_with(store.clone(), config(dir.path(), 1, 1), b)
        .await
        .unwrap();
    let a = jobs.submit(spec(), "{}").await.unwrap().id;
    let b = jobs.submit(spec(), "{}").await.unwrap().id;
    let refused = jobs.submit(spec(), "{}").await.unwrap_err();
    assert!(matches!(refused, SubmitError::QueueFull { limit: 2 }), "{refused}");
    assert_eq!(repo::list(&store, None, None, 10, 0).await.unwrap().len(), 2);
    gate.add_permits(2);
    for id in [a, b] {
        assert_eq!(jobs.wait(&id).await.unwrap().unwrap().status, JobStatus::Completed);
    }
    let c = jobs.submit(spec(), "{}").await.expect("room again once jobs ended").id;
    gate.add_permits(1);
    assert_eq!(jobs.wait(&c).await.unwrap().unwrap().status, JobStatus::Completed);
}

#[tokio::test]
async fn shutdown_lets_running_jobs_finish_and_the_next_start_runs_the_queued_ones() {
    let (store, dir) = testing::sqlite().await;
    let b = body(|_| async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(marked(&[]))
    });
    let jobs = Jobs::start_with(store.clone(), config(dir.path(), 1, 3), b.clone())
        .await
        .unwrap();
    let running = jobs.submit(spec(), &spec_text()).await.unwrap().id;
    let queued = jobs.submit(spec(), &spec_text()).await.unwrap().id;
    while status(&jobs, &running).await != JobStatus::Running {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    jobs.shutdown(Duration::from_secs(10)).await;
    assert_eq!(status(&jobs, &running).await, JobStatus::Completed);
    assert_eq!(
        status(&jobs, &queued).await,
        JobStatus::Queued,
        "left for the next start"
    );
    assert!(matches!(
        jobs.submit(spec(), "{}").await,
        Err(SubmitError::ShuttingDown)
    ));
    let next = Jobs::start_with(store.clone(), config(dir.path(), 1, 3), b)
        .await
        .unwrap();
    assert_eq!(next.wait(&queued).await.unwrap().unwrap().status, JobStatus::Completed);
}

#[tokio::test]
async fn start_runs_again_a_job_a_crash_left_running_and_fails_one_interrupted_twice() {
    let (store, dir) = testing::sqlite().await;
    for id in ["crashed", "twice", "garbled"] {
        let json = if id == "garbled" { "{".to_string() } else { spec_text() };
        repo::insert(&store, id, JobKind::Optimize, &json).await.unwrap();
        repo::set_running(&store, id).await.unwrap();
    }
    repo::requeue_unfinished(&store).await.unwrap(); // a first crash …
    repo::set_running(&store, "twice").await.unwrap(); // … and "twice" was running again at the second
    let b = body(|_| async { Ok(marked(&[])) });
    let jobs = Jobs::start_with(store.clone(), config(dir.path(), 1, 1), b)
        .await
        .unwrap();
    assert_eq!(
        jobs.wait("crashed").await.unwrap().unwrap().status,
        JobStatus::Completed
    );
    let rec = repo::get(&store, "twice").await.unwrap().unwrap();
    assert_eq!(
        (rec.status, rec.reason),
        (JobStatus::Failed, Some(FailureReason::Interrupted))
    );
    let rec = repo::get(&store, "garbled").await.unwrap().unwrap();
    assert_eq!(
        (rec.status, rec.reason),
        (JobStatus::Failed, Some(FailureReason::BadInput)),
        "{:?}",
        rec.error
    );
}

#[tokio::test]
async fn a_job_cancelled_when_the_shutdown_grace_runs_out_says_so_not_on_request() {
    let (store, dir) = testing::sqlite().await;
    let b = body(|ctx| async move {
        while !ctx.cancel.load(std::sync::atomic::Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Err(JobError::Cancelled)
    });
    let jobs = Jobs::start_with(store.clone(), config(dir.path(), 1, 4), b)
        .await
        .unwrap();
    let id = jobs.submit(spec(), "{}").await.unwrap().id;
    while status(&jobs, &id).await != JobStatus::Running {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    jobs.shutdown(Duration::from_millis(50)).await;
    let rec = repo::get(&store, &id).await.unwrap().unwrap();
    assert_eq!(rec.status, JobStatus::Cancelled);
    let error = rec.error.unwrap_or_default();
    assert!(error.contains("shut down") && !error.contains("on request"), "{error}");
}
