//! A reload's script log against the static analysis: which statements ran, and what the
//! engine really read where the script alone could not say.
//!
//! A statement is found in the log by its line numbers (never its text). One that ran
//! confirms its static edges (certainty `runtime`, the log line as evidence); a statement
//! whose path the analysis left open (a path built from `Today()`, a FOR EACH over
//! `FileList()`, a variable from a missing include) is read from the logged, already expanded
//! text, once per execution; one the log shows did not run in a finished reload has its edges
//! marked not taken in that reload.

use crate::qlik::script_log::{Outcome, ScriptLog};
use crate::syntax::ast::{LoadSource, StmtKind};

/// Whether and how a statement ran in the logged reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    /// It ran; each execution's expanded text, and the fields the engine reported.
    Yes {
        line: u32,
        executions: Vec<String>,
        fields: Option<Vec<String>>,
    },
    /// The reload finished without running it.
    No,
    /// The log cannot tell (the reload failed or the log is cut off before it).
    Unknown,
}

/// The statement on script lines `first..=last`.
pub fn ran(log: &ScriptLog, first: u32, last: u32) -> Ran {
    let executions = log.executions(first, last);
    if executions.is_empty() {
        return match log.outcome {
            Outcome::Finished => Ran::No,
            _ => Ran::Unknown,
        };
    }
    let fields = log
        .loads
        .iter()
        .find(|l| l.script_line >= first && l.script_line <= last && !l.fields.is_empty())
        .map(|l| l.fields.clone());
    let line = log
        .lines
        .iter()
        .find(|l| l.script_line >= first && l.script_line <= last)
        .map_or(first, |l| l.script_line);
    Ran::Yes {
        line,
        executions,
        fields,
    }
}

/// The file path an executed LOAD or STORE read or wrote, from its logged text.
pub fn executed_path(text: &str) -> Option<String> {
    let parsed = crate::syntax::parse_str(&format!("{text}\n;"));
    for stmt in &parsed.script.statements {
        match &stmt.kind {
            StmtKind::Load(load) => {
                let mut source = &load.source;
                // The path is at the bottom of a preceding chain.
                while let LoadSource::Preceding(below) = source {
                    match &below.kind {
                        StmtKind::Load(l) => source = &l.source,
                        _ => break,
                    }
                }
                if let LoadSource::From(from) = source {
                    return Some(from.path.text.clone());
                }
            }
            StmtKind::Store(store) => return Some(store.path.text.clone()),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qlik::script_log::parse;

    #[test]
    fn statements_ran_or_not_by_line() {
        let log = parse(
            "2026-03-02 03:00:02 0003  LOAD * FROM [lib://QVD/Orders_20260302.qvd] (qvd)\n\
             2026-03-02 03:00:03       2 fields found: OrderID, Amount, \n\
             2026-03-02 03:00:03       10 lines fetched\n\
             2026-03-02 03:00:04       Execution finished.\n",
        );
        match ran(&log, 2, 4) {
            Ran::Yes {
                line,
                executions,
                fields,
            } => {
                assert_eq!(line, 3);
                assert_eq!(
                    executed_path(&executions[0]).unwrap(),
                    "lib://QVD/Orders_20260302.qvd"
                );
                assert_eq!(fields.unwrap(), ["OrderID", "Amount"]);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(ran(&log, 8, 9), Ran::No);
        assert_eq!(
            executed_path("STORE T INTO [lib://QVD/T.qvd] (qvd)").as_deref(),
            Some("lib://QVD/T.qvd")
        );
    }
}
