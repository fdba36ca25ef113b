//! The chumsky parsers, one per item kind the splitter produces. They are built once per file
//! and run on each statement's token slice; nothing here sees more than one statement.

mod common;
mod control;
mod expr;
mod load;
mod set;
mod statements;

pub(crate) use control::Clause;

use super::ast::{Expr, Prefix, StmtKind};
use super::split::Spanned;
use super::token::Token;
use chumsky::input::{Input as _, MappedInput};
use chumsky::prelude::*;

pub(crate) type Input<'t, 's> = MappedInput<'t, Token<'s>, SimpleSpan, &'t [Spanned<'s>]>;
pub(crate) type Extra<'t, 's> = extra::Err<Rich<'t, Token<'s>>>;
type Bx<'t, 's, O> = Boxed<'t, 't, Input<'t, 's>, O, Extra<'t, 's>>;

pub(crate) type ParseError<'t, 's> = Rich<'t, Token<'s>>;

pub(crate) struct Parsers<'t, 's> {
    statement: Bx<'t, 's, (Vec<Prefix>, StmtKind)>,
    clause: Bx<'t, 's, Clause>,
    expression: Bx<'t, 's, Expr>,
    chart_expression: Bx<'t, 's, Expr>,
}

impl<'t, 's: 't> Parsers<'t, 's> {
    pub fn new(src: &'s str) -> Self {
        let expr = expr::expression(false);
        let body = choice((
            load::load(src, expr.clone()),
            load::select(src),
            load::store(src),
            statements::statements(src, expr.clone()),
        ));
        let statement = load::prefixes(expr.clone())
            .then(body)
            .then_ignore(end())
            .boxed();
        Parsers {
            statement,
            clause: control::clause(expr.clone()).then_ignore(end()).boxed(),
            expression: expr.clone().then_ignore(end()).boxed(),
            chart_expression: expr::expression(true).then_ignore(end()).boxed(),
        }
    }

    fn run<O>(
        parser: &Bx<'t, 's, O>,
        tokens: &'t [Spanned<'s>],
        eoi: usize,
    ) -> Result<O, Vec<ParseError<'t, 's>>> {
        parser
            .parse(tokens.split_token_span(SimpleSpan::from(eoi..eoi)))
            .into_result()
    }

    pub fn statement(
        &self,
        tokens: &'t [Spanned<'s>],
        eoi: usize,
    ) -> Result<(Vec<Prefix>, StmtKind), Vec<ParseError<'t, 's>>> {
        Self::run(&self.statement, tokens, eoi)
    }

    pub fn clause(
        &self,
        tokens: &'t [Spanned<'s>],
        eoi: usize,
    ) -> Result<Clause, Vec<ParseError<'t, 's>>> {
        Self::run(&self.clause, tokens, eoi)
    }

    pub fn expression(
        &self,
        tokens: &'t [Spanned<'s>],
        eoi: usize,
        chart: bool,
    ) -> Result<Expr, Vec<ParseError<'t, 's>>> {
        let parser = if chart {
            &self.chart_expression
        } else {
            &self.expression
        };
        Self::run(parser, tokens, eoi)
    }
}
