//! The words for QVD problems: every [`QvdError`] and [`QvdWarning`] as a coded [`Diagnostic`]
//! (`QV…` codes in the shared registry), and their `Display`.
//!
//! This is the only place that words a QVD problem, so the CLI's human and JSON output, the
//! error's `Display` and the docs' code table cannot drift apart. A diagnostic's span is a byte
//! range in the file's header when the problem has a place there (malformed XML, a bad header
//! end, a cut header); otherwise it is empty at offset 0. [`diagnostic_source`] gives the text
//! the renderers need to show that place.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use super::error::{QvdError, QvdWarning};
use super::file::MAX_BIT_WIDTH;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{SourceFile, Span};

/// Bytes of header shown around a located problem: enough for the lines the renderer shows.
const CONTEXT_BYTES: u64 = 2048;

impl QvdError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        use QvdError::*;
        match self {
            Io { path, .. }
            | Empty { path }
            | GitLfsPointer { path }
            | NotQvd { path }
            | WrongRootElement { path, .. }
            | TruncatedHeader { path, .. }
            | HeaderTooLarge { path, .. }
            | BadHeaderEnd { path, .. }
            | HeaderXml { path, .. }
            | HeaderNumber { path, .. }
            | TruncatedData { path, .. }
            | HeaderOnly { path, .. }
            | SymbolTableOutOfBounds { path, .. }
            | RecordTableTooShort { path, .. }
            | BadBitField { path, .. }
            | UnsupportedCompression { path, .. }
            | TruncatedSymbols { path, .. }
            | UnknownSymbolType { path, .. } => path,
        }
    }

    /// The stable diagnostic code.
    pub fn code(&self) -> Code {
        use QvdError::*;
        match self {
            Io { .. } => Code::QvdUnreadable,
            Empty { .. } => Code::QvdEmpty,
            GitLfsPointer { .. } => Code::QvdGitLfsPointer,
            NotQvd { .. } => Code::QvdNotQvd,
            WrongRootElement { .. } => Code::QvdWrongRootElement,
            TruncatedHeader { .. } => Code::QvdTruncatedHeader,
            HeaderTooLarge { .. } => Code::QvdHeaderTooLarge,
            BadHeaderEnd { .. } => Code::QvdBadHeaderEnd,
            HeaderXml { .. } => Code::QvdHeaderXml,
            HeaderNumber { .. } => Code::QvdHeaderNumber,
            TruncatedData { .. } => Code::QvdTruncatedData,
            HeaderOnly { .. } => Code::QvdHeaderOnly,
            SymbolTableOutOfBounds { .. } => Code::QvdSymbolTableOutOfBounds,
            RecordTableTooShort { .. } => Code::QvdRecordTableTooShort,
            BadBitField { .. } => Code::QvdBadBitField,
            UnsupportedCompression { .. } => Code::QvdUnsupportedCompression,
            TruncatedSymbols { .. } => Code::QvdTruncatedSymbols,
            UnknownSymbolType { .. } => Code::QvdUnknownSymbolType,
        }
    }

    /// True when the file could not be read at all (an operational failure, exit code 2), as
    /// opposed to a file that was read and found malformed (a finding, exit code 1).
    pub fn is_io(&self) -> bool {
        matches!(self, QvdError::Io { .. })
    }

    /// The byte offset in the file where the problem is, when it has one in the header. A
    /// file that is not a QVD at all is shown from its first byte, so the excerpt says what it
    /// is instead (a CSV's header line, an LFS pointer, an HTML page).
    pub fn header_offset(&self) -> Option<u64> {
        match *self {
            QvdError::HeaderXml { position, .. } => Some(position),
            QvdError::BadHeaderEnd { nul_offset, .. } => Some(nul_offset),
            QvdError::TruncatedHeader { file_size, .. } => Some(file_size),
            QvdError::NotQvd { .. }
            | QvdError::GitLfsPointer { .. }
            | QvdError::WrongRootElement { .. } => Some(0),
            _ => None,
        }
    }

    /// What is wrong, without the path: short, no trailing period.
    pub fn message(&self) -> String {
        use QvdError::*;
        match self {
            Io { source, .. } => format!("cannot read the file: {source}"),
            Empty { .. } => "the file is empty".to_string(),
            GitLfsPointer { .. } => {
                "the file is a Git LFS pointer, not the QVD it stands for".to_string()
            }
            NotQvd { .. } => "not a QVD file: no XML header at the start".to_string(),
            WrongRootElement { root, .. } => {
                format!("not a QVD file: the XML root element is <{root}>")
            }
            TruncatedHeader { file_size, .. } => {
                format!("the header is cut off: no end of header in {file_size} bytes")
            }
            HeaderTooLarge { cap, .. } => format!("the header is larger than the {cap} byte limit"),
            BadHeaderEnd { nul_offset, .. } => format!(
                "the header does not end with </QvdTableHeader> before the \
                NUL at byte {nul_offset}"
            ),
            HeaderXml {
                position, reason, ..
            } => {
                format!("malformed XML header at byte {position}: {reason}")
            }
            HeaderNumber { element, value, .. } => {
                format!("header element <{element}> holds {value:?}, not a number")
            }
            TruncatedData {
                needed, available, ..
            } => format!(
                "the data is cut off: the record table ends at body byte \
                {needed} but the body has {available} bytes"
            ),
            HeaderOnly {
                no_of_records,
                needed,
                ..
            } => format!(
                "the file holds only a header, but the header claims \
                {no_of_records} rows and {needed} bytes of data after it"
            ),
            SymbolTableOutOfBounds {
                field,
                offset,
                length,
                body_len,
                ..
            } => format!(
                "field {field:?}: the symbol table at body bytes \
                {offset}+{length} lies outside the {body_len} byte body"
            ),
            RecordTableTooShort {
                no_of_records,
                record_byte_size,
                length,
                ..
            } => format!(
                "the record table holds {length} bytes, less than \
                {no_of_records} records of {record_byte_size} bytes"
            ),
            BadBitField {
                field,
                bit_offset,
                bit_width,
                record_byte_size,
                ..
            } => format!(
                "field {field:?}: bits {bit_offset}+{bit_width} do not fit a \
                {record_byte_size} byte record"
            ),
            UnsupportedCompression { compression, .. } => {
                format!("compression {compression:?} is not supported")
            }
            TruncatedSymbols {
                field,
                read,
                expected,
                offset,
                ..
            } => format!(
                "field {field:?}: the symbol table ends after {read} of \
                {expected} symbols (body byte {offset})"
            ),
            UnknownSymbolType {
                field,
                type_byte,
                offset,
                ..
            } => format!(
                "field {field:?}: unknown symbol type byte {type_byte:#04x} \
                at body byte {offset}"
            ),
        }
    }

    /// Why it matters, in Qlik terms, where there is more to say than the message.
    fn note(&self) -> Option<String> {
        use QvdError::*;
        Some(match self {
            NotQvd { .. } => "a QVD starts with its XML header; this may be a CSV or \
            another file given a .qvd name"
                .to_string(),
            TruncatedHeader { .. } | TruncatedData { .. } | TruncatedSymbols { .. } => {
                "the file is shorter than its header says: it was probably \
                copied or written only in part, and Qlik will refuse to \
                load it"
                    .to_string()
            }
            HeaderOnly { .. } => "files written by other QVD tools may stop after the header, \
            which is fine for a table of zero rows; this header \
            describes data that is not there"
                .to_string(),
            SymbolTableOutOfBounds { .. } | RecordTableTooShort { .. } => {
                "the header's offsets and lengths do not match the file: the \
                file is damaged"
                    .to_string()
            }
            BadBitField { .. } => format!(
                "a field's symbol index must fit the record and be at most \
                {MAX_BIT_WIDTH} bits wide"
            ),
            UnsupportedCompression { .. } => {
                "the header was read; only uncompressed QVDs (what Qlik \
                writes) can be profiled"
                    .to_string()
            }
            UnknownSymbolType { .. } => {
                "symbols start with type byte 1, 2, 4, 5 or 6; anything else \
                means the symbol table is damaged"
                    .to_string()
            }
            _ => return None,
        })
    }

    /// What to do about it, where there is a usual fix.
    fn help(&self) -> Option<&'static str> {
        use QvdError::*;
        match self {
            GitLfsPointer { .. } => Some("fetch the real file with `git lfs pull`"),
            Empty { .. } | TruncatedHeader { .. } | TruncatedData { .. } | HeaderOnly { .. } => {
                Some("reload the app that stores this QVD to write it again")
            }
            _ => None,
        }
    }

    /// The coded diagnostic, with its span in the header where the problem has one.
    pub fn to_diagnostic(&self) -> Diagnostic {
        let span = match self.header_offset() {
            // The first byte itself: an empty span at 0 would read as "no place".
            Some(0) => Span::new(0, 1),
            Some(offset) => Span::empty_at(offset_u32(offset) as usize),
            None => Span::default(),
        };
        let mut diagnostic = Diagnostic::new(self.code(), span, self.message());
        if let Some(note) = self.note() {
            diagnostic = diagnostic.with_note(note);
        }
        if let Some(help) = self.help() {
            diagnostic = diagnostic.with_help(help);
        }
        diagnostic
    }
}

