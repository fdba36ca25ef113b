//! The QVD reader never panics, whatever the header says: truncations at every offset, flipped
//! bytes in the XML and in the numbers, huge and negative numbers in every offset, length, bit
//! and count element. Each damaged file is opened, profiled (symbols and NULL counts) and its
//! lineage classified; the outcome must be a record or a typed [`QvdError`] naming the file.
//!
//! The generator is a fixed-seed xorshift, as in `robustness.rs`, so every run checks the same
//! cases; set `QLINEAGE_FUZZ_ROUNDS` for more random cases.

#[path = "support/qvd_writer.rs"]
mod qvd_writer;

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use qlineage::diagnostics::{render_human, to_records};
use qlineage::qvd::{diagnostic_source, read_record, ProfileOptions, QvdError, ScanOptions};
use qvd_writer::{FieldSpec, TableSpec, Value};

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

/// Elements whose numbers decide where the reader looks; each is mutated on its own.
const NUMERIC_ELEMENTS: &[&str] = &[
    "NoOfRecords",
    "RecordByteSize",
    "Offset",
    "Length",
    "BitOffset",
    "BitWidth",
    "NoOfSymbols",
    "Bias",
];

/// Values that sit on the edges of the integer types the reader uses.
const EDGE_NUMBERS: &[&str] = &[
    "0",
    "1",
    "7",
    "8",
    "56",
    "57",
    "63",
    "64",
    "65",
    "255",
    "2147483647",
    "2147483648",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "-1",
    "-2",
    "-9223372036854775808",
    "",
    " 3 ",
    "1e3",
    "0x10",
    "+4",
];

/// Test tables: every symbol type, NULLs, out-of-order and non-minimal bit fields, a record
/// wider than 8 bytes, a header-only table.
fn tables() -> Vec<(&'static str, Vec<u8>)> {
    let mut region = FieldSpec::new(
        "Region",
        &[Value::Text("North".into()), Value::Text("Süd".into())],
    );
    region.nullable = true;
    let id = FieldSpec::new("Id", &[Value::Int(1), Value::Int(2), Value::Int(3)]);
    let simple = TableSpec {
        table_name: "Régions – Süd".into(),
        fields: vec![region, id],
        no_of_records: 6,
        lineage: vec![
            (
                "{ReportingDB (svc)};".into(),
                "SQL SELECT * FROM dbo.R;".into(),
            ),
            ("{STORE - [lib://QVD/R.qvd] (qvd)};".into(), String::new()),
        ],
        ..Default::default()
    };
    let simple_bytes = simple.to_bytes(|row, idx| {
        idx[0] = (row % 3 != 2).then_some(row % 2);
        idx[1] = Some(row % 3);
    });

    let mut fields = vec![
        FieldSpec::new("F", &[Value::Float(1.5), Value::Float(-2.25)]),
        FieldSpec::new(
            "D",
            &[
                Value::DualInt(44000, "2020-06-18".into()),
                Value::DualFloat(0.5, "12:00".into()),
            ],
        ),
        FieldSpec::new("C", &[Value::Text("constant".into())]),
    ];
    for (index, field) in fields.iter_mut().enumerate() {
        field.extra_bits = 13 * index as u32;
        field.nullable = index != 2;
    }
    let wide = TableSpec {
        table_name: "Wide".into(),
        fields,
        no_of_records: 5,
        reverse_bit_order: true,
        header_line_end: "\n",
        ..Default::default()
    };
    let wide_bytes = wide.to_bytes(|row, idx| {
        idx[0] = (row != 1).then_some(row % 2);
        idx[1] = (row != 3).then_some(row % 2);
        idx[2] = Some(0);
    });

    let mut nullable = FieldSpec::new("N", &[]);
    nullable.nullable = true;
    let empty = TableSpec {
        table_name: "Empty".into(),
        fields: vec![FieldSpec::new("A", &[]), nullable],
        ..Default::default()
    };
    let mut empty_bytes = empty.to_bytes(|_, _| {});
    empty_bytes.truncate(empty_bytes.iter().position(|&b| b == 0).unwrap());

    vec![
        ("simple", simple_bytes),
        ("wide", wide_bytes),
        ("header_only", empty_bytes),
    ]
}

/// Runs the whole reader on `bytes`; panics with `case` in the message if the reader panics
/// or returns an error that does not name the file.
fn check(path: &Path, case: &str, bytes: &[u8]) -> Result<(), String> {
    // A fresh file per case: truncating and rewriting one file makes ext4 flush it on close
    // (its replace-by-truncate safeguard), which was most of the run time.
    let _ = fs::remove_file(path);
    fs::write(path, bytes).unwrap();
    let options = ScanOptions {
        profile: Some(ProfileOptions {
            top_values: 3,
            count_nulls: true,
        }),
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| read_record(path, &options)));
    match outcome {
        Err(_) => panic!("the reader panicked on {case}"),
        Ok(Ok(_)) => Ok(()),
        Ok(Err(error)) => {
            describe_error(&error, path, case);
            Err(error.kind().to_string())
        }
    }
}

