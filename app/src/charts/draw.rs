//! Drawing each chart kind with plotters on any backend: the browser's canvas and the CLI's PNG and SVG files
//! share these functions, in the colours of a [`Theme`].

use super::color::Scale;
use super::theme::Theme;
use super::{BarChart, ChartSpec, HeatmapChart, LineChart, ScatterChart};
use crate::format::{num, pct, ymd};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The font family of all chart text: the browser's own, and the TrueType font the CLI registers under it.
pub const FONT: &str = "sans-serif";

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

const GREY: RGBColor = RGBColor(229, 231, 235);
const INK: RGBColor = RGBColor(27, 36, 48);
const RED: RGBColor = RGBColor(192, 57, 43);

/// Draws `spec` on `root` in the colours of `theme`, replacing what was there; the caller presents the area.
pub fn draw_on<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &ChartSpec,
    theme: &Theme,
) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    match spec {
        ChartSpec::Bars(b) => bars(root, b, theme),
        ChartSpec::Heatmap(hm) => heatmap(root, hm),
        ChartSpec::Scatter(s) => scatter(root, s, theme),
        ChartSpec::Lines(l) => lines(root, l, theme),
    }
}

/// Finite min and max of `values`, padded by 8% (a unit range around a single value).
fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.08
    } else {
        lo.abs().max(1.0) * 0.5
    };
    (lo - pad, hi + pad)
}

/// The label of the category at integer position `x` (blank between categories).
fn label_at(labels: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() > 1e-6 || i < 0.0 {
        return String::new();
    }
    labels.get(i as usize).cloned().unwrap_or_default()
}

/// An axis tick: whole numbers without decimals (trial numbers, periods), else [`num`].
fn tick(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e6 {
        format!("{v:.0}")
    } else {
        num(v)
    }
}

const DAY_MS: f64 = 86_400_000.0;

/// The most category labels under a bar chart before they are thinned.
const MAX_BAR_LABELS: usize = 40;

/// A time tick (epoch milliseconds): the date, or month, day and UTC time when the axis spans under three days.
fn time_tick(ms: f64, span_ms: f64) -> String {
    if span_ms >= 3.0 * DAY_MS || !ms.is_finite() {
        return ymd(ms);
    }
    let minute = (ms.rem_euclid(DAY_MS) / 60_000.0).floor() as i64;
    format!("{} {:02}:{:02}", &ymd(ms)[5..], minute / 60, minute % 60)
}

fn value_text(v: f64, percent: bool) -> String {
    if percent {
        pct(v)
    } else {
        num(v)
    }
}

fn bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, b: &BarChart, theme: &Theme) -> Result<(), String> {
    let n = b.labels.len().max(1);
    let whisker_ends = b.whiskers.iter().flatten().flat_map(|(l, h)| [*l, *h]);
    let (lo, hi) = padded(b.values.iter().flatten().copied().chain(whisker_ends).chain(b.baseline));
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)
        .map_err(err)?;
    let labels = b.labels.clone();
    // At most about 40 category labels (every step-th one), so many bins (weekday × hour) never overlap.
    let step = n.div_ceil(MAX_BAR_LABELS);
    let x_fmt = |x: &f64| {
        if (x.round() as usize).is_multiple_of(step) {
            label_at(&labels, *x)
        } else {
            String::new()
        }
    };
    let y_fmt = |y: &f64| value_text(*y, b.percent);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n + 1)
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc(b.x_label.as_str())
        .y_desc(b.y_label.as_str())
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .draw()
        .map_err(err)?;
    let base = b.baseline.unwrap_or(lo);
    chart
        .draw_series(b.values.iter().enumerate().filter_map(|(i, v)| {
            let v = (*v)?;
            let x = i as f64;
            let color = match b.baseline {
                Some(bl) if v < bl => theme.below,
                Some(_) => theme.above,
                None => theme.bar,
            };
            Some(Rectangle::new(
                [(x - 0.36, base), (x + 0.36, v)],
                color.mix(theme.bar_opacity).filled(),
            ))
        }))
        .map_err(err)?;
    let mut whiskers = Vec::new();
    for (i, w) in b.whiskers.iter().enumerate() {
        if let Some((l, h)) = w {
            let x = i as f64;
            whiskers.push(PathElement::new(vec![(x, *l), (x, *h)], theme.whisker.stroke_width(1)));
            whiskers.push(PathElement::new(
                vec![(x - 0.15, *l), (x + 0.15, *l)],
                theme.whisker.stroke_width(1),
            ));
            whiskers.push(PathElement::new(
                vec![(x - 0.15, *h), (x + 0.15, *h)],
                theme.whisker.stroke_width(1),
            ));
        }
    }
    chart.draw_series(whiskers).map_err(err)?;
    if let Some(bl) = b.baseline {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(-0.5, bl), (n as f64 - 0.5, bl)],
                theme.reference.stroke_width(2),
            )))
            .map_err(err)?;
        let style = (FONT, 12)
            .into_font()
            .color(&theme.reference)
            .pos(Pos::new(HPos::Right, VPos::Bottom));
        chart
            .draw_series(std::iter::once(Text::new(
                format!("baseline {}", value_text(bl, b.percent)),
                (n as f64 - 0.55, bl),
                style,
            )))
            .map_err(err)?;
    }
    Ok(())
}

