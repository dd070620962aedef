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
pub async fn list(p: Params) -> ApiError {
    read(p, Some(1000))
}

/// `GET /levels/active?symbol=&level_type=…&from=&to=&limit=` (limit 1…10000).
pub async fn active(p: Params) -> ApiError {
    read(p, Some(10_000))
}

/// `GET /levels/search?symbol=&type=A,B&from=&to=&limit=` (the reference gives no bounds for its limit).
pub async fn search(p: Params) -> ApiError {
    read(p, None)
}

/// `GET /levels/nearest?symbol=&price=&level_type=&window=&limit=` (`price` required, limit 1…200).
pub async fn nearest(mut p: Params) -> ApiError {
    if p.text("price").is_none() {
        p.required("price");
    } else {
        p.float("price", 0.0, f64::MIN, f64::MAX);
    }
    read(p, Some(200))
}

/// `POST /levels/build` and `POST /levels/fill`: nothing could run the body, so it is not read.
pub async fn build_or_fill() -> ApiError {
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
        assert_eq!(status_of(build_or_fill().await), 500);
    }
}
