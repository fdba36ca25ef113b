//! The chumsky parsers, one per item kind the splitter produces. They are built once per file,
//! each when first needed, and run on each statement's token slice; nothing here sees more
//! than one statement.
//!
//! Every builder is generic over the error type: statements are parsed first with chumsky's
//! zero-cost `EmptyErr`, and only a statement that fails is parsed again with `Rich` errors to
//! say what was expected. Most statements parse, so error bookkeeping costs nothing for them.

mod common;
mod control;
mod expr;
mod hand;
mod load;
mod set;
mod statements;

pub(crate) use common::{ident_from, sp};
pub use control::Clause;

use super::ast::{Expr, Prefix, StmtKind};
use super::split::Spanned;
use super::token::Token;
use chumsky::error::{EmptyErr, LabelError};
use chumsky::input::{Input as _, MappedInput};
use chumsky::prelude::*;
use std::cell::OnceCell;

pub(crate) type Input<'t, 's> = MappedInput<'t, Token<'s>, SimpleSpan, &'t [Spanned<'s>]>;
pub(crate) type Bx<'t, 's, O, E> = Boxed<'t, 't, Input<'t, 's>, O, extra::Err<E>>;

/// The error types the parsers are built with.
pub(crate) trait PErr<'t, 's: 't>:
    LabelError<'t, Input<'t, 's>, &'static str>
    + chumsky::error::Error<'t, Input<'t, 's>>
    + ErrorMode
    + 't
{
}

impl<'t, 's: 't, T> PErr<'t, 's> for T where
    T: LabelError<'t, Input<'t, 's>, &'static str>
        + chumsky::error::Error<'t, Input<'t, 's>>
        + ErrorMode
        + 't
{
}

/// Which pass a parser set is for. Hand-written fast paths run only in the first pass
/// (`EmptyErr`): they build exactly the tree the combinators would, but record none of the
/// "expected …" alternatives that `Rich` errors collect along the way, so the second pass, whose
/// only job is to explain a failure, keeps to the combinators.
pub(crate) trait ErrorMode {
    const FIRST_PASS: bool;
}

impl ErrorMode for EmptyErr {
    const FIRST_PASS: bool = true;
}

impl<'t, 's> ErrorMode for ParseError<'t, 's> {
    const FIRST_PASS: bool = false;
}

pub(crate) type ParseError<'t, 's> = Rich<'t, Token<'s>>;

/// One set of parsers for one error type. Each is built the first time it is needed:
/// building chumsky's combinators costs more than parsing a short script, and the
/// hand-written pass answers most statements without them.
struct Set<'t, 's: 't, E: PErr<'t, 's>> {
    src: &'s str,
    expr: OnceCell<Bx<'t, 's, Expr, E>>,
    statement: OnceCell<Bx<'t, 's, (Vec<Prefix>, StmtKind), E>>,
    clause: OnceCell<Bx<'t, 's, Clause, E>>,
    expression: OnceCell<Bx<'t, 's, Expr, E>>,
    chart_expression: OnceCell<Bx<'t, 's, Expr, E>>,
}

impl<'t, 's: 't, E: PErr<'t, 's>> Set<'t, 's, E> {
    fn new(src: &'s str) -> Self {
        Set {
            src,
            expr: OnceCell::new(),
            statement: OnceCell::new(),
            clause: OnceCell::new(),
            expression: OnceCell::new(),
            chart_expression: OnceCell::new(),
        }
    }

    /// The script expression parser the others embed (shared, it is recursive and boxed).
    fn expr(&self) -> Bx<'t, 's, Expr, E> {
        self.expr.get_or_init(|| expr::expression(false)).clone()
    }

    fn statement(&self) -> &Bx<'t, 's, (Vec<Prefix>, StmtKind), E> {
        self.statement.get_or_init(|| {
            let src = self.src;
            let expr = self.expr();
            let body = choice((
                load::load(src, expr.clone()),
                load::select(src),
                load::store(src),
                statements::statements(src, expr.clone()),
            ));
            load::prefixes(expr).then(body).then_ignore(end()).boxed()
        })
    }

    fn clause(&self) -> &Bx<'t, 's, Clause, E> {
        self.clause
            .get_or_init(|| control::clause(self.expr()).then_ignore(end()).boxed())
    }

    fn expression(&self) -> &Bx<'t, 's, Expr, E> {
        self.expression
            .get_or_init(|| self.expr().then_ignore(end()).boxed())
    }

    fn chart_expression(&self) -> &Bx<'t, 's, Expr, E> {
        self.chart_expression
            .get_or_init(|| expr::expression(true).then_ignore(end()).boxed())
    }
}

pub(crate) struct Parsers<'t, 's: 't> {
    src: &'s str,
    fast: Set<'t, 's, EmptyErr>,
    rich: Set<'t, 's, ParseError<'t, 's>>,
}

/// Which parser of a [`Set`] to run.
#[derive(Clone, Copy)]
enum Which {
    Statement,
    Clause,
    Expression,
    ChartExpression,
}

