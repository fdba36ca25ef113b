//! `QL101` syntax-error: a statement the parser cannot read (the parser's diagnostics).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL101",
    name: "syntax-error",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "a statement or token the engine's parser rejects",
    why: "A statement the engine cannot read fails the reload when it is reached (\"Syntax error, unexpected …\"), after all the work before it, and the script editor flags it. Qlik's own syntax check needs a server and an app; this runs in CI.",
    example: "Orders:\nLOAD OrderID, Amount\nFROM [lib://QVD/Orders.qvd] (qvd)\nWHERE Amount > ;",
    fix: "Correct the statement at the location shown; the message says what the parser expected.",
};

/// The parser's codes for text it cannot read (block structure and the other parser findings
/// have rules of their own).
const CODES: &[Code] = &[
    Code::UnterminatedString,
    Code::UnterminatedName,
    Code::UnterminatedComment,
    Code::UnterminatedDollar,
    Code::UnexpectedCharacter,
    Code::TooLarge,
    Code::SyntaxError,
    Code::MissingSemicolon,
    Code::UnknownFormatItem,
    Code::PrefixNotAllowed,
    Code::NestingTooDeep,
];

pub fn check(view: &AppView, out: &mut Sink) {
    let aborts = super::deliberate_abort::abort_statements(view);
    for (file, d) in super::diagnostics_with(view, CODES) {
        let deliberate = d.code == Code::SyntaxError
            && aborts
                .iter()
                .any(|(f, span, _)| *f == file && span.contains(d.span));
        // A QlikView XML parameter Qlik still reads: deprecated-statement reports it.
        let deprecated = d.code == Code::UnknownFormatItem
            && super::quoted_name(&d.message)
                .is_some_and(super::deprecated_statement::is_pattern_is_path);
        if deliberate || deprecated {
            continue;
        }
        let finding = out.report(file, d.span, d.message.clone());
        finding.severity(d.severity);
        finding.notes = d.notes.clone();
        finding.help = d.help.clone();
    }
}
