//! Plots: `plot`, `scatter`, `hist`, `imshow`, `figure` and `show` (rows of the `Sys` family).
//!
//! A call turns its arguments into a [`Figure`] of [`Layer`]s and draws it at once — in the
//! terminal (`term`, Unicode braille and blocks) or, with `file=`, to an SVG or PNG file
//! (`file`, the `plotters` crate with an embedded font) — unless `figure()` has opened a figure,
//! which then collects the layers of the calls after it until `show()` draws it.
//!
//! A notebook front end (the Jupyter kernel, `crate::jupyter`) sets a [`Display`] for the thread
//! its session runs on with [`set_display`]: a figure drawn without `file=` then goes to it as
//! SVG and PNG pictures instead of to the terminal.

pub mod axis;
pub mod file;
pub mod term;

use crate::diag::{Code, Diag};
use crate::span::Span;
use crate::value::{Tensor, Value};
use std::io::Write;
use std::path::PathBuf;

/// A figure: settings and the layers drawn in it, in order.
#[derive(Clone, Debug, Default)]
pub struct Figure {
    /// The title above the chart.
    pub title: Option<String>,
    /// The label under the x axis.
    pub xlabel: Option<String>,
    /// The label beside the y axis.
    pub ylabel: Option<String>,
    /// Whether the y axis is logarithmic.
    pub logy: bool,
    /// What is drawn, in order.
    pub layers: Vec<Layer>,
}

/// One thing drawn in a figure.
#[derive(Clone, Debug)]
pub enum Layer {
    /// A line through the points; a point whose y is not finite breaks the line.
    Line {
        /// The legend entry.
        label: Option<String>,
        /// The points, in order.
        points: Vec<(f64, f64)>,
    },
    /// Points without a line.
    Points {
        /// The legend entry.
        label: Option<String>,
        /// The points.
        points: Vec<(f64, f64)>,
    },
    /// A histogram: `counts[i]` values fell in `[edges[i], edges[i + 1])`.
    Bars {
        /// The legend entry.
        label: Option<String>,
        /// The bin edges, one more than the counts.
        edges: Vec<f64>,
        /// How many values fell in each bin.
        counts: Vec<f64>,
    },
    /// A matrix as an image, row-major.
    Image {
        /// The number of rows.
        rows: usize,
        /// The number of columns.
        cols: usize,
        /// The elements, row after row.
        values: Vec<f64>,
    },
}

impl Layer {
    /// The legend entry, if any.
    pub fn label(&self) -> Option<&str> {
        match self {
            Layer::Line { label, .. } | Layer::Points { label, .. } | Layer::Bars { label, .. } => label.as_deref(),
            Layer::Image { .. } => None,
        }
    }
}

/// A plotting built-in, as the interpreter hands it over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// `plot(x, y?, title?, xlabel?, ylabel?, logy?, label?, file?)`.
    Plot,
    /// `scatter(x, y, c?, title?, xlabel?, ylabel?, logy?, label?, file?)`.
    Scatter,
    /// `hist(x, bins?, title?, xlabel?, ylabel?, label?, file?)`.
    Hist,
    /// `imshow(A, title?, file?)`.
    Imshow,
    /// `figure(title?, xlabel?, ylabel?, logy?)`.
    Figure,
    /// `show(file?)`.
    Show,
}

/// The arguments of one call, in the table's canonical order, with their spans.
struct Args<'a> {
    call: Call,
    values: &'a [Value],
    spans: &'a [Span],
    span: Span,
}

