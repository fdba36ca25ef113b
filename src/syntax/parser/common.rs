//! Building blocks shared by every statement parser: keywords, names, literals, raw slices.

use super::{Input, PErr};
use crate::syntax::ast::{FilePath, Ident, Name, Quote, RawText, Span};
use crate::syntax::token::Token;
use chumsky::prelude::*;

pub(crate) fn sp(span: SimpleSpan) -> Span {
    Span::new(span.start, span.end)
}

/// The span of what a parser read, never inverted. For an empty match chumsky gives the next
/// token's start to the previous token's end, which runs backwards when whitespace lies between
/// them (`f( )`): an empty match is an empty span where the previous token ends.
pub(crate) fn read_span(span: SimpleSpan) -> SimpleSpan {
    if span.start > span.end {
        SimpleSpan::from(span.end..span.end)
    } else {
        span
    }
}

/// Gives a collected list's spare room back. Lists are collected by pushing, which reserves
/// four slots first and then doubles, so a call with one argument or a statement with one
/// prefix held three empty nodes: on large scripts a fifth of the tree was spare capacity, and
/// building a bigger tree costs page faults. Freed at once, the room is reused by the next node.
pub(crate) fn trimmed<T>(mut list: Vec<T>) -> Vec<T> {
    list.shrink_to_fit();
    list
}

/// One token that `accept` takes, as a single `custom` step. Written this way rather than
/// `any().filter().labelled()` because these parsers are tried at almost every position, and
/// the label wrapper's bookkeeping was a tenth of the parse. The error is the one the wrapper
/// made: expected `label`, found the next token.
pub(super) fn one_token<'t, 's: 't, E: PErr<'t, 's>, O>(
    label: &'static str,
    accept: impl Fn(Token<'s>, SimpleSpan) -> Option<O> + Clone,
) -> impl Parser<'t, Input<'t, 's>, O, extra::Err<E>> + Clone {
    custom(move |inp| {
        let before = inp.cursor();
        let found: Option<Token<'s>> = inp.next();
        let span = inp.span_since(&before);
        match found.map(|t| (accept(t, span), t)) {
            Some((Some(out), _)) => Ok(out),
            other => Err(E::expected_found(
                [label],
                other.map(|(_, t)| chumsky::util::MaybeRef::Val(t)),
                span,
            )),
        }
    })
}

/// A case-insensitive keyword; yields its span.
pub(crate) fn kw<'t, 's: 't, E: PErr<'t, 's>>(
    word: &'static str,
) -> impl Parser<'t, Input<'t, 's>, SimpleSpan, extra::Err<E>> + Clone {
    one_token(word, move |t, span| t.is_word(word).then_some(span))
}

/// One of several keywords; yields the index of the one found.
pub(crate) fn kw_any<'t, 's: 't, E: PErr<'t, 's>>(
    words: &'static [&'static str],
) -> impl Parser<'t, Input<'t, 's>, usize, extra::Err<E>> + Clone {
    one_token(words[0], move |t, _| {
        words.iter().position(|w| t.is_word(w))
    })
}

/// Removes the delimiters of a quoted token and undoes doubled closing delimiters. Generic
/// over the string type so names land in an inline [`Name`] and literals in a `String`
/// without a copy in between.
pub(crate) fn unquote<T: for<'a> From<&'a str> + From<String>>(text: &str) -> (T, Quote) {
    let (quote, close) = match text.as_bytes().first() {
        Some(b'"') => (Quote::Double, b'"'),
        Some(b'[') => (Quote::Bracket, b']'),
        Some(b'`') => (Quote::Backtick, b'`'),
        Some(b'\'') => (Quote::Single, b'\''),
        _ => return (T::from(text), Quote::None),
    };
    let inner = &text[1..];
    let inner = inner.strip_suffix(close as char).unwrap_or(inner);
    // The delimiters are ASCII, so the doubled form is two bytes on the stack.
    let doubled_bytes = [close, close];
    let doubled = std::str::from_utf8(&doubled_bytes).unwrap_or("\0\0");
    if inner.contains(doubled) {
        (T::from(inner.replace(doubled, &doubled[..1])), quote)
    } else {
        (T::from(inner), quote)
    }
}

pub(crate) fn ident_from(token: &Token, span: SimpleSpan) -> Option<Ident> {
    let (text, quote) = match token {
        Token::Ident(s) | Token::Dollar(s) | Token::Number(s) | Token::DollarParam(s) => {
            (Name::from(*s), Quote::None)
        }
        Token::QName(s) | Token::String(s) => unquote(s),
        _ => return None,
    };
    Some(Ident {
        text,
        quote,
        span: sp(span),
    })
}

/// A name: a word, a quoted name, a `'…'` string or a `$(…)` (table and field names, labels,
/// variables). Numbers are accepted too: `TableName ::= IDENT | STRING | QNAME | NUMBER`.
pub(crate) fn name<'t, 's: 't, E: PErr<'t, 's>>(
) -> impl Parser<'t, Input<'t, 's>, Ident, extra::Err<E>> + Clone {
    one_token("name", |t, span| match t {
        Token::Ident(_)
        | Token::Dollar(_)
        | Token::Number(_)
        | Token::QName(_)
        | Token::String(_) => ident_from(&t, span),
        _ => None,
    })
}

