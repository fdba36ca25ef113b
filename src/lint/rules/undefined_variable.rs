//! `QL105` undefined-variable: `$(…)` of a variable no path sets before it (the resolver's
//! QM001), with the closest variable name the script sets.

use super::prelude::*;
use crate::lint::similar::suggest;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL105",
    name: "undefined-variable",
    category: Category::Correctness,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "`$(…)` of a variable that no path of the script sets",
    why: "Qlik expands a variable that does not exist to an empty text, silently: a path loses a folder, a WHERE loses its value and the statement fails or loads something else.",
    example: "LET vYear = Year(Today());\nOrders: LOAD * FROM [lib://QVD/Orders_$(vYaer).qvd] (qvd);",
    fix: "SET or LET the variable before the statement (on every path through IF and SWITCH), or fix the name.",
};

/// `IF Len('$(v)') = 0 THEN`, `SWITCH '$(v)'`, `LET x = If('$(v)' = '', …)`: testing whether
/// a variable exists is the point, not a mistake.
fn is_existence_test(view: &AppView, file: u32, span: Span) -> bool {
    let Some(source) = view.source(file) else {
        return false;
    };
    let bytes = source.text.as_bytes();
    let quoted = span.start > 0
        && bytes.get(span.start as usize - 1) == Some(&b'\'')
        && bytes.get(span.end as usize) == Some(&b'\'');
    let line = &source.text[source.line_range(source.line_index(span.start))];
    let first = line
        .trim_start()
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    quoted
        && matches!(
            first.as_str(),
            "if" | "elseif" | "switch" | "case" | "let" | "set"
        )
}

pub fn check(view: &AppView, out: &mut Sink) {
    let set = super::unused_variable::assigned(view);
    for (file, d) in super::diagnostics_with(view, &[Code::UndefinedVariable]) {
        let name = super::quoted_name(&d.message).unwrap_or("");
        // Set on some path: earlier in the same file, or in another file (an include whose
        // order against this one the model does not keep). Never set on any path is the rule.
        let set_somewhere = set
            .iter()
            .any(|(f, at, n)| *n == name && (*f != file || at.start < d.span.start));
        if set_somewhere || is_existence_test(view, file, d.span) {
            continue;
        }
        let finding = out.report(file, d.span, d.message.clone());
        finding.notes = d.notes.clone();
        match suggest(name, set.iter().map(|(_, _, n)| *n)) {
            Some(near) => {
                finding.help(format!("did you mean `{near}`?"));
            }
            None => finding.help = d.help.clone(),
        }
    }
}
