//! Expressions: precedence climbing over Qlik's operators, shared by scripts and chart
//! expressions.
//!
//! Precedence, loosest first: `or xor` < `and` < `not` < relational (`= <> < <= > >= like
//! precedes follows`) < `bitor bitxor` < `bitand` < `<< >>` < `&` < `+ -` < `* /` < unary
//! `- + bitnot`. Qlik does not publish a table; this one follows community material and the
//! third-party parsers we checked (see grammar/qlik-script.ebnf).

use super::common::{field_name, ident_from, kw, kw_any, sp, trimmed, unquote};
use super::set::set_expression;
use super::{Input, PErr};
use crate::syntax::ast::*;
use crate::syntax::grammar_tables;
use crate::syntax::token::Token;
use chumsky::prelude::*;

pub(super) fn bin(op: BinaryOp, lhs: Expr, rhs: Expr, span: SimpleSpan) -> Expr {
    Expr::Binary(ExprBinary {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
        span: sp(span),
    })
}

pub(super) fn un(op: UnaryOp, operand: Expr, span: SimpleSpan) -> Expr {
    Expr::Unary(ExprUnary {
        op,
        operand: Box::new(operand),
        span: sp(span),
    })
}

/// Sort types and orders of a structured Aggr dimension `(Field, (NUMERIC, DESCENDING))`.
const AGGR_SORT_WORDS: &[&str] = &[
    "NUMERIC",
    "TEXT",
    "FREQUENCY",
    "LOAD_ORDER",
    "ASCENDING",
    "DESCENDING",
    "REVERSE",
    "A2Z",
    "Z2A",
    "ORIGINAL",
];

/// `@1`, `@3:8`, `@6:n`, `@9:nT`, `@1:5I`.
pub(super) fn is_position(word: &str) -> bool {
    word.len() > 1 && word.starts_with('@') && word[1..].bytes().all(|b| b.is_ascii_digit())
}

