//! The data-quality report behind `qe data inspect`: per-symbol span, bar interval and gaps, dropped duplicates,
//! and every refused row with its position and reason.

use super::error::DataError;
use super::file::{read_table, SessionColumn};
use super::guard::ReadGuard;
use super::load::{read_source, time_range, LoadOptions};
use super::table::{BadRow, Duplicate, Keep, Table};
use super::timestamps::iso;
use super::Bars;
use model::spec::DataSpec;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// How many gaps per symbol, and duplicates and bad rows overall, the report lists (counts are always complete).
pub const LISTED: usize = 20;

/// A data-quality report over one source.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub source: String,
    /// Rows read from the source (before filtering).
    pub rows: usize,
    /// Bars kept after filtering, deduplication and validation.
    pub bars: usize,
    pub symbols: Vec<SymbolReport>,
    pub duplicates: usize,
    pub duplicate_examples: Vec<Duplicate>,
    pub bad_rows: usize,
    pub bad_row_examples: Vec<BadRow>,
}

/// One symbol's series: span, detected bar interval and the gaps larger than it.
#[derive(Debug, Clone, Serialize)]
pub struct SymbolReport {
    pub symbol: String,
    pub bars: usize,
    pub first: String,
    pub last: String,
    /// The most common spacing between consecutive bars, in milliseconds (None with fewer than two bars).
    pub interval_ms: Option<i64>,
    /// Spacings larger than the interval.
    pub gaps: usize,
    /// The largest gaps, largest first.
    pub largest_gaps: Vec<Gap>,
}

/// A hole in a series: the bars on either side and how many bars of the detected interval are missing.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub from: String,
    pub to: String,
    pub missing_bars: i64,
}

/// Inspects every row of a file (no filter); bad rows are listed instead of failing.
pub fn inspect_file(path: &Path) -> Result<Report, DataError> {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("data").to_string();
    let table = read_table(path, &stem, &ReadGuard::from_env(), SessionColumn::Read)?;
    report(&table, &|_, _| true)
}

/// Inspects what a spec's `data` block selects (file or MySQL, with its symbol and time filters).
pub fn inspect(spec: &DataSpec, opts: &LoadOptions) -> Result<Report, DataError> {
    let range = time_range(spec)?;
    let table = read_source(spec, opts, range)?;
    let wanted: Vec<bool> = table
        .symbols
        .iter()
        .map(|s| spec.symbols.is_empty() || spec.symbols.contains(s))
        .collect();
    let (lo, hi) = (range.0.unwrap_or(i64::MIN + 1), range.1.unwrap_or(i64::MAX));
    report(&table, &|s, ts| wanted[s as usize] && ts >= lo && ts <= hi)
}

fn report(table: &Table, keep: &Keep) -> Result<Report, DataError> {
    let out = table.assemble(keep, false)?;
    Ok(Report {
        source: table.source.clone(),
        rows: table.len(),
        bars: out.bars.iter().map(Bars::len).sum(),
        symbols: out.bars.iter().map(symbol_report).collect(),
        duplicates: out.duplicates.len(),
        duplicate_examples: out.duplicates.iter().take(LISTED).cloned().collect(),
        bad_rows: out.bad.len(),
        bad_row_examples: out.bad.iter().take(LISTED).cloned().collect(),
    })
}

/// The most common positive spacing of sorted timestamps.
pub fn detect_interval(ts: &[i64]) -> Option<i64> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for w in ts.windows(2) {
        *counts.entry(w[1] - w[0]).or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|(d, _)| *d > 0)
        .max_by_key(|(d, n)| (*n, -*d))
        .map(|(d, _)| d)
}

fn symbol_report(b: &Bars) -> SymbolReport {
    let interval = detect_interval(&b.ts);
    let mut gaps: Vec<(i64, i64)> = match interval {
        Some(iv) => {
            b.ts.windows(2)
                .filter(|w| w[1] - w[0] > iv)
                .map(|w| (w[0], w[1]))
                .collect()
        }
        None => Vec::new(),
    };
    let n_gaps = gaps.len();
    gaps.sort_by_key(|(a, z)| std::cmp::Reverse(z - a));
    let iv = interval.unwrap_or(1);
    SymbolReport {
        symbol: b.symbol.clone(),
        bars: b.len(),
        first: b.ts.first().map(|t| iso(*t)).unwrap_or_default(),
        last: b.ts.last().map(|t| iso(*t)).unwrap_or_default(),
        interval_ms: interval,
        gaps: n_gaps,
        largest_gaps: gaps
            .iter()
            .take(LISTED)
            .map(|(a, z)| Gap {
                from: iso(*a),
                to: iso(*z),
                missing_bars: (z - a) / iv - 1,
            })
            .collect(),
    }
}

impl std::fmt::Display for Report {
    /// A plain-text summary for the terminal.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "source      {}", self.source)?;
        writeln!(f, "rows        {} read, {} bars kept", self.rows, self.bars)?;
        for s in &self.symbols {
            let iv = s
                .interval_ms
                .map(|ms| format!("{}s", ms / 1000))
                .unwrap_or_else(|| "-".into());
            writeln!(
                f,
                "symbol      {} : {} bars, {} → {}, interval {iv}, {} gaps",
                s.symbol, s.bars, s.first, s.last, s.gaps
            )?;
            for g in s.largest_gaps.iter().take(5) {
                writeln!(f, "  gap       {} → {} ({} bars missing)", g.from, g.to, g.missing_bars)?;
            }
        }
        writeln!(f, "duplicates  {} exact duplicates dropped", self.duplicates)?;
        for d in self.duplicate_examples.iter().take(5) {
            writeln!(
                f,
                "  duplicate {} {} at {} (first at {})",
                d.symbol, d.ts, d.at, d.first_at
            )?;
        }
        writeln!(f, "bad rows    {}", self.bad_rows)?;
        for b in &self.bad_row_examples {
            writeln!(f, "  {}, column `{}`: {}", b.at, b.column, b.reason)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_the_most_common_spacing() {
        assert_eq!(detect_interval(&[0, 60, 120, 180, 600, 660]), Some(60));
        assert_eq!(detect_interval(&[0]), None);
    }

    #[test]
    fn gaps_larger_than_the_interval_are_counted_largest_first() {
        let mut b = Bars::new("X");
        for t in [0, 60_000, 120_000, 300_000, 360_000, 420_000, 480_000, 1_200_000] {
            b.push(t, 1.0, 1.0, 1.0, 1.0, 1.0);
        }
        let r = symbol_report(&b);
        assert_eq!(r.interval_ms, Some(60_000));
        assert_eq!(r.gaps, 2);
        assert_eq!(r.largest_gaps[0].missing_bars, 11);
        assert_eq!(r.largest_gaps[1].missing_bars, 2);
    }
}
