//! Profile a QVD's fields from their symbol tables, and optionally count NULLs from the record
//! table.
//!
//! Memory stays bounded whatever the file size: symbols are visited one at a time and text is
//! borrowed from the map; only the running minimum, maximum, longest text and the first
//! `top_values` symbols are kept, and text copied into the result is cut to
//! [`MAX_TEXT_BYTES`]. Pages already read are handed back to the kernel every
//! [`RELEASE_WINDOW`] bytes so the resident set does not grow with the file.

use rayon::prelude::*;
use serde::Serialize;

use super::error::QvdError;
use super::file::QvdFile;
use super::header::QvdFieldHeader;
use super::symbols::{Symbol, SymbolError, SymbolReader};

/// Text values in a profile are cut to this many bytes (at a character boundary).
pub const MAX_TEXT_BYTES: usize = 256;

/// Bytes read between two hints to the kernel that earlier pages can be dropped.
const RELEASE_WINDOW: usize = 16 * 1024 * 1024;

/// Records counted per parallel task when scanning for NULLs.
const RECORDS_PER_TASK: usize = 1 << 16;

/// What to compute.
#[derive(Debug, Clone, Copy)]
pub struct ProfileOptions {
    /// How many symbols, in symbol-table order, to report per field.
    pub top_values: usize,
    /// Scan the record table to count NULLs per field.
    pub count_nulls: bool,
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            top_values: 5,
            count_nulls: false,
        }
    }
}

/// Profiles of all fields, in header order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableProfile {
    pub fields: Vec<FieldProfile>,
}

/// What the symbol table (and, with `count_nulls`, the record table) says about one field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldProfile {
    pub name: String,
    /// Number of symbols decoded: the field's distinct non-NULL values.
    pub distinct_count: u64,
    pub symbol_types: SymbolTypeCounts,
    /// Smallest and largest numeric part over all symbols that have one.
    pub numeric_min: Option<f64>,
    pub numeric_max: Option<f64>,
    /// Smallest and largest text part in byte (code point) order over all symbols that have one.
    pub text_min: Option<String>,
    pub text_max: Option<String>,
    /// The longest text part (first one on ties) and its full length in bytes.
    pub longest_text: Option<String>,
    pub longest_text_bytes: Option<u64>,
    /// The first symbols in symbol-table order, which is the order Qlik first met them.
    pub top_values: Vec<ProfileValue>,
    /// NULL rows; present only when the record table was scanned.
    pub null_count: Option<u64>,
}

/// How many symbols of each storage type the table holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SymbolTypeCounts {
    pub int: u64,
    pub float: u64,
    pub text: u64,
    pub dual_int: u64,
    pub dual_float: u64,
}

/// A symbol value in the output: numbers as JSON numbers, text as strings, duals as both.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ProfileValue {
    Int(i32),
    Float(f64),
    Text(String),
    Dual { number: f64, text: String },
}

impl ProfileValue {
    fn from_symbol(symbol: Symbol<'_>) -> ProfileValue {
        match symbol {
            Symbol::Int(n) => ProfileValue::Int(n),
            Symbol::Float(x) => ProfileValue::Float(x),
            Symbol::Text(t) => ProfileValue::Text(bounded_text(t)),
            Symbol::DualInt(n, t) => ProfileValue::Dual {
                number: f64::from(n),
                text: bounded_text(t),
            },
            Symbol::DualFloat(x, t) => ProfileValue::Dual {
                number: x,
                text: bounded_text(t),
            },
        }
    }
}

/// Profiles every field of `file`.
pub fn profile(file: &QvdFile, options: &ProfileOptions) -> Result<TableProfile, QvdError> {
    let header = file.header();
    if !header.compression.trim().is_empty() {
        return Err(QvdError::UnsupportedCompression {
            path: file.path().to_path_buf(),
            compression: header.compression.clone(),
        });
    }
    let mut fields = header
        .fields
        .par_iter()
        .map(|field| profile_field(file, field, options))
        .collect::<Result<Vec<_>, _>>()?;
    if options.count_nulls {
        let nulls = count_nulls(file);
        for (profile, count) in fields.iter_mut().zip(nulls) {
            profile.null_count = Some(count);
        }
    }
    Ok(TableProfile { fields })
}

/// Streams one symbol table.
fn profile_field(
    file: &QvdFile,
    field: &QvdFieldHeader,
    options: &ProfileOptions,
) -> Result<FieldProfile, QvdError> {
    // `QvdFile::open` checked that the table lies inside the body.
    let start = field.offset as usize;
    let end = start + field.length as usize;
    let table = &file.body()[start..end];
    let mut reader = SymbolReader::new(table);
    let mut stats = FieldStats::default();
    let mut top_values = Vec::with_capacity(options.top_values.min(64));
    let mut releaser = ReleaseBehind::new(file, start);

    while stats.count < field.no_of_symbols {
        let symbol = match reader.next_symbol() {
            Some(Ok(symbol)) => symbol,
            Some(Err(error)) => return Err(symbol_error(file, field, error, stats.count)),
            None => {
                return Err(symbol_error(
                    file,
                    field,
                    SymbolError::Truncated {
                        offset: reader.position(),
                    },
                    stats.count,
                ))
            }
        };
        if top_values.len() < options.top_values {
            top_values.push(ProfileValue::from_symbol(symbol));
        }
        stats.add(symbol);
        releaser.advance(start + reader.position());
    }
    releaser.finish(end);

    Ok(FieldProfile {
        name: field.field_name.clone(),
        distinct_count: stats.count,
        symbol_types: stats.types,
        numeric_min: stats.numeric_min,
        numeric_max: stats.numeric_max,
        text_min: stats.text_min.map(bounded_text),
        text_max: stats.text_max.map(bounded_text),
        longest_text: stats.longest_text.map(bounded_text),
        longest_text_bytes: stats.longest_text.map(|t| t.len() as u64),
        top_values,
        null_count: None,
    })
}

