//! What every command prints: aligned tables with numbers rounded to four significant digits (percentages for
//! probabilities and rates), `--json` documents, and the exit codes of failures (0 ok, 1 failed job or HTTP or
//! connection error, 2 bad usage or invalid spec, 130 interrupted).

use serde_json::Value;

/// A failure with the exit code it maps to; the message says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad usage or an invalid spec (exit 2).
    #[error("{0}")]
    Usage(String),
    /// A job that failed or was cancelled, or an HTTP or connection error (exit 1).
    #[error("{0}")]
    Failed(String),
    /// Interrupted by Ctrl-C (exit 130).
    #[error("{0}")]
    Interrupted(String),
}

impl CliError {
    /// The process exit code of this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Failed(_) => 1,
            CliError::Interrupted(_) => 130,
        }
    }
}

/// The exit code of any command error: a [`CliError`]'s own, else 1.
pub fn exit_code_of(e: &anyhow::Error) -> u8 {
    e.downcast_ref::<CliError>().map_or(1, CliError::exit_code)
}

/// Writes `text` to stdout; a closed pipe (`qe … | head`) is not an error.
pub fn print_out(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// [`print_out`] for the print macros: any failure but a closed pipe panics, as `print!` does.
pub fn write_stdout(text: &str) {
    if let Err(e) = print_out(text) {
        panic!("failed printing to stdout: {e}");
    }
}

/// `print!` that stops quietly at a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::write_stdout(&format!($($arg)*)) };
}

