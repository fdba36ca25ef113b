//! SARIF 2.1.0 for code-scanning tools (GitHub code scanning among them): the rules with their
//! help, results with relative URIs against `%SRCROOT%`, and stable partial fingerprints.

use serde_json::{json, Value};

use super::super::{all_rules, LintRun, RuleMeta, Severity};
use super::{fingerprints, position};

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(rule: &RuleMeta) -> Value {
    let markdown = format!(
        "{}\n\n**Why:** {}\n\n**Example:**\n\n```\n{}\n```\n\n**Fix:** {}",
        rule.summary, rule.why, rule.example, rule.fix
    );
    json!({
        "id": rule.code,
        "name": rule.name,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.why },
        "help": { "text": format!("{} Fix: {}", rule.why, rule.fix), "markdown": markdown },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": { "tags": [rule.category.as_str()] },
    })
}

/// A path as a relative URI reference (forward slashes, spaces and reserved bytes escaped).
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn sarif(run: &LintRun) -> Value {
    let rules: Vec<&RuleMeta> = all_rules().collect();
    let fingerprints = fingerprints(run);
    let results: Vec<Value> = run
        .findings
        .iter()
        .zip(&fingerprints)
        .map(|(f, fp)| {
            let (start, end) = position(run, f);
            let index = rules.iter().position(|r| r.code == f.rule.code).unwrap_or(0);
            let mut text = f.message.clone();
            if let Some(help) = &f.help {
                text.push_str(&format!(" (help: {help})"));
            }
            json!({
                "ruleId": f.rule.code,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": { "text": text },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.path), "uriBaseId": "%SRCROOT%" },
                        "region": {
                            "startLine": start.line,
                            "startColumn": start.column,
                            "endLine": end.line.max(start.line),
                            "endColumn": if end.line > start.line { end.column } else { end.column.max(start.column) },
                        }
                    }
                }],
                "partialFingerprints": { "qlineageFingerprint/v1": fp },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "qlineage",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|r| rule(r)).collect::<Vec<_>>(),
            }},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "the folder qlineage lint ran in" } } },
            "results": results,
        }]
    })
}
