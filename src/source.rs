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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
    /// Not valid UTF-8 and no BOM: a legacy code page. Qlik Sense on Windows reads such files
    /// in the server's ANSI code page, which differs by country (Windows-1252 in Western
    /// Europe, 1251 for Cyrillic, 1250 for Central Europe…); the code page is guessed from the
    /// bytes unless the user forced one.
    Legacy {
        code_page: &'static encoding_rs::Encoding,
        forced: bool,
    },
}

impl Encoding {
    /// The WHATWG name: `utf-8`, `utf-16le`, `windows-1251`…
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Legacy { code_page, .. } => code_page.name(),
        }
    }
}

impl Serialize for Encoding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name().to_ascii_lowercase())
    }
}

/// Which file a span belongs to, in a run over many files: an index into that run's
/// [`FileTable`]. Spans stay plain byte ranges (they are in every node of every tree); a
/// `FileId` travels with what leaves a file: diagnostics, model facts, lineage spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct FileId(pub u32);

/// The files of one run, by [`FileId`]: what a multi-file result carries so every span in it
/// can be turned into a path, line and column.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(transparent)]
pub struct FileTable {
    paths: Vec<String>,
}

impl FileTable {
    /// Registers a file; the same path always gets the same id.
    pub fn add(&mut self, path: impl Into<String>) -> FileId {
        let path = path.into();
        if let Some(i) = self.paths.iter().position(|p| *p == path) {
            return FileId(i as u32);
        }
        self.paths.push(path);
        FileId(self.paths.len() as u32 - 1)
    }

    pub fn path(&self, id: FileId) -> Option<&str> {
        self.paths.get(id.0 as usize).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.paths.len()
    }

    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &str)> {
        self.paths
            .iter()
            .enumerate()
            .map(|(i, p)| (FileId(i as u32), p.as_str()))
    }
}

/// Looks up a legacy code page by the names users write: `windows-1251`, `cp1251`, `1251`,
/// `latin1`… (`None` for an unknown name).
pub fn code_page_by_name(name: &str) -> Option<&'static encoding_rs::Encoding> {
    let name = name.trim();
    let digits = name
        .strip_prefix("cp")
        .or_else(|| name.strip_prefix("CP"))
        .unwrap_or(name);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return encoding_rs::Encoding::for_label(format!("windows-{digits}").as_bytes())
            .or_else(|| encoding_rs::Encoding::for_label(format!("cp{digits}").as_bytes()));
    }
    encoding_rs::Encoding::for_label(name.as_bytes())
}

/// A decoded script with its line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file's id in its run (0 when parsed alone).
    pub id: FileId,
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
        Self::decode_with(path, bytes, None)
    }

    /// [`SourceFile::decode`] with the legacy code page forced for files that are neither
    /// UTF-8 nor marked by a BOM (`--encoding`); BOMs and valid UTF-8 still win.
    pub fn decode_with(
        path: impl Into<String>,
        bytes: &[u8],
        legacy: Option<&'static encoding_rs::Encoding>,
    ) -> Self {
        let path = path.into();
        let (text, encoding) = decode_bytes(bytes, legacy);
        Self::with_encoding(path, text, encoding)
    }

    /// The same file with its id in a run.
    pub fn with_id(mut self, id: FileId) -> Self {
        self.id = id;
        self
    }

    fn with_encoding(path: String, text: String, encoding: Encoding) -> Self {
        // Offsets are u32: `syntax::parse` refuses texts of 4 GiB and more with a diagnostic,
        // so the truncation below never matters for a parse.
        let mut line_starts = vec![0u32];
        line_starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i as u32).saturating_add(1)),
        );
        SourceFile {
            id: FileId::default(),
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

fn decode_bytes(
    bytes: &[u8],
    legacy: Option<&'static encoding_rs::Encoding>,
) -> (String, Encoding) {
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
    // UTF-16 without a BOM (some editors and export tools write it): ASCII text in it is valid
    // UTF-8 full of NULs, so it must be recognised before the UTF-8 check.
    if let Some(encoding) = bomless_utf16(bytes) {
        let (code_page, name) = match encoding {
            Encoding::Utf16Be => (encoding_rs::UTF_16BE, encoding),
            _ => (encoding_rs::UTF_16LE, Encoding::Utf16Le),
        };
        let (text, _) = code_page.decode_without_bom_handling(bytes);
        return (text.into_owned(), name);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), Encoding::Utf8),
        Err(_) => {
            let (code_page, forced) = match legacy {
                Some(forced) => (forced, true),
                None => (guess_code_page(bytes), false),
            };
            let (text, _) = code_page.decode_without_bom_handling(bytes);
            (text.into_owned(), Encoding::Legacy { code_page, forced })
        }
    }
}