impl fmt::Display for QvdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path().display(), self.message())
    }
}

impl std::error::Error for QvdError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            QvdError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl QvdWarning {
    pub fn path(&self) -> &Path {
        match self {
            QvdWarning::MissingTableName { path, .. } => path,
        }
    }

    pub fn code(&self) -> Code {
        match self {
            QvdWarning::MissingTableName { .. } => Code::QvdMissingTableName,
        }
    }

    pub fn message(&self) -> String {
        match self {
            QvdWarning::MissingTableName {
                element_present: false,
                ..
            } => "the header has no <TableName>: the table name is empty".to_string(),
            QvdWarning::MissingTableName {
                element_present: true,
                ..
            } => "the header's <TableName> is empty".to_string(),
        }
    }

    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            QvdWarning::MissingTableName { .. } => {
                Diagnostic::new(self.code(), Span::default(), self.message()).with_note(
                    "lineage through this file cannot name the Qlik table that was stored; some third-party QVD writers leave it out",
                )
            }
        }
    }
}

impl fmt::Display for QvdWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path().display(), self.message())
    }
}

/// Header offsets are below the 64 MiB header cap, so they fit the `u32` of a [`Span`].
fn offset_u32(offset: u64) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

/// The text a renderer needs for `diagnostic` about the file at `path`: the header bytes up to a
/// little past the diagnostic's span, decoded so that the span's byte offset is unchanged (bytes
/// before it that are not UTF-8 are replaced one for one), and the span moved accordingly.
/// Problems without a place in the header (an empty span at 0), or a file that cannot be read,
/// get an empty text.
pub fn diagnostic_source(path: &Path, diagnostic: &Diagnostic) -> SourceFile {
    let display = path.display().to_string();
    let offset = u64::from(diagnostic.span.start);
    if diagnostic.span == Span::default() {
        return SourceFile::new(display, String::new());
    }
    let mut bytes = Vec::new();
    let read = File::open(path).and_then(|file| {
        file.take(offset + CONTEXT_BYTES)
            .read_to_end(&mut bytes)
            .map(|_| ())
    });
    if read.is_err() {
        return SourceFile::new(display, String::new());
    }
    // The NUL that ends the header and everything after it is not text.
    if let Some(nul) = memchr::memchr(0, &bytes) {
        bytes.truncate(nul);
    }
    // Valid UTF-8 keeps its bytes; each byte that is not is shown as one `?`, so every offset
    // in the text is the file's offset.
    let mut text = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        text.extend(std::iter::repeat_n('?', chunk.invalid().len()));
    }
    // The renderers slice the text at the span's ends: a character the span cuts into (a BOM
    // under a first-byte span, a damaged name under an XML error) is shown as `?`s instead.
    for cut in [diagnostic.span.start, diagnostic.span.end] {
        let cut = cut as usize;
        if cut < text.len() && !text.is_char_boundary(cut) {
            let start = (0..cut)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            let end = (cut..=text.len())
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(text.len());
            text.replace_range(start..end, &"?".repeat(end - start));
        }
    }
    SourceFile::new(display, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Severity;
    use std::path::PathBuf;

    #[test]
    fn every_error_kind_has_a_qv_code_and_a_message_without_the_path() {
        let path = PathBuf::from("dir/t.qvd");
        let errors = [
            QvdError::Empty { path: path.clone() },
            QvdError::HeaderXml {
                path: path.clone(),
                position: 12,
                reason: "x".into(),
            },
            QvdError::HeaderOnly {
                path: path.clone(),
                no_of_records: 3,
                needed: 9,
            },
        ];
        for error in &errors {
            let diagnostic = error.to_diagnostic();
            assert!(diagnostic.code.as_str().starts_with("QV"));
            assert_eq!(diagnostic.severity, Severity::Error);
            assert!(!diagnostic.message.contains("dir/t.qvd"));
            assert!(!diagnostic.message.ends_with('.'));
            assert_eq!(
                error.to_string(),
                format!("dir/t.qvd: {}", diagnostic.message)
            );
        }
        assert_eq!(errors[1].to_diagnostic().span, Span::empty_at(12));
        assert_eq!(errors[0].to_diagnostic().span, Span::default());
    }

    /// One value of every variant: each kind has its own code and its own `kind()` name.
    fn one_of_each() -> Vec<QvdError> {
        let path = || PathBuf::from("t.qvd");
        let field = || "F".to_string();
        vec![
            QvdError::Io {
                path: path(),
                source: std::io::Error::other("x"),
            },
            QvdError::Empty { path: path() },
            QvdError::GitLfsPointer { path: path() },
            QvdError::NotQvd { path: path() },
            QvdError::WrongRootElement {
                path: path(),
                root: "html".into(),
            },
            QvdError::TruncatedHeader {
                path: path(),
                file_size: 9,
            },
            QvdError::HeaderTooLarge {
                path: path(),
                cap: 9,
            },
            QvdError::BadHeaderEnd {
                path: path(),
                nul_offset: 9,
            },
            QvdError::HeaderXml {
                path: path(),
                position: 9,
                reason: "x".into(),
            },
            QvdError::HeaderNumber {
                path: path(),
                element: "Offset",
                value: "x".into(),
            },
            QvdError::TruncatedData {
                path: path(),
                needed: 9,
                available: 1,
            },
            QvdError::HeaderOnly {
                path: path(),
                no_of_records: 1,
                needed: 9,
            },
            QvdError::SymbolTableOutOfBounds {
                path: path(),
                field: field(),
                offset: 1,
                length: 9,
                body_len: 2,
            },
            QvdError::RecordTableTooShort {
                path: path(),
                no_of_records: 9,
                record_byte_size: 1,
                length: 2,
            },
            QvdError::BadBitField {
                path: path(),
                field: field(),
                bit_offset: 1,
                bit_width: 9,
                record_byte_size: 1,
            },
            QvdError::UnsupportedCompression {
                path: path(),
                compression: "zip".into(),
            },
            QvdError::TruncatedSymbols {
                path: path(),
                field: field(),
                read: 1,
                expected: 2,
                offset: 3,
            },
            QvdError::UnknownSymbolType {
                path: path(),
                field: field(),
                type_byte: 3,
                offset: 3,
            },
        ]
    }

    #[test]
    fn each_error_kind_has_its_own_code_and_name() {
        let errors = one_of_each();
        let mut codes: Vec<Code> = errors.iter().map(QvdError::code).collect();
        let mut kinds: Vec<&str> = errors.iter().map(QvdError::kind).collect();
        codes.sort();
        codes.dedup();
        kinds.sort();
        kinds.dedup();
        assert_eq!((codes.len(), kinds.len()), (errors.len(), errors.len()));
        for error in &errors {
            assert_eq!(error.is_io(), error.code() == Code::QvdUnreadable);
            assert_eq!(error.to_diagnostic().severity, Severity::Error);
        }
    }

    #[test]
    fn qv_codes_are_unique_and_one_block_of_the_registry() {
        let texts: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let first_qv = texts.iter().position(|t| t.starts_with("QV")).unwrap();
        let last_qv = texts.iter().rposition(|t| t.starts_with("QV")).unwrap();
        assert!(texts[first_qv..=last_qv]
            .iter()
            .all(|t| t.starts_with("QV")));
        let mut sorted = texts.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), texts.len());
    }

    #[test]
    fn a_span_inside_a_character_is_rendered_without_panicking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bom.qvd");
        std::fs::write(&path, "\u{FEFF}a,b\n1,2\n").unwrap();
        let error = QvdError::NotQvd { path: path.clone() };
        let diagnostic = error.to_diagnostic();
        let source = diagnostic_source(&path, &diagnostic);
        assert!(source.text.starts_with("???a,b"), "{:?}", source.text);
        let rendered = crate::diagnostics::render_human(&source, &diagnostic, false);
        assert!(rendered.contains("???a,b"), "{rendered}");
        let records = crate::diagnostics::to_records(&source, &[diagnostic]);
        assert_eq!((records[0].line, records[0].column), (1, 1));
    }

    #[test]
    fn the_missing_table_name_warning_is_a_warning() {
        let warning = QvdWarning::MissingTableName {
            path: "t.qvd".into(),
            element_present: false,
        };
        let diagnostic = warning.to_diagnostic();
        assert_eq!(diagnostic.code, Code::QvdMissingTableName);
        assert_eq!(diagnostic.severity, Severity::Warning);
    }
}
