//! Control clauses (spec §6). Each is parsed alone; `blocks` nests them into IF/FOR/… blocks.

use super::common::{kw, kw_any, name};
use super::{Bx, PErr};
use crate::syntax::ast::*;
use crate::syntax::token::Token;
use chumsky::prelude::*;

/// One control clause, before blocks are built.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    If(Expr),
    ElseIf(Expr),
    Else,
    EndIf,
    For {
        variable: Ident,
        from: Expr,
        to: Expr,
        step: Option<Expr>,
    },
    ForEach {
        variable: Ident,
        list: ForEachList,
    },
    Next(Option<Ident>),
    Do(Option<LoopCondition>),
    Loop(Option<LoopCondition>),
    Sub {
        name: Ident,
        params: Vec<Ident>,
    },
    EndSub,
    Switch(Expr),
    Case(Vec<Expr>),
    Default,
    EndSwitch,
    /// A clause that is a statement in its own right (CALL, EXIT, implicit LET).
    Stmt(StmtKind),
}

impl Clause {
    /// Moves every span by `delta` bytes.
    pub fn shift_spans(&mut self, delta: u32) {
        use crate::syntax::visit::{ShiftSpans, VisitMut};
        let mut v = ShiftSpans(delta);
        match self {
            Clause::If(e) | Clause::ElseIf(e) | Clause::Switch(e) => v.visit_expr(e),
            Clause::Else | Clause::EndIf | Clause::EndSub | Clause::Default | Clause::EndSwitch => {
            }
            Clause::For {
                variable,
                from,
                to,
                step,
            } => {
                v.visit_ident(variable);
                v.visit_expr(from);
                v.visit_expr(to);
                if let Some(step) = step {
                    v.visit_expr(step);
                }
            }
            Clause::ForEach { variable, list } => {
                v.visit_ident(variable);
                match list {
                    ForEachList::Values(values) => values.iter_mut().for_each(|e| v.visit_expr(e)),
                    ForEachList::FileList(e)
                    | ForEachList::DirList(e)
                    | ForEachList::FieldValueList(e) => v.visit_expr(e),
                }
            }
            Clause::Next(variable) => {
                if let Some(variable) = variable {
                    v.visit_ident(variable);
                }
            }
            Clause::Do(condition) | Clause::Loop(condition) => {
                if let Some(c) = condition {
                    v.visit_expr(&mut c.condition);
                }
            }
            Clause::Sub { name, params } => {
                v.visit_ident(name);
                params.iter_mut().for_each(|p| v.visit_ident(p));
            }
            Clause::Case(values) => values.iter_mut().for_each(|e| v.visit_expr(e)),
            Clause::Stmt(kind) => {
                // Walked as a statement of its own; the wrapper's span is thrown away.
                let mut stmt = Stmt {
                    prefixes: Vec::new(),
                    kind: std::mem::replace(kind, StmtKind::Empty),
                    span: Span::default(),
                };
                v.visit_stmt(&mut stmt);
                *kind = stmt.kind;
            }
        }
    }
}

