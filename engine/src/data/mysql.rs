//! The MySQL/MariaDB marketdata feed (`data.mysql`): validated, backtick-quoted identifiers, bound values,
//! optional symbol lookup table, timeframe column, and half-open time chunks; rows are streamed into columns.

use super::error::{DataError, RowNumbering};
use super::sources::SourcePolicy;
use super::table::Table;
use super::timestamps::parse_timestamp;
use futures_util::TryStreamExt;
use model::spec::{DataSpec, MySqlSpec};
use sqlx::mysql::MySqlConnection;
use sqlx::{Connection, Row};
use std::collections::HashMap;

/// Quotes `value` as one identifier after checking it matches `[A-Za-z_][A-Za-z0-9_]*`; `field` names the spec key.
pub fn quote_ident(field: &str, value: &str) -> Result<String, DataError> {
    let mut chars = value.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(format!("`{value}`"))
    } else {
        Err(DataError::BadIdentifier {
            field: field.to_string(),
            value: value.to_string(),
        })
    }
}

/// The quoted table name: `schema.table` given verbatim is split in two identifiers; else the schema (if any) prefixes it.
pub fn qualified_table(field: &str, table: &str, schema: Option<&str>) -> Result<String, DataError> {
    match table.split_once('.') {
        Some((s, t)) => Ok(format!("{}.{}", quote_ident(field, s)?, quote_ident(field, t)?)),
        None => match schema {
            Some(s) => Ok(format!("{}.{}", quote_ident("schema", s)?, quote_ident(field, table)?)),
            None => quote_ident(field, table),
        },
    }
}

/// The connection URL the policy gives for `m`; SQLAlchemy's `mysql+pymysql://` scheme and `charset` parameter
/// are translated for sqlx.
pub fn resolve_url(m: &MySqlSpec, policy: &SourcePolicy) -> Result<String, DataError> {
    Ok(normalize_url(policy.url_for(m)?.trim()))
}

/// `mysql+pymysql://u:p@h:3306/db?charset=utf8mb4` → `mysql://u:p@h:3306/db`.
pub fn normalize_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("mysql", url));
    let scheme = match scheme.split('+').next().unwrap_or(scheme) {
        "mariadb" => "mysql",
        s => s,
    };
    let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("charset="))
        .collect();
    if kept.is_empty() {
        format!("{scheme}://{base}")
    } else {
        format!("{scheme}://{base}?{}", kept.join("&"))
    }
}

/// One query window `[from, to)` (or `[from, to]` for the last one); `None` = unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub to_inclusive: bool,
}

/// Splits `[start, end]` into half-open windows of `chunk_ms` and an inclusive last one: no gap, no overlap.
pub fn windows(start: Option<i64>, end: Option<i64>, chunk_ms: i64) -> Vec<Window> {
    let (Some(mut cur), Some(end), true) = (start, end, chunk_ms > 0) else {
        return vec![Window {
            from: start,
            to: end,
            to_inclusive: true,
        }];
    };
    let mut out = Vec::new();
    while cur <= end {
        let next = cur.saturating_add(chunk_ms);
        if next > end {
            out.push(Window {
                from: Some(cur),
                to: Some(end),
                to_inclusive: true,
            });
            break;
        }
        out.push(Window {
            from: Some(cur),
            to: Some(next),
            to_inclusive: false,
        });
        cur = next;
    }
    out
}

/// The validated, quoted pieces of a query.
#[derive(Debug)]
pub struct Plan {
    pub select: String,
    pub lookup: Option<String>,
    pub ts: String,
}

