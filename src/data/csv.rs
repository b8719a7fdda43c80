//! CSV files: `loadcsv` and `savecsv` (spec §6, §13).
//!
//! Fields are split by the `csv` crate, so quoted fields (`"1.5"`, `"a, b"`, `""` for a quote)
//! read as spreadsheets and pandas write them. Blank lines and lines starting with `#` are
//! skipped; spaces around a field are ignored. A field that is empty or one of pandas' missing
//! markers ([`MISSING`]) is `nan`. Every kept row must have as many fields as the first.
//!
//! What `loadcsv` returns grows with what it is asked: the matrix alone; with `header=true` also
//! the column names; with `categorical=true` also, for each column, its category names. A
//! column of words is an error unless `categorical=true` reads it as codes (the index of the
//! word among the column's distinct words in sorted order, as pandas' categories and
//! scikit-learn's `LabelEncoder` number them), or `columns=(...)` leaves it out.

use super::{io_error, read, save};
use crate::diag::OpError;
use crate::diag::{nearest, Code};
use crate::dtype::FloatDtype;
use crate::format::{f32_repr, f64_repr};
use crate::memory::check_alloc;
use crate::value::{Tensor, Value};
use ndarray::IxDyn;
use std::collections::BTreeSet;
use std::path::Path;
use std::rc::Rc;

/// The texts that mean a missing value (pandas' defaults for `read_csv`): they read as `nan`.
pub const MISSING: &[&str] =
    &["", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None", "<NA>", "#N/A", "#NA"];

/// Where `loadcsv`'s keyword arguments stand among its arguments.
mod arg {
    pub const HEADER: usize = 1;
    pub const DELIMITER: usize = 2;
    pub const CATEGORICAL: usize = 3;
    pub const COLUMNS: usize = 4;
}

/// What a `loadcsv` call asks for. Its types were vetted by the built-in's type rule.
pub struct LoadOptions {
    /// The first row names the columns.
    pub header: bool,
    /// The byte between fields.
    pub delimiter: u8,
    /// Columns of words are read as category codes.
    pub categorical: bool,
    /// The columns to keep, in order; `None` keeps all.
    pub columns: Option<Vec<Column>>,
}

/// A column chosen by `columns=`: by its name in the header or its index (from 0; negative
/// counts from the end).
pub enum Column {
    /// A header name.
    Name(Rc<str>),
    /// A position.
    Index(i64),
}

impl LoadOptions {
    /// The options of a `loadcsv` call from its arguments (the path first), left-out keywords
    /// taking their defaults.
    pub fn from_args(args: &[Value]) -> Result<LoadOptions, OpError> {
        let flag = |i: usize| matches!(args.get(i).map(Value::primal), Some(Value::Bool(true)));
        let delimiter = match args.get(arg::DELIMITER).map(Value::primal) {
            Some(Value::Str(d)) => match d.as_bytes() {
                [byte] if !matches!(byte, b'"' | b'\n' | b'\r') => *byte,
                _ => {
                    return Err(OpError::new(
                        Code::RuntimeValue,
                        format!("the delimiter must be one character other than a quote or a newline, not {d:?}"),
                    )
                    .at(arg::DELIMITER, "this delimiter")
                    .help("e.g. delimiter=\";\" or delimiter=\"\\t\""))
                }
            },
            _ => b',',
        };
        let columns = match args.get(arg::COLUMNS).map(Value::primal) {
            None | Some(Value::Absent) => None,
            Some(Value::Tuple(items)) => Some(items.iter().map(column).collect()),
            Some(one) => Some(vec![column(one)]),
        };
        Ok(LoadOptions { header: flag(arg::HEADER), delimiter, categorical: flag(arg::CATEGORICAL), columns })
    }
}

/// One item of `columns=`: a name or an index (the type rule allows nothing else).
fn column(v: &Value) -> Column {
    match v.primal() {
        Value::Str(name) => Column::Name(name.clone()),
        Value::Int(i) => Column::Index(*i),
        other => unreachable!("the type rule of loadcsv lets no {} into columns", other.type_name()),
    }
}

/// A CSV file split into rows of fields, with the line each row starts on.
struct Rows {
    names: Option<Vec<String>>,
    rows: Vec<(u64, Vec<String>)>,
}

/// Reads a CSV file as [`LoadOptions`] ask: the matrix of `dtype`, then the names and the
/// categories when asked for (a tuple, else the matrix alone).
pub fn load_csv(path: &Path, options: &LoadOptions, dtype: FloatDtype) -> Result<Value, OpError> {
    let table = split(path, options)?;
    let width = table.names.as_ref().or(table.rows.first().map(|(_, r)| r)).map_or(0, Vec::len);
    let keep = chosen(path, options, table.names.as_deref(), width)?;
    if table.rows.is_empty() {
        return Err(io_error(path, "it has no rows of numbers"));
    }
    let rows = table.rows.len();
    check_alloc(rows.saturating_mul(keep.len()), 8).map_err(|e| io_error(path, e.message))?;
    let mut columns = Vec::with_capacity(keep.len());
    for &c in &keep {
        columns.push(read_column(path, options, &table, c, dtype)?);
    }
    let mut values = Vec::with_capacity(rows * keep.len());
    for r in 0..rows {
        values.extend(columns.iter().map(|(codes, _)| codes[r]));
    }
    let shape = IxDyn(&[rows, keep.len()]);
    let matrix = match dtype {
        FloatDtype::F64 => Tensor::F64(super::to_arr(shape.into(), values).map_err(|e| io_error(path, e))?),
        FloatDtype::F32 => {
            let narrow = values.into_iter().map(|x| x as f32).collect();
            Tensor::F32(super::to_arr(shape.into(), narrow).map_err(|e| io_error(path, e))?)
        }
    };
    let mut result = vec![Value::Tensor(matrix)];
    if let Some(names) = &table.names {
        result.push(strings(keep.iter().map(|&c| names[c].as_str())));
    }
    if options.categorical {
        let categories = columns.iter().map(|(_, words)| strings(words.iter().map(String::as_str)));
        result.push(Value::Tuple(categories.collect()));
    }
    Ok(if result.len() == 1 { result.swap_remove(0) } else { Value::Tuple(result.into()) })
}

/// A tuple of strings.
fn strings<'a>(items: impl Iterator<Item = &'a str>) -> Value {
    Value::Tuple(items.map(|s| Value::Str(s.into())).collect())
}

