//! Nests control clauses into blocks and chains preceding loads to the statement below them.
//!
//! Works on the flat list of parsed items with an explicit stack, so unbalanced input costs a
//! diagnostic, never a panic or a deep recursion.

use super::ast::*;
use super::parser::Clause;
use super::problem::Problem;
use crate::diagnostics::Diagnostic;

/// A parsed item before nesting.
pub(crate) enum Piece {
    Stmt(Stmt),
    /// Boxed: clauses are rare and large, statements common and small.
    Clause(Box<Clause>, Span),
}

/// Deeper blocks than this are reported (QS301) rather than nested.
const MAX_BLOCK_DEPTH: usize = 64;

enum Open {
    If {
        branches: Vec<IfBranch>,
        else_branch: Option<ElseBranch>,
        dead_branches: Vec<ElseBranch>,
    },
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
    Do(Option<LoopCondition>),
    Sub {
        name: Ident,
        params: Vec<Ident>,
    },
    Switch {
        subject: Expr,
        before_first_case: Vec<Stmt>,
        cases: Vec<SwitchCase>,
        default: Option<ElseBranch>,
    },
}

impl Open {
    fn name(&self) -> &'static str {
        match self {
            Open::If { .. } => "IF",
            Open::For { .. } | Open::ForEach { .. } => "FOR",
            Open::Do(_) => "DO",
            Open::Sub { .. } => "SUB",
            Open::Switch { .. } => "SWITCH",
        }
    }
}

struct Frame {
    open: Open,
    /// The opening clause.
    clause: Span,
    /// Statements of the part being collected (current branch, case, loop body).
    body: Vec<Stmt>,
}

#[derive(Clone, Copy, PartialEq)]
enum Closer {
    EndIf,
    Next,
    Loop,
    EndSub,
    EndSwitch,
}

fn closes(open: &Open, closer: Closer) -> bool {
    matches!(
        (open, closer),
        (Open::If { .. }, Closer::EndIf)
            | (Open::For { .. } | Open::ForEach { .. }, Closer::Next)
            | (Open::Do(_), Closer::Loop)
            | (Open::Sub { .. }, Closer::EndSub)
            | (Open::Switch { .. }, Closer::EndSwitch)
    )
}

/// Nests pieces as they come, so the driver never holds the whole file as a flat list (a
/// second copy of every statement, grown by doubling, was a tenth of the parse time in page
/// faults and copies on large scripts).
pub(crate) struct Builder {
    root: Vec<Stmt>,
    stack: Vec<Frame>,
    /// Kept apart from the parser's, in the order a whole-file pass would give them.
    diagnostics: Vec<Diagnostic>,
}