/// Builds the main query's `SELECT … WHERE` head (symbols and timeframe bound) and the lookup query.
pub fn plan(
    m: &MySqlSpec,
    schema_default: Option<&str>,
    n_symbols: usize,
    timeframe: bool,
    extra_where_allowed: bool,
) -> Result<Plan, DataError> {
    let schema = m.schema_or(schema_default);
    let table = qualified_table("table", &m.table, schema)?;
    let ts = quote_ident("ts_col", &m.ts_col)?;
    let sym = quote_ident("symbol_col", &m.symbol_col)?;
    let num = |field: &str, v: &str| Ok::<_, DataError>(format!("({} + 0E0)", quote_ident(field, v)?));
    let cols = [
        format!("CAST({ts} AS CHAR)"),
        format!("CAST({sym} AS CHAR)"),
        num("open_col", &m.open_col)?,
        num("high_col", &m.high_col)?,
        num("low_col", &m.low_col)?,
        num("close_col", &m.close_col)?,
        num("volume_col", &m.volume_col)?,
    ];
    let marks = vec!["?"; n_symbols].join(", ");
    let mut select = format!("SELECT {} FROM {table} WHERE {sym} IN ({marks})", cols.join(", "));
    if let (Some(tf), true) = (&m.timeframe_col, timeframe) {
        select += &format!(" AND {} = ?", quote_ident("timeframe_col", tf)?);
    }
    if let Some(extra) = m.extra_where.as_deref().filter(|w| !w.trim().is_empty()) {
        if !extra_where_allowed {
            return Err(DataError::ExtraWhereRefused);
        }
        select += &format!(" AND ({extra})");
    }
    let lookup = match &m.symbol_lookup_table {
        Some(t) => {
            let lt = qualified_table("symbol_lookup_table", t, schema)?;
            let name = quote_ident("symbol_lookup_symbol_col", &m.symbol_lookup_symbol_col)?;
            let id = quote_ident("symbol_lookup_id_col", &m.symbol_lookup_id_col)?;
            Some(format!(
                "SELECT CAST({name} AS CHAR), CAST({id} AS CHAR) FROM {lt} WHERE {name} IN ({marks})"
            ))
        }
        None => None,
    };
    Ok(Plan { select, lookup, ts })
}

fn bound_text(ms: i64) -> String {
    crate::time::to_datetime(ms).format("%Y-%m-%d %H:%M:%S%.3f").to_string()
}

/// Runs the feed for `spec` within `[start, end]` (epoch ms, inclusive) and returns the raw rows.
pub(crate) async fn read(
    spec: &DataSpec,
    m: &MySqlSpec,
    (start, end): (Option<i64>, Option<i64>),
    schema_default: Option<&str>,
    extra_where_allowed: bool,
    policy: &SourcePolicy,
) -> Result<Table, DataError> {
    if spec.symbols.is_empty() {
        return Err(DataError::spec(
            "data.symbols",
            "a MySQL source needs at least one symbol",
        ));
    }
    let timeframe = spec.timeframe.as_deref().filter(|t| !t.trim().is_empty());
    if m.timeframe_col.is_some() && timeframe.is_none() {
        return Err(DataError::spec(
            "data.timeframe",
            "required when data.mysql.timeframe_col is set (or set it to null)",
        ));
    }
    if m.chunk_minutes > 0 && (start.is_none() || end.is_none()) {
        return Err(DataError::spec(
            "data.mysql.chunk_minutes",
            "chunking needs both data.start and data.end",
        ));
    }
    let plan = plan(
        m,
        schema_default,
        spec.symbols.len(),
        timeframe.is_some(),
        extra_where_allowed,
    )?;
    let url = resolve_url(m, policy)?;
    let mut conn = MySqlConnection::connect(&url).await?;
    sqlx::query("SET time_zone = '+00:00'").execute(&mut conn).await?;
    let (keys, names) = lookup(&mut conn, &plan, &spec.symbols).await?;
    let source = format!(
        "mysql {}",
        qualified_table("table", &m.table, m.schema_or(schema_default))?.replace('`', "")
    );
    let mut t = Table {
        source,
        numbering: Some(RowNumbering::Row),
        ..Table::default()
    };
    for w in windows(start, end, m.chunk_minutes.saturating_mul(60_000)) {
        let mut sql = plan.select.clone();
        if w.from.is_some() {
            sql += &format!(" AND {} >= ?", plan.ts);
        }
        if w.to.is_some() {
            sql += &format!(" AND {} {} ?", plan.ts, if w.to_inclusive { "<=" } else { "<" });
        }
        sql += &format!(" ORDER BY {} ASC", plan.ts);
        let mut q = sqlx::query(&sql);
        for k in &keys {
            q = q.bind(k.clone());
        }
        if let Some(tf) = timeframe.filter(|_| m.timeframe_col.is_some()) {
            q = q.bind(tf.to_string());
        }
        for b in [w.from, w.to].into_iter().flatten() {
            q = q.bind(bound_text(b));
        }
        let mut rows = q.fetch(&mut conn);
        while let Some(row) = rows.try_next().await? {
            push_row(&mut t, &row, &names)?;
        }
    }
    Ok(t)
}

