//! Python's format specification mini-language, for f-strings (`f"{loss:.4f}"`) and `format(x,
//! spec)`: `[[fill]align][sign][#][0][width][grouping][.precision][type]`.
//!
//! Supported as Python has them: fill and alignment (`<`, `>`, `^`, `=`), sign (`+`, `-`, space),
//! `#` (the `0x`/`0o`/`0b` prefix of `x`, `X`, `o`, `b`), `0` padding, width, the `,` and `_`
//! thousands separators, precision, and the types `d x X o b` (ints), `f F e E g G %` (numbers)
//! and `s` (text). A float with no type is written as `print` writes it, or with a precision like
//! `g` with at least one digit after the point. A malformed spec, or one that does not fit the
//! value (`d` for a float, a sign for text), is an error that says which part is wrong; nothing
//! panics. Width and precision are at most [`MAX_WIDTH`].

/// The largest width or precision a spec may ask for (a larger one is surely a mistake, and
/// would allocate without bound).
pub const MAX_WIDTH: usize = 10_000;

/// A parsed format spec.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spec {
    /// The padding character (default space).
    pub fill: Option<char>,
    /// `<`, `>`, `^` or `=`.
    pub align: Option<char>,
    /// `+`, `-` or ` `.
    pub sign: Option<char>,
    /// `#`: the radix prefix.
    pub alternate: bool,
    /// `0` before the width: zero padding after the sign.
    pub zero: bool,
    /// The minimum width, in characters.
    pub width: Option<usize>,
    /// `,` or `_`.
    pub grouping: Option<char>,
    /// Digits after the point (`f`, `e`, `%`), significant digits (`g`), or characters kept (`s`).
    pub precision: Option<usize>,
    /// The presentation type.
    pub kind: Option<char>,
}

/// What is wrong with a spec, and where in it (a byte range of the spec's text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError {
    /// One sentence.
    pub message: String,
    /// The byte range within the spec that the message is about.
    pub at: (usize, usize),
    /// A likely fix.
    pub help: Option<String>,
}

impl SpecError {
    fn new(message: impl Into<String>, at: (usize, usize)) -> SpecError {
        SpecError { message: message.into(), at, help: None }
    }

    fn help(mut self, help: impl Into<String>) -> SpecError {
        self.help = Some(help.into());
        self
    }
}

/// What a value is, as far as formatting cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An `int`.
    Int,
    /// A float scalar (or a float tensor's elements).
    Float,
    /// A `bool`, written `true` or `false`.
    Bool,
    /// A `str`.
    Str,
    /// A tuple or a function: only an empty spec fits.
    Other,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Int => "an int",
            Kind::Float => "a float",
            Kind::Bool => "a bool",
            Kind::Str => "a str",
            Kind::Other => "this value",
        }
    }
}

const TYPES: &str = "dxXobfFeEgG%s";

