//! Source text: decoding bytes into text, byte spans, and line/column lookup.
//!
//! Every later stage speaks in byte offsets (`Span`) into the decoded text; line and column are
//! computed only when a diagnostic is rendered.

use serde::Serialize;

/// A half-open byte range `start..end` into a [`SourceFile`]'s decoded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    pub fn empty_at(offset: usize) -> Self {
        Span::new(offset, offset)
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (self.start, self.end).serialize(serializer)
    }
}

/// How the bytes of a file were turned into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    /// Not valid UTF-8 and no BOM: read as Windows-1252, the ANSI code page Qlik Sense on
    /// Windows assumes for script files without a BOM.
    Windows1252,
}

/// A decoded script with its line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    pub encoding: Encoding,
    line_starts: Vec<u32>,
}

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl SourceFile {
    /// Wraps already-decoded text (for example a script fetched from the Engine API).
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        Self::with_encoding(path.into(), text.into(), Encoding::Utf8)
    }

    /// Decodes file bytes: UTF-8 with or without BOM, UTF-16 LE/BE with BOM, else Windows-1252.
    /// The text never contains the BOM, so offset 0 is the first character of the script.
    pub fn decode(path: impl Into<String>, bytes: &[u8]) -> Self {
        let path = path.into();
        let (text, encoding) = decode_bytes(bytes);
        Self::with_encoding(path, text, encoding)
    }

    fn with_encoding(path: String, text: String, encoding: Encoding) -> Self {
        // Offsets are u32: `syntax::parse` refuses texts of 4 GiB and more with a diagnostic,
        // so the truncation below never matters for a parse.
        let mut line_starts = vec![0u32];
        line_starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i as u32).saturating_add(1)),
        );
        SourceFile {
            path,
            text,
            encoding,
            line_starts,
        }
    }

    pub fn slice(&self, span: Span) -> &str {
        &self.text[span.range()]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Line (0-based) containing `offset`.
    pub fn line_index(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte range of line `line` (0-based), without its line terminator.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = self.line_starts[line] as usize;
        let mut end = self
            .line_starts
            .get(line + 1)
            .map(|&s| s as usize - 1)
            .unwrap_or(self.text.len());
        if end > start && self.text.as_bytes()[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(self.text.len() as u32);
        let line = self.line_index(offset);
        let start = self.line_starts[line] as usize;
        let column = self.text[start..offset as usize].chars().count() as u32 + 1;
        LineCol {
            line: line as u32 + 1,
            column,
        }
    }
}

fn decode_bytes(bytes: &[u8]) -> (String, Encoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return (
            String::from_utf8_lossy(rest).into_owned(),
            Encoding::Utf8Bom,
        );
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        let (text, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(rest);
        return (text.into_owned(), Encoding::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        let (text, _) = encoding_rs::UTF_16BE.decode_without_bom_handling(rest);
        return (text.into_owned(), Encoding::Utf16Be);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), Encoding::Utf8),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), Encoding::Windows1252)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_supported_encoding() {
        assert_eq!(SourceFile::decode("a", b"LOAD").encoding, Encoding::Utf8);
        let bom = SourceFile::decode("a", b"\xEF\xBB\xBFLOAD");
        assert_eq!(
            (bom.text.as_str(), bom.encoding),
            ("LOAD", Encoding::Utf8Bom)
        );
        let le = SourceFile::decode("a", b"\xFF\xFEL\0O\0");
        assert_eq!((le.text.as_str(), le.encoding), ("LO", Encoding::Utf16Le));
        let be = SourceFile::decode("a", b"\xFE\xFF\0L\0O");
        assert_eq!((be.text.as_str(), be.encoding), ("LO", Encoding::Utf16Be));
        let ansi = SourceFile::decode("a", b"caf\xE9");
        assert_eq!(
            (ansi.text.as_str(), ansi.encoding),
            ("café", Encoding::Windows1252)
        );
    }

    #[test]
    fn line_col_counts_characters_from_one() {
        let f = SourceFile::new("a", "ab\r\ncé d\nx");
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(4), LineCol { line: 2, column: 1 });
        assert_eq!(f.line_col(8), LineCol { line: 2, column: 4 });
        assert_eq!(f.line_col(10), LineCol { line: 3, column: 1 });
        assert_eq!(f.line_range(0), 0..2);
    }
}