/// Maps requested symbols to the keys stored in the table (through the lookup table when configured) and keys back.
async fn lookup(
    conn: &mut MySqlConnection,
    plan: &Plan,
    symbols: &[String],
) -> Result<(Vec<String>, HashMap<String, String>), DataError> {
    let Some(sql) = &plan.lookup else {
        return Ok((
            symbols.to_vec(),
            symbols.iter().map(|s| (s.clone(), s.clone())).collect(),
        ));
    };
    let mut q = sqlx::query(sql);
    for s in symbols {
        q = q.bind(s.clone());
    }
    let mut names = HashMap::new();
    let mut keys = Vec::new();
    for row in q.fetch_all(&mut *conn).await? {
        let (name, id): (Option<String>, Option<String>) = (row.try_get(0)?, row.try_get(1)?);
        if let (Some(name), Some(id)) = (name, id) {
            keys.push(id.clone());
            names.insert(id, name);
        }
    }
    let missing: Vec<&String> = symbols.iter().filter(|s| !names.values().any(|n| n == *s)).collect();
    if !missing.is_empty() {
        return Err(DataError::MySql(format!(
            "symbols not found in the lookup table: {missing:?}"
        )));
    }
    Ok((keys, names))
}

fn push_row(t: &mut Table, row: &sqlx::mysql::MySqlRow, names: &HashMap<String, String>) -> Result<(), DataError> {
    let i = t.ts.len();
    let ts: Option<String> = row.try_get(0)?;
    match ts.as_deref().map(parse_timestamp) {
        Some(Ok(ms)) => t.ts.push(ms),
        Some(Err(why)) => {
            t.bad.push(t.bad_row(i, "ts", why));
            t.ts.push(i64::MIN);
        }
        None => {
            t.bad.push(t.bad_row(i, "ts", "missing timestamp"));
            t.ts.push(i64::MIN);
        }
    }
    let key: Option<String> = row.try_get(1)?;
    let key = key.unwrap_or_default();
    let name = names.get(&key).cloned().unwrap_or(key);
    let s = t.intern(&name);
    t.sym.push(s);
    let f = |k: usize| row.try_get::<Option<f64>, _>(k).map(|v| v.unwrap_or(f64::NAN));
    t.open.push(f(2)?);
    t.high.push(f(3)?);
    t.low.push(f(4)?);
    t.close.push(f(5)?);
    t.volume.push(f(6)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::spec::from_value;
    use serde_json::json;

    #[test]
    fn identifiers_are_validated_and_quoted() {
        assert_eq!(quote_ident("table", "candle_1").unwrap(), "`candle_1`");
        assert_eq!(
            qualified_table("table", "restdb.candle", None).unwrap(),
            "`restdb`.`candle`"
        );
        assert_eq!(
            qualified_table("table", "candle", Some("marketdata")).unwrap(),
            "`marketdata`.`candle`"
        );
        for bad in ["1abc", "can`dle", "candle; DROP TABLE x", "a b", "", "a.b.c"] {
            let e = qualified_table("table", bad, None).unwrap_err().to_string();
            assert!(
                e.contains("data.mysql.table") && e.contains("not a valid SQL identifier"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn a_column_name_injection_is_refused_before_any_query() {
        let m: MySqlSpec = from_value(json!({"close_col": "close) FROM x; --"})).unwrap();
        let e = plan(&m, None, 1, true, false).unwrap_err().to_string();
        assert!(e.contains("data.mysql.close_col"), "{e}");
    }

    #[test]
    fn extra_where_is_refused_unless_allowed() {
        let m: MySqlSpec = from_value(json!({"extra_where": "volume > 0"})).unwrap();
        assert!(matches!(
            plan(&m, None, 1, true, false),
            Err(DataError::ExtraWhereRefused)
        ));
        assert!(plan(&m, None, 1, true, true)
            .unwrap()
            .select
            .ends_with("AND (volume > 0)"));
    }

    #[test]
    fn the_query_binds_every_value_and_quotes_every_identifier() {
        let m: MySqlSpec = from_value(json!({"table": "candle", "ts_col": "date", "symbol_col": "symbol_id",
            "symbol_lookup_table": "symbol"}))
        .unwrap();
        let p = plan(&m, Some("restdb"), 2, true, false).unwrap();
        assert_eq!(
            p.select,
            "SELECT CAST(`date` AS CHAR), CAST(`symbol_id` AS CHAR), (`open` + 0E0), (`high` + 0E0), (`low` + 0E0), \
             (`close` + 0E0), (`volume` + 0E0) FROM `restdb`.`candle` WHERE `symbol_id` IN (?, ?) AND `timeframe` = ?"
        );
        assert_eq!(
            p.lookup.unwrap(),
            "SELECT CAST(`symbol` AS CHAR), CAST(`id` AS CHAR) FROM `restdb`.`symbol` WHERE `symbol` IN (?, ?)"
        );
    }

    #[test]
    fn sqlalchemy_urls_are_translated() {
        assert_eq!(
            normalize_url("mysql+pymysql://u:p@h:3306/db?charset=utf8mb4"),
            "mysql://u:p@h:3306/db"
        );
        assert_eq!(
            normalize_url("mysql+pymysql://u@h/db?charset=utf8mb4&ssl-mode=disabled"),
            "mysql://u@h/db?ssl-mode=disabled"
        );
        assert_eq!(normalize_url("mysql://u@h/db"), "mysql://u@h/db");
    }

    #[test]
    fn a_missing_url_names_the_env_var() {
        let m: MySqlSpec = from_value(json!({"env_var": "QE_TEST_SURELY_UNSET_VAR"})).unwrap();
        assert!(resolve_url(&m, &SourcePolicy::Operator)
            .unwrap_err()
            .to_string()
            .contains("QE_TEST_SURELY_UNSET_VAR"));
    }

    #[test]
    fn chunks_are_half_open_and_cover_the_range_exactly() {
        let w = windows(Some(0), Some(250), 100);
        let expect = [(0, 100, false), (100, 200, false), (200, 250, true)];
        assert_eq!(w.len(), 3);
        for (w, (f, t, inc)) in w.iter().zip(expect) {
            assert_eq!((w.from, w.to, w.to_inclusive), (Some(f), Some(t), inc));
        }
        // An end exactly on a chunk boundary still gets its inclusive last instant.
        let w = windows(Some(0), Some(200), 100);
        assert_eq!(
            w.last().unwrap(),
            &Window {
                from: Some(200),
                to: Some(200),
                to_inclusive: true
            }
        );
        assert_eq!(
            windows(Some(0), Some(200), 0),
            vec![Window {
                from: Some(0),
                to: Some(200),
                to_inclusive: true
            }]
        );
    }
}
