//! The one error type of physl: a kind with a stable code, a message, labelled spans, a help
//! line and, for errors inside user functions, the chain of calls that led there.
//!
//! Primitives do not know spans; they label their *argument positions* (`Error::at_arg`).
//! The evaluator turns those into source spans exactly once, while they are still unset, so
//! the innermost location wins (as in starlark). Rendering to text happens only at the end,
//! through [`Error::render`], which looks the spans up in the [`SourceMap`].

use crate::syntax::span::{SourceMap, Span};
use std::fmt;

/// The kinds of error, each with a stable code (`physl::<kind>`). Tests check codes, never
/// message text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The source does not parse.
    Parse,
    /// An unknown name, or a special-form name used as a variable.
    Name,
    /// A name used outside the scope that defines it.
    Scope,
    /// An attempt to define a reserved name (special forms, `true`, `false`, `nil`).
    Reserved,
    /// Wrong number of arguments, or a keyword argument that does not exist.
    Arity,
    /// A value of the wrong kind or dtype for an operation.
    Type,
    /// Array shapes that do not fit together.
    Shape,
    /// A value of the right kind but out of the domain (negative extent, step 0, ...).
    Value,
    /// An index or key out of range / missing.
    Index,
    /// Division or modulo of integers by zero.
    ZeroDivision,
    /// Reading or writing files.
    Io,
    /// A recursion, memory or step limit was hit.
    Limit,
    /// The run was interrupted (Ctrl-C or an embedder's interrupt handle).
    Interrupted,
    /// `assert` failed.
    Assertion,
    /// Command-line misuse (exit status 2).
    Usage,
    /// A bug in physl itself.
    Internal,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 16] = [
        ErrorKind::Parse,
        ErrorKind::Name,
        ErrorKind::Scope,
        ErrorKind::Reserved,
        ErrorKind::Arity,
        ErrorKind::Type,
        ErrorKind::Shape,
        ErrorKind::Value,
        ErrorKind::Index,
        ErrorKind::ZeroDivision,
        ErrorKind::Io,
        ErrorKind::Limit,
        ErrorKind::Interrupted,
        ErrorKind::Assertion,
        ErrorKind::Usage,
        ErrorKind::Internal,
    ];

    /// The stable diagnostic code.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::Parse => "physl::parse",
            ErrorKind::Name => "physl::name",
            ErrorKind::Scope => "physl::scope",
            ErrorKind::Reserved => "physl::reserved",
            ErrorKind::Arity => "physl::arity",
            ErrorKind::Type => "physl::type",
            ErrorKind::Shape => "physl::shape",
            ErrorKind::Value => "physl::value",
            ErrorKind::Index => "physl::index",
            ErrorKind::ZeroDivision => "physl::zero_division",
            ErrorKind::Io => "physl::io",
            ErrorKind::Limit => "physl::limit",
            ErrorKind::Interrupted => "physl::interrupted",
            ErrorKind::Assertion => "physl::assert",
            ErrorKind::Usage => "physl::usage",
            ErrorKind::Internal => "physl::internal",
        }
    }
}

/// Where a label points: a source span, or (before the evaluator locates it) an argument
/// position of the primitive that raised the error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Span(Span),
    /// 0-based argument position of the failing call.
    Arg(usize),
    /// The failing call itself.
    Call,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub place: Place,
    pub text: String,
}

/// One entry of the call chain: the user function and the span of the call expression.
#[derive(Clone, Debug, PartialEq)]
pub struct CallSite {
    pub function: String,
    pub span: Span,
    /// How many times in a row the error passed through this same call (recursion).
    pub repeats: usize,
}

#[derive(Clone, Debug, PartialEq)]
struct Inner {
    kind: ErrorKind,
    message: String,
    labels: Vec<Label>,
    help: Option<String>,
    calls: Vec<CallSite>,
}

