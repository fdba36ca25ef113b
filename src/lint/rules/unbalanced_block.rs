//! `QL102` unbalanced-block: a control block (IF, FOR, DO, SUB, SWITCH) not closed, or a closing clause without its opening one (the parser's diagnostic).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL102",
    name: "unbalanced-block",
    category: Category::Correctness,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "a control block (IF, FOR, DO, SUB, SWITCH) not closed, or a closing clause without its opening one",
    why: "The engine pairs IF/END IF, FOR/NEXT, DO/LOOP, SUB/END SUB and SWITCH/END SWITCH when the reload starts; an unpaired clause fails the reload (\"Unexpected END IF\") or swallows the rest of the script into the block.",
    example: "IF vFull = 1 THEN\n  Orders: LOAD * FROM [lib://QVD/Orders.qvd] (qvd);\n// END IF forgotten",
    fix: "Close the block with its matching clause, or delete the stray closing clause.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    super::report_diagnostics(view, out, &[Code::UnmatchedBlockEnd, Code::UnclosedBlock]);
}
