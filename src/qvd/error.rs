//! Why a QVD file could not be read.
//!
//! Each variant names one failure kind and carries the data needed to explain it (path, byte
//! offsets, sizes); wording is left to the renderer in the CLI. A scan reports these per file
//! and goes on with the next one.

use std::path::PathBuf;

/// A failure to read one QVD file.
#[derive(Debug, thiserror::Error)]
pub enum QvdError {
    /// The file could not be opened, measured or mapped.
    #[error("{path}: cannot read file: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file has no bytes, or only whitespace.
    #[error("{path}: file is empty")]
    Empty { path: PathBuf },
    /// The file is a Git LFS pointer: the real QVD was never checked out.
    #[error("{path}: file is a Git LFS pointer, not the QVD it stands for")]
    GitLfsPointer { path: PathBuf },
    /// The file does not start with an XML header (e.g. a CSV renamed to `.qvd`).
    #[error("{path}: not a QVD file (no XML header at the start)")]
    NotQvd { path: PathBuf },
    /// The XML header is well formed but its root element is not `QvdTableHeader`.
    #[error("{path}: not a QVD file (root element is <{root}>)")]
    WrongRootElement { path: PathBuf, root: String },
    /// No NUL byte ends the header before the end of the file.
    #[error("{path}: header is truncated (no end of header in {file_size} bytes)")]
    TruncatedHeader { path: PathBuf, file_size: u64 },
    /// No NUL byte ends the header within the cap, and the file is larger than the cap.
    #[error("{path}: header is larger than the {cap} byte limit")]
    HeaderTooLarge { path: PathBuf, cap: u64 },
    /// The byte before the NUL terminator is not the end of `</QvdTableHeader>`.
    #[error(
        "{path}: header does not end with </QvdTableHeader> before the NUL at byte {nul_offset}"
    )]
    BadHeaderEnd { path: PathBuf, nul_offset: u64 },
    /// The header is not well-formed XML, or holds text that is not UTF-8.
    #[error("{path}: malformed XML header at byte {position}: {reason}")]
    HeaderXml {
        path: PathBuf,
        position: u64,
        reason: String,
    },
    /// A numeric header element holds something that is not a number.
    #[error("{path}: header element <{element}> holds {value:?}, not a number")]
    HeaderNumber {
        path: PathBuf,
        element: &'static str,
        value: String,
    },
    /// The record table ends past the end of the file.
    #[error(
        "{path}: data is truncated: the record table ends at body byte {needed} but the body has {available} bytes"
    )]
    TruncatedData {
        path: PathBuf,
        needed: u64,
        available: u64,
    },
    /// The file is only a header (nothing after `</QvdTableHeader>`), but the header places
    /// symbol or record data after it.
    #[error(
        "{path}: the file holds only a header, but the header claims {no_of_records} rows and {needed} bytes of data after it"
    )]
    HeaderOnly {
        path: PathBuf,
        no_of_records: u64,
        needed: u64,
    },
    /// A field's symbol table lies outside the body, or overflows.
    #[error(
        "{path}: field {field:?}: symbol table at body bytes {offset}+{length} lies outside the {body_len} byte body"
    )]
    SymbolTableOutOfBounds {
        path: PathBuf,
        field: String,
        offset: u64,
        length: u64,
        body_len: u64,
    },
    /// `NoOfRecords × RecordByteSize` does not fit in the record table `Length`.
    #[error(
        "{path}: record table holds {length} bytes, less than {no_of_records} records of {record_byte_size} bytes"
    )]
    RecordTableTooShort {
        path: PathBuf,
        no_of_records: u64,
        record_byte_size: u64,
        length: u64,
    },
    /// A field's bits do not fit in a record, or are too wide to be a symbol index.
    #[error(
        "{path}: field {field:?}: bits {bit_offset}+{bit_width} do not fit a {record_byte_size} byte record"
    )]
    BadBitField {
        path: PathBuf,
        field: String,
        bit_offset: u32,
        bit_width: u32,
        record_byte_size: u64,
    },
    /// The body is compressed; only uncompressed QVDs can be profiled.
    #[error("{path}: compression {compression:?} is not supported")]
    UnsupportedCompression { path: PathBuf, compression: String },
    /// A symbol table ends in the middle of a symbol or before `NoOfSymbols` symbols.
    #[error(
        "{path}: field {field:?}: symbol table ends after {read} of {expected} symbols (body byte {offset})"
    )]
    TruncatedSymbols {
        path: PathBuf,
        field: String,
        read: u64,
        expected: u64,
        offset: u64,
    },
    /// A symbol starts with a type byte that is not 1, 2, 4, 5 or 6.
    #[error(
        "{path}: field {field:?}: unknown symbol type byte {type_byte:#04x} at body byte {offset}"
    )]
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
