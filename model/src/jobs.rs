//! Jobs as the API lists them (`GET /jobs`, `GET /status/{id}`), and the vocabulary they are described in: kind,
//! status and failure reason, each one enum with its stored and wire spellings.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A stored job (without its spec, which the store reads on demand).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobRecord {
    pub job_id: String,
    pub kind: JobKind,
    pub status: JobStatus,
    pub progress: f64,
    pub message: Option<String>,
    pub error: Option<String>,
    /// Why a job failed; null otherwise.
    pub reason: Option<FailureReason>,
    pub result_path: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

impl JobRecord {
    /// True once the job can no longer change.
    pub fn is_finished(&self) -> bool {
        self.status.is_terminal()
    }
}

/// A name that is not one of an enum's spellings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// What was being named (`job kind`, `job status`, …).
    pub what: &'static str,
    pub name: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} {:?}", self.what, self.name)
    }
}

impl std::error::Error for UnknownName {}

/// Declares `as_str`, `ALL`, `Display` and `FromStr` for a unit enum from its variants' stored names.
macro_rules! named_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $name),+ }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::jobs::UnknownName;
            fn from_str(s: &str) -> Result<Self, $crate::jobs::UnknownName> {
                match s {
                    $($name => Ok($ty::$variant),)+
                    _ => Err($crate::jobs::UnknownName { what: $what, name: s.to_string() }),
                }
            }
        }
    };
}
pub(crate) use named_enum;

/// What a job computes, stored in `jobs.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Optimize,
    Stats,
    Seasonality,
    SeasonalityOptimize,
}

named_enum!(JobKind, "job kind", {
    Optimize => "optimize",
    Stats => "stats",
    Seasonality => "seasonality",
    SeasonalityOptimize => "seasonality_optimize",
});

/// Where a job is in its life, stored lowercase in `jobs.status` and `seasonality_runs.status`; `experiment_runs`
/// keeps the original's upper-case spelling ([`JobStatus::run_label`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

named_enum!(JobStatus, "job status", {
    Queued => "queued",
    Running => "running",
    Completed => "completed",
    Failed => "failed",
    Cancelled => "cancelled",
});

impl JobKind {
    /// The endpoint a spec of this kind is posted to.
    pub fn endpoint(self) -> &'static str {
        match self {
            JobKind::Optimize => "/submit",
            JobKind::Stats => "/stats/run",
            JobKind::Seasonality => "/seasonality/run",
            JobKind::SeasonalityOptimize => "/seasonality/optimize",
        }
    }

    /// A name for people (`Seasonality optimisation`).
    pub fn label(self) -> &'static str {
        match self {
            JobKind::Optimize => "Optimisation",
            JobKind::Stats => "Market stats",
            JobKind::Seasonality => "Seasonality run",
            JobKind::SeasonalityOptimize => "Seasonality optimisation",
        }
    }
}

impl JobStatus {
    /// True for `completed`, `failed` and `cancelled`: the job can no longer change.
    pub fn is_terminal(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Failed | JobStatus::Cancelled)
    }

    /// The spelling of `experiment_runs.status`, as the original wrote it (`FINISHED` for completed).
    pub fn run_label(self) -> &'static str {
        match self {
            JobStatus::Queued => "QUEUED",
            JobStatus::Running => "RUNNING",
            JobStatus::Completed => "FINISHED",
            JobStatus::Failed => "FAILED",
            JobStatus::Cancelled => "CANCELLED",
        }
    }

    /// Reads a status in any spelling a stored row may carry (`completed`, `FINISHED`, ` Running `, …).
    pub fn from_label(label: &str) -> Option<JobStatus> {
        let label = label.trim();
        JobStatus::ALL
            .iter()
            .copied()
            .find(|s| s.as_str().eq_ignore_ascii_case(label) || s.run_label().eq_ignore_ascii_case(label))
    }
}

/// Why a job failed, stored in `jobs.reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    /// The server stopped while the job ran.
    Interrupted,
    /// Its spec or data was at fault.
    BadInput,
    /// Its spec named a file outside the data root.
    Forbidden,
}

named_enum!(FailureReason, "failure reason", {
    Interrupted => "interrupted",
    BadInput => "bad_input",
    Forbidden => "forbidden",
});

/// `GET /status/{id}`: the job's state, or `{"status": "unknown"}` for an id never seen (never a 404).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum StatusAnswer {
    Known {
        status: JobStatus,
        kind: JobKind,
        progress: f64,
        message: Option<String>,
        error: Option<String>,
        reason: Option<FailureReason>,
    },
    Unknown {
        status: Unknown,
    },
}

impl From<&JobRecord> for StatusAnswer {
    fn from(r: &JobRecord) -> Self {
        StatusAnswer::Known {
            status: r.status,
            kind: r.kind,
            progress: r.progress,
            message: r.message.clone(),
            error: r.error.clone(),
            reason: r.reason,
        }
    }
}

/// The status of an id the server never saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Unknown {
    Unknown,
}

/// `202 Accepted` of a job POST with `Prefer: respond-async`: the id to follow, status `queued`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Queued {
    pub id: String,
    pub status: JobStatus,
}

/// `POST /submit`'s answer once the optimisation completed: the run id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Submitted {
    pub id: String,
}

/// `POST /stats/run`'s answer once the run completed: status `completed` and the run id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsRan {
    pub status: JobStatus,
    pub id: String,
}

/// `POST /runs/{id}/cancel`'s 202: the job stops at its next check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cancelling {
    pub run_id: String,
    pub status: CancelRequested,
}

