//! The browser's entry point: the canvas is sized to its CSS box first, so a redraw after a resize stays sharp,
//! then the chart is drawn on it in the dashboard's colours.

use super::draw::draw_on;
use super::theme::Theme;
use super::ChartSpec;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

/// Draws `spec` on `canvas`, replacing what was there.
pub fn draw(canvas: &HtmlCanvasElement, spec: &ChartSpec) -> Result<(), String> {
    let w = canvas.client_width().max(240) as u32;
    let h = canvas.client_height().max(160) as u32;
    canvas.set_width(w);
    canvas.set_height(h);
    let backend = CanvasBackend::with_canvas_object(canvas.clone()).ok_or("the canvas has no 2d context")?;
    let root = backend.into_drawing_area();
    draw_on(&root, spec, &Theme::DASHBOARD)?;
    root.present().map_err(|e| e.to_string())
}
