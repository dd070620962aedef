//! The raw rows of one source (any format, any number of symbols) and their assembly into validated, sorted,
//! per-symbol [`Bars`].

use super::error::{DataError, RowNumbering};
use super::timestamps::iso;
use super::{Bars, Labels};
use serde::Serialize;

/// Rows as read, column by column. `ts` is `i64::MIN` where the text did not parse (the reason is in `bad`).
#[derive(Debug, Default)]
pub(crate) struct Table {
    pub source: String,
    pub numbering: Option<RowNumbering>,
    pub ts: Vec<i64>,
    /// Distinct symbol names; `sym[i]` indexes into it.
    pub symbols: Vec<String>,
    pub sym: Vec<u32>,
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<f64>,
    pub session: Option<Labels>,
    pub roll_id: Option<Vec<i64>>,
    /// Rows that could not be read (bad timestamp or number), in row order.
    pub bad: Vec<BadRow>,
}

/// Which rows a caller wants: `keep(symbol, ts)`.
pub(crate) type Keep<'a> = dyn Fn(u32, i64) -> bool + Sync + 'a;

/// The codes of a growing list of distinct names, looked up by hash: interning every row of a file whose labels
/// are all distinct stays linear (a search of the list per row was quadratic: 200,000 distinct session ids took
/// minutes). Only names appended through [`NameIndex::intern`] may be added to the list it serves.
#[derive(Debug, Default)]
pub(crate) struct NameIndex {
    codes: std::collections::HashMap<String, u32>,
}

impl NameIndex {
    /// Lists shorter than this are searched: cheaper than hashing for the few symbols and sessions of most files.
    const SEARCHED: usize = 16;

    /// The index of `name` in `names`, appended if new.
    pub fn intern(&mut self, names: &mut Vec<String>, name: &str) -> u32 {
        if names.len() < Self::SEARCHED {
            return intern_name(names, name);
        }
        if names.last().is_some_and(|s| s == name) {
            return (names.len() - 1) as u32;
        }
        // Names added while the list was searched are indexed now (the list only grows, its names distinct).
        for (i, n) in names.iter().enumerate().skip(self.codes.len()) {
            self.codes.insert(n.clone(), i as u32);
        }
        if let Some(&k) = self.codes.get(name) {
            return k;
        }
        let k = names.len() as u32;
        names.push(name.to_string());
        self.codes.insert(name.to_string(), k);
        k
    }
}

/// The index of `name` in `names`, appended if new (fast when names arrive grouped; a search of the list: use a
/// [`NameIndex`] where many names may come).
pub(crate) fn intern_name(names: &mut Vec<String>, name: &str) -> u32 {
    if names.last().is_some_and(|s| s == name) {
        return (names.len() - 1) as u32;
    }
    match names.iter().position(|s| s == name) {
        Some(i) => i as u32,
        None => {
            names.push(name.to_string());
            (names.len() - 1) as u32
        }
    }
}

/// The largest price accepted: far above any quote (BTC in Indonesian rupiah is ~1e9), far below where squared
/// returns and sums overflow.
pub const MAX_PRICE: f64 = 1e15;
/// The largest bar volume accepted (sums of millions of bars stay finite).
pub const MAX_VOLUME: f64 = 1e20;

/// One row refused by validation: where it is, which column, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BadRow {
    /// 0-based row index in the source.
    #[serde(skip)]
    pub row: usize,
    /// Human position: `line 7` (CSV, header = line 1), `record 3` (JSON array) or `row 5` (Parquet, MySQL).
    pub at: String,
    pub column: String,
    pub reason: String,
}

/// An exact duplicate (same symbol, time and values) that was dropped.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicate {
    pub symbol: String,
    pub ts: String,
    pub at: String,
    pub first_at: String,
}

/// What assembly produced besides the bars: dropped duplicates and (in lenient mode) the refused rows.
#[derive(Debug, Default)]
pub(crate) struct Assembled {
    pub bars: Vec<Bars>,
    pub duplicates: Vec<Duplicate>,
    pub bad: Vec<BadRow>,
}

impl Table {
    /// Interns `name`, returning its index in `symbols` (fast when rows arrive grouped by symbol).
    pub fn intern(&mut self, name: &str) -> u32 {
        intern_name(&mut self.symbols, name)
    }

    pub fn len(&self) -> usize {
        self.ts.len()
    }

