//! Multi-row `INSERT`s: a table's rows bound into as few statements as the bind-parameter limit allows, each ending
//! in the table's conflict clause.

use super::{Backend, Store, StoreError};
use sqlx::query_builder::Separated;
use sqlx::{Any, AnyConnection, QueryBuilder};

/// The most values one statement binds: SQLite's limit (MySQL allows 65535).
const MAX_BINDS: usize = 32_766;

/// An `INSERT` of rows of `width` values into one table, and what happens to a row whose key exists.
#[derive(Debug)]
pub(crate) struct BulkInsert {
    /// `INSERT … INTO table (columns) `.
    head: String,
    width: usize,
    /// The conflict clause after the values (empty: none).
    tail: String,
}

impl BulkInsert {
    /// Plain inserts of `cols` into `table`.
    pub fn new(table: &str, cols: &[&str]) -> Self {
        Self::with("INSERT", table, cols, String::new())
    }

    fn with<S: AsRef<str>>(verb: &str, table: &str, cols: &[S], tail: String) -> Self {
        let names: Vec<&str> = cols.iter().map(AsRef::as_ref).collect();
        BulkInsert {
            head: format!("{verb} INTO {table} ({}) ", names.join(", ")),
            width: cols.len(),
            tail,
        }
    }

    /// The statement for a single row, bound with `sqlx::query`.
    pub fn one_row_sql(&self) -> String {
        format!(
            "{}VALUES ({}){}",
            self.head,
            vec!["?"; self.width].join(", "),
            self.tail
        )
    }

    /// Writes `rows` through `conn`; `bind` pushes one row's values in column order.
    pub async fn run<'r, T>(
        &self,
        conn: &mut AnyConnection,
        rows: &'r [T],
        mut bind: impl FnMut(Separated<'_, 'r, Any, &'static str>, &'r T),
    ) -> Result<(), StoreError> {
        for chunk in rows.chunks(MAX_BINDS / self.width) {
            let mut query = QueryBuilder::<Any>::new(&self.head);
            query.push_values(chunk, &mut bind);
            query.push(&self.tail);
            query.build().execute(&mut *conn).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Inserts of `cols` into `table` where a row whose `key` exists updates its `update` columns instead.
    pub(crate) fn upsert(&self, table: &str, cols: &[&str], key: &[&str], update: &[&str]) -> BulkInsert {
        let quote = |cols: &[&str]| -> Vec<String> { cols.iter().map(|c| self.quote(c)).collect() };
        let sets = |set: fn(&String) -> String| quote(update).iter().map(set).collect::<Vec<_>>().join(", ");
        let tail = match self.backend {
            Backend::Sqlite => format!(
                " ON CONFLICT ({}) DO UPDATE SET {}",
                quote(key).join(", "),
                sets(|c| format!("{c} = excluded.{c}"))
            ),
            Backend::MySql => format!(" ON DUPLICATE KEY UPDATE {}", sets(|c| format!("{c} = VALUES({c})"))),
        };
        BulkInsert::with("INSERT", table, &quote(cols), tail)
    }

    /// Inserts of `cols` into `table` that leave a row whose key exists as it is.
    pub(crate) fn insert_ignore(&self, table: &str, cols: &[&str]) -> BulkInsert {
        let verb = match self.backend {
            Backend::Sqlite => "INSERT OR IGNORE",
            Backend::MySql => "INSERT IGNORE",
        };
        BulkInsert::with(verb, table, cols, String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    async fn writes_more_rows_than_one_statement_binds(store: Store) {
        let numbers: Vec<i64> = (0..40_000).collect();
        let mut conn = store.pool().acquire().await.unwrap();
        let insert = store.upsert(
            "run_metrics",
            &["run_id", "fold", "metric_name", "metric_value", "fold_key"],
            &["run_id", "fold_key", "metric_name"],
            &["metric_value"],
        );
        for value in [1.0, 2.0] {
            insert
                .run(&mut conn, &numbers, |mut row, n| {
                    row.push_bind("r")
                        .push_bind(n)
                        .push_bind("m")
                        .push_bind(value)
                        .push_bind(n);
                })
                .await
                .unwrap();
        }
        let stored: (i64, f64) = sqlx::query_as("SELECT COUNT(*), MIN(metric_value) FROM run_metrics")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(stored, (40_000, 2.0), "every row written once, then updated");
    }

    #[tokio::test]
    async fn sqlite_chunks_under_the_bind_limit() {
        let (store, _dir) = testing::sqlite().await;
        writes_more_rows_than_one_statement_binds(store).await;
    }

    #[tokio::test]
    async fn mysql_chunks_under_the_bind_limit() {
        if let Some(store) = testing::mysql().await {
            writes_more_rows_than_one_statement_binds(store).await;
        }
    }
}
