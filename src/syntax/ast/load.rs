//! LOAD, SELECT and STORE: the statements that move data, with their prefixes and file specs.

use super::{Expr, ExprDollar, Ident, Quote, RawText, Span, Stmt};
use serde::Serialize;

/// A label or load prefix, in the order written before the statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Prefix {
    /// `Name:` — names the table the statement creates.
    Label(Ident),
    Mapping(Span),
    Concatenate(PrefixTarget),
    NoConcatenate(Span),
    Join(PrefixJoin),
    Keep(PrefixJoin),
    CrossTable(Box<PrefixCrossTable>),
    Generic(Span),
    /// `Hierarchy(NodeID, ParentID, NodeName, …)`; empty positions are `None`.
    Hierarchy(PrefixArgs),
    HierarchyBelongsTo(PrefixArgs),
    IntervalMatch(PrefixArgs),
    Buffer(PrefixBuffer),
    /// `Bundle [Info] [Image_Size(w, h)]` (QlikView).
    Bundle(PrefixBundle),
    /// `Info [Image_Size(w, h)]` (QlikView).
    Info(PrefixBundle),
    First(PrefixExpr),
    Sample(PrefixExpr),
    Add(PrefixOnly),
    Replace(PrefixOnly),
    Merge(PrefixMerge),
    Semantic(Span),
    When(PrefixExpr),
    Unless(PrefixExpr),
    /// A `$(…)` where a prefix stands, e.g. `$(vConcatenate) LOAD …`.
    Dynamic(ExprDollar),
}

impl Prefix {
    pub fn span(&self) -> Span {
        match self {
            Prefix::Label(i) => i.span,
            Prefix::Mapping(s)
            | Prefix::NoConcatenate(s)
            | Prefix::Generic(s)
            | Prefix::Semantic(s) => *s,
            Prefix::Concatenate(p) => p.span,
            Prefix::Join(p) | Prefix::Keep(p) => p.span,
            Prefix::CrossTable(p) => p.span,
            Prefix::Hierarchy(p) | Prefix::HierarchyBelongsTo(p) | Prefix::IntervalMatch(p) => {
                p.span
            }
            Prefix::Buffer(p) => p.span,
            Prefix::Bundle(p) | Prefix::Info(p) => p.span,
            Prefix::First(p) | Prefix::Sample(p) | Prefix::When(p) | Prefix::Unless(p) => p.span,
            Prefix::Add(p) | Prefix::Replace(p) => p.span,
            Prefix::Merge(p) => p.span,
            Prefix::Dynamic(d) => d.span,
        }
    }

