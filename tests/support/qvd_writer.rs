//! A small QVD writer for tests and benches: XML header, symbol tables and a bit-packed record
//! table laid out as Qlik lays them out. It writes what the reader must accept (every symbol
//! type, NULLs through a negative bias, non-minimal and non-byte-aligned bit widths, fields
//! listed out of bit order, `\n\0` header ends); tests damage its output to make broken files.
#![allow(dead_code)]

use std::io::{self, Write};

/// A symbol value as the writer stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i32),
    Float(f64),
    Text(String),
    DualInt(i32, String),
    DualFloat(f64, String),
}

/// A field's symbol table, encoded as it goes so large tables stay compact.
#[derive(Debug, Clone, Default)]
pub struct SymbolTable {
    pub bytes: Vec<u8>,
    pub count: u64,
}

impl SymbolTable {
    pub fn from_values(values: &[Value]) -> SymbolTable {
        let mut table = SymbolTable::default();
        for value in values {
            table.push(value);
        }
        table
    }

    pub fn push(&mut self, value: &Value) {
        self.count += 1;
        let out = &mut self.bytes;
        match value {
            Value::Int(n) => {
                out.push(1);
                out.extend(n.to_le_bytes());
            }
            Value::Float(x) => {
                out.push(2);
                out.extend(x.to_le_bytes());
            }
            Value::Text(t) => {
                out.push(4);
                self.push_text_only(t);
            }
            Value::DualInt(n, t) => {
                out.push(5);
                out.extend(n.to_le_bytes());
                self.push_text_only(t);
            }
            Value::DualFloat(x, t) => {
                out.push(6);
                out.extend(x.to_le_bytes());
                self.push_text_only(t);
            }
        }
    }

    /// Appends a text symbol without building a `Value` (for large generated tables).
    pub fn push_text(&mut self, text: &str) {
        self.count += 1;
        self.bytes.push(4);
        self.push_text_only(text);
    }

    fn push_text_only(&mut self, text: &str) {
        self.bytes.extend(text.as_bytes());
        self.bytes.push(0);
    }
}

/// One column.
#[derive(Debug, Clone, Default)]
pub struct FieldSpec {
    pub name: String,
    pub symbols: SymbolTable,
    /// Rows may be NULL: the field gets bias -2 and stored index 0 means NULL.
    pub nullable: bool,
    /// Bits added to the minimal width (Qlik does not always use minimal widths).
    pub extra_bits: u32,
    pub number_format_type: String,
    pub tags: Vec<String>,
    pub comment: String,
}

impl FieldSpec {
    pub fn new(name: &str, values: &[Value]) -> FieldSpec {
        FieldSpec {
            name: name.to_string(),
            symbols: SymbolTable::from_values(values),
            number_format_type: "UNKNOWN".to_string(),
            ..Default::default()
        }
    }

    fn bias(&self) -> i32 {
        if self.nullable {
            -2
        } else {
            0
        }
    }

    fn bit_width(&self) -> u32 {
        let largest_stored =
            (self.symbols.count + if self.nullable { 1 } else { 0 }).saturating_sub(1);
        let minimal = 64 - largest_stored.leading_zeros();
        if minimal == 0 && self.extra_bits == 0 {
            0
        } else {
            minimal + self.extra_bits
        }
    }
}

/// A whole table.
#[derive(Debug, Clone)]
pub struct TableSpec {
    pub table_name: String,
    pub creator_doc: String,
    pub create_utc_time: String,
    pub fields: Vec<FieldSpec>,
    pub lineage: Vec<(String, String)>,
    pub comment: String,
    pub no_of_records: u64,
    /// `\r\n` (usual) or `\n` (some files) between `</QvdTableHeader>` and the NUL.
    pub header_line_end: &'static str,
    /// Give fields bit offsets in reverse header order, as some real files do.
    pub reverse_bit_order: bool,
}

