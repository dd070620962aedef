//! `seasonality_years`: the per-year stability cells of a run's stored profiles, written with the run's completion
//! and read by the dashboard's stability view.

use super::bulk::BulkInsert;
use super::{Store, StoreError};
use model::seasonality::{Bin, YearRow};

/// A stored year cell: the bin as text, the year and count as the database's integers.
#[derive(sqlx::FromRow)]
struct StoredYear {
    symbol: String,
    dim: String,
    bin: String,
    year: i64,
    n: i64,
    score: f64,
    lift: f64,
}

impl From<StoredYear> for YearRow {
    fn from(y: StoredYear) -> Self {
        YearRow {
            symbol: y.symbol,
            dim: y.dim,
            bin: Bin::from_text(&y.bin),
            year: y.year as i32,
            n: y.n.max(0) as u64,
            score: y.score,
            lift: y.lift,
        }
    }
}

/// Replaces the year cells of `run_id` with `years` inside the caller's transaction.
pub(crate) async fn replace_years_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    run_id: &str,
    years: &[YearRow],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM seasonality_years WHERE run_id = ?")
        .bind(run_id)
        .execute(&mut **tx)
        .await?;
    let insert = BulkInsert::new(
        "seasonality_years",
        &["run_id", "symbol", "dim", "bin", "year", "n", "score", "lift"],
    );
    insert
        .run(tx, years, |mut b, y| {
            b.push_bind(run_id)
                .push_bind(&y.symbol)
                .push_bind(&y.dim)
                .push_bind(y.bin.to_string())
                .push_bind(y.year)
                .push_bind(y.n as i64)
                .push_bind(y.score)
                .push_bind(y.lift);
        })
        .await
}

/// The year cells of `run_id` for `symbol` and `dim`, ordered by bin text then year (callers sort bins).
pub async fn list_years(store: &Store, run_id: &str, symbol: &str, dim: &str) -> Result<Vec<YearRow>, StoreError> {
    let rows: Vec<StoredYear> = sqlx::query_as(
        "SELECT symbol, dim, bin, year, n, score, lift FROM seasonality_years \
         WHERE run_id = ? AND symbol = ? AND dim = ? ORDER BY bin, year",
    )
    .bind(run_id)
    .bind(symbol)
    .bind(dim)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.into_iter().map(YearRow::from).collect())
}
