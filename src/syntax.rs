//! The script front-end: decoded text → tokens → statements → AST with diagnostics.
//!
//! Entry points: [`parse`] for a script, [`parse_chart_expression`] for measures, dimensions and
//! other chart formulas, [`parse_expression`] for a script expression on its own (variable
//! definitions), [`tokens`] for the raw token stream.

pub mod ast;
mod blocks;
mod checks;
pub mod dollar;
mod driver;
pub mod grammar_tables;
mod limits;
mod parser;
pub mod printer;
mod problem;
mod split;
#[cfg(test)]
mod tests;
pub mod token;
pub mod visit;

use crate::diagnostics::Diagnostic;
use crate::source::{FileId, SourceFile, Span};
use ast::{Expr, Script};
use token::Token;

pub use limits::{MAX_NESTING, MAX_OPERATOR_CHAIN};

/// The result of parsing a script.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub script: Script,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Attributes the diagnostics to `file`.
    fn in_file(mut self, file: FileId) -> Self {
        for d in &mut self.diagnostics {
            d.file = file;
        }
        self
    }
}

/// Parses a script held in a string (e.g. fetched with the Engine API's GetScript).
pub fn parse_str(text: &str) -> Parsed {
    driver::parse_text(text)
}

/// Parses a decoded source file.
pub fn parse(source: &SourceFile) -> Parsed {
    let mut parsed = driver::parse_text(&source.text);
    if let crate::source::Encoding::Legacy {
        code_page,
        forced: false,
    } = source.encoding
    {
        let warning = problem::Problem::NotUtf8 {
            code_page: code_page.name(),
        };
        parsed.diagnostics.insert(0, warning.at(Span::empty_at(0)));
    }
    parsed.in_file(source.id)
}

/// Where a text being parsed stands: the file it belongs to and its byte offset there. For an
/// expanded statement the file is the resolver's (a virtual file whose source map leads back
/// to the original file, line and column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin {
    pub file: FileId,
    pub offset: u32,
}

/// One control clause (IF…THEN, ELSE, FOR…, NEXT, SUB…, CALL, EXIT…) parsed on its own.
pub use parser::Clause as ControlClause;

/// The result of [`Parser::clause`]: `None` with a diagnostic when the text is not a control
/// clause Qlik reads.
#[derive(Debug, Clone)]
pub struct ParsedClause {
    pub clause: Option<ControlClause>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The front-end's entry points for texts that stand inside a larger source: the resolver
/// parses each statement again after expanding its `$(…)`, as Qlik does at reload time. Every
/// span of the result is moved by the origin's offset and every diagnostic attributed to its
/// file, so a source map can lead them back.
///
/// The handle holds no state: the parsers are built per text (about 4 µs for a short
/// statement, measured with a release build), so it is free to keep, copy and share.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parser;

impl Parser {
    pub fn new() -> Self {
        Parser
    }

    /// Parses `text` as a list of statements (control blocks nested, preceding loads chained).
    pub fn statements(&self, text: &str, origin: Origin) -> Parsed {
        let mut parsed = driver::parse_text(text);
        if origin.offset != 0 {
            use visit::VisitMut;
            visit::ShiftSpans(origin.offset).visit_script(&mut parsed.script);
        }
        parsed.diagnostics = shift(parsed.diagnostics, origin);
        parsed
    }

    /// Parses `text` as one control clause (`IF x THEN`, `FOR i = 1 TO $(n)`, `NEXT i`…).
    pub fn clause(&self, text: &str, origin: Origin) -> ParsedClause {
        let (clause, diagnostics) = driver::parse_clause(text);
        let clause = clause.map(|mut c| {
            if origin.offset != 0 {
                c.shift_spans(origin.offset);
            }
            c
        });
        ParsedClause {
            clause,
            diagnostics: shift(diagnostics, origin),
        }
    }

    /// Parses a script expression (`chart` false) or a chart expression.
    pub fn expression(&self, text: &str, origin: Origin, chart: bool) -> ParsedExpr {
        let mut parsed = driver::parse_standalone(text, chart);
        if let (Some(expr), true) = (&mut parsed.expr, origin.offset != 0) {
            use visit::VisitMut;
            visit::ShiftSpans(origin.offset).visit_expr(expr);
        }
        parsed.diagnostics = shift(parsed.diagnostics, origin);
        parsed
    }
}

fn shift(diagnostics: Vec<Diagnostic>, origin: Origin) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .map(|d| d.shifted(origin.offset).in_file(origin.file))
        .collect()
}

/// Chains preceding loads again (each LOAD without a source reads the LOAD or SELECT below
/// it), for a statement list the resolver assembled after expansion. `followed` says whether
/// more statements run after the list: then a source-less LOAD at its end is left open
/// ([`ast::LoadSource::Following`]) rather than reported (QS204).
pub fn chain_preceding_loads(
    statements: Vec<ast::Stmt>,
    followed: bool,
) -> (Vec<ast::Stmt>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let statements = if followed {
        blocks::chain_preceding(statements, &mut diagnostics)
    } else {
        blocks::chain_preceding_root(statements, &mut diagnostics)
    };
    (statements, diagnostics)
}

/// A parsed stand-alone expression.
#[derive(Debug, Clone)]
pub struct ParsedExpr {
    pub expr: Option<Expr>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a chart expression (measure, dimension, label, colour expression…). A leading `=`
/// is allowed; set analysis, `TOTAL <…>` and outer sets are understood.
pub fn parse_chart_expression(text: &str) -> ParsedExpr {
    driver::parse_standalone(text, true)
}

/// Parses a script expression on its own (for example a LET right-hand side).
pub fn parse_expression(text: &str) -> ParsedExpr {
    driver::parse_standalone(text, false)
}

/// The raw token stream (trivia included), for tools and benchmarks.
pub fn lex(text: &str) -> impl Iterator<Item = (Result<Token<'_>, token::LexError>, Span)> + '_ {
    use logos::Logos;
    let mut lexer = Token::lexer(text);
    std::iter::from_fn(move || {
        let token = lexer.next()?;
        let r = lexer.span();
        Some((token, Span::new(r.start, r.end)))
    })
}

/// One token of the raw stream, for `qlineage parse --tokens`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenInfo {
    pub kind: &'static str,
    pub text: String,
    pub span: Span,
}

/// The token stream of a script as the lexer sees it (trivia included, nothing re-lexed).
pub fn tokens(text: &str) -> Vec<TokenInfo> {
    split::lex_from(text, 0)
        .into_iter()
        .map(|(token, span)| TokenInfo {
            kind: match token {
                Ok(t) => t.kind_name(),
                Err(_) => "Error",
            },
            text: text[span.range()].to_owned(),
            span,
        })
        .collect()
}
