//! The script front-end: decoded text → tokens → statements → AST with diagnostics.
//!
//! Entry points: [`parse`] for a script, [`parse_chart_expression`] for measures, dimensions and
//! other chart formulas, [`parse_expression`] for a script expression on its own (variable
//! definitions), [`tokens`] for the raw token stream.

pub mod ast;
mod blocks;
pub mod grammar_tables;
mod parser;
pub mod printer;
mod split;
pub mod token;
pub mod visit;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{SourceFile, Span};
use ast::{
    Expr, FormatItem, FormatSpec, LoadSource, Prefix, RawKind, RawText, Script, Stmt, StmtKind,
    StmtRaw,
};
use blocks::Piece;
use chumsky::span::SimpleSpan;
use parser::{ParseError, Parsers};
use split::{ItemKind, Spanned, Splitter};
use token::Token;

/// Deeper nesting of parentheses/braces (or longer runs of prefix operators) than this in one
/// statement is refused with QS301 instead of risking the stack.
pub const MAX_NESTING: usize = 64;

/// Statements split and parsed together; bounds the memory held by tokens.
const BATCH: usize = 4096;

/// After this many "missing `;`" recoveries in one file, a bad statement simply runs to its `;`.
const MAX_RESYNCS: usize = 200;

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
}

/// Parses a script held in a string (e.g. fetched with the Engine API's GetScript).
pub fn parse_str(text: &str) -> Parsed {
    parse_text(text)
}

/// Parses a decoded source file.
pub fn parse(source: &SourceFile) -> Parsed {
    let mut parsed = parse_text(&source.text);
    if source.encoding == crate::source::Encoding::Windows1252 {
        parsed.diagnostics.insert(
            0,
            Diagnostic::new(
                Code::NotUtf8,
                Span::empty_at(0),
                "file is not valid UTF-8 and has no BOM: read as Windows-1252",
            )
            .with_note("Qlik Sense on Windows reads such files in the ANSI code page")
            .with_help("save the file as UTF-8 with a BOM"),
        );
    }
    parsed
}

fn sp(s: SimpleSpan) -> Span {
    Span::new(s.start, s.end)
}

