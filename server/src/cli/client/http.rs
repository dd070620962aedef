//! The HTTP side of the client commands: one [`Api`] per invocation, JSON in and out, and errors that say what to
//! fix (a server that is not running, a missing token, an invalid spec naming its field).

use crate::cli::output::CliError;
use serde_json::Value;

/// Where the client commands find the server.
#[derive(Debug, Clone, clap::Args)]
pub struct ClientArgs {
    /// Base URL of a running `qe serve`.
    #[arg(
        long = "api",
        env = "QE_API_URL",
        default_value = "http://127.0.0.1:3000",
        global = true
    )]
    pub api: String,
    /// Bearer token sent with every request (the server's `QE_API_TOKEN`).
    #[arg(long = "token", env = "QE_API_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
}

/// A JSON client of one server.
#[derive(Clone)]
pub struct Api {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

/// A query string as (name, value) pairs; a name may repeat (`metrics=a&metrics=b`).
pub type Query = Vec<(&'static str, String)>;

impl Api {
    /// A client of `args.api`, sending `args.token` as a bearer token when set.
    pub fn new(args: &ClientArgs) -> Api {
        Api {
            base: args.api.trim_end_matches('/').to_string(),
            token: args.token.clone().filter(|t| !t.is_empty()),
            http: reqwest::Client::new(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let req = self.http.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    /// `GET path?query`: the JSON body of a 2xx answer, else the error the status means.
    pub async fn get(&self, path: &str, query: &Query) -> Result<Value, CliError> {
        let res = self.send_get(path, query).await?;
        self.json_of(res, path).await
    }

    async fn send_get(&self, path: &str, query: &Query) -> Result<reqwest::Response, CliError> {
        self.request(reqwest::Method::GET, path)
            .query(query)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))
    }

    /// `GET path?query`: the bytes of a 2xx answer (a download), else the error the status means.
    pub async fn download(&self, path: &str, query: &Query) -> Result<Vec<u8>, CliError> {
        let res = self.send_get(path, query).await?;
        let status = res.status().as_u16();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| CliError::Failed(format!("reading the answer of {}{path}: {e}", self.base)))?;
        if (200..300).contains(&status) {
            Ok(bytes.to_vec())
        } else {
            Err(self.status_error(status, &String::from_utf8_lossy(&bytes), path))
        }
    }

    /// `POST path` with a JSON body (`Prefer: respond-async` when `async_`): the status and the JSON body of a
    /// 2xx answer, else the error the status means.
    pub async fn post(&self, path: &str, body: &Value, async_: bool) -> Result<Value, CliError> {
        let mut req = self.request(reqwest::Method::POST, path).json(body);
        if async_ {
            req = req.header("Prefer", "respond-async");
        }
        let res = req.send().await.map_err(|e| self.unreachable(&e))?;
        self.json_of(res, path).await
    }

    /// `GET path` as a stream (server-sent events), without a time limit.
    pub async fn stream(&self, path: &str) -> Result<reqwest::Response, CliError> {
        let res = self
            .request(reqwest::Method::GET, path)
            .header("Accept", "text/event-stream")
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        if res.status().is_success() {
            Ok(res)
        } else {
            let status = res.status().as_u16();
            let body = res.text().await.unwrap_or_default();
            Err(self.status_error(status, &body, path))
        }
    }

    async fn json_of(&self, res: reqwest::Response, path: &str) -> Result<Value, CliError> {
        let status = res.status().as_u16();
        let text = res
            .text()
            .await
            .map_err(|e| CliError::Failed(format!("reading the answer of {}{path}: {e}", self.base)))?;
        if !(200..300).contains(&status) {
            return Err(self.status_error(status, &text, path));
        }
        serde_json::from_str(&text).map_err(|e| {
            CliError::Failed(format!(
                "{}{path} answered {status} with a body that is not JSON ({e}): is --api pointing at `qe serve`?",
                self.base
            ))
        })
    }

    fn unreachable(&self, e: &reqwest::Error) -> CliError {
        CliError::Failed(format!(
            "cannot reach {}: {} — is `qe serve` running? set --api or QE_API_URL",
            self.base,
            root_cause(e)
        ))
    }

    /// The error an HTTP status means: 400/422 are bad input (exit 2), the rest fail (exit 1).
    fn status_error(&self, status: u16, body: &str, path: &str) -> CliError {
        let detail = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| v.get("detail").map(detail_text))
            .unwrap_or_else(|| body.trim().chars().take(300).collect());
        match status {
            400 | 422 => CliError::Usage(detail),
            401 => CliError::Failed(format!(
                "{detail} ({}{path}): set QE_API_TOKEN or --token to the server's token",
                self.base
            )),
            404 | 409 => CliError::Failed(detail),
            _ => CliError::Failed(format!("HTTP {status} from {}{path}: {detail}", self.base)),
        }
    }
}

/// The text of an API `detail`: a string as it is, FastAPI's validation list as `field: message` lines.
pub fn detail_text(detail: &Value) -> String {
    match detail {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|item| {
                let loc: Vec<String> = item["loc"]
                    .as_array()
                    .map(|l| l.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .skip_while(|p| *p == "body" || *p == "query")
                    .map(|p| match p {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                let msg = item["msg"].as_str().unwrap_or("invalid");
                if loc.is_empty() {
                    msg.to_string()
                } else {
                    format!("{}: {msg}", loc.join("."))
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// The innermost cause of a request error, e.g. `connection refused`.
fn root_cause(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    if let Some(io) = source.downcast_ref::<std::io::Error>() {
        if io.kind() == std::io::ErrorKind::ConnectionRefused {
            return "connection refused".into();
        }
    }
    let text = source.to_string();
    let text = text.split(" (os error").next().unwrap_or(&text).to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validation_details_name_the_field() {
        let d = json!([{"type": "missing", "loc": ["body", "events", 0, "params", "k"], "msg": "Field required"}]);
        assert_eq!(detail_text(&d), "events.0.params.k: Field required");
        assert_eq!(detail_text(&json!("Run not found")), "Run not found");
    }
}
