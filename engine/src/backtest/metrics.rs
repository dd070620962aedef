//! Metrics reduced while the kernel runs: running sums only, no per-bar storage ([`Accumulator`]), and a
//! [`Recorder`] that also keeps the trades and the equity curve. Definitions: [`model::runs::BacktestMetrics`].

use super::kernel::{Sink, Trade};
use model::runs::BacktestMetrics;

/// Milliseconds in a mean Gregorian year (365.25 days), the unit of CAGR's elapsed time.
pub const YEAR_MS: f64 = 365.25 * 86_400_000.0;

/// Bars per year measured from the data: a year divided by the median spacing of consecutive bars.
/// Returns 0 when fewer than two bars or a zero median spacing.
pub fn bars_per_year(ts: &[i64]) -> f64 {
    let mut gaps: Vec<i64> = ts.windows(2).map(|w| w[1] - w[0]).filter(|g| *g > 0).collect();
    if gaps.is_empty() {
        return 0.0;
    }
    let mid = gaps.len() / 2;
    let (_, median, _) = gaps.select_nth_unstable(mid);
    YEAR_MS / *median as f64
}

/// Running sums of per-bar returns and trades; feeding several runs into one accumulator stitches them
/// into one equity curve (used for the walk-forward out-of-sample result).
#[derive(Debug, Clone, Copy)]
pub struct Accumulator {
    bars: u64,
    bars_long: u64,
    sum: f64,
    sum_sq: f64,
    down_sq: f64,
    equity: f64,
    peak: f64,
    max_dd: f64,
    /// Equity below which a new maximum drawdown starts: peak × (1 − max_dd) (saves a division per bar).
    dd_floor: f64,
    elapsed_ms: i64,
    trades: u64,
    wins: u64,
    sum_pnl: f64,
    gross_win: f64,
    gross_loss: f64,
    sum_r: f64,
    sum_r_sq: f64,
}

impl Default for Accumulator {
    fn default() -> Self {
        Self {
            bars: 0,
            bars_long: 0,
            sum: 0.0,
            sum_sq: 0.0,
            down_sq: 0.0,
            equity: 1.0,
            peak: 1.0,
            max_dd: 0.0,
            dd_floor: 1.0,
            elapsed_ms: 0,
            trades: 0,
            wins: 0,
            sum_pnl: 0.0,
            gross_win: 0.0,
            gross_loss: 0.0,
            sum_r: 0.0,
            sum_r_sq: 0.0,
        }
    }
}

impl Accumulator {
    /// The stitched equity so far (starts at 1).
    pub fn equity(&self) -> f64 {
        self.equity
    }

    /// The sum and the sum of squares of the bar returns so far.
    pub fn return_sums(&self) -> (f64, f64) {
        (self.sum, self.sum_sq)
    }

    /// Number of trades so far.
    pub fn n_trades(&self) -> u64 {
        self.trades
    }

    /// Number of bars so far.
    pub fn n_bars(&self) -> u64 {
        self.bars
    }

    /// The metrics, annualised with `bars_per_year`.
    pub fn finish(&self, bars_per_year: f64) -> BacktestMetrics {
        let n = self.bars as f64;
        let mean = if self.bars > 0 { self.sum / n } else { 0.0 };
        let var = if self.bars > 1 {
            ((self.sum_sq - n * mean * mean) / (n - 1.0)).max(0.0)
        } else {
            0.0
        };
        let ann = bars_per_year.max(0.0).sqrt();
        let sharpe = if var > 0.0 { mean / var.sqrt() * ann } else { 0.0 };
        let down = if self.bars > 0 { (self.down_sq / n).sqrt() } else { 0.0 };
        let sortino = if down > 0.0 { mean / down * ann } else { 0.0 };
        let years = self.elapsed_ms as f64 / YEAR_MS;
        let cagr = if years > 0.0 && self.equity > 0.0 {
            self.equity.powf(1.0 / years) - 1.0
        } else {
            0.0
        };
        let k = self.trades as f64;
        let avg_r = if self.trades > 0 { self.sum_r / k } else { 0.0 };
        let r_var = if self.trades > 1 {
            ((self.sum_r_sq - k * avg_r * avg_r) / (k - 1.0)).max(0.0)
        } else {
            0.0
        };
        BacktestMetrics {
            sharpe,
            sortino,
            max_drawdown: self.max_dd,
            cagr,
            hit_rate: if self.trades > 0 { self.wins as f64 / k } else { 0.0 },
            avg_r,
            trades: k,
            n_trades: self.trades,
            profit_factor: (self.gross_loss > 0.0).then(|| self.gross_win / self.gross_loss),
            expectancy: if self.trades > 0 { self.sum_pnl / k } else { 0.0 },
            exposure: if self.bars > 0 { self.bars_long as f64 / n } else { 0.0 },
            calmar: if self.max_dd > 0.0 { cagr / self.max_dd } else { 0.0 },
            sqn: if r_var > 0.0 {
                k.sqrt() * avg_r / r_var.sqrt()
            } else {
                0.0
            },
        }
    }
}

impl Sink for Accumulator {
    #[inline(always)]
    fn bar(&mut self, _i: usize, ret: f64, long: bool) {
        self.bars += 1;
        self.bars_long += long as u64;
        if ret != 0.0 {
            self.sum += ret;
            self.sum_sq += ret * ret;
            if ret < 0.0 {
                self.down_sq += ret * ret;
            }
            self.equity *= 1.0 + ret;
            if self.equity > self.peak {
                self.peak = self.equity;
                self.dd_floor = self.peak * (1.0 - self.max_dd);
            } else if self.equity < self.dd_floor {
                self.max_dd = 1.0 - self.equity / self.peak;
                self.dd_floor = self.equity;
            }
        }
    }

