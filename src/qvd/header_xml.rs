//! Parse the XML header bytes into a [`QvdHeader`].
//!
//! quick-xml reads events from the header slice; a stack of known element names says where each
//! piece of text belongs, so a field's `<Offset>` can never be taken for the table's. No DTD is
//! processed and only the five predefined entities and character references are resolved, so a
//! hostile header cannot expand into more memory than its own size (capped by the caller).
//! Unknown elements are skipped with their content; unknown entities are kept as written.

use std::path::Path;

use quick_xml::events::{BytesRef, Event};
use quick_xml::Reader;

use super::error::QvdError;
use super::header::{QvdFieldHeader, QvdHeader};

/// The elements whose position in the tree gives them a meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    QvdTableHeader,
    QvBuildNo,
    CreatorDoc,
    CreateUtcTime,
    SourceCreateUtcTime,
    SourceFileUtcTime,
    SourceFileSize,
    StaleUtcTime,
    TableName,
    Fields,
    QvdFieldHeader,
    FieldName,
    BitOffset,
    BitWidth,
    Bias,
    NumberFormat,
    Type,
    NDec,
    UseThou,
    Fmt,
    Dec,
    Thou,
    NoOfSymbols,
    Offset,
    Length,
    Comment,
    Tags,
    String,
    Compression,
    RecordByteSize,
    NoOfRecords,
    Lineage,
    LineageInfo,
    Discriminator,
    Statement,
    EncryptionInfo,
    TableTags,
    Other,
}

impl Tag {
    /// False for elements whose own text is never stored: containers and unknown elements.
    fn holds_text(self) -> bool {
        !matches!(
            self,
            Tag::QvdTableHeader
                | Tag::Fields
                | Tag::QvdFieldHeader
                | Tag::NumberFormat
                | Tag::Tags
                | Tag::Lineage
                | Tag::LineageInfo
                | Tag::TableTags
                | Tag::Other
        )
    }

    fn from_name(name: &[u8]) -> Tag {
        match name {
            b"QvdTableHeader" => Tag::QvdTableHeader,
            b"QvBuildNo" => Tag::QvBuildNo,
            b"CreatorDoc" => Tag::CreatorDoc,
            b"CreateUtcTime" => Tag::CreateUtcTime,
            b"SourceCreateUtcTime" => Tag::SourceCreateUtcTime,
            b"SourceFileUtcTime" => Tag::SourceFileUtcTime,
            b"SourceFileSize" => Tag::SourceFileSize,
            b"StaleUtcTime" => Tag::StaleUtcTime,
            b"TableName" => Tag::TableName,
            b"Fields" => Tag::Fields,
            b"QvdFieldHeader" => Tag::QvdFieldHeader,
            b"FieldName" => Tag::FieldName,
            b"BitOffset" => Tag::BitOffset,
            b"BitWidth" => Tag::BitWidth,
            b"Bias" => Tag::Bias,
            b"NumberFormat" => Tag::NumberFormat,
            b"Type" => Tag::Type,
            b"nDec" => Tag::NDec,
            b"UseThou" => Tag::UseThou,
            b"Fmt" => Tag::Fmt,
            b"Dec" => Tag::Dec,
            b"Thou" => Tag::Thou,
            b"NoOfSymbols" => Tag::NoOfSymbols,
            b"Offset" => Tag::Offset,
            b"Length" => Tag::Length,
            b"Comment" => Tag::Comment,
            b"Tags" => Tag::Tags,
            b"String" => Tag::String,
            b"Compression" => Tag::Compression,
            b"RecordByteSize" => Tag::RecordByteSize,
            b"NoOfRecords" => Tag::NoOfRecords,
            b"Lineage" => Tag::Lineage,
            b"LineageInfo" => Tag::LineageInfo,
            b"Discriminator" => Tag::Discriminator,
            b"Statement" => Tag::Statement,
            b"EncryptionInfo" => Tag::EncryptionInfo,
            b"TableTags" => Tag::TableTags,
            _ => Tag::Other,
        }
    }
}

