//! Loader tests over real files in every format: aliases, timestamp forms, validation messages, filters, data root.

use super::*;
use crate::time::{DAY_MS, MINUTE_MS};
use model::spec::{from_value, DataSpec};
use serde_json::json;
use std::path::{Path, PathBuf};

const T0: i64 = 1_704_067_200_000; // 2024-01-01T00:00:00Z
const HEAD: &str = "timestamp,symbol,open,high,low,close,volume";

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn csv(dir: &Path, rows: &[&str]) -> PathBuf {
    write(dir, "bars.csv", &format!("{HEAD}\n{}\n", rows.join("\n")))
}

fn err_of(path: &Path) -> String {
    load_file(path).unwrap_err().to_string()
}

fn series(symbol: &str, n: usize, t0: i64) -> Bars {
    let mut b = Bars::new(symbol);
    for i in 0..n {
        let o = 100.0 + i as f64 * 0.25;
        b.push(
            t0 + i as i64 * MINUTE_MS,
            o,
            o + 1.5,
            o - 0.75,
            o + 0.5,
            10.0 + i as f64,
        );
    }
    b.session = Some((0..n).map(|i| format!("s{}", i % 3)).collect());
    b.roll_id = Some((0..n).map(|i| (i / 4) as i64).collect());
    b
}

#[test]
fn every_format_round_trips_the_same_bars() {
    let dir = tempfile::tempdir().unwrap();
    let expected = vec![series("AAA", 7, T0), series("BBB", 5, T0 + 3 * MINUTE_MS)];
    for ext in ["csv", "parquet", "json", "jsonl"] {
        let path = dir.path().join(format!("bars.{ext}"));
        write::write_file(&expected, &path).unwrap();
        assert_eq!(load_file(&path).unwrap(), expected, "{ext}");
    }
}

#[test]
fn a_large_csv_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let bars = crate::data::synth::generate(&crate::data::synth::SynthSpec {
        days: 150,
        ..crate::data::synth::SynthSpec::demo()
    });
    let path = dir.path().join("big.csv");
    write::write_file(&bars, &path).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 8 << 20, "a file of more than 8 MiB: {size} bytes");
    let bytes = super::file::map_file(&path).unwrap();
    assert!(
        bytes[..] == std::fs::read(&path).unwrap(),
        "the map holds the file's bytes"
    );
    let mut expected = bars;
    expected.sort_by(|a, b| a.symbol.cmp(&b.symbol));
    // Compared without printing half a million values on a failure.
    assert!(
        load_file(&path).unwrap() == expected,
        "the loaded bars differ from the written ones"
    );
}

#[test]
fn the_reference_sample_loads_with_its_session_labels() {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/examples/data/eurusd_m1_sample.json"
    ));
    let records: Vec<serde_json::Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let bars = load_file(path).unwrap();
    assert_eq!(bars.len(), 1);
    let b = &bars[0];
    assert_eq!(b.symbol, "EURUSD");
    assert_eq!(b.len(), records.len());
    for (i, r) in records.iter().enumerate() {
        assert_eq!(
            b.ts[i],
            timestamps::parse_timestamp(r["timestamp"].as_str().unwrap()).unwrap()
        );
        assert_eq!(b.close[i], r["close"].as_f64().unwrap());
        assert_eq!(b.session.as_ref().unwrap().get(i), r["session_id"].as_str().unwrap());
    }
}

#[test]
fn timestamps_in_every_form_normalise_to_utc() {
    let dir = tempfile::tempdir().unwrap();
    let forms = [
        "2024-01-01T00:00:00Z",
        "2024-01-01T02:01:00+02:00",
        "2024-01-01 00:02:00",
        "2024-01-01T00:03:00",
        "1704067440",
        "1704067500000",
        "1704067560000000",
        "1704067620000000000",
        "2023-12-31T19:08:00-05:00",
    ];
    let rows: Vec<String> = forms.iter().map(|t| format!("{t},X,1,2,0.5,1.5,3")).collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let b = &load_file(&csv(dir.path(), &rows)).unwrap()[0];
    let expected: Vec<i64> = (0..forms.len() as i64).map(|i| T0 + i * MINUTE_MS).collect();
    assert_eq!(b.ts, expected);
}

