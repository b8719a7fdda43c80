//! The text of numbers and tensors (spec §7): Python-style float text and NumPy-style tensor layout,
//! and (`spec`) Python's format-spec mini-language. It imports nothing else of the crate, so syntax
//! (f-string specs) and values (their text, `value::format_value`) both build on it.
//!
//! Floats print like Python's `repr`: the shortest digits that read back to the same value
//! (taken from `ryu`), in positional form when the decimal exponent is in `-4..16` and in
//! scientific form (`1e+16`, `2.5e-05`) otherwise. `f32` values use the shortest digits that
//! read back to the same `f32`, laid out by the same rules.
//!
//! A tensor whose one-line text (`[[1.0, 2.0], [3.0, 4.0]]`) fits in 80 characters prints that
//! way. A longer one is laid out as NumPy's `array2string(a, separator=', ', max_line_width=80,
//! threshold=1000, edgeitems=3)` does (a port of `_formatArray` in `numpy/_core/arrayprint.py`,
//! `legacy=False`), with every shown element padded on the left to the widest shown element.
//! Past 1000 elements only the corners are formatted, so printing a 2000x2000 tensor formats
//! 36 elements, not four million.

pub mod spec;

use ndarray::{ArrayBase, Data, Dimension};

/// Widest line of the multi-line layout, in characters (NumPy's `max_line_width`).
const LINE_WIDTH: usize = 80;
/// Tensors with more elements than this are summarised (NumPy's `threshold`).
const THRESHOLD: usize = 1000;
/// Entries kept at each end of a summarised axis (NumPy's `edgeitems`).
const EDGE_ITEMS: usize = 3;

/// Python's repr of a float: shortest text that reads back to the same f64, always with `.` or an exponent.
///
/// `1.0`, `0.1`, `2.5e-05`, `1e+16`, `-0.0`, `nan`, `inf`, `-inf`, `5e-324`.
pub fn f64_repr(x: f64) -> String {
    if !x.is_finite() {
        return non_finite(x.is_nan(), x.is_sign_negative());
    }
    python_layout(ryu::Buffer::new().format_finite(x))
}

/// The same for f32: the shortest text that reads back to the same f32, laid out like Python's repr.
///
/// `0.1f32` prints `0.1`, `1.0f32 / 3.0` prints `0.33333334`, `1e20f32` prints `1e+20`.
pub fn f32_repr(x: f32) -> String {
    if !x.is_finite() {
        return non_finite(x.is_nan(), x.is_sign_negative());
    }
    python_layout(ryu::Buffer::new().format_finite(x))
}

