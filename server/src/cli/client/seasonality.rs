//! `qe seasonality profiles|runs|compare`: stored seasonality profiles and runs (`GET /seasonality/profiles`,
//! `/seasonality/runs`) and the two-symbol comparison of one dim's lifts.

use super::http::{Api, Query};
use crate::cli::output::{cell, CliError, Output, Table};
use crate::plot::{self, Figure};
use app::charts::{BarChart, ChartSpec};
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum SeasonalityCommand {
    /// Stored profiles (score, baseline and lift per bin), newest first.
    Profiles(ProfilesArgs),
    /// Stored seasonality runs, newest first.
    Runs(RunsArgs),
    /// Compare two symbols' profiles on one dim: the correlation of their lifts and the bins side by side.
    Compare(CompareArgs),
}

#[derive(Debug, Args)]
pub struct ProfilesArgs {
    #[arg(long)]
    pub symbol: Option<String>,
    #[arg(long)]
    pub timeframe: Option<String>,
    /// hour, dow, month, session, …
    #[arg(long)]
    pub dim: Option<String>,
    /// direction or return.
    #[arg(long)]
    pub measure: Option<String>,
    /// Only rows having these metrics (comma-separated); they are shown as extra columns.
    #[arg(long, value_delimiter = ',')]
    pub metrics: Vec<String>,
    /// At most this many rows (1…500).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// Also draw the first (symbol, dim, measure) as a bar chart with 95% intervals and the baseline (.png/.svg).
    #[arg(long)]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[arg(long)]
    pub status: Option<String>,
    #[arg(long)]
    pub spec_id: Option<String>,
    #[arg(long)]
    pub dataset_id: Option<String>,
    /// At most this many runs (1…500).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Exactly two symbols: `--symbols A --symbols B` (or `--symbols A,B`).
    #[arg(long, value_delimiter = ',', required = true)]
    pub symbols: Vec<String>,
    #[arg(long)]
    pub dim: String,
    #[arg(long)]
    pub timeframe: Option<String>,
    #[arg(long, default_value = "direction")]
    pub measure: String,
}

/// Runs a `qe seasonality …` client command.
pub async fn run(api: &Api, out: Output, cmd: SeasonalityCommand) -> Result<(), CliError> {
    match cmd {
        SeasonalityCommand::Profiles(a) => profiles(api, out, a).await,
        SeasonalityCommand::Runs(a) => runs(api, out, a).await,
        SeasonalityCommand::Compare(a) => compare(api, out, a).await,
    }
}

fn push_opt(q: &mut Query, key: &'static str, v: &Option<String>) {
    if let Some(v) = v {
        q.push((key, v.clone()));
    }
}

async fn profiles(api: &Api, out: Output, a: ProfilesArgs) -> Result<(), CliError> {
    let mut q: Query = vec![("page", "1".into()), ("page_size", a.limit.to_string())];
    push_opt(&mut q, "symbol", &a.symbol);
    push_opt(&mut q, "timeframe", &a.timeframe);
    push_opt(&mut q, "dim", &a.dim);
    push_opt(&mut q, "measure", &a.measure);
    let metrics: Vec<String> = a
        .metrics
        .iter()
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect();
    // One `metrics` parameter per name: the original sent `metrics=a,b`, which matched nothing.
    q.extend(metrics.iter().map(|m| ("metrics", m.clone())));
    let rows = api.get("/seasonality/profiles", &q).await?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    out.emit(&json!(rows), || {
        if rows.is_empty() {
            return "No seasonality profiles found".into();
        }
        profiles_table(&rows, &metrics).render()
    });
    if let Some(path) = &a.plot {
        let figure = profile_chart(&rows)?;
        plot::write(path, &figure).map_err(|e| CliError::Failed(format!("{}: {e}", path.display())))?;
        eprintln!("wrote {} ({})", path.display(), figure.title);
    }
    Ok(())
}

/// Profile rows as the original's table: key columns, score, n, baseline, lift, then the requested metrics.
pub fn profiles_table(rows: &[Value], metrics: &[String]) -> Table {
    let flat: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            for m in metrics {
                let v = r["metrics"].get(m).cloned().unwrap_or(Value::Null);
                r[m.as_str()] = v;
            }
            r
        })
        .collect();
    let mut cols = vec![
        "symbol",
        "timeframe",
        "dim",
        "bin",
        "measure",
        "score",
        "n",
        "baseline",
        "lift",
    ];
    cols.extend(metrics.iter().map(String::as_str));
    Table::from_rows(&flat, &cols)
}

