//! The driver: split → parse each item → recover → build blocks, in batches so token memory
//! stays bounded, and the stand-alone expression parse.

use super::ast::{self, Expr, RawKind, RawText, Script, Stmt, StmtKind, StmtRaw};
use super::blocks::{self, Piece};
use super::checks::check_statement;
use super::grammar_tables;
use super::limits::{raw_body, too_deep};
use super::parser::{self, sp, ParseError, Parsers};
use super::problem::{self, Problem};
use super::split::{self, ItemKind, Spanned, Splitter};
use super::token::{self, Token};
use super::{Parsed, ParsedExpr};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use chumsky::span::SimpleSpan;

/// Statements split and parsed together; bounds the memory held by tokens.
pub(super) const BATCH: usize = 4096;

/// After this many "missing `;`" recoveries in one file, a bad statement simply runs to its `;`.
const MAX_RESYNCS: usize = 200;

pub(super) fn parse_text(text: &str) -> Parsed {
    if text.len() >= u32::MAX as usize {
        return Parsed {
            script: Script::default(),
            diagnostics: vec![Problem::TooLarge.at(Span::empty_at(0))],
        };
    }
    let mut splitter = Splitter::new(text);
    let mut blocks = blocks::Builder::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut resyncs = 0usize;
    'split: loop {
        // Statements are split and parsed in batches, so token memory stays bounded.
        splitter.start_batch();
        let mut items = Vec::new();
        while items.len() < BATCH {
            match splitter.next_item() {
                Some(item) => items.push(item),
                None => break,
            }
        }
        let last_batch = items.len() < BATCH;
        let parsers = Parsers::new(text);
        let tokens: &[Spanned] = &splitter.tokens;
        for item in items {
            let slice = &tokens[item.tokens.clone()];
            let eoi = item.eoi(slice);
            match item.kind {
                ItemKind::Empty => blocks.push(Piece::Stmt(Stmt {
                    prefixes: Vec::new(),
                    kind: StmtKind::Empty,
                    span: item.span,
                })),
                ItemKind::RawBody { body } => {
                    let kind = if slice.first().is_some_and(|(t, _)| t.is_word("rem")) {
                        RawKind::Rem
                    } else {
                        RawKind::Trace
                    };
                    let body = (!body.is_empty()).then(|| RawText {
                        text: text[body.range()].to_owned(),
                        span: body,
                    });
                    blocks.push(Piece::Stmt(Stmt {
                        prefixes: Vec::new(),
                        kind: StmtKind::Raw(StmtRaw { kind, body }),
                        span: item.span,
                    }));
                    if item.semicolon.is_none() {
                        diagnostics.push(missing_semicolon(item.span));
                    }
                }
                ItemKind::Control | ItemKind::Regular { .. } => {
                    if let Some(include) = include_statement(slice) {
                        blocks.push(Piece::Stmt(Stmt {
                            prefixes: Vec::new(),
                            kind: StmtKind::Include(Box::new(include)),
                            span: item.span,
                        }));
                        continue;
                    }
                    // Raw text (SQL, SET values, EXECUTE) is not parsed, so it cannot nest too deep.
                    if let Some(d) = too_deep(slice).filter(|_| !raw_body(slice)) {
                        diagnostics.push(d);
                        blocks.push(error_piece(item.span));
                        continue;
                    }
                    let control = item.kind == ItemKind::Control;
                    let result = if control {
                        parsers
                            .clause(slice, eoi)
                            .map(|c| Piece::Clause(Box::new(c), item.span))
                    } else {
                        parsers.statement(slice, eoi).map(|(prefixes, kind)| {
                            Piece::Stmt(Stmt {
                                prefixes,
                                kind,
                                span: item.span,
                            })
                        })
                    };
                    let raw_text = |piece: &Piece| {
                        matches!(
                            piece,
                            Piece::Stmt(Stmt {
                                kind: StmtKind::Select(_)
                                    | StmtKind::Set(_)
                                    | StmtKind::Raw(_)
                                    | StmtKind::Connect(_)
                                    | StmtKind::Dynamic(_),
                                ..
                            })
                        )
                    };
                    let unknown_characters = |diagnostics: &mut Vec<Diagnostic>| {
                        for &run in &item.unknown {
                            let text = &text[run.range()];
                            diagnostics.push(Problem::UnexpectedCharacters { text }.at(run));
                        }
                    };
                    match result {
                        Ok(piece) => {
                            if !raw_text(&piece) {
                                unknown_characters(&mut diagnostics);
                            }
                            if let Piece::Stmt(stmt) = &piece {
                                check_statement(stmt, &mut diagnostics);
                            }
                            blocks.push(piece);
                            if let ItemKind::Regular { terminated: false } = item.kind {
                                diagnostics.push(missing_semicolon(item.span));
                            }
                        }
                        Err(errors) => {
                            let at = error_index(slice, &errors);
                            // A statement that runs on into the next one: a `;` is missing.
                            if !control && resyncs < MAX_RESYNCS {
                                if let Some(j) =
                                    at.filter(|&j| j > 0 && starts_statement(text, slice, j))
                                {
                                    resyncs += 1;
                                    let mut head_failed = false;
                                    let head = &slice[..j];
                                    let head_end = head.last().map_or(eoi, |(_, s)| s.end);
                                    let span = Span::new(item.span.start as usize, head_end);
                                    match parsers.statement(head, head_end) {
                                        Ok((prefixes, kind)) => {
                                            let stmt = Stmt {
                                                prefixes,
                                                kind,
                                                span,
                                            };
                                            check_statement(&stmt, &mut diagnostics);
                                            blocks.push(Piece::Stmt(stmt));
                                        }
                                        Err(_) => {
                                            head_failed = true;
                                            blocks.push(error_piece(span));
                                        }
                                    }
                                    let next = sp(slice[j].1);
                                    let stop = head_failed && deliberate_stop(head);
                                    diagnostics.push(with_stop_note(
                                        Problem::MissingSemicolonBefore {
                                            next: slice[j].0.describe(),
                                            previous_end: Span::empty_at(head_end),
                                        }
                                        .at(next),
                                        stop,
                                    ));
                                    let restart = item.tokens.start + j;
                                    drop(parsers);
                                    splitter.rewind_to(restart);
                                    continue 'split;
                                }
                            }
                            // A control clause that does not parse still opens (or
                            // continues) its block, so its ELSE, NEXT or END IF match.
                            let fallback = if control {
                                fallback_clause(slice, eoi)
                            } else {
                                None
                            };
                            if let Some(clause) = fallback {
                                if !is_dynamic(slice, at) {
                                    unknown_characters(&mut diagnostics);
                                    if !item.poisoned && item.unknown.is_empty() {
                                        let end = item.semicolon.unwrap_or(Span::empty_at(eoi));
                                        diagnostics.push(syntax_error(slice, &errors, at, end));
                                    }
                                }
                                blocks.push(Piece::Clause(Box::new(clause), item.span));
                                continue;
                            }
                            if is_dynamic(slice, at) {
                                blocks.push(Piece::Stmt(Stmt {
                                    prefixes: Vec::new(),
                                    kind: StmtKind::Dynamic(RawText {
                                        text: text[item.span.range()].to_owned(),
                                        span: item.span,
                                    }),
                                    span: item.span,
                                }));
                                continue;
                            }
                            unknown_characters(&mut diagnostics);
                            if !item.poisoned && item.unknown.is_empty() {
                                let end = item.semicolon.unwrap_or(Span::empty_at(eoi));
                                let d = syntax_error(slice, &errors, at, end);
                                diagnostics
                                    .push(with_stop_note(d, !control && deliberate_stop(slice)));
                            }
                            blocks.push(error_piece(item.span));
                        }
                    }
                }
            }
        }
        if last_batch {
            break;
        }
    }
    diagnostics.append(&mut splitter.diagnostics);
    let (statements, mut block_diagnostics) = blocks.finish();
    diagnostics.append(&mut block_diagnostics);
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    limit_unexpected_characters(text, &mut diagnostics);
    Parsed {
        script: Script {
            statements,
            tabs: std::mem::take(&mut splitter.tabs),
            comments: std::mem::take(&mut splitter.comments),
        },
        diagnostics,
    }
}

