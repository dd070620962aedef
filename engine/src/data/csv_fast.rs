//! A parallel reader for the common bar CSV (a header, then `ts[,symbol],open,high,low,close[,volume][,session_id]`
//! in any order with any extra columns ignored, no quotes): it parses straight into a [`Table`]'s columns.
//! polars' generic reader materialises the timestamp, symbol and session columns as strings that the loader then
//! parses and interns again; on one year of 1-minute bars that was most of a seasonality run. Anything else (quotes,
//! a `roll_id` column, a short row, an unparsable cell) returns None and the polars path reads the file, naming the
//! bad line. Lines over the read's limit are refused while lines are counted, and the cancel flag is looked at
//! every few thousand rows.

use super::error::RowNumbering;
use super::file::{SessionColumn, TS_ALIASES};
use super::guard::{scan_lines, split_lines, ReadGuard};
use super::table::{NameIndex, Table};
use super::timestamps::ColumnParser;
use super::{DataError, Labels};
use crate::alloc::zeroed;
use rayon::prelude::*;

/// What a column of the file is read into.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Ts,
    Symbol,
    /// open, high, low, close, volume (volume optional: 0 when absent, as the polars path).
    Value(usize),
    /// `session_id`, else `session` (as the polars path picks it).
    Session,
    Skip,
}

/// What each column of a row is read into.
struct Layout {
    roles: Vec<Role>,
}

impl Layout {
    fn of(header: &[u8], sessions: SessionColumn) -> Option<Layout> {
        let header = std::str::from_utf8(header).ok()?;
        // Names compare as the polars path compares them: case-insensitively, untrimmed.
        let names: Vec<String> = header.split(',').map(|c| c.to_ascii_lowercase()).collect();
        let pos = |name: &str| names.iter().position(|n| n == name);
        if pos("roll_id").is_some() {
            return None;
        }
        let ts = TS_ALIASES.iter().find_map(|a| pos(a))?;
        let prices = [pos("open")?, pos("high")?, pos("low")?, pos("close")?];
        let symbol = pos("symbol");
        let session = match sessions {
            SessionColumn::Read => pos("session_id").or_else(|| pos("session")),
            SessionColumn::Skip => None,
        };
        let mut roles = vec![Role::Skip; names.len()];
        roles[ts] = Role::Ts;
        for (k, c) in prices.into_iter().chain(pos("volume")).enumerate() {
            roles[c] = Role::Value(k);
        }
        for (c, role) in [(symbol, Role::Symbol), (session, Role::Session)] {
            if let Some(c) = c {
                roles[c] = role;
            }
        }
        Some(Layout { roles })
    }

    /// Whether some column is read as `role`.
    fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
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
    symbols: Names,
    sessions: Names,
}

/// Distinct names and their index.
#[derive(Default)]
struct Names {
    list: Vec<String>,
    index: NameIndex,
}

impl Names {
    fn intern(&mut self, name: &str) -> u32 {
        self.index.intern(&mut self.list, name)
    }
}

/// Rows parsed between two looks at the cancel flag.
const CANCEL_EVERY: usize = 1 << 13;

/// Reads `bytes` (a whole CSV file) into a table, sessions as `sessions` says; None when the file is not the plain
/// bar layout (the lines after the point where the fast path gave up are then unchecked). A line over `guard`'s
/// limit or a cancel is an error.
pub(crate) fn read(
    bytes: &[u8],
    source: String,
    default_symbol: &str,
    guard: &ReadGuard<'_>,
    sessions: SessionColumn,
) -> Result<Option<Table>, DataError> {
    let header_end = memchr::memchr(b'\n', bytes).unwrap_or(bytes.len());
    if header_end > guard.max_line {
        return Err(guard.too_long(&source, 1, header_end));
    }
    let header = &bytes[..header_end];
    if header_end == bytes.len() || memchr::memchr(b'"', header).is_some() {
        return Ok(None);
    }
    let Some(layout) = Layout::of(trim_cr(header), sessions) else {
        return Ok(None);
    };
    let chunks = split_lines(&bytes[header_end + 1..], rayon::current_num_threads() * 4);
    let Some(counts) = count_rows(&chunks, &source, guard)? else {
        return Ok(None);
    };
    let table = fill(&chunks, &counts, &layout, source, default_symbol, guard);
    match table {
        None if guard.cancelled() => Err(DataError::Cancelled),
        table => Ok(table),
    }
}

