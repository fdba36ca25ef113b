//! The keyword and function tables of `grammar/`, compiled in.
//!
//! `grammar/keywords.tsv` and `grammar/functions.tsv` are generated from the engine's own
//! grammar dump (see grammar/README.md). The parser uses the keyword roles to know which words
//! start statements (its "missing `;`" recovery) and the function table to tell aggregations
//! (which take set expressions) from other functions; the linter and resolver will use the rest
//! (arity, name-taking arguments).

use std::collections::HashMap;
use std::sync::OnceLock;

const KEYWORDS: &str = include_str!("../../grammar/keywords.tsv");
const FUNCTIONS: &str = include_str!("../../grammar/functions.tsv");

/// Where a function may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionContext {
    Script,
    Chart,
    Both,
}

/// One row of `grammar/functions.tsv`.
#[derive(Debug, Clone)]
pub struct FunctionInfo {
    /// As Qlik spells it (`ApplyMap`, `Date#`).
    pub name: &'static str,
    pub min_args: usize,
    /// `None` for variadic functions.
    pub max_args: Option<usize>,
    pub category: &'static str,
    pub context: FunctionContext,
    /// Accepts DISTINCT, TOTAL and set expressions in charts.
    pub aggregation: bool,
    pub deprecated: bool,
    /// Takes table, field or mapping names as string arguments (`ApplyMap('Map', …)`).
    pub takes_names: bool,
    /// Takes file paths as arguments (`QvdCreateTime(path)`).
    pub takes_files: bool,
}

fn functions() -> &'static HashMap<String, FunctionInfo> {
    static TABLE: OnceLock<HashMap<String, FunctionInfo>> = OnceLock::new();
    TABLE.get_or_init(|| {
        FUNCTIONS
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .filter_map(|line| {
                let cols: Vec<&'static str> = line.split('\t').collect();
                let [name, min, max, category, context, flags] = cols[..] else {
                    return None;
                };
                let flags: Vec<&str> = flags.split(',').collect();
                let info = FunctionInfo {
                    name,
                    min_args: min.parse().ok()?,
                    max_args: max.parse().ok(),
                    category,
                    context: match context {
                        "script" => FunctionContext::Script,
                        "chart" => FunctionContext::Chart,
                        _ => FunctionContext::Both,
                    },
                    aggregation: flags.contains(&"aggr"),
                    deprecated: flags.contains(&"deprecated"),
                    takes_names: flags.contains(&"name-args"),
                    takes_files: flags.contains(&"file-args"),
                };
                Some((name.to_ascii_lowercase(), info))
            })
            .collect()
    })
}

/// Looks a function up by name, case-insensitively.
pub fn function(name: &str) -> Option<&'static FunctionInfo> {
    functions().get(&name.to_ascii_lowercase())
}

/// Every function in the table.
pub fn all_functions() -> impl Iterator<Item = &'static FunctionInfo> {
    functions().values()
}

fn keyword_roles() -> &'static HashMap<String, Vec<&'static str>> {
    static TABLE: OnceLock<HashMap<String, Vec<&'static str>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        KEYWORDS
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once('\t'))
            .map(|(word, roles)| (word.to_ascii_lowercase(), roles.split(',').collect()))
            .collect()
    })
}

/// The roles of a keyword (`statement`, `control`, `prefix`, `clause`, `format`, `operator`,
/// `set`, `other`), case-insensitively; empty for a word that is no keyword.
pub fn keyword_roles_of(word: &str) -> &'static [&'static str] {
    keyword_roles()
        .get(&word.to_ascii_lowercase())
        .map_or(&[], Vec::as_slice)
}

/// Prefix words that can stand first in a statement (the table's `prefix` role also holds
/// words that only occur inside a prefix, such as `On` or `Stale`).
pub(crate) const LEADING_PREFIXES: &[&str] = &[
    "add",
    "buffer",
    "bundle",
    "concatenate",
    "crosstable",
    "first",
    "generic",
    "hierarchy",
    "hierarchybelongsto",
    "info",
    "inner",
    "intervalmatch",
    "join",
    "keep",
    "left",
    "mapping",
    "merge",
    "noconcatenate",
    "outer",
    "replace",
    "right",
    "sample",
    "semantic",
    "unless",
    "when",
];

/// True for words that begin a statement: statement heads, control clauses and the prefixes
/// that can come first.
pub fn starts_statement(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    let roles = keyword_roles_of(word);
    (roles.iter().any(|r| matches!(*r, "statement" | "control"))
        && !matches!(lower.as_str(), "each" | "script" | "to" | "step"))
        || (roles.contains(&"prefix") && LEADING_PREFIXES.contains(&lower.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_table_is_complete_and_consistent() {
        assert!(all_functions().count() > 400);
        for f in all_functions() {
            assert!(f.max_args.is_none_or(|m| m >= f.min_args), "{}", f.name);
        }
        let apply_map = function("applymap").unwrap();
        assert_eq!((apply_map.min_args, apply_map.max_args), (2, Some(3)));
        assert!(apply_map.takes_names);
        assert!(function("Sum").unwrap().aggregation);
        assert!(function("Aggr").unwrap().context == FunctionContext::Chart);
        assert_eq!(function("RangeSum").unwrap().max_args, None);
        assert!(function("Date#").is_some());
        assert!(function("NoSuchFunction").is_none());
    }

    #[test]
    fn keyword_roles() {
        assert!(starts_statement("LOAD"));
        assert!(starts_statement("concatenate"));
        assert!(starts_statement("EndIf"));
        assert!(!starts_statement("Each"));
        assert!(!starts_statement("On"));
        assert!(!starts_statement("Stale"));
        assert!(!starts_statement("Sales"));
        assert!(keyword_roles_of("and").contains(&"operator"));
    }
}
