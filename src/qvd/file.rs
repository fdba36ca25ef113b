//! Open a QVD file: map it, find the end of the XML header, parse the header and check that the
//! tables it points at lie inside the file.
//!
//! Only the header's pages are touched: the end of the header is the first NUL byte (XML text
//! cannot hold one), found with memchr within a capped window, and the body is never read here.
//! Layout checks compare header numbers with the file size, which costs nothing.

use std::fs::File;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use super::error::{QvdError, QvdWarning};
use super::header::QvdHeader;
use super::header_xml::parse_header;

/// Headers larger than this are refused: real headers are a few KB to a few MB (thousands of
/// fields or long inline lineage), and without a cap a NUL-free multi-GB file would be scanned
/// to its end.
pub const HEADER_SIZE_CAP: u64 = 64 * 1024 * 1024;

/// Symbol indexes are read as one little-endian `u64` starting at the field's first byte, so a
/// field may span at most 57 bits after its bit shift; real files use far fewer (an index into
/// at most 2^32 symbols).
pub const MAX_BIT_WIDTH: u32 = 56;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const GIT_LFS_POINTER_START: &[u8] = b"version https://git-lfs";
const HEADER_CLOSE_TAG: &[u8] = b"</QvdTableHeader>";

/// A mapped QVD file with its parsed header; the body is read on demand by the profiler.
#[derive(Debug)]
pub struct QvdFile {
    path: PathBuf,
    map: Mmap,
    header: QvdHeader,
    /// Index of the first body byte, just after the header's NUL terminator (the end of the
    /// file for a header-only file).
    body_start: usize,
    /// Problems that did not stop the read, in the order found.
    warnings: Vec<QvdWarning>,
}

