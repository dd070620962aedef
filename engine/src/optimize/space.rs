//! Trial parameters and the grid / random enumerations of a search space.

use model::spec::experiment::SearchSpace;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// One point of the search space.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrialParams {
    pub ema_fast: usize,
    pub ema_slow: usize,
    pub r: f64,
    pub atr_k: f64,
}

impl TrialParams {
    /// A trial is runnable only when the fast EMA is shorter than the slow one.
    pub fn is_valid(&self) -> bool {
        self.ema_fast < self.ema_slow
    }
}

/// The dimensions' sizes, in the order `[ema_fast, ema_slow, atr_k, R]` used to index points.
pub fn cardinalities(s: &SearchSpace) -> [usize; 4] {
    [s.ema_fast.len(), s.ema_slow.len(), s.atr_k.len(), s.r.len()]
}

/// The point at per-dimension indices `ix` (`[ema_fast, ema_slow, atr_k, R]`).
pub fn at(s: &SearchSpace, ix: [usize; 4]) -> TrialParams {
    TrialParams {
        ema_fast: s.ema_fast[ix[0]],
        ema_slow: s.ema_slow[ix[1]],
        atr_k: s.atr_k[ix[2]],
        r: s.r[ix[3]],
    }
}

/// The original's grid order: `ema_fast` outer, `ema_slow` inner (skipping fast ≥ slow), then `atr_k`, `R` innermost.
pub fn grid(s: &SearchSpace) -> Vec<TrialParams> {
    let mut out = Vec::new();
    for i in 0..s.ema_fast.len() {
        for j in 0..s.ema_slow.len() {
            if s.ema_fast[i] >= s.ema_slow[j] {
                continue;
            }
            for k in 0..s.atr_k.len() {
                for l in 0..s.r.len() {
                    out.push(at(s, [i, j, k, l]));
                }
            }
        }
    }
    out
}

/// `max_trials` distinct valid points drawn uniformly with a seeded ChaCha8 generator; the whole grid (in
/// grid order) when it holds no more than `max_trials` points.
pub fn random(s: &SearchSpace, max_trials: usize, seed: u64) -> Vec<TrialParams> {
    let dims = cardinalities(s);
    let full = s.grid_size();
    if full <= max_trials as u128 {
        return grid(s);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut seen = HashSet::new();
    // Grown as points are found: a huge `max_trials` (the CLI has no trial limit) allocates nothing up front.
    let mut out = Vec::with_capacity(max_trials.min(1 << 16));
    let mut attempts = 0usize;
    while out.len() < max_trials && attempts < max_trials.saturating_mul(1000) {
        attempts += 1;
        let ix = dims.map(|d| rng.random_range(0..d));
        let p = at(s, ix);
        if p.is_valid() && seen.insert(ix) {
            out.push(p);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space(fast: &[usize], slow: &[usize]) -> SearchSpace {
        SearchSpace {
            ema_fast: fast.to_vec(),
            ema_slow: slow.to_vec(),
            r: vec![1.0, 2.0, 3.0, 4.0, 5.0],
            atr_k: vec![2.0],
            atr_k_searched: false,
        }
    }

    #[test]
    fn the_example_spec_gives_45_trials_in_the_originals_order() {
        let g = grid(&space(&[9, 12, 15], &[26, 35, 55]));
        assert_eq!(g.len(), 45);
        assert_eq!((g[0].ema_fast, g[0].ema_slow, g[0].r), (9, 26, 1.0));
        assert_eq!((g[4].ema_fast, g[4].ema_slow, g[4].r), (9, 26, 5.0));
        assert_eq!((g[5].ema_fast, g[5].ema_slow, g[5].r), (9, 35, 1.0));
        assert_eq!((g[44].ema_fast, g[44].ema_slow, g[44].r), (15, 55, 5.0));
    }

    #[test]
    fn pairs_with_fast_not_below_slow_are_skipped() {
        let s = space(&[10, 20, 30], &[20, 25]);
        assert_eq!(grid(&s).len(), 3 * 5);
        assert_eq!(s.grid_size(), 15);
    }

    #[test]
    fn random_search_is_seeded_distinct_and_valid() {
        let s = space(&(2..60).collect::<Vec<_>>(), &(10..200).collect::<Vec<_>>());
        let a = random(&s, 50, 3);
        assert_eq!(a, random(&s, 50, 3));
        assert_ne!(a, random(&s, 50, 4));
        assert_eq!(a.len(), 50);
        assert!(a.iter().all(TrialParams::is_valid));
        let keys: HashSet<_> = a.iter().map(|p| (p.ema_fast, p.ema_slow, p.r.to_bits())).collect();
        assert_eq!(keys.len(), 50);
        assert_eq!(
            random(&space(&[9], &[26]), 50, 1).len(),
            5,
            "a small space is enumerated whole"
        );
    }
}
