//! Symbol-table profiles and NULL counts: what the writer puts in comes out of the profiler.

#[path = "support/qvd_writer.rs"]
mod qvd_writer;

use std::fs;

use qlineage::qvd::{profile, ProfileOptions, ProfileValue, QvdError, QvdFile, SymbolTypeCounts};
use qvd_writer::{FieldSpec, TableSpec, Value};

fn open(
    table: &TableSpec,
    rows: impl FnMut(u64, &mut [Option<u64>]),
) -> (tempfile::TempDir, QvdFile) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.qvd");
    fs::write(&path, table.to_bytes(rows)).unwrap();
    let file = QvdFile::open(&path).unwrap();
    (dir, file)
}

const ALL_NULLS: ProfileOptions = ProfileOptions {
    top_values: 3,
    count_nulls: true,
};

#[test]
fn every_symbol_type_round_trips() {
    let mixed = FieldSpec::new(
        "Mixed",
        &[
            Value::Int(-7),
            Value::Float(2.5),
            Value::Text("zeta".into()),
            Value::DualInt(20240501, "2024-05-01".into()),
            Value::DualFloat(1234.5, "1 234,50 €".into()),
            Value::Text("Ünïcödé longest text".into()),
        ],
    );
    let table = TableSpec {
        fields: vec![mixed],
        no_of_records: 6,
        ..Default::default()
    };
    let (_dir, file) = open(&table, |row, idx| idx[0] = Some(row));
    let profile = profile(&file, &ALL_NULLS).unwrap();
    let field = &profile.fields[0];

    assert_eq!(field.name, "Mixed");
    assert_eq!(field.distinct_count, 6);
    assert_eq!(
        field.symbol_types,
        SymbolTypeCounts {
            int: 1,
            float: 1,
            text: 2,
            dual_int: 1,
            dual_float: 1
        }
    );
    assert_eq!(field.numeric_min, Some(-7.0));
    assert_eq!(field.numeric_max, Some(20240501.0));
    assert_eq!(field.text_min.as_deref(), Some("1 234,50 €"));
    assert_eq!(field.text_max.as_deref(), Some("Ünïcödé longest text"));
    assert_eq!(field.longest_text.as_deref(), Some("Ünïcödé longest text"));
    assert_eq!(
        field.longest_text_bytes,
        Some("Ünïcödé longest text".len() as u64)
    );
    assert_eq!(
        field.top_values,
        [
            ProfileValue::Int(-7),
            ProfileValue::Float(2.5),
            ProfileValue::Text("zeta".into())
        ]
    );
    assert_eq!(field.null_count, Some(0));
}

/// Odd widths, extra bits, reversed bit order and NULLs through bias -2, across several scan
/// tasks.
#[test]
fn nulls_are_counted_per_field_with_unaligned_bits() {
    let ints: Vec<Value> = (0..5).map(Value::Int).collect();
    let texts: Vec<Value> = (0..300).map(|i| Value::Text(format!("t{i:03}"))).collect();
    let mut small = FieldSpec::new("Small", &ints);
    small.nullable = true; // 3 bits
    let mut wide = FieldSpec::new("Wide", &texts);
    wide.nullable = true;
    wide.extra_bits = 2; // 9 + 2 = 11 bits
    let dense = FieldSpec::new("Dense", &ints); // 3 bits, never NULL
    let mut all_null = FieldSpec::new("AllNull", &[]);
    all_null.nullable = true; // 0 bits, every row NULL
    let rows = 150_000u64;
    let table = TableSpec {
        fields: vec![small, wide, dense, all_null],
        no_of_records: rows,
        reverse_bit_order: true,
        ..Default::default()
    };
    let (_dir, file) = open(&table, |row, idx| {
        idx[0] = (row % 7 != 0).then_some(row % 5);
        idx[1] = (row % 3 != 0).then_some(row % 300);
        idx[2] = Some(row % 5);
        idx[3] = None;
    });
    let header = file.header();
    assert_eq!(
        header
            .fields
            .iter()
            .map(|f| (f.bit_offset, f.bit_width))
            .collect::<Vec<_>>(),
        [(14, 3), (3, 11), (0, 3), (0, 0)]
    );
    let profile = profile(&file, &ALL_NULLS).unwrap();
    let nulls: Vec<Option<u64>> = profile.fields.iter().map(|f| f.null_count).collect();
    let expected = |every: u64| Some(rows.div_ceil(every));
    assert_eq!(nulls, [expected(7), expected(3), Some(0), Some(rows)]);
    assert_eq!(profile.fields[1].distinct_count, 300);
    assert_eq!(profile.fields[1].text_max.as_deref(), Some("t299"));
    assert_eq!(profile.fields[3].distinct_count, 0);
    assert_eq!(profile.fields[3].numeric_min, None);
}

