//! Cross-symbol seasonality views over stored profiles (new): the original's two-symbol compare
//! (`GET /seasonality/compare`) and the lift-correlation matrix of every symbol (`GET /seasonality/correlation`).

use super::error::ApiError;
use super::params::Params;
use super::ApiState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use engine::store::seasonality::{self, ProfileQuery};
use model::seasonality::{LiftCorrelation, ProfileRow, SymbolComparison};

/// The stored rows matching the filters (every page), as profile rows the engine's comparisons read.
async fn stored_rows(s: &ApiState, p: &Params, dim: &str, symbol: Option<String>) -> Result<Vec<ProfileRow>, ApiError> {
    let q = ProfileQuery {
        symbol,
        timeframe: p.text("timeframe"),
        dim: Some(dim.to_string()),
        measure: p.text("measure"),
        spec_id: p.text("spec_id"),
        dataset_id: p.text("dataset_id"),
        page: 1,
        page_size: 100_000,
        ..ProfileQuery::default()
    };
    let rows = seasonality::list_profiles(&s.store, &q).await?;
    Ok(rows.iter().map(ProfileRow::from).collect())
}

/// `GET /seasonality/compare?symbols=A&symbols=B&dim=hour[&timeframe&measure&spec_id&dataset_id]`: bins of both,
/// per-side lift/baseline/n/p̂, `lift_diff`, and the Pearson correlation of the lifts (reference §2.12); `missing`
/// lists a symbol without stored profiles on that dim (then there are no rows).
#[utoipa::path(operation_id = "seasonality_compare", get, path = "/seasonality/compare", tag = "seasonality",
    params(("symbols" = Vec<String>, Query, description = "Exactly two: ?symbols=A&symbols=B"), ("dim" = String, Query),
           ("timeframe" = Option<String>, Query), ("measure" = Option<String>, Query), ("spec_id" = Option<String>, Query),
           ("dataset_id" = Option<String>, Query)),
    responses((status = 200, description = "The two profiles bin by bin", body = SymbolComparison),
               (status = 404, body = model::ApiError),
               (status = 422, description = "`dim` missing (a list), or not exactly two symbols (a message)", body = model::api::Unprocessable)))]
pub async fn compare(State(s): State<ApiState>, mut p: Params) -> Result<Json<SymbolComparison>, ApiError> {
    let dim = p.required("dim");
    let symbols = p.all("symbols");
    p.finish_ref()?;
    let [a, b] = symbols.as_slice() else {
        return Err(ApiError::Detail(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "symbols: give exactly two symbols (?symbols=A&symbols=B), got {}",
                symbols.len()
            ),
        ));
    };
    let rows_a = stored_rows(&s, &p, &dim, Some(a.clone())).await?;
    let rows_b = stored_rows(&s, &p, &dim, Some(b.clone())).await?;
    let missing: Vec<String> = [(a, &rows_a), (b, &rows_b)]
        .into_iter()
        .filter(|(_, rows)| rows.is_empty())
        .map(|(s, _)| s.clone())
        .collect();
    let c = engine::seasonality::compare(&rows_a, &rows_b, &dim);
    Ok(Json(SymbolComparison {
        wide: c.wide_rows(),
        dim,
        symbol_a: a.clone(),
        symbol_b: b.clone(),
        correlation: c.correlation,
        rows: c.rows,
        missing,
    }))
}

/// `GET /seasonality/correlation?dim=hour[&symbols=…&timeframe&measure&spec_id&dataset_id]`: the lift-correlation
/// matrix across all symbols with stored profiles on that dim (or the listed ones).
#[utoipa::path(operation_id = "seasonality_correlation", get, path = "/seasonality/correlation", tag = "seasonality",
    params(("dim" = String, Query), ("symbols" = Option<Vec<String>>, Query, description = "Restrict to these symbols"),
           ("timeframe" = Option<String>, Query), ("measure" = Option<String>, Query), ("spec_id" = Option<String>, Query),
           ("dataset_id" = Option<String>, Query)),
    responses((status = 200, description = "Pearson correlations of per-bin lifts", body = LiftCorrelation),
               (status = 422, description = "`dim` missing", body = model::ValidationError)))]
pub async fn correlation(State(s): State<ApiState>, mut p: Params) -> Result<Json<LiftCorrelation>, ApiError> {
    let dim = p.required("dim");
    let wanted = p.all("symbols");
    p.finish_ref()?;
    let mut rows = stored_rows(&s, &p, &dim, None).await?;
    if !wanted.is_empty() {
        rows.retain(|r| wanted.contains(&r.symbol));
    }
    Ok(Json(engine::seasonality::lift_correlation(&rows, &dim)))
}
