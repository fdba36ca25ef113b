//! `qlineage lineage` and `qlineage impact` end to end: the JSON document, the round trip
//! through `impact --graph`, and the errors users meet (bad manual lines, aliases, names).

use std::process::Command;

fn qlineage(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn estate_graph(dir: &std::path::Path) -> String {
    let out = dir.join("estate.json");
    let (code, _, stderr) = qlineage(&[
        "lineage",
        "--connections",
        "corpus/estate/connections.json",
        "--include-root",
        "corpus/estate",
        "--files-root",
        "corpus/estate/files",
        "-o",
        out.to_str().unwrap(),
        "corpus/estate/apps",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("10 apps"), "{stderr}");
    out.to_str().unwrap().to_string()
}

#[test]
fn the_json_document_is_sorted_and_reads_back_for_impact() {
    let dir = tempfile::tempdir().unwrap();
    let graph = estate_graph(dir.path());
    let text = std::fs::read_to_string(&graph).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["format"], "qlineage-lineage/1");
    let ids: Vec<&str> = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    // Deterministic: a second run writes the same bytes.
    let again = estate_graph(dir.path());
    assert_eq!(text, std::fs::read_to_string(again).unwrap());

    // What breaks if the CRM customers table changes: the transform app and the dashboards.
    let (code, stdout, stderr) = qlineage(&[
        "impact",
        "--graph",
        &graph,
        "--format",
        "json",
        "db:crm/crm.dbo.customers",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let impact: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let apps: std::collections::BTreeSet<&str> = impact["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["app"].as_str())
        .collect();
    for app in [
        "corpus/estate/apps/01-extract-crm",
        "corpus/estate/apps/11-transform-customers",
        "corpus/estate/apps/22-dash-customers",
    ] {
        assert!(apps.contains(app), "{app} not in {apps:?}");
    }
    let (code, stdout, _) = qlineage(&[
        "impact",
        "--graph",
        &graph,
        "--upstream",
        "--depth",
        "1",
        "qvd://nas01/qlik/qvd/transform/factsales.qvd",
    ]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("app corpus/estate/apps/12-transform-sales"),
        "{stdout}"
    );
}

#[test]
fn names_that_match_several_nodes_list_them() {
    let dir = tempfile::tempdir().unwrap();
    let graph = estate_graph(dir.path());
    let (code, _, stderr) = qlineage(&["impact", "--graph", &graph, "CustomerID"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("names") && stderr.contains("/field/CustomerID"),
        "{stderr}"
    );
    let (code, _, stderr) = qlineage(&["impact", "--graph", &graph, "NoSuchThing"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no node"), "{stderr}");
    let (code, _, stderr) = qlineage(&["impact", "--graph", "Cargo.toml", "x"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("Cargo.toml"), "{stderr}");
}

#[test]
fn bad_manual_lines_and_aliases_are_usage_errors_with_a_location() {
    let dir = tempfile::tempdir().unwrap();
    let manual = dir.path().join("manual.toml");
    std::fs::write(
        &manual,
        "[[edge]]\nfrom = \"qvd://nowhere/x.qvd\"\nto = \"ext:bi\"\n",
    )
    .unwrap();
    let (code, _, stderr) = qlineage(&[
        "lineage",
        "--manual",
        manual.to_str().unwrap(),
        "corpus/lineage/qvd-chain",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("manual.toml:1:") && stderr.contains("qvd://nowhere/x.qvd"),
        "{stderr}"
    );
    std::fs::write(&manual, "[[edge]]\nfrom = \"a\"\nto = \"b\"\nweight = 3\n").unwrap();
    let (code, _, stderr) = qlineage(&[
        "lineage",
        "--manual",
        manual.to_str().unwrap(),
        "corpus/lineage/qvd-chain",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("manual.toml:4:1") && stderr.contains("weight"),
        "{stderr}"
    );
    let (code, _, stderr) = qlineage(&[
        "lineage",
        "--alias",
        "no-equals",
        "corpus/lineage/qvd-chain",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no-equals"), "{stderr}");
    let (code, _, stderr) = qlineage(&[
        "lineage",
        "--script-log",
        "nope=Cargo.toml",
        "corpus/lineage/qvd-chain",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no app `nope`"), "{stderr}");
    let (code, _, stderr) = qlineage(&["lineage", "corpus/no-such-folder"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-folder"), "{stderr}");
}
