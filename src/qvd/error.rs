//! Why a QVD file could not be read.
//!
//! Each variant names one failure kind and carries the data needed to explain it (path, byte
//! offsets, sizes), never prose: the words, codes, notes and help live in `diagnostic.rs`, which
//! also gives `Display`. A scan reports these per file and goes on with the next one.

use std::path::PathBuf;

/// A failure to read one QVD file.
#[derive(Debug)]
pub enum QvdError {
    /// The file could not be opened, measured or mapped.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file has no bytes, or only whitespace.
    Empty { path: PathBuf },
    /// The file is a Git LFS pointer: the real QVD was never checked out.
    GitLfsPointer { path: PathBuf },
    /// The file does not start with an XML header (e.g. a CSV renamed to `.qvd`).
    NotQvd { path: PathBuf },
    /// The XML header is well formed but its root element is not `QvdTableHeader`.
    WrongRootElement { path: PathBuf, root: String },
    /// No NUL byte ends the header before the end of the file.
    TruncatedHeader { path: PathBuf, file_size: u64 },
    /// No NUL byte ends the header within the cap, and the file is larger than the cap.
    HeaderTooLarge { path: PathBuf, cap: u64 },
    /// The byte before the NUL terminator is not the end of `</QvdTableHeader>`.
    BadHeaderEnd { path: PathBuf, nul_offset: u64 },
    /// The header is not well-formed XML, or holds text that is not UTF-8.
    HeaderXml {
        path: PathBuf,
        position: u64,
        reason: String,
    },
    /// A numeric header element holds something that is not a number.
    HeaderNumber {
        path: PathBuf,
        element: &'static str,
        value: String,
    },
    /// The record table ends past the end of the file.
    TruncatedData {
        path: PathBuf,
        needed: u64,
        available: u64,
    },
    /// The file is only a header (nothing after `</QvdTableHeader>`), but the header places
    /// symbol or record data after it.
    HeaderOnly {
        path: PathBuf,
        no_of_records: u64,
        needed: u64,
    },
    /// A field's symbol table lies outside the body, or overflows.
    SymbolTableOutOfBounds {
        path: PathBuf,
        field: String,
        offset: u64,
        length: u64,
        body_len: u64,
    },
    /// `NoOfRecords × RecordByteSize` does not fit in the record table `Length`.
    RecordTableTooShort {
        path: PathBuf,
        no_of_records: u64,
        record_byte_size: u64,
        length: u64,
    },
    /// A field's bits do not fit in a record, or are too wide to be a symbol index.
    BadBitField {
        path: PathBuf,
        field: String,
        bit_offset: u32,
        bit_width: u32,
        record_byte_size: u64,
    },
    /// The body is compressed; only uncompressed QVDs can be profiled.
    UnsupportedCompression { path: PathBuf, compression: String },
    /// A symbol table ends in the middle of a symbol or before `NoOfSymbols` symbols.
    TruncatedSymbols {
        path: PathBuf,
        field: String,
        read: u64,
        expected: u64,
        offset: u64,
    },
    /// A symbol starts with a type byte that is not 1, 2, 4, 5 or 6.
    UnknownSymbolType {
        path: PathBuf,
        field: String,
        type_byte: u8,
        offset: u64,
    },
}

impl QvdError {
    /// A short stable name for the failure kind, used in JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            QvdError::Io { .. } => "io",
            QvdError::Empty { .. } => "empty",
            QvdError::GitLfsPointer { .. } => "git_lfs_pointer",
            QvdError::NotQvd { .. } => "not_qvd",
            QvdError::WrongRootElement { .. } => "wrong_root_element",
            QvdError::TruncatedHeader { .. } => "truncated_header",
            QvdError::HeaderTooLarge { .. } => "header_too_large",
            QvdError::BadHeaderEnd { .. } => "bad_header_end",
            QvdError::HeaderXml { .. } => "header_xml",
            QvdError::HeaderNumber { .. } => "header_number",
            QvdError::TruncatedData { .. } => "truncated_data",
            QvdError::HeaderOnly { .. } => "header_only",
            QvdError::SymbolTableOutOfBounds { .. } => "symbol_table_out_of_bounds",
            QvdError::RecordTableTooShort { .. } => "record_table_too_short",
            QvdError::BadBitField { .. } => "bad_bit_field",
            QvdError::UnsupportedCompression { .. } => "unsupported_compression",
            QvdError::TruncatedSymbols { .. } => "truncated_symbols",
            QvdError::UnknownSymbolType { .. } => "unknown_symbol_type",
        }
    }
}

/// A problem that did not stop the read; the file is still described.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QvdWarning {
    /// The header has no `<TableName>` (or an empty one): the table name is empty, so nothing
    /// can link the file to the Qlik table that was stored.
    MissingTableName {
        path: PathBuf,
        /// True for `<TableName></TableName>`, false when the element is absent.
        element_present: bool,
    },
}
