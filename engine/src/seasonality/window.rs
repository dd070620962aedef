//! A borrowed window of one series: the columns profiles read, without copying them.

use super::calendar::Calendar;
use crate::data::Bars;
use std::ops::Range;

/// The bars of one series in a range, borrowed, with the window's calendar when it is already computed.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    pub symbol: &'a str,
    pub ts: &'a [i64],
    pub high: &'a [f64],
    pub low: &'a [f64],
    pub close: &'a [f64],
    pub roll_id: Option<&'a [i64]>,
    /// The calendar of exactly these bars (an in-sample fold's test calendar), so it is not computed twice.
    pub calendar: Option<&'a Calendar>,
    /// The ATR(14) of these bars when already computed: a window from the series' first bar reads a prefix of the
    /// series' causal ATR, which equals the window's own.
    pub atr: Option<&'a [f64]>,
}

impl<'a> Window<'a> {
    /// The bars of `b` in `range`; the columns must have `b`'s length (see `check_lengths`).
    pub fn of(b: &'a Bars, range: Range<usize>) -> Window<'a> {
        Window {
            symbol: &b.symbol,
            ts: &b.ts[range.clone()],
            high: &b.high[range.clone()],
            low: &b.low[range.clone()],
            close: &b.close[range.clone()],
            roll_id: b.roll_id.as_deref().map(|r| &r[range]),
            calendar: None,
            atr: None,
        }
    }

    /// Every bar of `b`.
    pub fn all(b: &'a Bars) -> Window<'a> {
        Window::of(b, 0..b.len())
    }

    /// Number of bars.
    pub fn len(&self) -> usize {
        self.ts.len()
    }

    /// True when the window has no bar.
    pub fn is_empty(&self) -> bool {
        self.ts.is_empty()
    }
}
