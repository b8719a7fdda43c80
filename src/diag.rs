//! Diagnostics: every error the program reports, with a stable `tscript::...` code, one sentence,
//! labelled spans and an optional help line. Errors carry spans only; [`SourceMap`] attaches the
//! source text when a diagnostic is rendered (miette's "delayed source code").
//! [`nearest`] finds the name a help line suggests for a likely typo.

use crate::span::Span;
use std::fmt;
use std::sync::Arc;

/// The stable codes of all diagnostics, one variant per kind of error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// Text that is not valid TensorScript syntax.
    Parse,
    /// Nesting deeper than 256 levels.
    ParseTooDeep,
    /// A script larger than 64 MiB.
    ParseTooLarge,
    /// An integer literal that does not fit in 64 bits.
    ParseNumber,
    /// A name that is not declared where it is used.
    NameUndefined,
    /// A value of the wrong type for the operation.
    TypeMismatch,
    /// Shapes that do not fit together (broadcasting, `@`, assignment).
    TypeShape,
    /// An `f32` tensor combined with an `f64` tensor.
    TypeDtype,
    /// A call with the wrong number or names of arguments.
    TypeArity,
    /// `grad` of something that is not differentiable as asked.
    TypeGrad,
    /// An index out of range.
    RuntimeIndex,
    /// Integer overflow.
    RuntimeOverflow,
    /// Integer division or remainder by zero.
    RuntimeDivisionByZero,
    /// A shape that does not fit, known only when running.
    RuntimeShape,
    /// An argument with a value the operation cannot take (a negative size, say).
    RuntimeValue,
    /// A tensor too large to allocate.
    RuntimeAlloc,
    /// Calls nested too deeply.
    RuntimeRecursion,
    /// A name used before the statement that defines it has run.
    RuntimeUninit,
    /// Differentiation that cannot go through an operation.
    RuntimeGrad,
    /// Stopped by Ctrl-C.
    RuntimeInterrupted,
    /// A warning: a float variable became `inf` or `nan` inside a loop.
    LintNonfinite,
    /// A failed `assert`.
    Assert,
    /// A file that cannot be read or written, or whose contents are malformed.
    Io,
    /// A file that imports itself, directly or through others.
    ImportCycle,
    /// A singular or non-definite matrix.
    LinalgSingular,
    /// A command used the wrong way: an unknown REPL command, a missing argument.
    Usage,
    /// A warning: an element-wise operation between a column and a vector that makes a matrix.
    LintOuterBroadcast,
    /// A warning: a `let` in a loop that shadows a variable a function defined outside reads.
    LintShadowedInLoop,
}

impl Code {
    /// The code as printed, e.g. `tscript::type::shape`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Parse => "tscript::parse",
            Code::ParseTooDeep => "tscript::parse::too_deep",
            Code::ParseTooLarge => "tscript::parse::too_large",
            Code::ParseNumber => "tscript::parse::number",
            Code::NameUndefined => "tscript::name::undefined",
            Code::TypeMismatch => "tscript::type::mismatch",
            Code::TypeShape => "tscript::type::shape",
            Code::TypeDtype => "tscript::type::dtype",
            Code::TypeArity => "tscript::type::arity",
            Code::TypeGrad => "tscript::type::grad",
            Code::RuntimeIndex => "tscript::runtime::index",
            Code::RuntimeOverflow => "tscript::runtime::overflow",
            Code::RuntimeDivisionByZero => "tscript::runtime::division_by_zero",
            Code::RuntimeShape => "tscript::runtime::shape",
            Code::RuntimeValue => "tscript::runtime::value",
            Code::RuntimeAlloc => "tscript::runtime::alloc",
            Code::RuntimeRecursion => "tscript::runtime::recursion",
            Code::RuntimeUninit => "tscript::runtime::uninit",
            Code::RuntimeGrad => "tscript::runtime::grad",
            Code::RuntimeInterrupted => "tscript::runtime::interrupted",
            Code::LintNonfinite => "tscript::lint::nonfinite",
            Code::Assert => "tscript::assert",
            Code::Io => "tscript::io",
            Code::ImportCycle => "tscript::import::cycle",
            Code::LinalgSingular => "tscript::linalg::singular",
            Code::Usage => "tscript::usage",
            Code::LintOuterBroadcast => "tscript::lint::outer_broadcast",
            Code::LintShadowedInLoop => "tscript::lint::shadowed_in_loop",
        }
    }

    /// The name a lint is silenced by (`# allow(NAME)`), or `None` for an error code.
    pub fn lint_name(self) -> Option<&'static str> {
        self.as_str().strip_prefix("tscript::lint::")
    }
}

