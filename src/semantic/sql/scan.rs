//! The tolerant fallback: when the parser refuses a body (a connector's own syntax, a `$(…)`
//! we could not expand), a token scan lists the tables after FROM and JOIN.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Quoted(&'a str),
    Punct(char),
}

fn tokenize(text: &str) -> Vec<Tok<'_>> {
    let mut tokens = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if c == b'/' && bytes.get(i + 1) == Some(&b'*') {
            i = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |e| i + 2 + e + 2);
        } else if matches!(c, b'[' | b'"' | b'`' | b'\'') {
            let close = if c == b'[' { b']' } else { c };
            let end = bytes[i + 1..]
                .iter()
                .position(|b| *b == close)
                .map_or(bytes.len(), |p| i + 1 + p);
            if c == b'\'' {
                tokens.push(Tok::Punct('\''));
            } else {
                tokens.push(Tok::Quoted(&text[i + 1..end]));
            }
            i = (end + 1).min(bytes.len());
        } else if c.is_ascii_alphanumeric()
            || matches!(c, b'_' | b'@' | b'#')
            || c >= 0x80
            || (c == b'$' && bytes.get(i + 1) == Some(&b'('))
        {
            let start = i;
            while i < bytes.len() {
                let b = bytes[i];
                if b == b'$' && bytes.get(i + 1) == Some(&b'(') {
                    // An unexpanded `$(…)` stays part of the name it is glued to.
                    match crate::semantic::expansion::matching_paren(text, i + 1) {
                        Some(close) => i = close + 1,
                        None => i = bytes.len(),
                    }
                } else if b.is_ascii_alphanumeric()
                    || matches!(b, b'_' | b'@' | b'#' | b'$')
                    || b >= 0x80
                {
                    i += 1;
                } else {
                    break;
                }
            }
            tokens.push(Tok::Word(&text[start..i]));
        } else {
            let ch = text[i..].chars().next().unwrap_or(' ');
            tokens.push(Tok::Punct(ch));
            i += ch.len_utf8();
        }
    }
    tokens
}

fn is_word(tok: Option<&Tok>, word: &str) -> bool {
    matches!(tok, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
}

/// Tables after FROM and JOIN, where FROM belongs to a query: not inside a function's
/// parentheses (`EXTRACT(YEAR FROM d)`, `SUBSTRING(x FROM 1 FOR 3)`), not a CTE's name.
pub fn scan_tables(text: &str) -> Vec<String> {
    let tokens = tokenize(text);
    let mut ctes: Vec<String> = Vec::new();
    // `WITH name AS (` and `, name AS (` define CTEs.
    for w in tokens.windows(3) {
        if let [Tok::Word(name) | Tok::Quoted(name), Tok::Word(kw), Tok::Punct('(')] = w {
            if kw.eq_ignore_ascii_case("as") {
                ctes.push(name.to_lowercase());
            }
        }
    }
    // A stack of parenthesis kinds: true where the parentheses hold a query.
    let mut stack: Vec<bool> = vec![true];
    let mut tables = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i] {
            Tok::Punct('(') => {
                let query =
                    is_word(tokens.get(i + 1), "select") || is_word(tokens.get(i + 1), "with");
                stack.push(query);
            }
            Tok::Punct(')') if stack.len() > 1 => {
                stack.pop();
            }
            Tok::Word(w)
                if (w.eq_ignore_ascii_case("from") || w.eq_ignore_ascii_case("join"))
                    && *stack.last().unwrap_or(&true) =>
            {
                let mut j = i + 1;
                loop {
                    let (name, next) = read_name(&tokens, j);
                    let Some(name) = name else { break };
                    let lower = name.to_lowercase();
                    let numeric = name.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                    if !numeric && !ctes.contains(&lower) && !tables.contains(&name) {
                        tables.push(name);
                    }
                    j = next;
                    // Skip an alias, then continue after a comma (`FROM a x, b y`).
                    if is_word(tokens.get(j), "as") {
                        j += 1;
                    }
                    if matches!(tokens.get(j), Some(Tok::Word(w)) if !is_clause_word(w)) {
                        j += 1;
                    }
                    if matches!(tokens.get(j), Some(Tok::Punct(','))) {
                        j += 1;
                        continue;
                    }
                    break;
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    tables
}

fn is_clause_word(w: &str) -> bool {
    [
        "where", "join", "inner", "left", "right", "full", "outer", "cross", "on", "group",
        "order", "having", "union", "limit", "with", "natural",
    ]
    .iter()
    .any(|k| w.eq_ignore_ascii_case(k))
}

/// A dotted name starting at `at`: `db.schema.table`, `[My Table]`, `"s"."t"`.
fn read_name(tokens: &[Tok], mut at: usize) -> (Option<String>, usize) {
    let mut parts: Vec<&str> = Vec::new();
    loop {
        match tokens.get(at) {
            Some(Tok::Word(w))
                if parts.is_empty() && (is_clause_word(w) || w.eq_ignore_ascii_case("select")) =>
            {
                return (None, at)
            }
            Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => {
                parts.push(w);
                at += 1;
            }
            _ => break,
        }
        if matches!(tokens.get(at), Some(Tok::Punct('.'))) {
            at += 1;
        } else {
            break;
        }
    }
    if parts.is_empty() {
        (None, at)
    } else {
        (Some(parts.join(".")), at)
    }
}