impl Default for TableSpec {
    fn default() -> Self {
        TableSpec {
            table_name: "T".to_string(),
            creator_doc: "4ab955bd-02cf-41f3-880d-90b97d2318b5".to_string(),
            create_utc_time: "2024-05-01 10:00:00".to_string(),
            fields: Vec::new(),
            lineage: Vec::new(),
            comment: String::new(),
            no_of_records: 0,
            header_line_end: "\r\n",
            reverse_bit_order: false,
        }
    }
}

/// Where each field's bits go.
struct Layout {
    bit_offsets: Vec<u32>,
    bit_widths: Vec<u32>,
    record_byte_size: usize,
}

impl TableSpec {
    fn layout(&self) -> Layout {
        let bit_widths: Vec<u32> = self.fields.iter().map(FieldSpec::bit_width).collect();
        let mut bit_offsets = vec![0; self.fields.len()];
        let mut next = 0;
        let order: Vec<usize> = if self.reverse_bit_order {
            (0..self.fields.len()).rev().collect()
        } else {
            (0..self.fields.len()).collect()
        };
        for index in order {
            bit_offsets[index] = next;
            next += bit_widths[index];
        }
        Layout {
            bit_offsets,
            bit_widths,
            record_byte_size: next.div_ceil(8) as usize,
        }
    }

    /// Bytes per record for the current fields.
    pub fn record_byte_size(&self) -> u64 {
        self.layout().record_byte_size as u64
    }

    /// Writes the QVD; `row` fills each field's symbol index (`None` for NULL) for a row number.
    pub fn write(
        &self,
        out: &mut impl Write,
        mut row: impl FnMut(u64, &mut [Option<u64>]),
    ) -> io::Result<()> {
        let layout = self.layout();
        let mut symbol_offsets = Vec::with_capacity(self.fields.len());
        let mut offset = 0u64;
        for field in &self.fields {
            symbol_offsets.push(offset);
            offset += field.symbols.bytes.len() as u64;
        }
        let records_offset = offset;
        let records_length = self.no_of_records * layout.record_byte_size as u64;

        out.write_all(
            self.header_xml(&layout, &symbol_offsets, records_offset, records_length)
                .as_bytes(),
        )?;
        out.write_all(b"\0")?;
        for field in &self.fields {
            out.write_all(&field.symbols.bytes)?;
        }
        let mut indexes = vec![None; self.fields.len()];
        let mut record = vec![0u8; layout.record_byte_size];
        for number in 0..self.no_of_records {
            row(number, &mut indexes);
            record.fill(0);
            for (index, field) in self.fields.iter().enumerate() {
                let stored = match indexes[index] {
                    Some(symbol) => symbol + if field.nullable { 2 } else { 0 },
                    None => 0,
                };
                set_bits(
                    &mut record,
                    layout.bit_offsets[index],
                    layout.bit_widths[index],
                    stored,
                );
            }
            out.write_all(&record)?;
        }
        Ok(())
    }

    /// The whole file in memory, for small test tables.
    pub fn to_bytes(&self, row: impl FnMut(u64, &mut [Option<u64>])) -> Vec<u8> {
        let mut bytes = Vec::new();
        self.write(&mut bytes, row)
            .expect("writing to a Vec cannot fail");
        bytes
    }