/// A float in a tensor under the `precision` setting: at most `digits` digits after the point,
/// trailing zeros dropped but a `.0` kept (`0.12345` → `0.123`, `2.5` → `2.5`, `3.0` → `3.0`).
/// A value that [`f64_repr`] writes in exponent form (below 1e-4 or from 1e16) keeps that form
/// with at most `digits` digits after the mantissa's point (`1.2346e-07`). `short` is the
/// value's shortest text (its `f32` text for an `f32`), used when it is already short enough.
pub fn rounded(x: f64, digits: usize, short: &str) -> String {
    if !x.is_finite() {
        return non_finite(x.is_nan(), x.is_sign_negative());
    }
    if let Some((mantissa, exponent)) = short.split_once('e') {
        let point = mantissa.find('.').map_or(0, |p| mantissa.len() - p - 1);
        if point <= digits {
            return short.to_string();
        }
        let text = format!("{x:.digits$e}");
        let (m, e) = text.split_once('e').unwrap_or((&text, exponent));
        let e: i32 = e.parse().unwrap_or(0);
        let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let point = short.find('.').map_or(0, |p| short.len() - p - 1);
    if point <= digits {
        return short.to_string();
    }
    let text = format!("{x:.digits$}");
    if !text.contains('.') {
        return format!("{text}.0");
    }
    let trimmed = text.trim_end_matches('0');
    match trimmed.strip_suffix('.') {
        Some(whole) => format!("{whole}.0"),
        None => trimmed.to_string(),
    }
}

/// Lays out a tensor exactly as spec §7 says, given each element's text.
///
/// `elements` holds one text per element in row-major (C) order; its length must be the
/// product of `shape`. A rank-0 shape prints its single element. Prefer [`array_text`] for big
/// tensors: it formats only the elements that are shown.
pub fn tensor_text(shape: &[usize], elements: &[String]) -> String {
    assert_eq!(elements.len(), shape.iter().product::<usize>(), "tensor_text: element count does not match the shape");
    layout(shape, |index| {
        let flat = index.iter().zip(shape).fold(0, |acc, (&i, &n)| acc * n + i);
        elements[flat].clone()
    })
}

/// Lays out an ndarray tensor as spec §7 says, writing each shown element with `elem`.
///
/// Same layout as [`tensor_text`], but `elem` is called only for the elements that are printed:
/// at most 1000 of them, or the corners of a summarised tensor (36 for a matrix).
pub fn array_text<S, D>(a: &ArrayBase<S, D>, mut elem: impl FnMut(&S::Elem) -> String) -> String
where
    S: Data,
    D: Dimension,
{
    let view = a.view().into_dyn();
    layout(view.shape(), |index| elem(&view[index]))
}

/// The text of a NaN or an infinity, as Python writes it.
fn non_finite(nan: bool, negative: bool) -> String {
    match (nan, negative) {
        (true, _) => "nan",
        (false, false) => "inf",
        (false, true) => "-inf",
    }
    .to_string()
}

/// Re-lays out a finite float's shortest text (as `ryu` writes it) by Python's repr rules.
fn python_layout(text: &str) -> String {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().expect("ryu writes an integer exponent")),
        None => (text, 0),
    };
    let point = mantissa.find('.').unwrap_or(mantissa.len());
    let all: String = mantissa.chars().filter(|&c| c != '.').collect();
    let significant = all.trim_start_matches('0');
    // The value is 0.DIGITS times 10^decpt.
    let decpt = point as i32 + exponent - (all.len() - significant.len()) as i32;
    let digits = significant.trim_end_matches('0');
    let mut out = String::from(if negative { "-" } else { "" });
    if digits.is_empty() {
        out.push_str("0.0");
        return out;
    }
    let exp10 = decpt - 1;
    let n = digits.len() as i32;
    if !(-4..16).contains(&exp10) {
        out.push_str(&digits[..1]);
        if n > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let sign = if exp10 < 0 { '-' } else { '+' };
        out.push_str(&format!("e{sign}{:02}", exp10.abs()));
    } else if decpt <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-decpt) as usize));
        out.push_str(digits);
    } else if decpt >= n {
        out.push_str(digits);
        out.push_str(&"0".repeat((decpt - n) as usize));
        out.push_str(".0");
    } else {
        out.push_str(&digits[..decpt as usize]);
        out.push('.');
        out.push_str(&digits[decpt as usize..]);
    }
    out
}

/// Lays out a tensor of `shape`, asking `text_at` only for the elements that are shown.
fn layout(shape: &[usize], mut text_at: impl FnMut(&[usize]) -> String) -> String {
    if shape.is_empty() {
        return text_at(&[]);
    }
    let size: usize = shape.iter().product();
    // An empty tensor with long axes still prints a bracket per row: summarise those too.
    let extent = shape.iter().fold(1usize, |acc, &n| acc.saturating_mul(n.max(1)));
    let summarise = extent > THRESHOLD;
    let shown: Vec<Vec<usize>> = shape
        .iter()
        .map(|&n| match summarise && n > 2 * EDGE_ITEMS {
            true => (0..EDGE_ITEMS).chain(n - EDGE_ITEMS..n).collect(),
            false => (0..n).collect(),
        })
        .collect();
    let dims: Vec<usize> = shown.iter().map(Vec::len).collect();
    let mut texts = Vec::with_capacity(dims.iter().product());
    if size > 0 {
        // Walk the shown indices in C order, like an odometer.
        let mut counter = vec![0; shape.len()];
        let mut index = vec![0; shape.len()];
        'walk: loop {
            for (axis, &c) in counter.iter().enumerate() {
                index[axis] = shown[axis][c];
            }
            texts.push(text_at(&index));
            for axis in (0..shape.len()).rev() {
                counter[axis] += 1;
                if counter[axis] < dims[axis] {
                    continue 'walk;
                }
                counter[axis] = 0;
            }
            break;
        }
    }
    if !summarise {
        let mut one = String::new();
        one_line(&dims, &texts, &mut 0, &mut one);
        if one.chars().count() <= LINE_WIDTH {
            return one;
        }
    }
    if size == 0 {
        // An empty tensor too long for one line prints as NumPy prints any empty array.
        return "[]".into();
    }
    let width = texts.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    let padded: Vec<String> = texts.iter().map(|t| format!("{t:>width$}")).collect();
    let summarised: Vec<bool> = dims.iter().zip(shape).map(|(&d, &n)| d < n).collect();
    let grid = Grid { dims: &dims, summarised: &summarised, texts: &padded };
    grid.block(0, 0, " ", LINE_WIDTH as i64)
}

