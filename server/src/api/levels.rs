//! The original's levels endpoints (`/levels*`, reference §4.5) as it answered them without a levels database:
//! query parameters are validated as FastAPI did, then every call answers 500 `MySQL URL not configured for
//! levels module`. This engine has no levels module yet, so that is the answer whatever is configured.

use super::error::ApiError;
use super::params::Params;
use axum::http::StatusCode;

/// The original's `detail` when neither `QE_LEVELS_MYSQL_URL` nor `QE_MARKETDATA_MYSQL_URL` was set.
pub const NOT_CONFIGURED: &str = "MySQL URL not configured for levels module";

fn not_configured() -> ApiError {
    ApiError::Detail(StatusCode::INTERNAL_SERVER_ERROR, NOT_CONFIGURED.into())
}

/// Validates the parameters every levels read has (`symbol` required, `limit` an integer, within `[1, max]` when
/// the reference gives the bound), then refuses.
fn read(mut p: Params, max_limit: Option<i64>) -> ApiError {
    p.required("symbol");
    p.int("limit", 1, max_limit.map(|_| 1), max_limit);
    p.finish().err().unwrap_or_else(not_configured)
}

/// `GET /levels?symbol=&level_type=&from=&to=&limit=` (limit 1…1000).
#[utoipa::path(operation_id = "levels", get, path = "/levels", tag = "levels",
    params(("symbol" = String, Query), ("level_type" = Option<String>, Query), ("from" = Option<String>, Query),
           ("to" = Option<String>, Query), ("limit" = Option<i64>, Query, description = "1…1000, default 200")),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = model::ApiError),
               (status = 422, description = "Missing or invalid parameters", body = model::ValidationError)))]
pub async fn list(p: Params) -> ApiError {
    read(p, Some(1000))
}

/// `GET /levels/active?symbol=&level_type=…&from=&to=&limit=` (limit 1…10000).
#[utoipa::path(operation_id = "levels_active", get, path = "/levels/active", tag = "levels",
    params(("symbol" = String, Query), ("level_type" = Option<Vec<String>>, Query, description = "Repeatable"),
           ("from" = Option<String>, Query), ("to" = Option<String>, Query),
           ("limit" = Option<i64>, Query, description = "1…10000")),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = model::ApiError),
               (status = 422, description = "Missing or invalid parameters", body = model::ValidationError)))]
pub async fn active(p: Params) -> ApiError {
    read(p, Some(10_000))
}

/// `GET /levels/search?symbol=&type=A,B&from=&to=&limit=` (the reference gives no bounds for its limit).
#[utoipa::path(operation_id = "levels_search", get, path = "/levels/search", tag = "levels",
    params(("symbol" = String, Query), ("type" = Option<String>, Query, description = "Comma-separated level types"),
           ("from" = Option<String>, Query), ("to" = Option<String>, Query), ("limit" = Option<i64>, Query)),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = model::ApiError),
               (status = 422, description = "Missing or invalid parameters", body = model::ValidationError)))]
pub async fn search(p: Params) -> ApiError {
    read(p, None)
}

/// `GET /levels/nearest?symbol=&price=&level_type=&window=&limit=` (`price` required, limit 1…200).
#[utoipa::path(operation_id = "levels_nearest", get, path = "/levels/nearest", tag = "levels",
    params(("symbol" = String, Query), ("price" = f64, Query), ("level_type" = Option<String>, Query),
           ("window" = Option<String>, Query), ("limit" = Option<i64>, Query, description = "1…200, default 20")),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = model::ApiError),
               (status = 422, description = "Missing or invalid parameters", body = model::ValidationError)))]
pub async fn nearest(mut p: Params) -> ApiError {
    if p.text("price").is_none() {
        p.required("price");
    } else {
        p.float("price", 0.0, f64::MIN, f64::MAX);
    }
    read(p, Some(200))
}

/// `POST /levels/build`: nothing could run the body, so it is not read.
#[utoipa::path(operation_id = "levels_build", post, path = "/levels/build", tag = "levels",
    request_body(content = model::spec::levels::LevelsBuildSpec, description = "Levels build spec (reference §1.7); not read"),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = model::ApiError)))]
pub async fn build() -> ApiError {
    not_configured()
}

/// `POST /levels/fill`: as [`build`].
#[utoipa::path(operation_id = "levels_fill", post, path = "/levels/fill", tag = "levels",
    request_body(content = model::spec::levels::LevelsBuildSpec,
                 description = "Levels build spec with FILL_FVG/FILL_GAP targets; not read"),
    responses((status = 500, description = "No levels database: `MySQL URL not configured for levels module`", body = model::ApiError)))]
pub async fn fill() -> ApiError {
    not_configured()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    fn status_of(e: ApiError) -> u16 {
        e.into_response().status().as_u16()
    }

    #[tokio::test]
    async fn valid_queries_are_refused_as_not_configured_and_bad_ones_with_422() {
        assert_eq!(status_of(list(Params::parse("symbol=EURUSD")).await), 500);
        assert_eq!(
            status_of(list(Params::parse("limit=5")).await),
            422,
            "symbol is required"
        );
        assert_eq!(status_of(list(Params::parse("symbol=X&limit=1001")).await), 422);
        assert_eq!(status_of(active(Params::parse("symbol=X&limit=10000")).await), 500);
        assert_eq!(
            status_of(nearest(Params::parse("symbol=X")).await),
            422,
            "price is required"
        );
        assert_eq!(status_of(nearest(Params::parse("symbol=X&price=abc")).await), 422);
        assert_eq!(status_of(nearest(Params::parse("symbol=X&price=1.1")).await), 500);
        assert_eq!(status_of(build().await), 500);
        assert_eq!(status_of(fill().await), 500);
    }
}