/// A parsed header and what the reader noticed about elements that are absent.
#[derive(Debug)]
pub(crate) struct ParsedHeader {
    pub header: QvdHeader,
    /// False when the header has no `<TableName>` element (some third-party writers omit it).
    pub has_table_name: bool,
}

/// Parses the header XML (everything before the NUL terminator).
pub(crate) fn parse_header(xml: &[u8], path: &Path) -> Result<ParsedHeader, QvdError> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().expand_empty_elements = true;

    let mut header = QvdHeader::default();
    let mut stack: Vec<Tag> = Vec::with_capacity(8);
    let mut text = String::new();
    let mut saw_root = false;
    let mut has_table_name = false;

    let xml_error = |reader: &Reader<&[u8]>, reason: String| QvdError::HeaderXml {
        path: path.to_path_buf(),
        position: reader.error_position(),
        reason,
    };

    loop {
        let event = reader
            .read_event()
            .map_err(|error| xml_error(&reader, error.to_string()))?;
        match event {
            Event::Start(start) => {
                let tag = Tag::from_name(start.name().as_ref());
                if stack.is_empty() {
                    if tag != Tag::QvdTableHeader {
                        return Err(QvdError::WrongRootElement {
                            path: path.to_path_buf(),
                            root: String::from_utf8_lossy(start.name().as_ref()).into_owned(),
                        });
                    }
                    saw_root = true;
                }
                stack.push(tag);
                text.clear();
                open_element(&mut header, &stack);
            }
            Event::End(_) => {
                has_table_name |= stack == [Tag::QvdTableHeader, Tag::TableName];
                close_element(&mut header, &stack, &text, path)?;
                stack.pop();
                text.clear();
            }
            // Text between container elements is layout whitespace; skipping it saves decoding
            // about half of the header's text events.
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)
                if stack.last().is_none_or(|tag| !tag.holds_text()) => {}
            Event::Text(content) => {
                let content = content
                    .xml10_content()
                    .map_err(|error| xml_error(&reader, error.to_string()))?;
                text.push_str(&content);
            }
            Event::CData(content) => {
                let content = content
                    .decode()
                    .map_err(|error| xml_error(&reader, error.to_string()))?;
                text.push_str(&content);
            }
            Event::GeneralRef(reference) => push_reference(&mut text, &reference)
                .map_err(|reason| xml_error(&reader, reason))?,
            Event::Eof => break,
            // Declarations, comments, processing instructions and DTDs carry nothing we use; a
            // DTD is never interpreted, so its entities are never expanded.
            Event::Empty(_)
            | Event::Comment(_)
            | Event::Decl(_)
            | Event::PI(_)
            | Event::DocType(_) => {}
        }
    }

    if !saw_root {
        return Err(QvdError::NotQvd {
            path: path.to_path_buf(),
        });
    }
    if !stack.is_empty() {
        return Err(xml_error(
            &reader,
            "header ends before </QvdTableHeader>".to_string(),
        ));
    }
    Ok(ParsedHeader {
        header,
        has_table_name,
    })
}

/// Resolves `&amp;`-style and `&#10;`-style references; anything else is kept as written.
fn push_reference(text: &mut String, reference: &BytesRef<'_>) -> Result<(), String> {
    if let Some(ch) = reference.resolve_char_ref().map_err(|e| e.to_string())? {
        text.push(ch);
        return Ok(());
    }
    let name = reference.decode().map_err(|e| e.to_string())?;
    match quick_xml::escape::resolve_predefined_entity(&name) {
        Some(value) => text.push_str(value),
        None => {
            text.push('&');
            text.push_str(&name);
            text.push(';');
        }
    }
    Ok(())
}

/// Creates the list entries that child elements will fill.
fn open_element(header: &mut QvdHeader, stack: &[Tag]) {
    use Tag::*;
    match stack {
        [QvdTableHeader, Fields, QvdFieldHeader] => header.fields.push(Default::default()),
        [QvdTableHeader, Lineage, LineageInfo] => header.lineage.push(Default::default()),
        _ => {}
    }
}

