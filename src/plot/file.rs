//! Figures written to SVG and PNG files with the `plotters` crate. Text is laid out (and, in a
//! PNG, drawn) with DejaVu Sans, which the crate embeds (`assets/fonts/`), so no system font is
//! needed. Files are written atomically (`data::write_atomic`): a temporary file beside the
//! target, renamed over it.

use super::axis::Axes;
use super::{Figure, Layer};
use crate::diag::Code;
use crate::diag::OpError;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::Path;
use std::sync::Once;

/// The size of a chart of lines, points or bars, in pixels.
const CHART: (u32, u32) = (800, 500);
/// The size of an image of a matrix, in pixels.
const IMAGE: (u32, u32) = (640, 640);
/// The series colours (matplotlib's "tab10").
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
/// The font family every text uses.
const FONT: &str = "sans-serif";

/// Registers the embedded font with `plotters`, once.
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        // The font is part of the binary; it parses, as a unit test checks.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, bytes);
    });
}

/// The image format a path asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Svg,
    Png,
}

/// Writes `figure` to `path` (`.svg` or `.png`), atomically.
pub fn write(figure: &Figure, axes: &Axes, path: &Path) -> Result<(), OpError> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("svg") => Format::Svg,
        Some("png") => Format::Png,
        other => {
            let got = other.map_or("no extension".to_string(), |e| format!("`.{e}`"));
            return Err(OpError::new(
                Code::RuntimeValue,
                format!("a plot is written as .svg or .png, not as {got}: `{}`", path.display()),
            )
            .label("this file name")
            .help("end the name in .svg or .png, e.g. file=\"loss.svg\""));
        }
    };
    let bytes = match format {
        Format::Svg => svg(figure, axes)?.into_bytes(),
        Format::Png => png(figure, axes)?,
    };
    crate::data::write_atomic(path, "plot", |out| out.write_all(&bytes)).map_err(|e| OpError { arg: None, ..e })
}

/// The size of the picture of `figure`, in pixels.
fn size_of(figure: &Figure) -> (u32, u32) {
    if matches!(figure.layers.first(), Some(Layer::Image { .. })) {
        IMAGE
    } else {
        CHART
    }
}

/// The figure as the text of an SVG file.
pub fn svg(figure: &Figure, axes: &Axes) -> Result<String, OpError> {
    register_font();
    let mut text = String::new();
    paint(SVGBackend::with_string(&mut text, size_of(figure)).into_drawing_area(), figure, axes)?;
    Ok(text)
}

/// The figure as the bytes of a PNG file.
pub fn png(figure: &Figure, axes: &Axes) -> Result<Vec<u8>, OpError> {
    register_font();
    let size = size_of(figure);
    let mut pixels = vec![0u8; size.0 as usize * size.1 as usize * 3];
    paint(BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area(), figure, axes)?;
    encode_png(&pixels, size)
}

/// RGB pixels as PNG bytes.
fn encode_png(pixels: &[u8], (w, h): (u32, u32)) -> Result<Vec<u8>, OpError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(pixels))
        .map_err(|e| OpError::new(Code::Io, format!("cannot encode the PNG image: {e}")))?;
    Ok(bytes)
}

/// A drawing error, as a diagnostic.
fn failed(e: impl std::fmt::Display) -> OpError {
    OpError::new(Code::Io, format!("cannot draw the plot: {e}"))
}

/// Draws a series' mark in the legend at a point.
type LegendMark<DB> = Box<dyn Fn((i32, i32)) -> DynElement<'static, DB, (i32, i32)>>;