impl Spec {
    /// Parses a spec (the text after `:` in an f-string field).
    pub fn parse(text: &str) -> Result<Spec, SpecError> {
        let mut spec = Spec::default();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(at, _)| at);
        let mut i = 0;
        let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
        if chars.len() >= 2 && is_align(chars[1].1) {
            if matches!(chars[0].1, '{' | '}') {
                return Err(SpecError::new("`{` and `}` cannot be a fill character", (chars[0].0, end_of(1))));
            }
            spec.fill = Some(chars[0].1);
            spec.align = Some(chars[1].1);
            i = 2;
        } else if chars.first().is_some_and(|&(_, c)| is_align(c)) {
            spec.align = Some(chars[0].1);
            i = 1;
        }
        if let Some(&(_, c @ ('+' | '-' | ' '))) = chars.get(i) {
            spec.sign = Some(c);
            i += 1;
        }
        if let Some(&(at, 'z')) = chars.get(i) {
            return Err(SpecError::new("the `z` option is not supported", (at, at + 1))
                .help("round first, e.g. round(x, 2) + 0.0"));
        }
        if let Some(&(_, '#')) = chars.get(i) {
            spec.alternate = true;
            i += 1;
        }
        if let Some(&(_, '0')) = chars.get(i) {
            spec.zero = true;
            i += 1;
        }
        let number = |i: &mut usize, what: &str| -> Result<Option<usize>, SpecError> {
            let start = *i;
            while chars.get(*i).is_some_and(|&(_, c)| c.is_ascii_digit()) {
                *i += 1;
            }
            if *i == start {
                return Ok(None);
            }
            let digits = &text[end_of(start)..end_of(*i)];
            match digits.parse::<usize>() {
                Ok(n) if n <= MAX_WIDTH => Ok(Some(n)),
                _ => Err(SpecError::new(
                    format!("the {what} {digits} is too large (at most {MAX_WIDTH})"),
                    (end_of(start), end_of(*i)),
                )),
            }
        };
        spec.width = number(&mut i, "width")?;
        if let Some(&(_, c @ (',' | '_'))) = chars.get(i) {
            spec.grouping = Some(c);
            i += 1;
        }
        if let Some(&(at, '.')) = chars.get(i) {
            i += 1;
            spec.precision = number(&mut i, "precision")?;
            if spec.precision.is_none() {
                return Err(SpecError::new("`.` must be followed by a number of digits", (at, end_of(i)))
                    .help("e.g. .4f for four digits after the point"));
            }
        }
        if let Some(&(at, c)) = chars.get(i) {
            if !TYPES.contains(c) {
                let message = match c {
                    'n' | 'c' => format!("the format type `{c}` is not supported"),
                    _ => format!("`{c}` is not a format type"),
                };
                return Err(SpecError::new(message, (at, end_of(i + 1))).help(
                    "a spec is [[fill]align][sign][0][width][,][.precision][type], \
                     with type one of d x o b f e g % s, e.g. >10.3f",
                ));
            }
            spec.kind = Some(c);
            i += 1;
        }
        if let Some(&(at, _)) = chars.get(i) {
            return Err(SpecError::new(format!("unexpected `{}` in the format spec", &text[at..]), (at, text.len()))
                .help("a spec is [[fill]align][sign][0][width][,][.precision][type], e.g. >10.3f"));
        }
        Ok(spec)
    }

    /// Checks that the spec fits a value of `kind` (the checker and [`Spec::apply`] both ask).
    /// `text` is the spec's text, for the error's place.
    pub fn fits(&self, kind: Kind, text: &str) -> Result<(), SpecError> {
        let whole = (0, text.len());
        let at = |c: char| text.rfind(c).map_or(whole, |i| (i, i + c.len_utf8()));
        if kind == Kind::Other {
            return match self == &Spec::default() {
                true => Ok(()),
                false => {
                    Err(SpecError::new("a format spec applies to numbers, text and tensors, not to this value", whole)
                        .help("format the items one by one"))
                }
            };
        }
        let numeric = matches!(kind, Kind::Int | Kind::Float);
        if let Some(t) = self.kind {
            let ok = match t {
                'd' | 'x' | 'X' | 'o' | 'b' => kind == Kind::Int,
                's' => matches!(kind, Kind::Str | Kind::Bool),
                _ => numeric,
            };
            if !ok {
                let help = match (t, kind) {
                    ('d', Kind::Float) => "convert with int(...) first, or write .0f for no decimals",
                    ('s', _) => "leave out the type, or convert with str(...) first",
                    (_, Kind::Str) => "convert the text with float(...) or int(...) first",
                    _ => "leave out the type, or convert the value first",
                };
                return Err(
                    SpecError::new(format!("the format type `{t}` does not fit {}", kind.name()), at(t)).help(help)
                );
            }
        }
        if !numeric {
            let numeric_only = [
                (self.sign.is_some(), "a sign", self.sign.map_or(whole, at)),
                (self.zero, "`0` padding", whole),
                (self.grouping.is_some(), "a thousands separator", self.grouping.map_or(whole, at)),
                (self.align == Some('='), "`=` alignment", at('=')),
                (self.alternate, "`#`", at('#')),
            ];
            for (set, what, place) in numeric_only {
                if set {
                    return Err(SpecError::new(format!("{what} is only for numbers, not {}", kind.name()), place));
                }
            }
            if kind == Kind::Bool && self.precision.is_some() {
                return Err(SpecError::new("a precision does not fit a bool", at('.')));
            }
            return Ok(());
        }
        let float_like = matches!(self.kind, Some('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%'));
        if kind == Kind::Int && self.precision.is_some() && !float_like {
            return Err(SpecError::new("a precision does not fit an int", at('.'))
                .help("add a float type, e.g. .2f, or leave the precision out"));
        }
        if self.alternate && !matches!(self.kind, Some('x' | 'X' | 'o' | 'b')) {
            return Err(SpecError::new("`#` is only for the types x, X, o and b", at('#')));
        }
        if self.grouping == Some(',') && matches!(self.kind, Some('x' | 'X' | 'o' | 'b')) {
            return Err(SpecError::new("`,` does not fit the types x, X, o and b", at(','))
                .help("use `_` to group hex, octal or binary digits"));
        }
        Ok(())
    }

    /// Pads `text` (whose sign, if any, is `sign`) to the width, as the alignment says. `numeric`
    /// texts align right by default, others left.
    fn pad(&self, sign: &str, body: &str, numeric: bool) -> String {
        let width = self.width.unwrap_or(0);
        let len = sign.chars().count() + body.chars().count();
        if len >= width {
            return format!("{sign}{body}");
        }
        let fill = self.fill.unwrap_or(if self.zero && self.align.is_none() { '0' } else { ' ' });
        let align = self.align.unwrap_or(match (self.zero, numeric) {
            (true, _) => '=',
            (false, true) => '>',
            (false, false) => '<',
        });
        let n = width - len;
        let run = |k: usize| fill.to_string().repeat(k);
        match align {
            '<' => format!("{sign}{body}{}", run(n)),
            '^' => format!("{}{sign}{body}{}", run(n / 2), run(n - n / 2)),
            '=' => format!("{sign}{}{body}", run(n)),
            _ => format!("{}{sign}{body}", run(n)),
        }
    }

    /// Writes text (a `str`, a `bool`'s `true`/`false`, or a value converted with `!r`/`!s`).
    pub fn text(&self, s: &str) -> String {
        let kept: String = match self.precision {
            Some(p) => s.chars().take(p).collect(),
            None => s.to_string(),
        };
        self.pad("", &kept, false)
    }

    /// Writes an int.
    pub fn int(&self, i: i64) -> String {
        if matches!(self.kind, Some('f' | 'F' | 'e' | 'E' | 'g' | 'G' | '%')) {
            return self.float(i as f64, &crate::format::f64_repr);
        }
        let magnitude = i.unsigned_abs();
        let (digits, prefix, group) = match self.kind {
            Some('x') => (format!("{magnitude:x}"), "0x", 4),
            Some('X') => (format!("{magnitude:X}"), "0X", 4),
            Some('o') => (format!("{magnitude:o}"), "0o", 4),
            Some('b') => (format!("{magnitude:b}"), "0b", 4),
            _ => (magnitude.to_string(), "", 3),
        };
        let sign = self.sign_text(i < 0);
        let prefix = if self.alternate { prefix } else { "" };
        self.number(&format!("{sign}{prefix}"), &digits, "", group)
    }

    /// Writes a float; `repr` writes it when the spec has neither type nor precision (the
    /// shortest text that reads back, at the value's own precision).
    pub fn float(&self, x: f64, repr: &dyn Fn(f64) -> String) -> String {
        let sign = self.sign_text(x.is_sign_negative() && !x.is_nan());
        let upper = matches!(self.kind, Some('F' | 'E' | 'G'));
        let a = x.abs();
        let body = if !x.is_finite() {
            let word = if x.is_nan() { "nan" } else { "inf" };
            let word = if upper { word.to_uppercase() } else { word.to_string() };
            format!("{word}{}", if self.kind == Some('%') { "%" } else { "" })
        } else {
            match (self.kind, self.precision) {
                (Some('f' | 'F'), p) => format!("{a:.*}", p.unwrap_or(6)),
                (Some('%'), p) => format!("{:.*}%", p.unwrap_or(6), a * 100.0),
                (Some('e' | 'E'), p) => exponent_form(a, p.unwrap_or(6), upper),
                (Some('g' | 'G'), p) => general(a, p.unwrap_or(6), false, upper),
                (_, Some(p)) => general(a, p, true, false),
                (_, None) => repr(a),
            }
        };
        // The integer part is grouped; the point, fraction, exponent and `%` follow it.
        let split = body.find(|c: char| !c.is_ascii_digit()).unwrap_or(body.len());
        let (digits, rest) = if x.is_finite() { body.split_at(split) } else { ("", body.as_str()) };
        self.number(&sign, digits, rest, 3)
    }

    fn sign_text(&self, negative: bool) -> String {
        match (negative, self.sign) {
            (true, _) => "-",
            (false, Some('+')) => "+",
            (false, Some(' ')) => " ",
            (false, _) => "",
        }
        .to_string()
    }

    /// Lays out a number: `sign` (with any radix prefix), the integer `digits` (grouped, and
    /// padded with zeros as Python does when the spec asks for `0` padding), then `rest`.
    fn number(&self, sign: &str, digits: &str, rest: &str, group: usize) -> String {
        let zero_fill = self.fill.is_none() && self.zero && matches!(self.align, None | Some('='));
        let min_digits = if zero_fill {
            self.width.unwrap_or(0).saturating_sub(sign.chars().count() + rest.chars().count())
        } else {
            0
        };
        let grouped = match self.grouping {
            Some(sep) if !digits.is_empty() => grouped(digits, sep, group, min_digits),
            _ => format!("{}{digits}", "0".repeat(min_digits.saturating_sub(digits.len()))),
        };
        self.pad(sign, &format!("{grouped}{rest}"), true)
    }
}

