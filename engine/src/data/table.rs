//! The raw rows of one source (any format, any number of symbols) and their assembly into validated, sorted,
//! per-symbol [`Bars`].

use super::error::{DataError, RowNumbering};
use super::timestamps::iso;
use super::Bars;
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
    pub session: Option<Vec<String>>,
    pub roll_id: Option<Vec<i64>>,
    /// Rows that could not be read (bad timestamp or number), in row order.
    pub bad: Vec<BadRow>,
}

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
        if self.symbols.last().is_some_and(|s| s == name) {
            return (self.symbols.len() - 1) as u32;
        }
        match self.symbols.iter().position(|s| s == name) {
            Some(i) => i as u32,
            None => {
                self.symbols.push(name.to_string());
                (self.symbols.len() - 1) as u32
            }
        }
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

    /// The first price/volume rule row `i` breaks, if any.
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
            && self.session.as_ref().is_none_or(|s| s[a] == s[b])
            && self.roll_id.as_ref().is_none_or(|r| r[a] == r[b])
    }

    /// Validates the rows `keep` accepts and splits them into one time-sorted series per symbol, sorted by symbol.
    /// Exact duplicates are dropped; duplicates with different values and rows breaking a rule are an error when
    /// `strict`, else skipped and listed. Unreadable rows are an error when `strict` even if `keep` would drop them.
    pub fn assemble(&self, keep: &dyn Fn(u32, i64) -> bool, strict: bool) -> Result<Assembled, DataError> {
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
            out.bars.push(self.gather(s, &kept));
        }
        out.bad.sort_by_key(|b| b.row);
        Ok(out)
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
                .map(|c| rows.iter().map(|r| c[*r as usize].clone()).collect()),
            roll_id: self
                .roll_id
                .as_ref()
                .map(|c| rows.iter().map(|r| c[*r as usize]).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[(&str, i64, [f64; 5])]) -> Table {
        let mut t = Table {
            source: "t.csv".into(),
            numbering: Some(RowNumbering::CsvLine),
            ..Table::default()
        };
        for (s, ts, [o, h, l, c, v]) in rows {
            let i = t.intern(s);
            t.sym.push(i);
            t.ts.push(*ts);
            t.open.push(*o);
            t.high.push(*h);
            t.low.push(*l);
            t.close.push(*c);
            t.volume.push(*v);
        }
        t
    }

    const OK: [f64; 5] = [1.0, 2.0, 0.5, 1.5, 10.0];

    #[test]
    fn rows_split_into_symbol_sorted_time_sorted_series() {
        let t = table(&[("B", 3, OK), ("A", 2, OK), ("B", 1, OK), ("A", 1, OK)]);
        let a = t.assemble(&|_, _| true, true).unwrap();
        let names: Vec<_> = a.bars.iter().map(|b| b.symbol.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert_eq!(a.bars[0].ts, vec![1, 2]);
        assert_eq!(a.bars[1].ts, vec![1, 3]);
    }

    #[test]
    fn exact_duplicates_are_dropped_and_reported() {
        let t = table(&[("A", 1, OK), ("A", 2, OK), ("A", 1, OK)]);
        let a = t.assemble(&|_, _| true, true).unwrap();
        assert_eq!(a.bars[0].ts, vec![1, 2]);
        assert_eq!(a.duplicates.len(), 1);
        assert_eq!(
            (a.duplicates[0].at.as_str(), a.duplicates[0].first_at.as_str()),
            ("line 4", "line 2")
        );
    }

    #[test]
    fn duplicates_with_different_values_are_rejected_naming_both_lines() {
        let t = table(&[("A", 1, OK), ("A", 1, [1.0, 2.0, 0.5, 1.6, 10.0])]);
        let e = t.assemble(&|_, _| true, true).unwrap_err().to_string();
        assert!(
            e.contains("t.csv, line 3") && e.contains("first at line 2") && e.contains("different values"),
            "{e}"
        );
    }

    #[test]
    fn each_price_rule_is_reported_with_line_and_column() {
        let cases: [([f64; 5], &str, &str); 7] = [
            ([f64::NAN, 2.0, 0.5, 1.5, 1.0], "column `open`", "NaN"),
            ([1.0, f64::INFINITY, 0.5, 1.5, 1.0], "column `high`", "infinite"),
            ([1.0, 2.0, -0.5, 1.5, 1.0], "column `low`", "negative value -0.5"),
            ([1.0, 2.0, 0.5, 1.5, -1.0], "column `volume`", "negative value -1"),
            (
                [1.0, 1.2, 0.5, 1.5, 1.0],
                "column `high`",
                "high 1.2 is below max(open, close) 1.5",
            ),
            (
                [1.0, 2.0, 1.2, 1.5, 1.0],
                "column `low`",
                "low 1.2 is above min(open, close) 1",
            ),
            ([1.0, 2.0, 0.5, f64::NAN, 1.0], "column `close`", "missing value"),
        ];
        for (values, column, reason) in cases {
            let t = table(&[("A", 1, OK), ("A", 2, values)]);
            let e = t.assemble(&|_, _| true, true).unwrap_err().to_string();
            assert!(
                e.contains("t.csv, line 3") && e.contains(column) && e.contains(reason),
                "{e}"
            );
            let lenient = t.assemble(&|_, _| true, false).unwrap();
            assert_eq!(lenient.bars[0].ts, vec![1]);
            assert_eq!(lenient.bad.len(), 1);
        }
    }

    #[test]
    fn rows_outside_the_filter_are_not_validated() {
        let t = table(&[("A", 1, OK), ("B", 1, [1.0, 0.1, 0.5, 1.5, 1.0])]);
        let a = t.assemble(&|s, _| s == 0, true).unwrap();
        assert_eq!(a.bars.len(), 1);
    }
}