/// The rows of each chunk of the body, each line checked against the limit (the header is line 1); None when a
/// quote leaves the file to the polars path.
fn count_rows(chunks: &[&[u8]], source: &str, guard: &ReadGuard<'_>) -> Result<Option<Vec<usize>>, DataError> {
    // Lines are measured while they are counted; a quote is looked for in chunks without a long line.
    let scans: Vec<Scan> = chunks
        .par_iter()
        .map(|c| match scan_lines(c, guard.max_line) {
            _ if guard.cancelled() => Scan::Cancelled,
            Err((index, len)) => Scan::Long(index, len),
            Ok(_) if memchr::memchr(b'"', c).is_some() => Scan::Quoted,
            Ok(rows) => Scan::Rows(rows),
        })
        .collect();
    let mut counts = Vec::with_capacity(scans.len());
    // The first chunk that is not plain decides: a long line is refused, a quote leaves the rest to polars.
    for scan in scans {
        match scan {
            Scan::Rows(rows) => counts.push(rows),
            Scan::Cancelled => return Err(DataError::Cancelled),
            Scan::Quoted => return Ok(None),
            Scan::Long(index, len) => {
                let line = 1 + counts.iter().sum::<usize>() + index + 1;
                return Err(guard.too_long(source, line, len));
            }
        }
    }
    Ok(Some(counts))
}

/// What the counting pass found in one chunk.
enum Scan {
    Rows(usize),
    /// The 0-based index in the chunk and the length of its first line over the limit.
    Long(usize, usize),
    Quoted,
    Cancelled,
}

/// What the table's columns are called when they cannot be allocated.
const COLUMNS: &str = "the file's columns";

