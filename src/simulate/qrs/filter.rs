//! Qlik Sense Repository Service (QRS) `filter` and `orderby` query parameters.
//!
//! Depends only on `serde_json`, `thiserror` and the simulator's one calendar
//! (`simulate/time.rs`). Split by stage: `lex.rs` (text to tokens), `parse.rs` (tokens to
//! comparisons), `eval.rs` (comparisons against entities and templates), `order.rs`
//! (`orderby`).
//!
//! # Filter grammar
//!
//! ```text
//! filter     := or_expr
//! or_expr    := and_expr ( "or" and_expr )*          -- "and" binds tighter than "or"
//! and_expr   := primary ( "and" primary )*           -- both are left-associative
//! primary    := "(" or_expr ")" | comparison
//! comparison := property operator value
//! property   := segment ( "." segment )*             -- segment: letter or '_', then letters, digits, '_'
//! operator   := eq | ne | gt | ge | lt | le | sw | ew | so
//! value      := 'quoted string' | number | true | false | null | GUID
//! ```
//!
//! Keywords, operators, `true`, `false` and `null` are case-insensitive. Inside a quoted
//! string `''` stands for one `'`. Bare values that are not a number, boolean, `null` or a
//! GUID (`8-4-4-4-12` hex digits, optionally in braces) are rejected: strings must be quoted.
//! Syntax errors carry the 0-based **character** (not byte) offset of the offending token.
//!
//! # Matching semantics
//!
//! * Property names are matched against JSON keys exactly first, then case-insensitively.
//! * A path is resolved to a set of *leaves*. Arrays met anywhere along the path (including
//!   the final value, e.g. `roles eq 'Admin'` on `"roles": ["Admin"]`) are flattened, and a
//!   comparison is true when **any** leaf satisfies it (existential semantics for every
//!   operator, including `ne`). An empty array yields no leaves, so every comparison on it
//!   is false.
//! * A JSON `null`, a missing key, or a non-object met before the path ends is a *null leaf*.
//!   A null leaf satisfies only `eq null`; every other comparison on it (including `ne 'x'`
//!   and `ne null`) is false, as in SQL.
//! * A non-null leaf satisfies `ne null` and never `eq null`.
//! * Strings compare case-insensitively (Unicode lowercase). When both the entity string and
//!   the filter value parse as ISO date/times (`YYYY-MM-DD`, optionally `T` or space plus
//!   `HH:MM[:SS[.fff]]`, optionally `Z` or `±HH:MM`; no zone means UTC; a bare date means
//!   midnight) they compare as instants. Otherwise strings compare lexicographically by
//!   their lowercase forms. Bare numbers and GUIDs compare against strings by their text.
//! * `sw` (starts with), `ew` (ends with) and `so` (substring: the property *contains* the
//!   value) apply to strings only.
//! * Numbers compare numerically with a number or a quoted number (`status eq '8'`).
//! * Booleans support `eq`/`ne` with `true`/`false`, bare or quoted, any case.
//! * Any other type combination (e.g. `gt` on an object) is simply false; `validate`
//!   reports the obvious ones up front as [`FilterError::TypeMismatch`].
//!
//! # Ordering semantics
//!
//! `orderby=key [asc|desc] [, key [asc|desc]]*`. Sorting is stable. The sort value of a key
//! is its first leaf (see above). Nulls/missing sort first, then booleans (false < true),
//! then numbers (numerically), then date/time strings (by instant), then other strings
//! (case-insensitively), then objects/arrays. `desc` reverses this whole order, so nulls
//! come last in a descending key (SQL Server style).

mod eval;
mod lex;
mod order;
mod parse;
#[cfg(test)]
mod tests;

pub use order::OrderBy;
pub use parse::Filter;

/// Deepest allowed nesting of parentheses (protects the stack against hostile input).
const MAX_DEPTH: usize = 64;

/// Errors from parsing or validating a `filter` / `orderby` expression.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FilterError {
    /// Malformed text; `position` is the 0-based character offset of the problem.
    #[error("syntax error at position {position}: {message}")]
    Syntax { position: usize, message: String },
    /// A property path (as written) that does not exist on the entity type.
    #[error("unknown property '{0}'")]
    UnknownProperty(String),
    /// The operator or value does not fit the property's (or the value's) type.
    #[error("type mismatch on property '{property}': {message}")]
    TypeMismatch { property: String, message: String },
}

fn syntax(position: usize, message: impl Into<String>) -> FilterError {
    FilterError::Syntax {
        position,
        message: message.into(),
    }
}

fn mismatch(property: &str, message: impl Into<String>) -> FilterError {
    FilterError::TypeMismatch {
        property: property.to_string(),
        message: message.into(),
    }
}
