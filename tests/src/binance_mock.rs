//! A local Binance: the spot REST endpoints the connector uses (`/api/v3/time`, `/api/v3/exchangeInfo`,
//! `/api/v3/klines`, with `X-MBX-USED-WEIGHT-1M`, `429`/`418` with `Retry-After`, HTML `502` pages) and the kline
//! WebSocket streams (`/ws/<symbol>@kline_<interval>`, `/stream?streams=…`, pings, server-side closes, refused
//! handshakes). Klines are a pure function of the symbol and open time; the clock only moves when a test says.

use futures_util::{SinkExt, StreamExt};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// 2024-12-31T00:00:00Z, the default start of every series.
pub const T0: i64 = 1_735_603_200_000;
/// One minute in ms.
pub const MIN: i64 = 60_000;

/// One listed symbol: klines every `interval_ms` from `listing`, none inside the `outages` (`[from, to)`).
#[derive(Debug, Clone)]
pub struct Listing {
    pub symbol: String,
    pub interval: String,
    pub interval_ms: i64,
    pub listing: i64,
    pub outages: Vec<(i64, i64)>,
}

impl Listing {
    /// A 1-minute symbol listed at [`T0`].
    pub fn minutes(symbol: &str) -> Listing {
        Listing {
            symbol: symbol.to_string(),
            interval: "1m".into(),
            interval_ms: MIN,
            listing: T0,
            outages: vec![],
        }
    }

    /// An hourly symbol listed at `listing`.
    pub fn hours(symbol: &str, listing: i64) -> Listing {
        Listing {
            symbol: symbol.to_string(),
            interval: "1h".into(),
            interval_ms: 60 * MIN,
            listing,
            outages: vec![],
        }
    }
}

/// One kline as the mock serves it (prices as Binance's decimal strings).
#[derive(Debug, Clone, PartialEq)]
pub struct MockKline {
    pub open_time: i64,
    pub close_time: i64,
    pub open: String,
    pub high: String,
    pub low: String,
    pub close: String,
    pub volume: String,
    pub quote_volume: String,
    pub trades: i64,
    pub closed: bool,
}

impl MockKline {
    /// The REST array form.
    pub fn rest(&self) -> serde_json::Value {
        serde_json::json!([
            self.open_time,
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
            self.close_time,
            self.quote_volume,
            self.trades,
            "0.5",
            "0.25",
            "0"
        ])
    }

    /// The archive CSV row, times in ms or (`micros`) µs.
    pub fn csv(&self, micros: bool) -> String {
        let f = if micros { 1000 } else { 1 };
        let close_time = if micros {
            self.close_time * 1000 + 999
        } else {
            self.close_time
        };
        format!(
            "{},{},{},{},{},{},{},{},{},0.5,0.25,0",
            self.open_time * f,
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
            close_time,
            self.quote_volume,
            self.trades
        )
    }

    /// Prices and volumes as the f64s a correct parser gets: (open, high, low, close, volume, quote_volume).
    pub fn values(&self) -> [f64; 6] {
        let p = |s: &String| s.parse::<f64>().unwrap();
        [
            p(&self.open),
            p(&self.high),
            p(&self.low),
            p(&self.close),
            p(&self.volume),
            p(&self.quote_volume),
        ]
    }
}

/// An answer to force on a coming klines request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// Serve the request normally.
    Pass,
    /// `429` with `Retry-After`; any request before it expires earns a `418`.
    TooMany { retry_after: u64 },
    /// `418` with `Retry-After`; any request before it expires earns another.
    Banned { retry_after: u64 },
    /// `502` with an HTML page, as a load balancer answers.
    BadGateway,
}

/// One request the REST side received.
#[derive(Debug, Clone)]
pub struct Logged {
    pub path: String,
    pub query: HashMap<String, String>,
    pub at: Instant,
    pub status: u16,
}