fn parse_text(text: &str) -> Parsed {
    if text.len() >= u32::MAX as usize {
        return Parsed {
            script: Script::default(),
            diagnostics: vec![Diagnostic::new(
                Code::TooLarge,
                Span::empty_at(0),
                "script of 4 GiB or more: not parsed",
            )],
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
                            diagnostics.push(
                                Diagnostic::new(
                                    Code::UnexpectedCharacter,
                                    run,
                                    format!(
                                        "unexpected character{} `{}`",
                                        if text[run.range()].chars().count() > 1 {
                                            "s"
                                        } else {
                                            ""
                                        },
                                        &text[run.range()]
                                    ),
                                )
                                .with_help("remove it, or quote the name or text it belongs to"),
                            );
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
                                        Err(_) => blocks.push(error_piece(span)),
                                    }
                                    let next = sp(slice[j].1);
                                    diagnostics.push(
                                        Diagnostic::new(
                                            Code::SyntaxError,
                                            next,
                                            format!(
                                                "expected `;` before {}",
                                                slice[j].0.describe()
                                            ),
                                        )
                                        .with_label(
                                            Span::empty_at(head_end),
                                            "the previous statement ends here",
                                        )
                                        .with_help("end the previous statement with `;`"),
                                    );
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
                                diagnostics.push(syntax_error(slice, &errors, at, end));
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
    Diagnostic::new(
        Code::MissingSemicolon,
        span,
        "statement is not terminated by `;`",
    )
    .with_note("Qlik runs the script statement by statement; the last one still needs its `;`")
    .with_help("end the statement with `;`")
}

fn error_piece(span: Span) -> Piece {
    Piece::Stmt(Stmt {
        prefixes: Vec::new(),
        kind: StmtKind::Error,
        span,
    })
}

/// Longest run of binary operators in one expression that the parser accepts: a left-deep
/// chain is as deep a tree as nested parentheses.
pub const MAX_OPERATOR_CHAIN: usize = 400;

/// Nesting depth estimate: bracket depth plus the longest run of prefix operators in a row
/// (each is one more level of recursion in the parser), and the longest operator chain at one
/// bracket level.
fn too_deep(slice: &[Spanned]) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut run = 0usize;
    // Operators in a row at each open bracket level (`chains[depth]`). A fixed array, as this
    // runs on every statement: `depth` never passes MAX_NESTING + 1 before the check below
    // returns.
    let mut chains = [0usize; MAX_NESTING + 2];
    let deep = |span: SimpleSpan, what: String| {
        Some(
            Diagnostic::new(Code::NestingTooDeep, sp(span), what)
                .with_help("split the expression with variables or intermediate fields"),
        )
    };
    for (token, span) in slice {
        let (prefix, binary) = match token {
            Token::LParen | Token::LBrace => {
                depth += 1;
                chains[depth] = 0;
                (false, false)
            }
            Token::RParen | Token::RBrace => {
                depth = depth.saturating_sub(1);
                (false, false)
            }
            Token::Comma | Token::Semi => {
                chains[depth] = 0;
                (false, false)
            }
            Token::Minus | Token::Plus => (true, true),
            Token::Star
            | Token::Slash
            | Token::Amp
            | Token::Eq
            | Token::NotEq
            | Token::Lt
            | Token::LtEq
            | Token::Gt
            | Token::GtEq
            | Token::Shl
            | Token::Shr => (false, true),
            Token::Ident(w) => operator_word(w),
            _ => (false, false),
        };
        run = if prefix { run + 1 } else { 0 };
        if binary {
            chains[depth] += 1;
        }
        if depth + run > MAX_NESTING {
            return deep(
                *span,
                format!("expression nested deeper than {MAX_NESTING} levels"),
            );
        }
        if chains[depth] > MAX_OPERATOR_CHAIN {
            return deep(
                *span,
                format!("more than {MAX_OPERATOR_CHAIN} operators in a row in one expression"),
            );
        }
    }
    None
}

/// Whether the rest of a statement is raw text the parsers skip without descending into it:
/// the statement starts with SELECT, SET or EXECUTE, or an SQL keyword among its first tokens
/// is the statement's own, right after a label, a table in parentheses or a prefix that takes
/// no expression. Anywhere else (`LOAD sql, ((…`, `WHEN sql - ((…`) the parsers may read past
/// the word, so the nesting cap must apply or deep input would overflow the stack.
fn raw_body(slice: &[Spanned]) -> bool {
    const BEFORE_SQL: &[&str] = &[
        "mapping",
        "noconcatenate",
        "concatenate",
        "join",
        "keep",
        "generic",
        "semantic",
        "add",
        "replace",
        "only",
    ];
    let head = |t: &Token| ["select", "set", "execute"].iter().any(|w| t.is_word(w));
    if slice.first().is_some_and(|(t, _)| head(t)) {
        return true;
    }
    let Some(k) = slice.iter().take(8).position(|(t, _)| t.is_word("sql")) else {
        return false;
    };
    match k.checked_sub(1).map(|j| slice[j].0) {
        None | Some(Token::Colon | Token::RParen) => true,
        Some(t) => BEFORE_SQL.iter().any(|w| t.is_word(w)),
    }
}