/// Stores the text of a leaf element at the place its path says.
fn close_element(
    header: &mut QvdHeader,
    stack: &[Tag],
    text: &str,
    path: &Path,
) -> Result<(), QvdError> {
    use Tag::*;
    let number = |element: &'static str| NumberText {
        text,
        element,
        path,
    };
    match stack {
        [QvdTableHeader, QvBuildNo] => header.qv_build_no = text.to_string(),
        [QvdTableHeader, CreatorDoc] => header.creator_doc = text.to_string(),
        [QvdTableHeader, CreateUtcTime] => header.create_utc_time = text.to_string(),
        [QvdTableHeader, SourceCreateUtcTime] => header.source_create_utc_time = text.to_string(),
        [QvdTableHeader, SourceFileUtcTime] => header.source_file_utc_time = text.to_string(),
        [QvdTableHeader, SourceFileSize] => {
            header.source_file_size = number("SourceFileSize").parse_or(0)?
        }
        [QvdTableHeader, StaleUtcTime] => header.stale_utc_time = text.to_string(),
        [QvdTableHeader, TableName] => header.table_name = text.to_string(),
        [QvdTableHeader, Compression] => header.compression = text.to_string(),
        [QvdTableHeader, RecordByteSize] => {
            header.record_byte_size = number("RecordByteSize").parse_or(0)?
        }
        [QvdTableHeader, NoOfRecords] => {
            header.no_of_records = number("NoOfRecords").parse_or(0)?
        }
        [QvdTableHeader, Offset] => header.offset = number("Offset").parse_or(0)?,
        [QvdTableHeader, Length] => header.length = number("Length").parse_or(0)?,
        [QvdTableHeader, Comment] => header.comment = text.to_string(),
        [QvdTableHeader, EncryptionInfo] => header.encryption_info = text.to_string(),
        [QvdTableHeader, TableTags, String] => header.table_tags.push(text.to_string()),
        [QvdTableHeader, Lineage, LineageInfo, leaf] => {
            let Some(entry) = header.lineage.last_mut() else {
                return Ok(());
            };
            match leaf {
                Discriminator => entry.discriminator = text.to_string(),
                Statement => entry.statement = text.to_string(),
                _ => {}
            }
        }
        [QvdTableHeader, Fields, QvdFieldHeader, rest @ ..] => {
            let Some(field) = header.fields.last_mut() else {
                return Ok(());
            };
            close_field_element(field, rest, text, path)?;
        }
        _ => {}
    }
    Ok(())
}

/// Stores the text of an element inside `<QvdFieldHeader>`.
fn close_field_element(
    field: &mut QvdFieldHeader,
    rest: &[Tag],
    text: &str,
    path: &Path,
) -> Result<(), QvdError> {
    use Tag::*;
    let number = |element: &'static str| NumberText {
        text,
        element,
        path,
    };
    let format = &mut field.number_format;
    match rest {
        [FieldName] => field.field_name = text.to_string(),
        [BitOffset] => field.bit_offset = number("BitOffset").parse_or(0)?,
        [BitWidth] => field.bit_width = number("BitWidth").parse_or(0)?,
        [Bias] => field.bias = number("Bias").parse_or(0)?,
        [NoOfSymbols] => field.no_of_symbols = number("NoOfSymbols").parse_or(0)?,
        [Offset] => field.offset = number("Offset").parse_or(0)?,
        [Length] => field.length = number("Length").parse_or(0)?,
        [Comment] => field.comment = text.to_string(),
        [Tags, String] => field.tags.push(text.to_string()),
        [NumberFormat, Type] => format.format_type = text.to_string(),
        [NumberFormat, NDec] => format.n_dec = number("nDec").parse_or(0)?,
        [NumberFormat, UseThou] => format.use_thou = number("UseThou").parse_or(0)?,
        [NumberFormat, Fmt] => format.fmt = text.to_string(),
        [NumberFormat, Dec] => format.dec = text.to_string(),
        [NumberFormat, Thou] => format.thou = text.to_string(),
        _ => {}
    }
    Ok(())
}

/// The text of a numeric element, with what is needed to report it if it is not a number.
struct NumberText<'a> {
    text: &'a str,
    element: &'static str,
    path: &'a Path,
}

