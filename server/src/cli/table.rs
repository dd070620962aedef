//! Plain-text tables for the command line: columns padded to their widest cell, numeric columns right-aligned.

use serde_json::Value;

/// Renders `rows` under `headers`, two spaces between columns. A column whose cells are all numbers (or `-`)
/// is right-aligned, header included; other columns are left-aligned.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    let mut numeric = vec![true; headers.len()];
    for row in rows {
        for (k, cell) in row.iter().enumerate().take(headers.len()) {
            widths[k] = widths[k].max(cell.chars().count());
            numeric[k] &= cell == "-" || cell.parse::<f64>().is_ok();
        }
    }
    let line = |cells: &[&str]| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let w = widths[k];
                if numeric[k] {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let mut out = line(headers);
    out.push('\n');
    for row in rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        out.push_str(&line(&cells));
        out.push('\n');
    }
    out
}

/// A JSON value as a table cell: numbers with 4 decimals (integers as they are), null as `-`, text unquoted.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::Number(n) if n.is_i64() || n.is_u64() => n.to_string(),
        Value::Number(n) => n.as_f64().map(|f| format!("{f:.4}")).unwrap_or_default(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_columns_align_right_and_text_columns_left() {
        let rows = vec![
            vec!["a".to_string(), cell(&json!(1.5)), cell(&json!(3))],
            vec!["long name".to_string(), cell(&json!(-12.25)), cell(&Value::Null)],
        ];
        let expected = "\
name         sharpe  n
a            1.5000  3
long name  -12.2500  -
";
        assert_eq!(render(&["name", "sharpe", "n"], &rows), expected);
    }
}
