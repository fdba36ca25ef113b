//! The `qlineage parse` contract: exit codes, the JSON document, file discovery.

use std::path::Path;
use std::process::Command;

fn qlineage(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run qlineage");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn valid_scripts_exit_zero_with_a_summary() {
    let (code, out, _) = qlineage(&["parse", "corpus/syntax/statements"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.trim_end().ends_with("0 errors, 0 warnings"), "{out}");
}

#[test]
fn errors_exit_one_and_render_with_location() {
    let (code, out, _) = qlineage(&["parse", "corpus/syntax/err/unclosed-if.qvs"]);
    assert_eq!(code, 1);
    assert!(out.contains("error[QS202]"), "{out}");
    assert!(out.contains("corpus/syntax/err/unclosed-if.qvs:"), "{out}");
}

#[test]
fn json_document_has_the_documented_shape() {
    let (code, out, _) = qlineage(&["parse", "--format", "json", "corpus/syntax/err"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
    let files = doc["files"].as_array().unwrap();
    assert!(files.len() >= 15);
    let mut errors = 0;
    for file in files {
        assert!(file["path"].as_str().unwrap().ends_with(".qvs"));
        assert!(file["statements"].is_u64());
        for d in file["diagnostics"].as_array().unwrap() {
            for key in ["severity", "code", "message"] {
                assert!(d[key].is_string(), "{key} in {d}");
            }
            for key in ["line", "column", "end_line", "end_column"] {
                assert!(d[key].as_u64().unwrap() >= 1, "{key} in {d}");
            }
            errors += usize::from(d["severity"] == "error");
        }
    }
    assert_eq!(
        doc["summary"]["files"].as_u64().unwrap() as usize,
        files.len()
    );
    assert_eq!(doc["summary"]["errors"].as_u64().unwrap() as usize, errors);
}

#[test]
fn any_extension_on_the_command_line_and_prj_folders_in_directories() {
    let (code, out, _) = qlineage(&[
        "parse",
        "--format",
        "json",
        "corpus/scripts/legacy-sales-prj",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("LoadScript.txt"), "{out}");
    let (code, _, _) = qlineage(&["parse", "corpus/chart/aggregations.expr"]);
    assert!(
        code == 0 || code == 1,
        "an explicitly named file is parsed whatever its extension"
    );
}

#[test]
fn missing_paths_and_bad_usage_exit_two() {
    let (code, _, err) = qlineage(&["parse", "no/such/file.qvs"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/file.qvs"), "{err}");
    let (code, _, _) = qlineage(&["parse"]);
    assert_eq!(code, 2);
}

#[test]
fn tokens_are_listed() {
    let (code, out, _) = qlineage(&[
        "parse",
        "--tokens",
        "--format",
        "json",
        "corpus/syntax/statements/sleep.qvs",
    ]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tokens = doc[0]["tokens"].as_array().unwrap();
    assert!(
        tokens
            .iter()
            .any(|t| t["kind"] == "Ident"
                && t["text"].as_str().unwrap().eq_ignore_ascii_case("sleep"))
    );
    assert!(Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/syntax/statements/sleep.qvs")
        .exists());
}
