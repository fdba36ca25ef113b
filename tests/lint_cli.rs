//! `qlineage lint` and `qlineage rules` as a CI job runs them: exit codes, configuration
//! discovery, suppressions, every output format (SARIF checked by Microsoft's SARIF Multitool,
//! installed from npm into `<CARGO_TARGET_TMPDIR>/sarif-multitool/`), stable fingerprints, and
//! no secret in any output.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn qlineage(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("runs the binary")
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, text).unwrap();
    path
}

const CLEAN: &str = "Orders:\nLOAD * INLINE [\nOrderID\n1\n];\n";
const WARNING: &str = "LIB CONNECT TO 'SalesDB';\nOrders:\nSQL SELECT * FROM dbo.Orders;\n";
const ERROR: &str = "Orders:\nLOAD * INLINE [\nOrderID\n1\n];\nDROP TABLE Order;\n";

#[test]
fn exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "clean.qvs", CLEAN);
    write(d, "warning.qvs", WARNING);
    write(d, "error.qvs", ERROR);
    assert_eq!(code(&qlineage(&["lint", "clean.qvs"], d)), 0);
    let warned = qlineage(&["lint", "warning.qvs"], d);
    assert_eq!(code(&warned), 0, "warnings do not fail by default");
    assert!(
        stdout(&warned).contains("warning[QL302]"),
        "{}",
        stdout(&warned)
    );
    assert_eq!(
        code(&qlineage(&["lint", "--deny", "warnings", "warning.qvs"], d)),
        1
    );
    assert_eq!(code(&qlineage(&["lint", "error.qvs"], d)), 1);
    assert_eq!(
        code(&qlineage(
            &["lint", "--ignore", "unknown-table", "error.qvs"],
            d
        )),
        0
    );
    assert_eq!(
        code(&qlineage(&["lint", "--select", "QL3", "error.qvs"], d)),
        0
    );
    // Usage and I/O errors.
    assert_eq!(code(&qlineage(&["lint", "missing.qvs"], d)), 2);
    let bad = qlineage(&["lint", "--select", "QL999", "clean.qvs"], d);
    assert_eq!(code(&bad), 2);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("QL999"));
    assert_eq!(
        code(&qlineage(&["lint", "--format", "nope", "clean.qvs"], d)),
        2
    );
}

#[test]
fn configuration_is_found_upwards_and_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "qlineage.toml",
        "[lint]\nignore = [\"QL106\"]\nfail-on = \"warning\"\n\n[lint.rules.select-star]\nseverity = \"error\"\n\n[[lint.overrides]]\npaths = [\"legacy/*\"]\nignore = [\"select-star\"]\n",
    );
    write(d, "apps/sales/error.qvs", ERROR);
    write(d, "apps/sales/warning.qvs", WARNING);
    write(d, "legacy/warning.qvs", WARNING);
    // Found from the linted path upwards, whatever the working directory.
    let elsewhere = tempfile::tempdir().unwrap();
    let error = d.join("apps/sales/error.qvs");
    assert_eq!(
        code(&qlineage(
            &["lint", error.to_str().unwrap()],
            elsewhere.path()
        )),
        0,
        "QL106 ignored by the file"
    );
    let warn = qlineage(
        &["lint", d.join("apps/sales/warning.qvs").to_str().unwrap()],
        elsewhere.path(),
    );
    assert_eq!(code(&warn), 1);
    assert!(
        stdout(&warn).contains("error[QL302]"),
        "severity raised by the file: {}",
        stdout(&warn)
    );
    let legacy = qlineage(
        &["lint", d.join("legacy/warning.qvs").to_str().unwrap()],
        elsewhere.path(),
    );
    assert_eq!(
        code(&legacy),
        0,
        "override ignores select-star under legacy/: {}",
        stdout(&legacy)
    );
    // --no-config, and a broken file is a usage error naming it.
    assert_eq!(
        code(&qlineage(
            &["lint", "--no-config", error.to_str().unwrap()],
            elsewhere.path()
        )),
        1
    );
    write(d, "broken/qlineage.toml", "[lint]\nselect = \"QL1\"\n");
    write(d, "broken/a.qvs", CLEAN);
    let broken = qlineage(
        &["lint", d.join("broken/a.qvs").to_str().unwrap()],
        elsewhere.path(),
    );
    assert_eq!(code(&broken), 2);
    assert!(String::from_utf8_lossy(&broken.stderr).contains("qlineage.toml"));
}

