//! `QL104` undefined-sub: CALL of a SUB no file of the app defines (the resolver's QM202),
//! with the closest SUB name.

use super::prelude::*;
use crate::lint::similar::suggest;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL104",
    name: "undefined-sub",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "CALL of a SUB that is not defined",
    why: "CALL of an unknown SUB fails the reload. It usually means a typo in the name or an include that defines the SUB was not read.",
    example: "SUB LoadCalendar\n  TRACE calendar;\nEND SUB\nCALL LoadCalender;",
    fix: "Correct the name, or include the file that defines the SUB before the CALL.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    let subs: Vec<&str> = view
        .stmts
        .iter()
        .filter_map(|s| match &s.stmt.kind {
            StmtKind::Sub(sub) => Some(sub.name.text.as_str()),
            _ => None,
        })
        .collect();
    for (file, d) in super::diagnostics_with(view, &[Code::UnknownSub]) {
        let called = view
            .stmts
            .iter()
            .find_map(|s| match &s.stmt.kind {
                StmtKind::Call(call) if s.file == file && s.stmt.span == d.span => {
                    Some(call.name.text.to_string())
                }
                _ => None,
            })
            .or_else(|| {
                d.message
                    .strip_prefix("CALL ")
                    .and_then(|m| m.split(':').next())
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let finding = out.report(file, d.span, d.message.clone());
        finding.note("the reload fails at this CALL");
        // SUB names are not case-sensitive: only a different spelling is worth suggesting.
        if let Some(near) = suggest(&called, subs.iter().copied()) {
            finding.help(format!("did you mean `{near}`?"));
        } else {
            finding.help("define the SUB, or include the file that defines it, before the CALL");
        }
    }
}