/// The clause a control clause that failed to parse stands for, with [`Expr::Error`] where its
/// expressions would be: IF, ELSEIF, FOR, FOR EACH, DO, LOOP, SUB, SWITCH and CASE open or
/// continue their block whatever follows the keyword. `None` for anything else.
fn fallback_clause(slice: &[Spanned], eoi: usize) -> Option<parser::Clause> {
    use parser::Clause;
    let (Token::Ident(head), head_span) = slice.first()? else {
        return None;
    };
    let is = |w: &str| head.eq_ignore_ascii_case(w);
    let rest = |from: usize| {
        let start = slice.get(from).map_or(eoi, |(_, s)| s.start);
        Expr::Error(Span::new(start.min(eoi), eoi))
    };
    // The name after the keyword, when there is one.
    let name_at = |i: usize| {
        slice
            .get(i)
            .and_then(|(t, s)| parser::ident_from(t, *s))
            .unwrap_or(ast::Ident {
                text: ast::Name::default(),
                quote: ast::Quote::None,
                span: Span::empty_at(slice.get(i).map_or(head_span.end, |(_, s)| s.start)),
            })
    };
    Some(if is("if") {
        Clause::If(rest(1))
    } else if is("elseif") {
        Clause::ElseIf(rest(1))
    } else if is("for") {
        if slice.get(1).is_some_and(|(t, _)| t.is_word("each")) {
            Clause::ForEach {
                variable: name_at(2),
                list: ast::ForEachList::Values(vec![rest(3)]),
            }
        } else {
            Clause::For {
                variable: name_at(1),
                from: rest(2),
                to: Expr::Error(Span::empty_at(eoi)),
                step: None,
            }
        }
    } else if is("do") {
        Clause::Do(None)
    } else if is("loop") {
        Clause::Loop(None)
    } else if is("sub") {
        Clause::Sub {
            name: name_at(1),
            params: Vec::new(),
        }
    } else if is("switch") {
        Clause::Switch(rest(1))
    } else if is("case") {
        Clause::Case(vec![rest(1)])
    } else {
        return None;
    })
}

