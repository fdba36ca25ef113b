//! QVD files: read the XML header (table, fields, row count, creator app, lineage) from a
//! memory map without touching the data, keep the raw lineage entries (what they name is
//! [`crate::semantic::sources`]' job), and on request profile the symbol tables and count
//! NULLs with bounded memory.
//!
//! Layout of a QVD: an XML header ending in `</QvdTableHeader>\r\n` and a NUL byte, then the
//! body: one symbol table per field, then the record table of bit-packed symbol indexes.
//! Header offsets are relative to the body. [`QvdFile::open`] checks every offset against the
//! file size, so nothing later has to trust the header.
//!
//! Where real Qlik files differ from published descriptions, this module follows the files:
//! the header may end in `\n\0` as well as `\r\n\0`, fields are not always listed in bit order,
//! bit widths are not always minimal, and `Comment`, `Tags` and `Lineage` may be missing.

mod diagnostic;
mod error;
mod file;
mod header;
mod header_xml;
mod lineage;
mod profile;
mod scan;
mod symbols;

pub use diagnostic::diagnostic_source;
pub use error::{QvdError, QvdWarning};
pub use file::{read_header, QvdFile, HEADER_SIZE_CAP, MAX_BIT_WIDTH};
pub use header::{LineageInfo, NumberFormat, QvdFieldHeader, QvdHeader};
pub use lineage::{analyse_lineage, LineageEntry};
pub use profile::{
    profile, FieldProfile, ProfileOptions, ProfileValue, SymbolTypeCounts, TableProfile,
    MAX_TEXT_BYTES,
};
pub use scan::{read_record, scan, FieldRecord, QvdRecord, ScanOptions, ScannedFile};
pub use symbols::{Symbol, SymbolError, SymbolReader};
