//! Query parameters read the way the original (FastAPI) read them: repeated keys, lenient booleans, bounded
//! integers, and every problem collected into one 422 validation list.

use super::error::ApiError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use model::{LocPart, ValidationItem};
use serde_json::{json, Value};

/// Largest `page` of a paged list (the original had no upper bound): a million pages of 500 rows.
pub const MAX_PAGE: i64 = 1_000_000;

/// The raw query of a request plus the validation errors found while reading it.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
    errors: Vec<ValidationItem>,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Ok(Params::parse(parts.uri.query().unwrap_or("")))
    }
}

impl Params {
    /// Parses a URL query string.
    pub fn parse(query: &str) -> Params {
        let pairs = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Params {
            pairs,
            errors: Vec::new(),
        }
    }

    fn last(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// An optional text parameter (the last occurrence wins, as FastAPI).
    pub fn text(&self, name: &str) -> Option<String> {
        self.last(name).map(str::to_string)
    }

    /// Every value of a repeatable parameter.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// A required text parameter; records "Field required" when missing.
    pub fn required(&mut self, name: &str) -> String {
        match self.last(name) {
            Some(v) => v.to_string(),
            None => {
                self.errors
                    .push(ValidationItem::new("missing", loc(name), "Field required", Value::Null));
                String::new()
            }
        }
    }

    /// An integer within `[min, max]` (either bound optional), `default` when absent.
    pub fn int(&mut self, name: &str, default: i64, min: Option<i64>, max: Option<i64>) -> i64 {
        let Some(raw) = self.last(name).map(str::to_string) else {
            return default;
        };
        let Ok(v) = raw.trim().parse::<i64>() else {
            let msg = "Input should be a valid integer, unable to parse string as an integer";
            self.errors
                .push(ValidationItem::new("int_parsing", loc(name), msg, json!(raw)));
            return default;
        };
        self.bounded(name, v, raw, min, max).unwrap_or(default)
    }

    /// An optional integer with a lower bound.
    pub fn opt_int(&mut self, name: &str, min: Option<i64>) -> Option<i64> {
        self.last(name)?;
        Some(self.int(name, 0, min, None))
    }

    /// A number within `[min, max]`, `default` when absent.
    pub fn float(&mut self, name: &str, default: f64, min: f64, max: f64) -> f64 {
        let Some(raw) = self.last(name).map(str::to_string) else {
            return default;
        };
        match raw.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => self.bounded(name, v, raw, Some(min), Some(max)).unwrap_or(default),
            _ => {
                let msg = "Input should be a valid number, unable to parse string as a number";
                self.errors
                    .push(ValidationItem::new("float_parsing", loc(name), msg, json!(raw)));
                default
            }
        }
    }

    /// An optional number within `[min, max]`.
    pub fn opt_float(&mut self, name: &str, min: f64, max: f64) -> Option<f64> {
        self.last(name)?;
        Some(self.float(name, 0.0, min, max))
    }