/// Running statistics over the symbols seen so far; text is borrowed from the map.
#[derive(Default)]
struct FieldStats<'a> {
    count: u64,
    types: SymbolTypeCounts,
    numeric_min: Option<f64>,
    numeric_max: Option<f64>,
    text_min: Option<&'a [u8]>,
    text_max: Option<&'a [u8]>,
    longest_text: Option<&'a [u8]>,
}

impl<'a> FieldStats<'a> {
    fn add(&mut self, symbol: Symbol<'a>) {
        self.count += 1;
        let counter = match symbol {
            Symbol::Int(_) => &mut self.types.int,
            Symbol::Float(_) => &mut self.types.float,
            Symbol::Text(_) => &mut self.types.text,
            Symbol::DualInt(..) => &mut self.types.dual_int,
            Symbol::DualFloat(..) => &mut self.types.dual_float,
        };
        *counter += 1;
        if let Some(number) = symbol.number().filter(|x| !x.is_nan()) {
            self.numeric_min = Some(self.numeric_min.map_or(number, |m| m.min(number)));
            self.numeric_max = Some(self.numeric_max.map_or(number, |m| m.max(number)));
        }
        if let Some(text) = symbol.text() {
            if self.text_min.is_none_or(|m| text < m) {
                self.text_min = Some(text);
            }
            if self.text_max.is_none_or(|m| text > m) {
                self.text_max = Some(text);
            }
            if self.longest_text.is_none_or(|m| text.len() > m.len()) {
                self.longest_text = Some(text);
            }
        }
    }
}

fn symbol_error(file: &QvdFile, field: &QvdFieldHeader, error: SymbolError, read: u64) -> QvdError {
    let path = file.path().to_path_buf();
    let field_name = field.field_name.clone();
    match error {
        SymbolError::Truncated { offset } => QvdError::TruncatedSymbols {
            path,
            field: field_name,
            read,
            expected: field.no_of_symbols,
            offset: field.offset + offset as u64,
        },
        SymbolError::UnknownType { type_byte, offset } => QvdError::UnknownSymbolType {
            path,
            field: field_name,
            type_byte,
            offset: field.offset + offset as u64,
        },
    }
}

/// Copies stored text into the output, cut to [`MAX_TEXT_BYTES`]; invalid UTF-8 is replaced.
fn bounded_text(bytes: &[u8]) -> String {
    let mut text =
        String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_TEXT_BYTES + 4)]).into_owned();
    if text.len() > MAX_TEXT_BYTES {
        let mut cut = MAX_TEXT_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// Hands pages back to the kernel behind a sequential reader, every [`RELEASE_WINDOW`] bytes.
///
/// Each release reaches back to the start of the previous window: the kernel maps pages around
/// each fault (fault-around), including pages just behind the point released last, and those
/// would otherwise stay resident. So at most about two windows stay mapped.
struct ReleaseBehind<'f> {
    file: &'f QvdFile,
    /// Start of the range the next release covers.
    release_from: usize,
    /// Where the current window started.
    window_start: usize,
}

impl<'f> ReleaseBehind<'f> {
    fn new(file: &'f QvdFile, start: usize) -> ReleaseBehind<'f> {
        ReleaseBehind {
            file,
            release_from: start,
            window_start: start,
        }
    }

    /// Notes that everything before body byte `position` has been read.
    fn advance(&mut self, position: usize) {
        if position - self.window_start >= RELEASE_WINDOW {
            self.file.release_body_range(self.release_from, position);
            self.release_from = self.window_start;
            self.window_start = position;
        }
    }

    /// Releases the rest, up to body byte `end`.
    fn finish(&mut self, end: usize) {
        self.file.release_body_range(self.release_from, end);
    }
}

/// Where one field's index sits in a record, precomputed for the scan.
#[derive(Debug, Clone, Copy)]
struct BitField {
    /// Index of the first of the 8 bytes read as one little-endian word.
    word_at: usize,
    /// Bits to shift that word right to bring the field to bit 0.
    shift: u32,
    mask: u64,
    bias: i64,
}

impl BitField {
    /// The 8-byte word is placed so that it ends inside the record when the record has at least
    /// 8 bytes, which avoids a padded copy for fields near the end of the record.
    fn new(field: &QvdFieldHeader, record_size: usize) -> BitField {
        let byte = (field.bit_offset / 8) as usize;
        let word_at = byte.min(record_size.saturating_sub(8));
        BitField {
            word_at,
            shift: ((byte - word_at) * 8) as u32 + field.bit_offset % 8,
            mask: if field.bit_width == 0 {
                0
            } else {
                u64::MAX >> (64 - field.bit_width)
            },
            bias: i64::from(field.bias),
        }
    }

