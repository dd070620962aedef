//! The REST client: one request at a time, under the weight budget, waiting out `429`/`418` answers for their
//! `Retry-After` (sending nothing meanwhile) and retrying `5xx` answers and connection errors with a bounded
//! backoff.

use super::error::BinanceError;
use super::kline::{parse_rest, Kline};
use super::limits::{WeightLimiter, DEFAULT_WEIGHT_LIMIT};
use super::progress::{Event, Observer, Silent};
use super::Interval;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The public spot API.
pub const DEFAULT_REST_URL: &str = "https://api.binance.com";

/// The most klines one request returns.
pub const PAGE_LIMIT: usize = 1000;

/// Request weights of the endpoints used (Binance's published figures).
const WEIGHT_KLINES: u32 = 2;
const WEIGHT_EXCHANGE_INFO: u32 = 20;
const WEIGHT_TIME: u32 = 1;

/// How failed requests are retried.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included; `429`/`418` waits count too.
    pub max_attempts: u32,
    /// The first backoff after a `5xx` or a connection error; it doubles after each further failure.
    pub base_delay: Duration,
    /// The longest backoff.
    pub max_delay: Duration,
    /// The longest `Retry-After` waited out; a longer ban is an error at once.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 8,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_wait: Duration::from_secs(300),
        }
    }
}

/// Why a request did not give an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// Every attempt failed; `last` says how the last one did.
    Exhausted { attempts: u32, last: String },
    /// Binance refused the request (a `4xx` that retrying cannot fix, or a ban longer than allowed).
    Refused { status: u16, body: String },
    /// The answer was not what the endpoint returns.
    BadBody(String),
}

impl Failure {
    /// The error of this failure for a request about `what`.
    pub fn into_error(self, what: &str) -> BinanceError {
        match self {
            Failure::Exhausted { attempts, last } => BinanceError::BadResponse {
                what: what.to_string(),
                message: format!("gave up after {attempts} attempts: {last}"),
            },
            Failure::Refused { status, body } => BinanceError::Refused {
                what: what.to_string(),
                status,
                body,
            },
            Failure::BadBody(message) => BinanceError::BadResponse {
                what: what.to_string(),
                message,
            },
        }
    }
}

struct Gate {
    limiter: WeightLimiter,
    /// Server clock minus local clock, in ms.
    offset_ms: i64,
}

/// A Binance REST client (spot API or anything speaking it, such as the testnet or a proxy).
pub struct Client {
    http: reqwest::Client,
    base: String,
    retry: RetryPolicy,
    observer: Arc<dyn Observer>,
    /// Held for the whole of a request and its retries, so nothing else is sent during a wait.
    gate: tokio::sync::Mutex<Gate>,
    requests: AtomicU64,
}

