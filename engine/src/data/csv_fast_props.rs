//! Property tests of the CSV fast path: no input panics it, a refused line is really the first one over the
//! limit, and a file it takes reads as the polars path reads it.

use super::read;
use crate::data::file::{read_table_polars, Format, SessionColumn};
use crate::data::guard::ReadGuard;
use crate::data::DataError;
use proptest::prelude::*;

/// Bytes drawn mostly from what CSV files are made of, so that inputs get past the header now and then.
fn csv_bytes(max_len: usize) -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => prop::sample::select(b"0123456789,,,\n\n.-:T Z\r\"eE".to_vec()),
        1 => any::<u8>(),
    ];
    prop::collection::vec(byte, 0..max_len)
}

/// A valid bar CSV of a few rows, with or without symbol and volume columns.
fn valid_csv() -> impl Strategy<Value = String> {
    let row = (0u32..86_400, 0usize..3, 1u32..100_000, 0u32..1000, any::<bool>());
    (any::<bool>(), any::<bool>(), prop::collection::vec(row, 1..12)).prop_map(|(symbol, volume, rows)| {
        let mut out = String::from("ts");
        out += if symbol { ",symbol" } else { "" };
        out += ",open,high,low,close";
        out += if volume { ",volume\n" } else { "\n" };
        for (i, (secs, sym, price, spread, crlf)) in rows.into_iter().enumerate() {
            let ts = 1_704_067_200 + u64::from(secs) + i as u64 * 86_400;
            out += &ts.to_string();
            if symbol {
                out += &format!(",{}", ["ES", "NQ", "BTC-USD"][sym]);
            }
            let (lo, hi) = (f64::from(price) / 100.0, f64::from(price + spread) / 100.0);
            out += &format!(",{lo},{hi},{lo},{hi}");
            if volume {
                out += &format!(",{spread}");
            }
            out += if crlf { "\r\n" } else { "\n" };
        }
        out
    })
}

/// `text` with each edit applied: at a position (a fraction of the length), delete, insert or replace a byte.
fn mutate(text: &str, edits: &[(f64, u8, u8)]) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    for &(at, op, byte) in edits {
        let i = ((b.len() as f64) * at) as usize;
        match op % 3 {
            0 if i < b.len() => {
                b.remove(i);
            }
            1 => b.insert(i.min(b.len()), byte),
            _ if i < b.len() => b[i] = byte,
            _ => {}
        }
    }
    b
}

fn edits() -> impl Strategy<Value = Vec<(f64, u8, u8)>> {
    let byte = prop_oneof![prop::sample::select(b",\n\r\".-e0 x".to_vec()), any::<u8>()];
    prop::collection::vec((0.0..1.0f64, any::<u8>(), byte), 1..4)
}

/// Reads `bytes` on the fast path, checking the invariants of whatever it answers.
fn check_fast(bytes: &[u8], max_line: usize) -> Result<(), TestCaseError> {
    let guard = ReadGuard { max_line, cancel: None };
    match read(bytes, "p.csv".into(), "DEF", &guard, SessionColumn::Read) {
        Ok(Some(t)) => {
            let n = t.ts.len();
            for len in [
                t.sym.len(),
                t.open.len(),
                t.high.len(),
                t.low.len(),
                t.close.len(),
                t.volume.len(),
            ] {
                prop_assert_eq!(len, n);
            }
            prop_assert!(t.sym.iter().all(|s| (*s as usize) < t.symbols.len()));
            if let Some(s) = &t.session {
                prop_assert_eq!(s.codes.len(), n);
                prop_assert!(s.codes.iter().all(|c| (*c as usize) < s.names.len()));
            }
        }
        Ok(None) => {}
        Err(DataError::LineTooLong { line, bytes: len, .. }) => {
            let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
            prop_assert!((1..=lines.len()).contains(&line), "line {} of {}", line, lines.len());
            prop_assert_eq!(lines[line - 1].len(), len);
            prop_assert!(len > max_line);
            prop_assert!(lines[..line - 1].iter().all(|l| l.len() <= max_line));
        }
        Err(e) => prop_assert!(false, "unexpected error {}", e),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_the_fast_path(
        body in csv_bytes(400),
        header in prop::sample::select(vec!["", "ts,open,high,low,close\n", "ts,symbol,open,high,low,close,volume,session\n"]),
        max_line in prop_oneof![Just(1usize << 20), 0usize..40],
    ) {
        let mut bytes = header.as_bytes().to_vec();
        bytes.extend_from_slice(&body);
        check_fast(&bytes, max_line)?;
    }

    #[test]
    fn mutated_valid_files_never_panic_the_fast_path(text in valid_csv(), edits in edits(), max_line in 20usize..80) {
        let bytes = mutate(&text, &edits);
        check_fast(&bytes, 1 << 20)?;
        check_fast(&bytes, max_line)?;
    }
}

proptest! {
    // Each case writes a file for polars: fewer of them.
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn a_mutated_file_the_fast_path_takes_reads_as_polars_reads_it(text in valid_csv(), edits in edits()) {
        let bytes = mutate(&text, &edits);
        let Ok(Some(fast)) = read(&bytes, "p.csv".into(), "DEF", &ReadGuard::default(), SessionColumn::Read) else {
            return Ok(());
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(&path, &bytes).unwrap();
        let slow = read_table_polars(&path, Format::Csv, "DEF", SessionColumn::Read);
        let slow = slow.map_err(|e| TestCaseError::fail(format!("polars refused what the fast path took: {e}")))?;
        prop_assert!(slow.bad.is_empty(), "polars found bad rows the fast path took: {:?}", slow.bad);
        prop_assert_eq!(&fast.ts, &slow.ts);
        prop_assert_eq!((&fast.symbols, &fast.sym), (&slow.symbols, &slow.sym));
        let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        prop_assert_eq!(bits(&fast.open), bits(&slow.open));
        prop_assert_eq!(bits(&fast.close), bits(&slow.close));
        prop_assert_eq!(bits(&fast.volume), bits(&slow.volume));
    }
}
