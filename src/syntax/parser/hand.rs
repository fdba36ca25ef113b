//! The hand-written first pass for the statements and clauses scripts are mostly made of:
//! labels with the common prefixes, LOAD, SQL/SELECT, STORE, DROP, SET, LET, and the IF / ELSE /
//! END / FOR / NEXT clauses, with script expressions.
//!
//! It reads a statement's token slice directly, without the combinators' dispatch (which was
//! most of the cost of parsing), and builds exactly the tree the chumsky parsers build, spans
//! included. It is a recogniser of a strict subset: on anything else (other statements, rarer
//! prefixes, `@` positions, aggregation qualifiers, odd format specs, any input that does not
//! parse) it answers `None` and the caller runs the combinators, which also explain errors.
//! Where the combinators would backtrack (an optional part that fails half-way), this pass
//! either makes the same choice exactly or gives up, so it can never accept a different tree.
//! The unit test `first_and_second_pass_agree` compares both on every corpus statement.

use super::common::{file_path_value, ident_from, sp, trimmed, unquote};
use super::control::Clause;
use super::expr::{
    bin, binary_op, is_position, is_qualifier, plain_call, prefix_op, token_operand, un,
};
use super::load::{classify_format_item, inline_source, load_statement};
use crate::syntax::ast::*;
use crate::syntax::grammar_tables::LEADING_PREFIXES;
use crate::syntax::split::Spanned;
use crate::syntax::token::Token;
use chumsky::span::SimpleSpan;

