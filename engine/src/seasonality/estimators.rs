//! Small exact estimators used by profiles: Wilson interval, "nearest" quantiles, true median, sample std,
//! normal and Student-t tail probabilities, Benjamini–Hochberg and Pearson correlation.

/// z for a two-sided 95% interval, as the original (`Φ⁻¹(0.975)`).
pub const Z95: f64 = 1.959963984540054;

/// Wilson score interval at 95%: `(p̂, low, high)`; `(0, 0, 0)` when n = 0 (reference §2.9).
pub fn wilson(successes: u64, n: u64) -> (f64, f64, f64) {
    if n == 0 {
        return (0.0, 0.0, 0.0);
    }
    let (s, n) = (successes as f64, n as f64);
    let p = s / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let center = p + z2 / (2.0 * n);
    let margin = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    (p, (center - margin) / denom, (center + margin) / denom)
}

/// Arithmetic mean; None for an empty slice.
pub fn mean(x: &[f64]) -> Option<f64> {
    (!x.is_empty()).then(|| x.iter().sum::<f64>() / x.len() as f64)
}

/// Sample standard deviation (ddof 1, two-pass) of values given as [`order_key`]s, around their known mean,
/// summed in the keys' order; None below two values.
pub fn sample_std_of_keys(keys: &[i64], mean: f64) -> Option<f64> {
    if keys.len() < 2 {
        return None;
    }
    let ss: f64 = keys
        .iter()
        .map(|k| from_order_key(*k))
        .map(|v| (v - mean) * (v - mean))
        .sum();
    Some((ss / (keys.len() - 1) as f64).sqrt())
}

/// The original's "nearest" quantiles of values given as [`order_key`]s, which it reorders: index `round((n−1)·q)`
/// (half away from zero) of the sorted values, for ascending `qs`, each selected in the part right of the previous
/// one (about 2.5 passes instead of 4 for p25/p50/p75/p90). All None when empty.
pub fn quantiles_of_keys<const N: usize>(keys: &mut [i64], qs: [f64; N]) -> [Option<f64>; N] {
    let mut out = [None; N];
    if keys.is_empty() {
        return out;
    }
    let last = keys.len() - 1;
    let mut lo = 0;
    for (slot, q) in out.iter_mut().zip(qs) {
        let k = (((last as f64) * q).round() as usize).clamp(lo, last);
        let (_, v, _) = keys[lo..].select_nth_unstable(k - lo);
        *slot = Some(from_order_key(*v));
        lo = k;
    }
    out
}

/// The true median (mean of the two middle values for even n) of values given as [`order_key`]s, which it
/// reorders; None when empty.
pub fn median_of_keys(keys: &mut [i64]) -> Option<f64> {
    let n = keys.len();
    if n == 0 {
        return None;
    }
    let (left, mid, _) = keys.select_nth_unstable(n / 2);
    let upper = from_order_key(*mid);
    if n % 2 == 1 {
        return Some(upper);
    }
    let lower = left.iter().max().map_or(f64::NEG_INFINITY, |k| from_order_key(*k));
    Some((lower + upper) / 2.0)
}

/// An integer ordered as `f64::total_cmp` orders the values: selecting on such keys compares machine integers.
#[inline]
pub fn order_key(v: f64) -> i64 {
    flip(v.to_bits() as i64)
}

/// The value of an [`order_key`].
#[inline]
pub fn from_order_key(k: i64) -> f64 {
    f64::from_bits(flip(k) as u64)
}