    /// A boolean: `true/false/1/0/yes/no/on/off` in any case.
    pub fn bool(&mut self, name: &str, default: bool) -> bool {
        let Some(raw) = self.last(name).map(str::to_string) else {
            return default;
        };
        match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" | "t" | "y" => true,
            "false" | "0" | "no" | "off" | "f" | "n" => false,
            _ => {
                let msg = "Input should be a valid boolean, unable to interpret input";
                self.errors
                    .push(ValidationItem::new("bool_parsing", loc(name), msg, json!(raw)));
                default
            }
        }
    }

    /// A text parameter restricted to `choices` (FastAPI's `pattern="^(a|b)$"`).
    pub fn choice(&mut self, name: &str, default: &str, choices: &[&str]) -> String {
        let Some(raw) = self.last(name).map(str::to_string) else {
            return default.to_string();
        };
        if choices.contains(&raw.as_str()) {
            return raw;
        }
        let pattern = format!("^({})$", choices.join("|"));
        let mut item = ValidationItem::new(
            "string_pattern_mismatch",
            loc(name),
            format!("String should match pattern '{pattern}'"),
            json!(raw),
        );
        item.ctx = Some(json!({ "pattern": pattern }));
        self.errors.push(item);
        default.to_string()
    }

    /// An optional parameter naming one of `values` (spelled by `name_of`); anything else is [`Params::choice`]'s 422.
    pub fn named<T: Copy>(&mut self, name: &str, values: &[T], name_of: impl Fn(T) -> &'static str) -> Option<T> {
        self.last(name)?;
        let names: Vec<&str> = values.iter().map(|v| name_of(*v)).collect();
        let raw = self.choice(name, "", &names);
        values.iter().copied().find(|v| name_of(*v) == raw)
    }

    /// The original's paging: `page` ≥ 1 (default 1), `page_size` 1…500 (default 50); `page` is also at most
    /// [`MAX_PAGE`], so `(page − 1) × page_size` always fits.
    pub fn page(&mut self) -> (i64, i64) {
        (
            self.int("page", 1, Some(1), Some(MAX_PAGE)),
            self.int("page_size", 50, Some(1), Some(500)),
        )
    }

    /// Ok when every parameter read so far was valid, else the 422 list.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }

    /// Like [`Params::finish`] but keeps the parameters readable afterwards.
    pub fn finish_ref(&mut self) -> Result<(), ApiError> {
        match std::mem::take(&mut self.errors) {
            e if e.is_empty() => Ok(()),
            e => Err(ApiError::Validation(e)),
        }
    }

    fn bounded<T: PartialOrd + Copy + serde::Serialize>(
        &mut self,
        name: &str,
        v: T,
        raw: String,
        min: Option<T>,
        max: Option<T>,
    ) -> Option<T> {
        if let Some(m) = min.filter(|m| v < *m) {
            let mut item = ValidationItem::new(
                "greater_than_equal",
                loc(name),
                format!("Input should be greater than or equal to {}", json!(m)),
                json!(raw),
            );
            item.ctx = Some(json!({ "ge": m }));
            self.errors.push(item);
            return None;
        }
        if let Some(m) = max.filter(|m| v > *m) {
            let mut item = ValidationItem::new(
                "less_than_equal",
                loc(name),
                format!("Input should be less than or equal to {}", json!(m)),
                json!(raw),
            );
            item.ctx = Some(json!({ "le": m }));
            self.errors.push(item);
            return None;
        }
        Some(v)
    }
}

fn loc(name: &str) -> Vec<LocPart> {
    vec!["query".into(), name.into()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_lenient_booleans_and_bounds() {
        let mut p = Params::parse("metrics=a&metrics=b%20c&significant_only=YES&page=2&page_size=20&x=1&x=2");
        assert_eq!(p.all("metrics"), ["a", "b c"]);
        assert!(p.bool("significant_only", false));
        assert_eq!(p.page(), (2, 20));
        assert_eq!(p.text("x").as_deref(), Some("2"));
        assert!(p.finish().is_ok());
    }

    #[test]
    fn every_invalid_parameter_is_listed_in_one_422() {
        let mut p = Params::parse("page=0&page_size=1000&significant_only=maybe&method=magic&alpha=abc");
        p.page();
        p.bool("significant_only", false);
        p.choice("method", "freq", &["freq", "bayes"]);
        p.float("alpha", 0.05, 0.0, 1.0);
        p.required("symbol");
        let Err(ApiError::Validation(items)) = p.finish() else {
            panic!("expected a 422")
        };
        let kinds: Vec<&str> = items.iter().map(|i| i.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "greater_than_equal",
                "less_than_equal",
                "bool_parsing",
                "string_pattern_mismatch",
                "float_parsing",
                "missing"
            ]
        );
        assert_eq!(items[1].loc, loc("page_size"));
        assert_eq!(items[1].msg, "Input should be less than or equal to 500");
        assert_eq!(items[3].msg, "String should match pattern '^(freq|bayes)$'");
    }

    #[test]
    fn a_page_past_a_million_is_a_422_naming_page() {
        let mut p = Params::parse("page=1000000&page_size=500");
        assert_eq!(p.page(), (1_000_000, 500));
        assert!(p.finish().is_ok());
        let mut p = Params::parse("page=9223372036854775807");
        p.page();
        let Err(ApiError::Validation(items)) = p.finish() else {
            panic!("expected a 422")
        };
        assert_eq!(items[0].loc, loc("page"));
        assert_eq!(items[0].msg, "Input should be less than or equal to 1000000");
    }
}
