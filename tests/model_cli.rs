//! `qlineage model` end to end: the JSON contract, presets, exit codes.

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

const CONNECTIONS: &[&str] = &[
    "--connections",
    "corpus/model/connections.json",
    "--include-root",
    "corpus/model",
];

#[test]
fn json_has_the_documented_shape() {
    let mut args = vec!["model", "--format", "json"];
    args.extend(CONNECTIONS);
    args.push("corpus/model/preceding-chain.qvs");
    let (code, stdout, stderr) = qlineage(&args);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let app = &doc["apps"][0];
    assert_eq!(app["path"], "corpus/model/preceding-chain.qvs");
    let table = &app["tables"][0];
    assert_eq!(table["name"], "OrderFacts");
    let gross = &table["fields"][1];
    assert_eq!(gross["name"], "GrossAmount");
    assert_eq!(gross["derived_from"][0]["table"], "dbo.OrderLines");
    assert_eq!(gross["derived_from"][0]["field"], "Quantity");
    assert_eq!(gross["derived_from"][0]["transform"], "expression");
    let load = app["loads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "create")
        .unwrap();
    assert_eq!(load["span"]["line"], 5, "the label starts the statement");
    assert_eq!(load["span"]["column"], 1);
    assert_eq!(load["source"]["kind"], "sql");
    assert_eq!(load["source"]["connection"], "SalesDB");
    assert_eq!(load["source"]["sql_tables"][1], "dbo.OrderLines");
    assert_eq!(load["resolved"], true);
    for key in ["stores", "variables", "unresolved", "diagnostics"] {
        assert!(!app[key].is_null(), "{key}");
    }
}

#[test]
fn presets_resolve_runtime_values() {
    let mut args = vec![
        "model",
        "--format",
        "json",
        "--assume-date",
        "2026-01-15",
        "--var",
        "vNeverSet=Archive/",
    ];
    args.extend(CONNECTIONS);
    args.push("corpus/model/variables-expansion.qvs");
    let (code, stdout, stderr) = qlineage(&args);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let stores: Vec<&str> = doc["apps"][0]["stores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        stores,
        [
            "lib://QVD/Extract/Orders_2024.qvd",
            // The script sets no DateFormat: Qlik's default M/D/YYYY applies.
            "lib://QVD/Daily/Orders_1/15/2026.qvd",
            "lib://QVD/Archive/Orders.qvd"
        ]
    );
    assert_eq!(doc["apps"][0]["variables"]["vMulText"], "3*7");
    assert_eq!(doc["apps"][0]["variables"]["vMulValue"], "21");
    assert_eq!(doc["apps"][0]["variables"]["vMonthEnd"], "2/29/2024");
}

#[test]
fn exit_codes() {
    let mut args = vec!["model"];
    args.extend(CONNECTIONS);
    args.push("corpus/model/includes-missing.qvs");
    let (code, stdout, _) = qlineage(&args);
    assert_eq!(code, 1, "a missing Must_Include is an error");
    assert!(stdout.contains("QM102"));
    let (code, _, stderr) = qlineage(&[
        "model",
        "--connections",
        "no-such-file.json",
        "corpus/model/loops.qvs",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-file.json"));
    let (code, _, _) = qlineage(&["model", "corpus/model/no-such-app"]);
    assert_eq!(code, 2);
    let (code, _, stderr) = qlineage(&["model", "--var", "novalue", "corpus/model/loops.qvs"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn qrs_connection_array_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("qrs.json");
    std::fs::write(
        &file,
        r#"[{"name": "SalesDB", "type": "QvOdbcConnectorPackage.exe", "connectionstring": "driver=sqlserver"},
            {"name": "QVD", "type": "folder", "connectionstring": "\\\\srv\\qvd\\"}]"#,
    )
    .unwrap();
    let (code, stdout, stderr) = qlineage(&[
        "model",
        "--format",
        "json",
        "--connections",
        file.to_str().unwrap(),
        "corpus/model/store.qvs",
    ]);
    assert_eq!(
        code, 1,
        "store.qvs stores a table that does not exist: {stderr}"
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        doc["apps"][0]["stores"][0]["resolved_path"],
        "\\\\srv\\qvd\\Extract\\Orders.qvd"
    );
}

#[test]
fn several_paths_are_one_estate_for_binary() {
    let mut args = vec!["model", "--format", "json"];
    args.extend(CONNECTIONS);
    args.push("corpus/model/binary-estate/Sales Model");
    args.push("corpus/model/binary-estate/Sales Dashboard");
    let (code, stdout, stderr) = qlineage(&args);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let dashboard = &doc["apps"][1];
    assert_eq!(
        dashboard["path"],
        "corpus/model/binary-estate/Sales Dashboard"
    );
    let orders = dashboard["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Orders")
        .expect("Orders came with the BINARY");
    let from = &orders["fields"][0]["derived_from"][0];
    assert_eq!(from["table"], "Orders");
    assert_eq!(
        from["source"],
        "binary corpus/model/binary-estate/Sales Model"
    );
    let load = &dashboard["loads"][0];
    assert_eq!(load["kind"], "binary");
    assert_eq!(load["resolved"], true);
    assert_eq!(
        load["source"]["resolved_path"],
        "corpus/model/binary-estate/Sales Model"
    );

    // The same app alone: its BINARY has nothing to load.
    let mut args = vec!["model", "--format", "json"];
    args.extend(CONNECTIONS);
    args.push("corpus/model/binary-estate/Sales Dashboard");
    let (_, stdout, _) = qlineage(&args);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(doc["apps"][0]["loads"][0]["resolved"], false);
}

/// `--mount`: the server share the include and the QVD live on is read from a local folder;
/// the model keeps naming the server's paths.
#[test]
fn mounted_server_folders_are_read_and_keep_server_paths() {
    let mut args = vec!["model", "--format", "json"];
    args.extend(CONNECTIONS);
    args.push("corpus/model/includes-unreadable.qvs");
    let (_, stdout, stderr) = qlineage(&args);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
    let unmounted = doc["apps"][0]["unresolved"].as_array().unwrap().len();
    assert!(
        unmounted >= 3,
        "without a mount the include is unread: {stdout}"
    );

    args.splice(
        3..3,
        [
            "--mount",
            r"\\fileserver\qlik\scripts=corpus/model/includes/server-share",
            "--mount",
            r"\\FILESERVER\qlik\qvd\=corpus/site/files/QVD",
        ],
    );
    let (code, stdout, stderr) = qlineage(&args);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let app = &doc["apps"][0];
    assert_eq!(app["unresolved"], serde_json::json!([]), "{stdout}");
    let load = &app["loads"][0];
    assert_eq!(
        load["source"]["resolved_path"],
        r"\\fileserver\qlik\qvd\Extract\Orders.qvd"
    );
    // LOAD * got its fields from the mounted QVD's header.
    let fields: Vec<&str> = app["tables"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"OrderID"), "{fields:?}");
    assert_eq!(
        app["files"][1]["path"]
            .as_str()
            .map(|p| p.ends_with("config.qvs")),
        Some(true)
    );

    // A mount of a folder that does not exist is a usage error naming it.
    let (code, _, stderr) = qlineage(&["model", "--mount", r"\\fs\q=/no/such/folder", "x.qvs"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("/no/such/folder"), "{stderr}");
}
