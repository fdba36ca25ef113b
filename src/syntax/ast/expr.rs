//! Expressions: script expressions and chart expressions (aggregation qualifiers, set analysis).

use super::{Ident, Quote, Span};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Expr {
    Number(LitNumber),
    String(LitString),
    /// A bare or quoted name: a field, or (outside LOAD field lists) a variable.
    Field(Ident),
    /// `@1`, `@3:8`, `@6:nT`: a column of a headerless or fixed-record file.
    Position(ExprPosition),
    /// `$(…)`, kept whole for the resolver.
    Dollar(ExprDollar),
    /// `$1`, `$2`…: a parameter in variable bodies and DECLARE fields.
    Param(ExprParam),
    Unary(ExprUnary),
    Binary(ExprBinary),
    Call(Box<ExprCall>),
    Paren(ExprParen),
    /// `(Field, (NUMERIC, DESCENDING))`: a structured Aggr dimension (chart expressions only).
    Tuple(ExprTuple),
    /// `{<Year={2021}>} Sum(Sales)`: an outer set expression (chart expressions only).
    Scoped(Box<ExprScoped>),
    /// A keyword in argument position: the sort types and orders of a structured Aggr
    /// dimension (`NUMERIC`, `DESCENDING`…), upper-cased.
    Keyword(ExprKeyword),
    /// Where an expression stands that did not parse (its diagnostic says why), e.g. the
    /// condition of an IF clause that still opens its block. Later passes skip it.
    Error(Span),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Number(e) => e.span,
            Expr::String(e) => e.span,
            Expr::Field(e) => e.span,
            Expr::Position(e) => e.span,
            Expr::Dollar(e) => e.span,
            Expr::Param(e) => e.span,
            Expr::Unary(e) => e.span,
            Expr::Binary(e) => e.span,
            Expr::Call(e) => e.span,
            Expr::Paren(e) => e.span,
            Expr::Tuple(e) => e.span,
            Expr::Scoped(e) => e.span,
            Expr::Keyword(e) => e.span,
            Expr::Error(span) => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LitNumber {
    pub text: super::Name,
    pub span: Span,
}

/// A `'…'` literal; `value` has `''` undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LitString {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExprPosition {
    pub text: String,
    pub span: Span,
}

/// What a `$(…)` asks for, read from its text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum DollarKind {
    /// `$(name)` or `$(name(arg, …))`.
    Variable,
    /// `$(#name)`: the numeric value, formatted with `.` as decimal separator.
    Numeric,
    /// `$(=expression)`.
    Expression,
    /// `$(Include=path)`: missing file is silently nothing.
    Include,
    /// `$(Must_Include=path)`: missing file is an error.
    MustInclude,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExprDollar {
    /// The whole expansion as written, `$(` and `)` included.
    pub text: String,
    pub kind: DollarKind,
    pub span: Span,
}

impl ExprDollar {
    /// Classifies `text` (which starts with `$(` and ends with `)`).
    pub fn new(text: &str, span: Span) -> Self {
        let body = text
            .strip_prefix("$(")
            .and_then(|b| b.strip_suffix(')'))
            .unwrap_or("")
            .trim_start();
        let starts = |p: &str| {
            body.len() >= p.len()
                && body.is_char_boundary(p.len())
                && body[..p.len()].eq_ignore_ascii_case(p)
        };
        let kind = if body.starts_with('=') {
            DollarKind::Expression
        } else if body.starts_with('#') {
            DollarKind::Numeric
        } else if starts("must_include") && body[12..].trim_start().starts_with('=') {
            DollarKind::MustInclude
        } else if starts("include") && body[7..].trim_start().starts_with('=') {
            DollarKind::Include
        } else {
            DollarKind::Variable
        };
        ExprDollar {
            text: text.to_owned(),
            kind,
            span,
        }
    }

    /// What the expansion asks for, each part with its span in the source.
    pub fn parts(&self) -> crate::syntax::dollar::DollarParts {
        crate::syntax::dollar::parts(&self.text, self.span)
    }

