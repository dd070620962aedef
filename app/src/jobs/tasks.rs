//! The job page's tasks panel: each task's chunk, status, worker and attempts, and the live workers; polled every
//! second while the job runs. Hidden when the server computes every job in its own process.

use crate::jobs::{get_job_tasks, JobTasks};
use leptos::prelude::*;
use model::tasks::{TaskRow, TaskStatus, TaskUnit};

/// The badge class of a task status.
pub fn task_class(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Done => "badge ok",
        TaskStatus::Queued | TaskStatus::Running => "badge run",
        TaskStatus::Failed | TaskStatus::Cancelled => "badge bad",
    }
}

/// `done/total tasks` of a job.
pub fn tally(t: &JobTasks) -> String {
    let done = t.tasks.iter().filter(|r| r.status == TaskStatus::Done).count();
    format!(
        "{done}/{} tasks done on {} live worker(s)",
        t.tasks.len(),
        t.workers.len()
    )
}

/// The panel; `finished` tells when to stop polling.
#[component]
pub fn JobTasksPanel(id: String, finished: Signal<bool>) -> impl IntoView {
    let tasks = Resource::new(move || id.clone(), get_job_tasks);
    #[cfg(feature = "hydrate")]
    {
        let last = StoredValue::new(false);
        if let Ok(handle) = leptos::leptos_dom::helpers::set_interval_with_handle(
            move || {
                // One more read after the job ends, so the final statuses show.
                let was = last.get_value();
                let now = finished.get_untracked();
                if !was {
                    tasks.refetch();
                }
                last.set_value(now);
            },
            std::time::Duration::from_secs(1),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = finished;
    view! {
        <Transition fallback=|| ()>
            {move || tasks.get().and_then(|r| r.ok()).filter(|t| t.distributed).map(|t| view! { <TasksTable t/> })}
        </Transition>
    }
}

/// A task's items: `trials 0–39`, `folds 2–4`, `fold 3`.
fn items(r: &TaskRow) -> String {
    let last = r.first_trial + r.trials.saturating_sub(1);
    match (r.unit, r.trials) {
        (TaskUnit::Folds, 1) => format!("fold {}", r.first_trial),
        (unit, _) => format!("{} {}–{last}", unit.as_str(), r.first_trial),
    }
}

#[component]
fn TasksTable(t: JobTasks) -> impl IntoView {
    let summary = tally(&t);
    let rows = t
        .tasks
        .into_iter()
        .map(|r| {
            let status = r.status.as_str();
            let items = items(&r);
            view! {
                <tr>
                    <td class="mono">{r.task}</td>
                    <td>{r.symbol}</td>
                    <td class="num">{items}</td>
                    <td><span class=task_class(r.status)>{status}</span></td>
                    <td class="mono">{r.worker.unwrap_or_default()}</td>
                    <td class="num">{r.attempts}</td>
                    <td class="error">{r.error.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    let workers = t
        .workers
        .into_iter()
        .map(|w| {
            let busy = w.running.len();
            view! {
                <li class="mono">{format!("{} ({}): {busy}/{} running, {} done", w.worker, w.host, w.concurrency, w.tasks_done)}</li>
            }
        })
        .collect_view();
    view! {
        <section class="panel" id="tasks">
            <div class="panel-head"><h2>"Tasks on workers"</h2><span class="muted" id="tasks-summary">{summary}</span></div>
            <table class="grid compact" id="task-rows">
                <thead><tr>
                    <th>"task"</th><th>"symbol"</th><th>"items"</th><th>"status"</th><th>"worker"</th>
                    <th>"attempts"</th><th>"error"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
            <h3>"Live workers"</h3>
            <ul id="workers">{workers}</ul>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_counts_done_tasks_and_workers() {
        let row = |status| TaskRow {
            task: "0.0".into(),
            symbol: "ES".into(),
            unit: TaskUnit::Trials,
            first_trial: 0,
            trials: 4,
            status,
            worker: None,
            attempts: 1,
            error: None,
        };
        let t = JobTasks {
            distributed: true,
            tasks: vec![row(TaskStatus::Done), row(TaskStatus::Running), row(TaskStatus::Done)],
            workers: Vec::new(),
        };
        assert_eq!(tally(&t), "2/3 tasks done on 0 live worker(s)");
        assert_eq!(items(&t.tasks[0]), "trials 0–3");
        let fold = TaskRow {
            unit: TaskUnit::Folds,
            first_trial: 3,
            trials: 1,
            ..t.tasks[0].clone()
        };
        assert_eq!(items(&fold), "fold 3");
        assert_eq!(task_class(TaskStatus::Done), "badge ok");
        assert_eq!(task_class(TaskStatus::Cancelled), "badge bad");
    }
}