/// Draws the figure on `root`.
fn paint<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, figure: &Figure, axes: &Axes) -> Result<(), OpError> {
    root.fill(&WHITE).map_err(failed)?;
    let (x, y) = (&axes.x, &axes.y);
    let mut builder = ChartBuilder::on(&root);
    builder.margin(20).x_label_area_size(50).y_label_area_size(70);
    if let Some(title) = &figure.title {
        builder.caption(title, (FONT, 26));
    }
    let mut chart = builder.build_cartesian_2d(Ticked(x.clone()), Ticked(y.clone())).map_err(failed)?;
    let image = matches!(figure.layers.first(), Some(Layer::Image { .. }));
    let rows = match figure.layers.first() {
        Some(Layer::Image { rows, .. }) => *rows as f64,
        _ => 0.0,
    };
    let x_label = |v: &f64| x.label(*v);
    let y_label = |v: &f64| if image { super::axis::short(rows - v) } else { y.label(*v) };
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&x_label)
        .y_label_formatter(&y_label)
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 18))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(225, 225, 225));
    let scale;
    if let Some(Layer::Image { values, .. }) = figure.layers.first() {
        let finite = || values.iter().copied().filter(|v| v.is_finite());
        let lo = finite().fold(f64::INFINITY, f64::min);
        let hi = finite().fold(f64::NEG_INFINITY, f64::max);
        scale = format!("from {} (purple) to {} (yellow)", super::axis::short(lo), super::axis::short(hi));
        mesh.disable_mesh().x_desc(&scale);
    }
    if let Some(xlabel) = &figure.xlabel {
        mesh.x_desc(xlabel);
    }
    if let Some(ylabel) = &figure.ylabel {
        mesh.y_desc(ylabel);
    }
    mesh.draw().map_err(failed)?;
    let mut labelled = false;
    for (k, layer) in figure.layers.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let map = |&(px, py): &(f64, f64)| (px, y.map(py));
        let finite = |p: &(f64, f64)| p.0.is_finite() && p.1.is_finite();
        let legend: Option<LegendMark<DB>> = match layer {
            Layer::Line { points, .. } => {
                let mapped: Vec<(f64, f64)> = points.iter().map(map).collect();
                for run in mapped.split(|p| !finite(p)).filter(|r| !r.is_empty()) {
                    chart.draw_series(LineSeries::new(run.iter().copied(), color.stroke_width(2))).map_err(failed)?;
                }
                Some(Box::new(move |(lx, ly)| {
                    PathElement::new(vec![(lx, ly), (lx + 20, ly)], color.stroke_width(2)).into_dyn()
                }))
            }
            Layer::Points { points, .. } => {
                let mapped = points.iter().map(map).filter(finite);
                chart.draw_series(mapped.map(|p| Circle::new(p, 4, color.filled()))).map_err(failed)?;
                Some(Box::new(move |(lx, ly)| Circle::new((lx + 10, ly), 4, color.filled()).into_dyn()))
            }
            Layer::Bars { edges, counts, .. } => {
                let fill = color.mix(if figure.layers.len() > 1 { 0.5 } else { 0.85 });
                let bars = counts
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| Rectangle::new([(edges[i], 0.0), (edges[i + 1], c)], fill.filled()));
                chart.draw_series(bars).map_err(failed)?;
                let outline = counts
                    .iter()
                    .enumerate()
                    .map(|(i, &c)| Rectangle::new([(edges[i], 0.0), (edges[i + 1], c)], color.stroke_width(1)));
                chart.draw_series(outline).map_err(failed)?;
                Some(Box::new(move |(lx, ly)| {
                    Rectangle::new([(lx, ly - 6), (lx + 20, ly + 6)], fill.filled()).into_dyn()
                }))
            }
            Layer::Image { rows, cols, values } => {
                let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
                let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let (r_n, c_n) = (*rows, *cols);
                let cells = (0..r_n).flat_map(|r| (0..c_n).map(move |c| (r, c))).map(|(r, c)| {
                    let v = values[r * c_n + c];
                    let shade = if !v.is_finite() {
                        RGBColor(255, 255, 255)
                    } else if hi > lo {
                        viridis((v - lo) / (hi - lo))
                    } else {
                        viridis(0.5)
                    };
                    let top = (r_n - r) as f64;
                    Rectangle::new([(c as f64, top - 1.0), (c as f64 + 1.0, top)], shade.filled())
                });
                chart.draw_series(cells).map_err(failed)?;
                None
            }
        };
        if let (Some(label), Some(legend)) = (layer.label(), legend) {
            labelled = true;
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(failed)?
                .label(label)
                .legend(legend);
        }
    }
    if labelled {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font((FONT, 16))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .draw()
            .map_err(failed)?;
    }
    root.present().map_err(failed)
}

/// An axis of `plotters` with our own range and ticks ([`Axes`]), so that the file shows the
/// ticks the terminal shows (powers of ten on a logarithmic axis).
struct Ticked(super::axis::Axis);

impl Ranged for Ticked {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, (start, end): (i32, i32)) -> i32 {
        let t = (value - self.0.lo) / (self.0.hi - self.0.lo);
        start + (t * f64::from(end - start)).round() as i32
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        let ticks = &self.0.ticks;
        let every = ticks.len().div_ceil(hint.max_num_points().max(1)).max(1);
        ticks.iter().step_by(every).copied().collect()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.0.lo..self.0.hi
    }
}

/// The viridis colour map at `t` in [0, 1] (dark purple to yellow), from five of its colours.
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] =
        [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];
    let t = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let i = (t.floor() as usize).min(STOPS.len() - 2);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_font_parses() {
        let bytes: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        assert!(plotters::style::register_font("test-font", FontStyle::Normal, bytes).is_ok());
    }

    #[test]
    fn viridis_runs_from_purple_to_yellow() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(0.5), RGBColor(33, 145, 140));
    }
}