/// Whether a diagnostic stops the script (an error) or is only shown (a warning).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Severity {
    /// Nothing runs (or the run stops).
    #[default]
    Error,
    /// Shown on standard error; the script runs (`--deny-warnings` makes it an error).
    Warning,
}

/// One diagnostic: code, sentence, labelled spans (the first is the primary one) and help.
#[derive(Clone, Debug)]
pub struct Diag {
    /// The error code (`tscript::...`).
    pub code: Code,
    /// The one-sentence message.
    pub message: String,
    /// Labelled spans; the first is the primary one.
    pub labels: Vec<(Span, String)>,
    /// A help line, if any.
    pub help: Option<String>,
    /// An error or a warning.
    pub severity: Severity,
    /// The operands a help template names as `{0}`, `{1}`, ...: filled in with their source
    /// text when the diagnostic is rendered, so that the checker and the kernels (for shapes
    /// known only when running) give the same concrete help.
    pub operands: Vec<Span>,
}

impl Diag {
    /// A diagnostic with one labelled span.
    pub fn new(code: Code, message: impl Into<String>, span: Span, label: impl Into<String>) -> Diag {
        Diag {
            code,
            message: message.into(),
            labels: vec![(span, label.into())],
            help: None,
            severity: Severity::Error,
            operands: Vec::new(),
        }
    }

    /// A warning with one labelled span: shown, but the script runs.
    pub fn warning(code: Code, message: impl Into<String>, span: Span, label: impl Into<String>) -> Diag {
        Diag { severity: Severity::Warning, ..Diag::new(code, message, span, label) }
    }

    /// A warning made an error by `--deny-warnings`.
    pub fn denied(mut self) -> Diag {
        if self.severity == Severity::Warning {
            self.severity = Severity::Error;
            let note = "(an error because of --deny-warnings)";
            self.help = Some(match self.help.take() {
                Some(h) => format!("{h}\n{note}"),
                None => note.to_string(),
            });
        }
        self
    }

    /// Whether this diagnostic is a warning.
    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }

    /// A diagnostic that points at no source (a usage or file error outside any script).
    pub fn unplaced(code: Code, message: impl Into<String>) -> Diag {
        Diag {
            code,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            severity: Severity::Error,
            operands: Vec::new(),
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diag {
        self.help = Some(help.into());
        self
    }

    /// Adds a further labelled span.
    pub fn with_label(mut self, span: Span, label: impl Into<String>) -> Diag {
        self.labels.push((span, label.into()));
        self
    }

    /// The primary span, if the diagnostic has one.
    pub fn span(&self) -> Option<Span> {
        self.labels.first().map(|(span, _)| *span)
    }
}

/// A result whose error is a diagnostic.
pub type Result<T, E = Diag> = std::result::Result<T, E>;

/// All source texts a session has seen (one script, or each REPL entry and loaded file), laid
/// end to end in one offset space so that a [`Span`] alone says which text it points into.
#[derive(Default, Debug, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

/// One source text and where it starts in the shared offset space.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file name shown in reports.
    pub name: String,
    /// The offset of the text's first byte in the shared offset space.
    pub base: u32,
    /// The text itself.
    pub text: Arc<str>,
}

impl SourceMap {
    /// Adds a text and returns the offset its spans start from.
    pub fn add(&mut self, name: impl Into<String>, text: &str) -> Result<u32, Diag> {
        let next = self.files.last().map_or(Some(0), |f| f.base.checked_add(f.text.len() as u32 + 1));
        let base = next.filter(|b| b.checked_add(text.len() as u32 + 1).is_some()).ok_or_else(|| {
            Diag::unplaced(Code::ParseTooLarge, "this session has read 4 GiB of source text, all it can hold")
                .with_help("start a new session (`:reset` in the REPL)")
        })?;
        self.files.push(SourceFile { name: name.into(), base, text: Arc::from(text) });
        Ok(base)
    }

