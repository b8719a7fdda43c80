//! Data files (spec §6): NumPy's `.npy` format and CSV.
//!
//! `.npy` files of format versions 1.0, 2.0 and 3.0 are read with `f4`, `f8` and `b1` data in
//! either byte order and either C or Fortran order, at any rank; integer data (`i1`…`i8`,
//! `u1`…`u8`, what `numpy.save(np.arange(3))` writes) loads as `f64` when every value is exactly
//! representable (|v| ≤ 2⁵³) and is an error otherwise. A rank-0 array loads as a scalar. Files
//! are written as NumPy writes them: version 1.0 (2.0 past a 64 KiB header), little-endian,
//! C order, the header padded to 64 bytes, so `numpy.load` reads them bit for bit.
//!
//! CSV files (`csv.rs`) load as a matrix (always rank 2) of the default float dtype, each
//! number parsed directly at that precision, with the column names and category names when
//! asked for. `savecsv` writes every number as its shortest round-trip text, so a file read
//! back gives the same bits.
//!
//! Loads read regular files only, and no more than their length. Saves follow symbolic links,
//! replace regular files only and never leave a half-written or temporary file (`save.rs`).
//! Errors are `tscript::io` and name the path and the reason.

use crate::diag::Code;
use crate::diag::OpError;
use crate::memory::check_alloc;
use crate::value::{Arr, Tensor, Value};
use ndarray::{IxDyn, ShapeBuilder};
use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

mod csv;
mod save;

pub use csv::{load_csv, save_csv, LoadOptions};

pub use save::unlink_temporaries;
pub(crate) use save::write_atomic;

const MAGIC: &[u8] = b"\x93NUMPY";

/// An I/O error about `path` (argument 0 of every data built-in).
fn io_error(path: &Path, what: impl std::fmt::Display) -> OpError {
    OpError::new(Code::Io, format!("cannot use `{}`: {what}", path.display())).at(0, "this file")
}

/// The reason an operating-system call failed, in words.
fn reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

/// Reads a whole data file. Only a regular file is read, and no more than its length: a device
/// such as `/dev/zero` or a pipe would never end, and the length is what `.npy` sizes are checked
/// against.
fn read(path: &Path, verb: &str) -> Result<Vec<u8>, OpError> {
    // Without blocking: opening a named pipe would otherwise wait for a writer.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| io_error(path, reason(&e)))?;
    let meta = file.metadata().map_err(|e| io_error(path, reason(&e)))?;
    if let Some(kind) = save::special_kind(&meta) {
        return Err(io_error(path, format!("it is {kind}, and `{verb}` reads regular files only"))
            .help("copy the data into a regular file first"));
    }
    let len = usize::try_from(meta.len()).unwrap_or(usize::MAX);
    check_alloc(len, 1).map_err(|e| io_error(path, format!("it is too large to read: {}", e.message)))?;
    let mut bytes = Vec::new();
    bytes.try_reserve_exact(len).map_err(|_| io_error(path, format!("out of memory reading its {len} bytes")))?;
    file.take(meta.len()).read_to_end(&mut bytes).map_err(|e| io_error(path, reason(&e)))?;
    Ok(bytes)
}

/// The parsed header of a `.npy` file.
#[derive(Debug, PartialEq)]
struct Header {
    descr: String,
    fortran: bool,
    shape: Vec<usize>,
}

/// Reads a `.npy` file.
pub fn load_npy(path: &Path) -> Result<Value, OpError> {
    let bytes = read(path, "load")?;
    parse_npy(&bytes).map_err(|why| io_error(path, why))
}

/// Decodes the bytes of a `.npy` file; the error is the reason, without the path.
fn parse_npy(bytes: &[u8]) -> Result<Value, String> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err("it is a .npz archive, and tscript reads .npy files only (save each array with numpy.save)".into());
    }
    if !bytes.starts_with(MAGIC) || bytes.len() < 10 {
        return Err("it is not a .npy file (the magic string \\x93NUMPY is missing)".into());
    }
    let (major, minor) = (bytes[6], bytes[7]);
    let (len, start): (usize, usize) = match (major, minor) {
        (1, 0) => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        (2 | 3, 0) if bytes.len() >= 12 => {
            (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12)
        }
        (2 | 3, 0) => return Err("the .npy header is truncated".into()),
        _ => return Err(format!("its .npy format version {major}.{minor} is not supported (1.0, 2.0 and 3.0 are)")),
    };
    let Some(text) = bytes.get(start..start.saturating_add(len)) else {
        return Err(format!("the .npy header is truncated: it should be {len} bytes"));
    };
    let header =
        parse_header(&String::from_utf8_lossy(text)).map_err(|why| format!("the .npy header is corrupt: {why}"))?;
    decode(&header, &bytes[start + len..])
}

