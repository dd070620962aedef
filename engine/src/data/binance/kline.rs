//! One kline and the three encodings Binance delivers it in: the REST array, the WebSocket event and the
//! archive's CSV row.

use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

/// One bar as Binance reports it; times are UTC epoch milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kline {
    pub open_time: i64,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
    /// The last millisecond of the kline (`open_time` of the next one minus 1).
    pub close_time: i64,
    pub quote_volume: f64,
    pub trades: i64,
}

/// Parses the body of `GET /api/v3/klines`: an array of 12-element arrays with prices as decimal strings.
pub fn parse_rest(body: &[u8]) -> Result<Vec<Kline>, String> {
    let rows: Vec<RestRow> = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

struct RestRow(Kline);

impl<'de> Deserialize<'de> for RestRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(RowVisitor)
    }
}

struct RowVisitor;

/// A price field: Binance sends decimal strings, a number is accepted too.
#[derive(Deserialize)]
#[serde(untagged)]
enum Num<'a> {
    Text(&'a str),
    Owned(String),
    Float(f64),
}

impl Num<'_> {
    fn value<E: serde::de::Error>(&self, field: &str) -> Result<f64, E> {
        let text = match self {
            Num::Text(s) => *s,
            Num::Owned(s) => s.as_str(),
            Num::Float(f) => return Ok(*f),
        };
        number(text.as_bytes()).ok_or_else(|| E::custom(format!("{field}: not a number: {text:?}")))
    }
}

impl<'de> Visitor<'de> for RowVisitor {
    type Value = RestRow;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a kline array [open time, open, high, low, close, volume, close time, quote volume, trades, …]")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RestRow, A::Error> {
        use serde::de::Error;
        let short = |n: usize| A::Error::invalid_length(n, &"at least 9 fields");
        let open_time: i64 = seq.next_element()?.ok_or_else(|| short(0))?;
        let mut p = [0.0f64; 5];
        for (i, name) in ["open", "high", "low", "close", "volume"].iter().enumerate() {
            let n: Num = seq.next_element()?.ok_or_else(|| short(i + 1))?;
            p[i] = n.value::<A::Error>(name)?;
        }
        let close_time: i64 = seq.next_element()?.ok_or_else(|| short(6))?;
        let qv: Num = seq.next_element()?.ok_or_else(|| short(7))?;
        let trades: i64 = seq.next_element()?.ok_or_else(|| short(8))?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RestRow(Kline {
            open_time,
            open: p[0],
            high: p[1],
            low: p[2],
            close: p[3],
            volume: p[4],
            close_time,
            quote_volume: qv.value::<A::Error>("quote volume")?,
            trades,
        }))
    }
}

/// A kline update of a WebSocket stream (`<symbol>@kline_<interval>`).
#[derive(Debug, Clone, PartialEq)]
pub struct StreamKline {
    pub symbol: String,
    pub interval: String,
    /// True on the final update of the kline (`x`); earlier updates carry partial values.
    pub closed: bool,
    pub kline: Kline,
}

/// A frame of either stream form: a combined stream wraps the event in `data`.
#[derive(Deserialize)]
struct Frame {
    #[serde(default)]
    data: Option<Event>,
    #[serde(flatten)]
    event: Event,
}

#[derive(Deserialize)]
struct Event {
    #[serde(default, rename = "e")]
    kind: Option<String>,
    #[serde(default)]
    k: Option<WsK>,
}

#[derive(Deserialize)]
struct WsK {
    t: i64,
    #[serde(rename = "T")]
    close_time: i64,
    s: String,
    i: String,
    o: String,
    h: String,
    l: String,
    c: String,
    v: String,
    n: i64,
    x: bool,
    q: String,
}

/// Parses one text frame of a raw (`/ws/…`) or combined (`/stream?streams=…`, `{"stream", "data"}`) stream;
/// frames that are not kline events (subscription answers, other event types) give `None`.
pub fn parse_stream(text: &str) -> Result<Option<StreamKline>, String> {
    let frame: Frame = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let ev = frame.data.unwrap_or(frame.event);
    let (true, Some(k)) = (ev.kind.as_deref() == Some("kline"), ev.k) else {
        return Ok(None);
    };
    let f = |name: &str, s: &str| number(s.as_bytes()).ok_or_else(|| format!("{name}: not a number: {s:?}"));
    Ok(Some(StreamKline {
        kline: Kline {
            open_time: k.t,
            open: f("o", &k.o)?,
            high: f("h", &k.h)?,
            low: f("l", &k.l)?,
            close: f("c", &k.c)?,
            volume: f("v", &k.v)?,
            close_time: k.close_time,
            quote_volume: f("q", &k.q)?,
            trades: k.n,
        },
        symbol: k.s,
        interval: k.i,
        closed: k.x,
    }))
}

/// Epoch values at or above this are microseconds (as milliseconds they would be after the year 5000).
const MICROS_FROM: i64 = 100_000_000_000_000;

/// An archive time in milliseconds: archive files from 2025 on count microseconds, older ones milliseconds.
pub fn archive_time_ms(v: i64) -> i64 {
    if v >= MICROS_FROM {
        v.div_euclid(1000)
    } else {
        v
    }
}

/// True when an archive time is in microseconds.
pub fn is_micros(v: i64) -> bool {
    v >= MICROS_FROM
}

