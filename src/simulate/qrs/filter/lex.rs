//! Lexing `filter` and `orderby` text into words, quoted strings and punctuation, and the
//! cursor both parsers walk. Positions are 0-based character offsets, as QRS reports them.

use super::{syntax, FilterError};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Word(String),
    Quoted(String),
    LParen,
    RParen,
    Comma,
    End,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) pos: usize,
}

fn lex(text: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let simple = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(tok) = simple {
            out.push(Token { tok, pos: i });
            i += 1;
            continue;
        }
        let start = i;
        if c == '\'' {
            i += 1;
            let mut s = String::new();
            loop {
                match chars.get(i) {
                    None => {
                        return Err(syntax(
                            start,
                            "unterminated string: expected a closing ' \
                             (write '' for a quote inside a string)",
                        ))
                    }
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            out.push(Token {
                tok: Tok::Quoted(s),
                pos: start,
            });
        } else {
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | ',' | '\'')
            {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Word(chars[start..i].iter().collect()),
                pos: start,
            });
        }
    }
    out.push(Token {
        tok: Tok::End,
        pos: chars.len(),
    });
    Ok(out)
}

pub(super) fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() > MAX {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    } else {
        s.to_string()
    }
}

fn describe(tok: &Tok, end: &str) -> String {
    match tok {
        Tok::Word(w) => format!("'{}'", shorten(w)),
        Tok::Quoted(s) => format!("string '{}'", shorten(&s.replace('\'', "''"))),
        Tok::LParen => "'('".to_string(),
        Tok::RParen => "')'".to_string(),
        Tok::Comma => "','".to_string(),
        Tok::End => end.to_string(),
    }
}

pub(super) struct Cursor {
    pub(super) toks: Vec<Token>,
    pub(super) idx: usize,
    pub(super) end_name: &'static str,
}

impl Cursor {
    pub(super) fn new(text: &str, end_name: &'static str) -> Result<Self, FilterError> {
        Ok(Cursor {
            toks: lex(text)?,
            idx: 0,
            end_name,
        })
    }

    pub(super) fn peek(&self) -> &Token {
        // The token list always ends with `End`, and `idx` never moves past it.
        &self.toks[self.idx]
    }

    pub(super) fn bump(&mut self) -> Token {
        let t = self.toks[self.idx].clone();
        if self.idx + 1 < self.toks.len() {
            self.idx += 1;
        }
        t
    }

    pub(super) fn peek_keyword(&self, kw: &str) -> bool {
        matches!(&self.peek().tok, Tok::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    pub(super) fn found(&self, tok: &Tok) -> String {
        describe(tok, self.end_name)
    }
}