/// The bar chart of the first row's (symbol, dim, measure): one bar per bin, Wilson 95% intervals for direction
/// scores, the baseline as a line.
pub fn profile_chart(rows: &[Value]) -> Result<Figure, CliError> {
    let first = rows
        .first()
        .ok_or_else(|| CliError::Failed("no profile rows to plot; loosen the filters".into()))?;
    let key = |r: &Value| (r["symbol"].clone(), r["dim"].clone(), r["measure"].clone());
    let k = key(first);
    let mut group: Vec<&Value> = rows.iter().filter(|r| key(r) == k).collect();
    if group.len() < rows.len() {
        eprintln!("plotting the first (symbol, dim, measure) only; filter with --symbol, --dim and --measure");
    }
    group.sort_by(|a, b| {
        let bin = |r: &Value| serde_json::from_value::<model::seasonality::Bin>(r["bin"].clone()).ok();
        bin(a).cmp(&bin(b))
    });
    let measure = first["measure"].as_str().unwrap_or("");
    let dim = first["dim"].as_str().unwrap_or("?");
    let whisker = |r: &Value| {
        let (p, n) = (r["score"].as_f64()?, r["n"].as_f64().unwrap_or(0.0));
        (measure == "direction" && n > 0.0).then(|| wilson(p, n))
    };
    let chart = BarChart {
        labels: group.iter().map(|r| cell("bin", &r["bin"])).collect(),
        values: group.iter().map(|r| r["score"].as_f64()).collect(),
        whiskers: group.iter().map(|r| whisker(r)).collect(),
        baseline: group.iter().find_map(|r| r["baseline"].as_f64()),
        x_label: dim.replace('_', " "),
        y_label: if measure == "direction" {
            "P(up)".into()
        } else {
            "mean return".into()
        },
        percent: false,
    };
    Ok(Figure {
        title: format!(
            "{} {} {} by {}",
            first["symbol"].as_str().unwrap_or("?"),
            first["timeframe"].as_str().unwrap_or(""),
            measure,
            dim
        ),
        chart: ChartSpec::Bars(chart),
    })
}

/// Wilson 95% interval of a proportion `p` over `n` trials.
pub fn wilson(p: f64, n: f64) -> (f64, f64) {
    let z = 1.959963984540054_f64;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    ((center - half).max(0.0), (center + half).min(1.0))
}

async fn runs(api: &Api, out: Output, a: RunsArgs) -> Result<(), CliError> {
    let mut q: Query = vec![("page", "1".into()), ("page_size", a.limit.to_string())];
    push_opt(&mut q, "status", &a.status);
    push_opt(&mut q, "spec_id", &a.spec_id);
    push_opt(&mut q, "dataset_id", &a.dataset_id);
    let rows = api.get("/seasonality/runs", &q).await?;
    let rows = rows.as_array().cloned().unwrap_or_default();
    out.emit(&json!(rows), || {
        if rows.is_empty() {
            return "No seasonality runs found".into();
        }
        let flat: Vec<Value> = rows
            .iter()
            .map(|r| {
                let mut r = r.clone();
                r["sharpe"] = r["best_summary"]["metrics"]["sharpe"].clone();
                r
            })
            .collect();
        let cols = [
            "run_id",
            "spec_id",
            "dataset_id",
            "status",
            "sharpe",
            "created_at",
            "out_dir",
        ];
        Table::from_rows(&flat, &cols).render()
    });
    Ok(())
}

async fn compare(api: &Api, out: Output, a: CompareArgs) -> Result<(), CliError> {
    if a.symbols.len() != 2 {
        return Err(CliError::Usage(format!(
            "give exactly two symbols (--symbols A --symbols B), got {}",
            a.symbols.len()
        )));
    }
    let mut q: Query = vec![
        ("symbols", a.symbols[0].clone()),
        ("symbols", a.symbols[1].clone()),
        ("dim", a.dim.clone()),
        ("measure", a.measure.clone()),
    ];
    push_opt(&mut q, "timeframe", &a.timeframe);
    let answer = api.get("/seasonality/compare", &q).await?;
    let wide: Vec<Value> = answer["wide"].as_array().cloned().unwrap_or_default();
    let body = json!({
        "dim": a.dim, "symbols": a.symbols, "correlation": answer["correlation"], "rows": wide,
    });
    out.emit(&body, || {
        let missing: Vec<&str> = answer["missing"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !missing.is_empty() {
            return format!("No {} profiles on dim {} for {}", a.measure, a.dim, missing.join(", "));
        }
        if wide.is_empty() {
            return format!("No bin of dim {} is present for both symbols", a.dim);
        }
        let corr = answer["correlation"]
            .as_f64()
            .map_or("N/A".to_string(), |c| format!("{c:.4}"));
        let mut text = format!(
            "lift correlation ({} vs {}, {}): {corr}\n",
            a.symbols[0], a.symbols[1], a.dim
        );
        let cols: Vec<String> = wide[0]
            .as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        let cols: Vec<&str> = cols.iter().map(String::as_str).collect();
        text += &Table::from_rows(&wide, &cols).render();
        text
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_the_textbook_interval() {
        // 8 successes of 10: Wilson 95% interval (0.4902, 0.9433) (Newcombe 1998, table I).
        let (l, h) = wilson(0.8, 10.0);
        assert!((l - 0.4902).abs() < 1e-4 && (h - 0.9433).abs() < 1e-4, "{l} {h}");
    }

    #[test]
    fn requested_metrics_become_columns() {
        let rows = vec![json!({"symbol": "ES", "dim": "hour", "bin": 3, "n": 9, "metrics": {"amp_mean": 0.5}})];
        let t = profiles_table(&rows, &["amp_mean".into()]);
        assert_eq!(t.headers, ["symbol", "dim", "bin", "n", "amp_mean"]);
        assert_eq!(t.rows[0][4], "0.5");
    }
}
