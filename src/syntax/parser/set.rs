//! Set analysis: `{ identifier <modifier> op … }` inside chart aggregations and before
//! expressions. Inside braces `<` and `>` delimit modifiers, not comparisons.

use super::common::{field_name, ident_from, sp};
use super::{Input, PErr};
use crate::syntax::ast::*;
use crate::syntax::token::Token;
use chumsky::pratt::{infix, left, prefix};
use chumsky::prelude::*;

fn set_op<'t, 's: 't, E: PErr<'t, 's>>(
    ops: &'static [(Token<'static>, SetOp)],
) -> impl Parser<'t, Input<'t, 's>, SetOp, extra::Err<E>> + Clone {
    let find = move |t: &Token<'s>| {
        ops.iter()
            .find(|(tok, _)| std::mem::discriminant(tok) == std::mem::discriminant(t))
            .map(|(_, op)| *op)
    };
    any()
        .filter(move |t: &Token<'s>| find(t).is_some())
        .map(move |t: Token<'s>| find(&t).unwrap_or(SetOp::Union))
}

const UNION_EXCLUSION: &[(Token<'static>, SetOp)] = &[
    (Token::Plus, SetOp::Union),
    (Token::Minus, SetOp::Exclusion),
];
const INTERSECTION: &[(Token<'static>, SetOp)] = &[
    (Token::Star, SetOp::Intersection),
    (Token::Slash, SetOp::SymmetricDifference),
];

pub(crate) fn set_expression<'t, 's: 't, E: PErr<'t, 's>>(
) -> Boxed<'t, 't, Input<'t, 's>, SetExpression, extra::Err<E>> {
    recursive(|set_expression| {
        let identifier = choice((
            select! { Token::Number(n) => n, Token::DollarParam(p) => p, Token::Ident(w) => w, Token::Dollar(d) => d },
            select! { Token::QName(q) => q },
        ))
        .then(
            just(Token::ColonColon)
                .ignore_then(select! { Token::Ident(w) => w, Token::QName(q) => q })
                .or_not(),
        )
        .map_with(|(head, bookmark), e| SetIdentifier {
            text: match bookmark {
                Some(b) => format!("{head}::{b}"),
                None => head.to_owned(),
            },
            span: sp(e.span()),
        });

        let element = choice((
            just(Token::Minus)
                .or_not()
                .then(select! { Token::Number(n) => n })
                .map_with(|(minus, n), e| {
                    Element::Number(LitNumber {
                        text: if minus.is_some() { Name::from(format!("-{n}")) } else { Name::from(n) },
                        span: sp(e.span()),
                    })
                }),
            select! {
                Token::String(s) = e => Element::Literal(LitString {
                    value: super::common::unquote(s).0,
                    span: sp(e.span()),
                }),
                Token::QName(q) = e => {
                    let (text, quote) = super::common::unquote(q);
                    Element::Search(ElementSearch { text, quote, span: sp(e.span()) })
                },
                Token::Dollar(d) = e => Element::Dollar(ExprDollar::new(d, sp(e.span()))),
                Token::Ident(w) = e => Element::Word(ident_from(&Token::Ident(w), e.span()).expect("word")),
                Token::DollarParam(w) = e => Element::Word(ident_from(&Token::DollarParam(w), e.span()).expect("word")),
            },
        ));

        let list = element
            .separated_by(just(Token::Comma))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(just(Token::LBrace), just(Token::RBrace))
            .map_with(|elements, e| {
                ElementSet::List(ElementList {
                    elements,
                    span: sp(e.span()),
                })
            });

        let function = select! {
            Token::Ident(w) if w.eq_ignore_ascii_case("p") => ElementFunctionKind::Possible,
            Token::Ident(w) if w.eq_ignore_ascii_case("e") => ElementFunctionKind::Excluded,
        }
        .then_ignore(just(Token::LParen))
        .then(set_expression.clone().or_not())
        .then(field_name().or_not())
        .then_ignore(just(Token::RParen))
        .map_with(|((kind, set), field), e| {
            ElementSet::Function(ElementFunction {
                kind,
                set: set.map(Box::new),
                field,
                span: sp(e.span()),
            })
        });

        let state_field = select! { Token::Ident(w) => w }
            .map_with(|w, e| SetIdentifier {
                text: w.to_owned(),
                span: sp(e.span()),
            })
            .then_ignore(just(Token::ColonColon))
            .then(field_name())
            .map_with(|(state, field), e| {
                ElementSet::StateField(StateField {
                    state,
                    field,
                    span: sp(e.span()),
                })
            });

        let element_set = recursive(|element_set| {
            let term = choice((
                list,
                function,
                state_field,
                select! { Token::Dollar(d) = e => ElementSet::Dollar(ExprDollar::new(d, sp(e.span()))) },
                field_name().map(ElementSet::Field),
                element_set.delimited_by(just(Token::LParen), just(Token::RParen)),
            ));
            term.pratt((
                prefix(3, just(Token::Minus), |_, inner, e| {
                    ElementSet::Negated(ElementNegated {
                        inner: Box::new(inner),
                        span: sp(e.span()),
                    })
                }),
                infix(left(2), set_op(INTERSECTION), |l, op, r, e| {
                    ElementSet::Binary(ElementBinary {
                        op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                        span: sp(e.span()),
                    })
                }),
                infix(left(1), set_op(UNION_EXCLUSION), |l, op, r, e| {
                    ElementSet::Binary(ElementBinary {
                        op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                        span: sp(e.span()),
                    })
                }),
            ))
        });

        let selection_op = select! {
            Token::Eq => SelectionOp::Replace,
            Token::PlusEq => SelectionOp::Add,
            Token::MinusEq => SelectionOp::Remove,
            Token::StarEq => SelectionOp::Intersect,
            Token::SlashEq => SelectionOp::SymmetricDifference,
        };
        let selection = field_name()
            .then(selection_op)
            .then(element_set.or_not())
            .map_with(|((field, op), value), e| FieldSelection {
                field,
                op,
                value,
                span: sp(e.span()),
            });
        let selection = selection.map(Selection::Field).or(
            select! { Token::Dollar(d) = e => Selection::Dollar(ExprDollar::new(d, sp(e.span()))) },
        );
        let modifier = choice((
            just(Token::NotEq).to(Vec::new()),
            selection
                .separated_by(just(Token::Comma))
                .allow_trailing()
                .collect::<Vec<_>>()
                .delimited_by(just(Token::Lt), just(Token::Gt)),
        ))
        .map_with(|selections, e| SetModifier {
            selections,
            span: sp(e.span()),
        });

        let set_body = recursive(|set_body| {
            let entity = choice((
                identifier
                    .then(modifier.clone().or_not())
                    .map_with(|(identifier, modifier), e| {
                        SetExpr::Entity(SetEntity {
                            identifier: Some(identifier),
                            modifier,
                            span: sp(e.span()),
                        })
                    }),
                modifier.map_with(|modifier, e| {
                    SetExpr::Entity(SetEntity {
                        identifier: None,
                        modifier: Some(modifier),
                        span: sp(e.span()),
                    })
                }),
                set_body
                    .delimited_by(just(Token::LParen), just(Token::RParen))
                    .map_with(|inner, e| {
                        SetExpr::Group(SetGroup {
                            inner: Box::new(inner),
                            span: sp(e.span()),
                        })
                    }),
            ));
            entity.pratt((
                infix(left(2), set_op(INTERSECTION), |l, op, r, e| {
                    SetExpr::Binary(SetBinary {
                        op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                        span: sp(e.span()),
                    })
                }),
                infix(left(1), set_op(UNION_EXCLUSION), |l, op, r, e| {
                    SetExpr::Binary(SetBinary {
                        op,
                        lhs: Box::new(l),
                        rhs: Box::new(r),
                        span: sp(e.span()),
                    })
                }),
            ))
        });

        set_body
            .delimited_by(just(Token::LBrace), just(Token::RBrace))
            .map_with(|body, e| SetExpression {
                body,
                span: sp(e.span()),
            })
            .labelled("set expression")
    })
    .boxed()
}
