//! What one read of a data file is held to: the longest line it may have and a flag that stops it. Lines are
//! measured before any parser sees them, so a file of one huge line is refused in one linear scan.

use super::error::DataError;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// The longest line a CSV or JSON-lines file may have by default: 1 MiB (a bar's line is under 100 bytes).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The limits and the cancel flag of one read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadGuard<'a> {
    /// Longest line accepted, in bytes (its line end not counted).
    pub max_line: usize,
    /// Set by another thread to stop the read; the read then fails with [`DataError::Cancelled`].
    pub cancel: Option<&'a AtomicBool>,
}

impl Default for ReadGuard<'_> {
    fn default() -> Self {
        ReadGuard {
            max_line: MAX_LINE_BYTES,
            cancel: None,
        }
    }
}

impl ReadGuard<'_> {
    /// The default guard with the operator's `QE_MAX_LINE_BYTES`, for reads outside a job (the CLI's).
    pub fn from_env() -> Self {
        ReadGuard {
            max_line: max_line_from_env().unwrap_or(MAX_LINE_BYTES),
            cancel: None,
        }
    }

    /// True once the read was asked to stop.
    #[inline]
    pub fn cancelled(&self) -> bool {
        self.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }

    /// [`DataError::Cancelled`] once the read was asked to stop.
    pub fn check(&self) -> Result<(), DataError> {
        if self.cancelled() {
            return Err(DataError::Cancelled);
        }
        Ok(())
    }

    /// The error for line `line` (1-based) of `source`, `bytes` long.
    pub fn too_long(&self, source: &str, line: usize, bytes: usize) -> DataError {
        DataError::LineTooLong {
            source_name: source.to_string(),
            line,
            bytes,
            limit: self.max_line,
        }
    }

    /// Checks every line of `bytes` (a whole file) in parallel chunks: the first line over the limit is refused
    /// naming it, and the flag is looked at between chunks.
    pub fn check_lines(&self, bytes: &[u8], source: &str) -> Result<(), DataError> {
        let chunks = split_lines(bytes, rayon::current_num_threads() * 4);
        let scans: Vec<Option<Result<usize, (usize, usize)>>> = chunks
            .par_iter()
            .map(|c| (!self.cancelled()).then(|| scan_lines(c, self.max_line)))
            .collect();
        let mut before = 0;
        for scan in scans {
            match scan {
                None => return Err(DataError::Cancelled),
                Some(Ok(lines)) => before += lines,
                Some(Err((index, len))) => return Err(self.too_long(source, before + index + 1, len)),
            }
        }
        Ok(())
    }
}

/// `QE_MAX_LINE_BYTES` when set to a positive integer (a warning names any other value, which is ignored).
pub(crate) fn max_line_from_env() -> Option<usize> {
    let raw = std::env::var("QE_MAX_LINE_BYTES").ok()?;
    match raw.trim().parse::<usize>() {
        Ok(n) if n > 0 => Some(n),
        _ => {
            tracing::warn!(value = %raw, "QE_MAX_LINE_BYTES is not a positive integer; using {MAX_LINE_BYTES}");
            None
        }
    }
}

/// Splits `body` into about `parts` pieces that each end at a line end (or the body's end).
pub(crate) fn split_lines(body: &[u8], parts: usize) -> Vec<&[u8]> {
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

/// The lines of `chunk` (a last line without its newline counts), or the 0-based index and the length of its
/// first line longer than `max` bytes (a `\r` before the newline counted). One pass, the cost of counting.
pub(crate) fn scan_lines(chunk: &[u8], max: usize) -> Result<usize, (usize, usize)> {
    let mut lines = 0;
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', chunk) {
        if end - start > max {
            return Err((lines, end - start));
        }
        lines += 1;
        start = end + 1;
    }
    let last = chunk.len() - start;
    if last > max {
        return Err((lines, last));
    }
    Ok(lines + usize::from(last > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_counted_and_the_first_long_one_is_named() {
        assert_eq!(scan_lines(b"", 4), Ok(0));
        assert_eq!(scan_lines(b"ab\ncd\n", 4), Ok(2));
        assert_eq!(scan_lines(b"ab\ncd", 4), Ok(2));
        assert_eq!(scan_lines(b"\n\n", 0), Ok(2));
        assert_eq!(scan_lines(b"ab\nabcde\nabcdef\n", 4), Err((1, 5)));
        assert_eq!(scan_lines(b"ab\nabcd\nabcdefg", 4), Err((2, 7)));
    }

    #[test]
    fn a_long_line_in_a_later_chunk_is_named_by_its_line_in_the_file() {
        let mut text = "ts,open\n".repeat(40_000).into_bytes();
        text.extend_from_slice(&[b'x'; 2000]);
        text.extend_from_slice(b"\nlast\n");
        let guard = ReadGuard {
            max_line: 1000,
            cancel: None,
        };
        assert!(split_lines(&text, 8).len() > 1, "several chunks");
        let err = guard.check_lines(&text, "big.csv").unwrap_err();
        assert_eq!(
            err.to_string(),
            "big.csv, line 40001: the line is 2000 bytes long, more than the limit of 1000 bytes (QE_MAX_LINE_BYTES)"
        );
        assert!(ReadGuard::default().check_lines(&text, "big.csv").is_ok());
    }

    #[test]
    fn a_set_flag_stops_the_scan() {
        let flag = AtomicBool::new(true);
        let guard = ReadGuard {
            cancel: Some(&flag),
            ..ReadGuard::default()
        };
        assert!(matches!(
            guard.check_lines(b"a\nb\n", "x.csv"),
            Err(DataError::Cancelled)
        ));
        assert!(matches!(guard.check(), Err(DataError::Cancelled)));
    }
}