/// A physl error. Small (one pointer) so that `Result<Value, Error>` stays cheap.
#[derive(Clone, PartialEq)]
pub struct Error(Box<Inner>);

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error(Box::new(Inner {
            kind,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            calls: Vec::new(),
        }))
    }

    pub fn parse(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Parse, message)
    }
    pub fn name(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Name, message)
    }
    pub fn arity(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Arity, message)
    }
    pub fn type_error(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Type, message)
    }
    pub fn shape(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Shape, message)
    }
    pub fn value(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Value, message)
    }
    pub fn index(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Index, message)
    }
    pub fn zero_division(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::ZeroDivision, message)
    }
    pub fn io(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Io, message)
    }
    pub fn limit(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Limit, message)
    }
    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Internal, message)
    }
    pub fn usage(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::Usage, message)
    }

    /// Adds a label on a source span.
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Error {
        self.0.labels.push(Label {
            place: Place::Span(span),
            text: text.into(),
        });
        self
    }

    /// Adds a label on argument `arg` (0-based) of the failing call; the evaluator turns it
    /// into that argument's span.
    pub fn at_arg(mut self, arg: usize, text: impl Into<String>) -> Error {
        self.0.labels.push(Label {
            place: Place::Arg(arg),
            text: text.into(),
        });
        self
    }

    /// Adds a label on the failing call as a whole.
    pub fn at_call(mut self, text: impl Into<String>) -> Error {
        self.0.labels.push(Label {
            place: Place::Call,
            text: text.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Error {
        self.0.help = Some(help.into());
        self
    }

    /// Prefixes the message, e.g. with the primitive's name.
    pub fn context(mut self, prefix: &str) -> Error {
        self.0.message = format!("{prefix}: {}", self.0.message);
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }
    pub fn code(&self) -> &'static str {
        self.0.kind.code()
    }
    pub fn message(&self) -> &str {
        &self.0.message
    }
    pub fn help(&self) -> Option<&str> {
        self.0.help.as_deref()
    }
    pub fn labels(&self) -> &[Label] {
        &self.0.labels
    }
    pub fn calls(&self) -> &[CallSite] {
        &self.0.calls
    }

    /// True when some label still refers to argument positions or to the call.
    pub fn is_unlocated(&self) -> bool {
        self.0.labels.is_empty()
            || self
                .0
                .labels
                .iter()
                .any(|l| !matches!(l.place, Place::Span(_)))
    }

    /// Resolves argument-position labels with `arg_span` and call labels to `call`; an error
    /// without any label gets a primary label on `call`. Already-located labels stay, so the
    /// innermost location wins.
    pub fn locate(mut self, call: Span, arg_span: impl Fn(usize) -> Option<Span>) -> Error {
        if self.0.labels.is_empty() {
            self.0.labels.push(Label {
                place: Place::Span(call),
                text: String::new(),
            });
            return self;
        }
        for label in &mut self.0.labels {
            label.place = match label.place {
                Place::Arg(i) => Place::Span(arg_span(i).unwrap_or(call)),
                Place::Call => Place::Span(call),
                p => p,
            };
        }
        self
    }

    /// Records that the error passed through a call of user function `function` at `span`.
    pub fn push_call(mut self, function: &str, span: Span) -> Error {
        // Deep recursion passes the same call site thousands of times: count, don't repeat.
        if let Some(last) = self.0.calls.last_mut() {
            if last.span == span && last.function == function {
                last.repeats += 1;
                return self;
            }
        }
        if self.0.calls.len() < 32 {
            self.0.calls.push(CallSite {
                function: function.to_string(),
                span,
                repeats: 1,
            });
        }
        self
    }

    /// The span of the primary (first located) label.
    pub fn primary_span(&self) -> Option<Span> {
        self.0.labels.iter().find_map(|l| match l.place {
            Place::Span(s) if !s.is_dummy() => Some(s),
            _ => None,
        })
    }

    /// Renders the diagnostic as text: code, message, source snippets with labels, the call
    /// chain, and help. `color` selects ANSI colours; `width` the wrap width.
    pub fn render(&self, sources: &SourceMap, color: bool, width: usize) -> String {
        use miette::{GraphicalReportHandler, GraphicalTheme};
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(width)
            .with_links(false);
        let diag = render::Rendered::new(self, sources);
        let mut out = String::new();
        if handler.render_report(&mut out, &diag).is_err() {
            out = format!("{}: {}\n", self.code(), self.message());
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}", self.code(), self.0.message)
    }
}

impl std::error::Error for Error {}

/// Edit distance for did-you-mean suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate to `name` within a distance that fits its length (1 for names of up
/// to two letters, 2 up to five, 3 beyond), if any.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = match name.len() {
        0..=2 => 1,
        3..=5 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.len().cmp(&b.1.len()))
                .then(a.1.cmp(b.1))
        })
        .map(|(_, c)| c)
}

