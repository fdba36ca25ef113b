//! Statements: the regular ones (ended by `;`) and the control blocks (built from clauses that
//! each end at `;` or the end of the line).

use super::{Expr, ExprDollar, Ident, Prefix, RawText, Span, StmtLoad, StmtSelect, StmtStore};
use serde::Serialize;

/// One statement with the labels and prefixes written before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stmt {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub prefixes: Vec<Prefix>,
    pub kind: StmtKind,
    /// From the first prefix to the terminating `;` (inclusive) or the end of the clause.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum StmtKind {
    Load(Box<StmtLoad>),
    Select(StmtSelect),
    Store(Box<StmtStore>),
    Drop(Box<StmtDrop>),
    Rename(Box<StmtRename>),
    Set(Box<StmtSet>),
    Let(Box<StmtLet>),
    FieldPatterns(StmtFieldPatterns),
    Alias(StmtAlias),
    Map(Box<StmtMap>),
    Unmap(StmtUnmap),
    Connect(Box<StmtConnect>),
    Section(StmtSection),
    Comment(Box<StmtComment>),
    Tag(Box<StmtTag>),
    Sleep(Box<StmtSleep>),
    Force(StmtForce),
    Loosen(StmtLoosen),
    AutoNumber(Box<StmtAutoNumber>),
    Declare(Box<StmtDeclare>),
    Derive(Box<StmtDerive>),
    /// Statements made of one keyword: DISCONNECT, FLUSHLOG, SQLCOLUMNS, SQLTABLES, SQLTYPES.
    Keyword(StmtKeyword),
    /// Statements whose body Qlik does not parse, or that we keep as text.
    Raw(StmtRaw),
    If(Box<StmtIf>),
    For(Box<StmtFor>),
    ForEach(Box<StmtForEach>),
    Do(Box<StmtDo>),
    Sub(Box<StmtSub>),
    Call(Box<StmtCall>),
    Switch(Box<StmtSwitch>),
    Exit(Box<StmtExit>),
    /// `$(Include=path)` or `$(Must_Include=path)` standing as a statement.
    Include(Box<StmtInclude>),
    /// A statement that is a `$(…)` or cannot be read until its `$(…)` are expanded.
    Dynamic(RawText),
    /// A lone `;`.
    Empty,
    /// A statement that does not parse; its diagnostic says why. Later passes skip it.
    Error,
}

/// An include: the file's text is spliced in at this point when the script runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtInclude {
    /// `Must_Include`: a missing file fails the reload (plain `Include` is silently nothing).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub must: bool,
    /// The path after `=`, trimmed (may hold further `$(…)`).
    pub path: String,
    /// Where `path` stands in the source.
    pub path_span: Span,
    pub expansion: ExprDollar,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FieldsOrTables {
    Fields,
    Tables,
}

/// `DROP FIELD[S] a, b [FROM t]` / `DROP TABLE[S] a, b`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtDrop {
    pub target: FieldsOrTables,
    pub names: Vec<Ident>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<Ident>,
}

/// `RENAME FIELD[S]|TABLE[S] (a TO b, … | USING map)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtRename {
    pub target: FieldsOrTables,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pairs: Vec<RenamePair>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub using: Option<Ident>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RenamePair {
    pub from: Ident,
    pub to: Ident,
}

/// `SET name = text;` — the value is stored as text, unevaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtSet {
    pub name: Ident,
    /// The right-hand side as written (trimmed); absent for `SET x = ;`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<RawText>,
    /// What Qlik stores: `raw` without one pair of enclosing `'…'`, `"…"` or `[…]`.
    pub value: String,
}

/// `LET name = expr;` or the keyword-less `name = expr` (a control statement in Qlik's grammar).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtLet {
    pub name: Ident,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Expr>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub implicit: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FieldPatternsKind {
    Qualify,
    Unqualify,
    NullAsValue,
    NullAsNull,
    SearchInclude,
    SearchExclude,
}

/// A field name or `*`; quoted names may hold the wildcards `*` and `?`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FieldPattern {
    All(Span),
    Name(Ident),
}

/// QUALIFY, UNQUALIFY, NULLASVALUE, NULLASNULL, SEARCH INCLUDE/EXCLUDE.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtFieldPatterns {
    pub kind: FieldPatternsKind,
    pub patterns: Vec<FieldPattern>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtAlias {
    pub pairs: Vec<RenamePair>,
}

/// `MAP fields USING mapping;`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtMap {
    pub fields: Vec<FieldPattern>,
    pub mapping: Ident,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtUnmap {
    pub fields: Vec<FieldPattern>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConnectKind {
    /// `CONNECT TO` (ODBC by default).
    Default,
    Odbc,
    Oledb,
    /// `LIB CONNECT TO 'connection name'`: a data connection of the Qlik repository.
    Lib,
    Custom,
    Bdi,
}

/// A CONNECT statement. The target and options may hold credentials: never log them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtConnect {
    pub kind: ConnectKind,
    /// `32` or `64` for CONNECT32/CONNECT64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bits: Option<u8>,
    /// Connection name or string, delimiters removed.
    pub target: RawText,
    /// `(UserID is …, XPassword is …)` as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub options: Option<RawText>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SectionKind {
    Access,
    Application,
    DirectQuery,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtSection {
    pub kind: SectionKind,
}

/// `COMMENT [FIELD[S]|TABLE[S]] (names WITH text | USING map)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtComment {
    pub target: FieldsOrTables,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<Ident>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Ident>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub using: Option<Ident>,
}

