//! Axis ranges, ticks and tick labels, shared by the terminal and the file renderers: ranges are
//! widened to whole steps of 1, 2 or 5 times a power of ten, so the first and last ticks sit on
//! the frame; a logarithmic axis has its ticks at powers of ten.

use super::{Figure, Layer};

/// One axis: its range (in drawn units: log10 of the value on a logarithmic axis) and its ticks.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The lowest drawn value.
    pub lo: f64,
    /// The highest drawn value.
    pub hi: f64,
    /// The ticks, from `lo` to `hi`, in drawn units.
    pub ticks: Vec<f64>,
    /// Whether the axis is logarithmic (drawn units are log10 of values).
    pub log: bool,
    /// The distance between ticks, in drawn units.
    step: f64,
}

/// The two axes of a figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Axes {
    /// The horizontal axis.
    pub x: Axis,
    /// The vertical axis.
    pub y: Axis,
}

impl Axis {
    /// A linear axis over `[lo, hi]` widened to whole steps, with about five ticks.
    pub fn linear(lo: f64, hi: f64) -> Axis {
        let (lo, hi) = if lo == hi {
            let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.5 };
            (lo - pad, hi + pad)
        } else {
            (lo, hi)
        };
        let step = nice_step((hi - lo) / 5.0);
        let first = (lo / step + 1e-9).floor();
        let last = (hi / step - 1e-9).ceil();
        let ticks = (0..=(last - first) as usize).map(|k| (first + k as f64) * step).collect::<Vec<_>>();
        Axis { lo: first * step, hi: last * step, ticks, log: false, step }
    }

    /// A logarithmic axis over the positive values `[lo, hi]`, ticks at powers of ten.
    pub fn logarithmic(lo: f64, hi: f64) -> Axis {
        let (a, b) = (lo.log10().floor(), hi.log10().ceil());
        let b = if a == b { b + 1.0 } else { b };
        let step = ((b - a) / 6.0).ceil().max(1.0);
        let b = a + ((b - a) / step).ceil() * step;
        let ticks = (0..=((b - a) / step) as usize).map(|k| a + k as f64 * step).collect();
        Axis { lo: a, hi: b, ticks, log: true, step }
    }

    /// Where `value` is drawn, in drawn units.
    pub fn map(&self, value: f64) -> f64 {
        if self.log {
            value.log10()
        } else {
            value
        }
    }

    /// The label of the tick at `t` (drawn units).
    pub fn label(&self, t: f64) -> String {
        if self.log {
            let k = t.round() as i32;
            return if (-3..=4).contains(&k) { short(10f64.powi(k)) } else { format!("1e{k}") };
        }
        let t = if t.abs() < self.step * 1e-9 { 0.0 } else { t };
        let big = self.lo.abs().max(self.hi.abs());
        if big >= 1e6 || self.step < 1e-4 {
            return trim_exponent(&format!("{:.2e}", t));
        }
        let decimals = (-self.step.log10().floor()).max(0.0) as usize;
        format!("{t:.decimals$}")
    }
}

impl Axes {
    /// The axes of a figure, or why it cannot be drawn (`logy` with a value ≤ 0).
    pub fn of(figure: &Figure) -> Result<Axes, String> {
        let mut xs = Bounds::default();
        let mut ys = Bounds::default();
        for layer in &figure.layers {
            match layer {
                Layer::Line { points, .. } | Layer::Points { points, .. } => {
                    for &(x, y) in points {
                        if x.is_finite() && y.is_finite() {
                            if figure.logy && y <= 0.0 {
                                return Err(format!("`logy=true` needs values above 0, but the data has {}", short(y)));
                            }
                            xs.add(x);
                            ys.add(y);
                        }
                    }
                }
                Layer::Bars { edges, counts, .. } => {
                    edges.iter().for_each(|&e| xs.add(e));
                    ys.add(0.0);
                    counts.iter().for_each(|&c| ys.add(c));
                }
                Layer::Image { rows, cols, .. } => {
                    xs.add(0.0);
                    xs.add(*cols as f64);
                    ys.add(0.0);
                    ys.add(*rows as f64);
                }
            }
        }
        let (Some((x0, x1)), Some((y0, y1))) = (xs.range(), ys.range()) else {
            return Err("no point has both x and y finite: there is nothing to draw".into());
        };
        let y = if figure.logy { Axis::logarithmic(y0, y1) } else { Axis::linear(y0, y1) };
        Ok(Axes { x: Axis::linear(x0, x1), y })
    }
}

/// The smallest and largest of the values added.
#[derive(Default)]
struct Bounds(Option<(f64, f64)>);

impl Bounds {
    fn add(&mut self, v: f64) {
        self.0 = Some(match self.0 {
            None => (v, v),
            Some((lo, hi)) => (lo.min(v), hi.max(v)),
        });
    }

    fn range(&self) -> Option<(f64, f64)> {
        self.0
    }
}

/// 1, 2 or 5 times a power of ten, near `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let factor = if norm < 1.5 {
        1.0
    } else if norm < 3.0 {
        2.0
    } else if norm < 7.0 {
        5.0
    } else {
        10.0
    };
    factor * magnitude
}

/// `v` with at most four significant digits and no trailing zeros (`0.25`, `3`, `1.235e7`).
pub fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        return trim_exponent(&format!("{v:.3e}"));
    }
    let decimals = (3 - a.log10().floor() as i32).clamp(0, 10) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `1.50e3` as `1.5e3`: trailing zeros of the mantissa removed.
fn trim_exponent(s: &str) -> String {
    match s.split_once('e') {
        Some((m, e)) if m.contains('.') => format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.')),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_axes_widen_to_whole_steps() {
        let a = Axis::linear(0.3, 9.2);
        assert_eq!((a.lo, a.hi), (0.0, 10.0));
        assert_eq!(a.ticks, vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(a.label(4.0), "4");
        let b = Axis::linear(0.0, 0.5);
        assert_eq!(b.label(b.ticks[1]), "0.1");
        let c = Axis::linear(3.0, 3.0);
        assert!(c.lo < 3.0 && c.hi > 3.0);
    }

    #[test]
    fn log_axes_tick_at_powers_of_ten() {
        let a = Axis::logarithmic(0.003, 20.0);
        assert_eq!((a.lo, a.hi), (-3.0, 2.0));
        assert_eq!(a.label(-3.0), "0.001");
        assert_eq!(a.label(2.0), "100");
        assert_eq!(Axis::logarithmic(1e-9, 1.0).label(-9.0), "1e-9");
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(3.0), "3");
        assert_eq!(short(1.0 / 3.0), "0.3333");
        assert_eq!(short(12_345_678.0), "1.235e7");
        assert_eq!(short(-2.5e-7), "-2.5e-7");
        assert_eq!((short(f64::NAN), short(f64::NEG_INFINITY)), ("nan".to_string(), "-inf".to_string()));
    }
}