#[test]
fn inline_and_file_suppressions() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "file.qvs",
        &format!("// qlineage: ignore-file unknown-table\n{ERROR}"),
    );
    assert_eq!(code(&qlineage(&["lint", "file.qvs"], d)), 0);
    write(
        d,
        "line.qvs",
        &format!("{}DROP TABLE Order; // qlineage: ignore QL106\n", &CLEAN),
    );
    assert_eq!(code(&qlineage(&["lint", "line.qvs"], d)), 0);
    write(
        d,
        "before.qvs",
        &format!("{}// qlineage: ignore QL106\nDROP TABLE Order;\n", &CLEAN),
    );
    assert_eq!(code(&qlineage(&["lint", "before.qvs"], d)), 0);
    // Placed before another statement, it does not reach the DROP, and is reported unused.
    write(
        d,
        "misplaced.qvs",
        &format!("// qlineage: ignore QL106\n{ERROR}"),
    );
    let out = qlineage(&["lint", "misplaced.qvs"], d);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("QL501"), "{}", stdout(&out));
}

#[test]
fn json_github_and_junit_formats() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "a.qvs", ERROR);
    write(d, "b.qvs", CLEAN);
    let json: serde_json::Value = serde_json::from_slice(
        &qlineage(&["lint", "--format", "json", "a.qvs", "b.qvs"], d).stdout,
    )
    .unwrap();
    assert_eq!(json["version"], 1);
    let f = &json["findings"][0];
    assert_eq!(f["code"], "QL106");
    assert_eq!(f["name"], "unknown-table");
    assert_eq!(f["severity"], "error");
    assert_eq!(
        (f["path"].as_str(), f["line"].as_u64(), f["column"].as_u64()),
        (Some("a.qvs"), Some(6), Some(1))
    );
    assert_eq!(f["help"], "did you mean `Orders`?");
    assert_eq!(json["summary"]["errors"], 1);
    assert_eq!(json["summary"]["failed"], true);

    let github = stdout(&qlineage(&["lint", "--format", "github", "a.qvs"], d));
    assert_eq!(
        github.lines().next().unwrap(),
        "::error file=a.qvs,line=6,col=1,endLine=6,endColumn=18,title=QL106 unknown-table::DROP TABLE names table `Order`, which does not exist at this point%0Ahelp: did you mean `Orders`?"
    );

    let junit = stdout(&qlineage(
        &["lint", "--format", "junit", "a.qvs", "b.qvs"],
        d,
    ));
    // Well-formed XML with one test case per file and one failure.
    let mut reader = quick_xml::Reader::from_str(&junit);
    let (mut cases, mut failures) = (0, 0);
    loop {
        match reader.read_event().expect("well-formed JUnit XML") {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    b"testcase" => cases += 1,
                    b"failure" => failures += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!((cases, failures), (2, 1), "{junit}");
}

#[test]
fn secrets_never_reach_any_output() {
    let d = root();
    let case = "corpus/lint/hardcoded-credentials/positive.qvs";
    for format in ["human", "json", "sarif", "github", "junit"] {
        let out = qlineage(&["lint", "--format", format, case], &d);
        assert_eq!(code(&out), 1);
        let text = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("QL401"), "{format}");
        assert!(
            !text.contains("NotReal"),
            "{format} output shows a secret:\n{text}"
        );
    }
}