#[derive(Default)]
struct State {
    now: i64,
    listings: BTreeMap<String, Listing>,
    log: Vec<Logged>,
    faults: VecDeque<Fault>,
    quiet_until: Option<Instant>,
    violations: Vec<String>,
    weight: (i64, u32),
    ws: Vec<WsClient>,
    next_ws_id: u64,
    refuse_ws: u32,
    refused: u32,
    ws_connects: u32,
    pongs: Vec<Vec<u8>>,
}

struct WsClient {
    id: u64,
    /// Lower-case symbols subscribed, and whether frames are wrapped (`/stream`).
    symbols: Vec<String>,
    combined: bool,
    tx: tokio::sync::mpsc::UnboundedSender<Message>,
}

/// The running mock; everything stops when it is dropped.
pub struct BinanceMock {
    pub rest_url: String,
    pub ws_url: String,
    state: Arc<Mutex<State>>,
    _rt: tokio::runtime::Runtime,
}

impl BinanceMock {
    /// Starts the mock with its clock at `now` (epoch ms) and the given symbols listed.
    pub fn start(now: i64, listings: Vec<Listing>) -> BinanceMock {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let state = Arc::new(Mutex::new(State {
            now,
            listings: listings.into_iter().map(|l| (l.symbol.clone(), l)).collect(),
            ..State::default()
        }));
        let (rest_url, ws_url) = rt.block_on(async {
            let rest = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let urls = (
                format!("http://{}", rest.local_addr().unwrap()),
                format!("ws://{}", ws.local_addr().unwrap()),
            );
            tokio::spawn(serve_rest(rest, state.clone()));
            tokio::spawn(serve_ws(ws, state.clone()));
            urls
        });
        BinanceMock {
            rest_url,
            ws_url,
            state,
            _rt: rt,
        }
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// The mock's clock.
    pub fn now(&self) -> i64 {
        self.st().now
    }

    /// Queues answers for the coming klines requests, in order.
    pub fn push_faults(&self, faults: &[Fault]) {
        self.st().faults.extend(faults.iter().copied());
    }

    /// Every request received so far.
    pub fn log(&self) -> Vec<Logged> {
        self.st().log.clone()
    }

    /// The klines requests received so far.
    pub fn klines_requests(&self) -> Vec<Logged> {
        self.log().into_iter().filter(|r| r.path == "/api/v3/klines").collect()
    }

    /// Forgets the request log.
    pub fn clear_log(&self) {
        self.st().log.clear();
    }

    /// Requests that arrived during a `Retry-After` wait.
    pub fn violations(&self) -> Vec<String> {
        self.st().violations.clone()
    }

    /// The klines of `symbol` opening in `[from, to)` and before the clock, as served (the last may be open).
    pub fn klines(&self, symbol: &str, from: i64, to: i64) -> Vec<MockKline> {
        let st = self.st();
        let l = &st.listings[symbol];
        series(l, from, to, st.now, usize::MAX)
    }

    /// The closed klines of `symbol` opening in `[from, to)`: what a correct client stores.
    pub fn closed(&self, symbol: &str, from: i64, to: i64) -> Vec<MockKline> {
        self.klines(symbol, from, to).into_iter().filter(|k| k.closed).collect()
    }

    /// WebSocket connections accepted, and handshakes refused.
    pub fn ws_counts(&self) -> (u32, u32) {
        let st = self.st();
        (st.ws_connects, st.refused)
    }

    /// Streams open now.
    pub fn ws_open(&self) -> usize {
        self.st().ws.len()
    }

    /// Pong payloads received.
    pub fn pongs(&self) -> Vec<Vec<u8>> {
        self.st().pongs.clone()
    }

    /// Refuses the next `n` WebSocket handshakes (HTTP 503).
    pub fn refuse_ws(&self, n: u32) {
        self.st().refuse_ws = n;
    }

    /// Pings every open stream.
    pub fn ping(&self, payload: &[u8]) {
        for c in &self.st().ws {
            let _ = c.tx.send(Message::Ping(payload.to_vec().into()));
        }
    }

    /// Closes every open stream from the server side, as Binance does after 24 hours.
    pub fn close_streams(&self) {
        let mut st = self.st();
        for c in st.ws.drain(..) {
            let _ = c.tx.send(Message::Close(None));
        }
    }

    /// Moves the clock `n` intervals of `symbol` on: each kline that closes is pushed to the open streams with
    /// `x: true`, and the new open kline with `x: false`.
    pub fn advance(&self, symbol: &str, n: usize) {
        let mut st = self.st();
        let l = st.listings[symbol].clone();
        for _ in 0..n {
            let cur_open = (st.now - l.listing).div_euclid(l.interval_ms) * l.interval_ms + l.listing;
            st.now += l.interval_ms;
            for open in [cur_open, cur_open + l.interval_ms] {
                if let Some(k) = kline(&l, open, st.now) {
                    let lower = l.symbol.to_ascii_lowercase();
                    for c in st.ws.iter().filter(|c| c.symbols.contains(&lower)) {
                        let _ = c.tx.send(Message::Text(ws_frame(&l, &k, c.combined).into()));
                    }
                }
            }
        }
    }
}

/// A deterministic 64-bit mix of the symbol and the open time.
fn mix(symbol: &str, open: i64) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in symbol.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    let mut x = h ^ (open as u64).wrapping_mul(0x9E3779B97F4A7C15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ceb9fe1a85ec53);
    x ^ (x >> 33)
}

