//! `QL605` deprecated-statement: script statements and statement parameters Qlik documents as
//! not recommended in Qlik Sense ("Functions and statements not recommended in Qlik Sense"),
//! other than those `qlikview-only` (COMMAND) and `deprecated-filters` (`filters(…)`) flag.

use super::prelude::*;
use crate::syntax::ast::{
    BufferOption, ConnectKind, FileType, FormatItem, FormatSpec, LoadSource, Prefix,
};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL605",
    name: "deprecated-statement",
    category: Category::Compatibility,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a statement or statement parameter Qlik Sense does not recommend",
    why: "Qlik's help page \"Functions and statements not recommended in Qlik Sense\" (https://help.qlik.com/en-US/sense/November2025/Subsystems/Hub/Content/Sense_Hub/Scripting/functions-statements-not-recommended.htm) lists statements and parameters that still run for compatibility but \"may be removed in coming versions\": the `CustomConnect` statement (use `Custom Connect`), the BUFFER options `Inc` and `Incr` (use `Incremental`), and the LOAD parameters QlikView's file wizards generate, among them the XML ones `XmlSax` and `Pattern is Path`. `COMMAND` (same page) is flagged by `qlikview-only`, and `filters(…)`, which holds the other wizard keywords, by `deprecated-filters`.",
    example: "CUSTOMCONNECT TO \"Provider=QvRestConnector.exe;url=https://example.org\";\nOrders: BUFFER (Incr) LOAD * FROM [lib://Data/orders.csv] (txt, embedded labels);",
    fix: "Write `CUSTOM CONNECT TO` (or better, `LIB CONNECT TO` a data connection), `BUFFER (Incremental)`, and load XML with `(XmlSimple, Table is [path])`.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    for s in &view.stmts {
        for prefix in &s.stmt.prefixes {
            let Prefix::Buffer(buffer) = prefix else {
                continue;
            };
            for option in &buffer.options {
                let BufferOption::Incremental(span) = option else {
                    continue;
                };
                let word = view.text(s.file, *span).trim();
                if !word.eq_ignore_ascii_case("incremental") {
                    out.report(
                        s.file,
                        *span,
                        format!("BUFFER option `{word}` is not recommended in Qlik Sense"),
                    )
                    .help("write `Incremental`");
                }
            }
        }
        match &s.stmt.kind {
            StmtKind::Connect(c) if c.kind == ConnectKind::Custom => {
                let text = view.text(s.file, s.stmt.span);
                let word = text.trim_start().get(..13).unwrap_or("");
                if word.eq_ignore_ascii_case("customconnect") {
                    let start = s.stmt.span.start as usize + (text.len() - text.trim_start().len());
                    out.report(
                        s.file,
                        Span::new(start, start + 13),
                        "`CustomConnect` is not recommended in Qlik Sense",
                    )
                    .help(
                        "write `CUSTOM CONNECT TO`, or use a data connection with `LIB CONNECT TO`",
                    );
                }
            }
            StmtKind::Load(load) => {
                if let LoadSource::From(from) = &load.source {
                    format_items(s.file, from.format.as_ref(), out);
                }
            }
            _ => {}
        }
    }
}

/// `XmlSax` and `Pattern is Path` in a file's format specification.
fn format_items(file: u32, format: Option<&FormatSpec>, out: &mut Sink) {
    for item in format.iter().flat_map(|f| &f.items) {
        match item {
            FormatItem::FileType(w) if w.word == FileType::XmlSax => {
                out.report(
                    file,
                    w.span,
                    "the `XmlSax` format is not recommended in Qlik Sense",
                )
                .help("load XML with `XmlSimple`");
            }
            FormatItem::Unknown(raw) if is_pattern_is_path(&raw.text) => {
                out.report(
                    file,
                    raw.span,
                    "`Pattern is Path` is not recommended in Qlik Sense",
                )
                .help("load XML with `XmlSimple` and `Table is [path]`");
            }
            _ => {}
        }
    }
}

/// `Pattern is Path` (any case and spacing): a QlikView XML wizard parameter the parser keeps
/// as an unknown format item.
pub(super) fn is_pattern_is_path(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.len() == 3
        && words[0].eq_ignore_ascii_case("pattern")
        && words[1].eq_ignore_ascii_case("is")
        && words[2].eq_ignore_ascii_case("path")
}
