//! The app model the resolver builds: what the script's reload would leave behind (tables and
//! fields with their derivations) and what it did on the way (loads, stores), plus what could
//! not be resolved and why.
//!
//! Locations are a file index into [`AppModel::files`] and a byte span; line and column are
//! computed by the renderers.

use serde::Serialize;
use std::sync::Arc;

use crate::source::{SourceFile, Span};

/// Which file of the app a location is in: an index into [`AppModel::files`].
pub type FileId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

/// How an output field is computed from what it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// Copied unchanged.
    Identity,
    /// Copied under a new name (`a as b`, ALIAS, RENAME, QUALIFY).
    Rename,
    /// Computed from the inputs.
    Expression,
    /// An aggregation over groups (`Sum(x)` with GROUP BY).
    Aggregation,
    /// Looked up in a mapping table (ApplyMap, MapSubString, MAP … USING).
    Mapping,
    /// A constant or a function of no field.
    Constant,
    /// A key a JOIN or KEEP matched on.
    JoinKey,
    /// Rows appended by CONCATENATE (explicit or automatic).
    Concatenation,
    /// Produced by a prefix (CROSSTABLE, HIERARCHY, INTERVALMATCH, GENERIC).
    Generated,
}

/// One input of an output field. Its names are shared (`Arc<str>`): a derivation is copied
/// into every level, table and load record that carries the field, and a copy must not cost
/// three allocations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Derivation {
    /// The table read (a resident table, a SQL table, a mapping table), when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<Arc<str>>,
    /// The field or column read; absent for constants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Arc<str>>,
    /// Where the rows came from: a resolved path, `sql`, `inline`, `autogenerate`, `resident`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Arc<str>>,
    pub transform: Transform,
}

/// A field's inputs. Most fields have one, kept inline: a field is built for every load level
/// and copied into its load record, and a `Vec` was one more allocation each time.
pub type Derivations = smallvec::SmallVec<[Derivation; 1]>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: String,
    pub derived_from: Derivations,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub name: String,
    pub fields: Vec<Field>,
    /// Indexes into [`AppModel::loads`] of the loads that put rows into this table.
    pub sources: Vec<usize>,
    /// Created or changed under a condition the resolver could not decide.
    pub conditional: bool,
    /// Not all of the table's fields are known (a `*` over an unknown source, GENERIC).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fields_incomplete: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Qvd,
    File,
    Sql,
    Resident,
    Inline,
    Autogenerate,
    Binary,
    Extension,
    Web,
    FromField,
}

/// Where a load read its rows.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Default)]
pub struct LoadSourceInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<SourceKind>,
    /// The path, table or SQL text as written (after expansion).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The path after `lib://` and DIRECTORY resolution, when it is determined.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_path: Option<String>,
    /// The format as given in the spec (`qvd`, `txt`, `ooxml`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// The data connection a SQL statement ran on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Tables the SQL reads (CTE names excluded), as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sql_tables: Vec<String>,
    /// How the SQL was read: `parsed (<dialect>)` or `fallback: <reason>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql_analysis: Option<String>,
}

/// What a load did to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadKind {
    /// Created a new table.
    Create,
    /// Appended to a table with the same field set.
    AutoConcatenate,
    Concatenate,
    Join,
    Keep,
    Mapping,
    /// A level of a preceding-load chain (its output feeds the level above).
    Preceding,
    /// A table of SECTION ACCESS (kept out of the data model).
    SectionAccess,
    Binary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Load {
    pub location: Location,
    /// The table that received the rows.
    pub target: String,
    pub kind: LoadKind,
    pub source: LoadSourceInfo,
    /// Source and target fully determined.
    pub resolved: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub conditional: bool,
    /// The fields this load put into its target, with what each reads (after the preceding
    /// chain, prefixes and QUALIFY): the lineage compiler's per-statement facts, which stay
    /// when the table is later dropped or renamed. Empty for the lower levels of a chain (the
    /// top level's derivations already reach the bottom source).
    #[serde(skip)]
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Store {
    pub location: Location,
    pub table: String,
    /// The fields stored (all of the table's when the statement lists none).
    pub fields: Vec<String>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_path: Option<String>,
    pub format: String,
    pub resolved: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub conditional: bool,
}

/// Something the resolver could not determine, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unresolved {
    pub location: Location,
    /// The text concerned (a `$(…)`, a path, a SQL body's start).
    pub text: String,
    pub reason: String,
    /// The value exists at reload time (clock, data) rather than missing from the input.
    pub runtime: bool,
}

/// Two tables sharing more than one field: the engine builds a synthetic key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyntheticKey {
    pub tables: Vec<String>,
    pub fields: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum VariableState {
    Known(String),
    Unknown(String),
}

/// A script file that took part: the main script or an include.
#[derive(Debug, Clone)]
pub struct ScriptFile {
    pub source: SourceFile,
    /// Where the file was included from (none for the main script).
    pub included_from: Option<Location>,
}

#[derive(Debug, Clone, Default)]
pub struct AppModel {
    /// The app as given (script file or folder).
    pub path: String,
    pub files: Vec<ScriptFile>,
    /// Tables at the end of the script, in creation order (mapping and section access tables
    /// excluded; dropped tables removed).
    pub tables: Vec<Table>,
    /// Tables loaded in SECTION ACCESS: kept out of the data model.
    pub section_access_tables: Vec<Table>,
    pub loads: Vec<Load>,
    pub stores: Vec<Store>,
    /// Variables at the end of the script (user variables; system ones only when changed).
    pub variables: Vec<(String, VariableState)>,
    pub unresolved: Vec<Unresolved>,
    pub synthetic_keys: Vec<SyntheticKey>,
    /// Groups of tables whose shared fields form a loop (circular references).
    pub circular_references: Vec<Vec<String>>,
}