    pub fn at(&self, row: usize) -> String {
        self.numbering.unwrap_or(RowNumbering::Row).at(row)
    }

    pub fn bad_row(&self, row: usize, column: &str, reason: impl Into<String>) -> BadRow {
        BadRow {
            row,
            at: self.at(row),
            column: column.to_string(),
            reason: reason.into(),
        }
    }

    /// The first price/volume rule row `i` breaks, if any: prices must be positive and at most [`MAX_PRICE`],
    /// volumes non-negative and at most [`MAX_VOLUME`], and high/low must bound open and close.
    fn check(&self, i: usize) -> Option<BadRow> {
        let (o, h, l, c, v) = (self.open[i], self.high[i], self.low[i], self.close[i], self.volume[i]);
        for (name, x) in [("open", o), ("high", h), ("low", l), ("close", c), ("volume", v)] {
            if x.is_nan() {
                return Some(self.bad_row(i, name, "missing value or NaN"));
            }
            if x.is_infinite() {
                return Some(self.bad_row(i, name, format!("infinite value {x}")));
            }
            if x < 0.0 {
                return Some(self.bad_row(i, name, format!("negative value {x}")));
            }
            let (limit, what) = if name == "volume" {
                (MAX_VOLUME, "volume")
            } else {
                (MAX_PRICE, "price")
            };
            if x > limit {
                return Some(self.bad_row(i, name, format!("{what} {x:e} is above the largest accepted {limit:e}")));
            }
            if x == 0.0 && name != "volume" {
                return Some(self.bad_row(i, name, "zero price: returns against it are undefined"));
            }
        }
        if h < o.max(c) {
            return Some(self.bad_row(i, "high", format!("high {h} is below max(open, close) {}", o.max(c))));
        }
        if l > o.min(c) {
            return Some(self.bad_row(i, "low", format!("low {l} is above min(open, close) {}", o.min(c))));
        }
        None
    }

    fn same_values(&self, a: usize, b: usize) -> bool {
        let eq = |x: &[f64]| x[a].to_bits() == x[b].to_bits();
        eq(&self.open)
            && eq(&self.high)
            && eq(&self.low)
            && eq(&self.close)
            && eq(&self.volume)
            && self.session.as_ref().is_none_or(|s| s.codes[a] == s.codes[b])
            && self.roll_id.as_ref().is_none_or(|r| r[a] == r[b])
    }

    /// Validates the rows `keep` accepts and splits them into one time-sorted series per symbol, sorted by symbol.
    /// Exact duplicates are dropped; duplicates with different values and rows breaking a rule are an error when
    /// `strict`, else skipped and listed. Unreadable rows are an error when `strict` even if `keep` would drop them.
    pub fn assemble(&self, keep: &Keep, strict: bool) -> Result<Assembled, DataError> {
        let (plan, mut out) = self.plan(keep, strict)?;
        out.bars = plan.iter().map(|(s, rows)| self.gather(*s, rows)).collect();
        Ok(out)
    }

    /// As [`Table::assemble`]; when the result is one series holding every row in file order (the usual file),
    /// its columns are moved out of the table instead of copied (the table is left without rows then).
    pub fn assemble_taking(&mut self, keep: &Keep, strict: bool) -> Result<Assembled, DataError> {
        match self.one_plain_series(keep) {
            Some(s) => Ok(Assembled {
                bars: vec![self.take_series(s)],
                ..Assembled::default()
            }),
            None => self.assemble(keep, strict),
        }
    }

    /// The symbol of every row when the rows are one series that [`Table::plan`] would keep whole and in file
    /// order: all readable, kept, valid, of one symbol and strictly increasing in time (checked in parallel).
    fn one_plain_series(&self, keep: &Keep) -> Option<usize> {
        use rayon::prelude::*;
        let s = *self.sym.first()?;
        let plain = self.bad.is_empty()
            && (0..self.len()).into_par_iter().with_min_len(1 << 14).all(|i| {
                let t = self.ts[i];
                self.sym[i] == s
                    && t != i64::MIN
                    && (i == 0 || self.ts[i - 1] < t)
                    && keep(s, t)
                    && self.check(i).is_none()
            });
        plain.then_some(s as usize)
    }