/// A statement made of one `$(Include=…)` / `$(Must_Include=…)`.
fn include_statement(slice: &[Spanned]) -> Option<ast::StmtInclude> {
    let [(Token::Dollar(text), span)] = slice else {
        return None;
    };
    let expansion = ast::ExprDollar::new(text, sp(*span));
    let must = match expansion.kind {
        ast::DollarKind::Include => false,
        ast::DollarKind::MustInclude => true,
        _ => return None,
    };
    let body = expansion.body();
    let after_eq = body.find('=').map_or(body.len(), |i| i + 1);
    let raw = &body[after_eq..];
    let path = raw.trim();
    // `$(` is two bytes; the path starts after the `=` and its leading spaces.
    let start = span.start + 2 + after_eq + (raw.len() - raw.trim_start().len());
    let path_span = Span::new(start, start + path.len());
    Some(ast::StmtInclude {
        must,
        path: path.to_owned(),
        path_span,
        expansion,
    })
}

fn missing_semicolon(span: Span) -> Diagnostic {
    Problem::NotTerminated.at(span)
}

fn error_piece(span: Span) -> Piece {
    Piece::Stmt(Stmt {
        prefixes: Vec::new(),
        kind: StmtKind::Error,
        span,
    })
}

/// The index in `slice` of the token the (first) error points at; `None` at end of input.
fn error_index(slice: &[Spanned], errors: &[ParseError]) -> Option<usize> {
    let error = errors.first()?;
    let start = error.span().start;
    slice
        .iter()
        .position(|(_, s)| s.start >= start && s.start < error.span().end.max(start + 1))
}

/// When a statement fails at a word that begins statements, at the start of a line, the `;`
/// before that word is missing.
fn starts_statement(text: &str, slice: &[Spanned], j: usize) -> bool {
    let (token, span) = slice[j];
    let previous_end = slice[j - 1].1.end;
    if !text[previous_end..span.start].contains('\n') {
        return false;
    }
    let label = matches!(token, Token::Ident(_) | Token::QName(_))
        && slice.get(j + 1).is_some_and(|(t, _)| *t == Token::Colon);
    label || matches!(token, Token::Ident(w) if grammar_tables::starts_statement(w))
}

/// A statement whose parse fails at (or right after) a `$(…)` is left for the resolver.
fn is_dynamic(slice: &[Spanned], at: Option<usize>) -> bool {
    let templated = |t: &Token| match t {
        Token::Dollar(_) => true,
        Token::Ident(s) => s.contains("$("),
        _ => false,
    };
    match at {
        Some(j) => templated(&slice[j].0) || (j > 0 && templated(&slice[j - 1].0)),
        None => slice.last().is_some_and(|(t, _)| templated(t)),
    }
}

