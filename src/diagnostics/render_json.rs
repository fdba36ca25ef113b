//! The JSON form of diagnostics: the stable `--format json` contract.

use super::{Diagnostic, Severity};
use crate::source::SourceFile;
use serde::Serialize;

/// One diagnostic as it appears in `--format json` output. Lines and columns are 1-based.
#[derive(Debug, Clone, Serialize)]
pub struct DiagnosticRecord {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

pub fn to_records(source: &SourceFile, diagnostics: &[Diagnostic]) -> Vec<DiagnosticRecord> {
    diagnostics
        .iter()
        .map(|d| {
            let start = source.line_col(d.span.start);
            let end = source.line_col(d.span.end);
            DiagnosticRecord {
                severity: d.severity,
                code: d.code.as_str(),
                message: d.message.clone(),
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
            }
        })
        .collect()
}
