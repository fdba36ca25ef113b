//! rustc-style findings: `warning[QL302]: message`, the location, the source excerpt (never
//! for security findings), the rule name and a help line; then a summary line.

use annotate_snippets::{Level, Renderer, Snippet};

use super::super::{Finding, LintRun, Severity};
use super::{may_quote, position};

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Note,
    }
}

fn one(run: &LintRun, f: &Finding, color: bool) -> String {
    let lvl = level(f.severity);
    let title = format!("{} [{}]", f.message, f.rule.name);
    let (start, _) = position(run, f);
    let mut notes: Vec<String> = f.notes.clone();
    let source = run.sources.get(&f.path).filter(|_| may_quote(f));
    if source.is_none() {
        notes.insert(0, format!("at {}:{}:{}", f.path, start.line, start.column));
    }
    let excerpt = source.map(|source| {
        let first = source.line_index(f.span.start);
        let last = source.line_index(f.span.end).min(first + 12);
        let from = source.line_range(first).start;
        let to = source.line_range(last).end;
        let clip = |p: u32| (p as usize).clamp(from, to) - from;
        let range = clip(f.span.start)..clip(f.span.end).max(clip(f.span.start));
        (&source.text[from..to], first + 1, range)
    });
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut message = lvl.title(&title).id(f.rule.code);
    if let Some((text, line, range)) = excerpt {
        message = message.snippet(
            Snippet::source(text)
                .line_start(line)
                .origin(&f.path)
                .fold(false)
                .annotation(lvl.span(range).label("")),
        );
    }
    for note in &notes {
        message = message.footer(Level::Note.title(note));
    }
    if let Some(help) = &f.help {
        message = message.footer(Level::Help.title(help));
    }
    let rendered = renderer.render(message).to_string();
    rendered
}

/// Every finding, then `N errors, M warnings in K files`.
pub fn human(run: &LintRun, color: bool) -> String {
    let mut out = String::new();
    for f in &run.findings {
        out.push_str(&one(run, f, color));
        out.push_str("\n\n");
    }
    let count = |s: Severity| run.findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "{}, {}, {} in {}\n",
        plural(count(Severity::Error), "error"),
        plural(count(Severity::Warning), "warning"),
        plural(count(Severity::Info), "info"),
        plural(run.sources.len(), "file"),
    ));
    out
}
