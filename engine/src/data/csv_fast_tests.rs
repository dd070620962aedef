//! The fast path reads exactly what the polars path reads, and leaves every other file to it.

use super::{number, read};
use crate::data::file::{read_table_polars, Format, SessionColumn};
use crate::data::guard::ReadGuard;
use crate::data::synth::{generate, SynthSpec};
use crate::data::table::Table;
use crate::data::DataError;
use std::sync::atomic::AtomicBool;

fn polars_table(text: &str) -> Table {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bars.csv");
    std::fs::write(&path, text).unwrap();
    let mut t = read_table_polars(&path, Format::Csv, "DEF", SessionColumn::Read).unwrap();
    t.source = "bars.csv".into();
    t
}

fn fast_table(text: &str) -> Option<Table> {
    read(
        text.as_bytes(),
        "bars.csv".into(),
        "DEF",
        &ReadGuard::default(),
        SessionColumn::Read,
    )
    .unwrap()
}

/// Same columns, bit for bit (NaN equal to NaN), same symbols and row numbering.
fn assert_same(a: &Table, b: &Table) {
    assert_eq!(a.ts, b.ts);
    assert_eq!((&a.symbols, &a.sym), (&b.symbols, &b.sym));
    for (x, y) in [
        (&a.open, &b.open),
        (&a.high, &b.high),
        (&a.low, &b.low),
        (&a.close, &b.close),
        (&a.volume, &b.volume),
    ] {
        let bits = |v: &Vec<f64>| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(x), bits(y));
    }
    assert_eq!(a.session, b.session);
    assert_eq!(a.numbering, b.numbering);
    assert!(a.bad.is_empty() && b.bad.is_empty(), "{:?} {:?}", a.bad, b.bad);
}

