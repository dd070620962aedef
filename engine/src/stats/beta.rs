//! Beta distribution functions for the Jeffreys posterior: regularised incomplete beta, its inverse and the
//! exact highest-density interval. Hand-written (≈100 lines) instead of pulling `statrs` and its `nalgebra`
//! dependency into the engine: the incomplete beta is the Numerical Recipes continued fraction (modified Lentz,
//! Press et al. §6.4), the inverse is Newton's method inside a bisection bracket, the HDI an Illinois root
//! search for equal densities at both ends.

/// `I_x(a, b)`, the Beta(a, b) cumulative distribution at `x` (relative accuracy ≈ 1e-14).
pub fn beta_cdf(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    // The continued fraction converges fast for x < (a+1)/(a+b+2); use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a) otherwise.
    if x < (a + 1.0) / (a + b + 2.0) {
        front * continued_fraction(x, a, b) / a
    } else {
        1.0 - front * continued_fraction(1.0 - x, b, a) / b
    }
}

/// The continued fraction of the incomplete beta, evaluated with the modified Lentz method.
fn continued_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    const EPS: f64 = 1e-15;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=10_000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    h
}

/// The `p`-quantile of Beta(a, b): the `x` with `I_x(a, b) = p`, by Newton steps kept inside a shrinking
/// bracket (a bisection step whenever Newton would leave it), to |I_x − p| < 1e-14 or a 1e-15 step.
pub fn beta_quantile(p: f64, a: f64, b: f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let ln_norm = libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b);
    let density = |x: f64| (ln_norm + (a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln()).exp();
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    let mut x = a / (a + b);
    for _ in 0..200 {
        let err = beta_cdf(x, a, b) - p;
        if err.abs() < 1e-14 {
            break;
        }
        if err < 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        let newton = x - err / density(x);
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        if (next - x).abs() < 1e-15 {
            x = next;
            break;
        }
        x = next;
    }
    x
}

/// The shortest interval holding `mass` of Beta(a, b). Monotone densities give a one-sided interval;
/// a U-shaped density (a < 1 and b < 1) has no single highest-density interval and gives (0, 1).
pub fn beta_hdi(a: f64, b: f64, mass: f64) -> (f64, f64) {
    if a < 1.0 && b < 1.0 {
        return (0.0, 1.0);
    }
    if a <= 1.0 {
        return (0.0, beta_quantile(mass, a, b));
    }
    if b <= 1.0 {
        return (beta_quantile(1.0 - mass, a, b), 1.0);
    }
    // Unimodal: the shortest interval has equal densities at both ends. With the lower tail mass p, the gap
    // ln f(q(p)) − ln f(q(p + mass)) rises monotonically from −∞ to +∞ on [0, 1 − mass]: find its root.
    let log_density = |x: f64| (a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln();
    let gap = |p: f64| log_density(beta_quantile(p, a, b)) - log_density(beta_quantile(p + mass, a, b));
    // Illinois false position (bisection while an end of the bracket is still infinite).
    let (mut lo, mut hi) = (0.0, 1.0 - mass);
    let (mut g_lo, mut g_hi) = (f64::NEG_INFINITY, f64::INFINITY);
    let mut p = 0.5 * (lo + hi);
    let mut kept = 0i8;
    for _ in 0..200 {
        p = if g_lo.is_finite() && g_hi.is_finite() {
            (lo * g_hi - hi * g_lo) / (g_hi - g_lo)
        } else {
            0.5 * (lo + hi)
        };
        let g = gap(p);
        if g.abs() < 1e-12 || hi - lo < 1e-15 {
            break;
        }
        if g < 0.0 {
            (lo, g_lo) = (p, g);
            if kept == -1 {
                g_hi /= 2.0;
            }
            kept = -1;
        } else {
            (hi, g_hi) = (p, g);
            if kept == 1 {
                g_lo /= 2.0;
            }
            kept = 1;
        }
    }
    (beta_quantile(p, a, b), beta_quantile(p + mass, a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn density(x: f64, a: f64, b: f64) -> f64 {
        (libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b) + (a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln())
            .exp()
    }

    #[test]
    fn the_cdf_matches_closed_forms() {
        // Beta(1, 1) is uniform; Beta(2, 1) has CDF x²; Beta(1, 3) has CDF 1 − (1−x)³; Beta(.5,.5) is arcsine.
        for x in [0.01, 0.2, 0.5, 0.77, 0.99] {
            assert!((beta_cdf(x, 1.0, 1.0) - x).abs() < 1e-13);
            assert!((beta_cdf(x, 2.0, 1.0) - x * x).abs() < 1e-13);
            assert!((beta_cdf(x, 1.0, 3.0) - (1.0 - x_pow3(1.0 - x))).abs() < 1e-13);
            let arcsine = 2.0 / std::f64::consts::PI * x.sqrt().asin();
            assert!((beta_cdf(x, 0.5, 0.5) - arcsine).abs() < 1e-12, "{x}");
        }
    }

    fn x_pow3(x: f64) -> f64 {
        x * x * x
    }

    #[test]
    fn the_quantile_inverts_the_cdf() {
        for (a, b) in [(3.5, 1.5), (0.5, 10.5), (150.5, 160.5), (2.0, 2.0)] {
            for p in [0.025, 0.5, 0.975] {
                assert!(
                    (beta_cdf(beta_quantile(p, a, b), a, b) - p).abs() < 1e-10,
                    "{a} {b} {p}"
                );
            }
        }
    }

    #[test]
    fn the_hdi_holds_the_mass_with_equal_densities_at_both_ends() {
        for (a, b) in [(3.5, 1.5), (2.5, 7.5), (150.5, 160.5)] {
            let (lo, hi) = beta_hdi(a, b, 0.95);
            assert!((beta_cdf(hi, a, b) - beta_cdf(lo, a, b) - 0.95).abs() < 1e-9);
            let (dl, dh) = (density(lo, a, b), density(hi, a, b));
            assert!((dl - dh).abs() / dl.max(dh) < 1e-4, "{a} {b}: {dl} vs {dh}");
        }
        // symmetric posterior: symmetric interval
        let (lo, hi) = beta_hdi(10.5, 10.5, 0.95);
        assert!((lo + hi - 1.0).abs() < 1e-9, "{lo} {hi}");
    }

    #[test]
    fn monotone_densities_give_one_sided_intervals() {
        let (lo, hi) = beta_hdi(0.5, 3.5, 0.95);
        assert_eq!(lo, 0.0);
        assert!((beta_cdf(hi, 0.5, 3.5) - 0.95).abs() < 1e-10);
        let (lo, hi) = beta_hdi(3.5, 0.5, 0.95);
        assert_eq!(hi, 1.0);
        assert!((beta_cdf(lo, 3.5, 0.5) - 0.05).abs() < 1e-10);
        assert_eq!(beta_hdi(0.5, 0.5, 0.95), (0.0, 1.0));
    }
}