impl Args<'_> {
    /// The position of the parameter `name` of this call, if it has one.
    fn position(&self, name: &str) -> Option<usize> {
        let params: &[&str] = match self.call {
            Call::Plot => &["x", "y", "title", "xlabel", "ylabel", "logy", "label", "file"],
            Call::Scatter => &["x", "y", "c", "title", "xlabel", "ylabel", "logy", "label", "file"],
            Call::Hist => &["x", "bins", "title", "xlabel", "ylabel", "label", "file"],
            Call::Imshow => &["A", "title", "file"],
            Call::Figure => &["title", "xlabel", "ylabel", "logy"],
            Call::Show => &["file"],
        };
        params.iter().position(|p| *p == name)
    }

    fn span_of(&self, i: usize) -> Span {
        self.spans.get(i).copied().unwrap_or(self.span)
    }

    fn value(&self, name: &str) -> Option<(usize, &Value)> {
        let i = self.position(name)?;
        match self.values.get(i).map(Value::primal) {
            None | Some(Value::Absent) => None,
            Some(v) => Some((i, v)),
        }
    }

    /// A `str` setting, if given.
    fn text(&self, name: &str) -> Result<Option<String>, Diag> {
        match self.value(name) {
            None => Ok(None),
            Some((_, Value::Str(s))) => Ok(Some(s.to_string())),
            Some((i, v)) => Err(mismatch(name, "a str", v, self.span_of(i))),
        }
    }

    /// A `bool` setting, if given.
    fn flag(&self, name: &str) -> Result<Option<bool>, Diag> {
        match self.value(name) {
            None => Ok(None),
            Some((_, Value::Bool(b))) => Ok(Some(*b)),
            Some((i, v)) => Err(mismatch(name, "true or false", v, self.span_of(i))),
        }
    }

    /// The numbers of a data argument, row-major, with its shape and span.
    fn data(&self, name: &str) -> Result<Option<Data>, Diag> {
        let Some((i, v)) = self.value(name) else { return Ok(None) };
        let span = self.span_of(i);
        let (values, shape) = match v {
            Value::Tensor(Tensor::F64(a)) => (a.iter().copied().collect(), a.shape().to_vec()),
            Value::Tensor(Tensor::F32(a)) => (a.iter().map(|&x| f64::from(x)).collect(), a.shape().to_vec()),
            Value::Tensor(Tensor::I64(a)) => (a.iter().map(|&x| x as f64).collect(), a.shape().to_vec()),
            other => return Err(mismatch(name, "a number tensor", other, span)),
        };
        Ok(Some((values, shape, span)))
    }

    /// Applies the figure settings this call gives (`title`, `xlabel`, `ylabel`, `logy`).
    fn settings(&self, figure: &mut Figure) -> Result<(), Diag> {
        for (name, slot) in
            [("title", &mut figure.title), ("xlabel", &mut figure.xlabel), ("ylabel", &mut figure.ylabel)]
        {
            if let Some(text) = self.text(name)? {
                *slot = Some(text);
            }
        }
        if let Some(logy) = self.flag("logy")? {
            figure.logy = logy;
        }
        Ok(())
    }
}

/// A data argument: its numbers, row-major, its shape and its span.
type Data = (Vec<f64>, Vec<usize>, Span);

fn mismatch(name: &str, want: &str, got: &Value, span: Span) -> Diag {
    Diag::new(Code::TypeMismatch, format!("`{name}` must be {want}, not {}", got.type_name()), span, got.type_name())
}