#[test]
fn column_aliases_and_optional_columns_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "GER40.csv",
        "Date,Open,High,Low,Close,Session,roll_id\n1704067200,1,2,0.5,1.5,EU,3\n",
    );
    let b = &load_file(&p).unwrap()[0];
    assert_eq!(b.symbol, "GER40"); // no symbol column: the file stem
    assert_eq!((b.ts[0], b.volume[0]), (T0, 0.0)); // no volume column: zero
    assert_eq!(b.session, Some(["EU"].into_iter().collect()));
    assert_eq!(b.roll_id, Some(vec![3]));
    let p = write(
        dir.path(),
        "d.jsonl",
        "{\"datetime\": 1704067200000, \"open\": 1, \"high\": 2, \"low\": 0.5, \"close\": 1.5}\n",
    );
    assert_eq!(load_file(&p).unwrap()[0].ts, vec![T0]);
}

#[test]
fn a_multi_symbol_file_splits_into_sorted_series() {
    let dir = tempfile::tempdir().unwrap();
    let p = csv(
        dir.path(),
        &[
            "2024-01-01T00:02:00Z,ZZZ,1,2,0.5,1.5,1",
            "2024-01-01T00:01:00Z,AAA,1,2,0.5,1.5,2",
            "2024-01-01T00:00:00Z,ZZZ,1,2,0.5,1.5,3",
            "2024-01-01T00:00:00Z,AAA,1,2,0.5,1.5,4",
        ],
    );
    let bars = load_file(&p).unwrap();
    assert_eq!(
        bars.iter().map(|b| b.symbol.as_str()).collect::<Vec<_>>(),
        ["AAA", "ZZZ"]
    );
    assert_eq!(bars[0].ts, vec![T0, T0 + MINUTE_MS]);
    assert_eq!(bars[0].volume, vec![4.0, 2.0]);
    assert_eq!(bars[1].volume, vec![3.0, 1.0]);
}

#[test]
fn each_bad_cell_is_reported_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let good = "2024-01-01T00:00:00Z,X,1,2,0.5,1.5,3";
    let cases = [
        (
            "2024-13-01T00:01:00Z,X,1,2,0.5,1.5,3",
            "line 3, column `timestamp`",
            "unparsable timestamp",
        ),
        (",X,1,2,0.5,1.5,3", "line 3, column `timestamp`", "missing timestamp"),
        (
            "2024-01-01T00:01:00Z,X,1,2,0.5,abc,3",
            "line 3, column `close`",
            "not a number: \"abc\"",
        ),
        (
            "2024-01-01T00:01:00Z,X,1,2,0.5,,3",
            "line 3, column `close`",
            "missing value",
        ),
        ("2024-01-01T00:01:00Z,X,nan,2,0.5,1.5,3", "line 3, column `open`", "NaN"),
        (
            "2024-01-01T00:01:00Z,X,1,inf,0.5,1.5,3",
            "line 3, column `high`",
            "infinite",
        ),
        (
            "2024-01-01T00:01:00Z,X,-1,2,-2,1.5,3",
            "line 3, column `open`",
            "negative value -1",
        ),
        (
            "2024-01-01T00:01:00Z,X,1,1.2,0.5,1.5,3",
            "line 3, column `high`",
            "below max(open, close) 1.5",
        ),
        (
            "2024-01-01T00:01:00Z,X,1,2,1.1,1.5,3",
            "line 3, column `low`",
            "above min(open, close) 1",
        ),
        (
            "2024-01-01T00:01:00Z,X,1,2,0.5,1.5,-3",
            "line 3, column `volume`",
            "negative value -3",
        ),
        (
            "2024-01-01T00:00:00Z,X,1,2,0.5,1.4,3",
            "line 3",
            "different values (first at line 2)",
        ),
    ];
    for (row, at, reason) in cases {
        let p = csv(dir.path(), &[good, row]);
        let e = err_of(&p);
        assert!(e.starts_with(&p.display().to_string()), "{e}");
        assert!(e.contains(at) && e.contains(reason), "{row}: {e}");
    }
}

