//! Header reading, layout checks and the per-file errors of a folder scan, on files made by the
//! test-support writer.

#[path = "support/qvd_writer.rs"]
mod qvd_writer;

use std::fs;
use std::path::{Path, PathBuf};

use qlineage::qvd::{
    profile, read_header, scan, ProfileOptions, QvdError, QvdFile, QvdWarning, ScanOptions,
};
use qlineage::semantic::sources::{classify_lineage, Source};
use qvd_writer::{FieldSpec, TableSpec, Value};

fn sample_table() -> TableSpec {
    let mut name = FieldSpec::new(
        "A057-||-DATBI-||-Ende Gültigkeit",
        &[Value::Text("x".into()), Value::Text("y".into())],
    );
    name.tags = vec!["$text".into(), "$ascii".into()];
    name.comment = "Validity end & <date>".into();
    let mut id = FieldSpec::new("名前 Id", &[Value::Int(1), Value::Int(2), Value::Int(3)]);
    id.tags = vec!["$numeric".into(), "$integer".into(), "$key".into()];
    id.number_format_type = "INTEGER".into();
    TableSpec {
        table_name: "Orders & Lines".into(),
        fields: vec![name, id],
        no_of_records: 4,
        comment: "Table comment".into(),
        reverse_bit_order: true,
        lineage: vec![
            (
                "{STORE - [lib://QVD/Orders.qvd]\r\n (qvd)};".into(),
                String::new(),
            ),
            (
                "{ReportingDB (svc)};".into(),
                "Orders:\r\nLOAD Id, Name;\r\nSQL SELECT Id, Name\r\nFROM Sales.dbo.Orders;".into(),
            ),
            ("INLINE;".into(), String::new()),
        ],
        ..Default::default()
    }
}

fn rows(row: u64, indexes: &mut [Option<u64>]) {
    for (field, index) in indexes.iter_mut().enumerate() {
        *index = Some((row + field as u64) % 2);
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn header_elements_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "orders.qvd", &sample_table().to_bytes(rows));
    let header = read_header(&path).unwrap();

    assert_eq!(header.qv_build_no, "50689");
    assert_eq!(header.creator_doc, "4ab955bd-02cf-41f3-880d-90b97d2318b5");
    assert_eq!(header.create_utc_time, "2024-05-01 10:00:00");
    assert_eq!(header.source_file_size, -1);
    assert_eq!(header.table_name, "Orders & Lines");
    assert_eq!(header.no_of_records, 4);
    assert_eq!(header.record_byte_size, 1);
    assert_eq!(header.comment, "Table comment");
    assert_eq!(header.fields.len(), 2);

    let name = &header.fields[0];
    assert_eq!(name.field_name, "A057-||-DATBI-||-Ende Gültigkeit");
    assert_eq!((name.bit_offset, name.bit_width, name.bias), (2, 1, 0));
    assert_eq!(name.comment, "Validity end & <date>");
    assert_eq!(name.tags, ["$text", "$ascii"]);
    assert_eq!(name.no_of_symbols, 2);

    let id = &header.fields[1];
    assert_eq!(id.field_name, "名前 Id");
    assert_eq!((id.bit_offset, id.bit_width), (0, 2));
    assert_eq!(id.number_format.format_type, "INTEGER");
    assert_eq!(id.offset, name.length);

    assert_eq!(header.lineage.len(), 3);
    // XML normalises line ends, as Qlik's own reader does.
    assert_eq!(
        header.lineage[1].statement,
        "Orders:\nLOAD Id, Name;\nSQL SELECT Id, Name\nFROM Sales.dbo.Orders;"
    );
}

#[test]
fn lineage_of_scan_records_is_classified() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "orders.qvd", &sample_table().to_bytes(rows));
    let scanned = scan(&[dir.path().to_path_buf()], &ScanOptions::default());
    let record = scanned[0].result.as_ref().unwrap();
    // `qvd` keeps the raw entries; `semantic` says what they name.
    let lineage = classify_lineage(&record.lineage);
    let sources: Vec<&Source> = lineage.iter().map(|e| &e.source).collect();
    assert_eq!(
        sources,
        [
            &Source::Store {
                table: None,
                target: "lib://QVD/Orders.qvd".into(),
                format: Some("qvd".into())
            },
            &Source::Connection {
                name: "ReportingDB (svc)".into()
            },
            &Source::Inline,
        ]
    );
    assert_eq!(
        lineage[1].upstream,
        [Source::SqlTable {
            name: "Sales.dbo.Orders".into()
        }]
    );
}

