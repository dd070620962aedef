//! Which MySQL marketdata databases a spec may reach. The operator (CLI) may name any; a spec sent over HTTP only
//! the sources the operator configured: `QE_MARKETDATA_MYSQL_URL` and the named list `QE_MARKETDATA_SOURCES`.

use super::error::DataError;
use model::spec::MySqlSpec;
use std::collections::BTreeMap;

/// The variable holding the default marketdata URL (also the default of `data.mysql.env_var`).
pub const DEFAULT_URL_VAR: &str = "QE_MARKETDATA_MYSQL_URL";

/// How far a spec's `data.mysql` block may choose its database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SourcePolicy {
    /// The operator's own specs (CLI, demo): any `connection_url`, any `env_var`, and the named sources.
    #[default]
    Operator,
    /// Specs from clients: only the allowed sources.
    Confined(AllowedSources),
}

/// The marketdata sources an operator allowed for client specs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedSources {
    /// The URL in `QE_MARKETDATA_MYSQL_URL`, if set.
    pub default_url: Option<String>,
    /// `name → url` from `QE_MARKETDATA_SOURCES=name=url,…`.
    pub named: BTreeMap<String, String>,
    /// `QE_ALLOW_SPEC_URLS=1`: a spec's own `connection_url` is accepted too.
    pub allow_spec_urls: bool,
}

impl AllowedSources {
    /// Reads `QE_MARKETDATA_MYSQL_URL`, `QE_MARKETDATA_SOURCES` and `QE_ALLOW_SPEC_URLS`.
    pub fn from_env() -> Result<Self, String> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let allow = var("QE_ALLOW_SPEC_URLS").is_some_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
        Ok(AllowedSources {
            default_url: var(DEFAULT_URL_VAR),
            named: parse_named(var("QE_MARKETDATA_SOURCES").as_deref().unwrap_or(""))?,
            allow_spec_urls: allow,
        })
    }

    /// The names a client spec may use, for error messages.
    fn names(&self) -> String {
        let mut names: Vec<&str> = self.named.keys().map(String::as_str).collect();
        if self.default_url.is_some() {
            names.insert(0, DEFAULT_URL_VAR);
        }
        if names.is_empty() {
            "none: the operator configured no marketdata source".into()
        } else {
            names.join(", ")
        }
    }
}

/// Parses `name=url,name2=url2`; a URL may itself hold `=` (query parameters) but not `,`.
pub fn parse_named(text: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (name, url) = entry
            .split_once('=')
            .ok_or_else(|| format!("QE_MARKETDATA_SOURCES: {entry:?} is not name=url"))?;
        let (name, url) = (name.trim(), url.trim());
        if name.is_empty() || url.is_empty() {
            return Err(format!(
                "QE_MARKETDATA_SOURCES: an entry has an empty name or URL (name {name:?})"
            ));
        }
        out.insert(name.to_string(), url.to_string());
    }
    Ok(out)
}

impl SourcePolicy {
    /// The connection URL for `m`: `connection_url`, else the named `source`, else the URL in `env_var`,
    /// each checked against the policy. Errors name the field and never show a URL.
    pub fn url_for(&self, m: &MySqlSpec) -> Result<String, DataError> {
        let spec_url = m.connection_url.as_deref().map(str::trim).filter(|u| !u.is_empty());
        let source = m.source.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let env_var = m.env_var.as_deref().map(str::trim).filter(|v| !v.is_empty());
        match self {
            SourcePolicy::Operator => {
                if let Some(url) = spec_url {
                    return Ok(url.to_string());
                }
                if let Some(name) = source {
                    let named = parse_named(&std::env::var("QE_MARKETDATA_SOURCES").unwrap_or_default())
                        .map_err(|m| DataError::spec("data.mysql.source", m))?;
                    return named
                        .get(name)
                        .cloned()
                        .ok_or_else(|| unknown_source(name, &named_list(&named)));
                }
                let var = env_var.unwrap_or("(none)");
                env_var
                    .and_then(|v| std::env::var(v).ok())
                    .filter(|u| !u.trim().is_empty())
                    .ok_or_else(|| {
                        DataError::MySql(format!(
                            "no connection URL: set data.mysql.connection_url, data.mysql.source or the env var {var}"
                        ))
                    })
            }
            SourcePolicy::Confined(allowed) => {
                if let Some(url) = spec_url {
                    return if allowed.allow_spec_urls {
                        Ok(url.to_string())
                    } else {
                        Err(refused(
                            "data.mysql.connection_url",
                            format!(
                                "a spec sent to the server may not carry its own connection URL (the operator can allow \
                                 it with QE_ALLOW_SPEC_URLS=1); name a configured source in data.mysql.source instead \
                                 (allowed: {})",
                                allowed.names()
                            ),
                        ))
                    };
                }
                if let Some(name) = source {
                    return allowed
                        .named
                        .get(name)
                        .cloned()
                        .ok_or_else(|| unknown_source(name, &allowed.names()));
                }
                match env_var {
                    Some(DEFAULT_URL_VAR) => allowed.default_url.clone().ok_or_else(|| {
                        DataError::MySql(format!(
                            "no connection URL: the server has no {DEFAULT_URL_VAR} (allowed sources: {})",
                            allowed.names()
                        ))
                    }),
                    Some(name) if allowed.named.contains_key(name) => Ok(allowed.named[name].clone()),
                    Some(name) => Err(refused(
                        "data.mysql.env_var",
                        format!(
                            "{name:?} is not a marketdata source the operator allowed (allowed: {})",
                            allowed.names()
                        ),
                    )),
                    None => Err(DataError::MySql(format!(
                        "no connection URL: name a source in data.mysql.source (allowed: {})",
                        allowed.names()
                    ))),
                }
            }
        }
    }
}

