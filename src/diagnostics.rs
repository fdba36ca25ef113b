//! One diagnostic type for every stage, and its renderers.
//!
//! Problems in the user's input are diagnostics, never `Err` and never a panic. Offsets are bytes;
//! line and column appear only in the renderers.

mod code;
mod render_human;
mod render_json;

pub use code::Code;
pub use render_human::render_human;
pub use render_json::{to_records, to_records_in, DiagnosticRecord, LabelRecord};

use crate::source::{FileId, Span};
use serde::Serialize;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// A secondary location with a short message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    /// The label's file, when not the diagnostic's own (an include, the statement a
    /// macro came from).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<FileId>,
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// What is wrong: short, no trailing period.
    pub message: String,
    /// The file `span` points into (see [`crate::source::FileTable`]).
    pub file: FileId,
    /// Where: the primary location.
    pub span: Span,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<Label>,
    /// Why it matters, in Qlik terms.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic with the code's default severity.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            file: FileId::default(),
            span,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file: None,
            span,
            message: message.into(),
        });
        self
    }

    /// A secondary location in another file.
    pub fn with_label_in(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file: Some(file),
            span,
            message: message.into(),
        });
        self
    }

    /// The same diagnostic attributed to `file`.
    pub fn in_file(mut self, file: FileId) -> Self {
        self.file = file;
        self
    }

    /// Moves every span by `delta` bytes (for a text parsed on its own that stands at `delta`
    /// in its file).
    pub fn shifted(mut self, delta: u32) -> Self {
        let shift = |s: &mut Span| {
            s.start += delta;
            s.end += delta;
        };
        shift(&mut self.span);
        for label in &mut self.labels {
            if label.file.is_none() {
                shift(&mut label.span);
            }
        }
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