    /// True if the symbol index this record stores for the field is NULL (below zero).
    fn is_null(&self, record: &[u8]) -> bool {
        let available = record.get(self.word_at..).unwrap_or_default();
        let word = match available.first_chunk::<8>() {
            Some(bytes) => u64::from_le_bytes(*bytes),
            // Records shorter than 8 bytes: pad with zeros.
            None => {
                let mut bytes = [0u8; 8];
                bytes[..available.len()].copy_from_slice(available);
                u64::from_le_bytes(bytes)
            }
        };
        // `QvdFile::open` checked that the field's bits fit the record and are at most
        // MAX_BIT_WIDTH wide, so `shift + width <= 64` and the value fits an i64.
        let stored = word.checked_shr(self.shift).unwrap_or(0) & self.mask;
        (stored as i64) + self.bias < 0
    }
}

/// Counts NULL rows per field, in header order. Fields with a non-negative bias cannot hold
/// NULLs and are not looked at.
fn count_nulls(file: &QvdFile) -> Vec<u64> {
    let header = file.header();
    let mut counts = vec![0u64; header.fields.len()];
    // With no records, RecordByteSize is not bounded by the record table and may hold anything;
    // with records, `QvdFile::open` checked NoOfRecords × RecordByteSize fits the table, so both
    // fit a usize.
    let (Ok(record_size), Ok(no_of_records)) = (
        usize::try_from(header.record_byte_size),
        usize::try_from(header.no_of_records),
    ) else {
        return counts;
    };
    if no_of_records == 0 || record_size == 0 {
        return counts;
    }
    let nullable: Vec<(usize, BitField)> = header
        .fields
        .iter()
        .enumerate()
        .filter(|(_, field)| field.bias < 0)
        .map(|(index, field)| (index, BitField::new(field, record_size)))
        .collect();
    if nullable.is_empty() {
        return counts;
    }
    // `QvdFile::open` checked that NoOfRecords × RecordByteSize bytes fit the record table.
    let start = header.offset as usize;
    let end = start + no_of_records * record_size;
    let records = &file.body()[start..end];
    let task_bytes = RECORDS_PER_TASK.saturating_mul(record_size);
    // Whole records per window, so no record straddles two windows.
    let window_bytes = (RELEASE_WINDOW / record_size).max(1) * record_size;
    let mut releaser = ReleaseBehind::new(file, start);
    let mut per_field = vec![0u64; nullable.len()];
    for (window_index, window) in records.chunks(window_bytes).enumerate() {
        let window_counts = window
            .par_chunks(task_bytes)
            .map(|chunk| {
                let mut local = vec![0u64; nullable.len()];
                for record in chunk.chunks_exact(record_size) {
                    for (slot, (_, bits)) in local.iter_mut().zip(&nullable) {
                        *slot += u64::from(bits.is_null(record));
                    }
                }
                local
            })
            .reduce(
                || vec![0u64; nullable.len()],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                    a
                },
            );
        per_field
            .iter_mut()
            .zip(window_counts)
            .for_each(|(x, y)| *x += y);
        releaser.advance(start + window_index * window_bytes + window.len());
    }
    releaser.finish(end);
    for ((index, _), count) in nullable.iter().zip(per_field) {
        counts[*index] = count;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_field_reads_across_byte_boundaries() {
        let field = QvdFieldHeader {
            bit_offset: 6,
            bit_width: 5,
            bias: -2,
            ..Default::default()
        };
        let bits = BitField::new(&field, 2);
        // Stored value 0b00001 at bits 6..11: 1 - 2 < 0, NULL.
        assert!(bits.is_null(&[0b0100_0000, 0b0000_0000]));
        // Stored value 0b00010: 2 - 2 = 0, a value.
        assert!(!bits.is_null(&[0b1000_0000, 0b0000_0000]));
    }

    #[test]
    fn bit_field_near_the_end_of_a_long_record_reads_a_word_that_ends_there() {
        let field = QvdFieldHeader {
            bit_offset: 75,
            bit_width: 5,
            bias: -2,
            ..Default::default()
        };
        let bits = BitField::new(&field, 10);
        assert_eq!((bits.word_at, bits.shift), (2, 59));
        let mut record = [0u8; 10];
        record[9] = 0b0000_1000; // stored 1 at bits 75..80: NULL
        assert!(bits.is_null(&record));
        record[9] = 0b0001_0000; // stored 2: a value
        assert!(!bits.is_null(&record));
    }

    #[test]
    fn bounded_text_cuts_at_a_char_boundary() {
        let long = "é".repeat(MAX_TEXT_BYTES);
        let cut = bounded_text(long.as_bytes());
        assert!(cut.len() <= MAX_TEXT_BYTES && cut.chars().all(|c| c == 'é'));
    }
}