/// The error is typed, names the file, and renders through both diagnostic renderers, which
/// read the damaged header back for the excerpt.
fn describe_error(error: &QvdError, path: &Path, case: &str) {
    assert!(
        !matches!(error, QvdError::Io { .. }),
        "{case}: an I/O error on a readable file: {error}"
    );
    let text = error.to_string();
    assert!(
        text.contains(&path.display().to_string()),
        "{case}: error does not name the file: {text}"
    );
    let rendered = catch_unwind(AssertUnwindSafe(|| {
        let diagnostic = error.to_diagnostic();
        let source = diagnostic_source(path, &diagnostic);
        let human = render_human(&source, &diagnostic, false);
        let records = to_records(&source, std::slice::from_ref(&diagnostic));
        (human, records.len())
    }));
    match rendered {
        Ok((human, 1)) => assert!(human.contains(error.code().as_str()), "{case}: {human}"),
        Ok((_, n)) => panic!("{case}: {n} JSON records for one diagnostic"),
        Err(_) => panic!("rendering the diagnostic panicked on {case}"),
    }
}

fn header_len(bytes: &[u8]) -> usize {
    bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len())
}

fn rounds() -> usize {
    std::env::var("QLINEAGE_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500)
}

#[test]
fn truncation_at_any_offset_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.qvd");
    let mut cases = 0;
    for (name, bytes) in tables() {
        let has_data = header_len(&bytes) < bytes.len();
        // Every offset in the header's last 200 bytes (where the end is found) and in the body,
        // every third one before that.
        let header_end = header_len(&bytes);
        let dense_from = header_end.saturating_sub(200);
        let offsets = (0..dense_from).step_by(3).chain(dense_from..bytes.len());
        for cut in offsets {
            cases += 1;
            let case = format!("{name} cut at {cut} of {}", bytes.len());
            let outcome = check(&path, &case, &bytes[..cut]);
            // A header-only table stays readable once its close tag is complete.
            let readable_prefix = !has_data && cut >= header_end - 2 && cut != header_end - 1;
            if !readable_prefix {
                assert!(outcome.is_err(), "{case}: read as a valid file");
            }
        }
    }
    eprintln!("{cases} truncation cases");
    assert!(cases > 1000, "{cases}");
}

#[test]
fn every_numeric_element_survives_edge_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("number.qvd");
    let mut cases = 0;
    for (name, bytes) in tables() {
        let header_end = header_len(&bytes);
        let xml = std::str::from_utf8(&bytes[..header_end]).unwrap();
        for element in NUMERIC_ELEMENTS {
            let open = format!("<{element}>");
            let close = format!("</{element}>");
            for (occurrence, (start, _)) in xml.match_indices(&open).enumerate() {
                let value_start = start + open.len();
                let value_end = value_start + xml[value_start..].find(&close).unwrap();
                for value in EDGE_NUMBERS {
                    let mutated = [
                        &xml.as_bytes()[..value_start],
                        value.as_bytes(),
                        &xml.as_bytes()[value_end..],
                        &bytes[header_end..],
                    ]
                    .concat();
                    let case = format!("{name}: <{element}> #{occurrence} = {value:?}");
                    let _ = check(&path, &case, &mutated);
                    cases += 1;
                }
            }
        }
    }
    eprintln!("{cases} numeric cases");
    assert!(cases > 1000, "{cases}");
}

#[test]
fn random_damage_to_header_and_body_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.qvd");
    let tables = tables();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut kinds = std::collections::BTreeSet::new();
    for round in 0..rounds() {
        let (name, original) = &tables[round % tables.len()];
        let mut bytes = original.clone();
        let header_end = header_len(&bytes);
        let description = match rng.below(4) {
            // Flip bytes anywhere in the XML.
            0 => {
                let flips = 1 + rng.below(4);
                for _ in 0..flips {
                    let at = rng.below(header_end);
                    bytes[at] ^= 1 << rng.below(8);
                }
                format!("{flips} bit flips in the header")
            }
            // Replace a digit of some number with another character.
            1 => {
                let digits: Vec<usize> = (0..header_end)
                    .filter(|&i| bytes[i].is_ascii_digit())
                    .collect();
                let at = digits[rng.below(digits.len())];
                let replacement = b"0123456789-<>&\0 x"[rng.below(17)];
                bytes[at] = replacement;
                format!("digit at {at} -> {replacement:#04x}")
            }
            // Several numbers made huge at once.
            2 => {
                let xml = String::from_utf8_lossy(&bytes[..header_end]).into_owned();
                let mut mutated = xml.clone();
                for _ in 0..1 + rng.below(3) {
                    let element = NUMERIC_ELEMENTS[rng.below(NUMERIC_ELEMENTS.len())];
                    let value = EDGE_NUMBERS[rng.below(EDGE_NUMBERS.len())];
                    let open = format!("<{element}>");
                    let starts: Vec<usize> = mutated.match_indices(&open).map(|(i, _)| i).collect();
                    if starts.is_empty() {
                        continue;
                    }
                    let value_start = starts[rng.below(starts.len())] + open.len();
                    let Some(len) = mutated[value_start..].find('<') else {
                        continue;
                    };
                    mutated.replace_range(value_start..value_start + len, value);
                }
                bytes = [mutated.as_bytes(), &original[header_end..]].concat();
                "several numbers replaced".to_string()
            }
            // Flip bytes in the body: symbol type bytes, text terminators, record bits.
            _ => {
                if bytes.len() > header_end + 1 {
                    for _ in 0..1 + rng.below(3) {
                        let at = header_end + 1 + rng.below(bytes.len() - header_end - 1);
                        bytes[at] = rng.next() as u8;
                    }
                }
                "body bytes replaced".to_string()
            }
        };
        let case = format!("round {round} ({name}): {description}");
        if let Err(kind) = check(&path, &case, &bytes) {
            kinds.insert(kind);
        }
    }
    // The damage reaches more than the first check the reader makes.
    assert!(kinds.len() >= 5, "{kinds:?}");
}
