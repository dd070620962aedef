//! Colour scales: a diverging red–white–green scale around a centre (lift, correlation) and a sequential
//! blue–yellow scale (metrics), shared by canvas charts and HTML heatmaps.

use serde::{Deserialize, Serialize};

/// How values map to colours.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Scale {
    /// Low to high on a sequential scale over `[min, max]`.
    Sequential { min: f64, max: f64 },
    /// Below the centre red, above green, white at the centre; `half` is the distance to full colour.
    Diverging { center: f64, half: f64 },
}

impl Scale {
    /// A sequential scale over the finite values (a unit range when there are none or all are equal).
    pub fn sequential(values: impl IntoIterator<Item = f64>) -> Scale {
        let (min, max) = bounds(values);
        Scale::Sequential { min, max }
    }

    /// A diverging scale around `center`, reaching full colour at the largest distance from it.
    pub fn diverging(center: f64, values: impl IntoIterator<Item = f64>) -> Scale {
        let half = values
            .into_iter()
            .filter(|v| v.is_finite())
            .map(|v| (v - center).abs())
            .fold(0.0, f64::max);
        Scale::Diverging {
            center,
            half: if half > 0.0 { half } else { 1.0 },
        }
    }

    /// The value at position `t` ∈ [0, 1] along the scale (for legends).
    pub fn value_at(&self, t: f64) -> f64 {
        match *self {
            Scale::Sequential { min, max } => min + (max - min) * t,
            Scale::Diverging { center, half } => center - half + 2.0 * half * t,
        }
    }

    /// The colour of `v` as RGB.
    pub fn rgb(&self, v: f64) -> (u8, u8, u8) {
        match *self {
            Scale::Sequential { min, max } => {
                let t = if max > min { (v - min) / (max - min) } else { 0.5 };
                ramp(&SEQUENTIAL, t)
            }
            Scale::Diverging { center, half } => ramp(&DIVERGING, 0.5 + (v - center) / (2.0 * half)),
        }
    }

    /// The colour of `v` as a CSS `rgb(…)` value.
    pub fn css(&self, v: f64) -> String {
        let (r, g, b) = self.rgb(v);
        format!("rgb({r},{g},{b})")
    }

    /// Black or white, whichever reads better on the colour of `v`.
    pub fn ink(&self, v: f64) -> &'static str {
        let (r, g, b) = self.rgb(v);
        let luma = 0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64;
        if luma < 140.0 {
            "#fff"
        } else {
            "#1b2430"
        }
    }
}

/// Min and max of the finite values, widened to a unit range when degenerate.
fn bounds(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi <= lo {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    }
}

/// Dark blue → teal → green → yellow (viridis-like, readable on white and in greyscale).
const SEQUENTIAL: [(u8, u8, u8); 5] = [
    (68, 1, 84),
    (59, 82, 139),
    (33, 145, 140),
    (94, 201, 98),
    (253, 231, 37),
];
/// Red → white → green.
const DIVERGING: [(u8, u8, u8); 5] = [
    (178, 24, 43),
    (239, 138, 98),
    (247, 247, 247),
    (103, 189, 120),
    (27, 120, 55),
];

fn ramp(stops: &[(u8, u8, u8)], t: f64) -> (u8, u8, u8) {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.5 };
    let pos = t * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// A categorical palette for series.
pub const SERIES: [(u8, u8, u8); 6] = [
    (42, 125, 225),
    (26, 127, 90),
    (214, 120, 20),
    (150, 60, 180),
    (192, 57, 43),
    (90, 100, 110),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverging_is_white_at_the_centre_and_full_at_the_extremes() {
        let s = Scale::diverging(0.0, [-0.2, 0.1]);
        assert_eq!(s.rgb(0.0), (247, 247, 247));
        assert_eq!(s.rgb(-0.2), DIVERGING[0]);
        assert_eq!(s.rgb(0.2), DIVERGING[4]);
        assert_eq!(s.rgb(99.0), DIVERGING[4], "clamped");
        assert_eq!(s.value_at(0.5), 0.0);
    }

    #[test]
    fn sequential_spans_the_finite_values() {
        let s = Scale::sequential([1.0, f64::NAN, 3.0]);
        assert_eq!(s, Scale::Sequential { min: 1.0, max: 3.0 });
        assert_eq!(s.rgb(1.0), SEQUENTIAL[0]);
        assert_eq!(s.rgb(3.0), SEQUENTIAL[4]);
        assert_eq!(Scale::sequential([2.0]), Scale::Sequential { min: 1.5, max: 2.5 });
        assert_eq!(s.css(1.0), "rgb(68,1,84)");
        assert_eq!(s.ink(1.0), "#fff");
        assert_eq!(s.ink(3.0), "#1b2430");
    }
}
