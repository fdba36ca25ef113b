//! Caps that keep any input from overflowing the stack: nesting depth and operator chains.

use super::parser::sp;
use super::problem::Problem;
use super::split::Spanned;
use super::token::Token;
use crate::diagnostics::Diagnostic;

/// Deeper nesting of parentheses/braces (or longer runs of prefix operators) than this in one
/// statement is refused with QS301 instead of risking the stack.
pub const MAX_NESTING: usize = 64;

/// Longest run of binary operators in one expression that the parser accepts: a left-deep
/// chain is as deep a tree as nested parentheses.
pub const MAX_OPERATOR_CHAIN: usize = 400;

/// Nesting depth estimate: bracket depth plus the longest run of prefix operators in a row
/// (each is one more level of recursion in the parser), and the longest operator chain at one
/// bracket level.
pub(super) fn too_deep(slice: &[Spanned]) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut run = 0usize;
    // Operators in a row at each open bracket level (`chains[depth]`). A fixed array, as this
    // runs on every statement: `depth` never passes MAX_NESTING + 1 before the check below
    // returns.
    let mut chains = [0usize; MAX_NESTING + 2];
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
            return Some(Problem::NestingTooDeep { limit: MAX_NESTING }.at(sp(*span)));
        }
        if chains[depth] > MAX_OPERATOR_CHAIN {
            return Some(
                Problem::OperatorChainTooLong {
                    limit: MAX_OPERATOR_CHAIN,
                }
                .at(sp(*span)),
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
pub(super) fn raw_body(slice: &[Spanned]) -> bool {
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
