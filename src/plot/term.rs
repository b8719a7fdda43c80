//! Charts drawn as text, for the terminal and the REPL: lines and points on a canvas of Unicode
//! braille dots (2 × 4 dots a character) in a frame with ticks and labels, as Julia's
//! UnicodePlots draws them; histograms as horizontal bars of eighth blocks; a matrix as shaded
//! blocks. The first series is drawn in braille, each further one with its own marker
//! character (`+`, `x`, `o`, ...) named in the legend, so series stay apart without colour.

use super::axis::{short, Axes};
use super::{Figure, Layer};

/// The canvas width, in characters.
const WIDTH: usize = 60;
/// The canvas height, in characters.
const HEIGHT: usize = 15;
/// The markers of the second and later series.
const MARKS: [char; 8] = ['+', 'x', 'o', '*', '#', '%', '@', '&'];
/// The widest a histogram bar may be, in characters.
const BAR: usize = 40;
/// The largest image drawn cell for cell; larger ones are averaged down to this.
const IMAGE: usize = 32;

/// The figure as text, ending in a newline.
pub fn render(figure: &Figure, axes: &Axes) -> String {
    let mut lines = match figure.layers.first() {
        Some(Layer::Image { rows, cols, values }) => image(figure, *rows, *cols, values),
        Some(Layer::Bars { .. }) => histograms(figure),
        _ => chart(figure, axes),
    };
    for line in &mut lines {
        line.truncate(line.trim_end().len());
    }
    lines.join("\n") + "\n"
}

/// `text` centred in `width` columns (left-padded only).
fn centred(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{}{text}", " ".repeat(width.saturating_sub(n) / 2))
}

