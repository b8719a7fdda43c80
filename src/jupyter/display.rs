//! What a cell shows: printed text as `stream` messages while the cell runs, values as
//! `text/plain` with an HTML table for tensors, plots as `display_data`.

use super::kernel::Publisher;
use crate::format::{f32_repr, f64_repr};
use crate::plot::Picture;
use crate::value::{repr, Arr, Tensor, Value};
use ndarray::IxDyn;
use serde_json::{json, Value as Json};
use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;

/// The header of the request being run, shared by the session's output and its plot display.
pub type Parent = Rc<RefCell<Json>>;

/// The session's output (`stdout`) or its warnings (`stderr`): each finished line is sent on
/// iopub as a `stream` message at once (the publisher joins lines that queue up), the rest on
/// `flush`.
pub struct StreamWriter {
    /// The stream's name: `stdout` or `stderr`.
    pub name: &'static str,
    /// Where the messages go.
    pub publisher: Publisher,
    /// The request they answer.
    pub parent: Parent,
    /// Text not sent yet: what follows the last newline.
    pub pending: Vec<u8>,
}

impl StreamWriter {
    /// Sends `pending[..end]`.
    fn send(&mut self, end: usize) {
        let text: Vec<u8> = self.pending.drain(..end).collect();
        if !text.is_empty() {
            let content = json!({"name": self.name, "text": String::from_utf8_lossy(&text)});
            self.publisher.send("stream", &self.parent.borrow(), content);
        }
    }
}

impl Write for StreamWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(last) = self.pending.iter().rposition(|&b| b == b'\n') {
            self.send(last + 1);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send(self.pending.len());
        Ok(())
    }
}

/// The plot display of a kernel session: each figure as `display_data` with SVG and PNG.
pub fn plot_display(publisher: Publisher, parent: Parent) -> crate::plot::Display {
    Box::new(move |picture: Picture| {
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD.encode(&picture.png);
        let content = json!({
            "data": {"image/svg+xml": picture.svg, "image/png": png, "text/plain": "<plot>"},
            "metadata": {},
            "transient": {},
        });
        publisher.send("display_data", &parent.borrow(), content);
        Ok(())
    })
}

/// The MIME bundle of a cell's value: `text/plain` as the REPL prints it, and for a tensor an
/// HTML table.
pub fn value_data(value: &Value) -> Json {
    let mut data = json!({"text/plain": repr(value)});
    if let Value::Tensor(t) = value.primal() {
        data["text/html"] = Json::String(tensor_table(t));
    }
    data
}

/// Rows and columns an HTML table shows at most; longer axes show their two ends.
const SHOWN: usize = 20;

/// A tensor as an HTML table: its type as the caption, the last axis across, every index of
/// the axes before it down (rows labelled by that index when the rank is above 2).
pub fn tensor_table(t: &Tensor) -> String {
    match t {
        Tensor::F64(a) => table(a, value_type(t), |x| f64_repr(*x)),
        Tensor::F32(a) => table(a, value_type(t), |x| f32_repr(*x)),
        Tensor::I64(a) => table(a, value_type(t), i64::to_string),
        Tensor::Bool(a) => table(a, value_type(t), |b| b.to_string()),
    }
}

fn value_type(t: &Tensor) -> String {
    crate::value::shape_type(t.dtype(), t.shape())
}

/// The indices of an axis of length `n` that a table shows, with `None` where it skips.
fn shown(n: usize) -> Vec<Option<usize>> {
    if n <= SHOWN {
        (0..n).map(Some).collect()
    } else {
        (0..SHOWN / 2).map(Some).chain([None]).chain((n - SHOWN / 2..n).map(Some)).collect()
    }
}