/// A QS101 for the first error. `end` is where the statement ends (its `;`), used when the
/// parser ran out of tokens.
fn syntax_error(
    slice: &[Spanned],
    errors: &[ParseError],
    at: Option<usize>,
    end: Span,
) -> Diagnostic {
    let error = &errors[0];
    let span = at.map_or(end, |j| sp(slice[j].1));
    if let Some(j) = at {
        if let Token::Unknown(text) | Token::Punct(text) = slice[j].0 {
            return Problem::UnexpectedCharacters { text }.at(span);
        }
    }
    let found = at.map_or_else(|| "end of statement".to_owned(), |j| slice[j].0.describe());
    let mut expected: Vec<String> = error
        .expected()
        .filter_map(|p| {
            use chumsky::error::RichPattern;
            match p {
                RichPattern::Token(t) => Some(t.describe()),
                RichPattern::Label(l) => Some(l.to_string()),
                RichPattern::Identifier(i) => Some(format!("`{i}`")),
                RichPattern::EndOfInput => Some("`;`".to_owned()),
                RichPattern::Any => Some("more input".to_owned()),
                _ => None,
            }
        })
        .collect();
    expected.sort();
    expected.dedup();
    // Prefix operators only restate "an expression can start here".
    if expected.iter().any(|e| e == "expression") {
        expected.retain(|e| !matches!(e.as_str(), "`+`" | "`-`" | "bitnot" | "not"));
    }
    let problem = match expected.len() {
        0 => match error.reason() {
            chumsky::error::RichReason::Custom(m) if !m.is_empty() => {
                Problem::Parser { message: m.clone() }
            }
            _ => Problem::Unexpected { found },
        },
        1..=6 => Problem::Expected { expected, found },
        _ => Problem::Unexpected { found },
    };
    problem.at(span)
}

pub(super) fn parse_standalone(text: &str, chart: bool) -> ParsedExpr {
    let mut splitter_diags = Vec::new();
    let mut tokens: Vec<Spanned> = Vec::new();
    for (token, span) in split::lex_from(text, 0) {
        match token {
            Ok(t) if t.is_trivia() => {}
            Ok(t) => tokens.push((t, SimpleSpan::from(span.range()))),
            Err(e) => {
                let problem = match e {
                    token::LexError::UnexpectedCharacter => {
                        tokens.push((
                            Token::Unknown(&text[span.range()]),
                            SimpleSpan::from(span.range()),
                        ));
                        continue;
                    }
                    token::LexError::UnterminatedString => Problem::Unterminated {
                        code: Code::UnterminatedString,
                        what: "string literal",
                    },
                    token::LexError::UnterminatedName => Problem::Unterminated {
                        code: Code::UnterminatedName,
                        what: "quoted name",
                    },
                    token::LexError::UnterminatedComment => Problem::UnterminatedComment,
                    token::LexError::UnterminatedDollar => Problem::Unterminated {
                        code: Code::UnterminatedDollar,
                        what: "dollar-sign expansion",
                    },
                };
                let opening = Span::new(span.start as usize, span.start as usize + 1);
                splitter_diags.push(problem.at(opening));
            }
        }
    }
    let slice: &[Spanned] = match tokens.first() {
        Some((Token::Eq, _)) if chart => &tokens[1..],
        _ => &tokens,
    };
    let mut diagnostics = splitter_diags;
    if slice.is_empty() {
        return ParsedExpr {
            expr: None,
            diagnostics,
        };
    }
    if let Some(d) = too_deep(slice) {
        diagnostics.push(d);
        return ParsedExpr {
            expr: None,
            diagnostics,
        };
    }
    let parsers = Parsers::new(text);
    match parsers.expression(slice, text.len(), chart) {
        Ok(expr) => ParsedExpr {
            expr: Some(expr),
            diagnostics,
        },
        Err(errors) => {
            if diagnostics.is_empty() && !is_dynamic(slice, error_index(slice, &errors)) {
                diagnostics.push(syntax_error(
                    slice,
                    &errors,
                    error_index(slice, &errors),
                    Span::empty_at(text.len()),
                ));
            }
            ParsedExpr {
                expr: None,
                diagnostics,
            }
        }
    }
}