    /// The file that contains `span`.
    pub fn file_of(&self, span: Span) -> Option<&SourceFile> {
        self.files.iter().rev().find(|f| f.base <= span.start)
    }

    /// The text of `span` itself, if it lies in one source.
    pub fn text_of(&self, span: Span) -> Option<&str> {
        let file = self.file_of(span)?;
        file.text.get((span.start - file.base) as usize..(span.end.checked_sub(file.base)?) as usize)
    }

    /// The whole source line on which `span` starts (comments included, which the parser drops).
    pub fn line_of(&self, span: Span) -> Option<&str> {
        let file = self.file_of(span)?;
        let at = ((span.start - file.base) as usize).min(file.text.len());
        let start = file.text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
        let end = file.text.get(at..)?.find('\n').map_or(file.text.len(), |i| at + i);
        file.text.get(start..end)
    }

    /// The source text of an operand, parenthesised unless it is a name, call, index, tensor
    /// literal or number (`x` when the span lies in no source).
    pub fn operand_text(&self, span: Span) -> String {
        let text = self.text_of(span).unwrap_or("x");
        if simple_operand(text) {
            text.to_string()
        } else {
            format!("({text})")
        }
    }

    /// A help template with its operands written out: `{i}` is operand `i`'s text, and `{i}.T`
    /// its transpose (`W.T` for `W`, `W` for `W.T`); `{0}`..`{2}` with no operand are `a`..`c`.
    pub fn fill_help(&self, help: &str, operands: &[Span]) -> String {
        let mut help = help.to_string();
        for (i, span) in operands.iter().enumerate() {
            let text = self.operand_text(*span);
            let transposed = match text.strip_suffix(".T").filter(|inner| simple_operand(inner)) {
                Some(inner) => inner.to_string(),
                None => format!("{text}.T"),
            };
            help = help.replace(&format!("{{{i}}}.T"), &transposed).replace(&format!("{{{i}}}"), &text);
        }
        // Operands without a span (an error met while differentiating): generic names.
        for (i, name) in ["a", "b", "c"].iter().enumerate().skip(operands.len()) {
            help = help.replace(&format!("{{{i}}}"), name);
        }
        help
    }

    /// Renders `diag` into a miette report with its source attached.
    pub fn report(&self, mut diag: Diag) -> miette::Report {
        if let Some(help) = &diag.help {
            diag.help = Some(self.fill_help(help, &std::mem::take(&mut diag.operands)));
        }
        match diag.span().and_then(|s| self.file_of(s)).cloned() {
            Some(file) => {
                let local = Placed { diag, base: file.base, len: file.text.len() as u32 };
                let source = miette::NamedSource::new(file.name, file.text.to_string());
                miette::Report::new(local).with_source_code(source)
            }
            None => miette::Report::new(Placed { diag, base: 0, len: u32::MAX }),
        }
    }

    /// Renders `diag` to a string with no colour at a fixed width (for tests and piped output).
    pub fn render_plain(&self, diag: Diag) -> String {
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor()).with_width(100);
        let report = self.report(diag);
        let mut out = String::new();
        let _ = handler.render_report(&mut out, report.as_ref());
        out
    }
}

/// Whether an operand's text needs no parentheses: outside brackets and strings it holds only
/// names, numbers and `.` (a name, a call, an index, a literal, `x.T`, `(a + b)`).
fn simple_operand(text: &str) -> bool {
    let mut depth = 0i32;
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            _ if depth > 0 => {}
            c if c.is_alphanumeric() || c == '_' || c == '.' => {}
            _ => return false,
        }
    }
    !text.is_empty() && depth == 0
}

/// A diagnostic whose spans have been made relative to the one file it is shown against.
#[derive(Debug)]
struct Placed {
    diag: Diag,
    base: u32,
    len: u32,
}

impl fmt::Display for Placed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Placed {}

