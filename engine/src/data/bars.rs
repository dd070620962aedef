//! One symbol's OHLCV series, stored column by column.

use super::Labels;

/// Time-ordered bars of one symbol. `ts` holds UTC epoch milliseconds; every column has the same length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bars {
    pub symbol: String,
    pub ts: Vec<i64>,
    pub open: Vec<f64>,
    pub high: Vec<f64>,
    pub low: Vec<f64>,
    pub close: Vec<f64>,
    pub volume: Vec<f64>,
    /// Session label per bar when the source supplies one (`session_id`/`session`).
    pub session: Option<Labels>,
    /// Contract roll identifier per bar when the source supplies one (`roll_id`).
    pub roll_id: Option<Vec<i64>>,
}

impl Bars {
    /// An empty series for `symbol`.
    pub fn new(symbol: impl Into<String>) -> Self {
        Self {
            symbol: symbol.into(),
            ..Self::default()
        }
    }

    /// Number of bars.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// True when the series has no bar.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }

    /// Appends one bar (no session or roll label).
    pub fn push(&mut self, ts: i64, open: f64, high: f64, low: f64, close: f64, volume: f64) {
        self.ts.push(ts);
        self.open.push(open);
        self.high.push(high);
        self.low.push(low);
        self.close.push(close);
        self.volume.push(volume);
    }

    /// The bars in `range` as a new series (labels included).
    pub fn slice(&self, range: std::ops::Range<usize>) -> Bars {
        Bars {
            symbol: self.symbol.clone(),
            ts: self.ts[range.clone()].to_vec(),
            open: self.open[range.clone()].to_vec(),
            high: self.high[range.clone()].to_vec(),
            low: self.low[range.clone()].to_vec(),
            close: self.close[range.clone()].to_vec(),
            volume: self.volume[range.clone()].to_vec(),
            session: self.session.as_ref().map(|s| s.gather(range.clone())),
            roll_id: self.roll_id.as_ref().map(|r| r[range].to_vec()),
        }
    }
}