/// Parses the header's Python dictionary literal:
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.
fn parse_header(text: &str) -> Result<Header, String> {
    let mut p = Lexer { chars: text.trim().chars().collect(), at: 0 };
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    p.expect('{')?;
    while !p.eat('}') {
        let key = p.string()?;
        p.expect(':')?;
        match key.as_str() {
            "descr" => descr = Some(p.string().map_err(|_| "the dtype is not a simple one like '<f8'".to_string())?),
            "fortran_order" => fortran = Some(p.boolean()?),
            "shape" => shape = Some(p.tuple()?),
            other => return Err(format!("unknown key '{other}'")),
        }
        if !p.eat(',') {
            p.expect('}')?;
            break;
        }
    }
    match (descr, fortran, shape) {
        (Some(descr), Some(fortran), Some(shape)) => Ok(Header { descr, fortran, shape }),
        _ => Err("it needs 'descr', 'fortran_order' and 'shape'".into()),
    }
}

/// A cursor over the header's characters.
struct Lexer {
    chars: Vec<char>,
    at: usize,
}

impl Lexer {
    fn skip(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }
    fn eat(&mut self, c: char) -> bool {
        self.skip();
        let hit = self.chars.get(self.at) == Some(&c);
        self.at += hit as usize;
        hit
    }
    fn expect(&mut self, c: char) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!("expected '{c}' at character {}", self.at))
        }
    }
    fn string(&mut self) -> Result<String, String> {
        self.skip();
        let quote = match self.chars.get(self.at) {
            Some(&q @ ('\'' | '"')) => q,
            _ => return Err(format!("expected a quoted string at character {}", self.at)),
        };
        let end = self.chars[self.at + 1..].iter().position(|&c| c == quote).ok_or("an unterminated string")?;
        let s: String = self.chars[self.at + 1..self.at + 1 + end].iter().collect();
        self.at += end + 2;
        Ok(s)
    }
    fn word(&mut self) -> String {
        self.skip();
        let start = self.at;
        while self.chars.get(self.at).is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }
    fn boolean(&mut self) -> Result<bool, String> {
        match self.word().as_str() {
            "True" => Ok(true),
            "False" => Ok(false),
            other => Err(format!("'fortran_order' is '{other}', not True or False")),
        }
    }
    fn tuple(&mut self) -> Result<Vec<usize>, String> {
        self.expect('(')?;
        let mut dims = Vec::new();
        while !self.eat(')') {
            let word = self.word();
            let digits = word.strip_suffix('L').unwrap_or(&word);
            dims.push(digits.parse::<usize>().map_err(|_| format!("the shape has '{word}', not a size"))?);
            if !self.eat(',') {
                self.expect(')')?;
                break;
            }
        }
        Ok(dims)
    }
}

/// The element types a `.npy` file may hold.
#[derive(Clone, Copy)]
enum Kind {
    Float,
    Int,
    Uint,
    Bool,
}