fn heatmap<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, h: &HeatmapChart) -> Result<(), String> {
    let (w, _) = root.dim_in_pixel();
    let (main, legend) = root.split_horizontally(w.saturating_sub(128));
    let (nx, ny) = (h.x_labels.len().max(1), h.y_labels.len().max(1));
    let longest = h.y_labels.iter().map(|l| l.len()).max().unwrap_or(1) as u32;
    let mut chart = ChartBuilder::on(&main)
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size((longest * 7 + 36).clamp(48, 160))
        .build_cartesian_2d(-0.5f64..(nx as f64 - 0.5), -0.5f64..(ny as f64 - 0.5))
        .map_err(err)?;
    let (xl, yl) = (h.x_labels.clone(), h.y_labels.clone());
    // Row 0 of the data is drawn at the top.
    let x_fmt = |x: &f64| label_at(&xl, *x);
    let y_fmt = |y: &f64| label_at(&yl, (ny as f64 - 1.0) - *y);
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(nx + 1)
        .y_labels(ny + 1)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc(h.x_label.as_str())
        .y_desc(h.y_label.as_str())
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .draw()
        .map_err(err)?;
    let mut cells = Vec::new();
    let mut notes = Vec::new();
    for (j, row) in h.values.iter().enumerate() {
        let y = (ny - 1 - j) as f64;
        for (i, v) in row.iter().enumerate() {
            let x = i as f64;
            let color = match v {
                Some(v) => {
                    let (r, g, b) = h.scale.rgb(*v);
                    RGBColor(r, g, b)
                }
                None => GREY,
            };
            cells.push(Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], color.filled()));
            cells.push(Rectangle::new(
                [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                WHITE.stroke_width(1),
            ));
            if let (true, Some(v)) = (h.annotate, v) {
                let ink = if h.scale.ink(*v) == "#fff" { WHITE } else { INK };
                let style = (FONT, 11)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                notes.push(Text::new(num(*v), (x, y), style));
            }
        }
    }
    chart.draw_series(cells).map_err(err)?;
    chart.draw_series(notes).map_err(err)?;
    if let Some((i, j)) = h.marked {
        // The marked cell in ink, and the box of its neighbouring cells (clipped to the grid) in a thinner line.
        let (x, y) = (i as f64, (ny - 1 - j.min(ny - 1)) as f64);
        let (x0, x1) = ((x - 1.0).max(0.0) - 0.5, (x + 1.0).min(nx as f64 - 1.0) + 0.5);
        let (y0, y1) = ((y - 1.0).max(0.0) - 0.5, (y + 1.0).min(ny as f64 - 1.0) + 0.5);
        let outlines = [
            Rectangle::new([(x0, y0), (x1, y1)], INK.stroke_width(1)),
            Rectangle::new([(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)], INK.stroke_width(3)),
        ];
        chart.draw_series(outlines).map_err(err)?;
    }
    legend_bar(&legend, &h.scale, &h.value_label)
}