/// `f64::total_cmp`'s transform (its own inverse): negative values get their magnitude bits flipped.
fn flip(bits: i64) -> i64 {
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// Standard normal upper tail `1 − Φ(z)`, via the regularised incomplete gamma (erfc(x) = Q(½, x²)).
pub fn normal_sf(z: f64) -> f64 {
    let x = z / std::f64::consts::SQRT_2;
    if x >= 0.0 {
        0.5 * gamma_q_half(x * x)
    } else {
        1.0 - 0.5 * gamma_q_half(x * x)
    }
}

/// Two-sided p-value of a standard normal statistic.
pub fn normal_two_sided(z: f64) -> f64 {
    (2.0 * normal_sf(z.abs())).min(1.0)
}

/// Two-sided p-value of a Student-t statistic with `df` degrees of freedom: `I_{df/(df+t²)}(df/2, ½)`.
pub fn student_two_sided(t: f64, df: f64) -> f64 {
    if !t.is_finite() {
        return 0.0;
    }
    incomplete_beta(df / 2.0, 0.5, df / (df + t * t)).clamp(0.0, 1.0)
}

/// Benjamini–Hochberg q-values in input order (reference §2.9); empty in, empty out.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut q = vec![0.0; m];
    let mut prev = 1.0f64;
    for rank in (1..=m).rev() {
        let i = order[rank - 1];
        prev = prev.min(p[i] * m as f64 / rank as f64);
        q[i] = prev.min(1.0);
    }
    q
}

/// Pearson correlation of paired values; None below two pairs or when either side is constant.
pub fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    let (ma, mb) = (mean(a)?, mean(b)?);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    (saa > 0.0 && sbb > 0.0).then(|| sab / (saa * sbb).sqrt())
}

/// Q(½, x) = erfc(√x): series for small x, Lentz continued fraction otherwise (relative error ~1e-15).
fn gamma_q_half(x: f64) -> f64 {
    let a = 0.5;
    let ln_gamma_a = 0.5 * std::f64::consts::PI.ln(); // ln Γ(½) = ln √π
    if x <= 0.0 {
        return 1.0;
    }
    if x < a + 1.0 {
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..500 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        1.0 - sum * (-x + a * x.ln() - ln_gamma_a).exp()
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..500 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            d = if d.abs() < tiny { tiny } else { d };
            c = b + an / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (-x + a * x.ln() - ln_gamma_a).exp() * h
    }
}

/// Regularised incomplete beta `I_x(a, b)` (continued fraction, Numerical Recipes' `betacf`).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_cf(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_cf(b, a, 1.0 - x) / b
    }
}

