//! The deflated Sharpe ratio (Bailey & López de Prado, 2014): the probability that the selected strategy's
//! true Sharpe is above the best Sharpe expected from `n` unskilled trials, given the trials' Sharpe variance,
//! the track length and the non-normality (skew, kurtosis) of the returns.

/// Euler–Mascheroni constant.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// The expected maximum Sharpe of `n_trials` unskilled trials with Sharpe variance `var_sr` (per observation);
/// `n_trials` may be an effective, fractional count.
pub fn expected_max_sharpe(var_sr: f64, n_trials: f64) -> f64 {
    if n_trials.is_nan() || n_trials <= 1.0 || var_sr <= 0.0 {
        return 0.0;
    }
    let n = n_trials;
    let z1 = norm_ppf(1.0 - 1.0 / n);
    let z2 = norm_ppf(1.0 - 1.0 / (n * std::f64::consts::E));
    var_sr.sqrt() * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2)
}

/// DSR = Φ((SR − SR₀)·√(T − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4·SR²)), with SR, V[SR] per observation (not
/// annualised), `t` observations, skewness γ₃ and (non-excess) kurtosis γ₄. 0 when undefined.
pub fn deflated_sharpe(sr: f64, var_sr: f64, n_trials: f64, t: usize, skew: f64, kurtosis: f64) -> f64 {
    let sr0 = expected_max_sharpe(var_sr, n_trials);
    let denom = 1.0 - skew * sr + (kurtosis - 1.0) / 4.0 * sr * sr;
    if t < 2 || denom.is_nan() || denom <= 0.0 {
        return 0.0;
    }
    norm_cdf((sr - sr0) * ((t - 1) as f64).sqrt() / denom.sqrt())
}

/// Standard normal CDF through `erfc` (Numerical Recipes' Chebyshev fit, relative error < 1.2·10⁻⁷).
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2·10⁻⁹).
pub fn norm_ppf(p: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return if p <= 0.0 { f64::NEG_INFINITY } else { f64::INFINITY };
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.38357751867269e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_example_gives_a_dsr_of_about_0_9004() {
        // Annual SR 2.5 and V[SR] 0.5 over 250 observations per year, N 100, T 1250, skew −3, kurtosis 10.
        let dsr = deflated_sharpe(2.5 / 250f64.sqrt(), 0.5 / 250.0, 100.0, 1250, -3.0, 10.0);
        assert!((dsr - 0.9004).abs() < 5e-4, "{dsr}");
    }

    #[test]
    fn the_normal_helpers_hit_known_quantiles() {
        assert!((norm_cdf(1.959963984540054) - 0.975).abs() < 1e-7);
        assert!((norm_ppf(0.975) - 1.959963984540054).abs() < 1e-8);
        assert!((norm_ppf(0.01) + 2.326347874040841).abs() < 1e-8);
        assert!((norm_cdf(0.0) - 0.5).abs() < 2e-7);
    }

    /// Sample Sharpe, skew and kurtosis of each of 50 trials of 1,000 normal daily returns: noise, but trial 0
    /// with a daily Sharpe of 0.2.
    fn trials() -> Vec<(f64, f64, f64)> {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Normal};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        (0..50)
            .map(|j| {
                let d = Normal::new(if j == 0 { 0.002 } else { 0.0 }, 0.01).unwrap();
                let r: Vec<f64> = (0..1000).map(|_| d.sample(&mut rng)).collect();
                let mean = r.iter().sum::<f64>() / 1000.0;
                let sd = (r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 999.0).sqrt();
                let (skew, kurt) = crate::backtest::skew_kurtosis(&r);
                (mean / sd, skew, kurt)
            })
            .collect()
    }

    #[test]
    fn a_real_edge_deflates_to_near_one_and_an_ordinary_noise_trial_to_near_zero() {
        let t = trials();
        let srs: Vec<f64> = t.iter().map(|x| x.0).collect();
        let m = srs.iter().sum::<f64>() / 50.0;
        let var = srs.iter().map(|s| (s - m).powi(2)).sum::<f64>() / 49.0;
        let dsr = |k: usize| deflated_sharpe(t[k].0, var, 50.0, 1000, t[k].1, t[k].2);
        assert!(dsr(0) > 0.99, "{}", dsr(0));
        let mut noise: Vec<f64> = (1..50).map(dsr).collect();
        noise.sort_by(f64::total_cmp);
        assert!(noise[24] < 0.05, "median noise trial {}", noise[24]);
        assert!(noise[48] < 0.9, "best noise trial {}", noise[48]);
    }

    #[test]
    fn more_trials_deflate_more() {
        let few = deflated_sharpe(0.1, 0.002, 10.0, 1000, 0.0, 3.0);
        let many = deflated_sharpe(0.1, 0.002, 1000.0, 1000, 0.0, 3.0);
        assert!(many < few, "{many} {few}");
    }
}