/// `println!` that stops quietly at a closed pipe.
macro_rules! outln {
    () => { $crate::cli::output::write_stdout("\n") };
    ($($arg:tt)*) => { $crate::cli::output::write_stdout(&format!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {out, outln};

/// How results are printed: a table for people, or the API body as pretty JSON with `--json`.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub json: bool,
}

impl Output {
    /// Prints `body` as pretty JSON with `--json`, else the text `human` builds.
    pub fn emit(&self, body: &Value, human: impl FnOnce() -> String) {
        if self.json {
            print_json(body);
        } else {
            let text = human();
            if text.ends_with('\n') {
                out!("{text}");
            } else {
                outln!("{text}");
            }
        }
    }
}

/// Prints a JSON document, pretty, on stdout.
pub fn print_json(v: &Value) {
    outln!("{}", serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string()));
}

/// Field names whose values are probabilities or rates, shown as percentages.
const RATE_FIELDS: &[&str] = &[
    "hit_rate", "win_rate", "p_hat", "p_mean", "p_map", "ci_low", "ci_high", "hdi_low", "hdi_high", "progress",
];

/// True when `key` names a probability or a rate (shown as a percentage).
pub fn is_rate(key: &str) -> bool {
    RATE_FIELDS.contains(&key) || key.ends_with("_rate") || key.starts_with("p_hat_")
}

/// A number rounded to four significant digits: plain decimals between 0.001 and 10 000, whole numbers above,
/// scientific notation below.
pub fn round4(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if a >= 1e4 {
        if a < 1e15 {
            return format!("{}", x.round() as i64);
        }
        return format!("{x:.3e}");
    }
    if a < 1e-3 {
        return format!("{x:.3e}");
    }
    let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// A value's cell text when no field name applies (never a percentage).
pub fn plain_cell(v: &Value) -> String {
    cell("", v)
}

/// [`plain_cell`] of a typed value: integers as they are, floats to four significant digits, null and NaN as `-`.
pub fn typed_cell(v: impl serde::Serialize) -> String {
    plain_cell(&serde_json::to_value(v).unwrap_or_default())
}

/// One cell's text for the value of `key`: integers as they are, floats to four significant digits (as a
/// percentage for rates), null as `-`, strings as they are, nested values as compact JSON.
pub fn cell(key: &str, v: &Value) -> String {
    match v {
        Value::Null => "-".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            if is_rate(key) {
                round4_percent(n.as_f64().unwrap_or(0.0))
            } else {
                n.to_string()
            }
        }
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(f64::NAN);
            if is_rate(key) {
                round4_percent(x)
            } else {
                round4(x)
            }
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn round4_percent(x: f64) -> String {
    format!("{}%", round4(x * 100.0))
}

/// A text table: a header line, a rule, and rows; numeric columns right-aligned, text left-aligned.
#[derive(Debug, Default, Clone)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers and no rows.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Table {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// A table of already formatted cells.
    pub fn with_rows(headers: &[&str], rows: Vec<Vec<String>>) -> Table {
        Table {
            rows,
            ..Table::new(headers.iter().copied())
        }
    }

    /// Columns `columns` of JSON objects `rows`, keeping only the columns some row has.
    pub fn from_rows(rows: &[Value], columns: &[&str]) -> Table {
        let present: Vec<&str> = columns
            .iter()
            .copied()
            .filter(|c| rows.iter().any(|r| r.get(c).is_some()))
            .collect();
        let mut t = Table::new(present.iter().copied());
        for r in rows {
            t.rows.push(
                present
                    .iter()
                    .map(|c| cell(c, r.get(c).unwrap_or(&Value::Null)))
                    .collect(),
            );
        }
        t
    }

    /// A two-column `name  value` table of an object's fields, in its order.
    pub fn key_values(obj: &serde_json::Map<String, Value>) -> Table {
        let mut t = Table::new(["name", "value"]);
        for (k, v) in obj {
            t.rows.push(vec![k.clone(), cell(k, v)]);
        }
        t
    }

    /// The aligned text, one line per row, each ending in a newline.
    pub fn render(&self) -> String {
        let n = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        let mut numeric = vec![true; n];
        for row in &self.rows {
            for (i, c) in row.iter().enumerate().take(n) {
                widths[i] = widths[i].max(c.chars().count());
                if c != "-" && !looks_numeric(c) {
                    numeric[i] = false;
                }
            }
        }
        let line = |cells: &[String]| -> String {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .take(n)
                .map(|(i, c)| {
                    if numeric[i] {
                        format!("{c:>w$}", w = widths[i])
                    } else {
                        format!("{c:<w$}", w = widths[i])
                    }
                })
                .collect();
            parts.join("  ").trim_end().to_string() + "\n"
        };
        let mut out = line(&self.headers);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&(rule.join("  ") + "\n"));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out
    }
}

fn looks_numeric(s: &str) -> bool {
    let s = s.strip_suffix('%').unwrap_or(s);
    !s.is_empty() && s.parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(round4(0.09428090415819518), "0.09428");
        assert_eq!(round4(1.23456), "1.235");
        assert_eq!(round4(-12.0), "-12");
        assert_eq!(round4(1234.56), "1235");
        assert_eq!(round4(123456.7), "123457");
        assert_eq!(round4(0.00001234), "1.234e-5");
        assert_eq!(round4(0.0), "0");
    }

    #[test]
    fn probabilities_and_rates_print_as_percentages() {
        assert_eq!(cell("p_hat", &json!(0.6666666666666666)), "66.67%");
        assert_eq!(cell("hit_rate", &json!(0.5)), "50%");
        assert_eq!(cell("sharpe", &json!(0.5)), "0.5");
        assert_eq!(cell("n", &json!(12)), "12");
        assert_eq!(cell("ci_low", &Value::Null), "-");
    }

    #[test]
    fn tables_align_numbers_right_and_text_left() {
        let rows = vec![json!({"id": "a", "n": 5}), json!({"id": "long", "n": 120, "extra": 1})];
        let text = Table::from_rows(&rows, &["id", "n", "missing"]).render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "id      n");
        assert_eq!(lines[2], "a       5");
        assert_eq!(lines[3], "long  120");
    }

    #[test]
    fn errors_map_to_their_exit_codes() {
        let usage: anyhow::Error = CliError::Usage("x".into()).into();
        let failed: anyhow::Error = CliError::Failed("x".into()).into();
        assert_eq!((exit_code_of(&usage), exit_code_of(&failed)), (2, 1));
        assert_eq!(exit_code_of(&anyhow::anyhow!("other")), 1);
    }
}