fn beta_cf(a: f64, b: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    d = if d.abs() < tiny { tiny } else { d };
    d = 1.0 / d;
    let mut h = d;
    for m in 1..1000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        for aa in [
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ] {
            d = 1.0 + aa * d;
            d = if d.abs() < tiny { tiny } else { d };
            c = 1.0 + aa / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~1e-15 relative).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut acc = G[0];
    for (i, g) in G.iter().enumerate().skip(1) {
        acc += g / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + acc.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(x: &[f64]) -> Vec<i64> {
        x.iter().map(|v| order_key(*v)).collect()
    }

    fn quantiles_nearest<const N: usize>(x: &[f64], qs: [f64; N]) -> [Option<f64>; N] {
        quantiles_of_keys(&mut keys(x), qs)
    }

    fn median(x: &[f64]) -> Option<f64> {
        median_of_keys(&mut keys(x))
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn wilson_matches_the_reference_examples() {
        let (p, lo, hi) = wilson(0, 1);
        assert_eq!((p, lo), (0.0, 0.0));
        assert!(close(hi, 0.7934506856, 1e-9));
        let (p, lo, hi) = wilson(2, 3);
        assert!(close(p, 2.0 / 3.0, 1e-15) && close(lo, 0.2076596008, 1e-9) && close(hi, 0.9385080553, 1e-9));
        assert_eq!(wilson(0, 0), (0.0, 0.0, 0.0));
    }

    #[test]
    fn nearest_quantiles_match_the_verified_example() {
        let data = [1.0, 2.0, 3.0, 4.0, 10.0, 11.0];
        let q = |p: f64| quantiles_nearest(&data, [p])[0].unwrap();
        assert_eq!((q(0.25), q(0.5), q(0.75), q(0.9)), (2.0, 4.0, 10.0, 11.0));
        let shuffled = [11.0, 3.0, 10.0, 1.0, 4.0, 2.0];
        assert_eq!(
            quantiles_nearest(&shuffled, [0.25, 0.5, 0.75, 0.9]),
            [Some(2.0), Some(4.0), Some(10.0), Some(11.0)]
        );
        assert_eq!(quantiles_nearest(&[], [0.5]), [None]);
    }

    #[test]
    fn quantiles_and_medians_of_signed_values_equal_those_of_a_sorted_copy() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for n in 1..60 {
            let x: Vec<f64> = (0..n)
                .map(|_| match rng.random_range(0..10) {
                    0 => 0.0,
                    1 => -0.0,
                    _ => rng.random_range(-1e-3..1e-3),
                })
                .collect();
            let mut sorted = x.clone();
            sorted.sort_by(f64::total_cmp);
            let at = |q: f64| Some(sorted[(((n - 1) as f64) * q).round() as usize]);
            let want = [at(0.25), at(0.5), at(0.75), at(0.9)].map(|v| v.map(f64::to_bits));
            assert_eq!(
                quantiles_nearest(&x, [0.25, 0.5, 0.75, 0.9]).map(|v| v.map(f64::to_bits)),
                want
            );
            let mid = if n % 2 == 1 {
                sorted[n / 2]
            } else {
                (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
            };
            assert_eq!(median(&x).map(f64::to_bits), Some(mid.to_bits()));
        }
    }

    #[test]
    fn median_averages_the_two_middle_values() {
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(
            sample_std_of_keys(&keys(&[1.0, 2.0, 3.0, 4.0]), 2.5),
            Some((5.0f64 / 3.0).sqrt())
        );
        assert_eq!(sample_std_of_keys(&keys(&[1.0]), 1.0), None);
    }

    #[test]
    fn normal_tails_match_known_values() {
        assert!(close(normal_sf(0.0), 0.5, 1e-15));
        assert!(close(normal_sf(Z95), 0.025, 1e-12));
        assert!(close(normal_sf(-1.0), 0.841344746068543, 1e-12));
        assert!(close(normal_sf(3.0), 0.0013498980316301, 1e-13));
        assert!(close(normal_two_sided(-2.5758293035489), 0.01, 1e-11));
    }

    #[test]
    fn student_t_matches_known_values_and_tends_to_the_normal() {
        // t = 2.228138852 is the 97.5% point with 10 df; t = 12.7062047 with 1 df.
        assert!(close(student_two_sided(2.228138852, 10.0), 0.05, 1e-8));
        assert!(close(student_two_sided(12.7062047, 1.0), 0.05, 1e-7));
        assert!(close(student_two_sided(1.5, 1e7), normal_two_sided(1.5), 1e-6));
    }

    #[test]
    fn benjamini_hochberg_follows_the_step_up_rule() {
        // Sorted 0.01, 0.03, 0.04, 0.20: raw m·p/r = 0.04, 0.06, 0.0533, 0.20; the running minimum from the top
        // lowers 0.06 to 0.0533.
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.20]);
        let third = 0.04 * 4.0 / 3.0;
        assert!(close(q[0], 0.04, 1e-15) && close(q[1], third, 1e-15), "{q:?}");
        assert!(close(q[2], third, 1e-15) && close(q[3], 0.2, 1e-15), "{q:?}");
        assert!(benjamini_hochberg(&[]).is_empty());
    }

    #[test]
    fn pearson_matches_the_textbook_value() {
        let a = [0.10, 0.20, 0.05];
        let b = [0.08, 0.25, 0.00];
        let (ma, mb) = (0.35 / 3.0, 0.33 / 3.0);
        let num: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let den =
            (a.iter().map(|x| (x - ma).powi(2)).sum::<f64>() * b.iter().map(|y| (y - mb).powi(2)).sum::<f64>()).sqrt();
        assert!(close(pearson(&a, &b).unwrap(), num / den, 1e-15));
        assert_eq!(pearson(&[1.0, 1.0], &[1.0, 2.0]), None);
    }
}
