//! A parallel reader for the common bar CSV (a header, then `ts[,symbol],open,high,low,close[,volume][,session_id]`
//! in any order with any extra columns ignored, no quotes): it parses straight into a [`Table`]'s columns.
//! polars' generic reader materialises the timestamp, symbol and session columns as strings that the loader then
//! parses and interns again; on one year of 1-minute bars that was most of a seasonality run. Anything else (quotes,
//! a `roll_id` column, a short row, an unparsable cell) returns None and the polars path reads the file, naming the
//! bad line.

use super::error::RowNumbering;
use super::file::TS_ALIASES;
use super::table::{intern_name, Table};
use super::timestamps::ColumnParser;
use super::Labels;
use rayon::prelude::*;

/// Where each needed column sits in a row.
struct Layout {
    ncols: usize,
    ts: usize,
    symbol: Option<usize>,
    /// open, high, low, close, volume (volume optional: 0 when absent, as the polars path).
    prices: [usize; 4],
    volume: Option<usize>,
    /// `session_id`, else `session` (as the polars path picks it).
    session: Option<usize>,
}

impl Layout {
    fn of(header: &[u8]) -> Option<Layout> {
        let header = std::str::from_utf8(header).ok()?;
        // Names compare as the polars path compares them: case-insensitively, untrimmed.
        let names: Vec<String> = header.split(',').map(|c| c.to_ascii_lowercase()).collect();
        let pos = |name: &str| names.iter().position(|n| n == name);
        if pos("roll_id").is_some() {
            return None;
        }
        let ts = TS_ALIASES.iter().find_map(|a| pos(a))?;
        Some(Layout {
            ncols: names.len(),
            ts,
            symbol: pos("symbol"),
            prices: [pos("open")?, pos("high")?, pos("low")?, pos("close")?],
            volume: pos("volume"),
            session: pos("session_id").or_else(|| pos("session")),
        })
    }
}

/// Columns of one chunk of rows, written in place into the table's vectors.
struct Out<'a> {
    ts: &'a mut [i64],
    sym: &'a mut [u32],
    cols: [&'a mut [f64]; 5],
    /// Session codes into the chunk's own session names.
    session: &'a mut [u32],
}

/// The names a chunk's codes index: symbols and session labels.
#[derive(Default)]
struct ChunkNames {
    symbols: Vec<String>,
    sessions: Vec<String>,
}

/// Reads `bytes` (a whole CSV file) into a table, or None when the file is not the plain bar layout.
pub(crate) fn read(bytes: &[u8], source: String, default_symbol: &str) -> Option<Table> {
    if memchr::memchr(b'"', bytes).is_some() {
        return None;
    }
    let header_end = memchr::memchr(b'\n', bytes)?;
    let layout = Layout::of(trim_cr(&bytes[..header_end]))?;
    let body = &bytes[header_end + 1..];
    let chunks = split_lines(body, rayon::current_num_threads() * 4);
    let counts: Vec<usize> = chunks.par_iter().map(|c| line_count(c)).collect();
    let n: usize = counts.iter().sum();
    let mut t = Table {
        source,
        numbering: Some(RowNumbering::CsvLine),
        ts: vec![0; n],
        sym: vec![0; n],
        open: vec![0.0; n],
        high: vec![0.0; n],
        low: vec![0.0; n],
        close: vec![0.0; n],
        volume: vec![0.0; n],
        session: layout.session.map(|_| Labels {
            names: Vec::new(),
            codes: vec![0; n],
        }),
        ..Table::default()
    };
    let outs = split_out(&mut t, &counts);
    let names: Vec<ChunkNames> = chunks
        .par_iter()
        .zip(outs)
        .map(|(chunk, out)| parse_chunk(chunk, &layout, out))
        .collect::<Option<_>>()?;
    // Per-chunk codes to the table's, in order of first appearance.
    let mut start = 0;
    for (chunk, &count) in names.iter().zip(&counts) {
        let rows = start..start + count;
        start += count;
        if layout.symbol.is_some() {
            let map: Vec<u32> = chunk.symbols.iter().map(|s| t.intern(s)).collect();
            t.sym[rows.clone()].iter_mut().for_each(|s| *s = map[*s as usize]);
        }
        if let Some(labels) = t.session.as_mut() {
            let map: Vec<u32> = chunk.sessions.iter().map(|s| labels.intern(s)).collect();
            labels.codes[rows].iter_mut().for_each(|s| *s = map[*s as usize]);
        }
    }
    if t.symbols.is_empty() {
        t.intern(default_symbol);
    }
    Some(t)
}