fn cents(c: i64) -> String {
    format!("{}.{:02}000000", c / 100, c % 100)
}

/// The kline of `l` opening at `open`, seen at `now`: final values once closed, partial ones while open, none
/// before it opens or inside an outage.
fn kline(l: &Listing, open: i64, now: i64) -> Option<MockKline> {
    if open < l.listing || open > now || l.outages.iter().any(|(a, b)| open >= *a && open < *b) {
        return None;
    }
    let close_time = open + l.interval_ms - 1;
    let closed = close_time < now;
    let h = mix(&l.symbol, open);
    let base = 4_200_000 + ((open - l.listing) / l.interval_ms % 997) * 7;
    let o = base + (h % 2000) as i64 - 1000;
    let c = o + ((h >> 12) % 3000) as i64 - 1500;
    let hi = o.max(c) + ((h >> 24) % 400) as i64;
    let lo = o.min(c) - ((h >> 32) % 400) as i64;
    let vol = ((h >> 40) % 100_000) as i64 + 1;
    let (c, hi, vol) = if closed {
        (c, hi, vol)
    } else {
        (o, o.max(hi - 1), vol / 3)
    };
    Some(MockKline {
        open_time: open,
        close_time,
        open: cents(o),
        high: cents(hi),
        low: cents(lo),
        close: cents(c),
        volume: format!("{}.{:05}", vol / 1000, vol % 1000 * 100),
        quote_volume: format!("{}.{:04}", vol * 42, (h >> 8) % 10_000),
        trades: ((h >> 50) % 5000) as i64 + if closed { 10 } else { 0 },
        closed,
    })
}

/// Klines of `l` opening in `[from, to)` and not after `now`, at most `limit`.
fn series(l: &Listing, from: i64, to: i64, now: i64, limit: usize) -> Vec<MockKline> {
    let first = from.max(l.listing);
    let k0 = (first - l.listing + l.interval_ms - 1).div_euclid(l.interval_ms);
    let mut out = Vec::new();
    let mut open = l.listing + k0 * l.interval_ms;
    while open < to && open <= now && out.len() < limit {
        if let Some(k) = kline(l, open, now) {
            out.push(k);
        }
        open += l.interval_ms;
    }
    out
}

fn ws_frame(l: &Listing, k: &MockKline, combined: bool) -> String {
    let event = serde_json::json!({
        "e": "kline", "E": k.close_time + 1, "s": l.symbol,
        "k": {"t": k.open_time, "T": k.close_time, "s": l.symbol, "i": l.interval, "f": 1, "L": 2,
              "o": k.open, "c": k.close, "h": k.high, "l": k.low, "v": k.volume, "n": k.trades,
              "x": k.closed, "q": k.quote_volume, "V": "0.5", "Q": "0.25", "B": "0"}
    });
    if combined {
        let stream = format!("{}@kline_{}", l.symbol.to_ascii_lowercase(), l.interval);
        serde_json::json!({"stream": stream, "data": event}).to_string()
    } else {
        event.to_string()
    }
}

