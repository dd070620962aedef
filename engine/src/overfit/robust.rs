//! The shape of the optimum: how the objective behaves around the best trial. On a grid the neighbours are the
//! trials one step away in any searched dimension; for random and TPE searches, the nearest trials in grid-index
//! space scaled to 0…1 per dimension. A best whose neighbours mostly fall more than 10 % short is a spike.

use model::overfitting::{Neighbourhood, ParamSensitivity, Robustness};

/// One evaluated point: its index in each dimension and its objective (None when it has no value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point<const D: usize> {
    pub trial: usize,
    pub index: [usize; D],
    pub value: Option<f64>,
}

/// Neighbours looked at for random and TPE searches, per searched dimension.
const NEAREST_PER_DIM: usize = 2;

/// The neighbourhood of `points[best]` in a space of `sizes` per dimension named `names`; None when the best
/// has no value or no neighbour has one.
pub fn robustness<const D: usize>(
    points: &[Point<D>],
    best: usize,
    sizes: [usize; D],
    names: [&str; D],
    method: Neighbourhood,
) -> Option<Robustness> {
    let b = points.iter().find(|p| p.trial == best)?;
    let best_value = b.value?;
    let searched: Vec<usize> = (0..D).filter(|&d| sizes[d] > 1).collect();
    let others = points.iter().filter(|p| p.trial != best && p.value.is_some());
    let values: Vec<f64> = match method {
        Neighbourhood::Grid => others
            .filter(|p| (0..D).all(|d| p.index[d].abs_diff(b.index[d]) <= 1))
            .filter_map(|p| p.value)
            .collect(),
        Neighbourhood::Nearest => {
            let dist = |p: &Point<D>| -> f64 {
                searched
                    .iter()
                    .map(|&d| ((p.index[d] as f64 - b.index[d] as f64) / (sizes[d] - 1) as f64).powi(2))
                    .sum()
            };
            let mut near: Vec<(f64, f64)> = others.filter_map(|p| Some((dist(p), p.value?))).collect();
            near.sort_by(|x, y| x.0.total_cmp(&y.0));
            near.truncate(NEAREST_PER_DIM * searched.len().max(1));
            near.into_iter().map(|(_, v)| v).collect()
        }
    };
    if values.is_empty() {
        return None;
    }
    let k = values.len() as f64;
    let close = values
        .iter()
        .filter(|v| (*v - best_value).abs() <= 0.1 * best_value.abs())
        .count() as f64
        / k;
    let sensitivity = searched
        .iter()
        .filter_map(|&d| {
            let line: Vec<f64> = points
                .iter()
                .filter(|p| (0..D).all(|e| e == d || p.index[e] == b.index[e]))
                .filter_map(|p| p.value)
                .collect();
            let (min, max) = line.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
            (line.len() > 1).then(|| ParamSensitivity {
                param: names[d].to_string(),
                points: line.len(),
                min,
                max,
                range: max - min,
            })
        })
        .collect();
    Some(Robustness {
        best_trial: best,
        best_value,
        method,
        neighbours: values.len(),
        mean: values.iter().sum::<f64>() / k,
        worst: values.iter().copied().fold(f64::INFINITY, f64::min),
        share_within_10pct: close,
        spike: close < 0.5,
        sensitivity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 9×9 grid with objective `f(i, j)`.
    fn grid(f: impl Fn(usize, usize) -> f64) -> Vec<Point<2>> {
        (0..81)
            .map(|t| Point {
                trial: t,
                index: [t / 9, t % 9],
                value: Some(f(t / 9, t % 9)),
            })
            .collect()
    }

    fn best(points: &[Point<2>]) -> usize {
        points
            .iter()
            .max_by(|a, b| a.value.unwrap().total_cmp(&b.value.unwrap()))
            .unwrap()
            .trial
    }

    #[test]
    fn a_smooth_optimum_is_a_plateau() {
        let p = grid(|i, j| 2.0 - 0.01 * ((i as f64 - 4.0).powi(2) + (j as f64 - 5.0).powi(2)));
        let r = robustness(&p, best(&p), [9, 9], ["a", "b"], Neighbourhood::Grid).unwrap();
        assert_eq!((r.best_trial, r.neighbours), (4 * 9 + 5, 8));
        assert!(!r.spike);
        assert_eq!(r.share_within_10pct, 1.0);
        assert!((r.worst - 1.98).abs() < 1e-12);
        assert_eq!(r.sensitivity.len(), 2);
        assert_eq!(r.sensitivity[0].points, 9);
        assert!((r.sensitivity[0].range - 0.16).abs() < 1e-12);
    }

    #[test]
    fn a_single_cell_optimum_is_a_spike() {
        let p = grid(|i, j| {
            if (i, j) == (2, 7) {
                3.0
            } else {
                0.1 * ((i + j) % 3) as f64
            }
        });
        let r = robustness(&p, best(&p), [9, 9], ["a", "b"], Neighbourhood::Grid).unwrap();
        assert!(r.spike);
        assert_eq!(r.share_within_10pct, 0.0);
        let n = robustness(&p, best(&p), [9, 9], ["a", "b"], Neighbourhood::Nearest).unwrap();
        assert_eq!(n.neighbours, 4);
        assert!(n.spike);
    }

    #[test]
    fn a_corner_best_has_fewer_neighbours_and_unsearched_dimensions_no_sensitivity() {
        let p: Vec<Point<2>> = (0..5)
            .map(|t| Point {
                trial: t,
                index: [t, 0],
                value: Some(t as f64),
            })
            .collect();
        let r = robustness(&p, 4, [5, 1], ["a", "b"], Neighbourhood::Grid).unwrap();
        assert_eq!(r.neighbours, 1);
        assert_eq!(r.sensitivity.len(), 1);
        assert_eq!(r.sensitivity[0].param, "a");
    }
}