#[test]
fn lf_header_end_and_zero_rows_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let table = TableSpec {
        header_line_end: "\n",
        fields: vec![FieldSpec::new("Only", &[])],
        no_of_records: 0,
        ..Default::default()
    };
    let path = write(dir.path(), "empty_table.qvd", &table.to_bytes(rows));
    let header = read_header(&path).unwrap();
    assert_eq!((header.no_of_records, header.length), (0, 0));
    assert_eq!(header.fields[0].field_name, "Only");
}

/// Each broken file gives its own error kind.
#[test]
fn broken_files_give_their_own_errors() {
    let dir = tempfile::tempdir().unwrap();
    let good = sample_table().to_bytes(rows);
    let nul = good.iter().position(|&b| b == 0).unwrap();
    let text = String::from_utf8(good[..nul].to_vec()).unwrap();

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("csv.qvd", b"Id,Name\n1,a\n".to_vec(), "not_qvd"),
        (
            "lfs.qvd",
            b"version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 123\n".to_vec(),
            "git_lfs_pointer",
        ),
        ("zero.qvd", Vec::new(), "empty"),
        ("blank.qvd", b"  \r\n".to_vec(), "empty"),
        (
            "cut_header.qvd",
            good[..nul / 2].to_vec(),
            "truncated_header",
        ),
        (
            "cut_data.qvd",
            good[..good.len() - 1].to_vec(),
            "truncated_data",
        ),
        (
            "bad_field_offset.qvd",
            text.replacen(
                "<Offset>0</Offset>",
                "<Offset>18446744073709551615</Offset>",
                1,
            )
            .into_bytes()
            .into_iter()
            .chain(good[nul..].iter().copied())
            .collect(),
            "symbol_table_out_of_bounds",
        ),
        (
            "bad_number.qvd",
            text.replacen("<NoOfRecords>4<", "<NoOfRecords>four<", 1)
                .into_bytes()
                .into_iter()
                .chain(good[nul..].iter().copied())
                .collect(),
            "header_number",
        ),
        (
            "too_many_records.qvd",
            text.replacen("<NoOfRecords>4<", "<NoOfRecords>5<", 1)
                .into_bytes()
                .into_iter()
                .chain(good[nul..].iter().copied())
                .collect(),
            "record_table_too_short",
        ),
        (
            "html.qvd",
            b"<html><body>404</body></html>\r\n\0".to_vec(),
            "bad_header_end",
        ),
        (
            "wrong_root.qvd",
            b"<Other></Other><QvdTableHeader></QvdTableHeader>\r\n\0".to_vec(),
            "wrong_root_element",
        ),
    ];
    for (name, bytes, _) in &cases {
        write(dir.path(), name, bytes);
    }
    let good_path = write(dir.path(), "good.qvd", &good);

    let scanned = scan(&[dir.path().to_path_buf()], &ScanOptions::default());
    assert_eq!(scanned.len(), cases.len() + 1);
    for (name, _, kind) in &cases {
        let file = scanned
            .iter()
            .find(|f| f.path.file_name().unwrap() == *name)
            .unwrap();
        let error = file.result.as_ref().unwrap_err();
        assert_eq!(error.kind(), *kind, "{name}: {error}");
        assert!(error.to_string().contains(name), "{error}");
    }
    let good = scanned.iter().find(|f| f.path == good_path).unwrap();
    assert!(good.result.is_ok());
}

#[test]
fn header_without_nul_within_the_cap_is_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"<QvdTableHeader>".to_vec();
    bytes.resize(qlineage::qvd::HEADER_SIZE_CAP as usize + 1, b' ');
    let path = write(dir.path(), "huge.qvd", &bytes);
    assert!(matches!(
        read_header(&path),
        Err(QvdError::HeaderTooLarge { .. })
    ));
}

