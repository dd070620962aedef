//! The tasks of the jobs this server handed to workers, for `GET /jobs/{id}/tasks` and the job page.

use model::tasks::{TaskRow, TaskStatus};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Jobs whose tasks are remembered (the oldest are forgotten first).
const JOBS_KEPT: usize = 500;

/// Every task of the recent jobs, by job.
#[derive(Default)]
pub struct Board {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    jobs: HashMap<String, Vec<TaskRow>>,
    order: VecDeque<String>,
}

impl Board {
    /// Adds `rows` to job `job`'s tasks.
    pub fn add(&self, job: &str, rows: Vec<TaskRow>) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if !g.jobs.contains_key(job) {
            g.order.push_back(job.to_string());
            if g.order.len() > JOBS_KEPT {
                if let Some(old) = g.order.pop_front() {
                    g.jobs.remove(&old);
                }
            }
        }
        g.jobs.entry(job.to_string()).or_default().extend(rows);
    }

    /// Changes task `task` of job `job`.
    pub fn update(&self, job: &str, task: &str, change: impl FnOnce(&mut TaskRow)) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(row) = g
            .jobs
            .get_mut(job)
            .and_then(|rows| rows.iter_mut().find(|r| r.task == task))
        {
            change(row);
        }
    }

    /// Marks every unfinished task of `job` cancelled.
    pub fn withdraw(&self, job: &str) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        for row in g.jobs.get_mut(job).into_iter().flatten() {
            if matches!(row.status, TaskStatus::Queued | TaskStatus::Running) {
                row.status = TaskStatus::Cancelled;
            }
        }
    }

    /// Job `job`'s tasks in the order they were published (None when it handed out none).
    pub fn tasks(&self, job: &str) -> Option<Vec<TaskRow>> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .jobs
            .get(job)
            .cloned()
    }
}