    /// Prefixes that any statement may carry: labels (misplaced ones are a lint matter),
    /// WHEN/UNLESS, and expansions.
    pub fn is_default_prefix(&self) -> bool {
        matches!(
            self,
            Prefix::Label(_) | Prefix::When(_) | Prefix::Unless(_) | Prefix::Dynamic(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrefixTarget {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum JoinKind {
    /// No keyword: JOIN is an outer join; a bare KEEP is accepted by the engine grammar.
    Default,
    Inner,
    Left,
    Right,
    Outer,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrefixJoin {
    pub kind: JoinKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<Ident>,
    pub span: Span,
}

/// `CrossTable(AttributeField, DataField [, n])`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrefixCrossTable {
    pub attribute: Ident,
    pub data: Ident,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualifiers: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrefixArgs {
    pub args: Vec<Option<Ident>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum BufferOption {
    Incremental(Span),
    /// `Stale [After] n [day|days|hour|hours]`.
    Stale {
        amount: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        unit: Option<StaleUnit>,
        span: Span,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrefixBuffer {
    pub options: Vec<BufferOption>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrefixBundle {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub info: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_size: Option<Box<(Expr, Expr)>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrefixExpr {
    pub expr: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrefixOnly {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub only: bool,
    pub span: Span,
}

/// `Merge [Only] [(Timestamp [, VarName])] On Key {, Key}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrefixMerge {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub only: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Ident>,
    pub keys: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtLoad {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub distinct: bool,
    pub fields: Vec<LoadField>,
    pub source: LoadSource,
    /// The source clause (`FROM …`, `RESIDENT t`, `INLINE […]`, …) as written; absent for a
    /// preceding or missing source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_span: Option<Span>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<LoadFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<GroupBy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_by: Option<OrderBy>,
    /// A `$(…)` after the clauses (typically expanding to a WHERE clause).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tail: Option<ExprDollar>,
}

/// `GROUP BY key, …`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupBy {
    pub keys: Vec<Expr>,
    pub span: Span,
}

/// `ORDER BY key [asc|desc], …` (only valid after RESIDENT).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderBy {
    pub keys: Vec<OrderKey>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LoadField {
    /// `*`: every field of the source.
    All(Span),
    Expr(LoadFieldExpr),
}

/// `expr [as alias]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadFieldExpr {
    pub expr: Expr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LoadSource {
    From(SourceFrom),
    FromField(Box<SourceFromField>),
    Inline(SourceInline),
    Resident(Ident),
    AutoGenerate(Expr),
    Extension(Box<SourceExtension>),
    /// `LOAD * $(vSource);`: the whole source clause is one expansion, read by the resolver.
    Dynamic(ExprDollar),
    /// A preceding load: the statement below supplies the rows.
    Preceding(Box<Stmt>),
    /// A preceding load whose rows come from the next LOAD or SELECT that runs, which only
    /// execution decides: it stands at the end of a block body, or before a control block,
    /// CALL, include or dynamic statement. The resolver chains it.
    Following,
    /// No source clause and nothing below to read from (reported as QS204).
    Missing,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceFrom {
    pub path: FilePath,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<FormatSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceFromField {
    pub table: Ident,
    pub field: Ident,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<FormatSpec>,
}

/// Inline data: the text between the delimiters is read as a delimited text file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceInline {
    pub data: RawText,
    pub quote: Quote,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<FormatSpec>,
}

/// `Extension Plugin.Function( [script,] table [{fields}] )`; arguments kept as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceExtension {
    pub function: Ident,
    pub args: RawText,
}

/// A file name or URL after FROM/INTO, as Qlik reads it (delimiters removed, `$(…)` kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilePath {
    pub text: String,
    pub quote: Quote,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum FilterKind {
    Where,
    While,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadFilter {
    pub kind: FilterKind,
    pub condition: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SortOrder {
    Asc,
    Desc,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderKey {
    pub key: Expr,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<SortOrder>,
    pub span: Span,
}

/// `( item, item … )` after a file name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormatSpec {
    pub items: Vec<FormatItem>,
    pub span: Span,
}

/// One format-spec item. Values are kept as written, delimiters removed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FormatItem {
    /// `txt`, `qvd`, `ooxml`, `biff`, `parquet`…
    FileType(FormatWord<FileType>),
    /// `utf8`, `ansi`, `unicode`… or `codepage is N`.
    Codepage(FormatValue),
    /// `embedded labels`, `explicit labels`, `no labels`.
    Labels(FormatWord<Labels>),
    /// `msq` or `no quotes`.
    Quotes(FormatWord<Quotes>),
    Delimiter(FormatValue),
    NoEof(Span),
    Table(FormatValue),
    AllTables(Span),
    Header(FormatValue),
    Record(FormatValue),
    Comment(FormatValue),
    Tab(FormatValue),
    Url(FormatValue),
    UserAgent(FormatValue),
    /// `compression is snappy` (STORE to Parquet).
    Compression(FormatValue),
    /// The deprecated `filters(…)` transformation steps, kept as text.
    Filters(RawText),
    /// Something else; reported as QS104.
    Unknown(RawText),
}

/// A format item made of keywords, read into `T`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormatWord<T> {
    pub word: T,
    pub span: Span,
}

macro_rules! words {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum $name { $( #[serde(rename = $text)] $variant, )* }

        impl $name {
            /// Every value, for tables and tests.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The words as Qlik writes them, lower-case.
            pub fn name(self) -> &'static str {
                match self { $( $name::$variant => $text, )* }
            }

            /// Reads the lower-case words (one space between them).
            pub fn from_words(words: &str) -> Option<Self> {
                match words { $( $text => Some($name::$variant), )* _ => None }
            }
        }
    };
}

words! {
    /// The file format a LOAD reads or a STORE writes.
    FileType {
        Txt = "txt",
        Qvd = "qvd",
        Qvx = "qvx",
        Ooxml = "ooxml",
        Biff = "biff",
        Dif = "dif",
        Fix = "fix",
        Html = "html",
        Xml = "xml",
        XmlSimple = "xmlsimple",
        XmlSax = "xmlsax",
        XmlGeneric = "xmlgeneric",
        Kml = "kml",
        Json = "json",
        Parquet = "parquet",
    }
}

words! {
    /// Where a text file's field names come from.
    Labels {
        Embedded = "embedded labels",
        Explicit = "explicit labels",
        No = "no labels",
    }
}

words! {
    /// How a text file quotes its values.
    Quotes {
        Msq = "msq",
        No = "no quotes",
    }
}

words! {
    /// The unit of `Buffer (Stale After n …)`.
    StaleUnit {
        Day = "day",
        Days = "days",
        Hour = "hour",
        Hours = "hours",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormatValue {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SqlKeyword {
    /// `SQL …`: the body is everything after the keyword.
    Sql,
    /// `SELECT …` without `SQL`: the body starts with `SELECT`.
    Select,
    /// `QSL …`: engine-internal query statement.
    Qsl,
}

/// A statement passed to the current database connection; the body is kept as raw text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtSelect {
    pub keyword: SqlKeyword,
    pub body: RawText,
}

/// `STORE [fields FROM] table INTO file [(format)]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StmtStore {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<StoreField>,
    pub tables: Vec<Ident>,
    pub path: FilePath,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<FormatSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum StoreField {
    All(Span),
    Field {
        name: Ident,
        #[serde(skip_serializing_if = "Option::is_none")]
        alias: Option<Ident>,
    },
}
