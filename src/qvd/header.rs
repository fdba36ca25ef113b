//! The typed QVD header: every element Qlik writes in `<QvdTableHeader>`.
//!
//! Text elements keep their text as written (entities resolved, line ends normalised to `\n`);
//! an absent element reads as empty text or zero, because QlikView-era and hand-made files leave
//! several out. Parsing lives in `header_xml.rs`.

use serde::Serialize;

/// The `<QvdTableHeader>` root: table metadata, fields, record table position and lineage.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QvdHeader {
    /// Build number of the Qlik engine that wrote the file (`50689`, `7314`, ...).
    pub qv_build_no: String,
    /// The app that ran the STORE: a Sense app GUID, or a `.qvw` path for QlikView.
    pub creator_doc: String,
    /// When the file was written, UTC, as Qlik formats it (`2020-12-15 15:39:12`).
    pub create_utc_time: String,
    pub source_create_utc_time: String,
    pub source_file_utc_time: String,
    /// `-1` in Sense files.
    pub source_file_size: i64,
    pub stale_utc_time: String,
    /// The name of the Qlik table that was stored.
    pub table_name: String,
    /// One entry per column, in the order the header lists them (not always bit order).
    pub fields: Vec<QvdFieldHeader>,
    /// Always empty in files seen so far; anything else cannot be profiled.
    pub compression: String,
    /// Bytes per record in the record (index) table.
    pub record_byte_size: u64,
    /// Row count.
    pub no_of_records: u64,
    /// Position of the record table in the body (the bytes after the header's NUL).
    pub offset: u64,
    /// Size of the record table in bytes.
    pub length: u64,
    /// The statements that fed the table, accumulated up to the STORE.
    pub lineage: Vec<LineageInfo>,
    /// Table comment (`COMMENT TABLE`).
    pub comment: String,
    /// Newer builds write `<EncryptionInfo>`; always empty in files seen so far.
    pub encryption_info: String,
    /// Table tags (`<TableTags><String>…</String></TableTags>`, build 50689 and later).
    pub table_tags: Vec<String>,
}

/// One `<QvdFieldHeader>`: a column, where its symbols are and how its index is packed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QvdFieldHeader {
    pub field_name: String,
    /// Bit position of the symbol index inside a record.
    pub bit_offset: u32,
    /// Bit width of the symbol index; 0 means the field has one constant symbol.
    pub bit_width: u32,
    /// Added to the unpacked index; `-2` on fields with NULLs (an index below 0 is NULL).
    pub bias: i32,
    pub number_format: NumberFormat,
    /// Distinct values in the symbol table.
    pub no_of_symbols: u64,
    /// Position of the symbol table in the body.
    pub offset: u64,
    /// Size of the symbol table in bytes.
    pub length: u64,
    pub comment: String,
    /// System and user tags, e.g. `$numeric`, `$key`, `$text`.
    pub tags: Vec<String>,
}

/// `<NumberFormat>`: how Qlik displays the field's numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NumberFormat {
    /// `UNKNOWN`, `INTEGER`, `REAL`, `FIX`, `MONEY`, `DATE`, `TIME`, `TIMESTAMP`, `INTERVAL`,
    /// `ASCII`, or `0` in old files.
    #[serde(rename = "type")]
    pub format_type: String,
    pub n_dec: i32,
    pub use_thou: i32,
    /// Display pattern, e.g. `YYYY-MM-DD` or `#,##0.00`.
    pub fmt: String,
    /// Decimal separator.
    pub dec: String,
    /// Thousands separator.
    pub thou: String,
}

/// One `<LineageInfo>`: a source or STORE recorded by the engine, as Qlik wrote it. The same
/// pair the engine's `GetLineage` reports, so it is the one type of the Qlik wire module.
pub type LineageInfo = crate::qlik::lineage::LineageEntry;
