//! Tokens of the load-script language and the logos lexer that produces them.
//!
//! Words are never keywords here: Qlik keywords are not reserved (a field may be called `Load`
//! or `Date`), so every word is an [`Token::Ident`] and the parser classifies it by position.
//! Quoted tokens may span lines; an unterminated one is cut at the end of its first line so the
//! rest of the file still lexes (the lexer error says where it opened).

use logos::{Lexer, Logos};

/// Why a piece of input did not make a proper token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LexError {
    #[default]
    UnexpectedCharacter,
    UnterminatedString,
    UnterminatedName,
    UnterminatedComment,
    UnterminatedDollar,
}

/// Which delimiter quotes a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameQuote {
    Double,
    Bracket,
    Backtick,
}

#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\r\x00-\x08\x0B\x0C\x0E-\x1F]+")]
pub enum Token<'s> {
    #[token("\n")]
    Newline,
    /// Zero-width and byte-order-mark characters (U+200B, U+200C, U+200D, U+2060, U+FEFF)
    /// pasted into a script: invisible in editors, skipped with a warning.
    #[regex("[\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}]+", priority = 20)]
    Invisible,
    /// `// ...` to the end of the line (the `://` of URLs and `lib://` paths is not a comment).
    #[token("//", line_comment)]
    LineComment(&'s str),
    #[token("/*", block_comment)]
    BlockComment(&'s str),
    /// `'...'` with `''` standing for one quote; the slice includes the quotes.
    #[token("'", single_quoted)]
    String(&'s str),
    /// `"..."`, `[...]` or `` `...` ``; the slice includes the delimiters.
    #[token("\"", double_quoted)]
    #[token("`", backtick_quoted)]
    #[token("[", bracket_quoted)]
    QName(&'s str),
    /// `$( ... )` with balanced parentheses, kept whole; the resolver expands it.
    #[token("$(", dollar)]
    Dollar(&'s str),
    /// `$1`, `$2`...: a parameter in variable bodies and DECLARE field expressions.
    #[regex(r"\$[0-9]+", |lex| lex.slice(), priority = 10)]
    DollarParam(&'s str),
    #[regex(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", |lex| lex.slice())]
    #[regex(r"\.[0-9]+([eE][+-]?[0-9]+)?", |lex| lex.slice())]
    Number(&'s str),
    /// A word: letters of any script, digits, `_ . # % $ @`. Qlik also takes unquoted names
    /// that start with `?` or `#` (`?Active`, `as #Period`).
    #[regex(r"[A-Za-z_%@$?#]", ident)]
    #[regex(r"[^\x00-\x7F]", ident)]
    Ident(&'s str),

    #[token(";")]
    Semi,
    #[token(",")]
    Comma,
    #[token(":")]
    Colon,
    #[token("::")]
    ColonColon,
    /// The `://` of `lib://` and URLs, lexed whole so that `//` does not start a comment there.
    #[token("://")]
    ColonSlashSlash,
    #[token(".")]
    Dot,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("&")]
    Amp,
    #[token("=")]
    Eq,
    #[token("==")]
    EqEq,
    #[token("<>")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    LtEq,
    #[token(">")]
    Gt,
    #[token(">=")]
    GtEq,
    #[token("<<")]
    Shl,
    #[token(">>")]
    Shr,
    #[token("+=")]
    PlusEq,
    #[token("-=")]
    MinusEq,
    #[token("*=")]
    StarEq,
    #[token("/=")]
    SlashEq,
    /// Characters with no role in expressions that still occur in raw text and unquoted paths:
    /// `\ ! ~ ^ | ]`. The parser reports them where they do not belong.
    #[regex(r"[\\!~^|\]]", |lex| lex.slice())]
    Punct(&'s str),
    /// Input that makes no token (never produced by logos itself; the splitter stores lexer
    /// errors as this so the parser can report them where they matter).
    Unknown(&'s str),
}

impl Token<'_> {
    pub fn is_trivia(&self) -> bool {
        matches!(
            self,
            Token::Newline | Token::LineComment(_) | Token::BlockComment(_) | Token::Invisible
        )
    }

    /// A short human name for error messages.
    pub fn describe(&self) -> String {
        match self {
            Token::Newline => "end of line".into(),
            Token::Invisible => "invisible character".into(),
            Token::LineComment(_) | Token::BlockComment(_) => "comment".into(),
            Token::String(s) => format!("string {}", clip(s)),
            Token::QName(s) => format!("name {}", clip(s)),
            Token::Dollar(s) => format!("expansion `{}`", clip(s)),
            Token::DollarParam(s)
            | Token::Number(s)
            | Token::Ident(s)
            | Token::Punct(s)
            | Token::Unknown(s) => {
                format!("`{}`", clip(s))
            }
            other => format!("`{}`", other.punct_text()),
        }
    }

    fn punct_text(&self) -> &'static str {
        match self {
            Token::Semi => ";",
            Token::Comma => ",",
            Token::Colon => ":",
            Token::ColonColon => "::",
            Token::ColonSlashSlash => "://",
            Token::Dot => ".",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Star => "*",
            Token::Slash => "/",
            Token::Amp => "&",
            Token::Eq => "=",
            Token::EqEq => "==",
            Token::NotEq => "<>",
            Token::Lt => "<",
            Token::LtEq => "<=",
            Token::Gt => ">",
            Token::GtEq => ">=",
            Token::Shl => "<<",
            Token::Shr => ">>",
            Token::PlusEq => "+=",
            Token::MinusEq => "-=",
            Token::StarEq => "*=",
            Token::SlashEq => "/=",
            _ => "?",
        }
    }

    /// The keyword test used everywhere: words compare case-insensitively.
    pub fn is_word(&self, word: &str) -> bool {
        matches!(self, Token::Ident(s) if s.eq_ignore_ascii_case(word))
    }

    /// A stable kind name for `--tokens` output.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Token::Newline => "Newline",
            Token::Invisible => "Invisible",
            Token::LineComment(_) => "LineComment",
            Token::BlockComment(_) => "BlockComment",
            Token::String(_) => "String",
            Token::QName(_) => "QName",
            Token::Dollar(_) => "Dollar",
            Token::DollarParam(_) => "DollarParam",
            Token::Number(_) => "Number",
            Token::Ident(_) => "Ident",
            Token::Punct(_) => "Punct",
            Token::Unknown(_) => "Unknown",
            _ => "Op",
        }
    }
}

fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// Moves the lexer to the end of the current line and reports `error`: the recovery for every
/// unterminated token.
fn cut_at_line_end<'s>(
    lex: &mut Lexer<'s, Token<'s>>,
    error: LexError,
) -> Result<&'s str, LexError> {
    let rest = lex.remainder().as_bytes();
    let n = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
    lex.bump(n);
    Err(error)
}

/// To the end of the line; a CR before the LF is not part of the comment.
fn line_comment<'s>(lex: &mut Lexer<'s, Token<'s>>) -> &'s str {
    let rest = lex.remainder().as_bytes();
    let mut n = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
    if n > 0 && rest[n - 1] == b'\r' {
        n -= 1;
    }
    lex.bump(n);
    lex.slice()
}

fn block_comment<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<&'s str, LexError> {
    match memchr::memmem::find(lex.remainder().as_bytes(), b"*/") {
        Some(n) => {
            lex.bump(n + 2);
            Ok(lex.slice())
        }
        // Qlik reads an unclosed `/*` as a comment to the end of the file.
        None => {
            lex.bump(lex.remainder().len());
            Err(LexError::UnterminatedComment)
        }
    }
}

/// Scans to the closing `quote`, where a doubled `quote` is an escaped one.
fn quoted<'s>(
    lex: &mut Lexer<'s, Token<'s>>,
    quote: u8,
    error: LexError,
) -> Result<&'s str, LexError> {
    let rest = lex.remainder().as_bytes();
    let mut i = 0;
    while let Some(n) = memchr::memchr(quote, &rest[i..]) {
        let at = i + n;
        if rest.get(at + 1) == Some(&quote) {
            i = at + 2;
            continue;
        }
        lex.bump(at + 1);
        return Ok(lex.slice());
    }
    cut_at_line_end(lex, error)
}

