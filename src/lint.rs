//! The linter: a registry of rules run over the resolver's facts, for CI on scripts kept in git.
//!
//! Every rule reads one shared [`AppView`] (the syntax trees the resolver parsed, the resolved
//! model, its diagnostics and the source map) and never parses again. [`lint`] resolves the
//! apps as one estate (in parallel), runs every enabled rule over each app in one pass (apps in
//! parallel), then the estate rules, applies the configuration and the inline suppressions,
//! and returns the findings sorted by file and position.
//!
//! Rule codes (`QL101`…) and names never change meaning; a retired code is not reused.

pub mod catalogue;
pub mod config;
mod driver;
pub mod output;
mod registry;
mod rules;
mod similar;
mod suppress;
mod view;

use serde::Serialize;

pub use crate::diagnostics::Severity;
pub use config::{Config, ConfigError, Selection};
pub use driver::{lint, lint_with_progress, LintProgress, LintRun};
pub use registry::{all_rules, rule_by_code};
pub use view::{AppView, CallFact, StmtRef};

use crate::source::Span;

/// What kind of problem a rule flags (ruff's categories, in Qlik terms).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// The reload fails or builds something other than written.
    Correctness,
    /// Legal, but most likely not what the author meant.
    Suspicious,
    /// Slower reloads than needed.
    Performance,
    /// Secrets and exposure.
    Security,
    /// Hygiene of the script and of the linter's own markers.
    Style,
    /// Deprecated or QlikView-only constructs, legacy-mode paths.
    Compatibility,
}

impl Category {
    pub const ALL: &'static [Category] = &[
        Category::Correctness,
        Category::Suspicious,
        Category::Performance,
        Category::Security,
        Category::Style,
        Category::Compatibility,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Correctness => "correctness",
            Category::Suspicious => "suspicious",
            Category::Performance => "performance",
            Category::Security => "security",
            Category::Style => "style",
            Category::Compatibility => "compatibility",
        }
    }
}

/// Stable rules run by default; preview ones only when selected by code or name, or with
/// `preview = true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stability {
    Stable,
    Preview,
}

/// A rule's identity and documentation: what `qlineage rules` prints and `docs/rules.md` holds.
#[derive(Debug)]
pub struct RuleMeta {
    /// `QL101`…: never reused.
    pub code: &'static str,
    /// Kebab-case name of the pattern flagged (`unknown-table`).
    pub name: &'static str,
    pub category: Category,
    pub severity: Severity,
    pub stability: Stability,
    /// One line: what it flags.
    pub summary: &'static str,
    /// Why it matters, in Qlik terms (markdown).
    pub why: &'static str,
    /// A script it flags.
    pub example: &'static str,
    /// What to do (markdown).
    pub fix: &'static str,
}

/// One problem found by a rule, in a file of an app.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    #[serde(skip)]
    pub rule: &'static RuleMeta,
    /// The severity after configuration.
    pub severity: Severity,
    /// The app the finding is about (its path as given).
    pub app: String,
    /// The file's path as read (filled in by the driver).
    pub path: String,
    /// The file: an index into the app's `model.files`.
    #[serde(skip)]
    pub file: u32,
    pub span: Span,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}