/// Parses the counted chunks into a table; None on a row the fast path does not take (or a cancel).
fn fill(
    chunks: &[&[u8]],
    counts: &[usize],
    layout: &Layout,
    source: String,
    default_symbol: &str,
    guard: &ReadGuard<'_>,
) -> Option<Table> {
    let n: usize = counts.iter().sum();
    let mut t = Table {
        source,
        numbering: Some(RowNumbering::CsvLine),
        ts: zeroed(n, COLUMNS),
        sym: zeroed(n, COLUMNS),
        open: zeroed(n, COLUMNS),
        high: zeroed(n, COLUMNS),
        low: zeroed(n, COLUMNS),
        close: zeroed(n, COLUMNS),
        volume: zeroed(n, COLUMNS),
        session: layout.has(Role::Session).then(|| Labels {
            names: Vec::new(),
            codes: zeroed(n, COLUMNS),
        }),
        ..Table::default()
    };
    let outs = split_out(&mut t, counts);
    let names: Vec<ChunkNames> = chunks
        .par_iter()
        .zip(outs)
        .map(|(chunk, out)| parse_chunk(chunk, layout, out, guard))
        .collect::<Option<_>>()?;
    // Per-chunk codes to the table's, in order of first appearance.
    let mut start = 0;
    let (mut symbols, mut sessions) = (NameIndex::default(), NameIndex::default());
    for (chunk, &count) in names.iter().zip(counts) {
        let rows = start..start + count;
        start += count;
        if layout.has(Role::Symbol) {
            let map: Vec<u32> = chunk
                .symbols
                .list
                .iter()
                .map(|s| symbols.intern(&mut t.symbols, s))
                .collect();
            t.sym[rows.clone()].iter_mut().for_each(|s| *s = map[*s as usize]);
        }
        if let Some(labels) = t.session.as_mut() {
            let map: Vec<u32> = chunk
                .sessions
                .list
                .iter()
                .map(|s| sessions.intern(&mut labels.names, s))
                .collect();
            labels.codes[rows].iter_mut().for_each(|s| *s = map[*s as usize]);
        }
    }
    if t.symbols.is_empty() {
        t.intern(default_symbol);
    }
    Some(t)
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
/// `out.session` index them), or None on any row the fast path does not take or once `guard` is cancelled. Each
/// row is read in one pass: numbers are parsed while their field is scanned, and a symbol or session equal to the
/// previous row's is only compared.
fn parse_chunk(chunk: &[u8], layout: &Layout, out: Out<'_>, guard: &ReadGuard<'_>) -> Option<ChunkNames> {
    let Out { ts, sym, cols, session } = out;
    let mut names = ChunkNames::default();
    let mut parser = ColumnParser::default();
    let body = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    let last_col = layout.roles.len() - 1;
    let mut last_sym: Option<(&[u8], u32)> = None;
    let mut last_session: Option<(&[u8], u32)> = None;
    let mut pos = 0;
    let mut row = 0;
    // `pos` passes `body.len()` only after a row that ended with the body (no newline after it).
    while pos <= body.len() {
        // More lines than counted: the polars path decides.
        if row >= ts.len() || (row % CANCEL_EVERY == 0 && guard.cancelled()) {
            return None;
        }
        for (c, role) in layout.roles.iter().enumerate() {
            let last = c == last_col;
            pos = match *role {
                Role::Value(k) => {
                    let (v, next) = number_at(body, pos, last)?;
                    cols[k][row] = v;
                    next
                }
                Role::Ts => {
                    let (field, next) = field_at(body, pos, last)?;
                    ts[row] = parser.parse_bytes(field)?;
                    next
                }
                Role::Symbol => {
                    let (k, next) = label_at(body, pos, last, &mut last_sym, &mut names.symbols, true)?;
                    sym[row] = k;
                    next
                }
                Role::Session => {
                    let (k, next) = label_at(body, pos, last, &mut last_session, &mut names.sessions, false)?;
                    session[row] = k;
                    next
                }
                Role::Skip => field_at(body, pos, last)?.1,
            };
        }
        row += 1;
    }
    (row == ts.len()).then_some(names)
}

/// The code of the symbol or session label at `pos` and where the next field starts. Rows come grouped, so bytes
/// equal to the previous row's (`prev`) take its code undecoded; other labels are interned into `names`. A symbol
/// is trimmed and may not be empty (the polars path reports that).
#[inline]
fn label_at<'b>(
    body: &'b [u8],
    pos: usize,
    last: bool,
    prev: &mut Option<(&'b [u8], u32)>,
    names: &mut Names,
    symbol: bool,
) -> Option<(u32, usize)> {
    if let Some((bytes, k)) = *prev {
        if let Some(next) = same_at(body, pos, bytes, last) {
            return Some((k, next));
        }
    }
    let (field, next) = field_at(body, pos, last)?;
    let text = std::str::from_utf8(field).ok()?;
    let name = if symbol { text.trim() } else { text };
    if symbol && name.is_empty() {
        return None;
    }
    let k = names.intern(name);
    *prev = Some((field, k));
    Some((k, next))
}

/// The field starting at `pos` and where the next one starts. A field ends at a comma, or, for the row's `last`
/// field, at a line end (its `\r` trimmed) or the body's end (then the next position is `body.len() + 1`). A
/// row with too few or too many fields gives None.
#[inline]
fn field_at(body: &[u8], pos: usize, last: bool) -> Option<(&[u8], usize)> {
    let rest = &body[pos..];
    match memchr::memchr2(b',', b'\n', rest) {
        Some(p) if (rest[p] == b',') != last => {
            let field = &rest[..p];
            Some((if last { trim_cr(field) } else { field }, pos + p + 1))
        }
        Some(_) => None,
        None => last.then(|| (trim_cr(rest), body.len() + 1)),
    }
}

/// Where the next field starts when the field at `pos` is exactly `prev` (so `field_at` would return `prev`).
#[inline]
fn same_at(body: &[u8], pos: usize, prev: &[u8], last: bool) -> Option<usize> {
    if !body[pos..].starts_with(prev) {
        return None;
    }
    next_field(body, pos + prev.len(), last)
}

/// Where the next field starts when a field ends plainly at `end`: at a comma, or for the row's `last` field at a
/// line end or the body's end.
#[inline]
fn next_field(body: &[u8], end: usize, last: bool) -> Option<usize> {
    match body.get(end) {
        Some(b',') if !last => Some(end + 1),
        Some(b'\n') if last => Some(end + 1),
        None if last => Some(end + 1),
        _ => None,
    }
}

/// The number at `pos` and where the next field starts: a plain decimal parsed as it is scanned, anything else
/// (and a field ending otherwise than plainly) through [`field_at`] and [`number`].
#[inline]
fn number_at(body: &[u8], pos: usize, last: bool) -> Option<(f64, usize)> {
    if let Some((v, next)) = plain_decimal_at(body, pos).and_then(|(v, end)| Some((v, next_field(body, end, last)?))) {
        return Some((v, next));
    }
    let (field, next) = field_at(body, pos, last)?;
    Some((number(field)?, next))
}

/// A price or volume cell: empty is missing (NaN, refused later as the polars path does), else a float.
fn number(field: &[u8]) -> Option<f64> {
    if field.is_empty() {
        return Some(f64::NAN);
    }
    match plain_decimal_at(field, 0) {
        Some((v, end)) if end == field.len() => Some(v),
        _ => fast_float2::parse(field).ok(),
    }
}

const POW10: [f64; 19] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
];

/// The longest `[-]digits[.digits]` at `pos` and where it ends, when it has at most 19 digits and dot whose
/// digits, read as an integer m, fit in 53 bits: m / 10^k is one correctly rounded division of two exact doubles,
/// so it equals any correct parser's result (Clinger's fast path) at a fraction of a general parser's cost.
#[inline]
fn plain_decimal_at(b: &[u8], pos: usize) -> Option<(f64, usize)> {
    let negative = b.get(pos) == Some(&b'-');
    let start = pos + usize::from(negative);
    let mut p = start;
    let (mut m, mut decimals, mut dot) = (0u64, 0usize, false);
    while let Some(&c) = b.get(p) {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            // Wraps only beyond 19 characters, which are refused below.
            m = m.wrapping_mul(10).wrapping_add(u64::from(d));
            decimals += usize::from(dot);
        } else if c == b'.' && !dot {
            dot = true;
        } else {
            break;
        }
        p += 1;
    }
    let len = p - start;
    if len == 0 || len > POW10.len() || (dot && len == 1) || m > 1 << 53 {
        return None;
    }
    let v = m as f64 / POW10[decimals];
    Some((if negative { -v } else { v }, p))
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
#[path = "csv_fast_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "csv_fast_props.rs"]
mod props;