fn single_quoted<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<&'s str, LexError> {
    quoted(lex, b'\'', LexError::UnterminatedString)
}

fn double_quoted<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<&'s str, LexError> {
    quoted(lex, b'"', LexError::UnterminatedName)
}

fn backtick_quoted<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<&'s str, LexError> {
    quoted(lex, b'`', LexError::UnterminatedName)
}

fn bracket_quoted<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<&'s str, LexError> {
    quoted(lex, b']', LexError::UnterminatedName)
}

/// Balanced `$( ... )`, by the one rule in [`super::dollar::closing_len`].
fn dollar<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<&'s str, LexError> {
    match super::dollar::closing_len(lex.remainder().as_bytes()) {
        Ok(n) => {
            lex.bump(n);
            Ok(lex.slice())
        }
        Err(n) => {
            lex.bump(n);
            Err(LexError::UnterminatedDollar)
        }
    }
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '#' | '%' | '$' | '@')
}

fn ident<'s>(lex: &mut Lexer<'s, Token<'s>>) -> Result<&'s str, LexError> {
    let first = lex.slice().chars().next().unwrap_or(' ');
    if !first.is_ascii() && !first.is_alphabetic() {
        return Err(LexError::UnexpectedCharacter);
    }
    let rest = lex.remainder();
    let bytes = rest.as_bytes();
    let mut n = 0;
    loop {
        match bytes.get(n) {
            Some(b) if b.is_ascii_alphanumeric() || b"_.#%$@".contains(b) => {
                // `$(` inside a word starts an expansion glued to it, not more word.
                if *b == b'$' && bytes.get(n + 1) == Some(&b'(') {
                    break;
                }
                n += 1;
            }
            Some(b) if *b >= 0x80 => {
                let c = rest[n..].chars().next().unwrap_or(' ');
                if is_ident_continue(c) {
                    n += c.len_utf8();
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    lex.bump(n);
    Ok(lex.slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(src: &str) -> Vec<Result<Token<'_>, LexError>> {
        Token::lexer(src).collect()
    }

    #[test]
    fn words_strings_and_names() {
        use Token::*;
        assert_eq!(
            lex("LOAD [a]]b], 'It''s' as \"x\"\"y\", `q`"),
            vec![
                Ok(Ident("LOAD")),
                Ok(QName("[a]]b]")),
                Ok(Comma),
                Ok(String("'It''s'")),
                Ok(Ident("as")),
                Ok(QName("\"x\"\"y\"")),
                Ok(Comma),
                Ok(QName("`q`"))
            ]
        );
    }

    #[test]
    fn identifiers_take_unicode_and_qlik_punctuation() {
        use Token::*;
        assert_eq!(
            lex("Försäljning Date# %Key $Table @1 Sales.Amount Количество"),
            vec![
                Ok(Ident("Försäljning")),
                Ok(Ident("Date#")),
                Ok(Ident("%Key")),
                Ok(Ident("$Table")),
                Ok(Ident("@1")),
                Ok(Ident("Sales.Amount")),
                Ok(Ident("Количество"))
            ]
        );
    }

    #[test]
    fn lib_paths_are_not_comments() {
        use Token::*;
        assert_eq!(
            lex("lib://Data/x.qvd // c"),
            vec![
                Ok(Ident("lib")),
                Ok(ColonSlashSlash),
                Ok(Ident("Data")),
                Ok(Slash),
                Ok(Ident("x.qvd")),
                Ok(LineComment("// c"))
            ]
        );
    }

    #[test]
    fn dollar_expansions_nest_and_glue() {
        use Token::*;
        assert_eq!(
            lex("$(=Date(Max(D))) v$(i) $(#n) $1"),
            vec![
                Ok(Dollar("$(=Date(Max(D)))")),
                Ok(Ident("v")),
                Ok(Dollar("$(i)")),
                Ok(Dollar("$(#n)")),
                Ok(DollarParam("$1"))
            ]
        );
    }

    #[test]
    fn numbers() {
        use Token::*;
        assert_eq!(
            lex("1 3.14 1e3 .5 12/31"),
            vec![
                Ok(Number("1")),
                Ok(Number("3.14")),
                Ok(Number("1e3")),
                Ok(Number(".5")),
                Ok(Number("12")),
                Ok(Slash),
                Ok(Number("31"))
            ]
        );
    }

    #[test]
    fn unterminated_tokens_stop_at_line_end() {
        let mut lexer = Token::lexer("x = 'abc\nLOAD");
        assert_eq!(lexer.next(), Some(Ok(Token::Ident("x"))));
        assert_eq!(lexer.next(), Some(Ok(Token::Eq)));
        assert_eq!(lexer.next(), Some(Err(LexError::UnterminatedString)));
        assert_eq!(lexer.span(), 4..8);
        assert_eq!(lexer.next(), Some(Ok(Token::Newline)));
        assert_eq!(lexer.next(), Some(Ok(Token::Ident("LOAD"))));
        assert_eq!(lex("/* x"), vec![Err(LexError::UnterminatedComment)]);
        assert_eq!(lex("$(a"), vec![Err(LexError::UnterminatedDollar)]);
        assert_eq!(lex("€"), vec![Err(LexError::UnexpectedCharacter)]);
    }
}