pub(crate) fn clause<'t, 's: 't, E: PErr<'t, 's>>(
    expr: Bx<'t, 's, Expr, E>,
) -> Bx<'t, 's, Clause, E> {
    let condition = kw_any(&["while", "until"])
        .then(expr.clone())
        .map(|(i, condition)| LoopCondition {
            kind: if i == 0 {
                LoopConditionKind::While
            } else {
                LoopConditionKind::Until
            },
            condition,
        })
        .or_not();
    let list = choice((
        kw_any(&["filelist", "dirlist", "fieldvaluelist"])
            .then(
                expr.clone()
                    .delimited_by(just(Token::LParen), just(Token::RParen)),
            )
            .map(|(i, e)| match i {
                0 => ForEachList::FileList(e),
                1 => ForEachList::DirList(e),
                _ => ForEachList::FieldValueList(e),
            }),
        expr.clone()
            .separated_by(just(Token::Comma))
            .at_least(1)
            .collect::<Vec<_>>()
            .map(ForEachList::Values),
    ));
    let exit_condition = kw_any(&["when", "unless"])
        .then(expr.clone())
        .map(|(i, condition)| ExitCondition {
            kind: if i == 0 {
                ConditionKind::When
            } else {
                ConditionKind::Unless
            },
            condition,
        })
        .or_not();
    let params = name()
        .separated_by(just(Token::Comma))
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .or_not()
        .map(Option::unwrap_or_default);
    let args = expr
        .clone()
        .separated_by(just(Token::Comma))
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .or_not()
        .map(Option::unwrap_or_default);

    choice((
        // Qlik runs `IF cond` with no THEN at the end of its line.
        kw("if")
            .ignore_then(expr.clone())
            .then_ignore(kw("then").or_not())
            .map(Clause::If),
        kw("elseif")
            .ignore_then(expr.clone())
            .then_ignore(kw("then").or_not())
            .map(Clause::ElseIf),
        kw("else").to(Clause::Else),
        kw("endif").to(Clause::EndIf),
        kw("end").ignore_then(choice((
            kw("if").to(Clause::EndIf),
            kw("sub").to(Clause::EndSub),
            kw("switch").to(Clause::EndSwitch),
        ))),
        kw("endsub").to(Clause::EndSub),
        kw("endswitch").to(Clause::EndSwitch),
        kw("for")
            .ignore_then(kw("each"))
            .ignore_then(name())
            .then_ignore(kw("in"))
            .then(list)
            .map(|(variable, list)| Clause::ForEach { variable, list }),
        kw("for")
            .ignore_then(name())
            .then_ignore(just(Token::Eq))
            .then(expr.clone())
            .then_ignore(kw("to"))
            .then(expr.clone())
            .then(kw("step").ignore_then(expr.clone()).or_not())
            .map(|(((variable, from), to), step)| Clause::For {
                variable,
                from,
                to,
                step,
            }),
        kw("next").ignore_then(name().or_not()).map(Clause::Next),
        kw("do").ignore_then(condition.clone()).map(Clause::Do),
        kw("loop").ignore_then(condition).map(Clause::Loop),
        kw("exit")
            .ignore_then(choice((
                // `EXIT SCRIPT 'why'` and (newer releases) `EXIT ERROR 'why'` take a message.
                kw_any(&["script", "error"])
                    .map(|i| {
                        if i == 0 {
                            ExitTarget::Script
                        } else {
                            ExitTarget::Error
                        }
                    })
                    .then(
                        expr.clone()
                            .and_is(kw_any(&["when", "unless"]).not())
                            .or_not(),
                    ),
                kw("for").to((ExitTarget::For, None)),
                kw("do").to((ExitTarget::Do, None)),
                kw("sub").to((ExitTarget::Sub, None)),
            )))
            .then(exit_condition)
            .map(|((target, message), condition)| {
                Clause::Stmt(StmtKind::Exit(Box::new(StmtExit {
                    target,
                    message,
                    condition,
                })))
            }),
        kw("sub")
            .ignore_then(name())
            .then(params)
            .map(|(name, params)| Clause::Sub { name, params }),
        kw("call")
            .ignore_then(name())
            .then(args)
            .map(|(name, args)| Clause::Stmt(StmtKind::Call(Box::new(StmtCall { name, args })))),
        kw("switch").ignore_then(expr.clone()).map(Clause::Switch),
        kw("case")
            .ignore_then(
                expr.clone()
                    .separated_by(just(Token::Comma))
                    .at_least(1)
                    .collect::<Vec<_>>(),
            )
            .map(Clause::Case),
        kw("default").to(Clause::Default),
        name()
            .then_ignore(just(Token::Eq))
            .then(expr.or_not())
            .map(|(name, value)| {
                Clause::Stmt(StmtKind::Let(Box::new(StmtLet {
                    name,
                    value,
                    implicit: true,
                })))
            }),
    ))
    .boxed()
}
