//! The rules, one per file. Each file holds `RULE` (code, name, category, severity, stability
//! and the docs `qlineage rules` prints) and `check`, which reads the shared [`AppView`] and
//! reports into a [`Sink`].

pub mod absolute_path;
pub mod accidental_auto_concatenation;
pub mod binary_not_first;
pub mod circular_reference;
pub mod dead_qvd;
pub mod deliberate_abort;
pub mod deprecated_filters;
pub mod deprecated_function;
pub mod deprecated_statement;
pub mod field_unused_by_charts;
pub mod function_arity;
pub mod hardcoded_credentials;
pub mod include_missing;
pub mod load_without_source;
pub mod locale_format_in_sql;
pub mod mapping_shape;
pub mod must_include_missing;
pub mod next_variable_mismatch;
pub mod order_by_without_resident;
pub mod prefix_on_preceding_load;
pub mod qlikview_only;
pub mod qualify_without_unqualify;
pub mod resident_self_append;
pub mod second_else;
pub mod select_star;
pub mod statements_before_case;
pub mod syntax_error;
pub mod synthetic_key;
pub mod unbalanced_block;
pub mod undefined_sub;
pub mod undefined_variable;
pub mod unknown_field;
pub mod unknown_function;
pub mod unknown_mapping_table;
pub mod unknown_table;
pub mod unoptimized_qvd_load;
pub mod unreachable_after_exit;
pub mod unused_mapping_table;
pub mod unused_suppression;
pub mod unused_variable;

use crate::diagnostics::{Code, Diagnostic};
use crate::semantic::model::FileId;
use crate::source::Span;

use super::{Finding, RuleMeta, Severity};

/// What every rule file imports.
mod prelude {
    pub use super::super::{AppView, Category, RuleMeta, Severity, Stability};
    pub use super::Sink;
    pub use crate::diagnostics::Code;
    pub use crate::source::Span;
    pub use crate::syntax::ast::{Stmt, StmtKind};
}

/// Where a rule reports. The driver makes one per rule and app; the severity is the rule's
/// default until the configuration overrides it.
pub struct Sink<'r> {
    rule: &'static RuleMeta,
    options: Option<&'r toml::Table>,
    findings: &'r mut Vec<Finding>,
}

impl<'r> Sink<'r> {
    pub(super) fn new(
        rule: &'static RuleMeta,
        options: Option<&'r toml::Table>,
        findings: &'r mut Vec<Finding>,
    ) -> Self {
        Sink {
            rule,
            options,
            findings,
        }
    }

    /// Reports a finding at `span` of `file`; the returned finding takes notes and help.
    pub fn report(&mut self, file: FileId, span: Span, message: impl Into<String>) -> &mut Finding {
        self.findings.push(Finding {
            rule: self.rule,
            severity: self.rule.severity,
            app: String::new(),
            path: String::new(),
            file,
            span,
            message: message.into(),
            notes: Vec::new(),
            help: None,
        });
        self.findings.last_mut().expect("just pushed")
    }

    /// A list-of-strings option of this rule from `qlineage.toml` (`[lint.rules.<name>]`).
    pub fn option_strings(&self, key: &str) -> Vec<String> {
        self.options
            .and_then(|t| t.get(key))
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Finding {
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }

    pub fn note(&mut self, note: impl Into<String>) -> &mut Self {
        self.notes.push(note.into());
        self
    }

    pub fn severity(&mut self, severity: Severity) -> &mut Self {
        self.severity = severity;
        self
    }
}

/// The resolver's or parser's diagnostics with one of `codes`, in order.
pub(super) fn diagnostics_with<'v>(
    view: &'v super::AppView,
    codes: &'v [Code],
) -> impl Iterator<Item = (FileId, &'v Diagnostic)> + 'v {
    view.diagnostics
        .iter()
        .filter(move |d| codes.contains(&d.diagnostic.code))
        .map(|d| (d.file, &d.diagnostic))
}

/// Reports each diagnostic with one of `codes` as a finding of the rule, with its message,
/// notes and help.
pub(super) fn report_diagnostics(view: &super::AppView, out: &mut Sink, codes: &[Code]) {
    for (file, d) in diagnostics_with(view, codes) {
        let finding = out.report(file, d.span, d.message.clone());
        finding.notes = d.notes.clone();
        finding.help = d.help.clone();
    }
}

/// The first `` `…` `` of a message: the name the resolver's diagnostics quote.
pub(super) fn quoted_name(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}