async fn serve_rest(listener: tokio::net::TcpListener, state: Arc<Mutex<State>>) {
    use axum::routing::get;
    let app = axum::Router::new()
        .route("/api/v3/time", get(rest))
        .route("/api/v3/exchangeInfo", get(rest))
        .route("/api/v3/klines", get(rest))
        .with_state(state);
    axum::serve(listener, app).await.unwrap();
}

async fn rest(
    axum::extract::State(state): axum::extract::State<Arc<Mutex<State>>>,
    uri: axum::http::Uri,
    axum::extract::Query(query): axum::extract::Query<HashMap<String, String>>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut st = state.lock().unwrap();
    let path = uri.path().to_string();
    let (status, body, retry_after, html) = answer(&mut st, &path, &query);
    st.log.push(Logged {
        path,
        query,
        at: Instant::now(),
        status,
    });
    let minute = chrono_minute();
    let cost = match uri.path() {
        "/api/v3/exchangeInfo" => 20,
        "/api/v3/klines" => 2,
        _ => 1,
    };
    if st.weight.0 != minute {
        st.weight = (minute, 0);
    }
    st.weight.1 += cost;
    let mut headers = vec![("x-mbx-used-weight-1m".to_string(), st.weight.1.to_string())];
    headers.push((
        "content-type".into(),
        if html {
            "text/html"
        } else {
            "application/json;charset=UTF-8"
        }
        .into(),
    ));
    if let Some(s) = retry_after {
        headers.push(("retry-after".into(), s.to_string()));
    }
    let status = axum::http::StatusCode::from_u16(status).unwrap();
    let mut res = (status, body).into_response();
    for (k, v) in headers {
        res.headers_mut().insert(
            axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            axum::http::HeaderValue::from_str(&v).unwrap(),
        );
    }
    res
}

fn chrono_minute() -> i64 {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    ms / 60_000
}

