//! `qe stats show`: stored market statistics from `GET /stats`, ranked by lift (frequentist or Bayesian).

use super::http::{Api, Query};
use crate::cli::output::{CliError, Output, Table};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Show stored statistics of one (symbol, event, target), ranked by lift.
    Show(ShowArgs),
}

/// The estimator whose columns and lift are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Frequentist: p̂, Wilson interval, lift_freq.
    Freq,
    /// Bayesian: posterior mean, HDI, lift_bayes.
    Bayes,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[arg(long)]
    pub symbol: String,
    #[arg(long)]
    pub event: String,
    #[arg(long)]
    pub target: String,
    #[arg(long)]
    pub timeframe: Option<String>,
    #[arg(long, value_enum, default_value = "freq")]
    pub method: Method,
    /// Only rows significant after the Benjamini–Hochberg correction.
    #[arg(long)]
    pub significant_only: bool,
    /// At most this many rows (1…500).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

/// Runs a `qe stats …` client command.
pub async fn run(api: &Api, out: Output, cmd: StatsCommand) -> Result<(), CliError> {
    match cmd {
        StatsCommand::Show(a) => show(api, out, a).await,
    }
}

async fn show(api: &Api, out: Output, a: ShowArgs) -> Result<(), CliError> {
    let method = match a.method {
        Method::Freq => "freq",
        Method::Bayes => "bayes",
    };
    let mut query: Query = vec![
        ("symbol", a.symbol.clone()),
        ("event", a.event.clone()),
        ("target", a.target.clone()),
        ("method", method.into()),
        ("significant_only", a.significant_only.to_string()),
        ("page", "1".into()),
        ("page_size", a.limit.to_string()),
    ];
    if let Some(tf) = &a.timeframe {
        query.push(("timeframe", tf.clone()));
    }
    let rows = api.get("/stats", &query).await?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    out.emit(&json!(rows), || {
        if rows.is_empty() {
            return "No stats found".into();
        }
        stats_table(&rows, a.method).render()
    });
    Ok(())
}

/// The original's columns: the key, n and successes, then the chosen method's estimate, interval and lift, then
/// the q-value.
pub fn stats_table(rows: &[Value], method: Method) -> Table {
    let mut cols = vec![
        "event",
        "condition_name",
        "condition_value",
        "target",
        "split",
        "n",
        "successes",
    ];
    match method {
        Method::Freq => cols.extend(["p_hat", "ci_low", "ci_high", "lift_freq"]),
        Method::Bayes => cols.extend(["p_mean", "hdi_low", "hdi_high", "lift_bayes"]),
    }
    cols.push("q_value");
    Table::from_rows(rows, &cols)
}