#[test]
fn nulls_are_not_counted_unless_asked() {
    let table = TableSpec {
        fields: vec![FieldSpec::new("A", &[Value::Int(1)])],
        no_of_records: 3,
        ..Default::default()
    };
    let (_dir, file) = open(&table, |_, idx| idx[0] = Some(0));
    let options = ProfileOptions {
        top_values: 1,
        count_nulls: false,
    };
    let profile = profile(&file, &options).unwrap();
    assert_eq!(profile.fields[0].null_count, None);
    assert_eq!(profile.fields[0].top_values, [ProfileValue::Int(1)]);
}

#[test]
fn long_text_is_cut_in_the_profile_but_measured_in_full() {
    let long = "é".repeat(10_000);
    let table = TableSpec {
        fields: vec![FieldSpec::new("Long", &[Value::Text(long.clone())])],
        no_of_records: 1,
        ..Default::default()
    };
    let (_dir, file) = open(&table, |_, idx| idx[0] = Some(0));
    let field = &profile(&file, &ALL_NULLS).unwrap().fields[0];
    assert_eq!(field.longest_text_bytes, Some(long.len() as u64));
    let shown = field.longest_text.as_deref().unwrap();
    assert!(shown.len() <= qlineage::qvd::MAX_TEXT_BYTES && long.starts_with(shown));
}

/// Damages the symbol table bytes of a valid file.
fn damaged(
    symbols: &[Value],
    no_of_symbols: Option<&str>,
    patch: impl Fn(&mut Vec<u8>, usize),
) -> QvdError {
    let table = TableSpec {
        fields: vec![FieldSpec::new("F", symbols)],
        no_of_records: 1,
        ..Default::default()
    };
    let mut bytes = table.to_bytes(|_, idx| idx[0] = Some(0));
    let nul = bytes.iter().position(|&b| b == 0).unwrap();
    if let Some(count) = no_of_symbols {
        let text = String::from_utf8(bytes[..nul].to_vec()).unwrap();
        let text = text.replacen(
            &format!("<NoOfSymbols>{}<", symbols.len()),
            &format!("<NoOfSymbols>{count}<"),
            1,
        );
        bytes = text
            .into_bytes()
            .into_iter()
            .chain(bytes[nul..].iter().copied())
            .collect();
    }
    let nul = bytes.iter().position(|&b| b == 0).unwrap();
    patch(&mut bytes, nul + 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.qvd");
    fs::write(&path, bytes).unwrap();
    let file = QvdFile::open(&path).unwrap();
    profile(&file, &ALL_NULLS).unwrap_err()
}

#[test]
fn damaged_symbol_tables_are_errors() {
    let error = damaged(&[Value::Int(1)], None, |bytes, body| bytes[body] = 9);
    assert!(
        matches!(
            error,
            QvdError::UnknownSymbolType {
                type_byte: 9,
                offset: 0,
                ..
            }
        ),
        "{error}"
    );

    let error = damaged(&[Value::Int(1)], Some("2"), |_, _| {});
    assert!(
        matches!(
            error,
            QvdError::TruncatedSymbols {
                read: 1,
                expected: 2,
                ..
            }
        ),
        "{error}"
    );

    // A text symbol whose terminating NUL is gone runs into the record table and past the end
    // of its own table.
    let error = damaged(&[Value::Text("abc".into())], None, |bytes, body| {
        bytes[body + 4] = b'd'
    });
    assert!(
        matches!(error, QvdError::TruncatedSymbols { read: 0, .. }),
        "{error}"
    );
}