    #[inline]
    fn flat(&mut self, range: std::ops::Range<usize>) {
        self.bars += range.len() as u64;
    }

    /// [`Accumulator::bar`] for each held bar, with the running sums in registers.
    #[inline]
    fn held(&mut self, _first: usize, rets: &[f64]) {
        let mut run = Running::of(self);
        for &ret in rets {
            run.step(ret);
        }
        run.store(self, rets.len() as u64);
    }

    fn trade(&mut self, t: &Trade) {
        self.trades += 1;
        self.sum_pnl += t.pnl;
        if t.pnl > 0.0 {
            self.wins += 1;
            self.gross_win += t.pnl;
        } else {
            self.gross_loss -= t.pnl;
        }
        self.sum_r += t.r_multiple;
        self.sum_r_sq += t.r_multiple * t.r_multiple;
    }

    fn span(&mut self, elapsed_ms: i64) {
        self.elapsed_ms += elapsed_ms.max(0);
    }
}

/// The running sums [`Accumulator::bar`] updates, copied out so a loop keeps them in registers.
#[derive(Clone, Copy)]
struct Running {
    sum: f64,
    sum_sq: f64,
    down_sq: f64,
    equity: f64,
    peak: f64,
    max_dd: f64,
    dd_floor: f64,
}

impl Running {
    #[inline(always)]
    fn of(a: &Accumulator) -> Self {
        Self {
            sum: a.sum,
            sum_sq: a.sum_sq,
            down_sq: a.down_sq,
            equity: a.equity,
            peak: a.peak,
            max_dd: a.max_dd,
            dd_floor: a.dd_floor,
        }
    }

    /// Writes the sums back after `held` bars held long.
    #[inline(always)]
    fn store(self, a: &mut Accumulator, held: u64) {
        (a.sum, a.sum_sq, a.down_sq) = (self.sum, self.sum_sq, self.down_sq);
        (a.equity, a.peak, a.max_dd, a.dd_floor) = (self.equity, self.peak, self.max_dd, self.dd_floor);
        a.bars += held;
        a.bars_long += held;
    }

    /// Exactly the arithmetic of [`Accumulator::bar`] for one bar.
    #[inline(always)]
    fn step(&mut self, ret: f64) {
        if ret != 0.0 {
            self.sum += ret;
            self.sum_sq += ret * ret;
            if ret < 0.0 {
                self.down_sq += ret * ret;
            }
            self.equity *= 1.0 + ret;
            if self.equity > self.peak {
                self.peak = self.equity;
                self.dd_floor = self.peak * (1.0 - self.max_dd);
            } else if self.equity < self.dd_floor {
                self.max_dd = 1.0 - self.equity / self.peak;
                self.dd_floor = self.equity;
            }
        }
    }
}

/// [`Sink::held`] into two accumulators in one pass: their independent running sums advance side by side
/// (what a train window feeds to its fold's metrics and to the stitched ones).
pub fn held_pair(a: &mut Accumulator, b: &mut Accumulator, rets: &[f64]) {
    let (mut ra, mut rb) = (Running::of(a), Running::of(b));
    for &ret in rets {
        ra.step(ret);
        rb.step(ret);
    }
    ra.store(a, rets.len() as u64);
    rb.store(b, rets.len() as u64);
}

/// The full path: metrics plus every trade, the equity after every bar (with its timestamp index) and the
/// per-bar returns (for skew and kurtosis).
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    pub acc: Accumulator,
    pub trades: Vec<Trade>,
    /// `(bar index, equity after the bar)`; equity starts at 1 and continues across stitched runs.
    pub equity: Vec<(usize, f64)>,
    pub returns: Vec<f64>,
}

impl Recorder {
    /// A recorder with room for `bars` bars, so a long run's series are not copied as they grow.
    pub fn with_capacity(bars: usize) -> Self {
        Self {
            equity: crate::alloc::with_capacity(bars, "a recorded equity curve"),
            returns: crate::alloc::with_capacity(bars, "recorded bar returns"),
            ..Self::default()
        }
    }
}

impl Sink for Recorder {
    fn bar(&mut self, i: usize, ret: f64, long: bool) {
        self.acc.bar(i, ret, long);
        self.equity.push((i, self.acc.equity));
        self.returns.push(ret);
    }

    fn trade(&mut self, t: &Trade) {
        self.acc.trade(t);
        self.trades.push(*t);
    }

    fn span(&mut self, elapsed_ms: i64) {
        self.acc.span(elapsed_ms);
    }
}

/// Sample skewness and (non-excess) kurtosis of `x`; (0, 3) when undefined.
pub fn skew_kurtosis(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    if x.len() < 3 {
        return (0.0, 3.0);
    }
    let mean = x.iter().sum::<f64>() / n;
    let (m2, m3, m4) = x.iter().fold((0.0, 0.0, 0.0), |(a, b, c), v| {
        let d = v - mean;
        (a + d * d, b + d * d * d, c + d * d * d * d)
    });
    let (m2, m3, m4) = (m2 / n, m3 / n, m4 / n);
    if m2 <= 0.0 {
        return (0.0, 3.0);
    }
    (m3 / m2.powf(1.5), m4 / (m2 * m2))
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