/// A word or quoted name, not a string literal (field references, sub names).
pub(crate) fn field_name<'t, 's: 't, E: PErr<'t, 's>>(
) -> impl Parser<'t, Input<'t, 's>, Ident, extra::Err<E>> + Clone {
    one_token("field name", |t, span| match t {
        Token::Ident(_) | Token::QName(_) | Token::Dollar(_) => ident_from(&t, span),
        _ => None,
    })
}

pub(crate) fn names<'t, 's: 't, E: PErr<'t, 's>>(
) -> impl Parser<'t, Input<'t, 's>, Vec<Ident>, extra::Err<E>> + Clone {
    name()
        .separated_by(just(Token::Comma))
        .at_least(1)
        .collect()
        .map(trimmed)
}

/// Any run of tokens (possibly empty) kept as the source text it covers, trimmed.
pub(crate) fn raw_rest<'t, 's: 't, E: PErr<'t, 's>>(
    src: &'s str,
) -> impl Parser<'t, Input<'t, 's>, Option<RawText>, extra::Err<E>> + Clone {
    any()
        .repeated()
        .at_least(1)
        .map_with(move |_, e| {
            let s = read_span(e.span());
            RawText {
                text: src[s.start..s.end].to_owned(),
                span: sp(s),
            }
        })
        .or_not()
}

/// A value as Qlik reads it: one quoted token loses its delimiters; anything else is the raw
/// source text of the tokens up to one `stop` accepts (or the end).
pub(crate) fn quoted_or_raw<'t, 's: 't, E: PErr<'t, 's>>(
    src: &'s str,
    stop: fn(&Token) -> bool,
) -> impl Parser<'t, Input<'t, 's>, RawText, extra::Err<E>> + Clone {
    any()
        .filter(move |t: &Token| !stop(t))
        .repeated()
        .at_least(1)
        .collect::<Vec<Token<'s>>>()
        .map_with(move |tokens, e| {
            let s = read_span(e.span());
            let text = match tokens.as_slice() {
                [Token::QName(q)] | [Token::String(q)] => unquote(q).0,
                _ => src[s.start..s.end].to_owned(),
            };
            RawText { text, span: sp(s) }
        })
}

/// The rest of a statement as a path-like value, `(` and keywords included.
pub(crate) fn raw_value<'t, 's: 't, E: PErr<'t, 's>>(
    src: &'s str,
) -> impl Parser<'t, Input<'t, 's>, Option<RawText>, extra::Err<E>> + Clone {
    quoted_or_raw(src, |_| false).or_not()
}

/// A token run with balanced parentheses that stops before a depth-0 `,` or `)`.
pub(crate) fn balanced_item<'t, 's: 't, E: PErr<'t, 's>>(
) -> impl Parser<'t, Input<'t, 's>, SimpleSpan, extra::Err<E>> + Clone {
    recursive(|inner| {
        let group = just(Token::LParen)
            .then(
                inner
                    .clone()
                    .separated_by(just(Token::Comma))
                    .allow_leading()
                    .allow_trailing(),
            )
            .then(just(Token::RParen))
            .ignored();
        let plain = any()
            .filter(|t: &Token| !matches!(t, Token::LParen | Token::RParen | Token::Comma))
            .ignored();
        group
            .or(plain)
            .repeated()
            .at_least(1)
            .map_with(|_, e| e.span())
    })
}

/// What ends an unquoted path after FROM: `(`, WHERE, WHILE, GROUP BY, ORDER BY.
fn path_end<'t, 's: 't, E: PErr<'t, 's>>(
) -> impl Parser<'t, Input<'t, 's>, (), extra::Err<E>> + Clone {
    choice((
        just(Token::LParen).ignored(),
        kw("where").ignored(),
        kw("while").ignored(),
        kw_any(&["group", "order"]).then(kw("by")).ignored(),
    ))
}

/// A file name after FROM / INTO / BINARY: one quoted token, or the raw text of the tokens up to
/// `(`, WHERE, WHILE, GROUP BY or the end (spaces included, as Qlik reads it).
pub(crate) fn file_path<'t, 's: 't, E: PErr<'t, 's>>(
    src: &'s str,
) -> impl Parser<'t, Input<'t, 's>, FilePath, extra::Err<E>> + Clone {
    any()
        .and_is(path_end().not())
        .repeated()
        .at_least(1)
        .collect::<Vec<Token<'s>>>()
        .map_with(move |tokens, e| {
            let quoted = match tokens.as_slice() {
                [Token::QName(q)] | [Token::String(q)] => Some(*q),
                _ => None,
            };
            file_path_value(src, quoted, e.span())
        })
        .labelled("file name")
}

/// A file name read from the tokens at `span`: the content of its one quoted token, or the
/// source text as written (spaces included, as Qlik reads it).
pub(crate) fn file_path_value(src: &str, quoted: Option<&str>, span: SimpleSpan) -> FilePath {
    match quoted {
        Some(q) => {
            let (text, quote) = unquote(q);
            FilePath {
                text,
                quote,
                span: sp(span),
            }
        }
        None => FilePath {
            text: src[span.start..span.end].to_owned(),
            quote: Quote::None,
            span: sp(span),
        },
    }
}
