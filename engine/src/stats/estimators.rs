//! The original's estimators (§2.9): Wilson interval, Jeffreys posterior, one-sided normal p-values with
//! continuity correction and Benjamini–Hochberg. The HDI is exact ([`super::beta::beta_hdi`]) instead of a grid.

use super::beta::beta_hdi;

/// z = Φ⁻¹(0.975), the original's Wilson quantile.
pub const Z_975: f64 = 1.959963984540054;

/// Wilson score interval at 95%: `(p̂, low, high)`; `n = 0` gives `(0, 0, 0)`.
pub fn wilson(successes: u64, n: u64) -> (f64, f64, f64) {
    if n == 0 {
        return (0.0, 0.0, 0.0);
    }
    let (s, n) = (successes as f64, n as f64);
    let p = s / n;
    let z2 = Z_975 * Z_975;
    let denom = 1.0 + z2 / n;
    let center = p + z2 / (2.0 * n);
    let margin = Z_975 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    (p, (center - margin) / denom, (center + margin) / denom)
}

/// The Jeffreys Beta(s + ½, n − s + ½) posterior.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Jeffreys {
    pub a: f64,
    pub b: f64,
}

impl Jeffreys {
    /// The posterior after `successes` out of `n`.
    pub fn new(successes: u64, n: u64) -> Self {
        Self {
            a: successes as f64 + 0.5,
            b: (n - successes) as f64 + 0.5,
        }
    }

    /// Posterior mean `a / (a + b)`.
    pub fn mean(&self) -> f64 {
        self.a / (self.a + self.b)
    }

    /// Posterior mode when both shapes exceed 1, else the mean (the original's rule).
    pub fn map(&self) -> f64 {
        if self.a > 1.0 && self.b > 1.0 {
            (self.a - 1.0) / (self.a + self.b - 2.0)
        } else {
            self.mean()
        }
    }

    /// The exact 95% highest-density interval.
    pub fn hdi(&self) -> (f64, f64) {
        beta_hdi(self.a, self.b, 0.95)
    }
}

/// Standard normal CDF Φ(z).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// One-sided binomial p-value by the normal approximation with continuity correction, against rate `p0`:
/// `greater` tests for more successes than `n·p0`, otherwise fewer. `n = 0` gives 1.
pub fn binomial_p_value(successes: u64, n: u64, p0: f64, greater: bool) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let (s, n) = (successes as f64, n as f64);
    let mu = n * p0;
    let var = n * p0 * (1.0 - p0);
    if var == 0.0 {
        let beyond = if greater { s > mu } else { s < mu };
        return if beyond { 0.0 } else { 1.0 };
    }
    if greater {
        1.0 - normal_cdf((s - mu - 0.5) / var.sqrt())
    } else {
        normal_cdf((s - mu + 0.5) / var.sqrt())
    }
}

/// Benjamini–Hochberg q-values, in the order of `p` (stable ranks, monotone from the largest p down, capped at 1).
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]));
    let mut q = vec![0.0; m];
    let mut prev = 1.0_f64;
    for rank in (1..=m).rev() {
        let i = order[rank - 1];
        prev = prev.min(p[i] * m as f64 / rank as f64);
        q[i] = prev.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() < tol
    }

    #[test]
    fn wilson_matches_the_reference_examples() {
        let (p, lo, hi) = wilson(0, 1);
        assert_eq!((p, lo), (0.0, 0.0));
        assert!(close(hi, 0.7934506856, 1e-10));
        let (p, lo, hi) = wilson(2, 3);
        assert!(close(p, 2.0 / 3.0, 1e-15));
        assert!(close(lo, 0.2076596008, 1e-10) && close(hi, 0.9385080553, 1e-10));
        // the recorded /stats/summary values
        assert!(close(wilson(2, 2).1, 0.3423802275066532, 1e-14));
        assert_eq!(wilson(0, 0), (0.0, 0.0, 0.0));
    }

    #[test]
    fn jeffreys_matches_the_reference_examples() {
        let j = Jeffreys::new(3, 4);
        assert_eq!((j.a, j.b), (3.5, 1.5));
        assert!(close(j.mean(), 0.70, 1e-15) && close(j.map(), 0.8333333333, 1e-10));
        let j = Jeffreys::new(0, 0);
        assert_eq!((j.mean(), j.map()), (0.5, 0.5));
        // recorded rows: 2 of 3 → mean 0.625, MAP 0.75; 0 of 1 → 0.25 both.
        assert_eq!((Jeffreys::new(2, 3).mean(), Jeffreys::new(2, 3).map()), (0.625, 0.75));
        assert_eq!(Jeffreys::new(0, 1).map(), 0.25);
    }

    #[test]
    fn the_exact_hdi_is_within_the_grid_methods_resolution() {
        // The original's grid HDI for Beta(3.5, 1.5): recomputed here with its algorithm.
        let (a, b) = (3.5_f64, 1.5_f64);
        let xs: Vec<f64> = (0..2000).map(|i| 1e-8 + i as f64 * (1.0 - 2e-8) / 1999.0).collect();
        let logd: Vec<f64> = xs
            .iter()
            .map(|x| (a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln())
            .collect();
        let max = logd.iter().cloned().fold(f64::MIN, f64::max);
        let d: Vec<f64> = logd.iter().map(|l| (l - max).exp()).collect();
        let dx = xs[1] - xs[0];
        let integral: f64 = d.windows(2).map(|w| (w[0] + w[1]) / 2.0 * dx).sum();
        let dn: Vec<f64> = d.iter().map(|v| v / integral).collect();
        let mut sorted = dn.clone();
        sorted.sort_by(|x, y| y.total_cmp(x));
        let mut cum = 0.0;
        let k = sorted.iter().position(|v| {
            cum += v * dx;
            cum >= 0.95
        });
        let thr = sorted[k.unwrap()];
        let inside: Vec<f64> = xs.iter().zip(&dn).filter(|(_, &v)| v >= thr).map(|(x, _)| *x).collect();
        let (lo, hi) = Jeffreys::new(3, 4).hdi();
        assert!(
            close(lo, inside[0], 2e-3) && close(hi, *inside.last().unwrap(), 2e-3),
            "{lo} {hi} vs {inside:?}"
        );
    }

    #[test]
    fn p_values_match_the_recorded_rows() {
        // /stats/result after the sample run: p0 = 2/3 (continuation_n), rows 0/1 ("less") and 2/2 ("greater").
        assert!(close(
            binomial_p_value(0, 1, 2.0 / 3.0, false),
            0.36183680491588155,
            1e-12
        ));
        assert!(close(
            binomial_p_value(2, 2, 2.0 / 3.0, true),
            0.4012936743170763,
            1e-12
        ));
        assert_eq!(binomial_p_value(2, 3, 0.5, true), 0.5);
        assert_eq!(binomial_p_value(3, 3, 1.0, true), 1.0);
        assert_eq!(binomial_p_value(5, 0, 0.5, true), 1.0);
    }

    #[test]
    fn benjamini_hochberg_is_monotone_and_capped() {
        let q = benjamini_hochberg(&[0.36183680491588155, 0.4012936743170763]);
        assert!(close(q[0], 0.4012936743170763, 1e-15) && close(q[1], 0.4012936743170763, 1e-15));
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.9]);
        assert!(
            close(q[0], 0.04, 1e-15) && close(q[1], 0.04 * 4.0 / 3.0, 1e-15) && close(q[2], 0.04 * 4.0 / 3.0, 1e-15)
        );
        assert_eq!(q[3], 0.9);
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