/// The status of a job asked to stop: `cancelling` until it ends `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum CancelRequested {
    Cancelling,
}

/// One server-sent event of `GET /runs/{id}/events`: `progress` while the job runs, then one `done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged, from = "EventFields")]
pub enum JobEvent {
    Done {
        run_id: String,
        status: JobStatus,
        error: Option<String>,
        progress: f64,
    },
    Progress {
        run_id: String,
        status: JobStatus,
        progress: f64,
        message: Option<String>,
    },
}

/// The fields of either event, read before deciding which it is (by its status).
#[derive(Deserialize)]
struct EventFields {
    run_id: String,
    status: JobStatus,
    #[serde(default)]
    progress: f64,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

impl From<EventFields> for JobEvent {
    fn from(f: EventFields) -> Self {
        JobEvent::of(f.run_id, f.status, f.progress, f.message, f.error)
    }
}

impl JobEvent {
    /// The event of a job in `status`: `done` once it is terminal, `progress` before.
    pub fn of(
        run_id: String,
        status: JobStatus,
        progress: f64,
        message: Option<String>,
        error: Option<String>,
    ) -> Self {
        if status.is_terminal() {
            JobEvent::Done {
                run_id,
                status,
                error,
                progress,
            }
        } else {
            JobEvent::Progress {
                run_id,
                status,
                progress,
                message,
            }
        }
    }

    /// The SSE event name (`progress` or `done`).
    pub fn name(&self) -> &'static str {
        match self {
            JobEvent::Done { .. } => "done",
            JobEvent::Progress { .. } => "progress",
        }
    }

    /// Reads the data of an event named `name`; None for other names or data that does not fit.
    pub fn parse(name: &str, data: &str) -> Option<JobEvent> {
        let event: JobEvent = serde_json::from_str(data).ok()?;
        (event.name() == name).then_some(event)
    }

    /// The job's status when the event was sent.
    pub fn status(&self) -> JobStatus {
        match self {
            JobEvent::Done { status, .. } | JobEvent::Progress { status, .. } => *status,
        }
    }

    /// The job's progress, 0…1.
    pub fn progress(&self) -> f64 {
        match self {
            JobEvent::Done { progress, .. } | JobEvent::Progress { progress, .. } => *progress,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_serde() {
        for k in JobKind::ALL {
            assert_eq!(k.as_str().parse::<JobKind>(), Ok(*k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        for s in JobStatus::ALL {
            assert_eq!(s.as_str().parse::<JobStatus>(), Ok(*s));
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
            assert_eq!(JobStatus::from_label(s.run_label()), Some(*s));
        }
        for r in FailureReason::ALL {
            assert_eq!(r.as_str().parse::<FailureReason>(), Ok(*r));
            assert_eq!(serde_json::to_value(r).unwrap(), r.as_str());
        }
        assert_eq!(
            serde_json::to_value(JobKind::SeasonalityOptimize).unwrap(),
            "seasonality_optimize"
        );
        assert_eq!(serde_json::to_value(FailureReason::BadInput).unwrap(), "bad_input");
    }

    #[test]
    fn labels_of_every_spelling_are_read() {
        assert_eq!(JobStatus::from_label("FINISHED"), Some(JobStatus::Completed));
        assert_eq!(JobStatus::from_label(" running "), Some(JobStatus::Running));
        assert_eq!(JobStatus::from_label("done"), None);
        assert!("Completed".parse::<JobStatus>().is_err());
        assert_eq!(
            "nope".parse::<JobKind>().unwrap_err().to_string(),
            "unknown job kind \"nope\""
        );
    }

    #[test]
    fn terminal_statuses() {
        let ended: Vec<_> = JobStatus::ALL
            .iter()
            .filter(|s| s.is_terminal())
            .map(|s| s.as_str())
            .collect();
        assert_eq!(ended, ["completed", "failed", "cancelled"]);
    }

    #[test]
    fn events_keep_their_wire_shape_and_read_back() {
        let p = JobEvent::of("a".into(), JobStatus::Running, 0.25, Some("fold 1".into()), None);
        let text = serde_json::to_string(&p).unwrap();
        assert_eq!(
            text,
            r#"{"run_id":"a","status":"running","progress":0.25,"message":"fold 1"}"#
        );
        assert_eq!(
            (p.name(), JobEvent::parse("progress", &text)),
            ("progress", Some(p.clone()))
        );
        let d = JobEvent::of("a".into(), JobStatus::Failed, 0.5, None, Some("boom".into()));
        let text = serde_json::to_string(&d).unwrap();
        assert_eq!(
            text,
            r#"{"run_id":"a","status":"failed","error":"boom","progress":0.5}"#
        );
        assert_eq!(JobEvent::parse("done", &text), Some(d));
        assert_eq!(
            JobEvent::parse("progress", &text),
            None,
            "a done event is not a progress event"
        );
    }

    #[test]
    fn status_answers_of_known_and_unknown_ids() {
        let unknown = StatusAnswer::Unknown {
            status: Unknown::Unknown,
        };
        assert_eq!(serde_json::to_string(&unknown).unwrap(), r#"{"status":"unknown"}"#);
        let back: StatusAnswer = serde_json::from_str(r#"{"status":"unknown"}"#).unwrap();
        assert_eq!(back, unknown);
        let known: StatusAnswer = serde_json::from_str(
            r#"{"status":"failed","kind":"stats","progress":0.0,"message":null,"error":"x","reason":"bad_input"}"#,
        )
        .unwrap();
        assert!(matches!(
            known,
            StatusAnswer::Known {
                reason: Some(FailureReason::BadInput),
                ..
            }
        ));
    }
}
