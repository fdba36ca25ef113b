//! The rule registry: every rule's metadata and check, in code order. Adding a rule is one
//! file under `rules/` and one line here.

use super::rules::{self, Sink};
use super::{AppView, RuleMeta};

/// How a rule runs: over one app, or over one app with the whole estate in sight.
#[derive(Clone, Copy)]
pub enum Check {
    App(fn(&AppView, &mut Sink)),
    /// `(apps, this app's index, sink)`.
    Estate(fn(&[AppView], usize, &mut Sink)),
}

pub struct Entry {
    pub meta: &'static RuleMeta,
    pub check: Check,
}

macro_rules! registry {
    ($( $kind:ident $module:ident, )*) => {
        static ENTRIES: &[Entry] = &[
            $( Entry { meta: &rules::$module::RULE, check: Check::$kind(rules::$module::check) }, )*
        ];
    };
}

registry! {
    App syntax_error,
    App unbalanced_block,
    App next_variable_mismatch,
    App undefined_sub,
    App undefined_variable,
    App unknown_table,
    App unknown_mapping_table,
    App order_by_without_resident,
    App binary_not_first,
    App must_include_missing,
    App include_missing,
    App unreachable_after_exit,
    App unknown_function,
    App function_arity,
    App prefix_on_preceding_load,
    App load_without_source,
    App mapping_shape,
    App locale_format_in_sql,
    App unknown_field,
    App unused_variable,
    App unused_mapping_table,
    App accidental_auto_concatenation,
    App resident_self_append,
    App synthetic_key,
    App circular_reference,
    App qualify_without_unqualify,
    App deliberate_abort,
    Estate dead_qvd,
    App second_else,
    App statements_before_case,
    App field_unused_by_charts,
    App unoptimized_qvd_load,
    App select_star,
    App hardcoded_credentials,
    App unused_suppression,
    App deprecated_function,
    App qlikview_only,
    App deprecated_filters,
    App absolute_path,
    App deprecated_statement,
}

pub(super) fn entries() -> &'static [Entry] {
    ENTRIES
}

/// Every rule, in code order.
pub fn all_rules() -> impl Iterator<Item = &'static RuleMeta> {
    ENTRIES.iter().map(|e| e.meta)
}

/// The rule with this code (`QL101`), case-insensitive.
pub fn rule_by_code(code: &str) -> Option<&'static RuleMeta> {
    all_rules().find(|r| r.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for rule in all_rules() {
            assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
            assert!(rule.code.len() == 5 && rule.code.starts_with("QL"));
            assert!(rule
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'-'));
            assert!(!rule.why.is_empty() && !rule.example.is_empty() && !rule.fix.is_empty());
        }
        assert!(codes.len() >= 30);
    }
}