/// (status, body, Retry-After, is HTML) of one request.
fn answer(st: &mut State, path: &str, q: &HashMap<String, String>) -> (u16, String, Option<u64>, bool) {
    let now_i = Instant::now();
    if let Some(until) = st.quiet_until {
        if now_i < until {
            st.violations.push(format!(
                "{path} {q:?} {} ms before Retry-After expired",
                (until - now_i).as_millis()
            ));
            let left = (until - now_i).as_secs() + 1;
            st.quiet_until = Some(now_i + Duration::from_secs(left));
            let body = r#"{"code":-1003,"msg":"Way too many requests; IP banned until later."}"#;
            return (418, body.into(), Some(left), false);
        }
        st.quiet_until = None;
    }
    match path {
        "/api/v3/time" => (200, format!(r#"{{"serverTime":{}}}"#, st.now), None, false),
        "/api/v3/exchangeInfo" => {
            let wanted: Vec<String> = match (q.get("symbol"), q.get("symbols")) {
                (Some(s), _) => vec![s.clone()],
                (None, Some(list)) => serde_json::from_str(list).unwrap_or_default(),
                (None, None) => st.listings.keys().cloned().collect(),
            };
            if wanted.iter().any(|s| !st.listings.contains_key(s)) {
                return (400, r#"{"code":-1121,"msg":"Invalid symbol."}"#.into(), None, false);
            }
            let symbols: Vec<_> = wanted
                .iter()
                .map(|s| serde_json::json!({"symbol": s, "status": "TRADING", "baseAsset": &s[..3], "quoteAsset": "USDT"}))
                .collect();
            let body = serde_json::json!({
                "timezone": "UTC", "serverTime": st.now,
                "rateLimits": [
                    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
                    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
                    {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000}
                ],
                "exchangeFilters": [], "symbols": symbols
            });
            (200, body.to_string(), None, false)
        }
        "/api/v3/klines" => {
            match st.faults.pop_front() {
                Some(Fault::TooMany { retry_after }) => {
                    st.quiet_until = Some(now_i + Duration::from_secs(retry_after));
                    let body = r#"{"code":-1003,"msg":"Too many requests; current limit of IP is 6000 request weight per 1 MINUTE."}"#;
                    return (429, body.into(), Some(retry_after), false);
                }
                Some(Fault::Banned { retry_after }) => {
                    st.quiet_until = Some(now_i + Duration::from_secs(retry_after));
                    let body = r#"{"code":-1003,"msg":"Way too many requests; IP banned."}"#;
                    return (418, body.into(), Some(retry_after), false);
                }
                Some(Fault::BadGateway) => {
                    let body = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n";
                    return (502, body.into(), None, true);
                }
                Some(Fault::Pass) | None => {}
            }
            let Some(l) = q.get("symbol").and_then(|s| st.listings.get(s)) else {
                return (400, r#"{"code":-1121,"msg":"Invalid symbol."}"#.into(), None, false);
            };
            if q.get("interval") != Some(&l.interval) {
                return (400, r#"{"code":-1120,"msg":"Invalid interval."}"#.into(), None, false);
            }
            let num = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
            let limit = num("limit").unwrap_or(500);
            if !(1..=1000).contains(&limit) {
                return (
                    400,
                    r#"{"code":-1130,"msg":"Invalid data sent for a parameter."}"#.into(),
                    None,
                    false,
                );
            }
            let from = num("startTime").unwrap_or(l.listing);
            let to = num("endTime").map_or(i64::MAX, |e| e + 1);
            let rows: Vec<_> = series(l, from, to, st.now, limit as usize)
                .iter()
                .map(MockKline::rest)
                .collect();
            (200, serde_json::Value::Array(rows).to_string(), None, false)
        }
        _ => (404, r#"{"code":-1,"msg":"not found"}"#.into(), None, false),
    }
}

async fn serve_ws(listener: tokio::net::TcpListener, state: Arc<Mutex<State>>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else { return };
        let state = state.clone();
        tokio::spawn(async move {
            use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
            let mut target = String::new();
            let refuse = {
                let mut st = state.lock().unwrap();
                let r = st.refuse_ws > 0;
                if r {
                    st.refuse_ws -= 1;
                    st.refused += 1;
                }
                r
            };
            // The signature is tungstenite's handshake callback.
            #[allow(clippy::result_large_err)]
            let callback = |req: &Request, res: Response| -> Result<Response, ErrorResponse> {
                target = req.uri().to_string();
                if refuse {
                    let mut e = ErrorResponse::new(Some("Service Unavailable".into()));
                    *e.status_mut() = axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    return Err(e);
                }
                Ok(res)
            };
            let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, callback).await else {
                return;
            };
            let (symbols, combined) = streams_of(&target);
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Message>();
            let id = {
                let mut st = state.lock().unwrap();
                st.ws_connects += 1;
                st.next_ws_id += 1;
                let id = st.next_ws_id;
                st.ws.push(WsClient {
                    id,
                    symbols,
                    combined,
                    tx,
                });
                id
            };
            let (mut sink, mut stream) = ws.split();
            let writer = tokio::spawn(async move {
                while let Some(m) = rx.recv().await {
                    let close = matches!(m, Message::Close(_));
                    if sink.send(m).await.is_err() || close {
                        break;
                    }
                }
            });
            while let Some(Ok(m)) = stream.next().await {
                if let Message::Pong(p) = m {
                    state.lock().unwrap().pongs.push(p.to_vec());
                } else if let Message::Close(_) = m {
                    break;
                }
            }
            state.lock().unwrap().ws.retain(|c| c.id != id);
            writer.abort();
        });
    }
}

/// The lower-case symbols a stream path subscribes to, and whether it is the combined form.
fn streams_of(target: &str) -> (Vec<String>, bool) {
    let name = |s: &str| s.split('@').next().unwrap_or("").to_string();
    if let Some(one) = target.strip_prefix("/ws/") {
        return (vec![name(one)], false);
    }
    let list = target.split_once("streams=").map(|(_, l)| l).unwrap_or("");
    (list.split('/').filter(|s| !s.is_empty()).map(name).collect(), true)
}
