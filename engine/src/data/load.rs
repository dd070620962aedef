//! The entry points: a spec's `data` block (file or MySQL) to validated per-symbol series.

use super::error::DataError;
use super::file::{read_table, SessionColumn};
use super::guard::{ReadGuard, MAX_LINE_BYTES};
use super::sources::SourcePolicy;
use super::table::{Assembled, Table};
use super::timestamps::iso;
use super::{mysql, Bars};
use model::spec::DataSpec;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// How a job kind loads data: where relative paths live, the MySQL schema default, and whether raw SQL is allowed.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Relative paths resolve here; when set, a path escaping it is refused with [`DataError::OutsideDataRoot`].
    pub data_root: Option<PathBuf>,
    /// `None` for submit (experiment) specs, `Some("marketdata")` for stats and seasonality (reference §1.3).
    pub mysql_schema_default: Option<String>,
    /// `data.mysql.extra_where` is accepted only when this is true (`QE_ALLOW_EXTRA_WHERE=1`).
    pub allow_extra_where: bool,
    /// Which MySQL databases `data.mysql` may reach (any for the operator, the allowed ones for clients).
    pub sources: SourcePolicy,
    /// Longest line of a CSV or JSON-lines file, in bytes (`QE_MAX_LINE_BYTES`; [`MAX_LINE_BYTES`] when None).
    pub max_line_bytes: Option<usize>,
    /// A job's cancel flag: once set, the load stops at its next look and fails with [`DataError::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
    /// Where `source: binance` keeps its klines (`<home>/cache/binance`); None: under `QE_HOME` (default `.qe`).
    pub binance_cache: Option<PathBuf>,
    /// Whether a file's session column is decoded (jobs that never look at sessions skip it).
    pub sessions: SessionColumn,
}

impl LoadOptions {
    /// Options with `allow_extra_where` read from `QE_ALLOW_EXTRA_WHERE` (`1` or `true`).
    pub fn from_env(data_root: Option<PathBuf>, mysql_schema_default: Option<&str>) -> Self {
        let allow = std::env::var("QE_ALLOW_EXTRA_WHERE").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        LoadOptions {
            data_root,
            mysql_schema_default: mysql_schema_default.map(str::to_string),
            allow_extra_where: allow,
            sources: SourcePolicy::Operator,
            max_line_bytes: super::guard::max_line_from_env(),
            cancel: None,
            binance_cache: None,
            sessions: SessionColumn::Read,
        }
    }

    /// The guard a read under these options is held to.
    pub(crate) fn guard(&self) -> ReadGuard<'_> {
        ReadGuard {
            max_line: self.max_line_bytes.unwrap_or(MAX_LINE_BYTES),
            cancel: self.cancel.as_deref(),
        }
    }
}

/// Loads every bar of a file, one sorted series per symbol (symbols sorted by name), refusing bad rows.
/// A file without a `symbol` column yields one series named after the file stem.
pub fn load_file(path: &Path) -> Result<Vec<Bars>, DataError> {
    let mut table = read_table(path, &stem(path), &ReadGuard::from_env(), SessionColumn::Read)?;
    let out = table.assemble_taking(&|_, _| true, true)?;
    if out.bars.is_empty() {
        return Err(DataError::Empty {
            source_name: table.source,
        });
    }
    Ok(out.bars)
}

/// Loads the bars a spec's `data` block names: from the file (`dataset_path`/`path`, which wins) or the `mysql`
/// block, filtered by `symbols` (empty = all) and `[start, end]` (a date-only end includes its whole day), and
/// resampled to a coarser `timeframe` (a finer one is refused). A MySQL read runs on the caller's Tokio runtime (call
/// from its `spawn_blocking` threads, or any thread of a multi-thread runtime), or on a private one outside any runtime.
/// A load whose cancel flag was set while it ran fails with [`DataError::Cancelled`], whatever else went wrong.
pub fn load(spec: &DataSpec, opts: &LoadOptions) -> Result<Vec<Bars>, DataError> {
    let guard = opts.guard();
    let loaded = time_range(spec).and_then(|range| {
        let mut table = read_source(spec, opts, range)?;
        guard.check()?;
        let series = filter(&mut table, spec, range)?;
        // A MySQL table's timeframe column already selected rows of that timeframe; without one, the spec's
        // timeframe is still only a label of the table's vocabulary when it does not parse.
        let mysql = spec.file().is_none() && spec.source.is_none() && spec.mysql.is_some();
        // Binance klines were fetched at the spec's own interval (`1w`, `1M` are not bar lengths `Timeframe` knows).
        let selected = mysql && spec.mysql.as_ref().is_some_and(|m| m.timeframe_col.is_some());
        let wanted = if selected || spec.source.is_some() {
            None
        } else {
            spec.timeframe.as_deref()
        };
        super::conform::to_timeframe(series, wanted, mysql)
    });
    guard.check()?;
    loaded
}

/// The `[start, end]` bounds of a spec in epoch ms (each optional).
pub fn time_range(spec: &DataSpec) -> Result<(Option<i64>, Option<i64>), DataError> {
    let (start, end) = spec.bounds();
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            return Err(DataError::spec(
                "data.end",
                format!("{} is before data.start {}", iso(e), iso(s)),
            ));
        }
    }
    Ok((start, end))
}

