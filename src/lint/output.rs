//! The output formats of `qlineage lint`: human (rustc style), JSON, SARIF 2.1.0, GitHub
//! workflow annotations and JUnit XML. All are written from a [`LintRun`]; none prints the
//! source text of a security finding.

mod annotations;
mod human;
mod sarif;

use serde_json::{json, Value};

pub use annotations::{github, junit};
pub use human::human;
pub use sarif::sarif;

use super::{Category, Finding, LintRun};
use crate::source::LineCol;

/// Start and end (1-based line and column) of a finding.
pub(crate) fn position(run: &LintRun, f: &Finding) -> (LineCol, LineCol) {
    match run.sources.get(&f.path) {
        Some(source) => (source.line_col(f.span.start), source.line_col(f.span.end)),
        None => (
            LineCol { line: 1, column: 1 },
            LineCol { line: 1, column: 1 },
        ),
    }
}

/// A fingerprint that survives edits elsewhere in the file: FNV-1a of the rule, the path,
/// the flagged text with blanks squeezed, and which occurrence of that text it is.
pub(crate) fn fingerprint(run: &LintRun, f: &Finding, occurrence: usize) -> String {
    let text = run
        .sources
        .get(&f.path)
        .and_then(|s| s.text.get(f.span.range()))
        .unwrap_or("");
    let squeezed: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [
        f.rule.code,
        f.path.as_str(),
        squeezed.as_str(),
        &occurrence.to_string(),
    ] {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// Fingerprints of every finding, in order (occurrences counted per rule, path and text).
pub(crate) fn fingerprints(run: &LintRun) -> Vec<String> {
    let mut counts = std::collections::HashMap::new();
    run.findings
        .iter()
        .map(|f| {
            let text = run
                .sources
                .get(&f.path)
                .and_then(|s| s.text.get(f.span.range()))
                .unwrap_or("")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let n = counts
                .entry((f.rule.code, f.path.clone(), text))
                .or_insert(0usize);
            *n += 1;
            fingerprint(run, f, *n)
        })
        .collect()
}

/// The JSON document (`docs/lint.md` documents it; `version` changes on a breaking change).
pub fn json(run: &LintRun, failed: bool) -> Value {
    let fingerprints = fingerprints(run);
    let findings: Vec<Value> = run
        .findings
        .iter()
        .zip(&fingerprints)
        .map(|(f, fp)| {
            let (start, end) = position(run, f);
            let mut v = json!({
                "code": f.rule.code,
                "name": f.rule.name,
                "category": f.rule.category.as_str(),
                "severity": f.severity,
                "message": f.message,
                "app": f.app,
                "path": f.path,
                "line": start.line,
                "column": start.column,
                "end_line": end.line,
                "end_column": end.column,
                "fingerprint": fp,
            });
            if !f.notes.is_empty() {
                v["notes"] = json!(f.notes);
            }
            if let Some(help) = &f.help {
                v["help"] = json!(help);
            }
            v
        })
        .collect();
    let count = |s: super::Severity| run.findings.iter().filter(|f| f.severity == s).count();
    json!({
        "version": 1,
        "findings": findings,
        "summary": {
            "apps": run.apps,
            "files": run.sources.len(),
            "errors": count(super::Severity::Error),
            "warnings": count(super::Severity::Warning),
            "infos": count(super::Severity::Info),
            "failed": failed,
        }
    })
}

/// Whether a finding's source text may be shown (never for security findings: they point at
/// secrets).
pub(crate) fn may_quote(f: &Finding) -> bool {
    f.rule.category != Category::Security
}