/// `TAG|UNTAG [FIELD[S]|TABLE[S]] (names WITH tags | USING map)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtTag {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub untag: bool,
    pub target: FieldsOrTables,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<Ident>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Ident>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub using: Option<Ident>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtSleep {
    pub milliseconds: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ForceMode {
    Capitalization,
    Upper,
    Lower,
    Mixed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtForce {
    pub mode: ForceMode,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtLoosen {
    pub tables: Vec<Ident>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtAutoNumber {
    pub fields: Vec<FieldPattern>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub using: Option<Ident>,
}

/// `name = value` in DECLARE parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclareParam {
    pub name: Ident,
    pub value: Expr,
}

/// `expr AS name [TAGGED tags]` in DECLARE … FIELDS; `$1` in `expr` is the source field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclareField {
    pub expr: Expr,
    pub name: Ident,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Ident>,
    pub span: Span,
}

/// `Label: DECLARE [FIELD[S]] DEFINITION …`: a field definition for DERIVE (auto-calendars).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtDeclare {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Ident>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<DeclareParam>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<DeclareField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<RawText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub using: Option<Ident>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum DeriveSource {
    /// `EXPLICIT [TAG[S]] tags`: fields carrying these tags.
    Explicit(Vec<Ident>),
    /// `IMPLICIT [TAG[S]]`: fields tagged by the definition's own tags.
    Implicit(Span),
    /// `[FIELD[S]] names`.
    Fields(Vec<Ident>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtDerive {
    pub source: DeriveSource,
    pub using: Ident,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Keyword {
    Disconnect,
    FlushLog,
    SqlColumns,
    SqlTables,
    SqlTypes,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtKeyword {
    pub keyword: Keyword,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RawKind {
    Rem,
    Trace,
    Directory,
    Binary,
    Execute,
    Star,
    DirectQuery,
    Constrain,
    ImportLive,
    CreateRelationship,
    DropRelationship,
    Dimension,
    Measure,
    /// QlikView's old name for SQL pass-through.
    Command,
    /// QlikView input fields.
    InputField,
}

/// A statement kept as its keyword and raw body text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtRaw {
    pub kind: RawKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<RawText>,
}

/// A run of statements inside a control block.
pub type Block = Vec<Stmt>;

/// `IF c THEN … {ELSEIF c THEN …} [ELSE …] END IF`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtIf {
    pub branches: Vec<IfBranch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub else_branch: Option<ElseBranch>,
    /// Further ELSE branches after the first (QS206). Qlik skips from the second ELSE to
    /// END IF, so they never run; they are kept so tools can show and lint them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dead_branches: Vec<ElseBranch>,
    /// The END IF clause; absent when the block is not closed (QS202).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IfBranch {
    pub condition: Expr,
    /// The IF or ELSEIF clause.
    pub clause: Span,
    pub body: Block,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElseBranch {
    pub clause: Span,
    pub body: Block,
}

/// `FOR v = a TO b [STEP s] … NEXT [v]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtFor {
    pub variable: Ident,
    pub from: Expr,
    pub to: Expr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<Expr>,
    /// The FOR clause.
    pub clause: Span,
    pub body: Block,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<NextClause>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NextClause {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variable: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ForEachList {
    Values(Vec<Expr>),
    FileList(Expr),
    DirList(Expr),
    FieldValueList(Expr),
}

/// `FOR EACH v IN list … NEXT [v]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtForEach {
    pub variable: Ident,
    pub list: ForEachList,
    /// The FOR EACH clause.
    pub clause: Span,
    pub body: Block,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<NextClause>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LoopConditionKind {
    While,
    Until,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoopCondition {
    pub kind: LoopConditionKind,
    pub condition: Expr,
}

/// `DO [WHILE|UNTIL c] … LOOP [WHILE|UNTIL c]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtDo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<LoopCondition>,
    /// The DO clause.
    pub clause: Span,
    pub body: Block,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loop_condition: Option<LoopCondition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Span>,
}

/// `SUB name[(params)] … END SUB`. The body runs only when CALLed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtSub {
    pub name: Ident,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Ident>,
    /// The SUB clause.
    pub clause: Span,
    pub body: Block,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtCall {
    pub name: Ident,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Expr>,
}

/// `SWITCH e {CASE v {, v} …} [DEFAULT …] END SWITCH`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtSwitch {
    pub subject: Expr,
    /// The SWITCH clause.
    pub clause: Span,
    /// Statements between SWITCH and the first CASE (QS207): Qlik never runs them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub before_first_case: Block,
    pub cases: Vec<SwitchCase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<ElseBranch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SwitchCase {
    pub values: Vec<Expr>,
    pub clause: Span,
    pub body: Block,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ExitTarget {
    Script,
    /// `EXIT ERROR 'message'` (newer releases): ends the reload as failed.
    Error,
    For,
    Do,
    Sub,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConditionKind {
    When,
    Unless,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExitCondition {
    pub kind: ConditionKind,
    pub condition: Expr,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtExit {
    pub target: ExitTarget,
    /// The message of `EXIT SCRIPT 'text'` / `EXIT ERROR 'text'`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Expr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<ExitCondition>,
}