fn table<T>(a: &Arr<T>, caption: String, text: impl Fn(&T) -> String) -> String {
    let shape = a.shape();
    let (cols, lead) = shape.split_last().map_or((1, &[][..]), |(c, lead)| (*c, lead));
    let rows: usize = lead.iter().product();
    let at = |i: usize, j: usize| {
        let mut index = unravel(i, lead);
        index.push(j);
        text(&a[IxDyn(&index)])
    };
    let mut html =
        format!("<table class=\"tscript-tensor\">\n<caption>{}</caption>\n<thead><tr><th></th>", escape(&caption));
    for col in shown(cols) {
        match col {
            Some(j) => html.push_str(&format!("<th>{j}</th>")),
            None => html.push_str("<th>…</th>"),
        }
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for row in shown(rows) {
        let Some(i) = row else {
            html.push_str(&format!("<tr><th>⋮</th>{}</tr>\n", "<td>⋮</td>".repeat(shown(cols).len())));
            continue;
        };
        html.push_str(&format!("<tr><th>{}</th>", row_label(i, lead)));
        for col in shown(cols) {
            match col {
                Some(j) => html.push_str(&format!("<td>{}</td>", escape(&at(i, j)))),
                None => html.push_str("<td>…</td>"),
            }
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>");
    html
}

/// The label of row `i` of the leading axes `lead`: the row number for a matrix, the index
/// tuple (`0, 2`) above rank 2, nothing for a vector.
fn row_label(i: usize, lead: &[usize]) -> String {
    match lead {
        [] => String::new(),
        _ => unravel(i, lead).iter().map(usize::to_string).collect::<Vec<_>>().join(", "),
    }
}

/// The index along the axes `lead` of the `i`-th element in row-major order.
fn unravel(i: usize, lead: &[usize]) -> Vec<usize> {
    let mut index = vec![0; lead.len()];
    let mut rest = i;
    for (k, &n) in lead.iter().enumerate().rev() {
        index[k] = rest % n;
        rest /= n;
    }
    index
}

/// Text with the characters HTML gives a meaning escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::ArcArray;

    fn f64s(shape: &[usize]) -> Tensor {
        let n = shape.iter().product::<usize>();
        let values: Vec<f64> = (0..n).map(|k| k as f64 + 0.5).collect();
        Tensor::F64(ArcArray::from_shape_vec(IxDyn(shape), values).unwrap())
    }

    #[test]
    fn a_matrix_is_a_table_with_its_type_as_caption() {
        let html = tensor_table(&f64s(&[2, 3]));
        assert!(html.contains("<caption>f64[2, 3]</caption>"), "{html}");
        assert!(html.contains("<thead><tr><th></th><th>0</th><th>1</th><th>2</th></tr></thead>"), "{html}");
        assert!(html.contains("<tr><th>1</th><td>3.5</td><td>4.5</td><td>5.5</td></tr>"), "{html}");
    }

    #[test]
    fn a_vector_is_one_row_and_a_long_axis_shows_its_ends() {
        let html = tensor_table(&f64s(&[50]));
        assert_eq!(html.matches("<tr><th></th><td>").count(), 1, "{html}");
        assert!(html.contains("<td>9.5</td><td>…</td><td>40.5</td>"), "{html}");
        assert!(!html.contains("<td>10.5</td>"));
    }

    #[test]
    fn higher_ranks_label_rows_by_their_index() {
        let html = tensor_table(&f64s(&[2, 2, 2]));
        assert!(html.contains("<tr><th>1, 0</th><td>4.5</td><td>5.5</td></tr>"), "{html}");
        let transposed = match f64s(&[2, 3]) {
            Tensor::F64(a) => Tensor::F64(a.reversed_axes()),
            _ => unreachable!(),
        };
        let html = tensor_table(&transposed);
        assert!(html.contains("<tr><th>0</th><td>0.5</td><td>3.5</td></tr>"), "{html}");
    }

    #[test]
    fn a_scalar_value_has_only_text() {
        let data = value_data(&Value::F64(0.25));
        assert_eq!(data, json!({"text/plain": "0.25"}));
        let data = value_data(&Value::Str(Rc::from("<b>")));
        assert_eq!(data, json!({"text/plain": "\"<b>\""}));
    }
}