#[test]
fn rules_catalogue() {
    let out = qlineage(&["rules", "--format", "json"], &root());
    assert_eq!(code(&out), 0);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = json["rules"].as_array().unwrap();
    assert!(rules.len() >= 30);
    for r in rules {
        for key in [
            "code",
            "name",
            "category",
            "severity",
            "stability",
            "summary",
            "why",
            "example",
            "fix",
        ] {
            assert!(r[key].as_str().is_some_and(|s| !s.is_empty()), "{r}");
        }
    }
    let markdown = stdout(&qlineage(&["rules"], &root()));
    assert_eq!(
        markdown,
        fs::read_to_string(root().join("docs/rules.md")).unwrap()
    );
}

/// Every positive case of the corpus, linted together into one SARIF log.
fn corpus_sarif(dir: &Path, extra_top_line: bool) -> serde_json::Value {
    let mut args: Vec<String> = vec![
        "lint".into(),
        "--preview".into(),
        "--format".into(),
        "sarif".into(),
        "--connections".into(),
        "connections.json".into(),
    ];
    let cases = root().join("corpus/lint");
    let mut names: Vec<String> = fs::read_dir(&cases)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| cases.join(n).join("positive.qvs").is_file())
        .collect();
    names.sort();
    for n in &names {
        let mut text = fs::read_to_string(cases.join(n).join("positive.qvs")).unwrap();
        if extra_top_line {
            text.insert_str(0, "// an edit above every finding\n\n");
        }
        write(dir, &format!("{n}/positive.qvs"), &text);
        args.push(format!("{n}/positive.qvs"));
    }
    fs::copy(cases.join("connections.json"), dir.join("connections.json")).unwrap();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = qlineage(&refs, dir);
    assert_eq!(code(&out), 1);
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

fn fingerprints(sarif: &serde_json::Value) -> Vec<String> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["ruleId"], r["partialFingerprints"]["qlineageFingerprint/v1"]
            )
        })
        .collect()
}

#[test]
fn sarif_fingerprints_survive_edits_elsewhere() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let before = corpus_sarif(a.path(), false);
    let after = corpus_sarif(b.path(), true);
    assert!(fingerprints(&before).len() >= 30);
    assert_eq!(fingerprints(&before), fingerprints(&after));
    let results = before["runs"][0]["results"].as_array().unwrap();
    let mut unique = fingerprints(&before);
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), results.len(), "fingerprints are unique");
    // What GitHub code scanning needs: relative URIs, rule help, levels it knows.
    for r in results {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(!uri.starts_with('/') && !uri.contains(':'), "{uri}");
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
    }
    for rule in before["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
    {
        assert!(rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    }
}

fn npm() -> &'static str {
    if cfg!(windows) {
        "npm.cmd"
    } else {
        "npm"
    }
}