fn named_list(named: &BTreeMap<String, String>) -> String {
    if named.is_empty() {
        "none configured in QE_MARKETDATA_SOURCES".into()
    } else {
        named.keys().cloned().collect::<Vec<_>>().join(", ")
    }
}

fn unknown_source(name: &str, allowed: &str) -> DataError {
    refused(
        "data.mysql.source",
        format!("{name:?} is not a configured marketdata source (allowed: {allowed})"),
    )
}

fn refused(field: &str, message: String) -> DataError {
    DataError::SourceRefused {
        field: field.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::spec::from_value;
    use serde_json::json;

    fn mysql(v: serde_json::Value) -> MySqlSpec {
        from_value(v).unwrap()
    }

    fn confined(allow_spec_urls: bool) -> SourcePolicy {
        SourcePolicy::Confined(AllowedSources {
            default_url: Some("mysql://md@db1/marketdata".into()),
            named: parse_named("eu=mysql://u:p@eu/md, us = mysql://us/md?ssl-mode=required").unwrap(),
            allow_spec_urls,
        })
    }

    fn refused_field(r: Result<String, DataError>) -> String {
        match r {
            Err(DataError::SourceRefused { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn named_sources_parse_and_keep_equals_signs_in_urls() {
        let named = parse_named("eu=mysql://u:p@eu/md, us = mysql://us/md?ssl-mode=required").unwrap();
        assert_eq!(named["us"], "mysql://us/md?ssl-mode=required");
        assert!(parse_named("eu").unwrap_err().contains("\"eu\" is not name=url"));
        assert!(parse_named("=mysql://x").is_err());
    }

    #[test]
    fn a_confined_spec_reaches_only_allowed_sources() {
        let p = confined(false);
        assert_eq!(p.url_for(&mysql(json!({}))).unwrap(), "mysql://md@db1/marketdata");
        assert_eq!(p.url_for(&mysql(json!({"source": "eu"}))).unwrap(), "mysql://u:p@eu/md");
        assert_eq!(
            p.url_for(&mysql(json!({"env_var": "us"}))).unwrap(),
            "mysql://us/md?ssl-mode=required"
        );
        assert_eq!(
            refused_field(p.url_for(&mysql(json!({"env_var": "QE_DB_URL"})))),
            "data.mysql.env_var"
        );
        assert_eq!(
            refused_field(p.url_for(&mysql(json!({"env_var": "PATH"})))),
            "data.mysql.env_var"
        );
        assert_eq!(
            refused_field(p.url_for(&mysql(json!({"source": "asia"})))),
            "data.mysql.source"
        );
        let own = mysql(json!({"connection_url": "mysql://evil/x"}));
        assert_eq!(refused_field(p.url_for(&own)), "data.mysql.connection_url");
        assert_eq!(confined(true).url_for(&own).unwrap(), "mysql://evil/x");
    }

    #[test]
    fn refusals_name_the_allowed_sources_but_never_a_url() {
        let err = confined(false)
            .url_for(&mysql(json!({"env_var": "PATH"})))
            .unwrap_err()
            .to_string();
        assert!(err.contains("QE_MARKETDATA_MYSQL_URL, eu, us"), "{err}");
        assert!(!err.contains("mysql://"), "{err}");
        let none = SourcePolicy::Confined(AllowedSources::default());
        let err = none.url_for(&mysql(json!({"source": "eu"}))).unwrap_err().to_string();
        assert!(err.contains("the operator configured no marketdata source"), "{err}");
    }

    #[test]
    fn the_operator_may_name_any_url_or_variable() {
        let p = SourcePolicy::Operator;
        assert_eq!(
            p.url_for(&mysql(json!({"connection_url": " mysql://x/y "}))).unwrap(),
            "mysql://x/y"
        );
        let err = p
            .url_for(&mysql(json!({"env_var": "QE_TEST_SURELY_UNSET_VAR"})))
            .unwrap_err();
        assert!(err.to_string().contains("QE_TEST_SURELY_UNSET_VAR"), "{err}");
    }
}
