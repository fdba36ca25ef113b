//! Escaping for the two markup outputs. Names, titles and expressions are users' data: any of
//! them may hold `<`, `&`, quotes or control characters, and must come out as text.

/// Text for XML (SVG) and HTML content and attribute values: the five markup characters
/// escaped, and characters XML 1.0 cannot carry at all (C0 controls other than tab,
/// newline and carriage return, U+FFFE, U+FFFF) dropped.
pub fn markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// One path segment of a URL: everything but unreserved characters percent-encoded, so an
/// id cannot change the path it is put in.
pub fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `text` cut to at most `max` characters, with `…` when cut; line breaks become spaces.
pub fn fit(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max {
        return flat;
    }
    let keep = max.saturating_sub(1);
    let mut cut: String = flat.chars().take(keep).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_escapes_and_drops_what_xml_cannot_carry() {
        assert_eq!(
            markup("<b a=\"1\">'&'</b>\u{1}\u{FFFF}\n"),
            "&lt;b a=&quot;1&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;\n"
        );
    }

    #[test]
    fn path_segments_cannot_escape_their_place() {
        assert_eq!(path_segment("a/../b?c#d é"), "a%2F..%2Fb%3Fc%23d%20%C3%A9");
        assert_eq!(path_segment("8d0f6b1e-5c3a"), "8d0f6b1e-5c3a");
    }

    #[test]
    fn fit_cuts_by_characters_not_bytes() {
        assert_eq!(fit("Årsförsäljning per region", 10), "Årsförsäl…");
        assert_eq!(fit("a\nb", 10), "a b");
        assert_eq!(fit("short", 5), "short");
    }
}
