//! The statement splitter: the cheap, hand-written pass that finds statement boundaries.
//!
//! It walks the lexed tokens once, moves comments and `///$tab` markers to side tables, glues
//! `$(…)` to the words they touch (`Sales_$(vYear)` is one name), and cuts the stream into items:
//! regular statements end at `;`, control clauses at `;` or the end of the line (IF/ELSEIF at
//! THEN), REM and TRACE bodies at the first `;` of the raw text outside a quote closed on its
//! line. Each item is later parsed on its own, so one bad statement costs one diagnostic and
//! parsing resumes at the next.

use super::ast::{Comment, CommentKind, Tab};
use super::problem::Problem;
use super::token::{LexError, Token};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use chumsky::span::SimpleSpan;
use logos::Logos;

/// The words that begin a LOAD's source clause.
const SOURCE_WORDS: &[&str] = &[
    "from",
    "from_field",
    "inline",
    "resident",
    "autogenerate",
    "extension",
];

/// A token with its span in the form the parser consumes.
pub(crate) type Spanned<'s> = (Token<'s>, SimpleSpan);

type Lexed<'s> = (Result<Token<'s>, LexError>, Span);

/// Lexes `text[offset..]`, with spans relative to the whole text.
pub(crate) fn lex_from(text: &str, offset: usize) -> Vec<Lexed<'_>> {
    let mut lexer = Token::lexer(&text[offset..]);
    let mut out = Vec::with_capacity((text.len() - offset) / 4 + 8);
    while let Some(token) = lexer.next() {
        let r = lexer.span();
        out.push((token, Span::new(r.start + offset, r.end + offset)));
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemKind {
    /// A lone `;`.
    Empty,
    /// A regular statement; `terminated` is false when the file ended before its `;`.
    Regular { terminated: bool },
    /// A control clause (IF…THEN, NEXT, CALL, `x = 1`…).
    Control,
    /// REM or TRACE: the head keyword is the only token, the body is raw text.
    RawBody { body: Span },
}

#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// Range into [`Splitter::tokens`].
    pub tokens: std::ops::Range<usize>,
    pub span: Span,
    pub kind: ItemKind,
    /// A lexical error inside was already reported: do not add a syntax error on top.
    pub poisoned: bool,
    /// Runs of characters that start no token, left out of `tokens`. The parser reports them
    /// unless they sit in text Qlik does not parse (SQL, SET values…).
    pub unknown: Vec<Span>,
    /// The terminating `;`, if any.
    pub semicolon: Option<Span>,
}

impl Item {
    /// Where the parsers' input ends: at the `;`, else after the last of `tokens` (this item's
    /// own), else at the item's end.
    pub fn eoi(&self, tokens: &[Spanned]) -> usize {
        match self.semicolon {
            Some(semi) => semi.start as usize,
            None => tokens.last().map_or(self.span.end as usize, |(_, s)| s.end),
        }
    }
}

pub(crate) struct Splitter<'s> {
    text: &'s str,
    lexed: LazyLexed<'s>,
    pos: usize,
    /// Significant tokens (no trivia), glued.
    pub tokens: Vec<Spanned<'s>>,
    /// For each significant token, the index in `lexed` it came from (for rewinding).
    origin: Vec<usize>,
    pub comments: Vec<Comment>,
    pub tabs: Vec<Tab>,
    pub diagnostics: Vec<Diagnostic>,
}

fn simple(span: Span) -> SimpleSpan {
    SimpleSpan::from(span.start as usize..span.end as usize)
}

const CONTROL_HEADS: &[&str] = &[
    "if",
    "elseif",
    "else",
    "end",
    "endif",
    "for",
    "next",
    "do",
    "loop",
    "exit",
    "sub",
    "endsub",
    "call",
    "switch",
    "case",
    "default",
    "endswitch",
];

/// Clauses that end right after their keyword(s), so statements may follow on the same line.
const SHORT_CLAUSES: &[&str] = &["else", "endif", "endsub", "endswitch", "default"];