/// Installs the pinned SARIF Multitool unless the same package.json is installed already.
fn multitool() -> Option<PathBuf> {
    if Command::new(npm()).arg("--version").output().is_err() {
        if std::env::var("QLINEAGE_SKIP_SARIF").as_deref() == Ok("1") {
            eprintln!("notice: npm not found; SARIF validation skipped (QLINEAGE_SKIP_SARIF=1)");
            return None;
        }
        panic!("npm (Node.js) is needed to install Microsoft's SARIF Multitool for this test; .ci/run installs it. Set QLINEAGE_SKIP_SARIF=1 to skip.");
    }
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif-multitool");
    fs::create_dir_all(&cache).unwrap();
    let package = fs::read(root().join("tests/sarif/package.json")).unwrap();
    let stamp = cache.join(".installed-package.json");
    let bin = cache.join("node_modules/.bin/sarif-multitool");
    if !(bin.exists() && fs::read(&stamp).ok().as_deref() == Some(package.as_slice())) {
        fs::write(cache.join("package.json"), &package).unwrap();
        let out = Command::new(npm())
            .args(["install", "--no-audit", "--no-fund", "--silent"])
            .current_dir(&cache)
            .stdin(Stdio::null())
            .output()
            .expect("runs npm");
        assert!(
            out.status.success(),
            "npm install of @microsoft/sarif-multitool failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        fs::write(&stamp, &package).unwrap();
    }
    Some(bin)
}

#[test]
fn sarif_passes_the_sarif_multitool_validator() {
    let Some(tool) = multitool() else { return };
    let work = tempfile::tempdir().unwrap();
    let sarif = corpus_sarif(work.path(), false);
    let input = work.path().join("qlineage.sarif");
    fs::write(&input, serde_json::to_vec_pretty(&sarif).unwrap()).unwrap();
    let report = work.path().join("validation.sarif");
    let out = Command::new(&tool)
        .args([
            "validate",
            input.to_str().unwrap(),
            "--output",
            report.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .output()
        .expect("runs sarif-multitool");
    let console = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "sarif-multitool failed:\n{console}");
    let validation: serde_json::Value =
        serde_json::from_slice(&fs::read(&report).expect("validation log written")).unwrap();
    let errors: Vec<&serde_json::Value> = validation["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "error")
        .collect();
    assert!(
        errors.is_empty(),
        "the validator rejects the SARIF log:\n{console}"
    );
    // Its schema check must have run: a broken log is rejected by the same command.
    let broken = work.path().join("broken.sarif");
    fs::write(
        &broken,
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{}},"results":[{"level":"fatal"}]}]}"#,
    )
    .unwrap();
    let broken_report = work.path().join("broken-validation.sarif");
    Command::new(&tool)
        .args([
            "validate",
            broken.to_str().unwrap(),
            "--output",
            broken_report.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&broken_report).unwrap()).unwrap();
    assert!(v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["level"] == "error"));
}

/// Many apps through pipes (as CI runs them): no progress bar, spinner or terminal control
/// sequence reaches stdout or stderr, whatever the format.
#[test]
fn piped_output_has_no_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for i in 0..12 {
        write(
            d,
            &format!("apps/app{i:02}.qvs"),
            if i % 2 == 0 { CLEAN } else { ERROR },
        );
    }
    for format in ["human", "json", "sarif", "github", "junit"] {
        let out = qlineage(&["lint", "--format", format, "apps"], d);
        assert_eq!(code(&out), 1, "{format}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.is_empty(),
            "{format}: stderr is not empty: {stderr:?}"
        );
        let text = stdout(&out);
        assert!(text.contains("QL106"), "{format}: {text}");
        for mark in [
            '\r', '\u{1b}', '█', '░', '⠁', '⠂', '⠄', '⡀', '⢀', '⠠', '⠐', '⠈',
        ] {
            assert!(
                !text.contains(mark),
                "{format}: progress mark {mark:?} in {text:?}"
            );
        }
        assert!(
            !text.contains("linting ") && !text.contains("resolving "),
            "{format}"
        );
    }
}

/// On a terminal the same run shows its progress on stderr (a pseudo-terminal from util-linux's
/// `script`, part of every Debian system), and clears it before the report.
#[cfg(all(unix, any(feature = "crawl", feature = "catalog")))]
#[test]
fn a_terminal_shows_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for i in 0..12 {
        write(d, &format!("apps/app{i:02}.qvs"), CLEAN);
    }
    let bin = env!("CARGO_BIN_EXE_qlineage").replace('\'', "'\\''");
    let out = Command::new("script")
        .args([
            "-qec",
            &format!("'{bin}' lint apps > /dev/null"),
            "/dev/null",
        ])
        .current_dir(d)
        .stdin(Stdio::null())
        .output()
        .expect("util-linux `script` runs (it gives the command a terminal)");
    let terminal = stdout(&out);
    assert!(
        terminal.contains("resolving 12 apps") && terminal.contains("/12 apps"),
        "{terminal:?}"
    );
}
