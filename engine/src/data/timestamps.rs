//! Timestamp columns to UTC epoch milliseconds (the forms of [`model::time`], with a short path for the usual
//! shape) and epoch milliseconds back to ISO-8601 text.

use chrono::{DateTime, SecondsFormat};
pub use model::time::{epoch_f64_to_ms, epoch_to_ms, parse_timestamp};

/// Parses a column of timestamps: rows of the usual `YYYY-MM-DD[T ]HH:MM:SS[Z]` shape take a short path that reuses
/// the day while consecutive rows share their date; every other row goes through [`parse_timestamp`]. The results
/// (and errors) are exactly [`parse_timestamp`]'s.
#[derive(Debug, Default)]
pub struct ColumnParser {
    date: [u8; 10],
    day_ms: Option<i64>,
}

impl ColumnParser {
    /// Parses one cell.
    #[inline]
    pub fn parse(&mut self, text: &str) -> Result<i64, String> {
        match self.short_path(text.as_bytes()) {
            Some(ms) => Ok(ms),
            None => parse_timestamp(text),
        }
    }

    /// As [`ColumnParser::parse`] on raw bytes, without the reason of a failure (None: not valid UTF-8 or not a
    /// timestamp).
    #[inline]
    pub fn parse_bytes(&mut self, b: &[u8]) -> Option<i64> {
        match self.short_path(b) {
            Some(ms) => Some(ms),
            None => parse_timestamp(std::str::from_utf8(b).ok()?).ok(),
        }
    }

    #[inline]
    fn short_path(&mut self, b: &[u8]) -> Option<i64> {
        let shaped = (b.len() == 19 || (b.len() == 20 && b[19] == b'Z'))
            && b[4] == b'-'
            && b[7] == b'-'
            && matches!(b[10], b'T' | b' ')
            && b[13] == b':'
            && b[16] == b':';
        if !shaped {
            return None;
        }
        let day = match self.day_ms {
            Some(d) if b[..10] == self.date => d,
            _ => {
                let d = parse_timestamp(std::str::from_utf8(&b[..10]).ok()?).ok()?;
                self.date.copy_from_slice(&b[..10]);
                self.day_ms = Some(d);
                d
            }
        };
        let two = |i: usize| {
            let (x, y) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
            (x < 10 && y < 10).then(|| i64::from(x * 10 + y))
        };
        let (h, m, s) = (two(11)?, two(14)?, two(17)?);
        if h >= 24 || m >= 60 || s >= 60 {
            return None;
        }
        Some(day + h * 3_600_000 + m * 60_000 + s * 1000)
    }
}

/// Formats epoch milliseconds as ISO-8601 UTC (`2024-01-01T00:01:00Z`, with milliseconds only when non-zero).
pub fn iso(ts_ms: i64) -> String {
    match DateTime::from_timestamp_millis(ts_ms) {
        Some(d) => d.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        None => format!("{ts_ms} ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN1: i64 = 1_704_067_200_000;

    #[test]
    fn the_column_parser_agrees_with_parse_timestamp_on_every_shape() {
        let mut p = ColumnParser::default();
        let mut texts: Vec<String> = Vec::new();
        for day in [
            "2024-01-01",
            "2024-02-29",
            "2023-12-31",
            "1999-07-15",
            "2024-02-30",
            "2024-13-01",
        ] {
            for time in [
                "00:00:00", "13:45:59", "23:59:59", "24:00:00", "12:60:00", "12:00:61", "1a:00:00",
            ] {
                for (sep, zone) in [("T", ""), ("T", "Z"), (" ", ""), (" ", "Z"), ("t", ""), ("T", "+01:00")] {
                    texts.push(format!("{day}{sep}{time}{zone}"));
                }
            }
        }
        texts.extend(
            [
                "1704067200",
                "1704067200000",
                " 2024-01-01T00:00:00Z",
                "2024-01-01",
                "",
                "x",
            ]
            .map(String::from),
        );
        // Twice, so the cached day is both fresh and reused, and in an order that changes day often.
        for t in texts.iter().chain(texts.iter().rev()) {
            assert_eq!(p.parse(t), parse_timestamp(t), "{t:?}");
        }
    }

    #[test]
    fn iso_formats_utc_with_z() {
        assert_eq!(iso(JAN1 + 60_000), "2024-01-01T00:01:00Z");
        assert_eq!(iso(JAN1 + 5), "2024-01-01T00:00:00.005Z");
    }
}