impl<'s> Splitter<'s> {
    pub fn new(text: &'s str) -> Self {
        Splitter {
            text,
            lexed: LazyLexed::new(text),
            pos: 0,
            tokens: Vec::with_capacity(text.len() / 6 + 8),
            origin: Vec::with_capacity(text.len() / 6 + 8),
            comments: Vec::new(),
            tabs: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Drops the tokens of statements already parsed.
    pub fn start_batch(&mut self) {
        self.tokens.clear();
        self.origin.clear();
    }

    /// Forgets everything from significant token `index` on and continues splitting there:
    /// used when a statement turned out to end before its `;` (a missing terminator).
    pub fn rewind_to(&mut self, index: usize) {
        let Some(&lexed_index) = self.origin.get(index) else {
            return;
        };
        let offset = self.tokens[index].1.start as u32;
        self.lexed.reset_at(lexed_index, offset as usize);
        self.pos = lexed_index;
        self.tokens.truncate(index);
        self.origin.truncate(index);
        self.comments.retain(|c| c.span.start < offset);
        self.tabs.retain(|t| t.span.start < offset);
        self.diagnostics.retain(|d| d.span.start < offset);
    }

    /// A zero-width character or stray BOM: skipped like a space, with one warning per run.
    fn invisible(&mut self, span: Span) {
        let text = &self.text[span.range()];
        self.diagnostics
            .push(Problem::InvisibleCharacters { text }.at(span));
    }

    fn record_comment(&mut self, kind: CommentKind, text: &str, span: Span) {
        self.comments.push(Comment { kind, span });
        if kind == CommentKind::Line {
            if let Some(name) = text.strip_prefix("///$tab") {
                let line_start = self.text[..span.start as usize]
                    .rfind('\n')
                    .map_or(0, |i| i + 1);
                if self.text[line_start..span.start as usize].trim().is_empty() {
                    self.tabs.push(Tab {
                        name: name.trim().to_owned(),
                        span,
                    });
                }
            }
        }
    }

    fn lex_error(&mut self, error: LexError, span: Span) -> Option<Token<'s>> {
        let slice = &self.text[span.range()];
        let (code, what, token) = match error {
            LexError::UnexpectedCharacter => return Some(Token::Unknown(slice)),
            LexError::UnterminatedString => (
                Code::UnterminatedString,
                "string literal",
                Token::String(slice),
            ),
            LexError::UnterminatedName => {
                (Code::UnterminatedName, "quoted name", Token::QName(slice))
            }
            LexError::UnterminatedComment => {
                self.record_comment(CommentKind::Block, slice, span);
                let opening = Span::new(span.start as usize, span.start as usize + 2);
                self.diagnostics
                    .push(Problem::UnterminatedComment.at(opening));
                return None;
            }
            LexError::UnterminatedDollar => (
                Code::UnterminatedDollar,
                "dollar-sign expansion",
                Token::Dollar(slice),
            ),
        };
        let opening = Span::new(span.start as usize, span.start as usize + 1);
        self.diagnostics
            .push(Problem::Unterminated { code, what }.at(opening));
        Some(token)
    }

    /// The next significant token at or after `from`, skipping comments (and newlines unless
    /// `same_line`).
    fn peek_significant(&mut self, mut from: usize, same_line: bool) -> Option<(usize, Token<'s>)> {
        while let Some((token, _)) = self.lexed.get(from) {
            match token {
                Ok(Token::LineComment(_) | Token::BlockComment(_) | Token::Invisible)
                | Err(LexError::UnterminatedComment) => {}
                Ok(Token::Newline) if !same_line => {}
                Ok(Token::Newline) => return None,
                Ok(t) => return Some((from, t)),
                Err(_) => return Some((from, Token::Unknown(""))),
            }
            from += 1;
        }
        None
    }

    /// Appends a significant token, gluing it to the previous one when they touch and either
    /// holds a `$(…)`.
    /// Qlik accepts a comma after the last field of a LOAD, before its source clause or its
    /// `;` (`LOAD a, b, FROM …`). Such a comma is dropped from the item's tokens, so both
    /// parser passes read the list as if it were not there.
    fn drop_trailing_comma(&mut self, item_start: usize) {
        if self.tokens.len() > item_start + 1
            && self
                .tokens
                .last()
                .is_some_and(|(t, _)| matches!(t, Token::Comma))
            && self.tokens[item_start..]
                .iter()
                .any(|(t, _)| t.is_word("load"))
        {
            self.tokens.pop();
            self.origin.pop();
        }
    }

    fn push(&mut self, token: Token<'s>, span: Span, item_start: usize) {
        if self.tokens.len() > item_start {
            let (last, last_span) = self.tokens[self.tokens.len() - 1];
            if last_span.end == span.start as usize
                && gluable(&last)
                && gluable(&token)
                && (templated(&last) || templated(&token))
            {
                let glued = &self.text[last_span.start..span.end as usize];
                let n = self.tokens.len() - 1;
                self.tokens[n] = (
                    Token::Ident(glued),
                    SimpleSpan::from(last_span.start..span.end as usize),
                );
                return;
            }
        }
        self.tokens.push((token, simple(span)));
        self.origin.push(self.pos);
    }

    pub fn next_item(&mut self) -> Option<Item> {
        self.lexed.discard_before(self.pos);
        // Trivia between statements.
        loop {
            let (token, span) = self.lexed.get(self.pos)?;
            match token {
                Ok(Token::Newline) => {}
                Ok(Token::LineComment(c)) => self.record_comment(CommentKind::Line, c, span),
                Ok(Token::BlockComment(c)) => self.record_comment(CommentKind::Block, c, span),
                Ok(Token::Invisible) => self.invisible(span),
                Err(LexError::UnterminatedComment) => {
                    self.lex_error(LexError::UnterminatedComment, span);
                }
                _ => break,
            }
            self.pos += 1;
        }
        let start = self.tokens.len();
        let (first, first_span) = self.lexed.at(self.pos);
        if first == Ok(Token::Semi) {
            self.pos += 1;
            return Some(Item {
                tokens: start..start,
                span: first_span,
                kind: ItemKind::Empty,
                poisoned: false,
                unknown: Vec::new(),
                semicolon: Some(first_span),
            });
        }
        let head = first.ok();
        let second = self.peek_significant(self.pos + 1, true).map(|(_, t)| t);
        if head.is_some_and(|h| h.is_word("rem") || h.is_word("trace"))
            && second != Some(Token::Colon)
        {
            return Some(self.raw_body_item(head.unwrap_or(Token::Semi), first_span));
        }
        let control = is_control_head(head, second) || self.templated_assignment_ahead();
        // Compared without case rather than lower-cased: this runs for every statement.
        let head_word = match head {
            Some(Token::Ident(w)) => w,
            _ => "",
        };
        let head_is = |w: &str| head_word.eq_ignore_ascii_case(w);
        let mut poisoned = false;
        let mut unknown: Vec<Span> = Vec::new();
        let mut semicolon = None;
        let mut end = first_span.end;
        let mut terminated = false;
        let mut clause_done = false;
        while let Some((token, span)) = self.lexed.get(self.pos) {
            match token {
                Ok(Token::Semi) => {
                    if !control {
                        self.drop_trailing_comma(start);
                    }
                    self.pos += 1;
                    end = span.end;
                    terminated = true;
                    semicolon = Some(span);
                    break;
                }
                Ok(Token::Newline) => {
                    if control || self.is_lone_include(start) || self.dollar_line_ends(start) {
                        break;
                    }
                }
                Ok(Token::LineComment(c)) => self.record_comment(CommentKind::Line, c, span),
                Ok(Token::BlockComment(c)) => self.record_comment(CommentKind::Block, c, span),
                Ok(Token::Invisible) => self.invisible(span),
                Ok(t) => {
                    if clause_done {
                        break;
                    }
                    // Cheapest test first: this runs for every token.
                    if !control
                        && matches!(t, Token::Ident(_))
                        && self
                            .tokens
                            .last()
                            .is_some_and(|(last, _)| matches!(last, Token::Comma))
                        && SOURCE_WORDS.iter().any(|w| t.is_word(w))
                    {
                        self.drop_trailing_comma(start);
                    }
                    self.push(t, span, start);
                    end = span.end;
                    if control {
                        let n = self.tokens.len() - start;
                        clause_done =
                            ((head_is("if") || head_is("elseif")) && n > 1 && t.is_word("then"))
                                || (n == 1 && SHORT_CLAUSES.iter().any(|c| head_is(c)))
                                || (n == 2 && head_is("end"));
                        if clause_done {
                            // A `;` right after the clause belongs to it.
                            if let Some((i, Token::Semi)) =
                                self.peek_significant(self.pos + 1, true)
                            {
                                self.pos = i + 1;
                                end = self.lexed.at(i).1.end;
                                terminated = true;
                                semicolon = Some(self.lexed.at(i).1);
                                break;
                            }
                        }
                    }
                }
                Err(e) => {
                    if clause_done {
                        break;
                    }
                    match self.lex_error(e, span) {
                        Some(Token::Unknown(_)) => {
                            // Adjacent bad characters make one run, and one diagnostic.
                            match unknown.last_mut() {
                                Some(last) if last.end == span.start => last.end = span.end,
                                _ => unknown.push(span),
                            }
                        }
                        Some(t) => {
                            poisoned = true;
                            self.push(t, span, start);
                        }
                        None => {}
                    }
                    end = span.end;
                }
            }
            self.pos += 1;
        }
        let kind = if control {
            ItemKind::Control
        } else {
            ItemKind::Regular { terminated }
        };
        Some(Item {
            tokens: start..self.tokens.len(),
            span: Span::new(first_span.start as usize, end as usize),
            kind,
            poisoned,
            unknown,
            semicolon,
        })
    }

    /// `v$(i) = …` or `$(v) = …`: a templated name, then `=`, is a keyword-less assignment.
    fn templated_assignment_ahead(&mut self) -> bool {
        let mut index = self.pos;
        let mut templated = false;
        let mut previous_end = None;
        while let Some((Ok(token), span)) = self.lexed.get(index) {
            let touching = previous_end.is_none_or(|end| end == span.start);
            match token {
                Token::Eq => return templated && previous_end.is_some(),
                Token::Dollar(_) if touching => templated = true,
                Token::Ident(_) | Token::Number(_) | Token::Dot if touching => {}
                _ => return false,
            }
            previous_end = Some(span.end);
            index += 1;
        }
        false
    }

    /// `$(Include=…)` alone on its line needs no `;`: the included text brings its own.
    /// A line made of `$(…)` with no `;`, followed by a line that ends or continues a block
    /// (NEXT, END IF, LOOP, ELSE…): the expansion is a statement of its own (it usually holds
    /// its `;`), and must not swallow the clause below.
    fn dollar_line_ends(&mut self, start: usize) -> bool {
        const BLOCK_WORDS: &[&str] = &[
            "next",
            "end",
            "endif",
            "loop",
            "else",
            "elseif",
            "case",
            "default",
            "endsub",
            "endswitch",
        ];
        if !matches!(self.tokens.get(start), Some((Token::Dollar(_), _)))
            || self.tokens[start..]
                .iter()
                .any(|(t, _)| !matches!(t, Token::Dollar(_)))
        {
            return false;
        }
        match self.peek_significant(self.pos + 1, false) {
            Some((_, Token::Ident(w))) => BLOCK_WORDS.iter().any(|b| w.eq_ignore_ascii_case(b)),
            _ => false,
        }
    }

    fn is_lone_include(&self, start: usize) -> bool {
        match &self.tokens[start..] {
            [(Token::Dollar(d), span)] => matches!(
                super::ast::ExprDollar::new(d, Span::new(span.start, span.end)).kind,
                super::ast::DollarKind::Include | super::ast::DollarKind::MustInclude
            ),
            _ => false,
        }
    }

    /// REM and TRACE: the body runs to the first `;` of the raw text that no quote closed on the
    /// same line hides.
    fn raw_body_item(&mut self, head: Token<'s>, head_span: Span) -> Item {
        let start = self.tokens.len();
        self.push(head, head_span, start);
        let body_start = head_span.end as usize;
        let (body_end, terminated_at) = match raw_body_end(&self.text.as_bytes()[body_start..]) {
            Some(n) => (body_start + n, Some(body_start + n + 1)),
            None => (self.text.len(), None),
        };
        match terminated_at {
            Some(next) => {
                // Lexing resumes after the `;`, whatever the body held.
                self.lexed.reset_at(self.pos + 1, next);
                self.pos += 1;
            }
            None => {
                self.lexed.reset_at(self.pos + 1, self.text.len());
                self.pos += 1;
            }
        }
        let raw = &self.text[body_start..body_end];
        let lead = raw.len() - raw.trim_start().len();
        let body = match raw.trim().len() {
            0 => Span::empty_at(body_start),
            n => Span::new(body_start + lead, body_start + lead + n),
        };
        let end = terminated_at.unwrap_or(self.text.len());
        Item {
            tokens: start..self.tokens.len(),
            span: Span::new(head_span.start as usize, end),
            kind: ItemKind::RawBody { body },
            poisoned: false,
            unknown: Vec::new(),
            semicolon: terminated_at.map(|n| Span::new(n - 1, n)),
        }
    }
}

/// Where a REM or TRACE body ends: the first `;` that is not inside a quote closed on the same
/// line. An apostrophe with no partner on its line (`REM don't;`) is just a character.
fn raw_body_end(body: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b';' => return Some(i),
            q @ (b'\'' | b'"') => {
                let line_end =
                    memchr::memchr(b'\n', &body[i + 1..]).map_or(body.len(), |n| i + 1 + n);
                if let Some(n) = memchr::memchr(q, &body[i + 1..line_end]) {
                    i += n + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn gluable(token: &Token) -> bool {
    matches!(
        token,
        Token::Ident(_) | Token::Number(_) | Token::Dollar(_) | Token::DollarParam(_) | Token::Dot
    )
}

fn templated(token: &Token) -> bool {
    match token {
        Token::Dollar(_) => true,
        Token::Ident(s) => s.contains("$("),
        _ => false,
    }
}

fn is_control_head(head: Option<Token>, second: Option<Token>) -> bool {
    let Some(head) = head else { return false };
    if second == Some(Token::Colon) {
        return false; // a label
    }
    match head {
        Token::Ident(w) => {
            if CONTROL_HEADS.iter().any(|k| w.eq_ignore_ascii_case(k)) {
                return true;
            }
            second == Some(Token::Eq)
                && !(w.eq_ignore_ascii_case("let") || w.eq_ignore_ascii_case("set"))
        }
        Token::QName(_) | Token::String(_) => second == Some(Token::Eq),
        _ => false,
    }
}

/// The lexer's output as an indexable sequence, produced on demand and forgotten once
/// consumed, so memory stays flat whatever the script size. Lexing can restart at any byte
/// offset (after a REM body, or when the driver rewinds).
struct LazyLexed<'s> {
    text: &'s str,
    lexer: logos::Lexer<'s, Token<'s>>,
    /// Byte offset of the lexer's input within `text`.
    offset: usize,
    window: std::collections::VecDeque<Lexed<'s>>,
    /// Absolute index of `window[0]`.
    base: usize,
}

impl<'s> LazyLexed<'s> {
    fn new(text: &'s str) -> Self {
        LazyLexed {
            text,
            lexer: Token::lexer(text),
            offset: 0,
            window: std::collections::VecDeque::new(),
            base: 0,
        }
    }

    fn get(&mut self, index: usize) -> Option<Lexed<'s>> {
        while self.base + self.window.len() <= index {
            let token = self.lexer.next()?;
            let r = self.lexer.span();
            self.window
                .push_back((token, Span::new(r.start + self.offset, r.end + self.offset)));
        }
        index
            .checked_sub(self.base)
            .and_then(|i| self.window.get(i))
            .copied()
    }

    /// A token known to exist (already peeked).
    fn at(&mut self, index: usize) -> Lexed<'s> {
        self.get(index).expect("token was peeked before")
    }

    fn discard_before(&mut self, index: usize) {
        while self.base < index && !self.window.is_empty() {
            self.window.pop_front();
            self.base += 1;
        }
    }

    /// Forgets tokens from `index` on; the token at `index` will be lexed from byte `offset`.
    fn reset_at(&mut self, index: usize, offset: usize) {
        self.window.truncate(index.saturating_sub(self.base));
        if self.base > index {
            self.base = index;
        }
        self.offset = offset;
        self.lexer = Token::lexer(&self.text[offset..]);
    }
}