/// Writes the one-line text `[a, b, ...]` (nested for higher rank) of the elements from `next` on.
fn one_line(dims: &[usize], texts: &[String], next: &mut usize, out: &mut String) {
    let Some((&n, inner)) = dims.split_first() else {
        out.push_str(&texts[*next]);
        *next += 1;
        return;
    };
    out.push('[');
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        one_line(inner, texts, next, out);
    }
    out.push(']');
}

/// The shown part of a tensor, with padded element texts in C order.
struct Grid<'a> {
    /// Length of each axis as shown (6 for a summarised axis).
    dims: &'a [usize],
    /// Whether each axis is summarised, with `...` after its first `EDGE_ITEMS` entries.
    summarised: &'a [bool],
    /// Padded element texts of the shown part, in C order.
    texts: &'a [String],
}

impl Grid<'_> {
    /// NumPy's `recurser`: the block at `axis` starting at flat position `offset`.
    fn block(&self, axis: usize, offset: usize, hanging: &str, width: i64) -> String {
        let axes_left = self.dims.len() - axis;
        let n = self.dims[axis];
        let summary_after = if self.summarised[axis] { EDGE_ITEMS } else { usize::MAX };
        let mut s = String::new();
        if axes_left == 1 {
            // Room for an element before the separator or the closing bracket.
            let elem_width = width - 1;
            let mut line = hanging.to_string();
            for i in 0..n {
                if i == summary_after {
                    extend_line(&mut s, &mut line, "...", elem_width, hanging);
                    line.push_str(", ");
                }
                extend_line(&mut s, &mut line, &self.texts[offset + i], elem_width, hanging);
                if i + 1 < n {
                    line.push_str(", ");
                }
            }
            s.push_str(&line);
        } else {
            let next_hanging = format!("{hanging} ");
            let line_sep = format!(",{}", "\n".repeat(axes_left - 1));
            let stride: usize = self.dims[axis + 1..].iter().product();
            for i in 0..n {
                if i == summary_after {
                    s.push_str(hanging);
                    s.push_str("...");
                    s.push_str(&line_sep);
                }
                s.push_str(hanging);
                s.push_str(&self.block(axis + 1, offset + i * stride, &next_hanging, width - 1));
                if i + 1 < n {
                    s.push_str(&line_sep);
                }
            }
        }
        format!("[{}]", &s[hanging.len()..])
    }
}

/// NumPy's `_extendLine`: appends `word`, first wrapping to a new line if it would pass `width`.
fn extend_line(s: &mut String, line: &mut String, word: &str, width: i64, prefix: &str) {
    let too_long = (line.chars().count() + word.chars().count()) as i64 > width;
    // Wrapping a line that holds only the prefix would not help.
    if too_long && line.len() > prefix.len() {
        s.push_str(line.trim_end());
        s.push('\n');
        line.clear();
        line.push_str(prefix);
    }
    line.push_str(word);
}

#[cfg(test)]
mod tests {
    //! Expected texts come from Python's `repr`, NumPy 2.4's shortest `float32` digits, and
    //! NumPy 2.4's `array2string` with the spec's options and a formatter writing each element's
    //! repr right-justified to the widest shown element. The generator also checked about 800,000
    //! random scalars and 12,000 random tensors (ranks 1 to 5, summarised or not) against this file.

    use super::*;
    use ndarray::{Array, Array2, IxDyn};
    use std::cell::Cell;

    fn f64s(shape: &[usize], f: impl Fn(usize) -> f64) -> String {
        let texts: Vec<String> = (0..shape.iter().product()).map(|i| f64_repr(f(i))).collect();
        tensor_text(shape, &texts)
    }

    fn f32s(shape: &[usize], f: impl Fn(usize) -> f32) -> String {
        let texts: Vec<String> = (0..shape.iter().product()).map(|i| f32_repr(f(i))).collect();
        tensor_text(shape, &texts)
    }