/// Splits `body` into about `parts` pieces that each end at a line end.
fn split_lines(body: &[u8], parts: usize) -> Vec<&[u8]> {
    let target = body.len().div_ceil(parts.max(1)).max(1 << 16);
    let mut out = Vec::new();
    let mut rest = body;
    while !rest.is_empty() {
        let cut = if rest.len() <= target {
            rest.len()
        } else {
            memchr::memchr(b'\n', &rest[target..]).map_or(rest.len(), |p| target + p + 1)
        };
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out
}

/// Lines in a chunk (a last line without its newline counts).
fn line_count(chunk: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', chunk).count() + usize::from(chunk.last().is_some_and(|b| *b != b'\n'))
}

/// The table's column vectors cut into one disjoint piece per chunk.
fn split_out<'a>(t: &'a mut Table, counts: &[usize]) -> Vec<Out<'a>> {
    let with_session = t.session.is_some();
    let mut ts = t.ts.as_mut_slice();
    let mut sym = t.sym.as_mut_slice();
    let mut session = t.session.as_mut().map_or(&mut [][..], |s| s.codes.as_mut_slice());
    let mut cols = [
        t.open.as_mut_slice(),
        t.high.as_mut_slice(),
        t.low.as_mut_slice(),
        t.close.as_mut_slice(),
        t.volume.as_mut_slice(),
    ];
    counts
        .iter()
        .map(|&k| Out {
            ts: head(&mut ts, k),
            sym: head(&mut sym, k),
            cols: cols.each_mut().map(|col| head(col, k)),
            session: head(&mut session, if with_session { k } else { 0 }),
        })
        .collect()
}

/// Cuts the first `k` items off `rest`.
fn head<'a, T>(rest: &mut &'a mut [T], k: usize) -> &'a mut [T] {
    let (head, tail) = std::mem::take(rest).split_at_mut(k);
    *rest = tail;
    head
}

/// Parses the rows of one chunk into `out`; returns the chunk's symbol and session names (`out.sym` and
/// `out.session` index them), or None on any row the fast path does not take.
fn parse_chunk(chunk: &[u8], layout: &Layout, out: Out<'_>) -> Option<ChunkNames> {
    let Out { ts, sym, cols, session } = out;
    let mut names = ChunkNames::default();
    let mut parser = ColumnParser::default();
    let mut fields: Vec<&[u8]> = Vec::with_capacity(layout.ncols);
    let body = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    let mut rows = 0;
    let mut start = 0;
    // One scan for both separators over the whole chunk.
    let mut separators = memchr::memchr2_iter(b',', b'\n', body);
    let mut last_sym: Option<(&[u8], u32)> = None;
    let mut last_session: Option<(&[u8], u32)> = None;
    loop {
        fields.clear();
        let end = loop {
            match separators.next() {
                Some(p) if body[p] == b',' => {
                    fields.push(&body[start..p]);
                    start = p + 1;
                }
                Some(p) => break p,
                None => break body.len(),
            }
        };
        fields.push(trim_cr(&body[start..end]));
        start = end + 1;
        // A blank or short line, or more lines than counted: the polars path decides.
        let row = rows;
        if fields.len() != layout.ncols || row >= ts.len() {
            return None;
        }
        rows += 1;
        ts[row] = parser.parse_bytes(fields[layout.ts])?;
        for (k, &c) in layout.prices.iter().enumerate() {
            cols[k][row] = number(fields[c])?;
        }
        cols[4][row] = match layout.volume {
            Some(c) => number(fields[c])?,
            None => 0.0,
        };
        if let Some(c) = layout.session {
            session[row] = match last_session {
                Some((bytes, k)) if bytes == fields[c] => k,
                _ => {
                    let k = intern_name(&mut names.sessions, std::str::from_utf8(fields[c]).ok()?);
                    last_session = Some((fields[c], k));
                    k
                }
            };
        }
        if let Some(c) = layout.symbol {
            // Rows come grouped by symbol: the same bytes as the previous row need no decoding.
            sym[row] = match last_sym {
                Some((bytes, k)) if bytes == fields[c] => k,
                _ => {
                    // An empty symbol: the polars path reports it.
                    let name = std::str::from_utf8(fields[c]).ok()?.trim();
                    if name.is_empty() {
                        return None;
                    }
                    let k = intern_name(&mut names.symbols, name);
                    last_sym = Some((fields[c], k));
                    k
                }
            };
        }
        if end == body.len() {
            break;
        }
    }
    (rows == ts.len()).then_some(names)
}

/// A price or volume cell: empty is missing (NaN, refused later as the polars path does), else a float.
fn number(field: &[u8]) -> Option<f64> {
    if field.is_empty() {
        return Some(f64::NAN);
    }
    plain_decimal(field).or_else(|| fast_float2::parse(field).ok())
}

const POW10: [f64; 19] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
];

/// `[-]digits[.digits]` whose digits, read as an integer m, fit in 53 bits: m / 10^k is one correctly rounded
/// division of two exact doubles, so it equals any correct parser's result (Clinger's fast path) at a fraction of
/// a general parser's cost. None for anything else.
fn plain_decimal(field: &[u8]) -> Option<f64> {
    let (negative, digits) = match field.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, field),
    };
    if digits.is_empty() || digits.len() > POW10.len() || digits == b"." {
        return None;
    }
    let (mut m, mut decimals, mut dot) = (0u64, 0usize, false);
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            m = m * 10 + u64::from(d);
            decimals += usize::from(dot);
        } else if c == b'.' && !dot {
            dot = true;
        } else {
            return None;
        }
    }
    if m > 1 << 53 {
        return None;
    }
    let v = m as f64 / POW10[decimals];
    Some(if negative { -v } else { v })
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
#[path = "csv_fast_tests.rs"]
mod tests;
