//! Charts: the data of each chart kind (serialisable, computed on the server) and the component that draws it on
//! a `<canvas>` with plotters once the page is hydrated, and again when the window is resized. The drawing
//! functions are generic over the plotters backend, so the CLI draws the same charts into PNG and SVG files.
//! A chart without data renders a sentence saying so instead of an empty box.

#[cfg(feature = "hydrate")]
mod canvas;
pub mod color;
#[cfg(feature = "charts-draw")]
pub mod draw;
#[cfg(feature = "charts-draw")]
pub mod theme;

use color::Scale;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Bars per category with optional whiskers and a horizontal baseline (profiles: p̂ per bin with its CI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BarChart {
    pub labels: Vec<String>,
    pub values: Vec<Option<f64>>,
    /// Lower and upper whisker per bar (None: no whisker).
    pub whiskers: Vec<Option<(f64, f64)>>,
    pub baseline: Option<f64>,
    pub x_label: String,
    pub y_label: String,
    /// Values are fractions shown as percentages.
    pub percent: bool,
}

/// A grid of cells coloured by value; `values[y][x]`, None = no data (drawn grey).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeatmapChart {
    pub x_labels: Vec<String>,
    pub y_labels: Vec<String>,
    pub values: Vec<Vec<Option<f64>>>,
    pub x_label: String,
    pub y_label: String,
    /// What the colour means (legend title).
    pub value_label: String,
    pub scale: Scale,
    /// Print the value in each cell (small grids).
    pub annotate: bool,
    /// A cell outlined with the box of its neighbours, `(column, row)`: the best trial's on a parameter heatmap.
    #[serde(default)]
    pub marked: Option<(usize, usize)>,
}

/// Points in the plane, with an optional y = x reference line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScatterChart {
    pub points: Vec<(f64, f64)>,
    pub x_label: String,
    pub y_label: String,
    pub diagonal: bool,
    /// One point drawn larger and in another colour (the selected trial).
    pub highlight: Option<(f64, f64)>,
    /// A line over the points (the best-so-far step line of a search's history); empty for none.
    #[serde(default)]
    pub line: Vec<(f64, f64)>,
}

/// One line of a [`LineChart`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineSeries {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// A point marked on a [`LineChart`]: a trade's entry (an upward triangle) or exit (a downward one).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub entry: bool,
}

/// Lines over time (x in epoch milliseconds) or over an index; `area` fills down to zero (drawdowns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineChart {
    pub series: Vec<LineSeries>,
    pub x_is_time: bool,
    pub x_label: String,
    pub y_label: String,
    pub area: bool,
    pub percent: bool,
    /// Points marked over the lines (trade entries and exits on a price chart).
    #[serde(default)]
    pub markers: Vec<Marker>,
}

/// Any chart the dashboard draws.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ChartSpec {
    Bars(BarChart),
    Heatmap(HeatmapChart),
    Scatter(ScatterChart),
    Lines(LineChart),
}

impl ChartSpec {
    /// True when there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        match self {
            ChartSpec::Bars(b) => b.values.iter().all(|v| v.is_none()),
            ChartSpec::Heatmap(h) => h.values.iter().flatten().all(|v| v.is_none()),
            ChartSpec::Scatter(s) => s.points.is_empty(),
            ChartSpec::Lines(l) => l.series.iter().all(|s| s.points.is_empty()),
        }
    }
}

/// A `<canvas>` drawn after hydration (`data-drawn="true"` once done); `empty` explains a chart without data.
#[component]
pub fn Chart(
    /// DOM id of the canvas (tests and links find it by this).
    #[prop(into)]
    id: String,
    spec: ChartSpec,
    /// Accessible description of the chart.
    #[prop(into)]
    label: String,
    /// CSS height in pixels.
    #[prop(default = 320)]
    height: u32,
    /// Sentence shown instead of the chart when there is no data.
    #[prop(into, default = "No data to plot.".to_string())]
    empty: String,
) -> impl IntoView {
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();
    let is_empty = spec.is_empty();
    #[cfg(feature = "hydrate")]
    {
        let (resized, set_resized) = signal(0u32);
        let handle = leptos::leptos_dom::helpers::window_event_listener(leptos::ev::resize, move |_| {
            let _ = set_resized.try_update(|n| *n += 1);
        });
        on_cleanup(move || handle.remove());
        let spec = spec.clone();
        Effect::new(move |_| {
            resized.track();
            if let Some(canvas) = canvas_ref.get() {
                match canvas::draw(&canvas, &spec) {
                    Ok(()) => {
                        let _ = canvas.set_attribute("data-drawn", "true");
                    }
                    Err(e) => {
                        let _ = canvas.set_attribute("data-error", &e);
                    }
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = &spec;
    let style = format!("height:{height}px");
    view! {
        <figure class="chart">
            {if is_empty {
                view! { <p class="empty chart-empty" id=id.clone()>{empty}</p> }.into_any()
            } else {
                view! {
                    <canvas id=id.clone() node_ref=canvas_ref role="img" aria-label=label.clone() style=style data-drawn="false"></canvas>
                }
                    .into_any()
            }}
            <figcaption class="muted">{label}</figcaption>
        </figure>
    }
}