/// Turns the data after the header into a value.
fn decode(header: &Header, data: &[u8]) -> Result<Value, String> {
    let descr = header.descr.as_str();
    let (order, code) = descr.split_at(descr.len().min(1));
    let little = match order {
        "<" | "|" | "=" => true,
        ">" => false,
        _ => return Err(format!("its dtype '{descr}' is not supported")),
    };
    let (kind, size) = match code {
        "f4" => (Kind::Float, 4),
        "f8" => (Kind::Float, 8),
        "b1" => (Kind::Bool, 1),
        "i1" | "i2" | "i4" | "i8" => (Kind::Int, code[1..].parse().unwrap_or(8)),
        "u1" | "u2" | "u4" | "u8" => (Kind::Uint, code[1..].parse().unwrap_or(8)),
        _ => return Err(format!("its dtype '{descr}' is not supported (f4, f8, b1 and integers are)")),
    };
    let count = header.shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)).ok_or("its shape is too large")?;
    let need = count.checked_mul(size).ok_or("its shape is too large")?;
    if data.len() < need {
        return Err(format!(
            "it is truncated: the header promises {need} bytes of data, but the file has {}",
            data.len()
        ));
    }
    if data.len() > need {
        return Err(format!(
            "it is corrupt: it has {} bytes after the {need} bytes of data its header describes",
            data.len() - need
        ));
    }
    check_alloc(count, size.max(4)).map_err(|e| e.message)?;
    let chunk = |c: &[u8]| -> [u8; 8] {
        let mut b = [0u8; 8];
        if little {
            b[..c.len()].copy_from_slice(c);
        } else {
            b[..c.len()].iter_mut().zip(c.iter().rev()).for_each(|(d, s)| *d = *s);
        }
        b
    };
    let shape = IxDyn(&header.shape);
    let build = |shape: IxDyn| -> ndarray::StrideShape<IxDyn> {
        if header.fortran {
            shape.f().into()
        } else {
            shape.into()
        }
    };
    let value = match (kind, size) {
        (Kind::Float, 4) => {
            let v =
                data.chunks_exact(4).map(|c| f32::from_le_bytes(chunk(c)[..4].try_into().expect("4 bytes"))).collect();
            Tensor::F32(to_arr(build(shape), v)?)
        }
        (Kind::Float, _) => {
            Tensor::F64(to_arr(build(shape), data.chunks_exact(8).map(|c| f64::from_le_bytes(chunk(c))).collect())?)
        }
        (Kind::Bool, _) => Tensor::Bool(to_arr(build(shape), data.iter().map(|&b| b != 0).collect())?),
        (Kind::Int | Kind::Uint, _) => {
            let mut values = Vec::with_capacity(count);
            for c in data.chunks_exact(size) {
                let raw = u64::from_le_bytes(chunk(c));
                let exact: i128 = match kind {
                    Kind::Int => {
                        let shift = 64 - 8 * size as u32;
                        i128::from(((raw << shift) as i64) >> shift)
                    }
                    _ => i128::from(raw),
                };
                let Ok(v) = i64::try_from(exact) else {
                    return Err(format!("its integer {exact} does not fit in i64"));
                };
                values.push(v);
            }
            Tensor::I64(to_arr(build(shape), values)?)
        }
    };
    Ok(scalar_or(value))
}

fn to_arr<T: Clone>(shape: ndarray::StrideShape<IxDyn>, v: Vec<T>) -> Result<Arr<T>, String> {
    let a = ndarray::Array::from_shape_vec(shape, v).map_err(|e| format!("its shape does not fit its data: {e}"))?;
    Ok(a.as_standard_layout().into_owned().into_shared())
}

/// A rank-0 array as the scalar it holds (the language has no rank-0 tensors).
fn scalar_or(t: Tensor) -> Value {
    let zero = IxDyn(&[]);
    match t {
        Tensor::F64(a) if a.ndim() == 0 => Value::F64(a[&zero]),
        Tensor::F32(a) if a.ndim() == 0 => Value::F32(a[&zero]),
        Tensor::I64(a) if a.ndim() == 0 => Value::Int(a[&zero]),
        Tensor::Bool(a) if a.ndim() == 0 => Value::Bool(a[&zero]),
        t => Value::Tensor(t),
    }
}

