//! The TrueType font the chart labels are drawn with: `QE_PLOT_FONT`, else the first sans-serif font found in
//! the usual system places (DejaVu, Liberation, Noto, Arial), registered once under the charts' family
//! ([`FONT`], the name the browser resolves to its own sans-serif font).

use super::PlotError;
use app::charts::draw::FONT;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Well-known locations of a plain sans-serif font on Linux, macOS and Windows.
const CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/noto/NotoSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "C:\\Windows\\Fonts\\arial.ttf",
];

static REGISTERED: OnceLock<bool> = OnceLock::new();

/// Registers the font once per process; `NoFont` when none can be read.
pub fn ensure_registered() -> Result<(), PlotError> {
    let ok = *REGISTERED.get_or_init(|| {
        find().is_some_and(|bytes| {
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font(FONT, plotters::style::FontStyle::Normal, bytes).is_ok()
        })
    });
    ok.then_some(()).ok_or(PlotError::NoFont)
}

fn find() -> Option<Vec<u8>> {
    let from_env = std::env::var_os("QE_PLOT_FONT").map(PathBuf::from);
    from_env
        .into_iter()
        .chain(CANDIDATES.iter().map(PathBuf::from))
        .chain(first_ttf_under(Path::new("/usr/share/fonts"), 4))
        .find_map(|p| std::fs::read(p).ok())
}

/// The first `.ttf` file under `dir`, searching at most `depth` levels.
fn first_ttf_under(dir: &Path, depth: usize) -> Option<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in &entries {
        if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("ttf")) {
            return Some(p.clone());
        }
    }
    if depth == 0 {
        return None;
    }
    entries
        .iter()
        .filter(|p| p.is_dir())
        .find_map(|p| first_ttf_under(p, depth - 1))
}