/// Three symbols over 20 days of 5-minute bars with session labels of their own (three per symbol, changing every
/// hour), written by the engine's own writer (several parallel chunks).
fn synth_csv() -> String {
    let spec = SynthSpec {
        days: 20,
        ..SynthSpec::demo()
    };
    let mut series = generate(&spec);
    for (k, b) in series.iter_mut().enumerate() {
        b.session = Some(b.ts.iter().map(|t| format!("{k}-{}", t / 3_600_000 % 3)).collect());
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.csv");
    crate::data::write::write_file(&series, &path).unwrap();
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn a_generated_multi_symbol_file_reads_as_the_polars_path_reads_it() {
    let text = synth_csv();
    assert!(text.len() > 4 << 16, "spans several chunks: {} bytes", text.len());
    let fast = fast_table(&text).expect("the plain layout takes the fast path");
    assert_eq!(fast.symbols.len(), 3);
    assert_eq!(fast.session.as_ref().map(|s| s.names.len()), Some(9));
    assert_same(&fast, &polars_table(&text));
}

#[test]
fn column_order_case_extra_columns_crlf_and_a_missing_last_newline_are_taken() {
    let text = "Close,Timestamp,extra,OPEN,low,High,Symbol\r\n\
                1.5,2024-01-02 10:00:00,x,1.4,1.3,1.6,ES\r\n\
                1.7,2024-01-02T10:01:00Z,y,1.5,1.4,1.8,NQ\r\n\
                1.2,1704190920,z,1.1,1.0,1.3,ES";
    let fast = fast_table(text).expect("fast path");
    assert_eq!(fast.volume, [0.0; 3], "no volume column reads as zero volume");
    assert_eq!(fast.symbols, ["ES", "NQ"]);
    assert_same(&fast, &polars_table(text));
}

#[test]
fn a_file_without_a_symbol_column_takes_the_default_symbol_and_empty_cells_are_nan() {
    let text = "ts,open,high,low,close,volume\n2024-01-02,1,2,0.5,1.5,\n2024-01-03,1,2,0.5,,7\n";
    let fast = fast_table(text).expect("fast path");
    assert_eq!(fast.symbols, ["DEF"]);
    assert!(fast.volume[0].is_nan() && fast.close[1].is_nan());
    assert_same(&fast, &polars_table(text));
}

#[test]
fn session_labels_are_read_as_text_with_session_id_preferred() {
    let text = "ts,symbol,open,high,low,close,session,session_id\n\
                2024-01-02 10:00:00,ES,1,2,0.5,1.5,x,US\n\
                2024-01-02 10:01:00,ES,1,2,0.5,1.5,x,US\n\
                2024-01-02 10:02:00,ES,1,2,0.5,1.5,x,\n\
                2024-01-02 10:03:00,ES,1,2,0.5,1.5,x,EU\n";
    let fast = fast_table(text).expect("fast path");
    assert_eq!(
        fast.session.as_ref().unwrap().iter().collect::<Vec<_>>(),
        ["US", "US", "", "EU"]
    );
    assert_same(&fast, &polars_table(text));
}

#[test]
fn anything_unusual_is_left_to_the_polars_path() {
    let head = "ts,symbol,open,high,low,close,volume\n";
    let row = "2024-01-02 10:00:00,ES,1,2,0.5,1.5,10\n";
    for (why, text) in [
        ("quotes", format!("{head}\"2024-01-02 10:00:00\",ES,1,2,0.5,1.5,10\n")),
        (
            "a roll_id column",
            "ts,symbol,open,high,low,close,roll_id\n2024-01-02,ES,1,2,0.5,1.5,3\n".to_string(),
        ),
        ("a blank line", format!("{head}{row}\n{row}")),
        ("a short row", format!("{head}{row}2024-01-02 10:05:00,ES,1,2\n")),
        (
            "a bad number",
            format!("{head}2024-01-02 10:05:00,ES,1,abc,0.5,1.5,10\n"),
        ),
        (
            "a padded number",
            format!("{head}2024-01-02 10:05:00,ES,1, 2,0.5,1.5,10\n"),
        ),
        (
            "a bad timestamp",
            format!("{head}2024-13-02 10:05:00,ES,1,2,0.5,1.5,10\n"),
        ),
        (
            "an empty symbol",
            format!("{head}2024-01-02 10:05:00,,1,2,0.5,1.5,10\n"),
        ),
        ("no close column", "ts,open,high,low\n2024-01-02,1,2,0.5\n".to_string()),
        ("no newline after the header", head.trim_end().to_string()),
    ] {
        assert!(fast_table(&text).is_none(), "{why} must take the polars path");
    }
}

#[test]
fn plain_decimals_parse_to_the_same_bits_as_a_general_parser() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut texts: Vec<String> = [
        "0",
        "-0",
        "5.",
        ".5",
        "0.1",
        "0.3",
        "42000.12",
        "1e5",
        "+1",
        ".",
        "-",
        "1.2.3",
        "9007199254740993",
        "123456789012345678",
        "0.000000000000000001",
        "1.7976931348623157",
    ]
    .map(String::from)
    .to_vec();
    for _ in 0..200_000 {
        let digits = rng.random_range(1..=18);
        let n: u64 = rng.random_range(0..10u64.pow(digits));
        let mut t = format!("{n:0width$}", width = digits as usize);
        let dot = rng.random_range(0..=digits as usize);
        t.insert(dot, '.');
        if rng.random_bool(0.2) {
            t.insert(0, '-');
        }
        texts.push(t);
    }
    for t in &texts {
        let ours = number(t.as_bytes());
        let std = t.parse::<f64>().ok();
        assert_eq!(ours.map(f64::to_bits), std.map(f64::to_bits), "{t:?}");
    }
}

/// The fast path's answer under a line limit of `max_line` bytes.
fn guarded(text: &str, max_line: usize, cancel: Option<&AtomicBool>) -> Result<Option<Table>, DataError> {
    read(
        text.as_bytes(),
        "bars.csv".into(),
        "DEF",
        &ReadGuard { max_line, cancel },
        SessionColumn::Read,
    )
}

#[test]
fn a_line_over_the_limit_is_refused_naming_its_line_even_where_polars_would_read() {
    let head = "ts,symbol,open,high,low,close\n";
    let row = "2024-01-02 10:00:00,ES,1,2,0.5,1.5\n";
    let long = format!("2024-01-02 10:01:00,{},1,2,0.5,1.5\n", "E".repeat(100));
    let text = format!("{head}{}{long}{row}", row.repeat(3));
    let err = guarded(&text, 64, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "bars.csv, line 5: the line is 132 bytes long, more than the limit of 64 bytes (QE_MAX_LINE_BYTES)"
    );
    // A long header is line 1; a file that the fast path leaves to polars (a quote) still has its first lines
    // measured up to where it gives up.
    let err = guarded(&format!("{head}{row}"), 10, None).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("bars.csv, line 1: the line is 29 bytes long"),
        "{err}"
    );
    assert!(guarded(&format!("{head}\"{row}"), 64, None).unwrap().is_none());
    assert!(guarded(&text, 200, None).unwrap().is_some(), "under the limit it reads");
}

