//! CI formats: GitHub workflow commands (`::error file=…::message`) and JUnit XML (one test
//! case per file, one failure per finding).

use std::collections::BTreeMap;

use super::super::{LintRun, Severity};
use super::position;

/// Escapes a workflow command's message (`%`, CR, LF).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (also `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error|warning|notice …::message` line per finding.
pub fn github(run: &LintRun) -> String {
    let mut out = String::new();
    for f in &run.findings {
        let (start, end) = position(run, f);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(&f.path),
            start.line,
            start.column,
            end.line.max(start.line),
            end.column,
            escape_property(&format!("{} {}", f.rule.code, f.rule.name)),
            escape_data(&message),
        ));
    }
    out
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: a test suite, one test case per file read (passing when it has no finding).
pub fn junit(run: &LintRun) -> String {
    let mut by_file: BTreeMap<&str, Vec<usize>> = run
        .sources
        .keys()
        .map(|p| (p.as_str(), Vec::new()))
        .collect();
    for (i, f) in run.findings.iter().enumerate() {
        by_file.entry(f.path.as_str()).or_default().push(i);
    }
    let failures = by_file.values().filter(|v| !v.is_empty()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"qlineage lint\" tests=\"{}\" failures=\"{}\" errors=\"0\">\n  <testsuite name=\"qlineage lint\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">\n",
        by_file.len(), failures, by_file.len(), failures
    ));
    for (path, indexes) in &by_file {
        out.push_str(&format!(
            "    <testcase classname=\"qlineage.lint\" name=\"{}\"",
            xml(path)
        ));
        if indexes.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        for &i in indexes {
            let f = &run.findings[i];
            let (start, _) = position(run, f);
            let mut body = format!(
                "{}:{}:{}: {} [{}]",
                f.path, start.line, start.column, f.message, f.rule.name
            );
            if let Some(help) = &f.help {
                body.push_str(&format!("\nhelp: {help}"));
            }
            out.push_str(&format!(
                "      <failure type=\"{} {}\" message=\"{}\">{}</failure>\n",
                f.rule.code,
                f.rule.name,
                xml(&f.message),
                xml(&body)
            ));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50%\nx"), "50%25%0Ax");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(xml("<a & 'b'>"), "&lt;a &amp; &apos;b&apos;&gt;");
    }
}