/// Lines and points in a frame with ticks.
fn chart(figure: &Figure, axes: &Axes) -> Vec<String> {
    let (x, y) = (&axes.x, &axes.y);
    let (dots_w, dots_h) = (2 * WIDTH, 4 * HEIGHT);
    let to_dot = |px: f64, py: f64| -> Option<(i64, i64)> {
        let (py, px) = (y.map(py), x.map(px));
        if !(px.is_finite() && py.is_finite()) {
            return None;
        }
        let col = ((px - x.lo) / (x.hi - x.lo) * (dots_w - 1) as f64).round() as i64;
        let row = ((y.hi - py) / (y.hi - y.lo) * (dots_h - 1) as f64).round() as i64;
        Some((col, row))
    };
    let mut braille = vec![0u8; WIDTH * HEIGHT];
    let mut marks: Vec<Option<char>> = vec![None; WIDTH * HEIGHT];
    let mut legend = Vec::new();
    for (k, layer) in figure.layers.iter().enumerate() {
        let mut set = |(c, r): (i64, i64)| {
            let (c, r) = (c.clamp(0, dots_w as i64 - 1) as usize, r.clamp(0, dots_h as i64 - 1) as usize);
            let cell = (r / 4) * WIDTH + c / 2;
            if k == 0 {
                braille[cell] |= braille_bit(c % 2, r % 4);
            } else {
                marks[cell] = Some(MARKS[(k - 1) % MARKS.len()]);
            }
        };
        let (points, joined) = match layer {
            Layer::Line { points, .. } => (points, true),
            Layer::Points { points, .. } => (points, false),
            Layer::Bars { .. } | Layer::Image { .. } => continue,
        };
        let mut previous = None;
        for &(px, py) in points {
            let here = to_dot(px, py);
            match (previous, here, joined) {
                (Some(a), Some(b), true) => segment(a, b).into_iter().for_each(&mut set),
                (_, Some(b), _) => set(b),
                (_, None, _) => {}
            }
            previous = here;
        }
        if let Some(label) = layer.label() {
            let symbol = if k == 0 { "⠤⠤".to_string() } else { MARKS[(k - 1) % MARKS.len()].to_string().repeat(2) };
            legend.push(format!("{symbol} {label}"));
        }
    }
    let tick_row = |t: f64| ((y.hi - t) / (y.hi - y.lo) * (HEIGHT - 1) as f64).round() as usize;
    let tick_col = |t: f64| ((t - x.lo) / (x.hi - x.lo) * (WIDTH - 1) as f64).round() as usize;
    let mut row_labels = vec![None; HEIGHT];
    for &t in &y.ticks {
        row_labels[tick_row(t).min(HEIGHT - 1)] = Some(y.label(t));
    }
    let margin = row_labels.iter().flatten().map(|l: &String| l.chars().count()).max().unwrap_or(0);
    let pad = " ".repeat(margin + 1);
    let mut out = Vec::new();
    if let Some(title) = &figure.title {
        out.push(format!("{pad} {}", centred(title, WIDTH)));
    }
    if let Some(ylabel) = &figure.ylabel {
        out.push(ylabel.clone());
    }
    out.push(format!("{pad}┌{}┐", "─".repeat(WIDTH)));
    for (r, label) in row_labels.iter().enumerate() {
        let mut line = match label {
            Some(l) => format!("{l:>margin$} ┤"),
            None => format!("{pad}│"),
        };
        for c in 0..WIDTH {
            let cell = r * WIDTH + c;
            line.push(match (marks[cell], braille[cell]) {
                (Some(m), _) => m,
                (None, 0) => ' ',
                (None, bits) => char::from_u32(0x2800 + u32::from(bits)).unwrap_or(' '),
            });
        }
        line.push('│');
        out.push(line);
    }
    let mut bottom: Vec<char> = "─".repeat(WIDTH).chars().collect();
    let mut labels: Vec<char> = vec![' '; margin + 2 + WIDTH + 8];
    let mut free_from = 0;
    for &t in &x.ticks {
        let c = tick_col(t).min(WIDTH - 1);
        bottom[c] = '┬';
        let text: Vec<char> = x.label(t).chars().collect();
        let start = (margin + 2 + c).saturating_sub(text.len() / 2);
        if start >= free_from && start + text.len() <= labels.len() {
            labels[start..start + text.len()].copy_from_slice(&text);
            free_from = start + text.len() + 1;
        }
    }
    out.push(format!("{pad}└{}┘", bottom.iter().collect::<String>()));
    out.push(labels.iter().collect());
    if let Some(xlabel) = &figure.xlabel {
        out.push(format!("{pad} {}", centred(xlabel, WIDTH)));
    }
    if !legend.is_empty() {
        out.push(format!("{pad} {}", legend.join("   ")));
    }
    out
}

/// The bit of the braille dot in column `c` (0–1) and row `r` (0–3) of a character.
fn braille_bit(c: usize, r: usize) -> u8 {
    const BITS: [[u8; 4]; 2] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]];
    BITS[c][r]
}

/// The dots of a straight segment from `a` to `b`, both included (Bresenham).
fn segment(a: (i64, i64), b: (i64, i64)) -> Vec<(i64, i64)> {
    let (mut x, mut y) = a;
    let (dx, dy) = ((b.0 - x).abs(), -(b.1 - y).abs());
    let (sx, sy) = (if x < b.0 { 1 } else { -1 }, if y < b.1 { 1 } else { -1 });
    let mut err = dx + dy;
    let mut out = vec![(x, y)];
    while (x, y) != b {
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
        out.push((x, y));
    }
    out
}