impl NumberText<'_> {
    /// Parses the trimmed text; empty text (`<Bias></Bias>`) reads as `empty`.
    fn parse_or<T: std::str::FromStr>(&self, empty: T) -> Result<T, QvdError> {
        let trimmed = self.text.trim();
        if trimmed.is_empty() {
            return Ok(empty);
        }
        trimmed.parse().map_err(|_| QvdError::HeaderNumber {
            path: self.path.to_path_buf(),
            element: self.element,
            value: self.text.chars().take(64).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(xml: &str) -> Result<QvdHeader, QvdError> {
        parse_header(xml.as_bytes(), Path::new("t.qvd")).map(|parsed| parsed.header)
    }

    #[test]
    fn a_missing_table_name_is_noticed() {
        let read = |xml: &str| parse_header(xml.as_bytes(), Path::new("t.qvd")).unwrap();
        assert!(
            !read("<QvdTableHeader><NoOfRecords>0</NoOfRecords></QvdTableHeader>").has_table_name
        );
        assert!(read("<QvdTableHeader><TableName/></QvdTableHeader>").has_table_name);
        let nested = read(
            "<QvdTableHeader><Fields><QvdFieldHeader><TableName>x</TableName>\
             </QvdFieldHeader></Fields></QvdTableHeader>",
        );
        assert!(!nested.has_table_name && nested.header.table_name.is_empty());
    }

    #[test]
    fn field_offset_is_not_taken_for_the_table_offset() {
        let header = parse(
            "<QvdTableHeader><Fields><QvdFieldHeader><FieldName>A</FieldName>\
             <Offset>7</Offset><Length>9</Length></QvdFieldHeader></Fields>\
             <Offset>100</Offset><Length>20</Length></QvdTableHeader>",
        )
        .unwrap();
        assert_eq!((header.offset, header.length), (100, 20));
        assert_eq!((header.fields[0].offset, header.fields[0].length), (7, 9));
    }

    #[test]
    fn entities_are_resolved_and_unknown_ones_kept() {
        let header = parse(
            "<QvdTableHeader><TableName>a &amp; b&#x20;&lt;c&gt; &bogus;</TableName></QvdTableHeader>",
        )
        .unwrap();
        assert_eq!(header.table_name, "a & b <c> &bogus;");
    }

    #[test]
    fn dtd_entities_are_not_expanded() {
        let header = parse(
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;\">]>\
             <QvdTableHeader><TableName>&b;</TableName></QvdTableHeader>",
        )
        .unwrap();
        assert_eq!(header.table_name, "&b;");
    }

    #[test]
    fn wrong_root_is_reported() {
        let error = parse("<html><body/></html>").unwrap_err();
        assert!(matches!(error, QvdError::WrongRootElement { ref root, .. } if root == "html"));
    }

    #[test]
    fn bad_number_names_the_element() {
        let error =
            parse("<QvdTableHeader><NoOfRecords>many</NoOfRecords></QvdTableHeader>").unwrap_err();
        assert!(matches!(
            error,
            QvdError::HeaderNumber {
                element: "NoOfRecords",
                ..
            }
        ));
    }

    #[test]
    fn unclosed_root_is_an_error() {
        assert!(matches!(
            parse("<QvdTableHeader><TableName>x</TableName>"),
            Err(QvdError::HeaderXml { .. })
        ));
    }

    #[test]
    fn tags_and_number_format_are_read() {
        let header = parse(
            "<QvdTableHeader><Fields><QvdFieldHeader><FieldName>D</FieldName><Bias>-2</Bias>\
             <NumberFormat><Type>DATE</Type><nDec>0</nDec><UseThou>0</UseThou><Fmt>YYYY-MM-DD</Fmt>\
             <Dec>.</Dec><Thou>,</Thou></NumberFormat><Comment/><Tags><String>$numeric</String>\
             <String>$date</String></Tags></QvdFieldHeader></Fields></QvdTableHeader>",
        )
        .unwrap();
        let field = &header.fields[0];
        assert_eq!(field.bias, -2);
        assert_eq!(field.number_format.format_type, "DATE");
        assert_eq!(field.number_format.fmt, "YYYY-MM-DD");
        assert_eq!(field.tags, ["$numeric", "$date"]);
    }
}