    fn header_xml(
        &self,
        layout: &Layout,
        symbol_offsets: &[u64],
        offset: u64,
        length: u64,
    ) -> String {
        let mut x = String::new();
        x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n");
        x.push_str("<QvdTableHeader>\r\n");
        x.push_str("  <QvBuildNo>50689</QvBuildNo>\r\n");
        x.push_str(&format!(
            "  <CreatorDoc>{}</CreatorDoc>\r\n",
            escape(&self.creator_doc)
        ));
        x.push_str(&format!(
            "  <CreateUtcTime>{}</CreateUtcTime>\r\n",
            self.create_utc_time
        ));
        x.push_str("  <SourceCreateUtcTime></SourceCreateUtcTime>\r\n");
        x.push_str("  <SourceFileUtcTime></SourceFileUtcTime>\r\n");
        x.push_str("  <SourceFileSize>-1</SourceFileSize>\r\n");
        x.push_str("  <StaleUtcTime></StaleUtcTime>\r\n");
        x.push_str(&format!(
            "  <TableName>{}</TableName>\r\n",
            escape(&self.table_name)
        ));
        x.push_str("  <Fields>\r\n");
        for (index, field) in self.fields.iter().enumerate() {
            x.push_str("    <QvdFieldHeader>\r\n");
            x.push_str(&format!(
                "      <FieldName>{}</FieldName>\r\n",
                escape(&field.name)
            ));
            x.push_str(&format!(
                "      <BitOffset>{}</BitOffset>\r\n",
                layout.bit_offsets[index]
            ));
            x.push_str(&format!(
                "      <BitWidth>{}</BitWidth>\r\n",
                layout.bit_widths[index]
            ));
            x.push_str(&format!("      <Bias>{}</Bias>\r\n", field.bias()));
            x.push_str("      <NumberFormat>\r\n");
            x.push_str(&format!(
                "        <Type>{}</Type>\r\n",
                field.number_format_type
            ));
            x.push_str("        <nDec>0</nDec>\r\n        <UseThou>0</UseThou>\r\n");
            x.push_str("        <Fmt></Fmt>\r\n        <Dec></Dec>\r\n        <Thou></Thou>\r\n");
            x.push_str("      </NumberFormat>\r\n");
            x.push_str(&format!(
                "      <NoOfSymbols>{}</NoOfSymbols>\r\n",
                field.symbols.count
            ));
            x.push_str(&format!(
                "      <Offset>{}</Offset>\r\n",
                symbol_offsets[index]
            ));
            x.push_str(&format!(
                "      <Length>{}</Length>\r\n",
                field.symbols.bytes.len()
            ));
            x.push_str(&format!(
                "      <Comment>{}</Comment>\r\n",
                escape(&field.comment)
            ));
            x.push_str("      <Tags>");
            for tag in &field.tags {
                x.push_str(&format!("<String>{}</String>", escape(tag)));
            }
            x.push_str("</Tags>\r\n");
            x.push_str("    </QvdFieldHeader>\r\n");
        }
        x.push_str("  </Fields>\r\n");
        x.push_str("  <Compression></Compression>\r\n");
        x.push_str(&format!(
            "  <RecordByteSize>{}</RecordByteSize>\r\n",
            layout.record_byte_size
        ));
        x.push_str(&format!(
            "  <NoOfRecords>{}</NoOfRecords>\r\n",
            self.no_of_records
        ));
        x.push_str(&format!("  <Offset>{offset}</Offset>\r\n"));
        x.push_str(&format!("  <Length>{length}</Length>\r\n"));
        x.push_str("  <Lineage>\r\n");
        for (discriminator, statement) in &self.lineage {
            x.push_str("    <LineageInfo>\r\n");
            x.push_str(&format!(
                "      <Discriminator>{}</Discriminator>\r\n",
                escape(discriminator)
            ));
            x.push_str(&format!(
                "      <Statement>{}</Statement>\r\n",
                escape(statement)
            ));
            x.push_str("    </LineageInfo>\r\n");
        }
        x.push_str("  </Lineage>\r\n");
        x.push_str(&format!(
            "  <Comment>{}</Comment>\r\n",
            escape(&self.comment)
        ));
        x.push_str("  <EncryptionInfo></EncryptionInfo>\r\n  <TableTags></TableTags>\r\n");
        x.push_str("  <ProfilingData></ProfilingData>\r\n");
        x.push_str("</QvdTableHeader>");
        x.push_str(self.header_line_end);
        x
    }
}

/// Writes `value` into `width` bits of `record` starting at bit `offset` (bit 0 = LSB of byte 0).
fn set_bits(record: &mut [u8], offset: u32, width: u32, value: u64) {
    let mut bit = offset as usize;
    let mut remaining = width as usize;
    let mut value = value;
    while remaining > 0 {
        let shift = bit % 8;
        let take = (8 - shift).min(remaining);
        let mask = ((1u16 << take) - 1) as u8;
        record[bit / 8] |= ((value as u8) & mask) << shift;
        value >>= take;
        bit += take;
        remaining -= take;
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