/// A vertical colour bar with the scale's extremes and middle, and its title.
fn legend_bar<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, scale: &Scale, title: &str) -> Result<(), String> {
    let (_, height) = area.dim_in_pixel();
    let (top, bottom) = (34i32, height as i32 - 50);
    if bottom <= top {
        return Ok(());
    }
    let steps = 64;
    let span = (bottom - top) as f64;
    for k in 0..steps {
        let t1 = k as f64 / steps as f64;
        let t2 = (k + 1) as f64 / steps as f64;
        let (r, g, b) = scale.rgb(scale.value_at(1.0 - (t1 + t2) / 2.0));
        let y1 = top + (t1 * span) as i32;
        let y2 = top + (t2 * span).ceil() as i32;
        area.draw(&Rectangle::new([(14, y1), (34, y2)], RGBColor(r, g, b).filled()))
            .map_err(err)?;
    }
    area.draw(&Rectangle::new([(14, top), (34, bottom)], INK.stroke_width(1)))
        .map_err(err)?;
    let style = (FONT, 11)
        .into_font()
        .color(&INK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (t, y) in [(1.0, top), (0.5, (top + bottom) / 2), (0.0, bottom)] {
        area.draw(&Text::new(num(scale.value_at(t)), (38, y), style.clone()))
            .map_err(err)?;
    }
    let title_style = (FONT, 12).into_font().color(&INK).pos(Pos::new(HPos::Left, VPos::Top));
    area.draw(&Text::new(title.to_string(), (4, 8), title_style))
        .map_err(err)
}

fn scatter<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &ScatterChart, theme: &Theme) -> Result<(), String> {
    let (xlo, xhi) = padded(s.points.iter().chain(&s.line).map(|p| p.0));
    let (ylo, yhi) = padded(s.points.iter().chain(&s.line).map(|p| p.1));
    let (xlo, xhi, ylo, yhi) = if s.diagonal {
        (xlo.min(ylo), xhi.max(yhi), xlo.min(ylo), xhi.max(yhi))
    } else {
        (xlo, xhi, ylo, yhi)
    };
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64)
        .build_cartesian_2d(xlo..xhi, ylo..yhi)
        .map_err(err)?;
    let fmt = |v: &f64| tick(*v);
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(6)
        .x_label_formatter(&fmt)
        .y_label_formatter(&fmt)
        .x_desc(s.x_label.as_str())
        .y_desc(s.y_label.as_str())
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .light_line_style(RGBColor(240, 242, 245))
        .draw()
        .map_err(err)?;
    if s.diagonal {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(xlo, xlo), (xhi, xhi)],
                theme.reference.stroke_width(1),
            )))
            .map_err(err)?;
    }
    let color = theme.series_color(0);
    chart
        .draw_series(s.points.iter().map(|p| Circle::new(*p, 3, color.mix(0.55).filled())))
        .map_err(err)?;
    if !s.line.is_empty() {
        chart
            .draw_series(std::iter::once(PathElement::new(
                s.line.clone(),
                theme.reference.stroke_width(2),
            )))
            .map_err(err)?;
    }
    if let Some(p) = s.highlight {
        chart
            .draw_series(std::iter::once(Circle::new(p, 6, RED.filled())))
            .map_err(err)?;
    }
    Ok(())
}

fn lines<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, l: &LineChart, theme: &Theme) -> Result<(), String> {
    let (xlo, xhi) = padded(l.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let ys = l.series.iter().flat_map(|s| s.points.iter().map(|p| p.1));
    let (ylo, yhi) = if l.area {
        let (lo, _) = padded(ys.chain([0.0]));
        (lo, 0.0f64.max(lo.abs() * 0.02))
    } else {
        padded(ys)
    };
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64)
        .build_cartesian_2d(xlo..xhi, ylo..yhi)
        .map_err(err)?;
    let x_fmt = |x: &f64| {
        if l.x_is_time {
            time_tick(*x, xhi - xlo)
        } else {
            tick(*x)
        }
    };
    let y_fmt = |y: &f64| value_text(*y, l.percent);
    chart
        .configure_mesh()
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .x_desc(l.x_label.as_str())
        .y_desc(l.y_label.as_str())
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 13))
        .light_line_style(RGBColor(240, 242, 245))
        .draw()
        .map_err(err)?;
    for (i, s) in l.series.iter().enumerate() {
        let color = if l.area { RED } else { theme.series_color(i) };
        if l.area {
            chart
                .draw_series(AreaSeries::new(s.points.iter().copied(), 0.0, color.mix(0.25)).border_style(color))
                .map_err(err)?;
        } else {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    s.points.clone(),
                    color.stroke_width(2),
                )))
                .map_err(err)?
                .label(s.label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2)));
        }
    }
    let (up, down) = (RGBColor(22, 163, 74), RED);
    chart
        .draw_series(l.markers.iter().map(|m| {
            let (color, size) = if m.entry { (up, 7) } else { (down, 6) };
            TriangleMarker::new((m.x, m.y), size, color.filled())
        }))
        .map_err(err)?;
    if !l.area && l.series.len() > 1 {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(GREY)
            .label_font((FONT, 12))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_ticks_show_the_time_of_day_on_short_spans() {
        // 2024-01-01T09:05:00Z.
        let ms = 1_704_099_900_000.0;
        assert_eq!(time_tick(ms, DAY_MS), "01-01 09:05");
        assert_eq!(time_tick(ms, 30.0 * DAY_MS), "2024-01-01");
    }
}