impl miette::Diagnostic for Placed {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diag.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diag.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.len == u32::MAX {
            return None;
        }
        // An unlabelled span around the primary one (the whole call around the argument at
        // fault) would only draw a second underline and a stray `│` under the first.
        let primary = self.diag.span();
        let shown = |i: usize, s: &Span, text: &str| {
            let around = primary.is_some_and(|p| i > 0 && text.is_empty() && s.start <= p.start && p.end <= s.end);
            s.start >= self.base && !around
        };
        let labels =
            self.diag.labels.iter().enumerate().filter(|(i, (s, text))| shown(*i, s, text)).map(|(i, (s, text))| {
                let start = (s.start - self.base).min(self.len);
                let end = (s.end - self.base).min(self.len).max(start);
                let label = if text.is_empty() { None } else { Some(text.clone()) };
                // The first label is the primary one: miette puts its line and column in the header.
                let span = (start as usize, (end - start) as usize);
                if i == 0 {
                    miette::LabeledSpan::new_primary_with_span(label, span)
                } else {
                    miette::LabeledSpan::new_with_span(label, span)
                }
            });
        Some(Box::new(labels.collect::<Vec<_>>().into_iter()))
    }
}

/// An error from a primitive, before the evaluator gives it the span of the call or argument.
#[derive(Clone, Debug)]
pub struct OpError {
    /// The error code.
    pub code: Code,
    /// The error sentence.
    pub message: String,
    /// The argument the error is about (its span is underlined), or the whole call.
    pub arg: Option<usize>,
    /// The label under the underlined span (empty for none).
    pub label: String,
    /// A help line, if any.
    pub help: Option<String>,
}

impl OpError {
    /// An error about the whole call.
    pub fn new(code: Code, message: impl Into<String>) -> OpError {
        OpError { code, message: message.into(), arg: None, label: String::new(), help: None }
    }

    /// Points the error at argument `arg`, labelled.
    pub fn at(mut self, arg: usize, label: impl Into<String>) -> OpError {
        self.arg = Some(arg);
        self.label = label.into();
        self
    }

    /// Labels the call itself.
    pub fn label(mut self, label: impl Into<String>) -> OpError {
        self.label = label.into();
        self
    }

    /// Adds a help line.
    pub fn help(mut self, help: impl Into<String>) -> OpError {
        self.help = Some(help.into());
        self
    }
}

/// The known name closest to `name` by edit distance, if it is close enough to be a likely typo.
pub fn nearest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    known
        .iter()
        .map(|k| (edit_distance(name, k), *k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    // Optimal string alignment: insertions, deletions, substitutions and swaps of two
    // neighbouring characters each cost 1 (`maen` is one step from `mean`).
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = (a[i - 1] != b[j - 1]) as usize;
            row[j] = (prev[j - 1] + cost).min(row[j - 1] + 1).min(prev[j] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        before = std::mem::replace(&mut prev, row);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_templates_name_the_operands_as_written() {
        let mut sources = SourceMap::default();
        let text = "A @ W.T; X.T @ (B + C).T; f(x, [1, 2]) - y[:, 0]; -v * 2";
        let base = sources.add("t", text).unwrap();
        let at = |part: &str| {
            let start = base + text.find(part).unwrap() as u32;
            Span { start, end: start + part.len() as u32 }
        };
        let transpose = "did you mean {0} @ {1}.T?";
        assert_eq!(sources.fill_help(transpose, &[at("A"), at("W.T")]), "did you mean A @ W?");
        assert_eq!(sources.fill_help(transpose, &[at("X.T"), at("(B + C).T")]), "did you mean X.T @ (B + C)?");
        assert_eq!(sources.fill_help("{0}.T @ {1}", &[at("X.T"), at("A")]), "X @ A");
        assert_eq!(sources.fill_help("{0} and {1}", &[at("f(x, [1, 2])"), at("y[:, 0]")]), "f(x, [1, 2]) and y[:, 0]");
        assert_eq!(sources.fill_help("{0}.T", &[at("-v * 2")]), "(-v * 2).T");
        assert_eq!(sources.fill_help("lstsq({0}, {1})", &[]), "lstsq(a, b)");
    }

    #[test]
    fn the_line_of_a_span_includes_its_comment() {
        let mut sources = SourceMap::default();
        sources.add("a", "let x = 1\n").unwrap();
        let base = sources.add("b", "print(1)\nlet y = x - 1  # allow(z)\nprint(2)").unwrap();
        let span = Span { start: base + 13, end: base + 14 };
        assert_eq!(sources.line_of(span), Some("let y = x - 1  # allow(z)"));
        assert_eq!(sources.text_of(span), Some("y"));
    }
}
