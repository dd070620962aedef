//! The effective number of independent trials behind a best-of-N: N_eff = ρ̄ + (1 − ρ̄)·N, with ρ̄ the mean
//! pairwise correlation of the trials' returns (measured on their per-block mean returns). N identical trials
//! count once, N independent ones N times. It is the simple average-correlation interpolation between those two
//! cases; clustering the trials (López de Prado, 2018, on the multiple-testing crisis) would refine it.

use super::blocks::BlockSums;

/// The mean pairwise correlation ρ̄ (clamped to 0…1) of the trials' block mean returns and N_eff.
/// Trials without variance across blocks (e.g. never in a position) are left out of ρ̄; with fewer than two
/// varying trials ρ̄ is 1 (nothing shows the trials to differ).
pub fn effective_trials(bars: &[usize], trials: &[&BlockSums]) -> (f64, f64) {
    let n = trials.len() as f64;
    let s = bars.len();
    if trials.len() < 2 || s < 3 {
        return (1.0, n.min(1.0));
    }
    let mut total = vec![0.0; s];
    let mut varying = 0usize;
    for t in trials {
        let x: Vec<f64> = (0..s).map(|b| t.sum[b] / bars[b].max(1) as f64).collect();
        let mean = x.iter().sum::<f64>() / s as f64;
        let ss: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
        let sd = (ss / (s - 1) as f64).sqrt();
        if !(sd > 0.0 && sd.is_finite()) || ss < 1e-24 * x.iter().map(|v| v * v).sum::<f64>() {
            continue;
        }
        varying += 1;
        total.iter_mut().zip(&x).for_each(|(acc, v)| *acc += (v - mean) / sd);
    }
    if varying < 2 {
        return (1.0, 1.0);
    }
    // Σ_{i≠j} z_i·z_j / (S − 1) = |Σ z|² / (S − 1) − M, since each |z_i|² = S − 1.
    let m = varying as f64;
    let pairs: f64 = total.iter().map(|v| v * v).sum::<f64>() / (s - 1) as f64 - m;
    let rho = (pairs / (m * (m - 1.0))).clamp(0.0, 1.0);
    (rho, rho + (1.0 - rho) * n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backtest::Sink;
    use crate::overfit::blocks::BlockLayout;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, Normal};

    fn sums(cols: &[Vec<f64>]) -> (Vec<usize>, Vec<BlockSums>) {
        let layout = BlockLayout::new(&[0..cols[0].len()], 16);
        let out = cols
            .iter()
            .map(|c| {
                let mut b = BlockSums::new(16);
                layout.sink(0, &mut b).held(0, c);
                b
            })
            .collect();
        (layout.bars(), out)
    }

    fn noise(n: usize, t: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let d = Normal::new(0.0, 0.01).unwrap();
        (0..n).map(|_| (0..t).map(|_| d.sample(&mut rng)).collect()).collect()
    }

    #[test]
    fn identical_trials_count_once() {
        let one = noise(1, 3200, 1).remove(0);
        let (bars, s) = sums(&vec![one; 40]);
        let (rho, n_eff) = effective_trials(&bars, &s.iter().collect::<Vec<_>>());
        assert!((rho - 1.0).abs() < 1e-9, "{rho}");
        assert!((n_eff - 1.0).abs() < 1e-6, "{n_eff}");
    }

    #[test]
    fn independent_trials_count_nearly_n_times() {
        let (bars, s) = sums(&noise(200, 3200, 2));
        let (rho, n_eff) = effective_trials(&bars, &s.iter().collect::<Vec<_>>());
        assert!(rho < 0.02, "{rho}");
        assert!(n_eff > 0.97 * 200.0, "{n_eff}");
    }

    #[test]
    fn half_shared_returns_give_a_correlation_of_one_half() {
        // Each trial = common + own noise of equal variance: pairwise correlation 1/2.
        let common = noise(1, 3200, 3).remove(0);
        let cols: Vec<Vec<f64>> = noise(100, 3200, 4)
            .into_iter()
            .map(|own| own.iter().zip(&common).map(|(a, b)| a + b).collect())
            .collect();
        let (bars, s) = sums(&cols);
        let (rho, n_eff) = effective_trials(&bars, &s.iter().collect::<Vec<_>>());
        assert!((rho - 0.5).abs() < 0.1, "{rho}");
        assert!((n_eff - (rho + (1.0 - rho) * 100.0)).abs() < 1e-9);
    }
}
