//! The example specs of the repo's `specs/` folder, embedded at build time so a binary copied alone still offers
//! them, plus the specs of a user's own folder (`QE_SPECS_DIR`).

use crate::jobs::JobKind;
use std::path::Path;

/// An example spec to start from.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// File name without `.json`.
    pub name: String,
    /// The job the spec runs as, from its file name.
    pub kind: JobKind,
    /// The spec's JSON text, as in the file.
    pub text: String,
    /// The spec reads a MySQL marketdata database (`data.mysql`), which the demo set-up does not have.
    pub needs_mysql: bool,
    /// The spec fetches its bars from a market-data service (`data.source`, e.g. Binance): it needs the network.
    pub needs_network: bool,
}

/// The `specs/*.json` files of the repo, by name (a test checks this list against the folder).
const EMBEDDED: &[(&str, &str)] = &[
    ("optimize_demo", include_str!("../../specs/optimize_demo.json")),
    (
        "seasonality_binance",
        include_str!("../../specs/seasonality_binance.json"),
    ),
    ("seasonality_demo", include_str!("../../specs/seasonality_demo.json")),
    (
        "seasonality_optimize",
        include_str!("../../specs/seasonality_optimize.json"),
    ),
    (
        "seasonality_optimize_demo",
        include_str!("../../specs/seasonality_optimize_demo.json"),
    ),
    (
        "seasonality_optimize_mysql",
        include_str!("../../specs/seasonality_optimize_mysql.json"),
    ),
    ("seasonality_run", include_str!("../../specs/seasonality_run.json")),
    (
        "seasonality_run_mysql",
        include_str!("../../specs/seasonality_run_mysql.json"),
    ),
    ("stats_demo", include_str!("../../specs/stats_demo.json")),
    ("stats_run", include_str!("../../specs/stats_run.json")),
    ("stats_run_mysql", include_str!("../../specs/stats_run_mysql.json")),
    ("submit_local", include_str!("../../specs/submit_local.json")),
    ("submit_mysql", include_str!("../../specs/submit_mysql.json")),
];

/// Where the original's example specs expect their sample bars, relative to the data root.
pub const SAMPLE_BARS_PATH: &str = "specs/examples/data/eurusd_m1_sample.json";

/// The original's ten EURUSD one-minute sample bars (JSON records), which its example specs read.
pub const SAMPLE_BARS: &str = include_str!("../../specs/examples/data/eurusd_m1_sample.json");

/// The job kind of an example from its file name: the longest kind name it starts with (`seasonality_optimize…`
/// before `seasonality…`), else optimize (`submit_…`).
pub fn kind_of(name: &str) -> JobKind {
    JobKind::ALL
        .iter()
        .copied()
        .filter(|k| name.starts_with(k.as_str()))
        .max_by_key(|k| k.as_str().len())
        .unwrap_or(JobKind::Optimize)
}

fn example(name: &str, text: String) -> Example {
    let value = serde_json::from_str::<serde_json::Value>(&text).unwrap_or_default();
    let needs_mysql = !value["data"]["mysql"].is_null();
    let needs_network = !value["data"]["source"].is_null();
    Example {
        name: name.to_string(),
        kind: kind_of(name),
        text,
        needs_mysql,
        needs_network,
    }
}

/// The examples built into this binary, by name.
pub fn embedded() -> Vec<Example> {
    EMBEDDED
        .iter()
        .map(|(name, text)| example(name, text.to_string()))
        .collect()
}

/// Every `*.json` file directly in `dir`, by name; an unreadable directory gives none.
pub fn read_dir(dir: &Path) -> Vec<Example> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Example> = entries
        .flatten()
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let name = file.strip_suffix(".json")?;
            Some(example(name, std::fs::read_to_string(e.path()).ok()?))
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The embedded examples, then those of `user_dir` (a file named like an embedded one replaces it), by name.
pub fn all(user_dir: Option<&Path>) -> Vec<Example> {
    let mut out = embedded();
    for own in user_dir.map(read_dir).unwrap_or_default() {
        out.retain(|e| e.name != own.name);
        out.push(own);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The examples with the user's folder from `QE_SPECS_DIR`, when set.
pub fn from_env() -> Vec<Example> {
    let dir = std::env::var_os("QE_SPECS_DIR").filter(|d| !d.is_empty());
    all(dir.as_deref().map(Path::new))
}

/// The example called `name`, from [`from_env`].
pub fn find(name: &str) -> Option<Example> {
    let name = name.strip_suffix(".json").unwrap_or(name);
    from_env().into_iter().find(|e| e.name == name)
}

/// Writes the sample bars to `<data_root>/specs/examples/data/` when no file is there yet, so the original's
/// example specs run unchanged from any folder; returns the path written, or None when it was already there.
pub fn write_sample_bars(data_root: &Path) -> std::io::Result<Option<std::path::PathBuf>> {
    let path = data_root.join(SAMPLE_BARS_PATH);
    if path.exists() {
        return Ok(None);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, SAMPLE_BARS)?;
    std::fs::rename(&tmp, &path)?;
    Ok(Some(path))
}

#[cfg(test)]
#[path = "examples_tests.rs"]
mod tests;