/// An error about a value the plot cannot draw (`tscript::runtime::value`).
fn bad_value(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diag {
    Diag::new(Code::RuntimeValue, message, span, label)
}

/// A finished figure as pictures, for a [`Display`].
#[derive(Clone, Debug)]
pub struct Picture {
    /// The figure as an SVG document.
    pub svg: String,
    /// The same figure as a PNG image.
    pub png: Vec<u8>,
}

/// Where figures drawn without `file=` go instead of the terminal (see [`set_display`]).
pub type Display = Box<dyn FnMut(Picture) -> std::io::Result<()>>;

thread_local! {
    /// The display of this thread's session, if a notebook front end set one.
    static DISPLAY: std::cell::RefCell<Option<Display>> = const { std::cell::RefCell::new(None) };
}

/// Sends the figures this thread draws without `file=` to `display` (or, with `None`, back to
/// the terminal); returns the display it replaces.
pub fn set_display(display: Option<Display>) -> Option<Display> {
    DISPLAY.with(|d| std::mem::replace(&mut *d.borrow_mut(), display))
}

/// Shows the figure on this thread's display, if there is one; `Ok(false)` when there is none.
/// What was printed before is flushed first, so that it comes before the picture.
fn show_on_display(figure: &Figure, axes: &axis::Axes, out: &mut dyn Write, span: Span) -> Result<bool, Diag> {
    if !DISPLAY.with(|d| d.borrow().is_some()) {
        return Ok(false);
    }
    let placed = |e| placed(e, span);
    let picture =
        Picture { svg: file::svg(figure, axes).map_err(placed)?, png: file::png(figure, axes).map_err(placed)? };
    let io = |e: std::io::Error| Diag::new(Code::Io, format!("cannot show the plot: {e}"), span, "while drawing");
    out.flush().map_err(io)?;
    DISPLAY.with(|d| d.borrow_mut().as_mut().map_or(Ok(()), |show| show(picture))).map_err(io)?;
    Ok(true)
}

/// Runs one plotting call. `open` is the figure that `figure()` opened, if any; `out` is where
/// terminal charts go.
pub fn run(
    open: &mut Option<Figure>,
    out: &mut dyn Write,
    call: Call,
    values: &[Value],
    span: Span,
    spans: &[Span],
) -> Result<(), Diag> {
    let args = Args { call, values, spans, span };
    let file = match args.value("file") {
        Some((i, Value::Str(p))) => Some((PathBuf::from(&**p), args.span_of(i))),
        Some((i, v)) => return Err(mismatch("file", "a str", v, args.span_of(i))),
        None => None,
    };
    let layers = match call {
        Call::Figure => {
            let mut figure = Figure::default();
            args.settings(&mut figure)?;
            *open = Some(figure);
            return Ok(());
        }
        Call::Show => {
            let Some(figure) = open.take() else {
                return Err(bad_value("`show` has no figure to draw", span, "no figure() before this")
                    .with_help("start one with figure(), then plot(...) into it"));
            };
            if figure.layers.is_empty() {
                return Err(bad_value("the figure is empty", span, "nothing was drawn since figure()")
                    .with_help("call plot, scatter or hist between figure() and show()"));
            }
            return draw(&figure, file, out, span);
        }
        Call::Plot => lines(&args)?,
        Call::Scatter => points(&args)?,
        Call::Hist => bars(&args)?,
        Call::Imshow => vec![image(&args)?],
    };
    match open {
        Some(figure) => {
            if let Some((_, file_span)) = file {
                return Err(bad_value(
                    "a call inside figure() ... show() cannot write a file of its own",
                    file_span,
                    "file given here",
                )
                .with_help("give file= to show(...), which draws the whole figure"));
            }
            if call == Call::Imshow {
                return Err(bad_value("`imshow` draws a figure of its own", span, "inside figure() ... show()")
                    .with_help("call show() first, or call imshow outside figure()"));
            }
            let kinds_mix = figure.layers.iter().chain(&layers).any(|l| matches!(l, Layer::Bars { .. }))
                && figure.layers.iter().chain(&layers).any(|l| !matches!(l, Layer::Bars { .. }));
            if kinds_mix {
                return Err(bad_value(
                    "a figure holds either lines and points or histograms, not both",
                    span,
                    "does not fit the figure's other layers",
                )
                .with_help("draw it in a figure of its own"));
            }
            args.settings(figure)?;
            figure.layers.extend(layers);
            Ok(())
        }
        None => {
            let mut figure = Figure { layers, ..Figure::default() };
            args.settings(&mut figure)?;
            draw(&figure, file, out, span)
        }
    }
}

/// Draws a finished figure: to `file` if one is given, else as text to `out`.
fn draw(figure: &Figure, file: Option<(PathBuf, Span)>, out: &mut dyn Write, span: Span) -> Result<(), Diag> {
    if figure.logy {
        if let Some(Layer::Bars { .. }) = figure.layers.first() {
            return Err(bad_value("`logy` is for lines and points, not histograms", span, "a histogram")
                .with_help("leave out logy=true"));
        }
    }
    let axes = axis::Axes::of(figure).map_err(|message| bad_value(message, span, "cannot be drawn"))?;
    match file {
        Some((path, file_span)) => file::write(figure, &axes, &path).map_err(|e| placed(e, file_span)),
        None if show_on_display(figure, &axes, out, span)? => Ok(()),
        None => {
            let text = term::render(figure, &axes);
            out.write_all(text.as_bytes())
                .map_err(|e| Diag::new(Code::Io, format!("cannot write output: {e}"), span, "while drawing"))
        }
    }
}

/// A drawing error as a diagnostic at `span`.
fn placed(e: crate::diag::OpError, span: Span) -> Diag {
    let mut d = Diag::new(e.code, e.message, span, e.label);
    d.help = e.help;
    d
}

/// Data with at least one finite value, whose finite values span a finite range; an error naming
/// the argument otherwise.
fn check_finite(name: &str, values: &[f64], span: Span) -> Result<(), Diag> {
    if values.is_empty() {
        return Err(bad_value(format!("`{name}` is empty: there is nothing to draw"), span, "no elements"));
    }
    if !values.iter().any(|v| v.is_finite()) {
        return Err(bad_value(
            format!("`{name}` has no finite value to draw (all are nan or inf)"),
            span,
            "only nan or inf",
        )
        .with_help("a loss that became nan or inf usually means the step size is too large"));
    }
    let finite = || values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = (finite().fold(f64::INFINITY, f64::min), finite().fold(f64::NEG_INFINITY, f64::max));
    if (hi - lo).is_infinite() {
        return Err(bad_value(
            format!("`{name}` spans too wide a range to draw, from {} to {}", axis::short(lo), axis::short(hi)),
            span,
            "the range overflows",
        )
        .with_help("scale the values down first"));
    }
    Ok(())
}

/// `plot(y)` / `plot(x, y)`: one line per column of `y`.
fn lines(args: &Args) -> Result<Vec<Layer>, Diag> {
    let (first, first_shape, first_span) = args.data("x")?.ok_or_else(|| missing(args, "x"))?;
    let (x, (y, shape, y_span)) = match args.data("y")? {
        Some(y) => {
            if first_shape.len() != 1 {
                return Err(bad_value("`x` must be a vector", first_span, format!("shape {first_shape:?}")));
            }
            (Some((first, first_span)), y)
        }
        None => (None, (first, first_shape, first_span)),
    };
    let name = if x.is_some() { "y" } else { "x" };
    check_finite(name, &y, y_span)?;
    let (rows, cols) = match shape[..] {
        [n] => (n, 1),
        [n, m] => (n, m),
        _ => {
            return Err(bad_value(format!("`{name}` must be a vector or a matrix"), y_span, format!("shape {shape:?}")))
        }
    };
    let xs = match &x {
        Some((xs, x_span)) => {
            if xs.len() != rows {
                return Err(Diag::new(
                    Code::RuntimeShape,
                    format!("`plot` needs x and y of one length, but x has {} and y has {rows}", xs.len()),
                    y_span,
                    format!("{rows} rows"),
                )
                .with_label(*x_span, format!("{} elements", xs.len()))
                .with_help("give x and y the same length"));
            }
            check_finite("x", xs, *x_span)?;
            xs.clone()
        }
        None => (0..rows).map(|i| i as f64).collect(),
    };
    let label = args.text("label")?;
    Ok((0..cols)
        .map(|j| Layer::Line {
            label: match (&label, cols) {
                (Some(l), 1) => Some(l.clone()),
                (Some(l), _) => Some(format!("{l} {j}")),
                (None, 1) => None,
                (None, _) => Some(format!("column {j}")),
            },
            points: (0..rows).map(|i| (xs[i], y[i * cols + j])).collect(),
        })
        .collect())
}

/// Whether a value of `c` belongs to a class of points.
type Member = Box<dyn Fn(f64) -> bool>;

/// `scatter(x, y, c?)`: one layer of points per class of `c` (up to 10 distinct values), else
/// per fifth of `c`'s range.
fn points(args: &Args) -> Result<Vec<Layer>, Diag> {
    let (x, _, x_span) = args.data("x")?.ok_or_else(|| missing(args, "x"))?;
    let (y, _, y_span) = args.data("y")?.ok_or_else(|| missing(args, "y"))?;
    check_finite("x", &x, x_span)?;
    check_finite("y", &y, y_span)?;
    let length = |name: &str, n: usize, span: Span| {
        Diag::new(
            Code::RuntimeShape,
            format!("`scatter` needs x and {name} of one length, but x has {} and {name} has {n}", x.len()),
            span,
            format!("{n} elements"),
        )
        .with_label(x_span, format!("{} elements", x.len()))
        .with_help(format!("give x and {name} the same length"))
    };
    if y.len() != x.len() {
        return Err(length("y", y.len(), y_span));
    }
    let label = args.text("label")?;
    let points: Vec<(f64, f64)> = x.iter().copied().zip(y.iter().copied()).collect();
    let Some((c, _, c_span)) = args.data("c")? else {
        return Ok(vec![Layer::Points { label, points }]);
    };
    if c.len() != x.len() {
        return Err(length("c", c.len(), c_span));
    }
    if let Some(i) = c.iter().position(|v| !v.is_finite()) {
        return Err(bad_value(
            format!("`c` must give every point a class, but c[{i}] is {}", axis::short(c[i])),
            c_span,
            "not finite",
        ));
    }
    let mut classes: Vec<f64> = c.iter().copied().filter(|v| v.is_finite()).collect();
    classes.sort_by(f64::total_cmp);
    classes.dedup();
    let name = |text: String| {
        Some(match &label {
            Some(l) => format!("{l} {text}"),
            None => format!("c = {text}"),
        })
    };
    let groups: Vec<(Option<String>, Member)> = if classes.len() <= 10 {
        classes.iter().map(|&k| (name(axis::short(k)), Box::new(move |v: f64| v == k) as Member)).collect()
    } else {
        let (lo, hi) = (classes[0], classes[classes.len() - 1]);
        let edge = |k: usize| lo + (hi - lo) * k as f64 / 5.0;
        (0..5)
            .map(|k| {
                let (a, b) = (edge(k), edge(k + 1));
                let last = k == 4;
                let text = format!("{}–{}", axis::short(a), axis::short(b));
                (name(text), Box::new(move |v: f64| v >= a && (v < b || last)) as Member)
            })
            .collect()
    };
    Ok(groups
        .into_iter()
        .map(|(label, member)| Layer::Points {
            label,
            points: points.iter().zip(&c).filter(|(_, &v)| member(v)).map(|(&p, _)| p).collect(),
        })
        .filter(|l| matches!(l, Layer::Points { points, .. } if !points.is_empty()))
        .collect())
}

/// `hist(x, bins?)`: `bins` equal bins from the smallest to the largest finite element.
fn bars(args: &Args) -> Result<Vec<Layer>, Diag> {
    let (x, _, x_span) = args.data("x")?.ok_or_else(|| missing(args, "x"))?;
    check_finite("x", &x, x_span)?;
    let bins = match args.value("bins") {
        None => 10,
        Some((_, Value::Int(n))) if (1..=10_000).contains(n) => *n as usize,
        Some((i, v)) => {
            return Err(bad_value("`bins` must be an int from 1 to 10000", args.span_of(i), v.type_name())
                .with_help("e.g. bins=20"))
        }
    };
    let finite: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo == hi { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
    let edges: Vec<f64> = (0..=bins).map(|k| lo + (hi - lo) * k as f64 / bins as f64).collect();
    let mut counts = vec![0.0; bins];
    for v in finite {
        let k = (((v - lo) / (hi - lo)) * bins as f64).floor() as usize;
        counts[k.min(bins - 1)] += 1.0;
    }
    Ok(vec![Layer::Bars { label: args.text("label")?, edges, counts }])
}

/// `imshow(A)`.
fn image(args: &Args) -> Result<Layer, Diag> {
    let (values, shape, span) = args.data("A")?.ok_or_else(|| missing(args, "A"))?;
    check_finite("A", &values, span)?;
    match shape[..] {
        [rows, cols] => Ok(Layer::Image { rows, cols, values }),
        _ => Err(bad_value("`imshow` needs a matrix", span, format!("shape {shape:?}"))
            .with_help("make one with reshape(x, rows, cols)")),
    }
}

fn missing(args: &Args, name: &str) -> Diag {
    Diag::new(Code::TypeArity, format!("`{name}` is missing"), args.span, "missing an argument")
}