/// Splits the file into rows, checking that every row has as many fields as the first (or the
/// header).
fn split(path: &Path, options: &LoadOptions) -> Result<Rows, OpError> {
    let bytes = read(path, "loadcsv")?;
    let text = std::str::from_utf8(&bytes).map_err(|_| io_error(path, "it is not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(options.delimiter)
        .comment(Some(b'#'))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut names = None;
    let mut rows = Vec::new();
    let mut first: Option<(u64, usize, Option<String>)> = None;
    for record in reader.records() {
        let record = record.map_err(|e| io_error(path, format!("it is not valid CSV: {e}")))?;
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() == 1 && record[0].is_empty() {
            continue; // a line of spaces
        }
        let fields: Vec<String> = record.iter().map(str::to_string).collect();
        match &first {
            None => first = Some((line, fields.len(), fields.iter().find_map(|f| delimiter_hint(options, f)))),
            Some((at, count, hint)) if *count != fields.len() => {
                let what = if options.header { "the header".to_string() } else { format!("line {at}") };
                let e = io_error(path, format!("line {line} has {} values, but {what} has {count}", fields.len()));
                return Err(match hint {
                    Some(hint) => e.help(hint),
                    None => e,
                });
            }
            Some(_) => {}
        }
        if options.header && names.is_none() {
            names = Some(fields);
        } else {
            rows.push((line, fields));
        }
    }
    Ok(Rows { names, rows })
}

/// The indices of the columns to keep: those `columns=` names, else all `width`.
fn chosen(path: &Path, options: &LoadOptions, names: Option<&[String]>, width: usize) -> Result<Vec<usize>, OpError> {
    let Some(columns) = &options.columns else { return Ok((0..width).collect()) };
    let choose = |c: &Column| -> Result<usize, OpError> {
        match c {
            Column::Index(i) => {
                let at = if *i < 0 { i64::try_from(width).ok().and_then(|w| w.checked_add(*i)) } else { Some(*i) };
                at.and_then(|a| usize::try_from(a).ok()).filter(|&a| a < width).ok_or_else(|| {
                    OpError::new(
                        Code::RuntimeIndex,
                        format!("column {i} is out of range for a file of {width} columns"),
                    )
                    .at(arg::COLUMNS, "these columns")
                })
            }
            Column::Name(name) => {
                let Some(names) = names else {
                    return Err(OpError::new(
                        Code::RuntimeValue,
                        format!("column \"{name}\" is chosen by name, but the file has no header"),
                    )
                    .at(arg::COLUMNS, "these columns")
                    .help("pass header=true if the first line names the columns, or choose columns by index"));
                };
                names.iter().position(|n| n == &**name).ok_or_else(|| {
                    let known: Vec<&str> = names.iter().map(String::as_str).collect();
                    let e = OpError::new(Code::RuntimeValue, format!("`{}` has no column \"{name}\"", path.display()))
                        .at(arg::COLUMNS, "these columns");
                    match nearest(name, &known) {
                        Some(near) => e.help(format!("did you mean \"{near}\"?")),
                        None => e.help(format!("its columns are {}", quoted_list(&known))),
                    }
                })
            }
        }
    };
    columns.iter().map(choose).collect()
}

/// `"a", "b", "c"` (the first eight, then `...`).
fn quoted_list(names: &[&str]) -> String {
    let mut shown: Vec<String> = names.iter().take(8).map(|n| format!("\"{n}\"")).collect();
    if names.len() > 8 {
        shown.push("...".into());
    }
    shown.join(", ")
}

/// The values of column `c`, each parsed at `dtype`'s precision, and its category names (none
/// for a column of numbers).
fn read_column(
    path: &Path,
    options: &LoadOptions,
    table: &Rows,
    c: usize,
    dtype: FloatDtype,
) -> Result<(Vec<f64>, Vec<String>), OpError> {
    let mut values = Vec::with_capacity(table.rows.len());
    for (i, (line, fields)) in table.rows.iter().enumerate() {
        let field = fields[c].as_str();
        if MISSING.contains(&field) {
            values.push(f64::NAN);
            continue;
        }
        let parsed = match dtype {
            FloatDtype::F64 => field.parse::<f64>().ok(),
            FloatDtype::F32 => field.parse::<f32>().ok().map(f64::from),
        };
        match parsed {
            Some(v) => values.push(v),
            None if options.categorical => return Ok(categories(table, c)),
            None => return Err(not_a_number(path, options, table, (i, *line), c, field)),
        }
    }
    Ok((values, Vec::new()))
}

/// A column of words as codes: each word's index among the column's distinct words, sorted.
fn categories(table: &Rows, c: usize) -> (Vec<f64>, Vec<String>) {
    let words: BTreeSet<&str> =
        table.rows.iter().map(|(_, f)| f[c].as_str()).filter(|f| !MISSING.contains(f)).collect();
    let words: Vec<&str> = words.into_iter().collect();
    let codes =
        table.rows.iter().map(|(_, f)| words.binary_search(&f[c].as_str()).map_or(f64::NAN, |k| k as f64)).collect();
    (codes, words.into_iter().map(str::to_string).collect())
}

/// The error for a field that is neither a number nor missing, with the likeliest fix.
fn not_a_number(
    path: &Path,
    options: &LoadOptions,
    table: &Rows,
    (row, line): (usize, u64),
    c: usize,
    field: &str,
) -> OpError {
    let column = match &table.names {
        Some(names) => format!("column {} (\"{}\")", c + 1, names[c]),
        None => format!("column {}", c + 1),
    };
    let e = io_error(path, format!("line {line}, {column}: '{field}' is not a number"));
    if let Some(hint) = delimiter_hint(options, field) {
        e.help(hint)
    } else if row == 0 && !options.header {
        e.help("if the first line names the columns, pass header=true")
    } else {
        e.help("read a column of words as category codes with categorical=true, or leave it out with columns=(...)")
    }
}

/// A help line when `field` holds a common delimiter other than the one in use.
fn delimiter_hint(options: &LoadOptions, field: &str) -> Option<String> {
    let other =
        [b';', b'\t', b'|', b','].into_iter().find(|&d| d != options.delimiter && field.as_bytes().contains(&d))?;
    let shown = if other == b'\t' { "\\t".to_string() } else { (other as char).to_string() };
    Some(format!("the fields seem separated by '{shown}': pass delimiter=\"{shown}\""))
}

/// Writes a float vector (one value per line) or matrix (one row per line) as CSV, each number
/// as its shortest round-trip text, after a header line when `header` names the columns;
/// atomically.
pub fn save_csv(path: &Path, value: &Value, header: &Value) -> Result<(), OpError> {
    let Value::Tensor(t @ (Tensor::F64(_) | Tensor::F32(_))) = value.primal() else {
        return Err(OpError::new(
            Code::TypeMismatch,
            format!("`savecsv` writes a float vector or matrix, not {}", value.type_name()),
        )
        .at(1, value.type_name())
        .help("convert with f64(...)"));
    };
    let shape = t.shape().to_vec();
    if shape.len() > 2 {
        return Err(OpError::new(
            Code::RuntimeShape,
            format!("`savecsv` writes a vector or a matrix, not {}", value.type_name()),
        )
        .at(1, "rank above 2")
        .help("reshape it to a matrix first"));
    }
    let cols = if shape.len() == 2 { shape[1] } else { 1 };
    let header_line = match header.primal() {
        Value::Tuple(names) => Some(header_text(names, cols)?),
        _ => None,
    };
    let text: Box<dyn Iterator<Item = String>> = match t {
        Tensor::F64(a) => Box::new(a.iter().map(|x| f64_repr(*x))),
        Tensor::F32(a) => Box::new(a.iter().map(|x| f32_repr(*x))),
        Tensor::I64(a) => Box::new(a.iter().map(i64::to_string)),
        Tensor::Bool(_) => Box::new(std::iter::empty()),
    };
    save::write_atomic(path, "savecsv", |out| {
        if let Some(line) = &header_line {
            out.write_all(line)?;
        }
        for (i, field) in text.enumerate() {
            out.write_all(field.as_bytes())?;
            out.write_all(if (i + 1) % cols.max(1) == 0 { b"\n" } else { b"," })?;
        }
        Ok(())
    })
}

/// The header line for `cols` columns named `names` (quoted where CSV needs it).
fn header_text(names: &[Value], cols: usize) -> Result<Vec<u8>, OpError> {
    if names.len() != cols {
        return Err(OpError::new(
            Code::RuntimeShape,
            format!("the header names {} columns, but the data has {cols}", names.len()),
        )
        .at(2, format!("{} names", names.len())));
    }
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let fields = names.iter().map(|n| match n.primal() {
        Value::Str(s) => s.to_string(),
        other => unreachable!("the type rule of savecsv lets no {} into header", other.type_name()),
    });
    let written = writer.write_record(fields).and_then(|()| writer.into_inner().map_err(|e| e.into_error().into()));
    written.map_err(|e| OpError::new(Code::Io, format!("cannot write the header: {e}")).at(2, "this header"))
}