/// Whether a word is a prefix operator (`not`, `bitnot`) and whether it is a binary one
/// (`and`, `or`, `xor`, `like`, `precedes`, `follows`, `bitand`, `bitor`, `bitxor`). The length
/// picks the few candidates, so most names cost one comparison of lengths.
fn operator_word(word: &str) -> (bool, bool) {
    let is = |w: &str| word.eq_ignore_ascii_case(w);
    match word.len() {
        2 => (false, is("or")),
        3 => (is("not"), is("and") || is("xor")),
        4 => (false, is("like")),
        5 => (false, is("bitor")),
        6 => (is("bitnot"), is("bitand") || is("bitxor")),
        7 => (false, is("follows")),
        8 => (false, is("precedes")),
        _ => (false, false),
    }
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
        if let Token::Unknown(c) | Token::Punct(c) = slice[j].0 {
            return Diagnostic::new(
                Code::UnexpectedCharacter,
                span,
                format!("unexpected character `{c}`"),
            )
            .with_help("remove it, or quote the name or text it belongs to");
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
    let message = match expected.len() {
        0 => match error.reason() {
            chumsky::error::RichReason::Custom(m) if !m.is_empty() => m.clone(),
            _ => format!("unexpected {found}"),
        },
        1..=6 => format!("expected {}, found {found}", expected.join(", ")),
        _ => format!("unexpected {found}"),
    };
    Diagnostic::new(Code::SyntaxError, span, message)
}

/// Checks that the grammar accepts but Qlik refuses, and format items we do not know.
fn check_statement(stmt: &Stmt, diagnostics: &mut Vec<Diagnostic>) {
    let loads_table = matches!(stmt.kind, StmtKind::Load(_) | StmtKind::Select(_));
    let map_like = matches!(stmt.kind, StmtKind::Map(_));
    for prefix in &stmt.prefixes {
        let allowed = loads_table
            || prefix.is_default_prefix()
            || (map_like && matches!(prefix, Prefix::Add(_) | Prefix::Replace(_)));
        if !allowed {
            diagnostics.push(
                Diagnostic::new(
                    Code::PrefixNotAllowed,
                    prefix.span(),
                    "this prefix only applies to LOAD and SELECT",
                )
                .with_help("remove the prefix"),
            );
        }
    }
    let mut check_format = |format: &Option<FormatSpec>| {
        for item in format.iter().flat_map(|f| &f.items) {
            if let FormatItem::Unknown(raw) = item {
                diagnostics.push(
                    Diagnostic::new(
                        Code::UnknownFormatItem,
                        raw.span,
                        format!("unknown format item `{}`", raw.text),
                    )
                    .with_note("Qlik refuses a file format specification it does not know"),
                );
            }
        }
    };
    match &stmt.kind {
        StmtKind::Load(load) => {
            match &load.source {
                LoadSource::From(f) => check_format(&f.format),
                LoadSource::FromField(f) => check_format(&f.format),
                LoadSource::Inline(f) => check_format(&f.format),
                _ => {}
            }
            if let (Some(order_by), false) = (
                &load.order_by,
                matches!(load.source, LoadSource::Resident(_)),
            ) {
                let span = order_by.span;
                diagnostics.push(
                    Diagnostic::new(
                        Code::OrderByWithoutResident,
                        span,
                        "ORDER BY is only allowed in a LOAD … RESIDENT",
                    )
                    .with_help("load into a table first, then sort it with a RESIDENT load"),
                );
            }
        }
        StmtKind::Store(store) => check_format(&store.format),
        _ => {}
    }
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
    parse_standalone(text, true)
}

/// Parses a script expression on its own (for example a LET right-hand side).
pub fn parse_expression(text: &str) -> ParsedExpr {
    parse_standalone(text, false)
}

fn parse_standalone(text: &str, chart: bool) -> ParsedExpr {
    let mut splitter_diags = Vec::new();
    let mut tokens: Vec<Spanned> = Vec::new();
    for (token, span) in split::lex_from(text, 0) {
        match token {
            Ok(t) if t.is_trivia() => {}
            Ok(t) => tokens.push((t, SimpleSpan::from(span.range()))),
            Err(e) => {
                let code = match e {
                    token::LexError::UnexpectedCharacter => {
                        tokens.push((
                            Token::Unknown(&text[span.range()]),
                            SimpleSpan::from(span.range()),
                        ));
                        continue;
                    }
                    token::LexError::UnterminatedString => Code::UnterminatedString,
                    token::LexError::UnterminatedName => Code::UnterminatedName,
                    token::LexError::UnterminatedComment => Code::UnterminatedComment,
                    token::LexError::UnterminatedDollar => Code::UnterminatedDollar,
                };
                splitter_diags.push(Diagnostic::new(
                    code,
                    Span::new(span.start as usize, span.start as usize + 1),
                    code.summary(),
                ));
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The first pass's hand-written fast paths must build exactly what the combinators build:
    /// both passes run on every statement and clause of the corpus (broken scripts included)
    /// and on awkward expressions, and must agree.
    #[test]
    fn first_and_second_pass_agree() {
        let mut texts = corpus_texts();
        let awkward = [
            "f()",
            "f(,a)",
            "f(a,)",
            "f(a b)",
            "f(a)(b)",
            "(a",
            "((1))",
            "()",
            "@1",
            "@1:5",
            "Sum(DISTINCT a)",
            "Sum(distinct)",
            "Count(ALL x)",
            "RowNo(TOTAL)",
            "f(total + 1)",
            "-f(-a, not b) & 'x''y' & [y]] z] & \"q\" & `b` & $(v) & $1 & 1.5e3",
            "a and b or not c xor d like 'x*' precedes e",
            "f(g(h(i(j(k)))), (l), m(n, o))",
            "If(a > 1, 'x', If(b, c, d))",
            "f(a,,b)",
            "f(a;",
            "1 +",
            "Sum({<Y={1}>} x)",
            "Aggr(Sum(x), y)",
            "a bitand b bitor bitnot c << 2",
            "f(a)",
            "g(, )",
            "f(a) as b",
        ];
        for expr in awkward {
            texts.push(format!(
                "LET x = {expr};\nLOAD {expr} AS y, {expr} RESIDENT t;\n"
            ));
            texts.push(format!(
                "IF {expr} THEN\nEND IF\nFOR i = {expr} TO {expr}\nNEXT\n"
            ));
        }
        // Statements around the hand-written pass's edges: where it must decline, or build
        // exactly what the combinators build.
        texts.push(
            [
                "T: LOAD a AS, b FROM x.qvd (qvd);",
                "T: LOAD a AS b, c as [d e] FROM [lib://x/y.qvd] (qvd) WHERE a > 1 AND b <> 'x';",
                "LOAD DISTINCT * FROM a b c.txt (txt, utf8, embedded labels, delimiter is ',', msq, filters(Remove(Row, RowCnd(Compound, Pos(Top, 1)))));",
                "LOAD * FROM x.txt (txt, filters());",
                "LOAD * FROM x.txt (txt, filters(,a));",
                "LOAD * FROM x.txt (txt, filters(a,));",
                "LOAD * FROM x.txt (txt,);",
                "LOAD * FROM x.txt ();",
                "LOAD * FROM x.txt (txt) (qvd);",
                "LOAD * FROM x group y.qvd (qvd);",
                "LOAD * FROM x order by y;",
                "LOAD * FROM;",
                "LOAD a, FROM x;",
                "LOAD a b FROM x;",
                "LOAD from FROM from;",
                "LOAD * INLINE [a, b\n1, 2] (delimiter is ',');",
                "LOAD * INLINE 'a' ;",
                "LOAD * INLINE x;",
                "LOAD a RESIDENT T WHERE b GROUP BY a, c ORDER BY a DESC, c asc, d $(vTail);",
                "LOAD a RESIDENT T GROUP a;",
                "LOAD a RESIDENT T ORDER BY;",
                "LOAD a RESIDENT;",
                "LOAD Date(x + IterNo() - 1) AS d AUTOGENERATE 1 WHILE x + IterNo() - 1 <= y;",
                "LOAD a FROM_FIELD (T, f) (txt);",
                "LOAD a FROM x.qvd (qvd) $(v) $(w);",
                "LOAD distinct, a FROM x;",
                "LOAD;",
                "LOAD *;",
                "Mapping LOAD a, b RESIDENT t;",
                "NoConcatenate Generic Semantic LOAD a RESIDENT t;",
                "A: B: Concatenate (T) LOAD a RESIDENT t;",
                "Concatenate(T LOAD a RESIDENT t;",
                "Concatenate () LOAD a RESIDENT t;",
                "Concatenate LOAD a RESIDENT t;",
                "Inner Join (T) Left Keep Right Join Outer Keep Join Keep LOAD a RESIDENT t;",
                "Left LOAD a RESIDENT t;",
                "Left: LOAD a RESIDENT t;",
                "$(v): LOAD a RESIDENT t;",
                "$(v) LOAD a RESIDENT t;",
                "'quoted': 2: [x y]: LOAD a RESIDENT t;",
                "CrossTable(M, V) LOAD * RESIDENT t;",
                "CrossTable(M, V, 2) LOAD * RESIDENT t;",
                "CrossTable(M, V,) LOAD * RESIDENT t;",
                "CrossTable(M) LOAD * RESIDENT t;",
                "First 10 LOAD * RESIDENT t;",
                "SQL SELECT a, b FROM dbo.t WHERE c = 'x;y';",
                "T: SELECT * FROM t;",
                "QSL x;",
                "SQL;",
                "STORE T INTO [lib://x/T.qvd] (qvd);",
                "STORE a, b AS c, * FROM T INTO x.csv (txt, delimiter is ';');",
                "STORE a AS FROM T INTO x.qvd;",
                "STORE a, FROM T INTO x.qvd;",
                "STORE T, U INTO x.qvd;",
                "STORE T INTO;",
                "STORE T x.qvd;",
                "STORE FROM FROM T INTO x;",
                "DROP TABLE a;",
                "DROP TABLES a, b, [c d];",
                "DROP FIELD a FROM b, c;",
                "DROP FIELDS a, b FROM;",
                "DROP RELATIONSHIP x;",
                "DROP a;",
                "SET v = 'x';",
                "SET v = ;",
                "SET v =  a b  ;",
                "SET v = [x] // c\n;",
                "SET v;",
                "SET = 1;",
                "LET v = ;",
                "LET v = 1 + ;",
                "LET v = a b;",
                "LET v == 1;",
                "LET $(v) = 'x' & $(w);",
            ]
            .join("\n"),
        );
        texts.push(
            [
                "IF a THEN",
                "ELSEIF b > 1 AND c THEN",
                "ELSE",
                "ELSE x",
                "END IF",
                "ENDIF",
                "END SUB",
                "END SWITCH",
                "END",
                "END x",
                "FOR i = 1 TO 10 STEP 2",
                "FOR i = 1 TO 10 STEP",
                "FOR each = 1 TO 3",
                "FOR EACH f IN 'a', 'b'",
                "FOR i 1 TO 2",
                "FOR i = 1 TO",
                "NEXT",
                "NEXT i",
                "NEXT i j",
                "IF THEN",
                "IF a",
                "v = 1",
            ]
            .join("\n"),
        );
        let mut checked = 0;
        let mut by_hand = 0;
        for text in &texts {
            let mut splitter = Splitter::new(text);
            let items: Vec<split::Item> = std::iter::from_fn(|| splitter.next_item()).collect();
            let parsers = Parsers::new(text);
            let all: &[Spanned] = &splitter.tokens;
            for item in items {
                let tokens = &all[item.tokens.clone()];
                let eoi = item.eoi(tokens);
                let which = match item.kind {
                    ItemKind::Regular { .. } => 0,
                    ItemKind::Control => 1,
                    _ => continue,
                };
                if too_deep(tokens).is_some() {
                    continue;
                }
                let (agree, answered) = parsers.passes_agree(which, tokens, eoi);
                assert!(agree, "passes disagree on {:?}", &text[item.span.range()]);
                checked += 1;
                by_hand += usize::from(answered);
            }
        }
        assert!(checked > 1000, "only {checked} statements checked");
        assert!(
            by_hand > checked / 3,
            "the hand-written pass read only {by_hand} of {checked} statements"
        );
    }

    /// The text of every corpus script, in a fixed order.
    fn corpus_texts() -> Vec<String> {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        crate::cli::paths::collect(&[corpus])
            .expect("corpus")
            .into_iter()
            .filter(|path| path.extension().is_some_and(|e| e == "qvs"))
            .map(|path| SourceFile::decode("x", &std::fs::read(path).expect("read")).text)
            .collect()
    }

    /// Differential fuzzing of the hand-written pass: corpus statements with a token deleted,
    /// doubled or replaced by one of the tokens its decisions turn on. Whatever it accepts, the
    /// combinators must build identically (and their two passes must agree too).
    #[test]
    fn passes_agree_on_mutated_statements() {
        const REPLACEMENTS: &[Token<'static>] = &[
            Token::Comma,
            Token::LParen,
            Token::RParen,
            Token::Star,
            Token::Colon,
            Token::Eq,
            Token::Minus,
            Token::Ident("as"),
            Token::Ident("from"),
            Token::Ident("where"),
            Token::Ident("group"),
            Token::Ident("order"),
            Token::Ident("by"),
            Token::Ident("distinct"),
            Token::Ident("total"),
            Token::Ident("join"),
            Token::Ident("keep"),
            Token::Ident("then"),
            Token::Ident("each"),
            Token::Ident("asc"),
            Token::Ident("desc"),
            Token::Ident("into"),
            Token::Ident("resident"),
            Token::Ident("inline"),
            Token::Ident("autogenerate"),
            Token::Ident("step"),
            Token::Ident("to"),
            Token::Ident("crosstable"),
            Token::Ident("concatenate"),
            Token::Ident("drop"),
            Token::Ident("sql"),
            Token::Ident("not"),
            Token::Ident("and"),
            Token::Ident("@1"),
            Token::Dollar("$(v)"),
            Token::String("'x'"),
            Token::QName("[x]"),
            Token::Number("1"),
            Token::LBrace,
        ];
        // `QLINEAGE_MUTATIONS` (per statement) and `QLINEAGE_SEED` make longer runs.
        let knob = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        let rounds = knob("QLINEAGE_MUTATIONS", 3);
        let mut state = knob("QLINEAGE_SEED", 0x9E37_79B9_7F4A_7C15) | 1;
        let mut random = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let (mut checked, mut by_hand) = (0, 0);
        for text in corpus_texts() {
            let mut splitter = Splitter::new(&text);
            let items: Vec<split::Item> = std::iter::from_fn(|| splitter.next_item()).collect();
            let all: &[Spanned] = &splitter.tokens;
            let mut cases = Vec::new();
            for item in items {
                let tokens = &all[item.tokens.clone()];
                let which = match item.kind {
                    ItemKind::Regular { .. } => 0,
                    ItemKind::Control => 1,
                    _ => continue,
                };
                if tokens.is_empty() || too_deep(tokens).is_some() {
                    continue;
                }
                for _ in 0..rounds {
                    let mut mutated = tokens.to_vec();
                    for _ in 0..1 + random(2) {
                        let at = random(mutated.len());
                        match random(3) {
                            0 => {
                                mutated.remove(at);
                            }
                            1 => mutated.insert(at, mutated[at]),
                            _ => mutated[at].0 = REPLACEMENTS[random(REPLACEMENTS.len())],
                        }
                        if mutated.is_empty() {
                            break;
                        }
                    }
                    cases.push((which, mutated, item.eoi(tokens)));
                }
            }
            let parsers = Parsers::new(&text);
            for (which, mutated, eoi) in &cases {
                let (agree, answered) = parsers.passes_agree(*which, mutated, *eoi);
                assert!(
                    agree,
                    "passes disagree on {:?}",
                    mutated.iter().map(|(t, _)| *t).collect::<Vec<_>>()
                );
                checked += 1;
                by_hand += usize::from(answered);
            }
        }
        assert!(
            checked > 3000 && by_hand > 500,
            "{checked} checked, {by_hand} by hand"
        );
    }

    /// Batches of statements are split and parsed one after the other; nothing may change at
    /// their boundaries, including a "missing `;`" recovery that rewinds across one.
    #[test]
    fn batch_boundaries_are_invisible() {
        let mut text = String::new();
        for i in 0..(3 * BATCH) {
            if i == BATCH - 1 || i == 2 * BATCH {
                text.push_str(&format!("LET v{i} = {i}\n"));
            } else {
                text.push_str(&format!("LET v{i} = {i};\n"));
            }
        }
        let parsed = parse_str(&text);
        assert_eq!(parsed.script.statements.len(), 3 * BATCH);
        let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["QS101", "QS101"]);
        for (i, stmt) in parsed.script.statements.iter().enumerate() {
            match &stmt.kind {
                StmtKind::Let(l) => assert_eq!(l.name.text, format!("v{i}")),
                other => panic!("statement {i}: {other:?}"),
            }
        }
    }

    fn only(text: &str) -> Vec<Stmt> {
        let parsed = parse_str(text);
        assert!(
            parsed.diagnostics.is_empty(),
            "{text}: {:?}",
            parsed.diagnostics
        );
        parsed.script.statements
    }

    #[test]
    fn unquoted_paths_stop_only_at_group_by_and_order_by() {
        let stmts = only("LOAD * FROM lib://Data/Order Data/a.qvd (qvd);");
        let StmtKind::Load(load) = &stmts[0].kind else {
            panic!()
        };
        let LoadSource::From(from) = &load.source else {
            panic!()
        };
        assert_eq!(from.path.text, "lib://Data/Order Data/a.qvd");
    }

    #[test]
    fn path_values_keep_parentheses_and_lose_quotes() {
        let stmts = only("Directory C:\\dir(1)\\;\nBinary [lib://Apps/Sales (old).qvf];");
        let bodies: Vec<String> = stmts
            .iter()
            .map(|s| match &s.kind {
                StmtKind::Raw(raw) => raw.body.as_ref().unwrap().text.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(bodies, ["C:\\dir(1)\\", "lib://Apps/Sales (old).qvf"]);
    }

    #[test]
    fn rem_and_trace_bodies_respect_quotes_closed_on_their_line() {
        let stmts = only("TRACE 'a;b';\nREM don't do this;\nLET x = 1;");
        assert_eq!(stmts.len(), 3);
        let StmtKind::Raw(trace) = &stmts[0].kind else {
            panic!()
        };
        assert_eq!(trace.body.as_ref().unwrap().text, "'a;b'");
        assert!(matches!(stmts[2].kind, StmtKind::Let(_)));
    }

    #[test]
    fn templated_assignments_end_at_the_line() {
        let stmts = only("v$(i) = 1\n$(vName) = 2\nLET a = 1;");
        assert_eq!(stmts.len(), 3);
        assert!(stmts.iter().all(|s| matches!(s.kind, StmtKind::Let(_))));
    }

    #[test]
    fn set_values_drop_comments_around_a_quoted_value() {
        let stmts = only("SET v = 'abc' /* why */;");
        let StmtKind::Set(set) = &stmts[0].kind else {
            panic!()
        };
        assert_eq!(set.value, "abc");
    }

    #[test]
    fn crosstable_takes_strings_and_raw_sql_is_never_too_deep() {
        only("CrossTable('Month', 'Amount', 2) LOAD * INLINE [a,b,c\n1,2,3];");
        let deep = format!("SQL SELECT {}1{} FROM t;", "(".repeat(100), ")".repeat(100));
        only(&deep);
    }

    fn chart(text: &str) -> Expr {
        let parsed = parse_chart_expression(text);
        assert!(
            parsed.diagnostics.is_empty(),
            "{text}: {:?}",
            parsed.diagnostics
        );
        parsed
            .expr
            .unwrap_or_else(|| panic!("{text}: no expression"))
    }

    #[test]
    fn chart_qualifiers_in_any_order_and_sets_only_on_aggregations() {
        let Expr::Call(call) = chart("Fractile(TOTAL ALL Sales, 0.5)") else {
            panic!()
        };
        assert!(call.all && call.total.is_some());
        let Expr::Call(range) = chart("RangeSum({<Year={2021}>} Sum(Sales))") else {
            panic!()
        };
        assert!(range.set.is_none());
        assert!(matches!(range.args[0], Expr::Scoped(_)));
        let Expr::Call(sum) = chart("Sum({$(vSet)} Sales)") else {
            panic!()
        };
        assert!(sum.set.is_some());
        assert!(parse_chart_expression("A - {<Y={1}>} B").expr.is_none());
    }
}