#[test]
fn a_cancelled_read_is_an_error_not_a_fallback() {
    let flag = AtomicBool::new(true);
    let text = synth_csv();
    assert!(matches!(
        guarded(&text, 1 << 20, Some(&flag)),
        Err(DataError::Cancelled)
    ));
    // A file the fast path would give up on is not handed to polars once cancelled either.
    let bad = format!("{}2024-13-02 10:05:00,ES,1,2,0.5,1.5,10\n", &text);
    assert!(matches!(guarded(&bad, 1 << 20, Some(&flag)), Err(DataError::Cancelled)));
}

#[test]
fn a_file_of_distinct_labels_reads_in_linear_time() {
    // 200,000 distinct session ids and symbols: a search of the names per row took minutes on this file.
    let n = 200_000;
    let mut text = String::from("ts,symbol,open,high,low,close,session_id\n");
    for i in 0..n {
        text += &format!("{},S{i},1,2,0.5,1.5,id{i}\n", 1_704_067_200 + i * 60);
    }
    let started = std::time::Instant::now();
    let fast = fast_table(&text).expect("fast path");
    let took = started.elapsed();
    assert_eq!((fast.symbols.len(), fast.session.as_ref().unwrap().names.len()), (n, n));
    assert_eq!((fast.symbols[12_345].as_str(), fast.sym[12_345]), ("S12345", 12_345));
    assert_eq!(fast.session.as_ref().unwrap().get(199_999), "id199999");
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
    let labels: crate::data::Labels = (0..n).map(|i| format!("id{}", i % 150_000)).collect();
    assert_eq!((labels.names.len(), labels.get(150_001)), (150_000, "id1"));
}

#[test]
fn a_byte_that_is_not_utf8_in_a_column_no_table_holds_is_never_decoded_on_either_path() {
    // Found by the property test: polars refused the whole file ("invalid utf-8 sequence") for a byte in a column
    // the fast path skips.
    let mut bytes = b"ts,symbol,open,high,low,close,vlume\n1704067200,ES,1,2,0.5,1.5,10".to_vec();
    bytes.push(0x80);
    bytes.extend_from_slice(b"\r\n1704153600,ES,1,2,0.5,1.5,20\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bars.csv");
    std::fs::write(&path, &bytes).unwrap();
    let fast = read(
        &bytes,
        "bars.csv".into(),
        "DEF",
        &ReadGuard::default(),
        SessionColumn::Read,
    )
    .unwrap()
    .expect("the fast path takes the file");
    let mut slow = read_table_polars(&path, Format::Csv, "DEF", SessionColumn::Read).unwrap();
    slow.source = "bars.csv".into();
    assert_same(&fast, &slow);
    assert_eq!(fast.volume, [0.0, 0.0], "no volume column");
}

#[test]
fn skipped_sessions_are_absent_on_both_paths_and_read_ones_present() {
    let text = "ts,symbol,open,high,low,close,session_id,note\n\
                2024-01-02 10:00:00,ES,1,2,0.5,1.5,RTH,a\n\
                2024-01-02 10:05:00,ES,1,2,0.5,1.5,ETH,b\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bars.csv");
    std::fs::write(&path, text).unwrap();
    for sessions in [SessionColumn::Read, SessionColumn::Skip] {
        let fast = read(
            text.as_bytes(),
            "bars.csv".into(),
            "DEF",
            &ReadGuard::default(),
            sessions,
        )
        .unwrap()
        .unwrap();
        let slow = read_table_polars(&path, Format::Csv, "DEF", sessions).unwrap();
        let names = |t: &Table| t.session.as_ref().map(|s| s.names.clone());
        let expected = (sessions == SessionColumn::Read).then(|| vec!["RTH".to_string(), "ETH".to_string()]);
        assert_eq!(names(&fast), expected, "{sessions:?}");
        assert_eq!(names(&slow), expected, "{sessions:?}");
    }
}
