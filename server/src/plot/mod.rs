//! Charts for `--plot FILE.png|FILE.svg`: the dashboard's chart model and drawing functions
//! ([`app::charts::draw`]) on a bitmap or SVG backend, with a title above. The format follows the extension.

mod font;
mod png;

use app::charts::draw::{draw_on, FONT};
use app::charts::theme::Theme;
use app::charts::ChartSpec;
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, IntoDrawingArea, WHITE};
use std::path::Path;

/// A chart and the title written above it.
#[derive(Debug, Clone)]
pub struct Figure {
    pub title: String,
    pub chart: ChartSpec,
}

/// Why a chart could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("unsupported plot format {0:?}: use a .png or .svg file name")]
    Format(String),
    #[error("nothing to plot: the chart has no values")]
    Empty,
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

/// Draws `figure` into `path` (.png or .svg) on a PNG (in memory, then encoded) or SVG backend, writing the file
/// via a temporary name.
pub fn write(path: &Path, figure: &Figure) -> Result<(), PlotError> {
    let format = format_of(path)?;
    if figure.chart.is_empty() {
        return Err(PlotError::Empty);
    }
    font::ensure_registered()?;
    let (w, h) = SIZE;
    let bytes = match format {
        Format::Png => {
            let mut rgb = vec![255u8; (w * h * 3) as usize];
            draw(
                plotters::backend::BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area(),
                figure,
            )?;
            png::encode_rgb(w, h, &rgb)?
        }
        Format::Svg => {
            let mut text = String::new();
            draw(
                plotters::backend::SVGBackend::with_string(&mut text, (w, h)).into_drawing_area(),
                figure,
            )?;
            text.into_bytes()
        }
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// The title on top (below a small margin), the chart under it in the file theme's colours.
fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, figure: &Figure) -> Result<(), PlotError> {
    root.fill(&WHITE).map_err(drawing)?;
    let chart = root
        .margin(10, 0, 0, 0)
        .titled(&figure.title, (FONT, 24))
        .map_err(drawing)?;
    draw_on(&chart, &figure.chart, &Theme::FILE).map_err(drawing)?;
    root.present().map_err(drawing)
}

fn drawing(e: impl std::fmt::Display) -> PlotError {
    PlotError::Draw(e.to_string())
}
