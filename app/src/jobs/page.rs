//! `/ui/jobs/{id}?kind=…`: a submitted job's live progress from server-sent events (`GET /runs/{id}/events`:
//! `progress` then `done`), a cancel button (`POST /runs/{id}/cancel`) and, once completed, a link to the results.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use crate::format::status_class;
use crate::jobs::{fraction, get_job, result_href};
use crate::widgets::{show_errors, Loading};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use model::jobs::{JobRecord, JobStatus};

/// The live state of a job as the page shows it.
#[derive(Clone, Copy)]
struct JobState {
    progress: RwSignal<f64>,
    message: RwSignal<String>,
    status: RwSignal<JobStatus>,
    error: RwSignal<Option<String>>,
}

/// The job page: the stored job, followed live until it ends; an unknown id says so.
#[component]
pub fn Job() -> impl IntoView {
    let id = use_params_map().with_untracked(|p| p.get("id").unwrap_or_default());
    let record = Resource::new(
        {
            let id = id.clone();
            move || id.clone()
        },
        get_job,
    );
    view! {
        <p class="crumbs"><a href="/">"Overview"</a> " / job"</p>
        <h1>"Job " <span class="mono">{id}</span></h1>
        <Suspense fallback=|| view! { <Loading/> }>
            <ErrorBoundary fallback=show_errors>
                {move || Suspend::new(async move {
                    record.await.map(|r| match r {
                        Some(r) => view! { <JobBody r/> }.into_any(),
                        None => view! {
                            <p class="empty" id="job-missing">
                                "There is no job with this id. " <a href="/">"Recent jobs"</a>
                            </p>
                        }.into_any(),
                    })
                })}
            </ErrorBoundary>
        </Suspense>
    }
}

/// A known job: its stored state at first, then the progress stream's until it ends.
#[component]
fn JobBody(r: JobRecord) -> impl IntoView {
    let id = r.job_id.clone();
    let kind = r.kind;
    let state = JobState {
        progress: RwSignal::new(if r.status == JobStatus::Completed {
            1.0
        } else {
            fraction(r.progress)
        }),
        message: RwSignal::new(
            r.message
                .clone()
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "Waiting for the first progress report…".into()),
        ),
        status: RwSignal::new(r.status),
        error: RwSignal::new(r.error.clone()),
    };
    #[cfg(feature = "hydrate")]
    if !r.is_finished() {
        let id = id.clone();
        Effect::new(move |_| listen(&id, state));
    }
    let finished = move || state.status.get().is_terminal();
    let cancel = {
        let id = id.clone();
        move |_| cancel_job(&id, state)
    };
    let results = result_href(kind, &id);
    let tasks_panel = view! { <super::tasks::JobTasksPanel id=id.clone() finished=Signal::derive(finished)/> };
    view! {
        <section class="panel" id="job">
            <div class="meta">
                <span class=move || status_class(state.status.get().as_str()) id="job-status">
                    {move || state.status.get().as_str()}
                </span>
                <span class="muted">{format!("kind: {kind}")}</span>
            </div>
            <div class="progress-row">
                <progress id="job-progress" max="1" value=move || state.progress.get()></progress>
                <span id="job-percent">{move || format!("{:.0}%", state.progress.get() * 100.0)}</span>
            </div>
            <p id="job-message" aria-live="polite">{move || state.message.get()}</p>
            {move || state.error.get().map(|e| view! { <p class="error" role="alert" id="job-error">{e}</p> })}
            <div class="actions">
                <button type="button" id="cancel" on:click=cancel disabled=finished>"Cancel"</button>
                {move || (state.status.get() == JobStatus::Completed).then(|| {
                    let href = results.clone();
                    view! { <a class="button primary" id="job-results" href=href>"View results →"</a> }
                })}
            </div>
        </section>
        {tasks_panel}
    }
}

#[cfg(feature = "hydrate")]
fn listen(id: &str, s: JobState) {
    use std::cell::RefCell;
    use std::rc::Rc;
    let holder: Rc<RefCell<Option<crate::browser::Events>>> = Rc::new(RefCell::new(None));
    let inner = holder.clone();
    let on = move |name: &str, data: String| match model::jobs::JobEvent::parse(name, &data) {
        Some(model::jobs::JobEvent::Progress {
            status,
            progress,
            message,
            ..
        }) => {
            let _ = s.progress.try_set(fraction(progress));
            let _ = s.status.try_set(status);
            if let Some(m) = message.filter(|m| !m.is_empty()) {
                let _ = s.message.try_set(m);
            }
        }
        Some(model::jobs::JobEvent::Done { status, error, .. }) => {
            if let Some(e) = inner.borrow().as_ref() {
                e.close();
            }
            if status == JobStatus::Completed {
                let _ = s.progress.try_set(1.0);
            }
            let _ = s.message.try_set(format!("Job {status}."));
            let _ = s.status.try_set(status);
            let _ = s.error.try_set(error);
        }
        None if name == "done" => {
            if let Some(e) = inner.borrow().as_ref() {
                e.close();
            }
            let _ = s.error.try_set(Some(format!("Unreadable final event: {data}")));
        }
        None => {
            let done = s.status.try_get_untracked().is_some_and(JobStatus::is_terminal);
            if !done {
                let _ = s
                    .message
                    .try_set("Connection to the progress stream interrupted; retrying…".into());
            }
        }
    };
    match crate::browser::Events::open(&format!("/runs/{id}/events"), &["progress", "done"], on) {
        Ok(events) => *holder.borrow_mut() = Some(events),
        Err(e) => {
            let _ = s.error.try_set(Some(format!("Cannot follow progress: {e}")));
        }
    }
}

fn cancel_job(id: &str, s: JobState) {
    s.message.set("Cancelling…".into());
    #[cfg(feature = "hydrate")]
    {
        let url = format!("/runs/{id}/cancel");
        leptos::task::spawn_local(async move {
            match crate::browser::post(&url, None).await {
                Ok((status, _)) if (200..300).contains(&status) => {}
                Ok((status, text)) => {
                    let _ = s.error.try_set(Some(format!(
                        "Cancel refused ({status}): {}",
                        crate::format::detail_text(&text)
                    )));
                }
                Err(e) => {
                    let _ = s.error.try_set(Some(e));
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}