/// Parses one line of an archive CSV (12 header-less columns, as the REST array); the unit of the times is
/// told per row by magnitude.
pub fn parse_csv_line(line: &[u8]) -> Result<Kline, String> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut it = line.split(|b| *b == b',');
    let mut field = |name: &str| it.next().ok_or_else(|| format!("missing column {name}"));
    let int = |name: &str, b: &[u8]| integer(b).ok_or_else(|| format!("{name}: not an integer: {:?}", lossy(b)));
    let num = |name: &str, b: &[u8]| number(b).ok_or_else(|| format!("{name}: not a number: {:?}", lossy(b)));
    let open_time = archive_time_ms(int("open time", field("open time")?)?);
    let open = num("open", field("open")?)?;
    let high = num("high", field("high")?)?;
    let low = num("low", field("low")?)?;
    let close = num("close", field("close")?)?;
    let volume = num("volume", field("volume")?)?;
    let close_time = archive_time_ms(int("close time", field("close time")?)?);
    let quote_volume = num("quote volume", field("quote volume")?)?;
    let trades = int("trades", field("trades")?)?;
    Ok(Kline {
        open_time,
        open,
        high,
        low,
        close,
        volume,
        close_time,
        quote_volume,
        trades,
    })
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn number(b: &[u8]) -> Option<f64> {
    let b = b.trim_ascii();
    let v: f64 = fast_float2::parse(b).ok()?;
    v.is_finite().then_some(v)
}

fn integer(b: &[u8]) -> Option<i64> {
    std::str::from_utf8(b.trim_ascii()).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const REST: &str = r#"[[1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",
        1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","0"],
        [1499644800000,"0.01577100","0.01600000","0.01500000","0.01550000","10.5",1499731199999,"0.16",2,"1","0.01","0"]]"#;

    #[test]
    fn a_rest_page_parses_every_field_of_every_row() {
        let k = parse_rest(REST.as_bytes()).unwrap();
        assert_eq!(k.len(), 2);
        assert_eq!(
            k[0],
            Kline {
                open_time: 1499040000000,
                open: 0.0163479,
                high: 0.8,
                low: 0.015758,
                close: 0.015771,
                volume: 148976.11427815,
                close_time: 1499644799999,
                quote_volume: 2434.19055334,
                trades: 308,
            }
        );
        assert_eq!(k[1].trades, 2);
        assert!(parse_rest(b"[]").unwrap().is_empty());
    }

    #[test]
    fn a_malformed_rest_row_says_what_is_wrong() {
        let e = parse_rest(br#"[[1,"x","1","1","1","1",2,"1",3]]"#).unwrap_err();
        assert!(e.contains("open: not a number"), "{e}");
        let e = parse_rest(br#"[[1,"1","1"]]"#).unwrap_err();
        assert!(e.contains("at least 9 fields"), "{e}");
        assert!(parse_rest(br#"{"code":-1121,"msg":"Invalid symbol."}"#).is_err());
    }

    #[test]
    fn raw_and_combined_stream_frames_parse_and_other_frames_are_skipped() {
        let k = r#"{"e":"kline","E":1672515782136,"s":"BNBBTC","k":{"t":1672515780000,"T":1672515839999,
            "s":"BNBBTC","i":"1m","f":100,"L":200,"o":"0.0010","c":"0.0020","h":"0.0025","l":"0.0015",
            "v":"1000","n":100,"x":false,"q":"1.0000","V":"500","Q":"0.500","B":"123456"}}"#;
        let raw = parse_stream(k).unwrap().unwrap();
        assert_eq!(
            (raw.symbol.as_str(), raw.interval.as_str(), raw.closed),
            ("BNBBTC", "1m", false)
        );
        assert_eq!(raw.kline.close, 0.002);
        assert_eq!(raw.kline.trades, 100);
        let combined = format!(
            r#"{{"stream":"bnbbtc@kline_1m","data":{}}}"#,
            k.replace("false", "true")
        );
        let c = parse_stream(&combined).unwrap().unwrap();
        assert!(c.closed);
        assert_eq!(c.kline, raw.kline);
        assert_eq!(parse_stream(r#"{"result":null,"id":1}"#).unwrap(), None);
        assert_eq!(parse_stream(r#"{"e":"trade","E":1}"#).unwrap(), None);
        assert!(parse_stream("not json").is_err());
    }

    #[test]
    fn archive_rows_in_milliseconds_and_microseconds_give_the_same_kline() {
        let ms =
            b"1704067200000,42283.58,42298.62,42261.02,42298.61,35.92724,1704067259999,1519117.6,1327,16.3,689522.0,0";
        let us = b"1704067200000000,42283.58,42298.62,42261.02,42298.61,35.92724,1704067259999999,1519117.6,1327,16.3,689522.0,0\r";
        let a = parse_csv_line(ms).unwrap();
        let b = parse_csv_line(us).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            (a.open_time, a.close_time, a.trades),
            (1704067200000, 1704067259999, 1327)
        );
        assert!(is_micros(1704067200000000) && !is_micros(1704067200000));
        let e = parse_csv_line(b"1704067200000,1,2,3").unwrap_err();
        assert!(e.contains("missing column close"), "{e}");
        let e = parse_csv_line(b"open_time,open,high").unwrap_err();
        assert!(e.contains("open time: not an integer"), "{e}");
    }
}