/// The expression parser. `chart` enables what only chart expressions have: set expressions,
/// `TOTAL <fields>`, outer sets and structured Aggr parameters.
pub(crate) fn expression<'t, 's: 't, E: PErr<'t, 's>>(
    chart: bool,
) -> Boxed<'t, 't, Input<'t, 's>, Expr, extra::Err<E>> {
    recursive(move |expr| {
        let literal = select! {
            Token::Number(n) = e => Expr::Number(LitNumber { text: Name::from(n), span: sp(e.span()) }),
            Token::String(s) = e => Expr::String(LitString { value: unquote(s).0, span: sp(e.span()) }),
            Token::Dollar(d) = e => Expr::Dollar(ExprDollar::new(d, sp(e.span()))),
            Token::DollarParam(p) = e => Expr::Param(ExprParam { text: p.to_owned(), span: sp(e.span()) }),
        };

        let position = select! { Token::Ident(w) if is_position(w) => w }
            .then(
                just(Token::Colon)
                    .ignore_then(select! { Token::Number(n) => n, Token::Ident(w) => w })
                    .then(
                        select! { Token::Ident(w) if w.len() == 1 && "IURBTNiurbtn".contains(w) => w }
                            .or_not(),
                    )
                    .or_not(),
            )
            .map_with(|(head, rest), e| {
                let mut text = head.to_owned();
                if let Some((end, suffix)) = rest {
                    text.push(':');
                    text.push_str(end);
                    text.push_str(suffix.unwrap_or(""));
                }
                Expr::Position(ExprPosition {
                    text,
                    span: sp(e.span()),
                })
            });

        // An aggregation qualifier is a keyword only when an argument follows it.
        let argument_follows = any()
            .filter(|t: &Token| !matches!(t, Token::RParen | Token::Comma))
            .rewind();
        let total_fields = just(Token::Lt)
            .ignore_then(
                field_name()
                    .separated_by(just(Token::Comma))
                    .at_least(1)
                    .collect::<Vec<_>>(),
            )
            .then_ignore(just(Token::Gt));
        let total_fields = if chart {
            total_fields.or_not().boxed()
        } else {
            empty().to(None).boxed()
        };
        // DISTINCT/NODISTINCT, ALL and TOTAL in any order (the engine's own rules differ per
        // function: `Fractile(TOTAL ALL x, 0.5)`, `Sum(DISTINCT TOTAL x)`).
        let qualifiers = choice((
            kw_any(&["distinct", "nodistinct"])
                .then_ignore(argument_follows)
                .map(|i| Qualifier::Distinct(if i == 0 { Distinctness::Distinct } else { Distinctness::NoDistinct })),
            kw("all").then_ignore(argument_follows).to(Qualifier::All),
            kw("total")
                .then_ignore(argument_follows)
                .ignore_then(total_fields)
                .map_with(|fields, e| Qualifier::Total(Total { fields: fields.unwrap_or_default(), span: sp(e.span()) })),
        ))
        .repeated()
        .at_most(3)
        .collect::<Vec<_>>();
        let set_arg = if chart {
            set_expression().map(Some).boxed()
        } else {
            empty().to(None).boxed()
        };
        // Qlik takes an empty last argument (`if(c, x, )`, `WeekDay(Today(),)`) as if it were
        // left out.
        let args = expr
            .clone()
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<_>>()
            .map(trimmed);
        let call_tail = just(Token::LParen)
            .ignore_then(set_arg.or_not().map(Option::flatten))
            .then(qualifiers)
            .then(args)
            .then_ignore(just(Token::RParen));
        // A word is a function call when `(` follows, else a field: one parser for both, so
        // the word is matched once.
        let word = select! { Token::Ident(w) = e => (w, e.span()) }
            .then(call_tail.or_not())
            .map_with(|((word, span), tail), e| {
                let Some(((mut set, qualifiers), mut args)) = tail else {
                    return Expr::Field(ident_from(&Token::Ident(word), span).expect("word"));
                };
                let (mut distinct, mut all, mut total) = (None, false, None);
                for q in qualifiers {
                    match q {
                        Qualifier::Distinct(d) => distinct = Some(d),
                        Qualifier::All => all = true,
                        Qualifier::Total(t) => total = Some(t),
                    }
                }
                // Only aggregations take a set expression; before the argument of any other
                // known function (`RangeSum({<…>} Sum(X))`) it is an outer set of that argument.
                let aggregation = || grammar_tables::function(word).is_none_or(|f| f.aggregation);
                let outer_of_first = set.is_some() && !args.is_empty() && !aggregation();
                if let (Some(outer), Some(first)) = (set.take_if(|_| outer_of_first), args.first_mut()) {
                    let inner = std::mem::replace(first, Expr::Number(LitNumber { text: Name::default(), span: outer.span }));
                    let span = outer.span.cover(inner.span());
                    *first = Expr::Scoped(Box::new(ExprScoped { set: outer, expr: Box::new(inner), span }));
                }
                // `RowNo(TOTAL)`, `NoOfRows(TOTAL)`: the keyword is the only argument.
                if total.is_none() {
                    if let [Expr::Field(f)] = args.as_slice() {
                        if f.quote == Quote::None && f.text.eq_ignore_ascii_case("total") {
                            total = Some(Total { fields: Vec::new(), span: f.span });
                            args.clear();
                        }
                    }
                }
                Expr::Call(Box::new(ExprCall {
                    name: ident_from(&Token::Ident(word), span).expect("word"),
                    set: set.map(Box::new),
                    distinct,
                    all,
                    total,
                    args,
                    span: sp(e.span()),
                }))
            });

        let quoted_field = select! {
            Token::QName(q) = e => Expr::Field(ident_from(&Token::QName(q), e.span()).expect("name token")),
        };

        let items = expr
            .clone()
            .separated_by(just(Token::Comma))
            .at_least(1)
            .collect::<Vec<_>>()
            .delimited_by(just(Token::LParen), just(Token::RParen));
        // `(a, b)` is only an expression in charts: a structured Aggr dimension.
        let grouped = if chart {
            items
                .map_with(|mut items: Vec<Expr>, e| {
                    if items.len() == 1 {
                        return Expr::Paren(ExprParen {
                            inner: Box::new(items.remove(0)),
                            span: sp(e.span()),
                        });
                    }
                    for item in &mut items {
                        if let Expr::Field(f) = item {
                            if f.quote == Quote::None && AGGR_SORT_WORDS.iter().any(|w| f.text.eq_ignore_ascii_case(w)) {
                                *item = Expr::Keyword(ExprKeyword { word: f.text.to_ascii_uppercase().to_string(), span: f.span });
                            }
                        }
                    }
                    Expr::Tuple(ExprTuple { items, span: sp(e.span()) })
                })
                .boxed()
        } else {
            expr.clone()
                .delimited_by(just(Token::LParen), just(Token::RParen))
                .map_with(|inner, e| Expr::Paren(ExprParen { inner: Box::new(inner), span: sp(e.span()) }))
                .boxed()
        };

        let atom = choice((literal, position, word, quoted_field, grouped))
        .labelled("expression");

        // Precedence climbing by hand: one look at the next token decides whether it is an
        // operator, instead of trying each operator's parser in turn (the parser's hot path).
        let fast = E::FIRST_PASS && !chart;
        let operators = custom(move |inp| climb(inp, &atom, 0, fast));
        // In charts a set expression may open an expression (or a parenthesised one) and then
        // applies to all of it: `{<Year={2021}>} Sum(Sales) / Count(Customer)`.
        if chart {
            set_expression()
                .or_not()
                .then(operators)
                .map_with(|(set, expr), e| match set {
                    Some(set) => Expr::Scoped(Box::new(ExprScoped { set, expr: Box::new(expr), span: sp(e.span()) })),
                    None => expr,
                })
                .boxed()
        } else {
            operators.boxed()
        }
    })
    .boxed()
}

