//! Entry signals: the [`Signal`] trait the kernel reads, the EMA cross, plain `[bool]` slices and [`SignalBits`], a
//! bit set that finds the next change of state 64 bars at a time (computed once and shared by every trial that
//! uses the same signal, e.g. all stop/target variants of one EMA pair).

/// Per-bar "want to be long" decision, evaluated at the close of bar `i`.
pub trait Signal {
    /// True when the strategy wants to hold a long position after the close of bar `i`.
    fn long(&self, i: usize) -> bool;

    /// The first `i` in `from..end` with `long(i)`, or `end` when there is none.
    #[inline]
    fn next_on(&self, from: usize, end: usize) -> usize {
        (from..end).find(|&i| self.long(i)).unwrap_or(end.max(from))
    }

    /// The first `i` in `from..end` without `long(i)`, or `end` when there is none.
    #[inline]
    fn next_off(&self, from: usize, end: usize) -> usize {
        (from..end).find(|&i| !self.long(i)).unwrap_or(end.max(from))
    }
}

impl<T: Signal + ?Sized> Signal for &T {
    #[inline(always)]
    fn long(&self, i: usize) -> bool {
        (**self).long(i)
    }
    #[inline]
    fn next_on(&self, from: usize, end: usize) -> usize {
        (**self).next_on(from, end)
    }
    #[inline]
    fn next_off(&self, from: usize, end: usize) -> usize {
        (**self).next_off(from, end)
    }
}

/// The EMA-cross signal (§2.2): long while `fast[i] > slow[i]`.
#[derive(Debug, Clone, Copy)]
pub struct EmaCross<'a> {
    pub fast: &'a [f64],
    pub slow: &'a [f64],
}

impl Signal for EmaCross<'_> {
    #[inline(always)]
    fn long(&self, i: usize) -> bool {
        self.fast[i] > self.slow[i]
    }
}

impl Signal for [bool] {
    #[inline(always)]
    fn long(&self, i: usize) -> bool {
        self[i]
    }
}

/// A signal stored one bit per bar (bit `i % 64` of word `i / 64`); bars past `len` are off.
/// The word whose bit k is `a[k] > b[k]`, over the first 64 (or fewer) values.
#[inline]
pub fn above_word(a: &[f64], b: &[f64]) -> u64 {
    let mut w = 0u64;
    for k in 0..a.len().min(b.len()).min(64) {
        w |= ((a[k] > b[k]) as u64) << k;
    }
    w
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignalBits {
    words: Vec<u64>,
    len: usize,
}

impl SignalBits {
    /// The bits of any signal over bars `0..len`.
    pub fn from_signal<S: Signal + ?Sized>(signal: &S, len: usize) -> Self {
        let mut words = vec![0u64; len.div_ceil(64)];
        for (w, word) in words.iter_mut().enumerate() {
            let base = w * 64;
            for k in 0..(len - base).min(64) {
                *word |= (signal.long(base + k) as u64) << k;
            }
        }
        Self { words, len }
    }

    /// Bits packed 64 bars to a word (bar `64w + k` is bit k of word w) over bars `0..len`.
    pub fn from_words(words: Vec<u64>, len: usize) -> Self {
        debug_assert_eq!(words.len(), len.div_ceil(64));
        Self { words, len }
    }

    /// The EMA cross `fast[i] > slow[i]` over the common length of both series.
    pub fn ema_cross(fast: &[f64], slow: &[f64]) -> Self {
        let len = fast.len().min(slow.len());
        let (mut f, mut s) = (fast[..len].chunks_exact(64), slow[..len].chunks_exact(64));
        let mut words: Vec<u64> = (&mut f).zip(&mut s).map(|(a, b)| above_word(a, b)).collect();
        if !f.remainder().is_empty() {
            words.push(above_word(f.remainder(), s.remainder()));
        }
        Self { words, len }
    }

    /// Number of bars covered.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when no bar is covered.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first bar in `from..min(end, len)` whose bit, xor-ed with `flip`, is set.
    #[inline]
    fn first_set(&self, from: usize, end: usize, flip: u64) -> Option<usize> {
        let lim = end.min(self.len);
        if from >= lim {
            return None;
        }
        let mut w = from / 64;
        let mut word = (self.words[w] ^ flip) & (!0u64 << (from % 64));
        loop {
            if word != 0 {
                let i = w * 64 + word.trailing_zeros() as usize;
                return (i < lim).then_some(i);
            }
            w += 1;
            if w * 64 >= lim {
                return None;
            }
            word = self.words[w] ^ flip;
        }
    }
}

impl Signal for SignalBits {
    #[inline(always)]
    fn long(&self, i: usize) -> bool {
        i < self.len && (self.words[i / 64] >> (i % 64)) & 1 == 1
    }

    #[inline]
    fn next_on(&self, from: usize, end: usize) -> usize {
        self.first_set(from, end, 0).unwrap_or(end.max(from))
    }

    #[inline]
    fn next_off(&self, from: usize, end: usize) -> usize {
        self.first_set(from, end, !0).unwrap_or_else(|| {
            // Bars past `len` are off.
            let past = from.max(self.len);
            if past < end {
                past
            } else {
                end.max(from)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn bit_scans_agree_with_a_bar_by_bar_scan_everywhere() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for len in [0usize, 1, 63, 64, 65, 200, 517] {
            // Long runs and isolated bars, so whole words of ones and of zeros occur.
            let mut v = Vec::with_capacity(len);
            let mut state = false;
            for _ in 0..len {
                if rng.random::<f64>() < 0.03 {
                    state = !state;
                }
                v.push(if rng.random::<f64>() < 0.02 { !state } else { state });
            }
            let bits = SignalBits::from_signal(&v[..], len);
            assert_eq!(bits.len(), len);
            for from in 0..=len + 2 {
                for end in [from, from + 1, from + 70, len, len + 3] {
                    let slice: &[bool] = &v;
                    let want_on = (from..end.min(len)).find(|&i| slice[i]).unwrap_or(end.max(from));
                    let want_off = (from..end).find(|&i| i >= len || !slice[i]).unwrap_or(end.max(from));
                    assert_eq!(bits.next_on(from, end), want_on, "on len {len} from {from} end {end}");
                    assert_eq!(
                        bits.next_off(from, end),
                        want_off,
                        "off len {len} from {from} end {end}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_ema_cross_bits_equal_the_cross_signal() {
        let fast: Vec<f64> = (0..300).map(|i| (i as f64 * 0.1).sin()).collect();
        let slow: Vec<f64> = (0..300).map(|i| (i as f64 * 0.07).cos()).collect();
        let bits = SignalBits::ema_cross(&fast, &slow);
        let cross = EmaCross {
            fast: &fast,
            slow: &slow,
        };
        assert!((0..300).all(|i| bits.long(i) == cross.long(i)));
        assert_eq!(bits, SignalBits::from_signal(&cross, 300));
    }
}