#[test]
fn scan_walks_folders_for_qvd_names_only_and_reads_named_files() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a").join("b");
    fs::create_dir_all(&nested).unwrap();
    let bytes = sample_table().to_bytes(rows);
    write(&nested, "deep.QVD", &bytes);
    write(dir.path(), "notes.txt", b"not a qvd");
    let named = write(dir.path(), "renamed.bin", &bytes);
    let missing = dir.path().join("missing.qvd");

    let scanned = scan(
        &[dir.path().to_path_buf(), named.clone(), missing.clone()],
        &ScanOptions::default(),
    );
    let paths: Vec<&Path> = scanned.iter().map(|f| f.path.as_path()).collect();
    assert_eq!(
        paths,
        [
            nested.join("deep.QVD").as_path(),
            missing.as_path(),
            named.as_path()
        ]
    );
    assert!(matches!(scanned[1].result, Err(QvdError::Io { .. })));
    assert!(scanned[0].result.is_ok() && scanned[2].result.is_ok());
}

/// The bytes of `table` up to and excluding the header's NUL, with `ending` in place of the
/// writer's `\r\n`: what third-party writers produce for a table without data.
fn header_only(table: &TableSpec, ending: &str) -> Vec<u8> {
    let bytes = table.to_bytes(rows);
    let nul = bytes.iter().position(|&b| b == 0).unwrap();
    let xml = std::str::from_utf8(&bytes[..nul]).unwrap();
    let xml = xml.strip_suffix("\r\n").unwrap();
    format!("{xml}{ending}").into_bytes()
}

#[test]
fn header_only_files_are_read_and_profile_to_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let table = TableSpec {
        table_name: "Empty".into(),
        fields: vec![FieldSpec::new("A", &[]), FieldSpec::new("B", &[])],
        no_of_records: 0,
        ..Default::default()
    };
    for (name, ending) in [("lf.qvd", "\n"), ("crlf.qvd", "\r\n"), ("eof.qvd", "")] {
        let path = write(dir.path(), name, &header_only(&table, ending));
        let file = QvdFile::open(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(file.body().is_empty(), "{name}");
        assert!(file.warnings().is_empty(), "{name}");
        assert_eq!(file.header().table_name, "Empty");
        assert_eq!(file.header().no_of_records, 0);
        let options = ProfileOptions {
            top_values: 5,
            count_nulls: true,
        };
        let profiled = profile(&file, &options).unwrap();
        let names: Vec<&str> = profiled.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        for field in &profiled.fields {
            assert_eq!(field.distinct_count, 0);
            assert_eq!(field.null_count, Some(0));
            assert!(field.top_values.is_empty() && field.numeric_min.is_none());
        }
    }
}

#[test]
fn header_only_file_that_claims_rows_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "stripped.qvd",
        &header_only(&sample_table(), "\r\n"),
    );
    match read_header(&path) {
        Err(QvdError::HeaderOnly {
            no_of_records: 4,
            needed,
            ..
        }) => assert!(needed > 0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_missing_table_name_reads_as_empty_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let good = sample_table().to_bytes(rows);
    let nul = good.iter().position(|&b| b == 0).unwrap();
    let text = std::str::from_utf8(&good[..nul]).unwrap();
    let start = text.find("<TableName>").unwrap();
    let end = text.find("</TableName>").unwrap() + "</TableName>".len();
    let cut = [
        &text.as_bytes()[..start],
        &text.as_bytes()[end..],
        &good[nul..],
    ]
    .concat();
    let path = write(dir.path(), "no_name.qvd", &cut);
    let file = QvdFile::open(&path).unwrap();
    assert_eq!(file.header().table_name, "");
    assert_eq!(file.header().no_of_records, 4);
    assert_eq!(
        file.warnings(),
        [QvdWarning::MissingTableName {
            path: path.clone(),
            element_present: false
        }]
    );
    let record = &scan(&[path], &ScanOptions::default())[0];
    assert_eq!(record.result.as_ref().unwrap().warnings.len(), 1);
}
