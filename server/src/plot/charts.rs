//! The two chart layouts on any plotters backend: bars with whiskers and a dashed baseline, and a line.

use super::{LineChart, ProfileChart};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const BAR: RGBColor = RGBColor(70, 130, 180);
const WHISKER: RGBColor = RGBColor(30, 30, 30);
const BASELINE: RGBColor = RGBColor(200, 40, 40);
const LINE: RGBColor = RGBColor(20, 90, 160);

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// A y range covering `values` and zero, with 8% headroom.
fn y_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0_f64, 0.0_f64);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo < 1e-12 {
        hi = lo + 1.0;
    }
    let pad = (hi - lo) * 0.08;
    (if lo < 0.0 { lo - pad } else { lo }, hi + pad)
}

/// Bars labelled below the axis, whiskers from `low` to `high`, and the baseline as a dashed red line.
pub fn bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &ProfileChart) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let n = c.bars.len();
    let values = c
        .bars
        .iter()
        .flat_map(|b| [Some(b.value), b.low, b.high])
        .flatten()
        .chain(c.baseline);
    let (y0, y1) = y_range(values);
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(70)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), y0..y1)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(238, 238, 238))
        .x_labels(0)
        .y_desc(c.y_label.as_str())
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    let half = 0.38;
    chart
        .draw_series(c.bars.iter().enumerate().map(|(i, b)| {
            let x = i as f64;
            Rectangle::new([(x - half, 0.0), (x + half, b.value)], BAR.filled())
        }))
        .map_err(err)?;
    for (i, b) in c.bars.iter().enumerate() {
        let (Some(lo), Some(hi)) = (b.low, b.high) else {
            continue;
        };
        let x = i as f64;
        let cap = half / 3.0;
        let style = WHISKER.stroke_width(2);
        for seg in [
            vec![(x, lo), (x, hi)],
            vec![(x - cap, lo), (x + cap, lo)],
            vec![(x - cap, hi), (x + cap, hi)],
        ] {
            chart
                .draw_series(std::iter::once(PathElement::new(seg, style)))
                .map_err(err)?;
        }
    }
    if let Some(base) = c.baseline {
        let dashes = dashed(-0.5, n as f64 - 0.5, 0.12);
        chart
            .draw_series(
                dashes
                    .into_iter()
                    .map(|(a, b)| PathElement::new(vec![(a, base), (b, base)], BASELINE.stroke_width(2))),
            )
            .map_err(err)?
            .label(format!("{} {}", c.baseline_label, crate::cli::output::round4(base)))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BASELINE.stroke_width(2)));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
    }
    // Bin labels under each bar; thinned so they never overlap.
    let step = n.div_ceil(40).max(1);
    let label_style = TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    for (i, b) in c.bars.iter().enumerate().step_by(step) {
        let (px, py) = chart.backend_coord(&(i as f64, y0));
        root.draw(&Text::new(b.label.clone(), (px, py + 6), label_style.clone()))
            .map_err(err)?;
    }
    Ok(())
}

/// `[start, end]` cut into dash segments of `len` with equal gaps.
fn dashed(start: f64, end: f64, len: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut x = start;
    while x < end {
        out.push((x, (x + len).min(end)));
        x += 2.0 * len;
    }
    out
}

/// A line through the points; time axes are labelled with dates.
pub fn line<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &LineChart) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let (x0, x1) = c
        .points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (mut y0, mut y1) = c
        .points
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| (a.min(p.1), b.max(p.1)));
    if y1 - y0 < 1e-12 {
        y0 -= 1.0;
        y1 += 1.0;
    }
    let pad = (y1 - y0) * 0.06;
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, ("sans-serif", 24))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
        .map_err(err)?;
    let time = c.x_is_time;
    // Dates for long spans, hours and minutes when the series covers less than three days.
    let pattern = if x1 - x0 < 3.0 * 86_400_000.0 {
        "%m-%d %H:%M"
    } else {
        "%Y-%m-%d"
    };
    let fmt = move |x: &f64| {
        if time {
            chrono::DateTime::from_timestamp_millis(*x as i64)
                .map(|d| d.format(pattern).to_string())
                .unwrap_or_default()
        } else {
            format!("{}", x.round() as i64)
        }
    };
    chart
        .configure_mesh()
        .x_labels(8)
        .light_line_style(RGBColor(238, 238, 238))
        .x_label_formatter(&fmt)
        .y_desc(c.y_label.as_str())
        .x_desc(if time { "" } else { "trade" })
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(c.points.iter().copied(), LINE.stroke_width(2)))
        .map_err(err)?;
    Ok(())
}