    /// The checks and the order of [`Table::assemble`]: per symbol (sorted by name), the rows to keep in time order.
    #[allow(clippy::type_complexity)]
    fn plan(&self, keep: &Keep, strict: bool) -> Result<(Vec<(usize, Vec<u32>)>, Assembled), DataError> {
        let err = |b: &BadRow| DataError::BadRow {
            source_name: self.source.clone(),
            at: b.at.clone(),
            column: b.column.clone(),
            reason: b.reason.clone(),
        };
        if strict {
            if let Some(b) = self.bad.first() {
                return Err(err(b));
            }
        }
        let mut out = Assembled {
            bad: self.bad.clone(),
            ..Assembled::default()
        };
        let unreadable: std::collections::HashSet<usize> = self.bad.iter().map(|b| b.row).collect();
        let mut per_symbol: Vec<Vec<u32>> = vec![Vec::new(); self.symbols.len()];
        for i in 0..self.len() {
            if self.ts[i] == i64::MIN || (!unreadable.is_empty() && unreadable.contains(&i)) {
                continue;
            }
            if !keep(self.sym[i], self.ts[i]) {
                continue;
            }
            if let Some(b) = self.check(i) {
                if strict {
                    return Err(err(&b));
                }
                out.bad.push(b);
                continue;
            }
            per_symbol[self.sym[i] as usize].push(i as u32);
        }
        let mut plan = Vec::new();
        let mut order: Vec<usize> = (0..self.symbols.len()).collect();
        order.sort_by(|a, b| self.symbols[*a].cmp(&self.symbols[*b]));
        for s in order {
            let mut rows = std::mem::take(&mut per_symbol[s]);
            if rows.is_empty() {
                continue;
            }
            if !rows
                .windows(2)
                .all(|w| self.ts[w[0] as usize] <= self.ts[w[1] as usize])
            {
                rows.sort_by_key(|r| self.ts[*r as usize]); // stable: the first occurrence stays first
            }
            let mut kept: Vec<u32> = Vec::with_capacity(rows.len());
            for r in rows {
                let r = r as usize;
                match kept.last().map(|p| *p as usize).filter(|p| self.ts[*p] == self.ts[r]) {
                    Some(p) if self.same_values(p, r) => out.duplicates.push(Duplicate {
                        symbol: self.symbols[s].clone(),
                        ts: iso(self.ts[r]),
                        at: self.at(r),
                        first_at: self.at(p),
                    }),
                    Some(p) => {
                        if strict {
                            return Err(DataError::ConflictingDuplicate {
                                source_name: self.source.clone(),
                                at: self.at(r),
                                first_at: self.at(p),
                                symbol: self.symbols[s].clone(),
                                ts: iso(self.ts[r]),
                            });
                        }
                        let why = format!(
                            "duplicate timestamp {} with values different from {}",
                            iso(self.ts[r]),
                            self.at(p)
                        );
                        out.bad.push(self.bad_row(r, "timestamp", why));
                    }
                    None => kept.push(r as u32),
                }
            }
            plan.push((s, kept));
        }
        out.bad.sort_by_key(|b| b.row);
        Ok((plan, out))
    }

    /// Moves every row out as the series of symbol `s`.
    fn take_series(&mut self, s: usize) -> Bars {
        Bars {
            symbol: self.symbols[s].clone(),
            ts: std::mem::take(&mut self.ts),
            open: std::mem::take(&mut self.open),
            high: std::mem::take(&mut self.high),
            low: std::mem::take(&mut self.low),
            close: std::mem::take(&mut self.close),
            volume: std::mem::take(&mut self.volume),
            session: self.session.take(),
            roll_id: self.roll_id.take(),
        }
    }

    fn gather(&self, s: usize, rows: &[u32]) -> Bars {
        let pick = |col: &[f64]| rows.iter().map(|r| col[*r as usize]).collect::<Vec<f64>>();
        Bars {
            symbol: self.symbols[s].clone(),
            ts: rows.iter().map(|r| self.ts[*r as usize]).collect(),
            open: pick(&self.open),
            high: pick(&self.high),
            low: pick(&self.low),
            close: pick(&self.close),
            volume: pick(&self.volume),
            session: self
                .session
                .as_ref()
                .map(|c| c.gather(rows.iter().map(|r| *r as usize))),
            roll_id: self
                .roll_id
                .as_ref()
                .map(|c| rows.iter().map(|r| c[*r as usize]).collect()),
        }
    }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
