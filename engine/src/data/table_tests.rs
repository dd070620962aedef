//! Assembly of raw rows into validated per-symbol series.

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
    let cases: [([f64; 5], &str, &str); 10] = [
        ([0.0, 2.0, 0.0, 1.5, 1.0], "column `open`", "zero price"),
        (
            [1.0, 1e308, 0.5, 1.5, 1.0],
            "column `high`",
            "price 1e308 is above the largest accepted 1e15",
        ),
        ([1.0, 2.0, 0.5, 1.5, 1e21], "column `volume`", "volume 1e21 is above"),
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
    // Zero volume is a quiet bar, not an error.
    assert!(table(&[("A", 1, [1.0, 2.0, 0.5, 1.5, 0.0])])
        .assemble(&|_, _| true, true)
        .is_ok());
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

#[test]
fn taking_a_whole_ordered_series_moves_its_columns_and_equals_the_copy() {
    let mut t = table(&[("A", 1, OK), ("A", 2, [1.0, 2.0, 0.5, 1.2, 3.0]), ("A", 3, OK)]);
    t.session = Some(["x", "y", "z"].into_iter().collect());
    let copied = t.assemble(&|_, _| true, true).unwrap();
    let ts_ptr = t.ts.as_ptr();
    let taken = t.assemble_taking(&|_, _| true, true).unwrap();
    assert_eq!(taken.bars, copied.bars);
    assert_eq!(taken.bars[0].ts.as_ptr(), ts_ptr, "moved, not copied");
    assert_eq!(t.len(), 0);
}

#[test]
fn taking_an_unordered_or_filtered_series_copies_and_leaves_the_table_intact() {
    let filters: [&Keep; 2] = [&|_: u32, ts: i64| ts != 2, &|_: u32, _: i64| true];
    for keep in filters {
        let mut t = table(&[("A", 3, OK), ("A", 1, OK), ("A", 2, OK)]);
        let copied = t.assemble(keep, true).unwrap();
        let taken = t.assemble_taking(keep, true).unwrap();
        assert_eq!(taken.bars, copied.bars);
        assert_eq!(t.len(), 3);
    }
}

#[test]
fn taking_agrees_with_the_copy_on_duplicates_bad_rows_unreadable_rows_and_several_symbols() {
    let low_above = [1.0, 2.0, 1.2, 1.5, 10.0];
    let cases: [&[(&str, i64, [f64; 5])]; 4] = [
        &[("A", 1, OK), ("A", 1, OK), ("A", 2, OK)],
        &[("A", 1, OK), ("A", 2, low_above), ("A", 3, OK)],
        &[("A", 1, OK), ("A", i64::MIN, OK), ("A", 3, OK)],
        &[("A", 1, OK), ("B", 2, OK), ("A", 3, OK)],
    ];
    for rows in cases {
        for strict in [true, false] {
            let mut t = table(rows);
            if rows[1].1 == i64::MIN {
                t.bad.push(t.bad_row(1, "timestamp", "unreadable"));
            }
            match (
                t.assemble(&|_, _| true, strict),
                t.assemble_taking(&|_, _| true, strict),
            ) {
                (Ok(a), Ok(b)) => {
                    assert_eq!((a.bars, a.duplicates, a.bad), (b.bars, b.duplicates, b.bad), "{rows:?}");
                    assert_eq!(t.len(), rows.len(), "not taken whole: {rows:?}");
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                (a, b) => panic!("{rows:?} strict {strict}: {a:?} vs {b:?}"),
            }
        }
    }
}
