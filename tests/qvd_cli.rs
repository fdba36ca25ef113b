//! `qlineage qvd` end to end: JSON Lines output, human output, exit codes.

#[path = "support/qvd_writer.rs"]
mod qvd_writer;

use std::fs;
use std::process::Command;

use qvd_writer::{FieldSpec, TableSpec, Value};

fn fixture_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut field = FieldSpec::new(
        "Region",
        &[Value::Text("North".into()), Value::Text("South".into())],
    );
    field.nullable = true;
    field.tags = vec!["$text".into()];
    let table = TableSpec {
        table_name: "Regions".into(),
        fields: vec![field],
        no_of_records: 3,
        lineage: vec![(r"\\srv\share\regions.csv;".into(), String::new())],
        ..Default::default()
    };
    let bytes = table.to_bytes(|row, idx| idx[0] = (row != 2).then_some(row));
    fs::write(dir.path().join("regions.qvd"), bytes).unwrap();
    dir
}

fn qlineage(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[test]
fn json_lines_carry_header_lineage_and_profile() {
    let dir = fixture_dir();
    let path = dir.path().to_str().unwrap();
    let (code, stdout, _) = qlineage(&["qvd", "--format", "json", "--nulls", path]);
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    let record = &lines[0];
    assert_eq!(record["table_name"], "Regions");
    assert_eq!(record["no_of_records"], 3);
    assert_eq!(
        record["creator_doc"],
        "4ab955bd-02cf-41f3-880d-90b97d2318b5"
    );
    assert_eq!(record["create_utc_time"], "2024-05-01 10:00:00");
    let field = &record["fields"][0];
    assert_eq!(field["name"], "Region");
    assert_eq!(field["no_of_symbols"], 2);
    assert_eq!(field["bias"], -2);
    assert_eq!(field["tags"], serde_json::json!(["$text"]));
    assert_eq!(
        record["lineage"][0]["discriminator"],
        r"\\srv\share\regions.csv;"
    );
    assert_eq!(record["lineage"][0]["source"]["kind"], "file");
    let profile = &record["profile"]["fields"][0];
    assert_eq!(profile["null_count"], 1);
    assert_eq!(profile["top_values"], serde_json::json!(["North", "South"]));
}

#[test]
fn headers_only_leave_profile_null() {
    let dir = fixture_dir();
    let (code, stdout, _) = qlineage(&["qvd", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    let record: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(record["profile"].is_null());
}

#[test]
fn a_bad_file_fails_the_run_but_not_the_scan() {
    let dir = fixture_dir();
    fs::write(dir.path().join("broken.qvd"), "a,b\n1,2\n").unwrap();
    let (code, stdout, stderr) =
        qlineage(&["qvd", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["error"]["kind"], "not_qvd");
    assert_eq!(lines[0]["error"]["code"], "QV004");
    assert_eq!(lines[0]["diagnostics"][0]["code"], "QV004");
    assert_eq!(lines[0]["diagnostics"][0]["severity"], "error");
    assert_eq!(lines[1]["diagnostics"], serde_json::json!([]));
    assert_eq!(lines[1]["table_name"], "Regions");
    assert!(stderr.contains("1 of 2 QVD files failed"), "{stderr}");

    let (code, stdout, _) = qlineage(&["qvd", "--profile", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("error[QV004]: not a QVD file") && stdout.contains("broken.qvd:1:1"),
        "{stdout}"
    );
    // The excerpt shows what the file is instead.
    assert!(stdout.contains("1 | a,b"), "{stdout}");
    assert!(
        stdout.contains("table Regions: 3 rows, 1 fields"),
        "{stdout}"
    );
    assert!(
        stdout.contains("lineage file \\\\srv\\share\\regions.csv"),
        "{stdout}"
    );
    assert!(stdout.contains("profile Region  distinct 2"), "{stdout}");
}

#[test]
fn a_malformed_header_is_shown_at_its_line_in_both_renderers() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("bad_xml.qvd"),
        "<?xml version=\"1.0\"?>\r\n<QvdTableHeader>\r\n  <TableName>x</TabName>\r\n</QvdTableHeader>\r\n\0",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let (_, stdout, _) = qlineage(&["qvd", "--format", "json", path]);
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(line["error"]["kind"], "header_xml");
    let diagnostic = &line["diagnostics"][0];
    assert_eq!(diagnostic["code"], "QV105");
    assert_eq!(
        (diagnostic["line"].as_u64(), diagnostic["column"].as_u64()),
        (Some(3), Some(15))
    );

    let (_, stdout, _) = qlineage(&["qvd", path]);
    assert!(
        stdout.contains("error[QV105]: malformed XML header"),
        "{stdout}"
    );
    assert!(stdout.contains("bad_xml.qvd:3:15"), "{stdout}");
    assert!(stdout.contains("<TableName>x</TabName>"), "{stdout}");
}

#[test]
fn a_missing_table_name_is_a_warning_that_does_not_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("no_name.qvd"),
        "<QvdTableHeader><NoOfRecords>0</NoOfRecords></QvdTableHeader>\n",
    )
    .unwrap();
    let path = dir.path().to_str().unwrap();
    let (code, stdout, _) = qlineage(&["qvd", "--format", "json", path]);
    assert_eq!(code, 0);
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(line["table_name"], "");
    assert_eq!(line["diagnostics"][0]["code"], "QV107");
    assert_eq!(line["diagnostics"][0]["severity"], "warning");

    let (code, stdout, _) = qlineage(&["qvd", path]);
    assert_eq!(code, 0);
    assert!(stdout.contains("table -: 0 rows, 0 fields"), "{stdout}");
    assert!(
        stdout.contains("warning[QV107]: the header has no <TableName>"),
        "{stdout}"
    );
}

#[test]
fn a_missing_or_unreadable_file_exits_2_even_beside_a_malformed_one() {
    let dir = fixture_dir();
    fs::write(dir.path().join("broken.qvd"), "a,b\n1,2\n").unwrap();
    let missing = dir.path().join("missing.qvd");
    let (code, stdout, stderr) = qlineage(&[
        "qvd",
        "--format",
        "json",
        dir.path().to_str().unwrap(),
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("2 of 3 QVD files failed (1 malformed, 1 unreadable)"),
        "{stderr}"
    );
    let kinds: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["error"]["code"].clone())
        .collect();
    assert_eq!(
        kinds,
        [
            serde_json::json!("QV004"),
            serde_json::json!("QV001"),
            serde_json::Value::Null
        ]
    );

    // Malformed files alone are findings: exit 1.
    let (code, _, _) = qlineage(&["qvd", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_named_on_the_command_line_is_unreadable() {
    let dir = fixture_dir();
    let link = dir.path().join("gone.qvd");
    std::os::unix::fs::symlink(dir.path().join("nowhere.qvd"), &link).unwrap();
    let (code, stdout, _) = qlineage(&["qvd", link.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        stdout.contains("error[QV001]: cannot read the file"),
        "{stdout}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_exits_2() {
    let dir = fixture_dir();
    let full = fs::File::create("/dev/full").unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args(["qvd", "--format", "json", dir.path().to_str().unwrap()])
        .stdout(full)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}

#[test]
fn readable_files_exit_0() {
    let dir = fixture_dir();
    let (code, _, stderr) = qlineage(&["qvd", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stderr.contains("1 QVD files read"), "{stderr}");
}

/// Links are followed (shared QVD folders are often linked in); a loop is reported with its
/// path and the run ends with 2 instead of walking forever.
#[cfg(unix)]
#[test]
fn a_symlink_loop_in_a_folder_is_reported_and_linked_folders_are_read() {
    let dir = fixture_dir();
    let shared = tempfile::tempdir().unwrap();
    fs::copy(
        dir.path().join("regions.qvd"),
        shared.path().join("shared.qvd"),
    )
    .unwrap();
    std::os::unix::fs::symlink(shared.path(), dir.path().join("shared")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("again")).unwrap();
    let (code, stdout, _) = qlineage(&["qvd", "--format", "json", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let paths: Vec<&str> = lines.iter().map(|l| l["path"].as_str().unwrap()).collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(paths[0].ends_with("again") && lines[0]["error"]["code"] == "QV001");
    assert!(
        lines[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("symbolic link loops back to"),
        "{}",
        lines[0]
    );
    assert!(paths[1].ends_with("regions.qvd") && paths[2].ends_with("shared/shared.qvd"));
}
