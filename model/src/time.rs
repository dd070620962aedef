//! Timestamp texts to UTC epoch milliseconds, as specs and data files write them: ISO-8601 with or without offset
//! (naive = UTC), a space instead of `T`, date only, or epoch seconds/milliseconds/microseconds/nanoseconds told
//! apart by magnitude.

use chrono::{Datelike, NaiveDate};

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// A cell's text as messages quote it: Rust-quoted, cut after 60 characters with its full size said, so that a
/// bad cell of a megabyte does not become a megabyte of error message.
pub fn quoted(text: &str) -> String {
    const SHOWN: usize = 60;
    match text.char_indices().nth(SHOWN) {
        None => format!("{text:?}"),
        Some((end, _)) => format!("{:?}… ({} bytes)", &text[..end], text.len()),
    }
}

/// Converts an integer epoch to milliseconds: |v| < 1e11 is seconds, < 1e14 milliseconds, < 1e17 microseconds,
/// anything larger nanoseconds (so every unit works for dates between 1973 and 5138).
pub fn epoch_to_ms(v: i64) -> i64 {
    let a = v.unsigned_abs();
    if a < 100_000_000_000 {
        v * 1000
    } else if a < 100_000_000_000_000 {
        v
    } else if a < 100_000_000_000_000_000 {
        v.div_euclid(1000)
    } else {
        v.div_euclid(1_000_000)
    }
}

/// As [`epoch_to_ms`] for a fractional epoch (e.g. `1704067200.5` seconds).
pub fn epoch_f64_to_ms(v: f64) -> Option<i64> {
    if !v.is_finite() {
        return None;
    }
    let a = v.abs();
    let ms = if a < 1e11 {
        v * 1000.0
    } else if a < 1e14 {
        v
    } else if a < 1e17 {
        v / 1000.0
    } else {
        v / 1e6
    };
    Some(ms.round() as i64)
}

/// Parses one timestamp text to UTC epoch milliseconds; the error says why it is not a timestamp.
pub fn parse_timestamp(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let bad = |why: &str| format!("unparsable timestamp {}: {why}", quoted(text));
    if t.is_empty() {
        return Err(bad("empty"));
    }
    let b = t.as_bytes();
    if b.iter()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || (i == 0 && *c == b'-') || *c == b'.')
    {
        if let Ok(v) = t.parse::<i64>() {
            return Ok(epoch_to_ms(v));
        }
        return t
            .parse::<f64>()
            .ok()
            .and_then(epoch_f64_to_ms)
            .ok_or_else(|| bad("not a number"));
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad(
            "expected YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM] or an epoch number",
        ));
    }
    let year = digits(&b[0..4]).ok_or_else(|| bad("bad year"))?;
    let month = digits(&b[5..7]).ok_or_else(|| bad("bad month"))?;
    let day = digits(&b[8..10]).ok_or_else(|| bad("bad day"))?;
    let date = NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32).ok_or_else(|| bad("no such date"))?;
    let days = i64::from(date.num_days_from_ce() - 719_163); // days since 1970-01-01
    let mut ms = days * DAY_MS;
    let rest = &b[10..];
    if rest.is_empty() {
        return Ok(ms);
    }
    if !matches!(rest[0], b'T' | b't' | b' ') || rest.len() < 6 || rest[3] != b':' {
        return Err(bad("expected T or a space then HH:MM after the date"));
    }
    let hour = digits(&rest[1..3]).filter(|h| *h < 24).ok_or_else(|| bad("bad hour"))?;
    let minute = digits(&rest[4..6])
        .filter(|m| *m < 60)
        .ok_or_else(|| bad("bad minute"))?;
    ms += hour * 3_600_000 + minute * 60_000;
    let mut i = 6;
    if rest.len() >= i + 3 && rest[i] == b':' {
        let second = digits(&rest[i + 1..i + 3])
            .filter(|s| *s < 60)
            .ok_or_else(|| bad("bad second"))?;
        ms += second * 1000;
        i += 3;
        if rest.len() > i && (rest[i] == b'.' || rest[i] == b',') {
            let start = i + 1;
            let mut end = start;
            while end < rest.len() && rest[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return Err(bad("empty fraction of a second"));
            }
            let frac = &rest[start..end.min(start + 3)];
            let mut v = digits(frac).unwrap_or(0);
            for _ in frac.len()..3 {
                v *= 10;
            }
            ms += v;
            i = end;
        }
    }
    let mut zone = &rest[i..];
    if zone.first() == Some(&b' ') {
        zone = &zone[1..];
    }
    let offset_ms = match zone {
        [] | [b'Z'] | [b'z'] | [b'U', b'T', b'C'] => 0,
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [h1, h2] => (digits(&[*h1, *h2]), Some(0)),
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (digits(&[*h1, *h2]), digits(&[*m1, *m2])),
                _ => (None, None),
            };
            let (h, m) = h
                .zip(m)
                .filter(|(h, m)| *h < 24 && *m < 60)
                .ok_or_else(|| bad("bad UTC offset"))?;
            let off = h * 3_600_000 + m * 60_000;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return Err(bad("unexpected text after the time")),
    };
    Ok(ms - offset_ms)
}