/// One control clause parsed alone: the first item of `text`, which must be a control clause
/// and the only item. A clause that does not parse still yields the clause it stands for
/// (with [`Expr::Error`] parts), so a caller can open its block.
pub(super) fn parse_clause(text: &str) -> (Option<parser::Clause>, Vec<Diagnostic>) {
    let mut splitter = Splitter::new(text);
    splitter.start_batch();
    let Some(item) = splitter.next_item() else {
        return (None, vec![Problem::NoClause.at(Span::empty_at(text.len()))]);
    };
    let mut diagnostics = std::mem::take(&mut splitter.diagnostics);
    if item.kind != ItemKind::Control {
        diagnostics.push(Problem::NotAClause.at(item.span));
        return (None, diagnostics);
    }
    let tokens: &[Spanned] = &splitter.tokens[item.tokens.clone()];
    let eoi = item.eoi(tokens);
    let parsers = Parsers::new(text);
    let clause = match parsers.clause(tokens, eoi) {
        Ok(clause) => Some(clause),
        Err(errors) => {
            let at = error_index(tokens, &errors);
            if !is_dynamic(tokens, at) && !item.poisoned {
                let end = item.semicolon.unwrap_or(Span::empty_at(eoi));
                diagnostics.push(syntax_error(tokens, &errors, at, end));
            }
            fallback_clause(tokens, eoi)
        }
    };
    drop(parsers);
    let rest = item.span.end as usize;
    if !text[rest..].trim().is_empty() {
        diagnostics.push(Problem::TextAfterClause.at(Span::new(rest, text.len())));
    }
    (clause, diagnostics)
}

/// Reported "unexpected character" errors (QS005) per file; the rest are counted in one QS009.
const MAX_UNEXPECTED_CHARACTERS: usize = 50;

/// At most one QS005 per distinct character per line, and at most
/// [`MAX_UNEXPECTED_CHARACTERS`] per file: a file read in the wrong code page or pasted from a
/// word processor would otherwise drown its real problems. `diagnostics` is sorted by start.
fn limit_unexpected_characters(text: &str, diagnostics: &mut Vec<Diagnostic>) {
    if !diagnostics
        .iter()
        .any(|d| d.code == Code::UnexpectedCharacter)
    {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    let (mut line, mut line_from) = (0usize, 0usize);
    let mut kept = 0usize;
    let mut capped: Option<(Span, usize)> = None;
    diagnostics.retain(|d| {
        if d.code != Code::UnexpectedCharacter {
            return true;
        }
        let at = (d.span.start as usize).min(text.len());
        if at > line_from {
            line += memchr::memchr_iter(b'\n', &text.as_bytes()[line_from..at]).count();
            line_from = at;
        }
        if !seen.insert((line, &text[d.span.range()])) {
            return false;
        }
        kept += 1;
        if kept <= MAX_UNEXPECTED_CHARACTERS {
            return true;
        }
        match &mut capped {
            Some((_, n)) => *n += 1,
            None => capped = Some((d.span, 1)),
        }
        false
    });
    if let Some((span, n)) = capped {
        let d = Problem::TooManyUnexpectedCharacters {
            more: n,
            listed: MAX_UNEXPECTED_CHARACTERS,
        }
        .at(span);
        let at = diagnostics.partition_point(|x| x.span.start <= span.start);
        diagnostics.insert(at, d);
    }
}

/// Adds what a deliberate stop is to its error, when `stop`.
fn with_stop_note(d: Diagnostic, stop: bool) -> Diagnostic {
    if stop {
        problem::deliberate_stop(d)
    } else {
        d
    }
}

/// Whether a statement that fails to parse looks like a deliberate stop: a lone bracketed or
/// quoted text (`[STOP HERE]`), or prose (`Stop the script here;`, `error to abort`) made only
/// of plain words, which developers write to make a reload fail at that point.
fn deliberate_stop(slice: &[Spanned]) -> bool {
    const STOP_WORDS: &[&str] = &["stop", "abort", "halt", "break", "crash", "fail", "error"];
    match slice {
        [(Token::QName(_) | Token::String(_), _)] => true,
        [] | [_] => false,
        _ => {
            let text_only = slice
                .iter()
                .all(|(t, _)| matches!(t, Token::Ident(_) | Token::QName(_) | Token::String(_)));
            let first_is_statement =
                matches!(slice[0].0, Token::Ident(w) if grammar_tables::starts_statement(w));
            let says_stop = slice
                .iter()
                .any(|(t, _)| STOP_WORDS.iter().any(|w| t.is_word(w)));
            text_only && (says_stop || !first_is_statement)
        }
    }
}
