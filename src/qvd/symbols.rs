//! Decode a field's symbol table: its distinct values, one after another.
//!
//! Each symbol is a type byte and a payload: `1` int32, `2` float64, `4` NUL-terminated UTF-8
//! text, `5` int32 then text, `6` float64 then text (duals: dates, money, formatted numbers).
//! Numbers are little-endian. Text is borrowed from the mapped file, never copied.

/// One decoded symbol; text is the raw UTF-8 bytes as stored (not validated).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Symbol<'a> {
    Int(i32),
    Float(f64),
    Text(&'a [u8]),
    DualInt(i32, &'a [u8]),
    DualFloat(f64, &'a [u8]),
}

impl<'a> Symbol<'a> {
    /// The numeric part, if the symbol has one.
    pub fn number(&self) -> Option<f64> {
        match *self {
            Symbol::Int(n) | Symbol::DualInt(n, _) => Some(f64::from(n)),
            Symbol::Float(x) | Symbol::DualFloat(x, _) => Some(x),
            Symbol::Text(_) => None,
        }
    }

    /// The text part, if the symbol has one.
    pub fn text(&self) -> Option<&'a [u8]> {
        match *self {
            Symbol::Text(t) | Symbol::DualInt(_, t) | Symbol::DualFloat(_, t) => Some(t),
            Symbol::Int(_) | Symbol::Float(_) => None,
        }
    }
}

/// Why a symbol could not be decoded; offsets are relative to the start of the symbol table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolError {
    /// The table ends inside a symbol.
    Truncated { offset: usize },
    /// The type byte is not 1, 2, 4, 5 or 6.
    UnknownType { type_byte: u8, offset: usize },
}

/// Reads symbols from the start of a symbol table slice.
#[derive(Debug, Clone)]
pub struct SymbolReader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> SymbolReader<'a> {
    pub fn new(bytes: &'a [u8]) -> SymbolReader<'a> {
        SymbolReader { bytes, position: 0 }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Decodes the next symbol, or returns `None` at the end of the slice. After an error the
    /// reader is at the end: nothing after a damaged symbol can be trusted.
    pub fn next_symbol(&mut self) -> Option<Result<Symbol<'a>, SymbolError>> {
        let result = self.decode()?;
        if result.is_err() {
            self.position = self.bytes.len();
        }
        Some(result)
    }

    fn decode(&mut self) -> Option<Result<Symbol<'a>, SymbolError>> {
        let start = self.position;
        let type_byte = *self.bytes.get(start)?;
        self.position = start + 1;
        let symbol = match type_byte {
            1 => self.read_i32().map(Symbol::Int),
            2 => self.read_f64().map(Symbol::Float),
            4 => self.read_text().map(Symbol::Text),
            5 => self
                .read_i32()
                .and_then(|n| self.read_text().map(|t| Symbol::DualInt(n, t))),
            6 => self
                .read_f64()
                .and_then(|x| self.read_text().map(|t| Symbol::DualFloat(x, t))),
            _ => {
                return Some(Err(SymbolError::UnknownType {
                    type_byte,
                    offset: start,
                }))
            }
        };
        Some(symbol.ok_or(SymbolError::Truncated { offset: start }))
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.position.checked_add(N)?;
        let bytes = self.bytes.get(self.position..end)?.try_into().ok()?;
        self.position = end;
        Some(bytes)
    }

    fn read_i32(&mut self) -> Option<i32> {
        self.take::<4>().map(i32::from_le_bytes)
    }

    fn read_f64(&mut self) -> Option<f64> {
        self.take::<8>().map(f64::from_le_bytes)
    }

    fn read_text(&mut self) -> Option<&'a [u8]> {
        let rest = self.bytes.get(self.position..)?;
        let len = memchr::memchr(0, rest)?;
        self.position += len + 1;
        Some(&rest[..len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8]) -> Vec<Result<Symbol<'_>, SymbolError>> {
        let mut reader = SymbolReader::new(bytes);
        std::iter::from_fn(|| reader.next_symbol()).collect()
    }

    #[test]
    fn decodes_every_type() {
        let mut bytes = vec![1, 0xFE, 0xFF, 0xFF, 0xFF, 2];
        bytes.extend(1.5f64.to_le_bytes());
        bytes.extend(b"\x04abc\0\x05\x01\0\0\0" as &[u8]);
        bytes.extend(b"1\0\x06");
        bytes.extend(2.25f64.to_le_bytes());
        bytes.extend(b"2,25\0");
        assert_eq!(
            all(&bytes),
            vec![
                Ok(Symbol::Int(-2)),
                Ok(Symbol::Float(1.5)),
                Ok(Symbol::Text(b"abc")),
                Ok(Symbol::DualInt(1, b"1")),
                Ok(Symbol::DualFloat(2.25, b"2,25")),
            ]
        );
    }

    #[test]
    fn truncation_and_unknown_types_are_errors() {
        assert_eq!(
            all(&[1, 0, 0]),
            vec![Err(SymbolError::Truncated { offset: 0 })]
        );
        assert_eq!(
            all(b"\x04ab"),
            vec![Err(SymbolError::Truncated { offset: 0 })]
        );
        assert_eq!(
            all(&[3, 0]),
            vec![Err(SymbolError::UnknownType {
                type_byte: 3,
                offset: 0
            })]
        );
    }
}
