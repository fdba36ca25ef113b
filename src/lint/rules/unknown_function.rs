//! `QL113` unknown-function: a call of a function the engine's grammar does not have, or a
//! chart-only function in the load script.

use super::prelude::*;
use crate::lint::similar::suggest;
use crate::syntax::grammar_tables::{all_functions, function, FunctionContext};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL113",
    name: "unknown-function",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "a function the load script does not have",
    why: "The engine fails the reload on an unknown function (\"Unknown function\"). Chart functions such as `Above` or `Column` exist only in chart expressions. The list is the engine's own grammar (`grammar/functions.tsv`).",
    example: "Orders: LOAD OrderID, Upr(Customer) AS Customer FROM [lib://QVD/Orders.qvd] (qvd);",
    fix: "Correct the name (see the suggestion), or compute the value another way in the script.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    for call in &view.calls {
        // `$(vFn(x))` and extension functions (`Plugin.Fn`) are not the grammar's.
        if call.name.contains("$(") || call.name.contains('.') {
            continue;
        }
        match function(&call.name) {
            Some(info) if info.context == FunctionContext::Chart => {
                out.report(
                    call.file,
                    call.name_span,
                    format!("`{}` is a chart function: the load script does not have it", info.name),
                )
                .help("compute it in the script with Peek()/Previous() or a RESIDENT load, or move it to a chart");
            }
            Some(_) => {}
            None => {
                let finding = out.report(
                    call.file,
                    call.name_span,
                    format!("unknown function `{}`", call.name),
                );
                finding.note("the reload fails with \"Unknown function\"");
                let names = all_functions()
                    .filter(|f| f.context != FunctionContext::Chart)
                    .map(|f| f.name);
                if let Some(near) = suggest(&call.name, names) {
                    finding.help(format!("did you mean `{near}`?"));
                }
            }
        }
    }
}