    /// The body between `$(` and `)`.
    pub fn body(&self) -> &str {
        self.text
            .strip_prefix("$(")
            .and_then(|b| b.strip_suffix(')'))
            .unwrap_or("")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExprParam {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UnaryOp {
    Neg,
    Plus,
    Not,
    BitNot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    Mul,
    Div,
    Add,
    Sub,
    Concat,
    Shl,
    Shr,
    BitAnd,
    BitOr,
    BitXor,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Like,
    Precedes,
    Follows,
    And,
    Or,
    Xor,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExprUnary {
    pub op: UnaryOp,
    pub operand: Box<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExprBinary {
    pub op: BinaryOp,
    pub lhs: Box<Expr>,
    pub rhs: Box<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Distinctness {
    Distinct,
    NoDistinct,
}

/// `TOTAL` or `TOTAL <F1, F2>` in a chart aggregation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Total {
    pub fields: Vec<Ident>,
    pub span: Span,
}

/// A function call. `R.ScriptEval(…)`-style names (with a dot) are server-side extension calls.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExprCall {
    pub name: Ident,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<Box<SetExpression>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distinct: Option<Distinctness>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub all: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<Total>,
    pub args: Vec<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExprParen {
    pub inner: Box<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExprTuple {
    pub items: Vec<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExprKeyword {
    pub word: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExprScoped {
    pub set: SetExpression,
    pub expr: Box<Expr>,
    pub span: Span,
}

/// `{ … }`: a set expression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetExpression {
    pub body: SetExpr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SetOp {
    /// `+`
    Union,
    /// `-`
    Exclusion,
    /// `*`
    Intersection,
    /// `/`
    SymmetricDifference,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SetExpr {
    Entity(SetEntity),
    Binary(SetBinary),
    Group(SetGroup),
}

/// A set identifier (`$`, `1`, `$1`, `BM01`, `State1::BM01`) and/or a modifier `<…>`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetEntity {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<SetIdentifier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modifier: Option<SetModifier>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetIdentifier {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetBinary {
    pub op: SetOp,
    pub lhs: Box<SetExpr>,
    pub rhs: Box<SetExpr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetGroup {
    pub inner: Box<SetExpr>,
    pub span: Span,
}

/// `< F1 = {…}, F2 -= {…} >`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SetModifier {
    pub selections: Vec<Selection>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Selection {
    Field(FieldSelection),
    /// A `$(…)` standing for one or more whole selections, e.g. `{<$(vSetCurrentYear)>}`.
    Dollar(ExprDollar),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SelectionOp {
    /// `=`
    Replace,
    /// `+=`
    Add,
    /// `-=`
    Remove,
    /// `*=`
    Intersect,
    /// `/=`
    SymmetricDifference,
}

/// `Field = element-set` inside a modifier. A missing element set (`<Year=>`) clears the field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldSelection {
    pub field: Ident,
    pub op: SelectionOp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<ElementSet>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ElementSet {
    /// `<A = B>`: the values selected in another field.
    Field(Ident),
    /// `<Region = $::Region>`: a field in another state.
    StateField(StateField),
    List(ElementList),
    /// `P({set} Field)` / `E({set} Field)`: possible or excluded values.
    Function(ElementFunction),
    Binary(ElementBinary),
    Negated(ElementNegated),
    /// A `$(…)` standing for a whole element set.
    Dollar(ExprDollar),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StateField {
    pub state: SetIdentifier,
    pub field: Ident,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementList {
    pub elements: Vec<Element>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ElementFunctionKind {
    Possible,
    Excluded,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementFunction {
    pub kind: ElementFunctionKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<Box<SetExpression>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementBinary {
    pub op: SetOp,
    pub lhs: Box<ElementSet>,
    pub rhs: Box<ElementSet>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElementNegated {
    pub inner: Box<ElementSet>,
    pub span: Span,
}

/// One value in an element list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Element {
    Number(LitNumber),
    /// `'text'`: an exact, case-sensitive value.
    Literal(LitString),
    /// `"A*"`, `[>2015]`, `` `=Sum(X)>0` ``: a search (wildcards, relational or expression).
    Search(ElementSearch),
    /// An unquoted word, taken as a literal value.
    Word(Ident),
    Dollar(ExprDollar),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementSearch {
    pub text: String,
    pub quote: Quote,
    pub span: Span,
}
