//! Per-block sums of each trial's stitched out-of-sample returns: all the per-trial state CSCV and the effective
//! trial count need (S blocks × sum, sum of squares and trades), so no per-trial series is kept.

use crate::backtest::{Sink, Trade};
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
    fn held(&mut self, first: usize, mut rets: &[f64]) {
        if self.sums.sum.is_empty() {
            return;
        }
        let mut pos = self.pos(first);
        while !rets.is_empty() {
            let end = self.seek(pos);
            let take = if self.block + 2 == self.starts.len() {
                rets.len()
            } else {
                (end - pos).min(rets.len())
            };
            let (now, rest) = rets.split_at(take);
            let (s, q) = now.iter().fold((0.0, 0.0), |(s, q), r| (s + r, q + r * r));
            self.sums.sum[self.block] += s;
            self.sums.sum_sq[self.block] += q;
            rets = rest;
            pos += take;
        }
    }

    fn trade(&mut self, t: &Trade) {
        if self.sums.trades.is_empty() {
            return;
        }
        let pos = self.pos(t.exit_index);
        let b = self.starts[1..]
            .partition_point(|&s| s <= pos)
            .min(self.sums.trades.len() - 1);
        self.sums.trades[b] += 1;
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
    fn an_odd_or_too_large_block_count_is_cut_to_what_the_bars_allow() {
        assert_eq!(BlockLayout::new(&[0..100], 7).blocks(), 6);
        assert_eq!(BlockLayout::new(&[0..3], 16).blocks(), 2);
        assert_eq!(BlockLayout::new(&[0..1], 16).blocks(), 0);
    }
}
