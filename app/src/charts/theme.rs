//! The colours that differ between the dashboard's canvas charts and the CLI's image files; everything else
//! (layout, axes, labels, fonts) is drawn alike.

use super::color::SERIES;
use plotters::style::RGBColor;

/// The colours a chart is drawn in.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// Lines and points, in series order.
    pub series: [RGBColor; 6],
    /// Bars of a chart without a baseline.
    pub bar: RGBColor,
    /// Bars at or above the baseline.
    pub above: RGBColor,
    /// Bars below the baseline.
    pub below: RGBColor,
    /// Opacity of bar fills (1 for exact colours).
    pub bar_opacity: f64,
    /// Interval whiskers on bars.
    pub whisker: RGBColor,
    /// Reference lines and their labels: a bar chart's baseline, a scatter's diagonal and best-so-far line.
    pub reference: RGBColor,
}

const fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

impl Theme {
    /// The dashboard's charts: bars green above and red below the baseline, orange reference lines.
    pub const DASHBOARD: Theme = Theme {
        series: [
            rgb(SERIES[0]),
            rgb(SERIES[1]),
            rgb(SERIES[2]),
            rgb(SERIES[3]),
            rgb(SERIES[4]),
            rgb(SERIES[5]),
        ],
        bar: rgb(SERIES[0]),
        above: RGBColor(26, 127, 90),
        below: RGBColor(192, 57, 43),
        bar_opacity: 0.85,
        whisker: RGBColor(27, 36, 48),
        reference: RGBColor(214, 120, 20),
    };

    /// The CLI's `--plot` files: steel-blue bars, dark whiskers, a red baseline and a blue first line.
    pub const FILE: Theme = Theme {
        series: [
            RGBColor(20, 90, 160),
            rgb(SERIES[1]),
            rgb(SERIES[2]),
            rgb(SERIES[3]),
            rgb(SERIES[4]),
            rgb(SERIES[5]),
        ],
        bar: RGBColor(70, 130, 180),
        above: RGBColor(70, 130, 180),
        below: RGBColor(70, 130, 180),
        bar_opacity: 1.0,
        whisker: RGBColor(30, 30, 30),
        reference: RGBColor(200, 40, 40),
    };

    /// The colour of series `i` (the palette repeats).
    pub fn series_color(&self, i: usize) -> RGBColor {
        self.series[i % self.series.len()]
    }
}