#[test]
fn exact_duplicates_and_disorder_are_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let a = "2024-01-01T00:00:00Z,X,1,2,0.5,1.5,3";
    let b = "2024-01-01T00:01:00Z,X,1,2,0.5,1.5,3";
    let bars = load_file(&csv(dir.path(), &[b, a, b])).unwrap();
    assert_eq!(bars[0].ts, vec![T0, T0 + MINUTE_MS]);
    let report = inspect_file(&dir.path().join("bars.csv")).unwrap();
    assert_eq!(report.duplicates, 1);
    assert_eq!(report.duplicate_examples[0].at, "line 4");
}

#[test]
fn json_records_and_parquet_rows_are_numbered_in_messages() {
    let dir = tempfile::tempdir().unwrap();
    let rec = |c: f64| json!({"ts": "2024-01-01T00:00:00Z", "open": 1.0, "high": 2.0, "low": 0.5, "close": c});
    let p = write(dir.path(), "a.json", &json!([rec(1.5), rec(1.5), {"ts": "2024-01-01T00:01:00Z", "open": 1.0, "high": 2.0, "low": 0.5, "close": 3.0}]).to_string());
    assert!(
        err_of(&p).contains("record 3, column `high`: high 2 is below max(open, close) 3"),
        "{}",
        err_of(&p)
    );
    let p = write(
        dir.path(),
        "a.jsonl",
        &format!(
            "{}\n{}\n",
            rec(1.5),
            json!({"ts": "soon", "open": 1, "high": 2, "low": 0.5, "close": 1.5})
        ),
    );
    assert!(
        err_of(&p).contains("line 2, column `ts`: unparsable timestamp \"soon\""),
        "{}",
        err_of(&p)
    );
    let mut b = series("X", 3, T0);
    b.low[2] = 500.0;
    let p = dir.path().join("a.parquet");
    write::write_file(&[b], &p).unwrap();
    assert!(err_of(&p).contains("row 3, column `low`"), "{}", err_of(&p));
}

#[test]
fn missing_columns_unknown_formats_and_missing_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.csv", "when,open,high,low,close\n1,1,1,1,1\n");
    let e = err_of(&p);
    assert!(
        e.contains("missing column ts") && e.contains("found: when, open"),
        "{e}"
    );
    let p = write(dir.path(), "a.csv", "ts,open,high,low\n1,1,1,1\n");
    assert!(err_of(&p).contains("missing column close"), "{}", err_of(&p));
    assert!(err_of(&write(dir.path(), "a.xlsx", "")).contains("unsupported file type \"xlsx\""));
    assert!(err_of(&dir.path().join("nope.csv")).contains("nope.csv"));
    let p = write(dir.path(), "empty.csv", &format!("{HEAD}\n"));
    assert!(err_of(&p).contains("holds no bars"), "{}", err_of(&p));
}

fn spec(v: serde_json::Value) -> DataSpec {
    from_value(v).unwrap()
}

fn two_days(dir: &Path) -> PathBuf {
    let bars: Vec<Bars> = ["AAA", "BBB"].iter().map(|s| series(s, 2 * 24 * 60, T0)).collect();
    let p = dir.join("two_days.parquet");
    write::write_file(&bars, &p).unwrap();
    p
}

#[test]
fn filters_select_symbols_and_an_inclusive_range() {
    let dir = tempfile::tempdir().unwrap();
    let p = two_days(dir.path()).display().to_string();
    let opts = LoadOptions::default();
    let bars = load(
        &spec(json!({"path": p, "symbols": ["BBB"], "start": "2024-01-01", "end": "2024-01-01"})),
        &opts,
    )
    .unwrap();
    assert_eq!(bars.len(), 1);
    assert_eq!((bars[0].symbol.as_str(), bars[0].len()), ("BBB", 24 * 60)); // the whole end day
    assert_eq!(*bars[0].ts.last().unwrap(), T0 + DAY_MS - MINUTE_MS);
    let s = spec(json!({"dataset_path": p, "start": "2024-01-01T12:00:00Z", "end": "2024-01-01 12:10:00"}));
    let bars = load(&s, &opts).unwrap();
    assert_eq!(bars.iter().map(Bars::len).collect::<Vec<_>>(), vec![11, 11]);
    assert_eq!(bars[0].ts[0], T0 + 12 * 60 * MINUTE_MS);
}

