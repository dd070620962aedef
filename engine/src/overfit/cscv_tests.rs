use super::*;
use crate::backtest::Sink;
use crate::overfit::blocks::BlockLayout;
use rand_distr::{Distribution, Normal};

/// `n` columns of `t` normal returns (mean `edge[j]` for column j, sd 1 %).
fn returns(t: usize, edge: &[f64], seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    edge.iter()
        .map(|&m| {
            let d = Normal::new(m, 0.01).unwrap();
            (0..t).map(|_| d.sample(&mut rng)).collect()
        })
        .collect()
}

/// Each column's block sums, fed through the same sink the kernel feeds.
fn block_sums(cols: &[Vec<f64>], s: usize) -> (Vec<usize>, Vec<BlockSums>) {
    let layout = BlockLayout::new(&[0..cols[0].len()], s);
    let sums = cols
        .iter()
        .map(|c| {
            let mut b = BlockSums::new(layout.blocks());
            layout.sink(0, &mut b).held(0, c);
            b
        })
        .collect();
    (layout.bars(), sums)
}

fn pbo_of(cols: &[Vec<f64>], s: usize) -> Pbo {
    let (bars, sums) = block_sums(cols, s);
    pbo(&bars, &sums.iter().collect::<Vec<_>>(), 7).unwrap()
}

/// Two-pass sample Sharpe of a slice.
fn direct_sharpe(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    mean / sd
}

/// Every k-subset of 0..n, by recursion.
fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    if k == 0 {
        return vec![vec![]];
    }
    if n < k {
        return vec![];
    }
    let mut with: Vec<Vec<usize>> = subsets(n - 1, k - 1);
    with.iter_mut().for_each(|s| s.push(n - 1));
    with.extend(subsets(n - 1, k));
    with
}

/// The paper's procedure on the full return matrix: blocks of bars, explicit in/out-of-sample series per split,
/// ranks by sorting (average ranks for ties). Returns (PBO, slope, prob. of OOS loss).
fn direct_pbo(cols: &[Vec<f64>], s: usize) -> (f64, f64, f64) {
    let t = cols[0].len();
    let block = |b: usize| b * t / s..(b + 1) * t / s;
    let (mut overfit, mut losses, mut pairs) = (0, 0, Vec::new());
    let splits = subsets(s, s / 2);
    for is_blocks in &splits {
        let series = |c: &Vec<f64>, inside: bool| -> Vec<f64> {
            (0..s)
                .filter(|b| is_blocks.contains(b) == inside)
                .flat_map(|b| c[block(b)].to_vec())
                .collect()
        };
        let is: Vec<f64> = cols.iter().map(|c| direct_sharpe(&series(c, true))).collect();
        let oos: Vec<f64> = cols.iter().map(|c| direct_sharpe(&series(c, false))).collect();
        let star = (0..cols.len()).fold(0, |b, j| if is[j] > is[b] { j } else { b });
        let mut sorted = oos.clone();
        sorted.sort_by(f64::total_cmp);
        let first = sorted.iter().position(|&v| v == oos[star]).unwrap();
        let last = sorted.iter().rposition(|&v| v == oos[star]).unwrap();
        let rank = (first + last) as f64 / 2.0 + 1.0;
        let omega = rank / (cols.len() as f64 + 1.0);
        if (omega / (1.0 - omega)).ln() <= 0.0 {
            overfit += 1;
        }
        if oos[star] < 0.0 {
            losses += 1;
        }
        pairs.push((is[star], oos[star]));
    }
    let k = pairs.len() as f64;
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / k;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / k;
    let cov: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let var: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    (overfit as f64 / k, cov / var, losses as f64 / k)
}

#[test]
fn block_sums_give_what_the_direct_procedure_gives() {
    let edges: Vec<f64> = (0..9).map(|j| j as f64 * 1e-4).collect();
    let cols = returns(600, &edges, 1);
    let got = pbo_of(&cols, 8);
    let (pbo, slope, loss) = direct_pbo(&cols, 8);
    assert_eq!(got.splits, 70);
    assert!(!got.sampled);
    assert_eq!(got.pbo, pbo);
    assert_eq!(got.prob_oos_loss, loss);
    assert!(
        (got.degradation_slope - slope).abs() < 1e-9,
        "{} {slope}",
        got.degradation_slope
    );
    assert_eq!(got.logit_histogram.iter().map(|b| b.count).sum::<usize>(), 70);
}

#[test]
fn noise_strategies_of_equal_skill_overfit_half_the_time() {
    let runs: Vec<f64> = (0..6)
        .map(|seed| pbo_of(&returns(1600, &[0.0; 30], seed), 16).pbo)
        .collect();
    let mean = runs.iter().sum::<f64>() / runs.len() as f64;
    assert!((0.35..0.65).contains(&mean), "{runs:?}");
}

#[test]
fn one_real_edge_among_noise_is_not_overfit() {
    let mut edges = vec![0.0; 30];
    edges[17] = 0.002; // a Sharpe of 0.2 per bar
    let got = pbo_of(&returns(1600, &edges, 3), 16);
    assert!(got.pbo < 0.05, "{}", got.pbo);
    assert!(got.prob_oos_loss < 0.05, "{}", got.prob_oos_loss);
    assert!(got.logit_median > 2.0, "{}", got.logit_median);
}

#[test]
fn more_than_twelve_thousand_splits_are_a_seeded_sample() {
    let cols = returns(2000, &[0.0; 4], 5);
    let (bars, sums) = block_sums(&cols, 20);
    let refs: Vec<&BlockSums> = sums.iter().collect();
    let a = pbo(&bars, &refs, 11).unwrap();
    assert_eq!((a.splits, a.splits_total, a.sampled), (MAX_SPLITS, 184_756, true));
    assert_eq!(a, pbo(&bars, &refs, 11).unwrap());
}

#[test]
fn every_split_is_distinct_and_half_in_sample() {
    let (masks, total) = splits(16, 0);
    assert_eq!(total, 12_870);
    assert_eq!(masks.len(), 12_870);
    assert!(masks.iter().all(|m| m.count_ones() == 8));
    assert_eq!(masks.iter().collect::<HashSet<_>>().len(), masks.len());
}

#[test]
fn the_order_keys_rank_trials_as_their_sharpes() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let n = 50.0;
    let (mut s, mut q) = (Vec::new(), Vec::new());
    for _ in 0..400 {
        let x: Vec<f64> = (0..50).map(|_| rng.random_range(-1.0..1.2)).collect();
        s.push(x.iter().sum::<f64>());
        q.push(x.iter().map(|v| v * v).sum::<f64>());
    }
    // A trial without variance has Sharpe 0 and key 0.
    s.push(0.5 * n);
    q.push(0.25 * n);
    let mut keys = vec![0.0; s.len()];
    sharpe_order(&s, &q, n, &mut keys);
    assert_eq!(*keys.last().unwrap(), 0.0);
    let sharpe: Vec<f64> = s.iter().zip(&q).map(|(&s, &q)| sharpe_of(s, q, n)).collect();
    for i in 0..s.len() {
        for j in 0..s.len() {
            if (sharpe[i] - sharpe[j]).abs() > 1e-12 {
                assert_eq!(sharpe[i] < sharpe[j], keys[i] < keys[j], "trials {i} and {j}");
            }
        }
    }
    let mut none = [1.0; 3];
    sharpe_order(&s[..3], &q[..3], 1.0, &mut none);
    assert_eq!(none, [0.0; 3]);
}