fn digits(b: &[u8]) -> Option<i64> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i64, |acc, c| acc * 10 + i64::from(c - b'0')))
}

/// True when `text` is a bare `YYYY-MM-DD` date.
pub fn is_date_only(text: &str) -> bool {
    let t = text.trim();
    t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN1: i64 = 1_704_067_200_000;

    #[test]
    fn every_iso_form_parses_to_the_same_utc_instant() {
        for t in [
            "2024-01-01",
            "2024-01-01T00:00:00",
            "2024-01-01 00:00:00",
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00.000Z",
            "2024-01-01T00:00",
            "2024-01-01T01:00:00+01:00",
            "2023-12-31T19:00:00-05:00",
            "2024-01-01T02:00:00+0200",
            "2024-01-01 03:00:00 +03",
            "2024-01-01 00:00:00 UTC",
            " 2024-01-01T00:00:00Z ",
        ] {
            assert_eq!(parse_timestamp(t), Ok(JAN1), "{t}");
        }
        assert_eq!(parse_timestamp("2024-01-01T00:00:01.25Z"), Ok(JAN1 + 1250));
        assert_eq!(parse_timestamp("2024-01-01T00:00:01.123456789"), Ok(JAN1 + 1123));
    }

    #[test]
    fn epochs_in_every_unit_parse_by_magnitude() {
        for t in [
            "1704067200",
            "1704067200000",
            "1704067200000000",
            "1704067200000000000",
            "1704067200.0",
        ] {
            assert_eq!(parse_timestamp(t), Ok(JAN1), "{t}");
        }
        assert_eq!(epoch_to_ms(1_704_067_200_123_456), JAN1 + 123);
    }

    #[test]
    fn garbage_and_impossible_dates_are_refused_with_the_reason() {
        assert!(parse_timestamp("yesterday").unwrap_err().contains("\"yesterday\""));
        assert!(parse_timestamp("2024-02-30").unwrap_err().contains("no such date"));
        assert!(parse_timestamp("2024-01-01T25:00:00").unwrap_err().contains("bad hour"));
        assert!(parse_timestamp("2024-01-01T00:00:00+5").unwrap_err().contains("offset"));
        assert!(parse_timestamp("").unwrap_err().contains("empty"));
        assert!(parse_timestamp("2024-01-01T00:00:00 garbage")
            .unwrap_err()
            .contains("unexpected text"));
        // A huge cell is quoted by its start and its size.
        let huge = "x".repeat(1 << 20);
        let e = parse_timestamp(&huge).unwrap_err();
        assert_eq!(e, format!("unparsable timestamp \"{}\"… (1048576 bytes): expected YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH:MM] or an epoch number", "x".repeat(60)));
    }

    #[test]
    fn a_date_only_end_includes_the_whole_day() {
        let time = |t: &str| crate::spec::SpecTime::try_from(t.to_string()).unwrap();
        assert_eq!(time("2024-01-01").end_ms(), JAN1 + DAY_MS - 1);
        assert_eq!(time("2024-01-01 00:00:00").end_ms(), JAN1);
        assert_eq!(time("2024-01-01").ms(), JAN1);
        assert!(is_date_only(" 2024-01-01 ") && !is_date_only("2024-01-01T00:00"));
    }
}