    fn bools(shape: &[usize], f: impl Fn(usize) -> bool) -> String {
        let text = |b: bool| if b { "true" } else { "false" }.to_string();
        let texts: Vec<String> = (0..shape.iter().product()).map(|i| text(f(i))).collect();
        tensor_text(shape, &texts)
    }

    fn check(got: String, want: &[&str]) {
        let want = want.join("\n");
        assert_eq!(got, want, "\ngot:\n{got}\nwant:\n{want}");
    }

    const SPEC: [f64; 16] = [2.0, 3.0, -8.0, -2.5, 7.0, -4.0, -2.0, 0.0, 5.0, 4.0, 1.0, -4.0, 100.0, -3.0, -3.0, 4.0];

    /// Python reprs of doubles; each reads back to the double whose repr it is.
    const F64_REPRS: &str = "1.0 100.0 0.1 -2.5 2.5e-05 1e+16 1.5e+16 0.0001 1e-05 -1.25e-07
        0.00012345 123456789012345.0 1234567890123456.8 9999999999999998.0 1000000000000000.0
        9007199254740992.0 0.0 -0.0 5e-324 1.5e-323 1.7976931348623157e+308 1e+22 1e+100
        0.30000000000000004 nan inf -inf";

    /// Shortest `f32` texts (NumPy's digits) in Python's layout.
    const F32_REPRS: &str = "0.1 0.33333334 1e+20 16777216.0 123456790000000.0 1e+16 2.5e-05
        1e-45 7.34684e-40 3.4028235e+38 0.90000004 -0.0 1.0 0.3 nan inf -inf";