impl Builder {
    pub fn new() -> Self {
        Builder {
            root: Vec::new(),
            stack: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Adds the next piece in source order.
    pub fn push(&mut self, piece: Piece) {
        fn body<'a>(root: &'a mut Vec<Stmt>, stack: &'a mut [Frame]) -> &'a mut Vec<Stmt> {
            match stack.last_mut() {
                Some(frame) => &mut frame.body,
                None => root,
            }
        }
        let (clause, span) = match piece {
            Piece::Stmt(stmt) => {
                body(&mut self.root, &mut self.stack).push(stmt);
                return;
            }
            Piece::Clause(clause, span) => (*clause, span),
        };
        let opened = match clause {
            Clause::If(condition) => Some(Open::If {
                branches: vec![IfBranch {
                    condition,
                    clause: span,
                    body: Vec::new(),
                }],
                else_branch: None,
                dead_branches: Vec::new(),
            }),
            Clause::For {
                variable,
                from,
                to,
                step,
            } => Some(Open::For {
                variable,
                from,
                to,
                step,
            }),
            Clause::ForEach { variable, list } => Some(Open::ForEach { variable, list }),
            Clause::Do(condition) => Some(Open::Do(condition)),
            Clause::Sub { name, params } => Some(Open::Sub { name, params }),
            Clause::Switch(subject) => Some(Open::Switch {
                subject,
                before_first_case: Vec::new(),
                cases: Vec::new(),
                default: None,
            }),
            Clause::Stmt(kind) => {
                body(&mut self.root, &mut self.stack).push(Stmt {
                    prefixes: Vec::new(),
                    kind,
                    span,
                });
                return;
            }
            Clause::ElseIf(condition) => {
                match self.stack.last_mut() {
                    Some(Frame {
                        open:
                            Open::If {
                                branches,
                                else_branch: None,
                                ..
                            },
                        body,
                        ..
                    }) => {
                        if let Some(last) = branches.last_mut() {
                            last.body =
                                chain_preceding(std::mem::take(body), &mut self.diagnostics);
                        }
                        branches.push(IfBranch {
                            condition,
                            clause: span,
                            body: Vec::new(),
                        });
                    }
                    _ => unmatched(&mut self.diagnostics, span, "ELSEIF", "IF"),
                }
                return;
            }
            Clause::Else => {
                match self.stack.last_mut() {
                    Some(Frame {
                        open:
                            Open::If {
                                branches,
                                else_branch: else_branch @ None,
                                ..
                            },
                        body,
                        ..
                    }) => {
                        if let Some(last) = branches.last_mut() {
                            last.body =
                                chain_preceding(std::mem::take(body), &mut self.diagnostics);
                        }
                        *else_branch = Some(ElseBranch {
                            clause: span,
                            body: Vec::new(),
                        });
                    }
                    // Qlik runs the first ELSE branch and, at the next ELSE, skips to END IF.
                    Some(Frame {
                        open:
                            Open::If {
                                else_branch: Some(first),
                                dead_branches,
                                ..
                            },
                        body,
                        ..
                    }) => {
                        let done = chain_preceding(std::mem::take(body), &mut self.diagnostics);
                        let first_clause = first.clause;
                        match dead_branches.last_mut() {
                            Some(last) => last.body = done,
                            None => first.body = done,
                        }
                        dead_branches.push(ElseBranch {
                            clause: span,
                            body: Vec::new(),
                        });
                        self.diagnostics.push(
                            Problem::SecondElse {
                                first_else: first_clause,
                            }
                            .at(span),
                        );
                    }
                    _ => unmatched(&mut self.diagnostics, span, "ELSE", "IF"),
                }
                return;
            }
            Clause::Case(values) => {
                match self.stack.last_mut() {
                    Some(Frame {
                        open:
                            Open::Switch {
                                cases,
                                default: None,
                                before_first_case,
                                ..
                            },
                        body,
                        ..
                    }) => {
                        let done = chain_preceding(std::mem::take(body), &mut self.diagnostics);
                        if let Some(last) = cases.last_mut() {
                            last.body = done;
                        } else {
                            before_first_case_found(&done, &mut self.diagnostics);
                            *before_first_case = done;
                        }
                        cases.push(SwitchCase {
                            values,
                            clause: span,
                            body: Vec::new(),
                        });
                    }
                    _ => unmatched(&mut self.diagnostics, span, "CASE", "SWITCH"),
                }
                return;
            }
            Clause::Default => {
                match self.stack.last_mut() {
                    Some(Frame {
                        open:
                            Open::Switch {
                                cases,
                                default: default @ None,
                                before_first_case,
                                ..
                            },
                        body,
                        ..
                    }) => {
                        let done = chain_preceding(std::mem::take(body), &mut self.diagnostics);
                        if let Some(last) = cases.last_mut() {
                            last.body = done;
                        } else {
                            before_first_case_found(&done, &mut self.diagnostics);
                            *before_first_case = done;
                        }
                        *default = Some(ElseBranch {
                            clause: span,
                            body: Vec::new(),
                        });
                    }
                    _ => unmatched(&mut self.diagnostics, span, "DEFAULT", "SWITCH"),
                }
                return;
            }
            Clause::EndIf => {
                close(
                    &mut self.root,
                    &mut self.stack,
                    Closer::EndIf,
                    Closing::default(),
                    span,
                    &mut self.diagnostics,
                );
                return;
            }
            Clause::Next(variable) => {
                let closing = Closing {
                    next_variable: variable,
                    loop_condition: None,
                };
                close(
                    &mut self.root,
                    &mut self.stack,
                    Closer::Next,
                    closing,
                    span,
                    &mut self.diagnostics,
                );
                return;
            }
            Clause::Loop(loop_condition) => {
                let closing = Closing {
                    next_variable: None,
                    loop_condition,
                };
                close(
                    &mut self.root,
                    &mut self.stack,
                    Closer::Loop,
                    closing,
                    span,
                    &mut self.diagnostics,
                );
                return;
            }
            Clause::EndSub => {
                close(
                    &mut self.root,
                    &mut self.stack,
                    Closer::EndSub,
                    Closing::default(),
                    span,
                    &mut self.diagnostics,
                );
                return;
            }
            Clause::EndSwitch => {
                close(
                    &mut self.root,
                    &mut self.stack,
                    Closer::EndSwitch,
                    Closing::default(),
                    span,
                    &mut self.diagnostics,
                );
                return;
            }
        };
        if let Some(open) = opened {
            if self.stack.len() >= MAX_BLOCK_DEPTH {
                self.diagnostics.push(
                    Problem::BlocksTooDeep {
                        limit: MAX_BLOCK_DEPTH,
                    }
                    .at(span),
                );
                body(&mut self.root, &mut self.stack).push(Stmt {
                    prefixes: Vec::new(),
                    kind: StmtKind::Error,
                    span,
                });
                return;
            }
            self.stack.push(Frame {
                open,
                clause: span,
                body: Vec::new(),
            });
        }
    }

    /// Closes what is still open and chains preceding loads: the statements and the block
    /// diagnostics.
    pub fn finish(self) -> (Vec<Stmt>, Vec<Diagnostic>) {
        let Builder {
            mut root,
            mut stack,
            mut diagnostics,
        } = self;
        while let Some(frame) = stack.pop() {
            diagnostics.push(unclosed(&frame));
            let stmt = finish(frame, Closing::default(), None, &mut diagnostics);
            match stack.last_mut() {
                Some(parent) => parent.body.push(stmt),
                None => root.push(stmt),
            }
        }
        let statements = chain_preceding_root(root, &mut diagnostics);
        (statements, diagnostics)
    }
}

/// What the closing clause adds to the block.
#[derive(Default)]
struct Closing {
    next_variable: Option<Ident>,
    loop_condition: Option<LoopCondition>,
}

fn closer_name(closer: Closer) -> (&'static str, &'static str) {
    match closer {
        Closer::EndIf => ("END IF", "IF"),
        Closer::Next => ("NEXT", "FOR"),
        Closer::Loop => ("LOOP", "DO"),
        Closer::EndSub => ("END SUB", "SUB"),
        Closer::EndSwitch => ("END SWITCH", "SWITCH"),
    }
}

fn unmatched(
    diagnostics: &mut Vec<Diagnostic>,
    span: Span,
    clause: &'static str,
    opener: &'static str,
) {
    diagnostics.push(Problem::UnmatchedBlockEnd { clause, opener }.at(span));
}

fn unclosed(frame: &Frame) -> Diagnostic {
    let (closer, _) = closer_name(match frame.open {
        Open::If { .. } => Closer::EndIf,
        Open::For { .. } | Open::ForEach { .. } => Closer::Next,
        Open::Do(_) => Closer::Loop,
        Open::Sub { .. } => Closer::EndSub,
        Open::Switch { .. } => Closer::EndSwitch,
    });
    Problem::UnclosedBlock {
        block: frame.open.name(),
        closer,
    }
    .at(frame.clause)
}

/// Closes the innermost block `closer` matches. Blocks opened inside it and left open are
/// closed too, each with a QS202; with no matching block at all the clause is a QS201.
fn close(
    root: &mut Vec<Stmt>,
    stack: &mut Vec<Frame>,
    closer: Closer,
    closing: Closing,
    span: Span,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let Some(depth) = stack.iter().rposition(|f| closes(&f.open, closer)) else {
        let (clause, opener) = closer_name(closer);
        unmatched(diagnostics, span, clause, opener);
        return;
    };
    while stack.len() > depth + 1 {
        let inner = stack.pop().expect("deeper frame");
        diagnostics.push(unclosed(&inner));
        let stmt = finish(inner, Closing::default(), None, diagnostics);
        stack.last_mut().expect("matching frame").body.push(stmt);
    }
    let frame = stack.pop().expect("matching frame");
    let stmt = finish(frame, closing, Some(span), diagnostics);
    match stack.last_mut() {
        Some(parent) => parent.body.push(stmt),
        None => root.push(stmt),
    }
}

fn finish(
    frame: Frame,
    closing: Closing,
    end: Option<Span>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Stmt {
    let body = chain_preceding(frame.body, diagnostics);
    let next = |variable: Option<Ident>| end.map(|span| NextClause { variable, span });
    let kind = match frame.open {
        Open::If {
            mut branches,
            mut else_branch,
            mut dead_branches,
        } => {
            match (
                dead_branches.last_mut(),
                &mut else_branch,
                branches.last_mut(),
            ) {
                (Some(d), _, _) => d.body = body,
                (None, Some(e), _) => e.body = body,
                (None, None, Some(last)) => last.body = body,
                (None, None, None) => {}
            }
            StmtKind::If(Box::new(StmtIf {
                branches,
                else_branch,
                dead_branches,
                end,
            }))
        }
        Open::For {
            variable,
            from,
            to,
            step,
        } => {
            check_next_variable(&variable, &closing.next_variable, diagnostics);
            StmtKind::For(Box::new(StmtFor {
                variable,
                from,
                to,
                step,
                clause: frame.clause,
                body,
                next: next(closing.next_variable),
            }))
        }
        Open::ForEach { variable, list } => {
            check_next_variable(&variable, &closing.next_variable, diagnostics);
            StmtKind::ForEach(Box::new(StmtForEach {
                variable,
                list,
                clause: frame.clause,
                body,
                next: next(closing.next_variable),
            }))
        }
        Open::Do(condition) => StmtKind::Do(Box::new(StmtDo {
            condition,
            clause: frame.clause,
            body,
            loop_condition: closing.loop_condition,
            end,
        })),
        Open::Sub { name, params } => StmtKind::Sub(Box::new(StmtSub {
            name,
            params,
            clause: frame.clause,
            body,
            end,
        })),
        Open::Switch {
            subject,
            mut before_first_case,
            mut cases,
            mut default,
        } => {
            match (&mut default, cases.last_mut()) {
                (Some(d), _) => d.body = body,
                (None, Some(last)) => last.body = body,
                (None, None) => {
                    before_first_case_found(&body, diagnostics);
                    before_first_case = body;
                }
            }
            StmtKind::Switch(Box::new(StmtSwitch {
                subject,
                clause: frame.clause,
                before_first_case,
                cases,
                default,
                end,
            }))
        }
    };
    let mut stmt = Stmt {
        prefixes: Vec::new(),
        kind,
        span: Span {
            start: frame.clause.start,
            end: end.map_or(frame.clause.end, |e| e.end),
        },
    };
    // An unclosed block reaches as far as what it holds: statements and later clauses (an
    // ELSEIF, ELSE, CASE or DEFAULT with nothing under it yet).
    if end.is_none() {
        let last = stmt.children().iter().map(|c| c.span.end).max();
        let clauses = clause_spans(&stmt.kind).map(|s| s.end).max();
        stmt.span.end = stmt.span.end.max(last.max(clauses).unwrap_or(0));
    }
    stmt
}

/// A QS107 for statements that stand between SWITCH and its first CASE.
fn before_first_case_found(body: &[Stmt], diagnostics: &mut Vec<Diagnostic>) {
    let mut real = body.iter().filter(|s| s.kind != StmtKind::Empty);
    if let Some(first) = real.next() {
        let span = real
            .next_back()
            .map_or(first.span, |last| first.span.cover(last.span));
        diagnostics.push(Problem::StatementsBeforeCase.at(span));
    }
}

/// The spans of a block's inner clauses: ELSEIF and ELSE, CASE and DEFAULT.
fn clause_spans(kind: &StmtKind) -> impl Iterator<Item = Span> + '_ {
    let (branches, cases, last, dead) = match kind {
        StmtKind::If(s) => (
            &s.branches[..],
            &[][..],
            s.else_branch.as_ref(),
            &s.dead_branches[..],
        ),
        StmtKind::Switch(s) => (&[][..], &s.cases[..], s.default.as_ref(), &[][..]),
        _ => (&[][..], &[][..], None, &[][..]),
    };
    branches
        .iter()
        .map(|b| b.clause)
        .chain(cases.iter().map(|c| c.clause))
        .chain(last.map(|e| e.clause))
        .chain(dead.iter().map(|e| e.clause))
}

fn check_next_variable(variable: &Ident, next: &Option<Ident>, diagnostics: &mut Vec<Diagnostic>) {
    if let Some(n) = next {
        if n.text != variable.text {
            diagnostics.push(
                Problem::NextVariableMismatch {
                    next: &n.text,
                    variable: &variable.text,
                    variable_span: variable.span,
                }
                .at(n.span),
            );
        }
    }
}

fn is_source_less_load(stmt: &Stmt) -> bool {
    matches!(&stmt.kind, StmtKind::Load(load) if matches!(load.source, LoadSource::Missing | LoadSource::Following))
}

/// Attaches each LOAD without a source to the LOAD or SELECT below it in a block body (empty
/// statements in between are dropped). A body's last statements are followed by whatever runs
/// after the block, so a source-less LOAD there is left open ([`LoadSource::Following`]).
pub(crate) fn chain_preceding(body: Vec<Stmt>, diagnostics: &mut Vec<Diagnostic>) -> Vec<Stmt> {
    chain(body, true, diagnostics)
}

/// [`chain_preceding`] for the top level of a script: nothing follows its end.
pub(crate) fn chain_preceding_root(
    body: Vec<Stmt>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Stmt> {
    chain(body, false, diagnostics)
}

/// Statements after which only run time tells what comes next: Qlik chains a preceding LOAD
/// to the next LOAD or SELECT that actually runs, which may sit inside or after them.
fn decided_at_run_time(stmt: &Stmt) -> bool {
    matches!(
        stmt.kind,
        StmtKind::If(_)
            | StmtKind::Switch(_)
            | StmtKind::For(_)
            | StmtKind::ForEach(_)
            | StmtKind::Do(_)
            | StmtKind::Sub(_)
            | StmtKind::Call(_)
            | StmtKind::Include(_)
            | StmtKind::Dynamic(_)
    )
}

/// Bottom-up, so stacks of any height chain correctly. The result has no spare capacity:
/// block bodies are mostly one or two statements, and a body grown by pushing reserves four.
fn chain(mut body: Vec<Stmt>, open_end: bool, diagnostics: &mut Vec<Diagnostic>) -> Vec<Stmt> {
    if !body.iter().any(is_source_less_load) {
        body.shrink_to_fit();
        return body;
    }
    let mut below: Vec<Stmt> = Vec::with_capacity(body.len());
    for mut stmt in body.into_iter().rev() {
        if is_source_less_load(&stmt) {
            let empties = below
                .iter()
                .rev()
                .take_while(|s| s.kind == StmtKind::Empty)
                .count();
            let target = below.len().checked_sub(empties + 1);
            let feeds = target
                .is_some_and(|i| matches!(below[i].kind, StmtKind::Load(_) | StmtKind::Select(_)));
            let open = match target {
                None => open_end,
                Some(i) => decided_at_run_time(&below[i]),
            };
            match target {
                Some(i) if feeds => {
                    below.truncate(i + 1);
                    let source = below.pop().expect("target exists");
                    stmt.span.end = source.span.end;
                    if let StmtKind::Load(load) = &mut stmt.kind {
                        load.source = LoadSource::Preceding(Box::new(source));
                    }
                }
                _ if open => {
                    if let StmtKind::Load(load) = &mut stmt.kind {
                        load.source = LoadSource::Following;
                    }
                }
                _ => diagnostics.push(Problem::PrecedingLoadWithoutSource.at(stmt.span)),
            }
        }
        below.push(stmt);
    }
    below.reverse();
    below
}