#[test]
fn an_emptied_result_says_which_filter_emptied_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = two_days(dir.path()).display().to_string();
    let opts = LoadOptions::default();
    let e = load(
        &spec(json!({"path": p, "symbols": ["XXX"], "start": "2024-01-01", "end": "2024-01-02"})),
        &opts,
    );
    let e = e.unwrap_err().to_string();
    assert!(
        e.contains("symbols filter") && e.contains("XXX not in the source (it has AAA, BBB)"),
        "{e}"
    );
    let e = load(
        &spec(json!({"path": p, "symbols": ["AAA"], "start": "2030-01-01", "end": "2030-01-02"})),
        &opts,
    );
    let e = e.unwrap_err().to_string();
    assert!(
        e.contains("time range filter") && e.contains("the data spans 2024-01-01T00:00:00Z to 2024-01-02T23:59:00Z"),
        "{e}"
    );
}

#[test]
fn bad_bounds_and_missing_sources_are_spec_errors() {
    let opts = LoadOptions::default();
    let e = from_value::<DataSpec>(json!({"path": "x.csv", "start": "soon", "end": "2024-01-01"})).unwrap_err();
    assert!(e.to_string().contains("start: unparsable timestamp \"soon\""), "{e}");
    let e = load(
        &spec(json!({"path": "x.csv", "start": "2024-02-01", "end": "2024-01-01"})),
        &opts,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("data.end: 2024-01-01T23:59:59.999Z is before data.start"),
        "{e}"
    );
    let e = load(&spec(json!({"start": "2024-01-01", "end": "2024-01-02"})), &opts).unwrap_err();
    assert!(e.to_string().contains("either dataset_path/path or mysql"), "{e}");
}

#[test]
fn paths_resolve_under_the_data_root_and_cannot_escape_it() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("sub")).unwrap();
    let p = csv(&root.path().join("sub"), &["2024-01-01T00:00:00Z,X,1,2,0.5,1.5,3"]);
    let opts = LoadOptions {
        data_root: Some(root.path().to_path_buf()),
        ..LoadOptions::default()
    };
    assert_eq!(load(&spec(json!({"path": "sub/bars.csv"})), &opts).unwrap()[0].len(), 1);
    assert_eq!(
        load(&spec(json!({"path": p.display().to_string()})), &opts).unwrap()[0].len(),
        1
    );
    let outside = tempfile::tempdir().unwrap();
    let q = csv(outside.path(), &["2024-01-01T00:00:00Z,X,1,2,0.5,1.5,3"]);
    for bad in [
        "../x.csv".to_string(),
        "sub/../../x.csv".to_string(),
        q.display().to_string(),
        // Absolute under the root textually, outside it through `..`: refused without probing the file.
        format!("{}/../missing-outside.csv", root.path().display()),
    ] {
        let e = load(&spec(json!({"path": bad})), &opts).unwrap_err();
        assert!(matches!(e, DataError::OutsideDataRoot { .. }), "{bad}: {e}");
    }
}

