//! `QL114` function-arity: a known function called with too few or too many arguments.

use super::prelude::*;
use crate::syntax::grammar_tables::function;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL114",
    name: "function-arity",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "a function called with a wrong number of arguments",
    why: "The engine checks argument counts against its grammar and fails the reload on a mismatch; the counts here come from the engine's own grammar dump.",
    example: "Orders: LOAD OrderID, Left(Customer) AS Initial FROM [lib://QVD/Orders.qvd] (qvd);",
    fix: "Pass the arguments the function takes (the message gives the accepted range).",
};

pub fn check(view: &AppView, out: &mut Sink) {
    for call in &view.calls {
        let Some(info) = function(&call.name) else {
            continue;
        };
        let too_few = call.args < info.min_args;
        let too_many = info.max_args.is_some_and(|max| call.args > max);
        if !(too_few || too_many) {
            continue;
        }
        let expected = match info.max_args {
            Some(max) if max == info.min_args => format!("{max}"),
            Some(max) => format!("{} to {max}", info.min_args),
            None => format!("at least {}", info.min_args),
        };
        out.report(
            call.file,
            call.span,
            format!(
                "`{}` takes {expected} argument{}, {} given",
                info.name,
                if expected == "1" { "" } else { "s" },
                call.args
            ),
        )
        .note("the reload fails on a wrong argument count");
    }
}