/// Each histogram as rows of `[lo, hi) ┤████▍ count`.
fn histograms(figure: &Figure) -> Vec<String> {
    let mut out = Vec::new();
    let bars: Vec<(&Option<String>, &Vec<f64>, &Vec<f64>)> = figure
        .layers
        .iter()
        .filter_map(|l| match l {
            Layer::Bars { label, edges, counts } => Some((label, edges, counts)),
            _ => None,
        })
        .collect();
    let most = bars.iter().flat_map(|(_, _, c)| c.iter().copied()).fold(0.0, f64::max);
    let names: Vec<Vec<String>> = bars
        .iter()
        .map(|(_, edges, _)| {
            let n = edges.len() - 1;
            (0..n)
                .map(|i| format!("[{}, {}{}", short(edges[i]), short(edges[i + 1]), if i + 1 == n { "]" } else { ")" }))
                .collect()
        })
        .collect();
    let margin = names.iter().flatten().map(|s| s.chars().count()).max().unwrap_or(0);
    let pad = " ".repeat(margin + 1);
    if let Some(title) = &figure.title {
        out.push(format!("{pad} {}", centred(title, BAR)));
    }
    if let Some(xlabel) = &figure.xlabel {
        out.push(xlabel.clone());
    }
    for ((label, _, counts), names) in bars.iter().zip(&names) {
        if let Some(label) = label {
            out.push(format!("{pad} {label}"));
        }
        for (count, name) in counts.iter().zip(names) {
            let eighths = if most > 0.0 { (count / most * (BAR * 8) as f64).round() as usize } else { 0 };
            let mut bar = "█".repeat(eighths / 8);
            if eighths % 8 > 0 {
                bar.push([' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8]);
            }
            out.push(format!("{name:>margin$} ┤{bar} {}", short(*count)));
        }
    }
    out.push(format!("{pad}└"));
    if let Some(ylabel) = &figure.ylabel {
        out.push(format!("{pad} {}", centred(ylabel, BAR)));
    }
    out
}

/// A matrix as shaded blocks, two characters an element, averaged down to at most
/// [`IMAGE`] × [`IMAGE`] elements; the smallest value is blank, the largest `█`.
fn image(figure: &Figure, rows: usize, cols: usize, values: &[f64]) -> Vec<String> {
    const SHADES: [char; 5] = [' ', '░', '▒', '▓', '█'];
    let (out_rows, out_cols) = (rows.min(IMAGE), cols.min(IMAGE));
    let block = |i: usize, n: usize, of: usize| (i * n / of, ((i + 1) * n / of).max(i * n / of + 1));
    let mut cells = vec![f64::NAN; out_rows * out_cols];
    for r in 0..out_rows {
        for c in 0..out_cols {
            let ((r0, r1), (c0, c1)) = (block(r, rows, out_rows), block(c, cols, out_cols));
            let inside: Vec<f64> =
                (r0..r1).flat_map(|i| (c0..c1).map(move |j| values[i * cols + j])).filter(|v| v.is_finite()).collect();
            if !inside.is_empty() {
                cells[r * out_cols + c] = inside.iter().sum::<f64>() / inside.len() as f64;
            }
        }
    }
    let finite = || values.iter().copied().filter(|v| v.is_finite());
    let lo = finite().fold(f64::INFINITY, f64::min);
    let hi = finite().fold(f64::NEG_INFINITY, f64::max);
    let mut out = Vec::new();
    if let Some(title) = &figure.title {
        out.push(format!(" {}", centred(title, 2 * out_cols)));
    }
    out.push(format!("┌{}┐", "─".repeat(2 * out_cols)));
    for r in 0..out_rows {
        let mut line = String::from("│");
        for c in 0..out_cols {
            let v = cells[r * out_cols + c];
            let shade = if !v.is_finite() {
                '·'
            } else if hi > lo {
                SHADES[(((v - lo) / (hi - lo)) * (SHADES.len() - 1) as f64).round() as usize]
            } else {
                SHADES[SHADES.len() / 2]
            };
            line.push(shade);
            line.push(shade);
        }
        line.push('│');
        out.push(line);
    }
    out.push(format!("└{}┘", "─".repeat(2 * out_cols)));
    let scaled = if out_rows < rows || out_cols < cols {
        format!("  ({rows}×{cols} averaged to {out_rows}×{out_cols})")
    } else {
        String::new()
    };
    out.push(format!(" {} → {}: ░▒▓█{scaled}", short(lo), short(hi)));
    out
}