mod render {
    //! Adapts an [`Error`] plus the [`SourceMap`] to miette: labels are shifted to
    //! source-local offsets, labels in other sources become related diagnostics.
    use super::*;
    use miette::{Diagnostic, LabeledSpan, NamedSource, Severity, SourceCode};
    use std::sync::Arc;

    #[derive(Debug)]
    pub struct Rendered {
        code: &'static str,
        message: String,
        help: Option<String>,
        source: Option<NamedSource<String>>,
        labels: Vec<LabeledSpan>,
        related: Vec<Rendered>,
        severity: Severity,
    }

    impl fmt::Display for Rendered {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(&self.message)
        }
    }
    impl std::error::Error for Rendered {}

    fn local(span: Span, src: &crate::syntax::span::Source) -> (usize, usize) {
        let start = span.start.saturating_sub(src.base) as usize;
        let end = (span.end.saturating_sub(src.base) as usize).min(src.text.len());
        (
            start.min(src.text.len()),
            end.max(start.min(src.text.len())) - start.min(src.text.len()),
        )
    }

    impl Rendered {
        pub fn new(err: &Error, sources: &SourceMap) -> Rendered {
            let mut primary_src: Option<Arc<crate::syntax::span::Source>> = None;
            let mut labels = Vec::new();
            for (i, label) in err.labels().iter().enumerate() {
                let Place::Span(span) = label.place else {
                    continue;
                };
                let Some(src) = sources.find(span) else {
                    continue;
                };
                if primary_src.is_none() {
                    primary_src = Some(src.clone());
                }
                let primary = primary_src.as_ref().expect("set above");
                if !Arc::ptr_eq(primary, &src) {
                    continue;
                }
                let (off, len) = local(span, &src);
                let text = (!label.text.is_empty()).then(|| label.text.clone());
                labels.push(if i == 0 {
                    LabeledSpan::new_primary_with_span(text, (off, len))
                } else {
                    LabeledSpan::new_with_span(text, (off, len))
                });
            }
            let related = err
                .calls()
                .iter()
                .filter_map(|call| {
                    let src = sources.find(call.span)?;
                    let (off, len) = local(call.span, &src);
                    Some(Rendered {
                        code: "",
                        message: match call.repeats {
                            1 => format!("in this call of `{}`", call.function),
                            n => format!("in this call of `{}` ({n} times)", call.function),
                        },
                        help: None,
                        source: Some(NamedSource::new(src.name.clone(), src.text.clone())),
                        labels: vec![LabeledSpan::new_primary_with_span(
                            Some(format!("called here: {}", call.function)),
                            (off, len),
                        )],
                        related: Vec::new(),
                        severity: Severity::Advice,
                    })
                })
                .collect();
            Rendered {
                code: err.code(),
                message: err.message().to_string(),
                help: err.help().map(str::to_string),
                source: primary_src.map(|s| {
                    NamedSource::new(s.name.clone(), s.text.clone()).with_language("physl")
                }),
                labels,
                related,
                severity: Severity::Error,
            }
        }
    }

    impl Diagnostic for Rendered {
        fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
            (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
        }
        fn severity(&self) -> Option<Severity> {
            Some(self.severity)
        }
        fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
            self.help
                .as_ref()
                .map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
        }
        fn source_code(&self) -> Option<&dyn SourceCode> {
            self.source.as_ref().map(|s| s as &dyn SourceCode)
        }
        fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
            if self.labels.is_empty() || self.source.is_none() {
                return None;
            }
            Some(Box::new(self.labels.iter().cloned()))
        }
        fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
            if self.related.is_empty() {
                return None;
            }
            Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn suggestions_fit_the_name_length() {
        assert_eq!(did_you_mean("suum", ["sum", "exp", "slice"]), Some("sum"));
        assert_eq!(did_you_mean("x", ["abc"]), None);
    }

    #[test]
    fn render_points_at_the_span() {
        let map = SourceMap::new();
        let src = map.add("t.physl", "foo(1, 2)");
        let err = Error::name("`foo` is not defined")
            .with_label(Span::new(src.base, src.base + 3), "unknown name")
            .with_help("did you mean `for`?");
        let text = err.render(&map, false, 80);
        assert!(text.contains("physl::name"), "{text}");
        assert!(text.contains("t.physl:1:1"), "{text}");
        assert!(text.contains("unknown name"), "{text}");
    }
}