/// A statement's labels and prefixes and its body, or `None` to defer to the combinators.
pub(crate) fn statement(
    src: &str,
    tokens: &[Spanned<'_>],
    eoi: usize,
) -> Option<(Vec<Prefix>, StmtKind)> {
    let mut c = Cursor {
        src,
        tokens,
        i: 0,
        eoi,
    };
    let prefixes = c.prefixes()?;
    let Token::Ident(head) = c.peek()? else {
        return None;
    };
    let is = |w: &str| head.eq_ignore_ascii_case(w);
    let kind = if is("load") {
        c.load()?
    } else if is("sql") || is("qsl") || is("select") {
        c.select()?
    } else if is("store") {
        c.store()?
    } else if is("drop") {
        c.drop()?
    } else if is("set") {
        c.set()?
    } else if is("let") {
        c.let_()?
    } else {
        return None;
    };
    c.at_end().then(|| (trimmed(prefixes), kind))
}

/// A control clause, or `None` to defer to the combinators.
pub(crate) fn clause(src: &str, tokens: &[Spanned<'_>], eoi: usize) -> Option<Clause> {
    let mut c = Cursor {
        src,
        tokens,
        i: 0,
        eoi,
    };
    let Token::Ident(head) = c.peek()? else {
        return None;
    };
    let is = |w: &str| head.eq_ignore_ascii_case(w);
    c.i += 1;
    let clause = if is("if") || is("elseif") {
        let condition = c.expr(0)?;
        // THEN may be left out at the end of the line.
        c.word("then");
        if is("if") {
            Clause::If(condition)
        } else {
            Clause::ElseIf(condition)
        }
    } else if is("else") {
        Clause::Else
    } else if is("endif") {
        Clause::EndIf
    } else if is("end") {
        if c.word("if").is_some() {
            Clause::EndIf
        } else if c.word("sub").is_some() {
            Clause::EndSub
        } else if c.word("switch").is_some() {
            Clause::EndSwitch
        } else {
            return None;
        }
    } else if is("for") {
        // `FOR EACH` (or a variable called `each`) is left to the combinators.
        if c.peek()?.is_word("each") {
            return None;
        }
        let variable = c.name()?;
        c.token(Token::Eq)?;
        let from = c.expr(0)?;
        c.word("to")?;
        let to = c.expr(0)?;
        let step = match c.word("step") {
            Some(_) => Some(c.expr(0)?),
            None => None,
        };
        Clause::For {
            variable,
            from,
            to,
            step,
        }
    } else if is("next") {
        Clause::Next(if c.at_end() { None } else { Some(c.name()?) })
    } else {
        return None;
    };
    c.at_end().then_some(clause)
}

/// A position in one statement's tokens.
struct Cursor<'t, 's> {
    src: &'s str,
    tokens: &'t [Spanned<'s>],
    i: usize,
    /// Where the statement ends (its `;`, or its last token): the span of "nothing left".
    eoi: usize,
}

impl<'s> Cursor<'_, 's> {
    fn peek(&self) -> Option<Token<'s>> {
        self.tokens.get(self.i).map(|(t, _)| *t)
    }

    fn peek_at(&self, ahead: usize) -> Option<Token<'s>> {
        self.tokens.get(self.i + ahead).map(|(t, _)| *t)
    }

    fn at_end(&self) -> bool {
        self.i == self.tokens.len()
    }

    fn next(&mut self) -> Option<(Token<'s>, SimpleSpan)> {
        let token = *self.tokens.get(self.i)?;
        self.i += 1;
        Some(token)
    }

    /// The span chumsky gives what was read since token `start`: from that token's start to
    /// the end of the last token read (`eoi` when nothing was read), `eoi..eoi` at the end.
    fn span_since(&self, start: usize) -> SimpleSpan {
        match self.tokens.get(start) {
            Some((_, first)) => {
                let end = match self.i {
                    0 => self.eoi,
                    i => self.tokens[i - 1].1.end,
                };
                SimpleSpan::from(first.start..end)
            }
            None => SimpleSpan::from(self.eoi..self.eoi),
        }
    }

    /// Consumes `expected` if it is next.
    /// Consumes `expected`, a token without text (punctuation), if it is next. Compared by
    /// variant only: the derived `PartialEq` would also compare texts, and is not always
    /// inlined on this hottest path.
    fn token(&mut self, expected: Token) -> Option<SimpleSpan> {
        debug_assert!(!matches!(
            expected,
            Token::Ident(_) | Token::QName(_) | Token::String(_) | Token::Number(_)
        ));
        let (token, span) = *self.tokens.get(self.i)?;
        (std::mem::discriminant(&token) == std::mem::discriminant(&expected)).then(|| {
            self.i += 1;
            span
        })
    }

    /// Consumes the keyword `word` (any case) if it is next.
    fn word(&mut self, word: &str) -> Option<SimpleSpan> {
        let (token, span) = *self.tokens.get(self.i)?;
        token.is_word(word).then(|| {
            self.i += 1;
            span
        })
    }

    /// What `common::name` accepts: a word, quoted name, string, number or `$(…)`.
    fn name(&mut self) -> Option<Ident> {
        let (token, span) = *self.tokens.get(self.i)?;
        match token {
            Token::Ident(_)
            | Token::Dollar(_)
            | Token::Number(_)
            | Token::QName(_)
            | Token::String(_) => {
                self.i += 1;
                ident_from(&token, span)
            }
            _ => None,
        }
    }

    /// `name, name, …` (at least one); a comma must be followed by a name.
    fn names(&mut self) -> Option<Vec<Ident>> {
        let mut names = vec![self.name()?];
        while self.token(Token::Comma).is_some() {
            names.push(self.name()?);
        }
        Some(trimmed(names))
    }

    /// An optional `AS name`. `None` when `AS` is not followed by a name: the combinators would
    /// leave the `AS` unread, and no statement handled here can go on from there.
    fn alias(&mut self) -> Option<Option<Ident>> {
        if self.word("as").is_none() {
            return Some(None);
        }
        self.name().map(Some)
    }

    /// `( name )` after CONCATENATE / JOIN / KEEP, if there is a `(`.
    fn table_in_parens(&mut self) -> Option<Option<Ident>> {
        if self.token(Token::LParen).is_none() {
            return Some(None);
        }
        let table = self.name()?;
        self.token(Token::RParen)?;
        Some(Some(table))
    }

    // Expressions ---------------------------------------------------------------------------

    /// Precedence climbing, as `expr::climb` does it.
    fn expr(&mut self, min_power: u8) -> Option<Expr> {
        let start = self.i;
        let mut lhs = match self.peek().as_ref().and_then(prefix_op) {
            Some((op, power)) => {
                self.i += 1;
                let operand = self.expr(power)?;
                un(op, operand, self.span_since(start))
            }
            None => self.atom()?,
        };
        while let Some((op, power)) = self.peek().as_ref().and_then(binary_op) {
            if power < min_power {
                break;
            }
            self.i += 1;
            let rhs = self.expr(power + 1)?;
            lhs = bin(op, lhs, rhs, self.span_since(start));
        }
        Some(lhs)
    }

    /// The operands `expr::fast_atom` reads: literals, names, plain calls, parentheses.
    fn atom(&mut self) -> Option<Expr> {
        let start = self.i;
        let (token, span) = self.next()?;
        Some(match token {
            Token::Ident(w) if is_position(w) => return None,
            Token::Ident(_) => {
                let name = ident_from(&token, span)?;
                if self.token(Token::LParen).is_none() {
                    return Some(Expr::Field(name));
                }
                let mut args = Vec::new();
                match self.peek()? {
                    Token::RParen => {}
                    Token::Ident(q) if is_qualifier(q) => return None,
                    _ => loop {
                        args.push(self.expr(0)?);
                        // A trailing comma: an empty last argument.
                        if self.token(Token::Comma).is_none()
                            || matches!(self.peek(), Some(Token::RParen))
                        {
                            break;
                        }
                    },
                }
                self.token(Token::RParen)?;
                plain_call(name, args, self.span_since(start))
            }
            Token::LParen => {
                let inner = self.expr(0)?;
                self.token(Token::RParen)?;
                Expr::Paren(ExprParen {
                    inner: Box::new(inner),
                    span: sp(self.span_since(start)),
                })
            }
            _ => return token_operand(token, span),
        })
    }

    // Labels and prefixes -------------------------------------------------------------------

    /// Labels and the common prefixes, in any order; `None` on a prefix left to the combinators.
    fn prefixes(&mut self) -> Option<Vec<Prefix>> {
        let mut prefixes = Vec::new();
        loop {
            let Some(token) = self.peek() else {
                return Some(prefixes);
            };
            // A label is tried first, whatever its word.
            let label_name = matches!(
                token,
                Token::Ident(_)
                    | Token::Dollar(_)
                    | Token::Number(_)
                    | Token::QName(_)
                    | Token::String(_)
            );
            if label_name && self.peek_at(1) == Some(Token::Colon) {
                let label = self.name()?;
                self.i += 1;
                prefixes.push(Prefix::Label(label));
                continue;
            }
            let word = match token {
                Token::Ident(w) if LEADING_PREFIXES.iter().any(|p| w.eq_ignore_ascii_case(p)) => w,
                Token::Dollar(_) => return None,
                _ => return Some(prefixes),
            };
            let is = |w: &str| word.eq_ignore_ascii_case(w);
            let start = self.i;
            let (_, head_span) = self.next()?;
            let prefix = if is("mapping") {
                Prefix::Mapping(sp(head_span))
            } else if is("noconcatenate") {
                Prefix::NoConcatenate(sp(head_span))
            } else if is("generic") {
                Prefix::Generic(sp(head_span))
            } else if is("semantic") {
                Prefix::Semantic(sp(head_span))
            } else if is("concatenate") {
                let table = self.table_in_parens()?;
                Prefix::Concatenate(PrefixTarget {
                    table,
                    span: sp(self.span_since(start)),
                })
            } else if ["inner", "left", "right", "outer", "join", "keep"]
                .iter()
                .any(|w| is(w))
            {
                self.join_or_keep(word, start)?
            } else if is("crosstable") {
                self.token(Token::LParen)?;
                let attribute = self.name()?;
                self.token(Token::Comma)?;
                let data = self.name()?;
                let qualifiers = match self.token(Token::Comma) {
                    Some(_) => Some(self.expr(0)?),
                    None => None,
                };
                self.token(Token::RParen)?;
                Prefix::CrossTable(Box::new(PrefixCrossTable {
                    attribute,
                    data,
                    qualifiers,
                    span: sp(self.span_since(start)),
                }))
            } else {
                return None;
            };
            prefixes.push(prefix);
        }
    }

    /// `[Inner|Left|Right|Outer] Join|Keep [(table)]`, the first word already read.
    fn join_or_keep(&mut self, first: &str, start: usize) -> Option<Prefix> {
        let kind = match first.to_ascii_lowercase().as_str() {
            "inner" => JoinKind::Inner,
            "left" => JoinKind::Left,
            "right" => JoinKind::Right,
            "outer" => JoinKind::Outer,
            _ => JoinKind::Default,
        };
        let keep = if kind == JoinKind::Default {
            first.eq_ignore_ascii_case("keep")
        } else if self.word("join").is_some() {
            false
        } else {
            self.word("keep")?;
            true
        };
        let table = self.table_in_parens()?;
        let p = PrefixJoin {
            kind,
            table,
            span: sp(self.span_since(start)),
        };
        Some(if keep {
            Prefix::Keep(p)
        } else {
            Prefix::Join(p)
        })
    }

    // Statements ----------------------------------------------------------------------------

    fn load(&mut self) -> Option<StmtKind> {
        self.word("load")?;
        let distinct = self.word("distinct").is_some();
        let mut fields = Vec::new();
        loop {
            let start = self.i;
            if let Some(star) = self.token(Token::Star) {
                fields.push(LoadField::All(sp(star)));
            } else {
                let expr = self.expr(0)?;
                let alias = self.alias()?;
                fields.push(LoadField::Expr(LoadFieldExpr {
                    expr,
                    alias,
                    span: sp(self.span_since(start)),
                }));
            }
            if self.token(Token::Comma).is_none() {
                break;
            }
        }
        let source_start = self.i;
        let source = match self.peek() {
            Some(t) if t.is_word("from") => {
                self.i += 1;
                let path = self.file_path()?;
                let format = self.format_spec()?;
                LoadSource::From(SourceFrom { path, format })
            }
            Some(t) if t.is_word("resident") => {
                self.i += 1;
                LoadSource::Resident(self.name()?)
            }
            Some(t) if t.is_word("autogenerate") => {
                self.i += 1;
                LoadSource::AutoGenerate(self.expr(0)?)
            }
            Some(t) if t.is_word("inline") => {
                self.i += 1;
                let (Token::QName(raw) | Token::String(raw), span) = self.next()? else {
                    return None;
                };
                inline_source(raw, span, self.format_spec()?)
            }
            Some(t) if t.is_word("from_field") || t.is_word("extension") => return None,
            _ => LoadSource::Missing,
        };
        let source =
            (source != LoadSource::Missing).then(|| (source, sp(self.span_since(source_start))));
        let filter_start = self.i;
        let filter = match self.peek() {
            Some(t) if t.is_word("where") || t.is_word("while") => {
                self.i += 1;
                let condition = self.expr(0)?;
                Some(LoadFilter {
                    kind: if t.is_word("where") {
                        FilterKind::Where
                    } else {
                        FilterKind::While
                    },
                    condition,
                    span: sp(self.span_since(filter_start)),
                })
            }
            _ => None,
        };
        let group_start = self.i;
        let group_by = if self.word("group").is_some() {
            self.word("by")?;
            let mut keys = Vec::new();
            loop {
                keys.push(self.expr(0)?);
                if self.token(Token::Comma).is_none() {
                    break;
                }
            }
            Some(GroupBy {
                keys,
                span: sp(self.span_since(group_start)),
            })
        } else {
            None
        };
        let order_start = self.i;
        let order_by = if self.word("order").is_some() {
            self.word("by")?;
            let mut keys = Vec::new();
            loop {
                let key_start = self.i;
                let key = self.expr(0)?;
                let order = if self.word("asc").is_some() {
                    Some(SortOrder::Asc)
                } else if self.word("desc").is_some() {
                    Some(SortOrder::Desc)
                } else {
                    None
                };
                keys.push(OrderKey {
                    key,
                    order,
                    span: sp(self.span_since(key_start)),
                });
                if self.token(Token::Comma).is_none() {
                    break;
                }
            }
            Some(OrderBy {
                keys,
                span: sp(self.span_since(order_start)),
            })
        } else {
            None
        };
        let tail = match self.peek() {
            Some(Token::Dollar(d)) => {
                let (_, span) = self.next()?;
                Some(ExprDollar::new(d, sp(span)))
            }
            _ => None,
        };
        Some(StmtKind::Load(Box::new(load_statement(
            distinct,
            trimmed(fields),
            source,
            filter,
            group_by,
            order_by,
            tail,
        ))))
    }

    /// `SQL …`, `QSL …`, `SELECT …`: the rest is the body, as text.
    fn select(&mut self) -> Option<StmtKind> {
        let (head, _) = self.next()?;
        let keyword = if head.is_word("sql") {
            SqlKeyword::Sql
        } else if head.is_word("qsl") {
            SqlKeyword::Qsl
        } else {
            // SELECT belongs to its own body.
            self.i -= 1;
            SqlKeyword::Select
        };
        if self.at_end() {
            return None;
        }
        let start = self.i;
        self.i = self.tokens.len();
        let s = self.span_since(start);
        Some(StmtKind::Select(StmtSelect {
            keyword,
            body: RawText {
                text: self.src[s.start..s.end].to_owned(),
                span: sp(s),
            },
        }))
    }

    fn store(&mut self) -> Option<StmtKind> {
        self.word("store")?;
        let save = self.i;
        let fields = match self.store_fields() {
            Some(fields) => fields,
            None => {
                self.i = save;
                Vec::new()
            }
        };
        let tables = self.names()?;
        self.word("into")?;
        let path = self.file_path()?;
        let format = self.format_spec()?;
        Some(StmtKind::Store(Box::new(StmtStore {
            fields,
            tables,
            path,
            format,
        })))
    }

    /// `field [AS alias], … FROM`: `None` (the caller rewinds) unless all of it is there, as
    /// the combinators' optional part.
    fn store_fields(&mut self) -> Option<Vec<StoreField>> {
        let mut fields = Vec::new();
        loop {
            if let Some(star) = self.token(Token::Star) {
                fields.push(StoreField::All(sp(star)));
            } else {
                let name = self.name()?;
                let alias = self.alias()?;
                fields.push(StoreField::Field { name, alias });
            }
            if self.token(Token::Comma).is_none() {
                break;
            }
        }
        self.word("from")?;
        Some(fields)
    }

    fn drop(&mut self) -> Option<StmtKind> {
        self.word("drop")?;
        let target = match self.next()?.0 {
            t if t.is_word("field") || t.is_word("fields") => FieldsOrTables::Fields,
            t if t.is_word("table") || t.is_word("tables") => FieldsOrTables::Tables,
            _ => return None,
        };
        let names = self.names()?;
        let from = match self.word("from") {
            Some(_) => self.names()?,
            None => Vec::new(),
        };
        Some(StmtKind::Drop(Box::new(StmtDrop {
            target,
            names,
            from,
        })))
    }

    /// `SET name = anything`: the value is the text up to the end, as written.
    fn set(&mut self) -> Option<StmtKind> {
        self.word("set")?;
        let name = self.name()?;
        let eq = self.token(Token::Eq)?;
        let rest = &self.tokens[self.i..];
        self.i = self.tokens.len();
        let between = &self.src[eq.end..self.eoi];
        let whole = between.trim();
        let start = eq.end + (between.len() - between.trim_start().len());
        let raw = (!whole.is_empty()).then(|| RawText {
            text: whole.to_owned(),
            span: sp(SimpleSpan::from(start..start + whole.len())),
        });
        let value = match rest {
            [(Token::String(t) | Token::QName(t), _)] => unquote(t).0,
            _ => raw.as_ref().map_or_else(String::new, |r| r.text.clone()),
        };
        Some(StmtKind::Set(Box::new(StmtSet { name, raw, value })))
    }

    fn let_(&mut self) -> Option<StmtKind> {
        self.word("let")?;
        let name = self.name()?;
        self.token(Token::Eq)?;
        let value = if self.at_end() {
            None
        } else {
            Some(self.expr(0)?)
        };
        Some(StmtKind::Let(Box::new(StmtLet {
            name,
            value,
            implicit: false,
        })))
    }

    // Files ---------------------------------------------------------------------------------

    /// A file name: one quoted token, or the text of the tokens up to `(`, WHERE, WHILE,
    /// GROUP BY, ORDER BY or the end.
    fn file_path(&mut self) -> Option<FilePath> {
        let start = self.i;
        while let Some(t) = self.peek() {
            let by_follows = || self.peek_at(1).is_some_and(|n| n.is_word("by"));
            if t == Token::LParen
                || t.is_word("where")
                || t.is_word("while")
                || ((t.is_word("group") || t.is_word("order")) && by_follows())
            {
                break;
            }
            self.i += 1;
        }
        if self.i == start {
            return None;
        }
        let quoted = match &self.tokens[start..self.i] {
            [(Token::QName(q) | Token::String(q), _)] => Some(*q),
            _ => None,
        };
        Some(file_path_value(self.src, quoted, self.span_since(start)))
    }

    /// An optional `( item, … )`. `None` when a `(` opens something this pass does not read.
    fn format_spec(&mut self) -> Option<Option<FormatSpec>> {
        let open = self.i;
        if self.token(Token::LParen).is_none() {
            return Some(None);
        }
        let mut items = Vec::new();
        loop {
            let start = self.i;
            self.balanced_item()?;
            items.push(classify_format_item(self.src, self.span_since(start)));
            match self.next()?.0 {
                Token::Comma => {}
                Token::RParen => break,
                _ => return None,
            }
        }
        Some(Some(FormatSpec {
            // The combinators map a list of spans into a new list of exactly this length.
            items: trimmed(items),
            span: sp(self.span_since(open)),
        }))
    }

    /// One or more tokens up to a `,` or `)` at depth 0, with balanced parentheses; inner
    /// groups hold items separated by single commas (the combinators also allow leading and
    /// trailing commas there: left to them).
    fn balanced_item(&mut self) -> Option<()> {
        let start = self.i;
        loop {
            match self.peek() {
                Some(Token::LParen) => {
                    self.i += 1;
                    if self.token(Token::RParen).is_none() {
                        loop {
                            self.balanced_item()?;
                            match self.next()?.0 {
                                Token::Comma => {}
                                Token::RParen => break,
                                _ => return None,
                            }
                        }
                    }
                }
                Some(Token::RParen | Token::Comma) | None => break,
                Some(_) => self.i += 1,
            }
        }
        (self.i > start).then_some(())
    }
}
