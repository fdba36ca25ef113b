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
    summary: "`$(…)` of a variable that no path sets before it is expanded",
    why: "Qlik expands a variable that does not exist to an empty text, silently: a path loses a folder, a WHERE loses its value and the statement fails or loads something else.",
    example: "LET vYear = Year(Today());\nOrders: LOAD * FROM [lib://QVD/Orders_$(vYaer).qvd] (qvd);",
    fix: "SET or LET the variable before the statement (on every path through IF and SWITCH), or fix the name.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    let set = super::unused_variable::assigned(view);
    for (file, d) in super::diagnostics_with(view, &[Code::UndefinedVariable]) {
        let finding = out.report(file, d.span, d.message.clone());
        finding.notes = d.notes.clone();
        let name = super::quoted_name(&d.message).unwrap_or("");
        match suggest(name, set.iter().map(|(_, _, n)| *n)) {
            Some(near) => {
                finding.help(format!("did you mean `{near}`?"));
            }
            None => finding.help = d.help.clone(),
        }
    }
}
