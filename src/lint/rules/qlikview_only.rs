//! `QL602` qlikview-only: statements and prefixes QlikView has and Qlik Sense does not.

use super::prelude::*;
use crate::syntax::ast::{Prefix, RawKind};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL602",
    name: "qlikview-only",
    category: Category::Compatibility,
    severity: Severity::Error,
    stability: Stability::Stable,
    summary: "a QlikView-only statement or prefix in a Qlik Sense script",
    why: "Qlik Sense's script language dropped BUNDLE, INFO (images and info files for the QlikView client), INPUTFIELD (QlikView input fields) and COMMAND (QlikView's name for SQL pass-through): a migrated script that keeps them fails to reload.",
    example: "Info LOAD ProductID, ImagePath FROM [lib://Data/images.csv] (txt);",
    fix: "Delete BUNDLE/INFO loads (serve images with an extension or a URL field), replace INPUTFIELD with a write-back solution, and write COMMAND as SQL.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    for s in &view.stmts {
        for prefix in &s.stmt.prefixes {
            let word = match prefix {
                Prefix::Bundle(_) => "BUNDLE",
                Prefix::Info(_) => "INFO",
                _ => continue,
            };
            out.report(
                s.file,
                prefix.span(),
                format!("{word} is QlikView-only: Qlik Sense does not have it"),
            )
            .help("delete it: Qlik Sense apps show images through extensions or URL fields");
        }
        if let StmtKind::Raw(r) = &s.stmt.kind {
            let (word, help) = match r.kind {
                RawKind::InputField => (
                    "INPUTFIELD",
                    "Qlik Sense has no input fields: use a write-back extension",
                ),
                RawKind::Command => ("COMMAND", "write it as `SQL …`"),
                _ => continue,
            };
            out.report(
                s.file,
                s.stmt.span,
                format!("{word} is QlikView-only: Qlik Sense does not have it"),
            )
            .help(help);
        }
    }
}