/// The binary operator a token stands for, with its binding power (higher binds tighter).
pub(super) fn binary_op(token: &Token) -> Option<(BinaryOp, u8)> {
    use BinaryOp::*;
    Some(match token {
        Token::Star => (Mul, 11),
        Token::Slash => (Div, 11),
        Token::Plus => (Add, 10),
        Token::Minus => (Sub, 10),
        Token::Amp => (Concat, 9),
        Token::Shl => (Shl, 8),
        Token::Shr => (Shr, 8),
        Token::Eq => (Eq, 5),
        Token::NotEq => (NotEq, 5),
        Token::Lt => (Lt, 5),
        Token::LtEq => (LtEq, 5),
        Token::Gt => (Gt, 5),
        Token::GtEq => (GtEq, 5),
        Token::Ident(w) if w.len() <= 8 => {
            const WORDS: &[(&str, BinaryOp, u8)] = &[
                ("bitand", BitAnd, 7),
                ("bitor", BitOr, 6),
                ("bitxor", BitXor, 6),
                ("like", Like, 5),
                ("precedes", Precedes, 5),
                ("follows", Follows, 5),
                ("and", And, 3),
                ("or", Or, 2),
                ("xor", Xor, 2),
            ];
            let (_, op, power) = WORDS
                .iter()
                .find(|(word, _, _)| w.eq_ignore_ascii_case(word))?;
            (*op, *power)
        }
        _ => return None,
    })
}

/// The prefix operator a token stands for, with the binding power of its operand.
pub(super) fn prefix_op(token: &Token) -> Option<(UnaryOp, u8)> {
    match token {
        Token::Minus => Some((UnaryOp::Neg, 12)),
        Token::Plus => Some((UnaryOp::Plus, 12)),
        Token::Ident(w) if w.eq_ignore_ascii_case("bitnot") => Some((UnaryOp::BitNot, 12)),
        Token::Ident(w) if w.eq_ignore_ascii_case("not") => Some((UnaryOp::Not, 4)),
        _ => None,
    }
}

type InputRef<'t, 's, 'p, E> = chumsky::input::InputRef<'t, 'p, Input<'t, 's>, extra::Err<E>>;

/// Parses operands with `atom` and folds operators whose binding power is at least
/// `min_power`; binary operators are left-associative. With `fast`, operands are first tried
/// with [`fast_atom`].
fn climb<'t, 's: 't, 'p, E, A>(
    inp: &mut InputRef<'t, 's, 'p, E>,
    atom: &A,
    min_power: u8,
    fast: bool,
) -> Result<Expr, E>
where
    E: PErr<'t, 's>,
    A: Parser<'t, Input<'t, 's>, Expr, extra::Err<E>>,
{
    let start = inp.cursor();
    let mut lhs = match inp.peek().as_ref().and_then(prefix_op) {
        Some((op, power)) => {
            inp.skip();
            let operand = climb(inp, atom, power, fast)?;
            un(op, operand, inp.span_since(&start))
        }
        None => {
            let checkpoint = inp.save();
            match fast.then(|| fast_atom(inp)).flatten() {
                Some(expr) => expr,
                None => {
                    inp.rewind(checkpoint);
                    inp.parse(atom)?
                }
            }
        }
    };
    while let Some((op, power)) = inp.peek().as_ref().and_then(binary_op) {
        if power < min_power {
            break;
        }
        inp.skip();
        let rhs = climb(inp, atom, power + 1, fast)?;
        lhs = bin(op, lhs, rhs, inp.span_since(&start));
    }
    Ok(lhs)
}

