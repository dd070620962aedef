//! `seasonality_years`: the per-year stability cells of a run's stored profiles, written with the run's completion
//! and read by the dashboard's stability view.

use super::{Store, StoreError};
use model::seasonality::{Bin, YearRow};
use sqlx::Row;

/// Replaces the year cells of `run_id` with `years` inside the caller's transaction.
pub(crate) async fn replace_years_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    run_id: &str,
    years: &[YearRow],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM seasonality_years WHERE run_id = ?")
        .bind(run_id.to_string())
        .execute(&mut **tx)
        .await?;
    let sql = "INSERT INTO seasonality_years (run_id, symbol, dim, bin, year, n, score, lift) \
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
    for y in years {
        sqlx::query(sql)
            .bind(run_id.to_string())
            .bind(y.symbol.clone())
            .bind(y.dim.clone())
            .bind(y.bin.to_string())
            .bind(y.year)
            .bind(y.n as i64)
            .bind(y.score)
            .bind(y.lift)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The year cells of `run_id` for `symbol` and `dim`, ordered by bin text then year (callers sort bins).
pub async fn list_years(store: &Store, run_id: &str, symbol: &str, dim: &str) -> Result<Vec<YearRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT symbol, dim, bin, year, n, score, lift FROM seasonality_years \
         WHERE run_id = ? AND symbol = ? AND dim = ? ORDER BY bin, year",
    )
    .bind(run_id.to_string())
    .bind(symbol.to_string())
    .bind(dim.to_string())
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|r| {
            let bin: String = r.try_get("bin")?;
            Ok(YearRow {
                symbol: r.try_get("symbol")?,
                dim: r.try_get("dim")?,
                bin: Bin::from_text(&bin),
                year: r.try_get::<i64, _>("year")? as i32,
                n: r.try_get::<i64, _>("n")?.max(0) as u64,
                score: r.try_get("score")?,
                lift: r.try_get("lift")?,
            })
        })
        .collect()
}