/// The digits with `sep` between groups of `group`, zero-filled on the left to at least `min`
/// characters, never starting with a separator (CPython's `InsertThousandsGrouping`).
fn grouped(digits: &str, sep: char, group: usize, min: usize) -> String {
    let mut real: Vec<char> = digits.chars().collect();
    let mut out: Vec<char> = Vec::new();
    loop {
        let mut taken = 0;
        while taken < group {
            match real.pop() {
                Some(d) => out.push(d),
                None if out.len() < min || taken == 0 => out.push('0'),
                None => break,
            }
            taken += 1;
        }
        if real.is_empty() && out.len() >= min {
            break;
        }
        out.push(sep);
    }
    out.iter().rev().collect()
}

/// `d.ddde+XX` with `p` digits after the point (Python's `e`).
fn exponent_form(a: f64, p: usize, upper: bool) -> String {
    let text = format!("{a:.p$e}");
    let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    format!("{mantissa}{e}{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

/// Python's `g` with `p` significant digits (at least 1), trailing zeros removed; with
/// `add_dot_0` (a float with a precision and no type) an integer keeps `.0` and the switch to
/// exponent form comes one digit earlier, as CPython's `repr`-style formatting does.
fn general(a: f64, p: usize, add_dot_0: bool, upper: bool) -> String {
    let p = p.max(1);
    let sci = format!("{a:.*e}", p - 1);
    let exp: i64 = sci.split_once('e').map_or(0, |(_, e)| e.parse().unwrap_or(0));
    let limit = if add_dot_0 { p as i64 - 1 } else { p as i64 };
    if a != 0.0 && (exp < -4 || exp >= limit) {
        let (mantissa, _) = sci.split_once('e').unwrap_or((&sci, ""));
        let mantissa = strip_zeros(mantissa);
        let e = if upper { 'E' } else { 'e' };
        return format!("{mantissa}{e}{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    let decimals = (p as i64 - 1 - exp).max(0) as usize;
    let fixed = strip_zeros(&format!("{a:.decimals$}"));
    if add_dot_0 && !fixed.contains('.') {
        format!("{fixed}.0")
    } else {
        fixed
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: f64, spec: &str) -> String {
        let s = Spec::parse(spec).unwrap();
        s.fits(Kind::Float, spec).unwrap();
        s.float(x, &crate::format::f64_repr)
    }

    fn i(x: i64, spec: &str) -> String {
        let s = Spec::parse(spec).unwrap();
        s.fits(Kind::Int, spec).unwrap();
        s.int(x)
    }

    #[test]
    fn floats_format_as_python() {
        // Each expected text is Python's format(x, spec).
        assert_eq!(f(100.0, ".3"), "1e+02");
        assert_eq!(f(1.0, ".3"), "1.0");
        assert_eq!(f(0.0001, ".3"), "0.0001");
        assert_eq!(f(1234.5, "010,.1f"), "0,001,234.5");
        assert_eq!(f(f64::NAN, "+f"), "+nan");
        assert_eq!(f(-0.0, ".2f"), "-0.00");
        assert_eq!(f(f64::INFINITY, "08.2f"), "00000inf");
        assert_eq!(f(f64::NAN, "F"), "NAN");
        assert_eq!(f(1234567.891, ",.2f"), "1,234,567.89");
        assert_eq!(f(123456789.0, "g"), "1.23457e+08");
        assert_eq!(f(0.5, ".1%"), "50.0%");
        assert_eq!(f(1234.5, ","), "1,234.5");
        assert_eq!(f(9.96, ".2g"), "10");
        assert_eq!(f(-0.0, "g"), "-0");
        assert_eq!(f(1.0, ".0e"), "1e+00");
        assert_eq!(f(2.675, ".2f"), "2.67");
        assert_eq!(f(0.125, ".2f"), "0.12");
    }

    #[test]
    fn ints_format_as_python() {
        assert_eq!(i(1234, "06,"), "01,234");
        assert_eq!(i(1234, "07,"), "001,234");
        assert_eq!(i(1234, "08,"), "0,001,234");
        assert_eq!(i(-5, "=+8"), "-      5");
        assert_eq!(i(-5, "08"), "-0000005");
        assert_eq!(i(5, "*^9"), "****5****");
        assert_eq!(i(255, "#b"), "0b11111111");
        assert_eq!(i(0x1234567, "_x"), "123_4567");
        assert_eq!(i(3, ".2f"), "3.00");
        assert_eq!(i(i64::MIN, ","), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn bad_specs_are_errors() {
        for bad in [".", "10.", ".f", "q", "5z", "+#0,.2fx", "99999999999999999999999", ".20000f", "{<5"] {
            assert!(Spec::parse(bad).is_err(), "{bad}");
        }
        let d = Spec::parse("d").unwrap();
        assert!(d.fits(Kind::Float, "d").is_err());
        assert!(Spec::parse(".2").unwrap().fits(Kind::Int, ".2").is_err());
        assert!(Spec::parse("+").unwrap().fits(Kind::Str, "+").is_err());
        assert!(Spec::parse(",x").unwrap().fits(Kind::Int, ",x").is_err());
    }

    #[test]
    fn no_spec_panics() {
        // Every spec of up to three characters from the spec alphabet, and some longer ones, on
        // every kind of value: each is text or an error, never a panic.
        let alphabet: Vec<char> = "<>^=+- #0,_.1259dxXobfFeEgG%snzq{}é".chars().collect();
        let mut specs = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> =
                specs.iter().flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}"))).collect();
            specs.extend(longer);
        }
        specs.extend(["*^+#010,.3f", "0=+20_.5e", "x<10000.10000f", ",.10000%", "10000b"].map(String::from));
        for text in &specs {
            let Ok(spec) = Spec::parse(text) else { continue };
            for x in [0.0, -0.0, 1234.5, -1e300, f64::NAN, f64::INFINITY, 5e-324] {
                if spec.fits(Kind::Float, text).is_ok() {
                    spec.float(x, &crate::format::f64_repr);
                }
            }
            for i in [0, -7, i64::MIN, i64::MAX] {
                if spec.fits(Kind::Int, text).is_ok() {
                    spec.int(i);
                }
            }
            if spec.fits(Kind::Str, text).is_ok() {
                spec.text("aé");
            }
        }
    }
}
