//! Per-block sums of each trial's stitched out-of-sample returns: all the per-trial state CSCV and the effective
//! trial count need (S blocks × sum, sum of squares and trades), so no per-trial series is kept.

use crate::backtest::{Accumulator, Sink, Trade};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The blocks of a series stitched from windows of bars (the folds' test windows, in fold order): S blocks of
/// (nearly) equal bar counts over the stitched positions, each window's bars following the previous window's.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockLayout {
    /// Stitched position where each block starts, then the series length (S + 1 values).
    starts: Vec<usize>,
    /// Each window's bars and the stitched position of its first bar.
    windows: Vec<(Range<usize>, usize)>,
}

impl BlockLayout {
    /// `blocks` blocks (made even, and no more than the bars allow) over `windows` stitched in order.
    pub fn new(windows: &[Range<usize>], blocks: usize) -> Self {
        let mut at = 0;
        let windows: Vec<(Range<usize>, usize)> = windows
            .iter()
            .map(|w| {
                let start = at;
                at += w.len();
                (w.clone(), start)
            })
            .collect();
        let s = blocks.min(at) & !1;
        let starts = (0..=s).map(|b| if s == 0 { 0 } else { b * at / s }).collect();
        Self { starts, windows }
    }

    /// Number of blocks S (even; 0 when the series has fewer than two bars).
    pub fn blocks(&self) -> usize {
        self.starts.len() - 1
    }

    /// Bars in each block.
    pub fn bars(&self) -> Vec<usize> {
        self.starts.windows(2).map(|w| w[1] - w[0]).collect()
    }

    /// The sink adding window `window`'s bars to `sums` (bar indices are those of the window's range).
    pub fn sink<'a>(&'a self, window: usize, sums: &'a mut BlockSums) -> BlockSink<'a> {
        let (range, first) = &self.windows[window];
        let shift = *first as isize - range.start as isize;
        let block = self.block_at(*first);
        BlockSink {
            sums,
            starts: &self.starts,
            shift,
            block,
        }
    }

    fn block_at(&self, pos: usize) -> usize {
        self.starts[1..]
            .partition_point(|&s| s <= pos)
            .min(self.blocks().saturating_sub(1))
    }
}

/// One trial's per-block sums of bar returns and its trades per block (by exit bar).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BlockSums {
    pub sum: Vec<f64>,
    pub sum_sq: Vec<f64>,
    pub trades: Vec<u32>,
}

impl BlockSums {
    /// Zero sums for `blocks` blocks.
    pub fn new(blocks: usize) -> Self {
        Self {
            sum: vec![0.0; blocks],
            sum_sq: vec![0.0; blocks],
            trades: vec![0; blocks],
        }
    }
}

/// Adds one window's bars to a trial's [`BlockSums`]; bars must arrive in order (as the kernel sends them).
pub struct BlockSink<'a> {
    sums: &'a mut BlockSums,
    starts: &'a [usize],
    /// Stitched position of bar `i` = i + shift.
    shift: isize,
    /// The block of the last bar seen.
    block: usize,
}

impl BlockSink<'_> {
    #[inline(always)]
    fn pos(&self, i: usize) -> usize {
        (i as isize + self.shift) as usize
    }

    /// Moves the cursor to the block of stitched position `pos` and returns the position where it ends.
    #[inline(always)]
    fn seek(&mut self, pos: usize) -> usize {
        while self.block + 2 < self.starts.len() && self.starts[self.block + 1] <= pos {
            self.block += 1;
        }
        self.starts[self.block + 1]
    }

    /// Cuts `rets` (bars `first..`) at block edges and hands each piece with its block to `each`, in order.
    #[inline]
    fn pieces(&mut self, first: usize, mut rets: &[f64], mut each: impl FnMut(&mut BlockSums, usize, &[f64])) {
        let mut pos = self.pos(first);
        while !rets.is_empty() {
            let end = self.seek(pos);
            let take = if self.block + 2 == self.starts.len() {
                rets.len()
            } else {
                (end - pos).min(rets.len())
            };
            let (now, rest) = rets.split_at(take);
            each(self.sums, self.block, now);
            rets = rest;
            pos += take;
        }
    }

    /// `acc.held(first, rets)` and this sink's [`Sink::held`] in one pass over the bars: `acc` takes them block by
    /// block, and each block gains the change of `acc`'s return sums (equal to the block's own sums up to rounding).
    #[inline]
    pub fn held_into(&mut self, acc: &mut Accumulator, first: usize, rets: &[f64]) {
        if self.sums.sum.is_empty() {
            return acc.held(first, rets);
        }
        let mut at = first;
        self.pieces(first, rets, |sums, b, now| {
            let (s0, q0) = acc.return_sums();
            acc.held(at, now);
            let (s1, q1) = acc.return_sums();
            sums.sum[b] += s1 - s0;
            sums.sum_sq[b] += q1 - q0;
            at += now.len();
        });
    }
}

