//! Charts for `--plot FILE.png|FILE.svg`, drawn with plotters: a bar chart (seasonality profiles with 95%
//! intervals and the baseline; per-fold metrics) and a line chart (equity). The format follows the extension.

mod charts;
mod font;
mod png;

use std::path::Path;

/// One bar: its x label, its height and an optional interval drawn as a whisker.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileBar {
    pub label: String,
    pub value: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// A bar chart: bars in order, an optional horizontal baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileChart {
    pub title: String,
    pub y_label: String,
    pub bars: Vec<ProfileBar>,
    pub baseline: Option<f64>,
    /// The legend of the baseline line (`baseline`, `aggregated`, …).
    pub baseline_label: String,
}

/// A line chart of (x, y) points; with `x_is_time` the x values are UTC epoch milliseconds shown as dates.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    pub title: String,
    pub y_label: String,
    pub points: Vec<(f64, f64)>,
    pub x_is_time: bool,
}

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("unsupported plot format {0:?}: use a .png or .svg file name")]
    Format(String),
    #[error("nothing to plot: {0}")]
    Empty(&'static str),
    #[error("no TrueType font found for the chart's labels: set QE_PLOT_FONT to a .ttf file (e.g. DejaVuSans.ttf)")]
    NoFont,
    #[error("drawing failed: {0}")]
    Draw(String),
    #[error("writing the file failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Image size in pixels.
pub const SIZE: (u32, u32) = (1000, 560);

enum Format {
    Png,
    Svg,
}

fn format_of(path: &Path) -> Result<Format, PlotError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "png" => Ok(Format::Png),
        "svg" => Ok(Format::Svg),
        _ => Err(PlotError::Format(ext)),
    }
}

/// Draws `chart` as a bar chart into `path` (.png or .svg).
pub fn draw_profile(path: &Path, chart: &ProfileChart) -> Result<(), PlotError> {
    if chart.bars.is_empty() {
        return Err(PlotError::Empty("no bar has a value"));
    }
    render(path, Chart::Bars(chart))
}

/// Draws `chart` as a line chart into `path` (.png or .svg).
pub fn draw_line(path: &Path, chart: &LineChart) -> Result<(), PlotError> {
    if chart.points.len() < 2 {
        return Err(PlotError::Empty("fewer than two points"));
    }
    render(path, Chart::Line(chart))
}

/// A chart of either kind, drawn on any backend.
enum Chart<'c> {
    Bars(&'c ProfileChart),
    Line(&'c LineChart),
}

impl Chart<'_> {
    fn draw<DB: plotters::prelude::DrawingBackend>(
        &self,
        root: plotters::drawing::DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), PlotError> {
        let drawn = match self {
            Chart::Bars(c) => charts::bars(&root, c),
            Chart::Line(c) => charts::line(&root, c),
        };
        drawn
            .and_then(|_| root.present().map_err(|e| e.to_string()))
            .map_err(PlotError::Draw)
    }
}

/// Draws on a PNG (in memory, then encoded) or SVG backend and writes the file via a temporary name.
fn render(path: &Path, chart: Chart<'_>) -> Result<(), PlotError> {
    use plotters::prelude::IntoDrawingArea;
    let format = format_of(path)?;
    font::ensure_registered()?;
    let (w, h) = SIZE;
    let bytes = match format {
        Format::Png => {
            let mut rgb = vec![255u8; (w * h * 3) as usize];
            chart.draw(plotters::backend::BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area())?;
            png::encode_rgb(w, h, &rgb)?
        }
        Format::Svg => {
            let mut text = String::new();
            chart.draw(plotters::backend::SVGBackend::with_string(&mut text, (w, h)).into_drawing_area())?;
            text.into_bytes()
        }
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