/// Writes `value` (a tensor or a float or bool scalar) to a `.npy` file, atomically.
pub fn save_npy(path: &Path, value: &Value) -> Result<(), OpError> {
    let (descr, shape): (&str, Vec<usize>) = match value.primal() {
        Value::Tensor(t) => (
            match t {
                Tensor::F64(_) => "<f8",
                Tensor::F32(_) => "<f4",
                Tensor::I64(_) => "<i8",
                Tensor::Bool(_) => "|b1",
            },
            t.shape().to_vec(),
        ),
        Value::F64(_) => ("<f8", vec![]),
        Value::F32(_) => ("<f4", vec![]),
        Value::Bool(_) => ("|b1", vec![]),
        Value::Int(_) => ("<i8", vec![]),
        other => {
            return Err(OpError::new(
                Code::TypeMismatch,
                format!("`save` writes tensors and number or bool scalars, not {}", other.type_name()),
            )
            .at(1, other.type_name())
            .help("convert with f64(...)"))
        }
    };
    let header = npy_header(descr, &shape);
    save::write_atomic(path, "save", |out| {
        out.write_all(&header)?;
        match value.primal() {
            Value::Tensor(Tensor::F64(a)) => a.iter().try_for_each(|x| out.write_all(&x.to_le_bytes())),
            Value::Tensor(Tensor::F32(a)) => a.iter().try_for_each(|x| out.write_all(&x.to_le_bytes())),
            Value::Tensor(Tensor::I64(a)) => a.iter().try_for_each(|x| out.write_all(&x.to_le_bytes())),
            Value::Tensor(Tensor::Bool(a)) => a.iter().try_for_each(|&x| out.write_all(&[x as u8])),
            Value::Int(x) => out.write_all(&x.to_le_bytes()),
            Value::F64(x) => out.write_all(&x.to_le_bytes()),
            Value::F32(x) => out.write_all(&x.to_le_bytes()),
            Value::Bool(x) => out.write_all(&[*x as u8]),
            _ => Ok(()),
        }
    })
}

/// The magic string, version and header NumPy's `numpy.save` writes for this dtype and shape.
fn npy_header(descr: &str, shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [d] => format!("({d},)"),
        _ => format!("({})", shape.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")),
    };
    let mut dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    let (version, len_bytes) = if dict.len() + 1 + MAGIC.len() + 4 <= 65535 { (1u8, 2) } else { (2u8, 4) };
    let pad = 64 - (MAGIC.len() + 2 + len_bytes + dict.len() + 1) % 64;
    dict.push_str(&" ".repeat(pad % 64));
    dict.push('\n');
    let mut out = MAGIC.to_vec();
    out.extend([version, 0]);
    if version == 1 {
        out.extend((dict.len() as u16).to_le_bytes());
    } else {
        out.extend((dict.len() as u32).to_le_bytes());
    }
    out.extend(dict.bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse() {
        let h = parse_header("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }   \n").unwrap();
        assert_eq!(h, Header { descr: "<f8".into(), fortran: false, shape: vec![3, 4] });
        let h = parse_header("{\"shape\": (5L,), \"fortran_order\": True, \"descr\": \"|b1\"}").unwrap();
        assert_eq!(h, Header { descr: "|b1".into(), fortran: true, shape: vec![5] });
        assert_eq!(
            parse_header("{'descr': '<f8', 'fortran_order': False, 'shape': (), }").unwrap().shape,
            Vec::<usize>::new()
        );
        assert!(parse_header("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,)}").is_err());
        assert!(parse_header("{'descr': '<f8', 'shape': (1,)}").is_err());
        assert!(parse_header("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}").is_err());
    }

    #[test]
    fn header_is_numpys() {
        let h = npy_header("<f8", &[3]);
        assert_eq!(h.len() % 64, 0);
        let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
        assert!(h[10..].starts_with(dict.as_bytes()) && h.ends_with(b" \n"));
        assert!(h[10 + dict.len()..h.len() - 1].iter().all(|&b| b == b' '));
        let round = parse_npy(&[npy_header("<f4", &[2, 0]), vec![]].concat()).unwrap();
        assert_eq!(round.type_name(), "f32[2, 0]");
    }

    #[test]
    fn big_endian_and_integers_decode() {
        let h = |descr: &str, shape: &[usize]| Header { descr: descr.into(), fortran: false, shape: shape.to_vec() };
        let v = decode(&h(">f8", &[1]), &1.5f64.to_be_bytes()).unwrap();
        assert_eq!(crate::value::repr(&v), "[1.5]");
        let v = decode(&h("<i2", &[2]), &[0xff, 0xff, 7, 0]).unwrap();
        assert_eq!(crate::value::repr(&v), "[-1, 7]");
        let v = decode(&h("<i8", &[2]), &[i64::MAX.to_le_bytes(), i64::MIN.to_le_bytes()].concat()).unwrap();
        assert_eq!(crate::value::repr(&v), "[9223372036854775807, -9223372036854775808]");
        let e = decode(&h("<u8", &[1]), &u64::MAX.to_le_bytes()).unwrap_err();
        assert!(e.contains("integer 18446744073709551615 does not fit in i64"), "{e}");
        assert!(decode(&h("<c16", &[1]), &[0; 16]).is_err());
    }
}