impl Sink for BlockSink<'_> {
    #[inline(always)]
    fn bar(&mut self, i: usize, ret: f64, _long: bool) {
        if self.sums.sum.is_empty() || ret == 0.0 {
            return;
        }
        let pos = self.pos(i);
        self.seek(pos);
        self.sums.sum[self.block] += ret;
        self.sums.sum_sq[self.block] += ret * ret;
    }

    #[inline]
    fn flat(&mut self, _range: Range<usize>) {}

    #[inline]
    fn held(&mut self, first: usize, rets: &[f64]) {
        if self.sums.sum.is_empty() {
            return;
        }
        self.pieces(first, rets, |sums, b, now| {
            let (s, q) = now.iter().fold((0.0, 0.0), |(s, q), r| (s + r, q + r * r));
            sums.sum[b] += s;
            sums.sum_sq[b] += q;
        });
    }

    fn trade(&mut self, t: &Trade) {
        if self.sums.trades.is_empty() {
            return;
        }
        // A trade closes at or after the last bar seen (the kernel reports it just before its exit bar), so the
        // cursor only moves forward to its block.
        let pos = self.pos(t.exit_index);
        debug_assert!(
            pos >= self.starts[self.block],
            "a trade closing before the last bar seen"
        );
        self.seek(pos);
        self.sums.trades[self.block] += 1;
    }

    fn span(&mut self, _elapsed_ms: i64) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_split_the_stitched_windows_evenly_and_bars_land_in_their_block() {
        // Two windows of 5 and 7 bars stitched (12 positions) into 4 blocks of 3.
        let layout = BlockLayout::new(&[10..15, 30..37], 4);
        assert_eq!(layout.bars(), vec![3, 3, 3, 3]);
        let mut sums = BlockSums::new(4);
        let mut sink = layout.sink(0, &mut sums);
        sink.bar(10, 1.0, true);
        sink.held(11, &[2.0, 3.0, 4.0]); // positions 1..4: blocks 0, 0, 1
        let mut sink = layout.sink(1, &mut sums);
        sink.held(30, &[5.0, 6.0]); // positions 5, 6: blocks 1, 2
        sink.bar(36, 7.0, false); // position 11: block 3
        assert_eq!(sums.sum, vec![6.0, 9.0, 6.0, 7.0]);
        assert_eq!(sums.sum_sq, vec![14.0, 41.0, 36.0, 49.0]);
    }

    #[test]
    fn a_trade_counts_in_the_block_of_its_exit() {
        // One window of 12 bars in 4 blocks of 3; trades reported before their exit bar, as the kernel does.
        let layout = BlockLayout::new(&[20..32], 4);
        let mut sums = BlockSums::new(4);
        let mut sink = layout.sink(0, &mut sums);
        let trade = |exit_index| Trade {
            entry_index: 20,
            exit_index,
            ts_entry: 0,
            price_entry: 1.0,
            ts_exit: 0,
            price_exit: 1.0,
            r_multiple: 0.0,
            pnl: 0.0,
            reason: crate::backtest::ExitReason::Signal,
        };
        for exit in [21, 22, 23, 29, 31] {
            sink.trade(&trade(exit));
            sink.bar(exit, 0.01, false);
        }
        assert_eq!(sums.trades, vec![2, 1, 0, 2]);
    }

    #[test]
    fn held_into_feeds_the_accumulator_as_held_does_and_the_blocks_their_sums() {
        let layout = BlockLayout::new(&[100..1100], 16);
        let rets: Vec<f64> = (0..1000).map(|i| ((i * 7919 % 1000) as f64 - 480.0) * 1e-5).collect();
        let (mut alone, mut fused) = (Accumulator::default(), Accumulator::default());
        let (mut direct, mut diffs) = (BlockSums::new(16), BlockSums::new(16));
        // Two held stretches with a gap, as the kernel sends them.
        for (from, to) in [(0, 300), (500, 1000)] {
            alone.held(100 + from, &rets[from..to]);
            layout.sink(0, &mut direct).held(100 + from, &rets[from..to]);
            layout
                .sink(0, &mut diffs)
                .held_into(&mut fused, 100 + from, &rets[from..to]);
        }
        assert_eq!(fused.finish(525_960.0), alone.finish(525_960.0));
        assert_eq!(fused.return_sums(), alone.return_sums());
        // Differences of running sums: the block's own sums up to the rounding of the running ones.
        let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-14 * scale;
        let (total, total_sq) = alone.return_sums();
        for b in 0..16 {
            assert!(close(diffs.sum[b], direct.sum[b], total.abs().max(1e-3)), "block {b}");
            assert!(close(diffs.sum_sq[b], direct.sum_sq[b], total_sq), "block {b}");
        }
        assert_eq!((direct.sum[5], diffs.sum[5]), (0.0, 0.0), "a block inside the gap");
        assert!(
            direct.sum.iter().filter(|s| **s != 0.0).count() >= 12,
            "{:?}",
            direct.sum
        );
    }

    #[test]
    fn an_odd_or_too_large_block_count_is_cut_to_what_the_bars_allow() {
        assert_eq!(BlockLayout::new(&[0..100], 7).blocks(), 6);
        assert_eq!(BlockLayout::new(&[0..3], 16).blocks(), 2);
        assert_eq!(BlockLayout::new(&[0..1], 16).blocks(), 0);
    }
}
