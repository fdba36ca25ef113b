//! The JSON form of diagnostics: the stable `--format json` contract.

use super::{Diagnostic, Severity};
use crate::source::{FileId, SourceFile, Span};
use serde::Serialize;

/// One diagnostic as it appears in `--format json` output. Lines and columns are 1-based.
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticRecord {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    /// The id of the file the diagnostic is in (the `files` table of the output).
    pub file: u32,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// Secondary locations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<LabelRecord>,
    /// Why it matters, in Qlik terms.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// A secondary location of a diagnostic.
#[derive(Debug, Clone, Serialize)]
pub struct LabelRecord {
    pub message: String,
    pub file: u32,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// Records for diagnostics of one file (labels in other files get line 0 unless `lookup`
/// knows the file: see [`to_records_in`]).
pub fn to_records(source: &SourceFile, diagnostics: &[Diagnostic]) -> Vec<DiagnosticRecord> {
    to_records_in(|id| (id == source.id).then_some(source), diagnostics)
}

/// Records for diagnostics of many files; `lookup` gives the decoded file of an id.
pub fn to_records_in<'f>(
    lookup: impl Fn(FileId) -> Option<&'f SourceFile>,
    diagnostics: &[Diagnostic],
) -> Vec<DiagnosticRecord> {
    let place = |file: FileId, span: Span| match lookup(file) {
        Some(source) => {
            let start = source.line_col(span.start);
            let end = source.line_col(span.end);
            (start.line, start.column, end.line, end.column)
        }
        None => (0, 0, 0, 0),
    };
    diagnostics
        .iter()
        .map(|d| {
            let (line, column, end_line, end_column) = place(d.file, d.span);
            DiagnosticRecord {
                severity: d.severity,
                code: d.code.as_str(),
                message: d.message.clone(),
                file: d.file.0,
                line,
                column,
                end_line,
                end_column,
                labels: d
                    .labels
                    .iter()
                    .map(|l| {
                        let file = l.file.unwrap_or(d.file);
                        let (line, column, end_line, end_column) = place(file, l.span);
                        LabelRecord {
                            message: l.message.clone(),
                            file: file.0,
                            line,
                            column,
                            end_line,
                            end_column,
                        }
                    })
                    .collect(),
                notes: d.notes.clone(),
                help: d.help.clone(),
            }
        })
        .collect()
}