#[test]
fn inspect_lists_gaps_and_bad_rows_without_failing() {
    let dir = tempfile::tempdir().unwrap();
    let p = csv(
        dir.path(),
        &[
            "2024-01-01T00:00:00Z,X,1,2,0.5,1.5,3",
            "2024-01-01T00:01:00Z,X,1,2,0.5,1.5,3",
            "2024-01-01T00:02:00Z,X,1,2,0.5,1.5,3",
            "2024-01-01T00:06:00Z,X,1,2,0.5,1.5,3",
            "garbage,X,1,2,0.5,1.5,3",
            "2024-01-01T00:07:00Z,X,1,0.1,0.5,1.5,3",
        ],
    );
    let r = inspect_file(&p).unwrap();
    assert_eq!((r.rows, r.bars, r.bad_rows), (6, 4, 2));
    let s = &r.symbols[0];
    assert_eq!(
        (s.interval_ms, s.gaps, s.largest_gaps[0].missing_bars),
        (Some(MINUTE_MS), 1, 3)
    );
    assert_eq!(s.largest_gaps[0].from, "2024-01-01T00:02:00Z");
    assert_eq!(r.bad_row_examples[0].at, "line 6");
    assert_eq!(r.bad_row_examples[1].at, "line 7");
    let text = r.to_string();
    assert!(
        text.contains("line 6, column `timestamp`: unparsable timestamp \"garbage\""),
        "{text}"
    );
}

#[test]
fn a_load_that_skips_sessions_reads_the_same_bars_without_them_from_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let written = vec![series("AAA", 7, T0), series("BBB", 5, T0 + 3 * MINUTE_MS)];
    let without: Vec<Bars> = written
        .iter()
        .cloned()
        .map(|mut b| {
            b.session = None;
            b
        })
        .collect();
    for ext in ["csv", "parquet", "json", "jsonl"] {
        let path = dir.path().join(format!("bars.{ext}"));
        write::write_file(&written, &path).unwrap();
        let spec: DataSpec = from_value(json!({"dataset_path": path})).unwrap();
        for (sessions, expected) in [(SessionColumn::Read, &written), (SessionColumn::Skip, &without)] {
            let opts = LoadOptions {
                sessions,
                ..LoadOptions::default()
            };
            assert_eq!(&load(&spec, &opts).unwrap(), expected, "{ext} {sessions:?}");
        }
    }
}

#[test]
fn a_parquet_file_missing_a_price_names_every_column_it_has() {
    use polars::prelude::{CsvReadOptions, ParquetWriter, SerReader};
    let dir = tempfile::tempdir().unwrap();
    let csv = csv(dir.path(), &["2024-01-01T00:00:00Z,ES,1,2,0.5,1.5,10"]);
    let text = std::fs::read_to_string(&csv).unwrap().replace(",low,", ",lo,");
    let renamed = write(dir.path(), "renamed.csv", &text);
    let parquet = dir.path().join("renamed.parquet");
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(renamed))
        .unwrap()
        .finish()
        .unwrap();
    ParquetWriter::new(std::fs::File::create(&parquet).unwrap())
        .finish(&mut frame.clone())
        .unwrap();
    let err = err_of(&parquet);
    assert!(err.contains("low") && err.contains("lo, close, volume"), "{err}");
}

#[test]
fn a_byte_that_is_not_utf8_is_a_bad_cell_where_it_is_read_and_ignored_where_it_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let good = b"2024-01-01T00:00:00Z,X,1,2,0.5,1.5,3,a";
    let head = b"timestamp,symbol,open,high,low,close,volume,note";
    // Each row breaks one column with the byte 0x80; the note column is never read.
    let cases: [(&[u8], &str); 4] = [
        (
            b"2024-01-01T00:01:00Z\x80,X,1,2,0.5,1.5,3,a",
            "line 3, column `timestamp`",
        ),
        (
            b"2024-01-01T00:01:00Z,X\x80,1,2,0.5,1.5,3,a",
            "line 3, column `symbol`: not UTF-8 text",
        ),
        (b"2024-01-01T00:01:00Z,X,1,2,0.5,1.5\x80,3,a", "line 3, column `close`"),
        (b"2024-01-01T00:01:00Z,X,1,2,0.5,1.5,3,a\x80", ""),
    ];
    for (row, expected) in cases {
        let path = dir.path().join("bars.csv");
        let bytes = [&head[..], b"\n", good, b"\n", row, b"\n"].concat();
        std::fs::write(&path, bytes).unwrap();
        match load_file(&path) {
            Ok(series) => assert!(expected.is_empty() && series[0].len() == 2, "{expected}: {series:?}"),
            Err(e) => assert!(
                !expected.is_empty() && e.to_string().contains(expected),
                "{expected}: {e}"
            ),
        }
    }
}