/// Precedence climbing over [`fast_atom`] operands alone: `None` as soon as any operand is not
/// one it reads. It never falls back to the combinators itself: a fallback at every nesting
/// level, each retrying the level below, made unbalanced input exponential (26 nested calls
/// around a `DISTINCT` took half a minute). The one fallback is at the top, in [`climb`].
fn fast_climb<'t, 's: 't, 'p, E: PErr<'t, 's>>(
    inp: &mut InputRef<'t, 's, 'p, E>,
    min_power: u8,
) -> Option<Expr> {
    let start = inp.cursor();
    let mut lhs = match inp.peek().as_ref().and_then(prefix_op) {
        Some((op, power)) => {
            inp.skip();
            let operand = fast_climb(inp, power)?;
            un(op, operand, inp.span_since(&start))
        }
        None => fast_atom(inp)?,
    };
    while let Some((op, power)) = inp.peek().as_ref().and_then(binary_op) {
        if power < min_power {
            break;
        }
        inp.skip();
        let rhs = fast_climb(inp, power + 1)?;
        lhs = bin(op, lhs, rhs, inp.span_since(&start));
    }
    Some(lhs)
}

/// The common operands of script expressions, read by hand: literals, names, plain function
/// calls and parentheses (the combinators' dispatch was the largest cost of parsing a LOAD).
/// It builds exactly what the `atom` combinator builds, spans included, and gives up (`None`,
/// the caller rewinds and runs `atom`) on anything else: `@` positions, aggregation qualifiers
/// (`DISTINCT`, `ALL`, `TOTAL`), chart-only forms, or any input that does not parse, at any
/// depth. Script mode, first pass only (see [`super::ErrorMode`]).
fn fast_atom<'t, 's: 't, 'p, E: PErr<'t, 's>>(inp: &mut InputRef<'t, 's, 'p, E>) -> Option<Expr> {
    let start = inp.cursor();
    let token = inp.next()?;
    let span = inp.span_since(&start);
    Some(match token {
        Token::Ident(w) if is_position(w) => return None,
        Token::Ident(_) => {
            let name = ident_from(&token, span)?;
            if inp.peek() != Some(Token::LParen) {
                return Some(Expr::Field(name));
            }
            inp.skip();
            let mut args = Vec::new();
            match inp.peek()? {
                Token::RParen => {}
                Token::Ident(q) if is_qualifier(q) => return None,
                _ => loop {
                    args.push(fast_climb(inp, 0)?);
                    if inp.peek() != Some(Token::Comma) {
                        break;
                    }
                    inp.skip();
                },
            }
            if inp.next()? != Token::RParen {
                return None;
            }
            plain_call(name, args, inp.span_since(&start))
        }
        Token::LParen => {
            let inner = fast_climb(inp, 0)?;
            if inp.next()? != Token::RParen {
                return None;
            }
            Expr::Paren(ExprParen {
                inner: Box::new(inner),
                span: sp(inp.span_since(&start)),
            })
        }
        _ => return token_operand(token, span),
    })
}

/// A one-token operand: a number, string, `$(…)`, `$n` or quoted field name.
pub(super) fn token_operand(token: Token, span: SimpleSpan) -> Option<Expr> {
    Some(match token {
        Token::Number(n) => Expr::Number(LitNumber {
            text: Name::from(n),
            span: sp(span),
        }),
        Token::String(s) => Expr::String(LitString {
            value: unquote(s).0,
            span: sp(span),
        }),
        Token::Dollar(d) => Expr::Dollar(ExprDollar::new(d, sp(span))),
        Token::DollarParam(p) => Expr::Param(ExprParam {
            text: p.to_owned(),
            span: sp(span),
        }),
        Token::QName(_) => Expr::Field(ident_from(&token, span)?),
        _ => return None,
    })
}

/// A word that starts an aggregation's arguments as a qualifier; the fast paths leave calls
/// with one to the combinators.
pub(super) fn is_qualifier(word: &str) -> bool {
    ["distinct", "nodistinct", "all", "total"]
        .iter()
        .any(|k| word.eq_ignore_ascii_case(k))
}

/// A call without set expression or qualifiers, as the fast paths read it.
pub(super) fn plain_call(name: Ident, args: Vec<Expr>, span: SimpleSpan) -> Expr {
    Expr::Call(Box::new(ExprCall {
        name,
        set: None,
        distinct: None,
        all: false,
        total: None,
        args: trimmed(args),
        span: sp(span),
    }))
}

/// An aggregation qualifier, in whatever order they are written.
#[derive(Clone)]
enum Qualifier {
    Distinct(Distinctness),
    All,
    Total(Total),
}
