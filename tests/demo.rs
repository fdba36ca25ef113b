//! `qlineage demo` end to end, as a user runs it: the binary simulates the bundled site,
//! crawls it, and writes lineage, exports and previews into a fresh folder. Every file must
//! be readable by what consumes it (our own JSON reader, Graphviz, an XML parser), and every
//! impact command the tour prints must work when pasted into a shell.

#[path = "support/xml.rs"]
mod xml;

use std::path::Path;
use std::process::Command;

use qlineage::lineage::export::json;

#[test]
fn the_demo_writes_working_files_and_its_tour_commands_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo out");
    let run = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args(["demo", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stdout}\n{stderr}");
    // In a pipe the progress stays quiet: the tour on stdout is all there is.
    assert!(stderr.trim().is_empty(), "{stderr}");
    assert!(
        stdout.contains("13 apps crawled (0 failed), 12 sheets"),
        "{stdout}"
    );

    let graph = json::read(&std::fs::read_to_string(out.join("lineage.json")).unwrap())
        .expect("lineage.json reads back");
    assert!(graph.node_count() > 100);

    let dot = Command::new("dot")
        .args(["-Tsvg", "-o"])
        .arg(tmp.path().join("lineage.svg"))
        .arg(out.join("lineage.dot"))
        .output();
    match dot {
        Ok(dot) => assert!(
            dot.status.success(),
            "dot: {}",
            String::from_utf8_lossy(&dot.stderr)
        ),
        Err(_) if std::env::var("QLINEAGE_SKIP_DOT").is_ok_and(|v| v == "1") => {
            eprintln!("skipped: Graphviz `dot` is not installed (QLINEAGE_SKIP_DOT=1)")
        }
        Err(e) => panic!("Graphviz `dot` is needed (.ci/run installs it): {e}"),
    }

    let events = std::fs::read_to_string(out.join("openlineage.jsonl")).unwrap();
    assert!(events.lines().count() >= 10);
    for line in events.lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(event["eventType"].is_string() && event["run"]["runId"].is_string());
    }

    let previews = out.join("previews");
    let index = std::fs::read_to_string(previews.join("index.html")).unwrap();
    let mut svgs = 0;
    for app in std::fs::read_dir(&previews).unwrap() {
        let app = app.unwrap().path();
        if !app.is_dir() {
            continue;
        }
        for sheet in std::fs::read_dir(&app).unwrap() {
            let sheet = sheet.unwrap().path();
            let elements = xml::parse(&std::fs::read_to_string(&sheet).unwrap());
            assert!(elements
                .iter()
                .any(|e| e.attrs.get("class").is_some_and(|c| c == "cell")));
            let relative = sheet
                .strip_prefix(&previews)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            assert!(index.contains(&relative), "index.html links {relative}");
            svgs += 1;
        }
    }
    assert_eq!(svgs, 12);

    // The tour's three impact commands, pasted into a shell with qlineage on the PATH.
    let commands: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("qlineage impact "))
        .collect();
    assert_eq!(commands.len(), 3, "{stdout}");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_qlineage")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for command in commands {
        let ran = Command::new("sh")
            .args(["-c", command])
            .env("PATH", &path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&ran.stdout);
        assert!(
            ran.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&ran.stderr)
        );
        let reached: usize = text
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(reached > 0, "{command} reaches nothing:\n{text}");
    }
}