    #[test]
    fn f64_repr_matches_python() {
        for want in F64_REPRS.split_whitespace() {
            assert_eq!(f64_repr(want.parse().unwrap()), want);
        }
        assert_eq!(f64_repr(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(f64_repr(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(f64_repr(f64::MAX), "1.7976931348623157e+308");
        assert_eq!(f64_repr(-f64::MIN_POSITIVE), "-2.2250738585072014e-308");
    }

    #[test]
    fn f32_repr_matches_numpy_digits() {
        for want in F32_REPRS.split_whitespace() {
            assert_eq!(f32_repr(want.parse().unwrap()), want);
        }
        assert_eq!(f32_repr(1.0 / 3.0), "0.33333334");
        assert_eq!(f32_repr(0.1 + 0.2), "0.3");
        assert_eq!(f32_repr(0.1 * 3.0), "0.3");
        assert_eq!(f32_repr(0.1f64 as f32), "0.1");
        assert_eq!(f32_repr(f32::from_bits(1)), "1e-45");
        assert_eq!(f32_repr(f32::from_bits(1 << 19)), "7.34684e-40");
    }

    #[test]
    fn short_tensors_print_on_one_line() {
        check(f64s(&[2], |i| [1.0, 2.5][i]), &["[1.0, 2.5]"]);
        check(f64s(&[2, 2], |i| i as f64 + 1.0), &["[[1.0, 2.0], [3.0, 4.0]]"]);
        check(bools(&[1, 1, 2], |i| i == 0), &["[[[true, false]]]"]);
        let eighty = f64s(&[16], |_| 1.0);
        assert_eq!((eighty.len(), eighty.contains('\n')), (80, false));
        check(tensor_text(&[], &["1.5".to_string()]), &["1.5"]);
    }

    #[test]
    fn empty_tensors() {
        check(f64s(&[0], |_| 0.0), &["[]"]);
        check(f64s(&[2, 0], |_| 0.0), &["[[], []]"]);
        // NumPy prints every empty array as `[]`; this one's one-line text is too long.
        check(f64s(&[30, 0], |_| 0.0), &["[]"]);
    }

    #[test]
    fn array_text_formats_only_shown_elements() {
        let calls = Cell::new(0);
        let a = Array2::from_shape_fn((2000, 2000), |(i, j)| (i * 2000 + j) as f64);
        let got = array_text(&a, |x| {
            calls.set(calls.get() + 1);
            f64_repr(*x)
        });
        assert_eq!(calls.get(), 36);
        check(got, BIG);
    }

    #[test]
    fn array_text_follows_logical_order() {
        let a = Array::from_iter(SPEC).into_shape_with_order(IxDyn(&[2, 2, 4])).unwrap();
        assert_eq!(array_text(&a, |x| f64_repr(*x)), f64s(&[2, 2, 4], |i| SPEC[i]));
        let t = Array::from_iter(0..6).into_shape_with_order((2, 3)).unwrap().reversed_axes();
        check(array_text(&t, |x| f32_repr(*x as f32)), &["[[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]"]);
    }

    const BIG: &[&str] = &[
        "[[      0.0,       1.0,       2.0, ...,    1997.0,    1998.0,    1999.0],",
        " [   2000.0,    2001.0,    2002.0, ...,    3997.0,    3998.0,    3999.0],",
        " [   4000.0,    4001.0,    4002.0, ...,    5997.0,    5998.0,    5999.0],",
        " ...,",
        " [3994000.0, 3994001.0, 3994002.0, ..., 3995997.0, 3995998.0, 3995999.0],",
        " [3996000.0, 3996001.0, 3996002.0, ..., 3997997.0, 3997998.0, 3997999.0],",
        " [3998000.0, 3998001.0, 3998002.0, ..., 3999997.0, 3999998.0, 3999999.0]]",
    ];

    #[test]
    fn spec_example_blocks() {
        check(
            f64s(&[2, 2, 4], |i| SPEC[i]),
            &[
                "[[[  2.0,   3.0,  -8.0,  -2.5],",
                "  [  7.0,  -4.0,  -2.0,   0.0]],",
                "",
                " [[  5.0,   4.0,   1.0,  -4.0],",
                "  [100.0,  -3.0,  -3.0,   4.0]]]",
            ],
        );
    }

    #[test]
    fn spec_example_summarised() {
        check(
            f64s(&[40, 50], |i| i as f64),
            &[
                "[[   0.0,    1.0,    2.0, ...,   47.0,   48.0,   49.0],",
                " [  50.0,   51.0,   52.0, ...,   97.0,   98.0,   99.0],",
                " [ 100.0,  101.0,  102.0, ...,  147.0,  148.0,  149.0],",
                " ...,",
                " [1850.0, 1851.0, 1852.0, ..., 1897.0, 1898.0, 1899.0],",
                " [1900.0, 1901.0, 1902.0, ..., 1947.0, 1948.0, 1949.0],",
                " [1950.0, 1951.0, 1952.0, ..., 1997.0, 1998.0, 1999.0]]",
            ],
        );
    }

    #[test]
    fn ones_17_just_too_long() {
        check(
            f64s(&[17], |_| 1.0),
            &["[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,", " 1.0]"],
        );
    }

    #[test]
    fn ellipsis_starts_a_line() {
        check(
            f64s(&[1001], |i| -(i as f64 + 1.0) * 1.2345678901234567e-300),
            &[
                "[-1.2345678901234568e-300, -2.4691357802469135e-300,   -3.70370367037037e-300,",
                " ..., -1.2333333222333334e-297, -1.2345678901234568e-297,",
                " -1.2358024580135802e-297]",
            ],
        );
    }

    #[test]
    fn arange_40_wraps() {
        check(
            f64s(&[40], |i| i as f64),
            &[
                "[ 0.0,  1.0,  2.0,  3.0,  4.0,  5.0,  6.0,  7.0,  8.0,  9.0, 10.0, 11.0, 12.0,",
                " 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0,",
                " 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0,",
                " 39.0]",
            ],
        );
    }

    #[test]
    fn mixed_widths_wrap() {
        check(
            f64s(&[30], |i| {
                let k = (i * i % 97) as i64 - 40;
                (k * k * k) as f64 / 7.0
            }),
            &[
                "[ -9142.857142857143,  -8474.142857142857,  -6665.142857142857,",
                "  -4255.857142857143,  -1974.857142857143, -482.14285714285717,",
                "  -9.142857142857142,  104.14285714285714,   1974.857142857143,",
                "   9845.857142857143,  -7236.142857142857,  -585.1428571428571,",
                "                49.0,   4681.142857142857,  -7838.857142857143,",
                " -104.14285714285714,   1521.142857142857,   23767.85714285714,",
                "               -49.0,  3857.1428571428573,             -3136.0,",
                "  313.85714285714283,             25088.0,   9.142857142857142,",
                "   18950.14285714286,   3.857142857142857,   22494.85714285714,",
                "  142.85714285714286,  -4681.142857142857,  2232.1428571428573]",
            ],
        );
    }

    #[test]
    fn negatives_wrap() {
        check(
            f64s(&[25], |i| -(i as f64) * 1.25 - 0.5),
            &[
                "[  -0.5,  -1.75,   -3.0,  -4.25,   -5.5,  -6.75,   -8.0,  -9.25,  -10.5, -11.75,",
                "  -13.0, -14.25,  -15.5, -16.75,  -18.0, -19.25,  -20.5, -21.75,  -23.0, -24.25,",
                "  -25.5, -26.75,  -28.0, -29.25,  -30.5]",
            ],
        );
    }

    #[test]
    fn wide_matrix() {
        check(
            f64s(&[3, 12], |i| i as f64 * 0.37),
            &[
                "[[               0.0,               0.37,               0.74,",
                "  1.1099999999999999,               1.48,               1.85,",
                "  2.2199999999999998,               2.59,               2.96,",
                "                3.33,                3.7,               4.07],",
                " [4.4399999999999995,               4.81,               5.18,",
                "                5.55,               5.92,               6.29,",
                "                6.66,               7.03,                7.4,",
                "                7.77,               8.14,               8.51],",
                " [ 8.879999999999999,               9.25,               9.62,",
                "                9.99,              10.36,              10.73,",
                "                11.1,              11.47,              11.84,",
                "  12.209999999999999,              12.58,              12.95]]",
            ],
        );
    }

    #[test]
    fn rank3() {
        check(
            f64s(&[2, 3, 4], |i| ((i % 7) as f64 - 3.0) * 2.25),
            &[
                "[[[-6.75,  -4.5, -2.25,   0.0],",
                "  [ 2.25,   4.5,  6.75, -6.75],",
                "  [ -4.5, -2.25,   0.0,  2.25]],",
                "",
                " [[  4.5,  6.75, -6.75,  -4.5],",
                "  [-2.25,   0.0,  2.25,   4.5],",
                "  [ 6.75, -6.75,  -4.5, -2.25]]]",
            ],
        );
    }

    #[test]
    fn rank4_long_lines() {
        check(
            f64s(&[2, 2, 2, 3], |i| i as f64 / 3.0),
            &[
                "[[[[               0.0, 0.3333333333333333, 0.6666666666666666],",
                "   [               1.0, 1.3333333333333333, 1.6666666666666667]],",
                "",
                "  [[               2.0, 2.3333333333333335, 2.6666666666666665],",
                "   [               3.0, 3.3333333333333335, 3.6666666666666665]]],",
                "",
                "",
                " [[[               4.0,  4.333333333333333,  4.666666666666667],",
                "   [               5.0,  5.333333333333333,  5.666666666666667]],",
                "",
                "  [[               6.0,  6.333333333333333,  6.666666666666667],",
                "   [               7.0,  7.333333333333333,  7.666666666666667]]]]",
            ],
        );
    }

    #[test]
    fn summarised_vector() {
        check(f64s(&[1001], |i| i as f64 * 0.5), &["[  0.0,   0.5,   1.0, ..., 499.0, 499.5, 500.0]"]);
    }

    #[test]
    fn summarised_vector_wraps() {
        check(
            f64s(&[1001], |i| i as f64 * 1e10 / 7.0),
            &[
                "[               0.0, 1428571428.5714285,  2857142857.142857, ...,",
                " 1425714285714.2856, 1427142857142.8572, 1428571428571.4285]",
            ],
        );
    }

    #[test]
    fn summarised_rank3() {
        check(
            f64s(&[2, 3, 500], |i| i as f64),
            &[
                "[[[   0.0,    1.0,    2.0, ...,  497.0,  498.0,  499.0],",
                "  [ 500.0,  501.0,  502.0, ...,  997.0,  998.0,  999.0],",
                "  [1000.0, 1001.0, 1002.0, ..., 1497.0, 1498.0, 1499.0]],",
                "",
                " [[1500.0, 1501.0, 1502.0, ..., 1997.0, 1998.0, 1999.0],",
                "  [2000.0, 2001.0, 2002.0, ..., 2497.0, 2498.0, 2499.0],",
                "  [2500.0, 2501.0, 2502.0, ..., 2997.0, 2998.0, 2999.0]]]",
            ],
        );
    }

    #[test]
    fn summarised_tall() {
        check(
            f64s(&[1000, 2], |i| i as f64 - 1000.0),
            &[
                "[[-1000.0,  -999.0],",
                " [ -998.0,  -997.0],",
                " [ -996.0,  -995.0],",
                " ...,",
                " [  994.0,   995.0],",
                " [  996.0,   997.0],",
                " [  998.0,   999.0]]",
            ],
        );
    }

    #[test]
    fn summarised_rank4() {
        check(
            f64s(&[7, 1, 1, 150], |i| i as f64),
            &[
                "[[[[   0.0,    1.0,    2.0, ...,  147.0,  148.0,  149.0]]],",
                "",
                "",
                " [[[ 150.0,  151.0,  152.0, ...,  297.0,  298.0,  299.0]]],",
                "",
                "",
                " [[[ 300.0,  301.0,  302.0, ...,  447.0,  448.0,  449.0]]],",
                "",
                "",
                " ...,",
                "",
                "",
                " [[[ 600.0,  601.0,  602.0, ...,  747.0,  748.0,  749.0]]],",
                "",
                "",
                " [[[ 750.0,  751.0,  752.0, ...,  897.0,  898.0,  899.0]]],",
                "",
                "",
                " [[[ 900.0,  901.0,  902.0, ..., 1047.0, 1048.0, 1049.0]]]]",
            ],
        );
    }

    #[test]
    fn summarised_wide_rows() {
        check(
            f64s(&[3, 400], |i| i as f64 / 7.0),
            &[
                "[[                0.0, 0.14285714285714285,  0.2857142857142857, ...,",
                "   56.714285714285715,  56.857142857142854,                57.0],",
                " [ 57.142857142857146,  57.285714285714285,   57.42857142857143, ...,",
                "   113.85714285714286,               114.0,  114.14285714285714],",
                " [ 114.28571428571429,  114.42857142857143,  114.57142857142857, ...,",
                "                171.0,  171.14285714285714,  171.28571428571428]]",
            ],
        );
    }

    #[test]
    fn bools_vector() {
        check(
            bools(&[30], |i| i % 3 == 0),
            &[
                "[ true, false, false,  true, false, false,  true, false, false,  true, false,",
                " false,  true, false, false,  true, false, false,  true, false, false,  true,",
                " false, false,  true, false, false,  true, false, false]",
            ],
        );
    }

    #[test]
    fn bools_all_true() {
        check(
            bools(&[2, 20], |_| true),
            &[
                "[[true, true, true, true, true, true, true, true, true, true, true, true, true,",
                "  true, true, true, true, true, true, true],",
                " [true, true, true, true, true, true, true, true, true, true, true, true, true,",
                "  true, true, true, true, true, true, true]]",
            ],
        );
    }

    #[test]
    fn bools_summarised() {
        check(bools(&[1200], |i| i % 2 == 1), &["[false,  true, false, ...,  true, false,  true]"]);
    }

    #[test]
    fn f32_thirds() {
        check(
            f32s(&[20], |i| i as f32 / 3.0),
            &[
                "[       0.0, 0.33333334,  0.6666667,        1.0,  1.3333334,  1.6666666,",
                "        2.0,  2.3333333,  2.6666667,        3.0,  3.3333333,  3.6666667,",
                "        4.0,  4.3333335,  4.6666665,        5.0,  5.3333335,  5.6666665,",
                "        6.0,  6.3333335]",
            ],
        );
    }

    #[test]
    fn f32_tenths() {
        check(
            f32s(&[4, 6], |i| i as f32 * 0.1),
            &[
                "[[       0.0,        0.1,        0.2,        0.3,        0.4,        0.5],",
                " [       0.6,        0.7,        0.8, 0.90000004,        1.0,        1.1],",
                " [       1.2,  1.3000001,        1.4,        1.5,        1.6,        1.7],",
                " [ 1.8000001,        1.9,        2.0,  2.1000001,        2.2,        2.3]]",
            ],
        );
    }

    #[test]
    fn nan_inf() {
        check(
            f64s(&[20], |i| [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, i as f64][i % 5]),
            &[
                "[ nan,  inf, -inf, -0.0,  4.0,  nan,  inf, -inf, -0.0,  9.0,  nan,  inf, -inf,",
                " -0.0, 14.0,  nan,  inf, -inf, -0.0, 19.0]",
            ],
        );
    }
}
