//! `qe submit --spec F|--example NAME [--kind K] [--wait] [--quiet]`: sends a spec to the server; with `--wait`
//! follows the job with a progress bar, then prints the leaderboard (exit 1 when the job failed or was cancelled;
//! Ctrl-C cancels the job and exits 130).

use super::events::{follow, JobEnd};
use super::http::{Api, Query};
use crate::cli::output::{out, outln};
use crate::cli::output::{CliError, Output, Table};
use clap::{Args, ValueEnum};
use model::jobs::JobStatus;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Which job a spec starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JobKindArg {
    /// An experiment (walk-forward optimisation): `POST /submit`.
    Optimize,
    /// Market statistics: `POST /stats/run`.
    Stats,
    /// A seasonality run: `POST /seasonality/run`.
    Seasonality,
    /// A seasonality optimisation: `POST /seasonality/optimize`.
    SeasonalityOptimize,
}

impl From<engine::jobs::JobKind> for JobKindArg {
    fn from(kind: engine::jobs::JobKind) -> Self {
        use engine::jobs::JobKind;
        match kind {
            JobKind::Optimize => JobKindArg::Optimize,
            JobKind::Stats => JobKindArg::Stats,
            JobKind::Seasonality => JobKindArg::Seasonality,
            JobKind::SeasonalityOptimize => JobKindArg::SeasonalityOptimize,
        }
    }
}

impl JobKindArg {
    /// The endpoint a spec of this kind is posted to.
    pub fn path(self) -> &'static str {
        let kind = match self {
            JobKindArg::Optimize => engine::jobs::JobKind::Optimize,
            JobKindArg::Stats => engine::jobs::JobKind::Stats,
            JobKindArg::Seasonality => engine::jobs::JobKind::Seasonality,
            JobKindArg::SeasonalityOptimize => engine::jobs::JobKind::SeasonalityOptimize,
        };
        kind.endpoint()
    }
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The spec file (JSON).
    #[arg(long, required_unless_present = "example", conflicts_with = "example")]
    pub spec: Option<PathBuf>,
    /// A built-in example spec by name instead of a file (`qe examples` lists them); its kind is the default.
    #[arg(long)]
    pub example: Option<String>,
    /// The kind of job the spec describes (default: optimize, or the example's kind).
    #[arg(long, value_enum)]
    pub kind: Option<JobKindArg>,
    /// Follow the job to its end with a progress bar, then print its leaderboard.
    #[arg(long)]
    pub wait: bool,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Rows of the leaderboard printed after `--wait`.
    #[arg(long, default_value_t = 10)]
    pub top: u32,
}

/// Reads and parses a spec file; a missing file or bad JSON is a usage error naming the file and line.
pub fn read_spec(path: &std::path::Path) -> Result<Value, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::Usage(format!("cannot read the spec file {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| {
        CliError::Usage(format!(
            "{}, line {}, column {}: not valid JSON: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })
}

/// Runs `qe submit`.
pub async fn run(api: &Api, out: Output, args: SubmitArgs) -> Result<(), CliError> {
    let (spec, origin, kind) = match (&args.spec, &args.example) {
        (Some(path), _) => (
            read_spec(path)?,
            path.display().to_string(),
            args.kind.unwrap_or(JobKindArg::Optimize),
        ),
        (None, Some(name)) => {
            let ex = crate::cli::examples::find(name)?;
            let spec = serde_json::from_str(&ex.text)
                .map_err(|e| CliError::Usage(format!("example {name} is not valid JSON: {e}")))?;
            (spec, format!("example {name}"), args.kind.unwrap_or(ex.kind.into()))
        }
        (None, None) => return Err(CliError::Usage("give --spec FILE or --example NAME".into())),
    };
    let accepted = api.post(kind.path(), &spec, true).await.map_err(|e| match e {
        CliError::Usage(d) => CliError::Usage(format!("invalid spec ({origin}): {d}")),
        other => other,
    })?;
    let id = accepted["id"]
        .as_str()
        .ok_or_else(|| CliError::Failed(format!("the server answered without a job id: {accepted}")))?
        .to_string();
    if !args.wait {
        out.emit(&accepted, || id.clone());
        return Ok(());
    }
    if !args.quiet && !out.json {
        eprintln!("submitted {id}; following its progress (Ctrl-C cancels the job)");
    }
    let end = tokio::select! {
        end = follow(api, &id, args.quiet) => end?,
        _ = tokio::signal::ctrl_c() => return Err(cancel_on_interrupt(api, &id).await),
    };
    finish(api, out, &id, kind, args.top, end).await
}

async fn cancel_on_interrupt(api: &Api, id: &str) -> CliError {
    match api.post(&format!("/runs/{id}/cancel"), &json!({}), false).await {
        Ok(_) => CliError::Interrupted(format!("interrupted: cancellation of job {id} requested")),
        Err(e) => CliError::Interrupted(format!("interrupted; cancelling job {id} failed: {e}")),
    }
}

async fn finish(api: &Api, out: Output, id: &str, kind: JobKindArg, top: u32, end: JobEnd) -> Result<(), CliError> {
    match end.status {
        JobStatus::Completed => {}
        JobStatus::Cancelled => return Err(CliError::Failed(format!("job {id} was cancelled"))),
        status => {
            let why = end.error.unwrap_or_else(|| "no error recorded".into());
            return Err(CliError::Failed(format!("job {id} {status}: {why}")));
        }
    }
    if out.json {
        let result = api.get(&format!("/result/{id}"), &Query::new()).await?;
        out.emit(
            &json!({"id": id, "status": end.status, "result": result["result"]}),
            String::new,
        );
        return Ok(());
    }
    outln!("job {id} completed");
    if kind == JobKindArg::Optimize {
        let query: Query = vec![
            ("order_by", "objective_value.desc".into()),
            ("page_size", top.clamp(1, 500).to_string()),
        ];
        let trials = api.get(&format!("/runs/{id}/trials"), &query).await?;
        out!(
            "{}",
            super::runs::trials_table(trials.as_array().map_or(&[], |v| v)).render()
        );
    } else {
        let result = api.get(&format!("/result/{id}"), &Query::new()).await?;
        out!("{}", result_summary(&result["result"]).render());
    }
    Ok(())
}

/// The scalar fields of a result document (and of its `metrics` or `summary` object) as a name/value table.
fn result_summary(result: &Value) -> Table {
    let mut fields = serde_json::Map::new();
    if let Some(obj) = result.as_object() {
        for (k, v) in obj {
            if !v.is_object() && !v.is_array() {
                fields.insert(k.clone(), v.clone());
            }
        }
        for nested in ["metrics", "best_metrics", "summary"] {
            if let Some(m) = obj.get(nested).and_then(Value::as_object) {
                for (k, v) in m.iter().filter(|(_, v)| !v.is_object() && !v.is_array()) {
                    fields.insert(format!("{nested}.{k}"), v.clone());
                }
            }
        }
        if let Some(rows) = obj.get("rows").and_then(Value::as_array) {
            fields.insert("rows".into(), json!(rows.len()));
        }
    }
    Table::key_values(&fields)
}
