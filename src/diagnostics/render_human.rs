//! rustc-style rendering: `error[QS101]: message`, `--> file:line:col`, and a source excerpt.

use super::{Diagnostic, Severity};
use crate::source::SourceFile;
use annotate_snippets::{Level, Renderer, Snippet};

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Note,
    }
}

/// Renders one diagnostic. Only the lines the labels touch are handed to the renderer, so the
/// cost does not grow with the file size.
pub fn render_human(source: &SourceFile, diagnostic: &Diagnostic, color: bool) -> String {
    let mut spans = vec![diagnostic.span];
    spans.extend(diagnostic.labels.iter().map(|l| l.span));
    let first_line = spans
        .iter()
        .map(|s| source.line_index(s.start))
        .min()
        .unwrap_or(0);
    let last_line = spans
        .iter()
        .map(|s| source.line_index(s.end))
        .max()
        .unwrap_or(0)
        .min(first_line + 12);
    let start = source.line_range(first_line).start;
    let end = source.line_range(last_line).end;
    let excerpt = &source.text[start..end];
    let clip = |span: crate::source::Span| {
        let s = (span.start as usize).clamp(start, end) - start;
        let e = (span.end as usize).clamp(start, end) - start;
        s..e.max(s)
    };
    let lvl = level(diagnostic.severity);
    let mut snippet = Snippet::source(excerpt)
        .line_start(first_line + 1)
        .origin(&source.path)
        .fold(false)
        .annotation(lvl.span(clip(diagnostic.span)).label(""));
    for label in &diagnostic.labels {
        snippet = snippet.annotation(Level::Info.span(clip(label.span)).label(&label.message));
    }
    let mut message = lvl
        .title(&diagnostic.message)
        .id(diagnostic.code.as_str())
        .snippet(snippet);
    for note in &diagnostic.notes {
        message = message.footer(Level::Note.title(note));
    }
    if let Some(help) = &diagnostic.help {
        message = message.footer(Level::Help.title(help));
    }
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let rendered = renderer.render(message).to_string();
    rendered
}