impl QvdFile {
    /// Maps `path`, parses its header and checks the layout the header describes.
    pub fn open(path: &Path) -> Result<QvdFile, QvdError> {
        let io_error = |source| QvdError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(io_error)?;
        let file_size = file.metadata().map_err(io_error)?.len();
        if file_size == 0 {
            return Err(QvdError::Empty {
                path: path.to_path_buf(),
            });
        }
        // SAFETY: the map is read-only and private to this value. Another process truncating the
        // file while it is mapped makes reads past the new end fault (SIGBUS); that is the
        // accepted cost of not copying multi-GB files, as with every mmap-based reader.
        let map = unsafe { Mmap::map(&file) }.map_err(io_error)?;
        let end = find_header_end(&map, path)?;
        let xml_start = if map.starts_with(UTF8_BOM) {
            UTF8_BOM.len()
        } else {
            0
        };
        let parsed =
            parse_header(&map[xml_start..end.xml_end], path).map_err(|error| match error {
                // quick-xml counts from the start of the slice; diagnostics count from the file's.
                QvdError::HeaderXml {
                    path,
                    position,
                    reason,
                } => QvdError::HeaderXml {
                    path,
                    position: position + xml_start as u64,
                    reason,
                },
                other => other,
            })?;
        let body_len = (map.len() - end.body_start) as u64;
        check_layout(&parsed.header, body_len, path)?;
        let mut warnings = Vec::new();
        if !parsed.has_table_name || parsed.header.table_name.is_empty() {
            warnings.push(QvdWarning::MissingTableName {
                path: path.to_path_buf(),
                element_present: parsed.has_table_name,
            });
        }
        Ok(QvdFile {
            path: path.to_path_buf(),
            map,
            header: parsed.header,
            body_start: end.body_start,
            warnings,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn header(&self) -> &QvdHeader {
        &self.header
    }

    pub fn into_header(self) -> QvdHeader {
        self.header
    }

    /// Problems found while reading that did not stop the read (e.g. no `<TableName>`).
    pub fn warnings(&self) -> &[QvdWarning] {
        &self.warnings
    }

    /// The header and the warnings, for callers that keep both after the map is dropped.
    pub fn into_parts(self) -> (QvdHeader, Vec<QvdWarning>) {
        (self.header, self.warnings)
    }

    /// The bytes after the header's NUL: symbol tables and the record table.
    pub fn body(&self) -> &[u8] {
        &self.map[self.body_start..]
    }

    /// Tells the kernel the body bytes `start..end` will not be read again soon, so a long
    /// sequential profile does not keep the whole file resident. Purely a hint: the map is a
    /// read-only shared file mapping, so released pages are read back from the file if touched.
    pub fn release_body_range(&self, start: usize, end: usize) {
        #[cfg(unix)]
        {
            let Some(offset) = self.body_start.checked_add(start) else {
                return;
            };
            let len = end.saturating_sub(start);
            if len == 0 || offset.saturating_add(len) > self.map.len() {
                return;
            }
            // SAFETY: MADV_DONTNEED on a read-only MAP_SHARED file mapping only drops clean
            // page-cache pages from this process; later reads fault them back in from the file,
            // so every slice borrowed from the map keeps its contents.
            let _ = unsafe {
                self.map
                    .unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, len)
            };
        }
        #[cfg(not(unix))]
        let _ = (start, end);
    }
}

/// Reads and parses only the header of the QVD at `path`.
pub fn read_header(path: &Path) -> Result<QvdHeader, QvdError> {
    QvdFile::open(path).map(QvdFile::into_header)
}

/// Where the header ends and the body begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HeaderEnd {
    /// End of the XML text (exclusive): the NUL terminator, or the end of the file.
    xml_end: usize,
    /// First body byte: after the NUL, or the end of the file for a header-only file.
    body_start: usize,
}

/// Finds the end of the header.
///
/// Qlik writes `</QvdTableHeader>\r\n\0`; a few files have `\n\0`, so any whitespace between the
/// close tag and the NUL is accepted. Files written by other QVD tools may stop right after the
/// close tag, or after one line end, with no NUL and no body. The open-source readers take that
/// as a header (qvd-utils reads up to the NUL or the end of the file, Python readers split at
/// the close tag), and so does this one, with an empty body; [`check_layout`] then decides
/// whether the header claims data that is not there.
fn find_header_end(bytes: &[u8], path: &Path) -> Result<HeaderEnd, QvdError> {
    let start = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let first = start.trim_ascii_start();
    if first.is_empty() {
        return Err(QvdError::Empty {
            path: path.to_path_buf(),
        });
    }
    if first.starts_with(GIT_LFS_POINTER_START) {
        return Err(QvdError::GitLfsPointer {
            path: path.to_path_buf(),
        });
    }
    if !first.starts_with(b"<") {
        return Err(QvdError::NotQvd {
            path: path.to_path_buf(),
        });
    }
    let window = usize::try_from(HEADER_SIZE_CAP)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let Some(nul) = memchr::memchr(0, &bytes[..window]) else {
        if bytes.len() as u64 > HEADER_SIZE_CAP {
            return Err(QvdError::HeaderTooLarge {
                path: path.to_path_buf(),
                cap: HEADER_SIZE_CAP,
            });
        }
        if is_header_only(bytes) {
            return Ok(HeaderEnd {
                xml_end: bytes.len(),
                body_start: bytes.len(),
            });
        }
        return Err(QvdError::TruncatedHeader {
            path: path.to_path_buf(),
            file_size: bytes.len() as u64,
        });
    };
    if !bytes[..nul].trim_ascii_end().ends_with(HEADER_CLOSE_TAG) {
        return Err(QvdError::BadHeaderEnd {
            path: path.to_path_buf(),
            nul_offset: nul as u64,
        });
    }
    Ok(HeaderEnd {
        xml_end: nul,
        body_start: nul + 1,
    })
}

/// True when a NUL-free file ends with the header's close tag and at most one line end: what
/// third-party writers produce for a header without data. More trailing text (or none of the
/// close tag) is a cut file, reported as truncated.
fn is_header_only(bytes: &[u8]) -> bool {
    let body = bytes
        .strip_suffix(b"\r\n")
        .or_else(|| bytes.strip_suffix(b"\n"))
        .unwrap_or(bytes);
    body.ends_with(HEADER_CLOSE_TAG)
}

/// Checks that the record table and every symbol table lie inside the body and that every
/// field's bits fit a record, so later reads never need to trust the header.
///
/// A header-only file (empty body) whose header places data after it gets its own error, so the
/// message says the data is missing rather than cut.
fn check_layout(header: &QvdHeader, body_len: u64, path: &Path) -> Result<(), QvdError> {
    let record_table_end = header.offset.saturating_add(header.length);
    if body_len == 0 {
        let needed = header
            .fields
            .iter()
            .map(|field| field.offset.saturating_add(field.length))
            .fold(record_table_end, u64::max);
        if needed > 0 {
            return Err(QvdError::HeaderOnly {
                path: path.to_path_buf(),
                no_of_records: header.no_of_records,
                needed,
            });
        }
    }
    if record_table_end > body_len {
        return Err(QvdError::TruncatedData {
            path: path.to_path_buf(),
            needed: record_table_end,
            available: body_len,
        });
    }
    let records_fit = header
        .no_of_records
        .checked_mul(header.record_byte_size)
        .is_some_and(|needed| needed <= header.length);
    if !records_fit {
        return Err(QvdError::RecordTableTooShort {
            path: path.to_path_buf(),
            no_of_records: header.no_of_records,
            record_byte_size: header.record_byte_size,
            length: header.length,
        });
    }
    let record_bits = header.record_byte_size.saturating_mul(8);
    for field in &header.fields {
        let symbols_end = field.offset.checked_add(field.length);
        if symbols_end.is_none_or(|end| end > body_len) {
            return Err(QvdError::SymbolTableOutOfBounds {
                path: path.to_path_buf(),
                field: field.field_name.clone(),
                offset: field.offset,
                length: field.length,
                body_len,
            });
        }
        let bits_end = u64::from(field.bit_offset) + u64::from(field.bit_width);
        if field.bit_width > MAX_BIT_WIDTH || (field.bit_width > 0 && bits_end > record_bits) {
            return Err(QvdError::BadBitField {
                path: path.to_path_buf(),
                field: field.field_name.clone(),
                bit_offset: field.bit_offset,
                bit_width: field.bit_width,
                record_byte_size: header.record_byte_size,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(bytes: &[u8]) -> Result<usize, QvdError> {
        find_header_end(bytes, Path::new("t.qvd")).map(|end| end.xml_end)
    }

    #[test]
    fn header_ends_at_crlf_nul_or_lf_nul() {
        assert_eq!(
            end(b"<QvdTableHeader></QvdTableHeader>\r\n\0rest").unwrap(),
            35
        );
        assert_eq!(end(b"<QvdTableHeader></QvdTableHeader>\n\0\0").unwrap(), 34);
    }

    #[test]
    fn header_only_files_end_at_the_close_tag_or_one_line_end() {
        for text in [
            &b"<QvdTableHeader></QvdTableHeader>"[..],
            b"<QvdTableHeader></QvdTableHeader>\n",
            b"<QvdTableHeader></QvdTableHeader>\r\n",
        ] {
            let found = find_header_end(text, Path::new("t.qvd")).unwrap();
            assert_eq!(
                found,
                HeaderEnd {
                    xml_end: text.len(),
                    body_start: text.len()
                }
            );
        }
        assert!(matches!(
            end(b"<QvdTableHeader></QvdTableHeader>\n\nx"),
            Err(QvdError::TruncatedHeader { .. })
        ));
    }

    #[test]
    fn sniffing_rejects_csv_and_lfs_pointers() {
        assert!(matches!(end(b"a,b\n1,2\n"), Err(QvdError::NotQvd { .. })));
        assert!(matches!(
            end(b"version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n"),
            Err(QvdError::GitLfsPointer { .. })
        ));
    }

    #[test]
    fn missing_nul_is_a_truncated_header() {
        assert!(matches!(
            end(b"<QvdTableHeader><TableName>"),
            Err(QvdError::TruncatedHeader { file_size: 27, .. })
        ));
    }

    #[test]
    fn nul_inside_the_header_is_a_bad_end() {
        assert!(matches!(
            end(b"<QvdTableHeader><Tab\0le"),
            Err(QvdError::BadHeaderEnd { nul_offset: 20, .. })
        ));
    }
}
