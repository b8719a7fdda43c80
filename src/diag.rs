//! Diagnostics: every error the program reports, with a stable `tscript::...` code, one sentence,
//! labelled spans and an optional help line. Errors carry spans only; [`SourceMap`] attaches the
//! source text when a diagnostic is rendered (miette's "delayed source code").

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
    /// A singular or non-definite matrix.
    LinalgSingular,
    /// A command used the wrong way: an unknown REPL command, a missing argument.
    Usage,
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
            Code::LinalgSingular => "tscript::linalg::singular",
            Code::Usage => "tscript::usage",
        }
    }
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
    /// Whether it is an error (the default) or a warning.
    pub severity: miette::Severity,
}

impl Diag {
    /// A diagnostic with one labelled span.
    pub fn new(code: Code, message: impl Into<String>, span: Span, label: impl Into<String>) -> Diag {
        Diag {
            code,
            message: message.into(),
            labels: vec![(span, label.into())],
            help: None,
            severity: miette::Severity::Error,
        }
    }

    /// A diagnostic that points at no source (a usage or file error outside any script).
    pub fn unplaced(code: Code, message: impl Into<String>) -> Diag {
        Diag { code, message: message.into(), labels: Vec::new(), help: None, severity: miette::Severity::Error }
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

    /// Renders `diag` into a miette report with its source attached.
    pub fn report(&self, diag: Diag) -> miette::Report {
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
        Some(self.diag.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diag.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        if self.len == u32::MAX {
            return None;
        }
        let labels =
            self.diag.labels.iter().enumerate().filter(|(_, (s, _))| s.start >= self.base).map(|(i, (s, text))| {
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