impl Client {
    /// A client of the API at `base` (`https://api.binance.com`), with the default retry policy.
    pub fn new(base: &str) -> Result<Client, BinanceError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("quant-engine/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BinanceError::Usage(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            retry: RetryPolicy::default(),
            observer: Arc::new(Silent),
            gate: tokio::sync::Mutex::new(Gate {
                limiter: WeightLimiter::new(DEFAULT_WEIGHT_LIMIT),
                offset_ms: 0,
            }),
            requests: AtomicU64::new(0),
        })
    }

    /// The same client reporting to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = observer;
        self
    }

    /// The same client with another retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The API's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The observer events go to.
    pub fn observer(&self) -> &dyn Observer {
        &*self.observer
    }

    /// Requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The server's clock (`/api/v3/time`), remembered to time the weight windows.
    pub async fn server_time(&self) -> Result<i64, BinanceError> {
        let local = now_ms();
        let body = self
            .get("/api/v3/time", &[], WEIGHT_TIME, "server time")
            .await
            .map_err(|f| f.into_error("GET /api/v3/time"))?;
        #[derive(serde::Deserialize)]
        struct Time {
            #[serde(rename = "serverTime")]
            server_time: i64,
        }
        let t: Time = serde_json::from_slice(&body).map_err(|e| BinanceError::BadResponse {
            what: "GET /api/v3/time".into(),
            message: e.to_string(),
        })?;
        let mid = (local + now_ms()) / 2;
        self.gate.lock().await.offset_ms = t.server_time - mid;
        Ok(t.server_time)
    }

    /// Checks that every symbol is listed (one `exchangeInfo` request each, so an unknown one is named), and
    /// takes the weight limit from the answer.
    pub async fn check_symbols(&self, symbols: &[String]) -> Result<(), BinanceError> {
        for symbol in symbols {
            let what = format!("exchangeInfo {symbol}");
            let res = self
                .get(
                    "/api/v3/exchangeInfo",
                    &[("symbol", symbol.clone())],
                    WEIGHT_EXCHANGE_INFO,
                    &what,
                )
                .await;
            let body = match res {
                Ok(b) => b,
                // -1121 "Invalid symbol."
                Err(Failure::Refused { status: 400, body }) if body.contains("-1121") => {
                    return Err(BinanceError::UnknownSymbol {
                        symbol: symbol.clone(),
                        url: self.base.clone(),
                    })
                }
                Err(f) => return Err(f.into_error(&what)),
            };
            let info: ExchangeInfo = serde_json::from_slice(&body).map_err(|e| BinanceError::BadResponse {
                what: what.clone(),
                message: e.to_string(),
            })?;
            if !info.symbols.iter().any(|s| &s.symbol == symbol) {
                return Err(BinanceError::UnknownSymbol {
                    symbol: symbol.clone(),
                    url: self.base.clone(),
                });
            }
            let limit = info
                .rate_limits
                .iter()
                .find(|r| r.kind == "REQUEST_WEIGHT" && r.interval == "MINUTE" && r.interval_num == 1)
                .map(|r| r.limit);
            if let Some(limit) = limit {
                self.gate.lock().await.limiter.set_limit(limit);
            }
        }
        Ok(())
    }

    /// One page of klines of `symbol` opening in `[start, end]` (inclusive, as Binance takes `endTime`), at most
    /// `limit` of them, oldest first; the last may still be open.
    pub async fn klines(
        &self,
        symbol: &str,
        interval: Interval,
        start: i64,
        end: i64,
        limit: usize,
    ) -> Result<Vec<Kline>, Failure> {
        let query = [
            ("symbol", symbol.to_string()),
            ("interval", interval.as_str().to_string()),
            ("startTime", start.to_string()),
            ("endTime", end.to_string()),
            ("limit", limit.min(PAGE_LIMIT).to_string()),
        ];
        let what = format!("{symbol} {interval}");
        let body = self.get("/api/v3/klines", &query, WEIGHT_KLINES, &what).await?;
        parse_rest(&body).map_err(Failure::BadBody)
    }

    /// The server time now, as estimated from the last `/api/v3/time`.
    pub async fn server_now(&self) -> i64 {
        now_ms() + self.gate.lock().await.offset_ms
    }

    /// Sends one GET with retries; only one runs at a time.
    async fn get(&self, path: &str, query: &[(&str, String)], weight: u32, what: &str) -> Result<Vec<u8>, Failure> {
        let mut gate = self.gate.lock().await;
        let url = format!("{}{path}", self.base);
        let mut attempt = 0u32;
        let mut backoff = self.retry.base_delay;
        loop {
            attempt += 1;
            let server_now = now_ms() + gate.offset_ms;
            if let Some(wait) = gate.limiter.wait_before(weight, server_now) {
                let reason = format!("request weight near the limit of {}/min", gate.limiter.limit());
                self.wait(what, wait, reason).await;
            }
            let server_now = now_ms() + gate.offset_ms;
            gate.limiter.spend(weight, server_now);
            self.requests.fetch_add(1, Ordering::Relaxed);
            self.observer.event(&Event::Request { what });
            let last = match self.http.get(&url).query(query).send().await {
                Ok(res) => {
                    let status = res.status().as_u16();
                    if let Some(used) = header_u32(&res, "x-mbx-used-weight-1m") {
                        let at = now_ms() + gate.offset_ms;
                        gate.limiter.record(used, at);
                    }
                    let retry_after = header_u32(&res, "retry-after");
                    match status {
                        200..=299 => match res.bytes().await {
                            Ok(b) => return Ok(b.to_vec()),
                            Err(e) => format!("reading the answer: {e}"),
                        },
                        429 | 418 => {
                            let secs = retry_after.unwrap_or(if status == 429 { 60 } else { 120 });
                            let wait = Duration::from_secs(u64::from(secs));
                            let body = text(res).await;
                            if wait > self.retry.max_wait {
                                return Err(Failure::Refused {
                                    status,
                                    body: format!("Retry-After {secs} s is longer than allowed: {body}"),
                                });
                            }
                            if attempt >= self.retry.max_attempts {
                                return Err(Failure::Exhausted {
                                    attempts: attempt,
                                    last: format!("HTTP {status}: {body}"),
                                });
                            }
                            let why = if status == 429 {
                                "rate limited (429)"
                            } else {
                                "IP banned (418)"
                            };
                            self.wait(what, wait, format!("{why}, Retry-After {secs} s")).await;
                            backoff = self.retry.base_delay;
                            continue;
                        }
                        500..=599 | 408 => format!("HTTP {status}: {}", text(res).await),
                        _ => {
                            return Err(Failure::Refused {
                                status,
                                body: text(res).await,
                            })
                        }
                    }
                }
                Err(e) => error_chain(&e),
            };
            if attempt >= self.retry.max_attempts {
                return Err(Failure::Exhausted {
                    attempts: attempt,
                    last,
                });
            }
            self.wait(what, backoff, format!("retrying after {last}")).await;
            backoff = (backoff * 2).min(self.retry.max_delay);
        }
    }

    async fn wait(&self, what: &str, d: Duration, reason: String) {
        self.observer.event(&Event::Waiting {
            what,
            seconds: d.as_secs_f64(),
            reason,
        });
        tokio::time::sleep(d).await;
    }
}

#[derive(serde::Deserialize)]
struct ExchangeInfo {
    #[serde(default, rename = "rateLimits")]
    rate_limits: Vec<RateLimit>,
    #[serde(default)]
    symbols: Vec<SymbolInfo>,
}

#[derive(serde::Deserialize)]
struct RateLimit {
    #[serde(rename = "rateLimitType")]
    kind: String,
    interval: String,
    #[serde(rename = "intervalNum")]
    interval_num: u32,
    limit: u32,
}

#[derive(serde::Deserialize)]
struct SymbolInfo {
    symbol: String,
}

fn header_u32(res: &reqwest::Response, name: &str) -> Option<u32> {
    res.headers().get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The first 200 characters of an answer's body, on one line (HTML error pages included).
async fn text(res: reqwest::Response) -> String {
    let body = res.text().await.unwrap_or_default();
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(200).collect()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

/// The local clock in epoch ms.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