/// The output of any of the parsers.
enum Output {
    Statement((Vec<Prefix>, StmtKind)),
    Clause(Clause),
    Expr(Expr),
}

impl<'t, 's: 't> Parsers<'t, 's> {
    pub fn new(src: &'s str) -> Self {
        Parsers {
            src,
            fast: Set::new(src),
            rich: Set::new(src),
        }
    }

    fn run_set<E: PErr<'t, 's>>(
        set: &Set<'t, 's, E>,
        which: Which,
        tokens: &'t [Spanned<'s>],
        eoi: usize,
    ) -> Result<Output, Vec<E>> {
        let input = tokens.split_token_span(SimpleSpan::from(eoi..eoi));
        match which {
            Which::Statement => set
                .statement()
                .parse(input)
                .into_result()
                .map(Output::Statement),
            Which::Clause => set.clause().parse(input).into_result().map(Output::Clause),
            Which::Expression => set
                .expression()
                .parse(input)
                .into_result()
                .map(Output::Expr),
            Which::ChartExpression => set
                .chart_expression()
                .parse(input)
                .into_result()
                .map(Output::Expr),
        }
    }

    /// The hand-written pass, for the statements and clauses it reads.
    fn run_hand(
        src: &'s str,
        which: Which,
        tokens: &'t [Spanned<'s>],
        eoi: usize,
    ) -> Option<Output> {
        match which {
            Which::Statement => hand::statement(src, tokens, eoi).map(Output::Statement),
            Which::Clause => hand::clause(src, tokens, eoi).map(Output::Clause),
            Which::Expression | Which::ChartExpression => None,
        }
    }

    /// Parses with cheap errors; on failure, parses again to explain the failure.
    fn run(
        &self,
        which: Which,
        tokens: &'t [Spanned<'s>],
        eoi: usize,
    ) -> Result<Output, Vec<ParseError<'t, 's>>> {
        if let Some(output) = Self::run_hand(self.src, which, tokens, eoi) {
            return Ok(output);
        }
        match Self::run_set(&self.fast, which, tokens, eoi) {
            Ok(output) => Ok(output),
            Err(_) => Self::run_set(&self.rich, which, tokens, eoi),
        }
    }

    pub fn statement(
        &self,
        tokens: &'t [Spanned<'s>],
        eoi: usize,
    ) -> Result<(Vec<Prefix>, StmtKind), Vec<ParseError<'t, 's>>> {
        match self.run(Which::Statement, tokens, eoi)? {
            Output::Statement(s) => Ok(s),
            _ => unreachable!("statement parser yields statements"),
        }
    }

    pub fn clause(
        &self,
        tokens: &'t [Spanned<'s>],
        eoi: usize,
    ) -> Result<Clause, Vec<ParseError<'t, 's>>> {
        match self.run(Which::Clause, tokens, eoi)? {
            Output::Clause(c) => Ok(c),
            _ => unreachable!("clause parser yields clauses"),
        }
    }

    pub fn expression(
        &self,
        tokens: &'t [Spanned<'s>],
        eoi: usize,
        chart: bool,
    ) -> Result<Expr, Vec<ParseError<'t, 's>>> {
        let which = if chart {
            Which::ChartExpression
        } else {
            Which::Expression
        };
        match self.run(which, tokens, eoi)? {
            Output::Expr(e) => Ok(e),
            _ => unreachable!("expression parser yields expressions"),
        }
    }
}

#[cfg(test)]
impl<'t, 's: 't> Parsers<'t, 's> {
    /// Runs both passes on one statement (or control clause, or script expression): true when
    /// they agree, both failing or both building the same tree. The first pass has hand-written
    /// fast paths, and the hand-written pass may answer before both; this is what keeps them
    /// honest. Also says whether the hand-written pass answered.
    pub fn passes_agree(&self, which: u8, tokens: &'t [Spanned<'s>], eoi: usize) -> (bool, bool) {
        let which = match which {
            0 => Which::Statement,
            1 => Which::Clause,
            _ => Which::Expression,
        };
        let fast = Self::run_set(&self.fast, which, tokens, eoi);
        let slow = Self::run_set(&self.rich, which, tokens, eoi);
        // The hand-written pass may decline, but what it accepts the combinators must build.
        let hand = Self::run_hand(self.src, which, tokens, eoi);
        let answered = hand.is_some();
        let hand_agrees = match (hand, &slow) {
            (None, _) => true,
            (Some(Output::Statement(a)), Ok(Output::Statement(b))) => a == *b,
            (Some(Output::Clause(a)), Ok(Output::Clause(b))) => a == *b,
            _ => false,
        };
        let agree = hand_agrees
            && match (fast, slow) {
                (Err(_), Err(_)) => true,
                (Ok(Output::Statement(a)), Ok(Output::Statement(b))) => a == b,
                (Ok(Output::Clause(a)), Ok(Output::Clause(b))) => a == b,
                (Ok(Output::Expr(a)), Ok(Output::Expr(b))) => a == b,
                _ => false,
            };
        (agree, answered)
    }
}