/// UTF-16 without a BOM, told by where the NUL bytes fall: scripts are mostly ASCII, whose
/// UTF-16 code units have a zero high byte (odd offsets in little endian, even in big endian),
/// and text in any 8-bit encoding has no NUL at all.
fn bomless_utf16(bytes: &[u8]) -> Option<Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut zero_even, mut zero_odd) = (0, 0);
    for pair in sample.chunks_exact(2) {
        zero_even += usize::from(pair[0] == 0);
        zero_odd += usize::from(pair[1] == 0);
    }
    let most = pairs * 3 / 10;
    let few = pairs / 50;
    if zero_odd > most && zero_even <= few {
        Some(Encoding::Utf16Le)
    } else if zero_even > most && zero_odd <= few {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// The legacy code page the bytes were most likely written in. chardetng weighs letter
/// frequencies per script; with no top-level domain to go on and UTF-8 excluded (it was not
/// valid), Western text comes out as Windows-1252 and Cyrillic as Windows-1251.
fn guess_code_page(bytes: &[u8]) -> &'static encoding_rs::Encoding {
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(bytes, true);
    detector.guess(None, false)
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
        let ansi = SourceFile::decode(
            "a",
            b"LOAD Name as Caf\xE9, Pr\xE9nom FROM [caf\xE9.qvd] (qvd);",
        );
        assert!(ansi.text.contains("Café"));
        assert_eq!(ansi.encoding.name(), "windows-1252");
    }

    #[test]
    fn utf16_without_bom_is_recognised_by_its_nul_bytes() {
        let script =
            "Orders:\r\nLOAD OrderID, Kund AS Kundnamn FROM [lib://QVD/Orders.qvd] (qvd);\r\n";
        let le: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = script.encode_utf16().flat_map(u16::to_be_bytes).collect();
        for (bytes, name) in [(le, "utf-16le"), (be, "utf-16be")] {
            let file = SourceFile::decode("a", &bytes);
            assert_eq!(file.encoding.name(), name);
            assert_eq!(file.text, script);
        }
        // Cyrillic in UTF-16LE: high bytes 0x04, still mostly-zero where ASCII punctuation is.
        let mixed = "Продажи: LOAD Клиент, Сумма FROM [lib://QVD/продажи.qvd] (qvd);\n";
        let bytes: Vec<u8> = mixed.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(SourceFile::decode("a", &bytes).text, mixed);
        // Plain 8-bit text never has NULs: untouched.
        assert_eq!(
            SourceFile::decode("a", script.as_bytes()).encoding.name(),
            "utf-8"
        );
    }

    #[test]
    fn cyrillic_without_bom_is_read_as_windows_1251() {
        // "Продажи: LOAD Клиент, Сумма FROM [продажи.qvd] (qvd);" in Windows-1251.
        let (bytes, _, _) = encoding_rs::WINDOWS_1251
            .encode("Продажи:\nLOAD Клиент as Покупатель, Сумма, Дата FROM [продажи.qvd] (qvd);");
        let file = SourceFile::decode("a", &bytes);
        assert_eq!(file.encoding.name(), "windows-1251");
        assert!(file.text.contains("Покупатель"));
        let forced = SourceFile::decode_with("a", &bytes, code_page_by_name("1252"));
        assert_eq!(
            forced.encoding,
            Encoding::Legacy {
                code_page: encoding_rs::WINDOWS_1252,
                forced: true
            }
        );
        assert_eq!(code_page_by_name("cp1250"), Some(encoding_rs::WINDOWS_1250));
        assert_eq!(code_page_by_name("latin1"), Some(encoding_rs::WINDOWS_1252));
        assert_eq!(code_page_by_name("nonsense"), None);
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
