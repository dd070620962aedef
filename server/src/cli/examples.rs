//! `qe examples [NAME] [--write DIR]`: the example specs built into the binary (plus `QE_SPECS_DIR`'s), listed,
//! printed, or written out as files to edit.

use super::client::submit::JobKindArg;
use super::output::{CliError, Output, Table};
use crate::cli::output::out;
use clap::Args;
use engine::examples::{self, Example};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExamplesArgs {
    /// Print this example's spec (JSON) instead of the list.
    pub name: Option<String>,
    /// Write the example (or every example) to `DIR/<name>.json`; existing files are left alone.
    #[arg(long, value_name = "DIR")]
    pub write: Option<PathBuf>,
}

/// The example called `name`, or a usage error listing the names there are.
pub fn find(name: &str) -> Result<Example, CliError> {
    examples::find(name).ok_or_else(|| {
        let names: Vec<String> = examples::from_env().into_iter().map(|e| e.name).collect();
        CliError::Usage(format!("no example called {name}; there are: {}", names.join(", ")))
    })
}

/// Runs `qe examples`.
pub fn run(out: Output, args: ExamplesArgs) -> Result<(), CliError> {
    let chosen = match &args.name {
        Some(name) => vec![find(name)?],
        None => examples::from_env(),
    };
    if let Some(dir) = &args.write {
        return write(dir, &chosen);
    }
    if let (Some(_), [ex]) = (&args.name, chosen.as_slice()) {
        out!("{}", ex.text);
        return Ok(());
    }
    let body: Vec<_> = chosen
        .iter()
        .map(|e| {
            json!({"name": e.name, "kind": e.kind.as_str(), "endpoint": JobKindArg::from(e.kind).path(),
                        "needs_mysql": e.needs_mysql})
        })
        .collect();
    out.emit(&json!(body), || {
        let rows = chosen
            .iter()
            .map(|e| {
                let data = if e.needs_mysql { "MySQL marketdata" } else { "file" };
                vec![
                    e.name.clone(),
                    e.kind.as_str().into(),
                    JobKindArg::from(e.kind).path().into(),
                    data.into(),
                ]
            })
            .collect();
        Table::with_rows(&["name", "kind", "endpoint", "data"], rows).render()
    });
    Ok(())
}

fn write(dir: &std::path::Path, chosen: &[Example]) -> Result<(), CliError> {
    let fail = |e: std::io::Error| CliError::Failed(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(fail)?;
    for ex in chosen {
        let path = dir.join(format!("{}.json", ex.name));
        if path.exists() {
            eprintln!("kept {} (it exists)", path.display());
            continue;
        }
        std::fs::write(&path, &ex.text).map_err(fail)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}