pub(crate) fn read_source(
    spec: &DataSpec,
    opts: &LoadOptions,
    range: (Option<i64>, Option<i64>),
) -> Result<Table, DataError> {
    if spec.source == Some(model::spec::data::DataSource::Binance) {
        let dir = opts
            .binance_cache
            .clone()
            .unwrap_or_else(super::binance::spec_source::cache_dir);
        return super::binance::spec_source::read(spec, range, &dir);
    }
    if let Some(file) = spec.file() {
        let path = resolve_path(file, opts.data_root.as_deref())?;
        let default_symbol = match spec.symbols.as_slice() {
            [one] => one.clone(),
            _ => stem(&path),
        };
        return read_table(&path, &default_symbol, &opts.guard(), opts.sessions);
    }
    let Some(m) = &spec.mysql else {
        return Err(DataError::spec(
            "data",
            "data must provide either dataset_path/path or mysql configuration",
        ));
    };
    let schema = opts.mysql_schema_default.as_deref();
    block_on(
        mysql::read(spec, m, range, schema, opts.allow_extra_where, &opts.sources),
        DataError::MySql,
    )
}

/// Runs `fut` to completion on the current Tokio runtime (a job's, from its `spawn_blocking` thread), or on a private
/// current-thread runtime outside any runtime. Inside a runtime the calling thread must be allowed to block: a blocking
/// thread of any runtime, or any thread of a multi-thread runtime; on a current-thread runtime's own thread Tokio panics.
/// `no_runtime` words the error when no private runtime can be started.
pub(crate) fn block_on<T, E>(
    fut: impl std::future::Future<Output = Result<T, E>>,
    no_runtime: impl FnOnce(String) -> E,
) -> Result<T, E> {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => tokio::task::block_in_place(|| runtime.block_on(fut)),
        Err(_) => match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt.block_on(fut),
            Err(e) => Err(no_runtime(format!("cannot start a runtime: {e}"))),
        },
    }
}

/// Resolves `file` against `root`; with a root, the canonical path must stay inside it.
pub fn resolve_path(file: &str, root: Option<&Path>) -> Result<PathBuf, DataError> {
    let p = Path::new(file);
    let Some(root) = root else { return Ok(p.to_path_buf()) };
    let joined = if p.is_absolute() { p.to_path_buf() } else { root.join(p) };
    let root_c = root.canonicalize().map_err(io_err(root))?;
    let outside = || DataError::OutsideDataRoot {
        path: p.to_path_buf(),
        root: root.to_path_buf(),
    };
    // The path below the root: an absolute path must start with the root (as given or canonical).
    let below = match p.is_absolute() {
        true => p
            .strip_prefix(root)
            .or_else(|_| p.strip_prefix(&root_c))
            .map_err(|_| outside())?,
        false => p,
    };
    // Refuse `..` escapes before touching the file system, so a missing outside file is not probed.
    let mut depth = 0i32;
    for c in below.components() {
        match c {
            std::path::Component::ParentDir => depth -= 1,
            std::path::Component::Normal(_) => depth += 1,
            _ => {}
        }
        if depth < 0 {
            return Err(outside());
        }
    }
    let c = joined.canonicalize().map_err(io_err(&joined))?;
    if !c.starts_with(&root_c) {
        return Err(outside());
    }
    Ok(c)
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DataError + '_ {
    move |source| DataError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn stem(path: &Path) -> String {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("data").to_string()
}

/// Applies the symbol and time filters, validates, and says which filter emptied the result.
fn filter(
    table: &mut Table,
    spec: &DataSpec,
    (start, end): (Option<i64>, Option<i64>),
) -> Result<Vec<Bars>, DataError> {
    if table.len() == 0 {
        return Err(DataError::Empty {
            source_name: table.source.clone(),
        });
    }
    let wanted: Vec<bool> = table
        .symbols
        .iter()
        .map(|s| spec.symbols.is_empty() || spec.symbols.contains(s))
        .collect();
    let missing: Vec<&String> = spec.symbols.iter().filter(|s| !table.symbols.contains(s)).collect();
    if !missing.is_empty() {
        let detail = format!(
            "{} not in the source (it has {})",
            join(&missing),
            join(&table.symbols.iter().collect::<Vec<_>>())
        );
        return Err(DataError::EmptyAfterFilter {
            source_name: table.source.clone(),
            filter: "symbols",
            detail,
        });
    }
    let (lo, hi) = (start.unwrap_or(i64::MIN + 1), end.unwrap_or(i64::MAX));
    let keep = |s: u32, ts: i64| wanted[s as usize] && ts >= lo && ts <= hi;
    let Assembled { bars, .. } = table.assemble_taking(&keep, true)?;
    if bars.is_empty() {
        let span = table
            .ts
            .iter()
            .enumerate()
            .filter(|(i, t)| **t != i64::MIN && wanted[table.sym[*i] as usize])
            .map(|(_, t)| *t);
        let (first, last) = span.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
        let bound = |b: Option<i64>| b.map(iso).unwrap_or_else(|| "…".into());
        let detail = format!(
            "nothing between {} and {}; the data spans {} to {}",
            bound(start),
            bound(end),
            iso(first),
            iso(last)
        );
        return Err(DataError::EmptyAfterFilter {
            source_name: table.source.clone(),
            filter: "time range",
            detail,
        });
    }
    Ok(bars)
}

fn join(items: &[&String]) -> String {
    items.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}
