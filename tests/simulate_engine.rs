//! The engine JSON-RPC API on the simulator, over a real WebSocket with client certificates:
//! notifications, handles, positional and named params, delta, errors, objects and lists.

#[path = "support/sim.rs"]
mod sim;

use serde_json::{json, Value};

fn object_of(dir: &std::path::Path, kind: &str) -> Value {
    sim::objects(dir)
        .into_iter()
        .find(|o| o["qProperty"]["qInfo"]["qType"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {}", dir.display()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_basics_and_errors() {
    let sim = sim::start().await;
    let (dir, app) = sim::dashboard();
    let app_id = app["id"].as_str().unwrap();
    let mut ws = sim.engine(&format!("/app/{app_id}"), None).await;
    let first = ws.recv().await.unwrap();
    assert_eq!(first["method"], "OnConnected");
    assert_eq!(first["params"]["qSessionState"], "SESSION_CREATED");

    let v = ws.call(-1, "EngineVersion", json!([])).await;
    assert!(v["result"]["qVersion"]["qComponentVersion"].is_string());
    let user = ws.call(-1, "GetAuthenticatedUser", json!([])).await;
    assert_eq!(
        user["result"]["qReturn"],
        "UserDirectory=INTERNAL; UserId=sa_repository"
    );
    let missing = ws
        .call(
            -1,
            "OpenDoc",
            json!(["00000000-0000-0000-0000-00000000dead"]),
        )
        .await;
    assert_eq!(missing["error"]["code"], 1003);
    let unknown = ws.call(-1, "NoSuchMethod", json!([])).await;
    assert_eq!(unknown["error"]["code"], -32601);
    let bad_handle = ws.call(42, "GetLayout", json!([])).await;
    assert_eq!(bad_handle["error"]["code"], -32602);

    // Named params, as Python clients send them; unknown members are ignored.
    let opened = ws
        .call_with(json!({"handle": -1, "method": "OpenDoc", "params": {"qDocName": app_id, "qNoData": true}, "outKey": -1}))
        .await;
    assert_eq!(
        opened["result"]["qReturn"],
        json!({"qType": "Doc", "qHandle": 1, "qGenericId": app_id})
    );
    let again = ws.call(-1, "OpenDoc", json!([app_id])).await;
    assert!(
        again["error"]["code"] == 1002 || again["error"]["code"] == 1009,
        "{again}"
    );

    let script = ws.call(1, "GetScript", json!([])).await;
    let want = std::fs::read_to_string(dir.join("script.qvs")).unwrap();
    assert_eq!(
        script["result"]["qScript"],
        json!(want.trim_start_matches('\u{feff}'))
    );
    // Delta: the full value as one root patch.
    let delta = ws
        .call_with(json!({"handle": 1, "method": "GetScript", "params": [], "delta": true}))
        .await;
    assert_eq!(delta["delta"], true);
    assert_eq!(
        delta["result"]["qScript"],
        json!([{"op": "add", "path": "/", "value": want.trim_start_matches('\u{feff}')}])
    );

    let lineage = ws.call(1, "GetLineage", json!([])).await;
    assert_eq!(
        lineage["result"]["qLineage"],
        sim::read_json(&dir.join("lineage.json"))
    );
    // Opened without data: no tables.
    let tk = ws
        .call(
            1,
            "GetTablesAndKeys",
            json!([{"qcx": 0, "qcy": 0}, {"qcx": 0, "qcy": 0}, 0, false, false]),
        )
        .await;
    assert_eq!(tk["result"], json!({"qtr": [], "qk": []}));
    let layout = ws.call(1, "GetAppLayout", json!([])).await;
    assert_eq!(layout["result"]["qLayout"]["qTitle"], app["name"]);
    assert_eq!(layout["result"]["qLayout"]["qIsOpenedWithoutData"], true);
    let nothing = ws.call(1, "GetObject", json!(["no-such-object"])).await;
    assert_eq!(nothing["error"]["code"], 9003);
    let syntax = ws.call(1, "CheckScriptSyntax", json!([])).await;
    assert_eq!(
        syntax["result"]["qErrors"],
        json!([]),
        "the demo scripts parse cleanly"
    );
    let conns = ws.call(1, "GetConnections", json!([])).await;
    let conns = conns["result"]["qConnections"].as_array().unwrap();
    assert!(conns.iter().any(|c| c["qName"] == "AttachedFiles"));
    let id = conns[0]["qId"].as_str().unwrap();
    let one = ws.call(1, "GetConnection", json!([id])).await;
    assert_eq!(one["result"]["qConnection"]["qId"], id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_trees_and_master_items() {
    let sim = sim::start().await;
    let (dir, app) = sim::dashboard();
    let mut ws = sim
        .engine(
            &format!("/app/{}", app["id"].as_str().unwrap()),
            Some("DEMO\\ana"),
        )
        .await;
    let doc = ws.open(app["id"].as_str().unwrap(), false).await;
    let sheet = object_of(&dir, "sheet");
    let sheet_id = sheet["qProperty"]["qInfo"]["qId"].as_str().unwrap();
    let obj = ws.call(doc, "GetObject", json!([sheet_id])).await;
    let h = obj["result"]["qReturn"]["qHandle"].as_i64().unwrap();
    assert_eq!(obj["result"]["qReturn"]["qType"], "GenericObject");
    assert_eq!(obj["result"]["qReturn"]["qGenericType"], "sheet");
    let tree = ws.call(h, "GetFullPropertyTree", json!([])).await;
    let entry = &tree["result"]["qPropEntry"];
    assert_eq!(entry["qProperty"], sheet["qProperty"]);
    assert_eq!(
        entry["qChildren"].as_array().unwrap().len(),
        sheet["qChildren"].as_array().unwrap().len()
    );
    let props = ws.call(h, "GetProperties", json!([])).await;
    assert_eq!(props["result"]["qProp"], sheet["qProperty"]);
    let layout = ws.call(h, "GetLayout", json!([])).await;
    let layout = &layout["result"]["qLayout"];
    assert_eq!(
        layout["qMeta"]["title"],
        sheet["qProperty"]["qMetaDef"]["title"]
    );
    let items = layout["qChildList"]["qItems"].as_array().unwrap();
    assert_eq!(items.len(), sheet["qChildren"].as_array().unwrap().len());
    // Children: infos, GetChild, and a chart's hypercube header.
    let infos = ws.call(h, "GetChildInfos", json!([])).await;
    let first_child = infos["result"]["qInfos"][0]["qId"]
        .as_str()
        .unwrap()
        .to_owned();
    let child = ws.call(h, "GetChild", json!([first_child])).await;
    let ch = child["result"]["qReturn"]["qHandle"].as_i64().unwrap();
    let child_layout = ws.call(ch, "GetLayout", json!([])).await;
    assert_eq!(
        child_layout["result"]["qLayout"]["qInfo"]["qId"],
        json!(first_child)
    );
    // Every chart with a hypercube reports its columns.
    for c in sheet["qChildren"].as_array().unwrap() {
        let def = &c["qProperty"]["qHyperCubeDef"];
        if def.is_null() {
            continue;
        }
        let id = c["qProperty"]["qInfo"]["qId"].as_str().unwrap();
        let o = ws.call(doc, "GetObject", json!([id])).await;
        let oh = o["result"]["qReturn"]["qHandle"].as_i64().unwrap();
        let l = ws.call(oh, "GetLayout", json!([])).await;
        let cube = &l["result"]["qLayout"]["qHyperCube"];
        let dims = def["qDimensions"].as_array().map_or(0, Vec::len);
        let meas = def["qMeasures"].as_array().map_or(0, Vec::len);
        assert_eq!(cube["qSize"]["qcx"], json!(dims + meas), "{id}");
        assert_eq!(cube["qDimensionInfo"].as_array().unwrap().len(), dims);
        for (i, m) in def["qMeasures"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            assert!(
                !cube["qMeasureInfo"][i]["qFallbackTitle"]
                    .as_str()
                    .unwrap()
                    .is_empty()
                    || m["qDef"]["qDef"].as_str() == Some(""),
                "{id}"
            );
        }
    }
    // A master measure.
    let measure = object_of(&dir, "measure");
    let mid = measure["qProperty"]["qInfo"]["qId"].as_str().unwrap();
    let m = ws.call(doc, "GetMeasure", json!([mid])).await;
    assert_eq!(m["result"]["qReturn"]["qType"], "GenericMeasure");
    let mh = m["result"]["qReturn"]["qHandle"].as_i64().unwrap();
    let mp = ws.call(mh, "GetProperties", json!([])).await;
    assert_eq!(mp["result"]["qProp"], measure["qProperty"]);
    let ml = ws.call(mh, "GetLayout", json!([])).await;
    assert_eq!(
        ml["result"]["qLayout"]["qMeasure"],
        measure["qProperty"]["qMeasure"]
    );
    let linked = ws.call(mh, "GetLinkedObjects", json!([])).await;
    assert!(linked["result"]["qItems"].is_array());
    // A master dimension and a variable.
    let dim = object_of(&dir, "dimension");
    let d = ws
        .call(
            doc,
            "GetDimension",
            json!([dim["qProperty"]["qInfo"]["qId"]]),
        )
        .await;
    let dh = d["result"]["qReturn"]["qHandle"].as_i64().unwrap();
    let dl = ws.call(dh, "GetLayout", json!([])).await;
    assert_eq!(dl["result"]["qLayout"]["qDim"], dim["qProperty"]["qDim"]);
    let var = object_of(&dir, "variable");
    let name = var["qProperty"]["qName"].as_str().unwrap();
    let v = ws.call(doc, "GetVariableByName", json!([name])).await;
    let vh = v["result"]["qReturn"]["qHandle"].as_i64().unwrap();
    let vp = ws.call(vh, "GetProperties", json!([])).await;
    assert_eq!(vp["result"]["qProp"], var["qProperty"]);
    // GetAllInfos covers persistent objects and embedded children.
    let all = ws.call(doc, "GetAllInfos", json!([])).await;
    let ids: Vec<&str> = all["result"]["qInfos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["qId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&sheet_id) && ids.contains(&first_child.as_str()) && ids.contains(&mid));
    // With data: the model.
    let model = sim::read_json(&dir.join("model.json"));
    let tk = ws
        .call(
            doc,
            "GetTablesAndKeys",
            json!([{"qcx": 0, "qcy": 0}, {"qcx": 0, "qcy": 0}, 0, false, false]),
        )
        .await;
    assert_eq!(
        tk["result"]["qtr"].as_array().unwrap().len(),
        model["tables"].as_array().unwrap().len()
    );
    let table = &model["tables"][0];
    let field = table["fields"][0]["name"].as_str().unwrap();
    let fd = ws.call(doc, "GetFieldDescription", json!([field])).await;
    assert!(fd["result"]["qReturn"]["qSrcTables"]
        .as_array()
        .unwrap()
        .contains(&table["name"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_object_lists_honour_qdata() {
    let sim = sim::start().await;
    let (dir, app) = sim::dashboard();
    let mut ws = sim
        .engine(
            &format!("/app/{}", app["id"].as_str().unwrap()),
            Some("DEMO\\ana"),
        )
        .await;
    let doc = ws.open(app["id"].as_str().unwrap(), false).await;
    let objects = sim::objects(&dir);
    let count = |kind: &str| {
        objects
            .iter()
            .filter(|o| o["qProperty"]["qInfo"]["qType"] == kind)
            .count()
    };
    let create = |def: Value| json!([def]);
    let r = ws
        .call(doc, "CreateSessionObject", create(json!({"qInfo": {"qType": "MeasureList"}, "qMeasureListDef": {"qType": "measure", "qData": {"measure": "/qMeasure", "title": "/qMetaDef/title"}}})))
        .await;
    let h = r["result"]["qReturn"]["qHandle"].as_i64().unwrap();
    let session_id = r["result"]["qReturn"]["qGenericId"]
        .as_str()
        .unwrap()
        .to_owned();
    let l = ws.call(h, "GetLayout", json!([])).await;
    let items = l["result"]["qLayout"]["qMeasureList"]["qItems"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), count("measure"));
    for item in &items {
        let id = &item["qInfo"]["qId"];
        let site = objects
            .iter()
            .find(|o| &o["qProperty"]["qInfo"]["qId"] == id)
            .unwrap();
        assert_eq!(item["qData"]["measure"], site["qProperty"]["qMeasure"]);
        assert_eq!(
            item["qData"]["title"],
            site["qProperty"]["qMetaDef"]["title"]
        );
    }
    for (def, key, kind) in [
        (
            json!({"qInfo": {"qType": "DimensionList"}, "qDimensionListDef": {"qType": "dimension", "qData": {"dim": "/qDim"}}}),
            "qDimensionList",
            "dimension",
        ),
        (
            json!({"qInfo": {"qType": "VariableList"}, "qVariableListDef": {"qType": "variable", "qShowReserved": true, "qShowConfig": true}}),
            "qVariableList",
            "variable",
        ),
        (
            json!({"qInfo": {"qType": "SheetList"}, "qAppObjectListDef": {"qType": "sheet", "qData": {"title": "/qMetaDef/title", "cells": "/cells"}}}),
            "qAppObjectList",
            "sheet",
        ),
    ] {
        let r = ws.call(doc, "CreateSessionObject", create(def)).await;
        let h = r["result"]["qReturn"]["qHandle"].as_i64().unwrap();
        let l = ws.call(h, "GetLayout", json!([])).await;
        let n = l["result"]["qLayout"][key]["qItems"]
            .as_array()
            .unwrap()
            .len();
        if kind == "sheet" {
            // The demo user may not see other users' private sheets.
            assert!(n <= count(kind) && n > 0, "{key}: {n}");
        } else {
            assert_eq!(n, count(kind), "{key}");
        }
    }
    let fields = ws
        .call(
            doc,
            "CreateSessionObject",
            create(
                json!({"qInfo": {"qType": "FieldList"}, "qFieldListDef": {"qShowSrcTables": true}}),
            ),
        )
        .await;
    let fh = fields["result"]["qReturn"]["qHandle"].as_i64().unwrap();
    let fl = ws.call(fh, "GetLayout", json!([])).await;
    assert!(!fl["result"]["qLayout"]["qFieldList"]["qItems"]
        .as_array()
        .unwrap()
        .is_empty());
    let destroyed = ws
        .call(doc, "DestroySessionObject", json!([session_id]))
        .await;
    assert_eq!(destroyed["result"]["qSuccess"], true);
    assert_eq!(destroyed["close"], json!([h]));
    let gone = ws.call(h, "GetLayout", json!([])).await;
    assert!(gone.get("error").is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_sheets_and_app_access() {
    let sim = sim::start().await;
    // Find a private sheet (neither published nor approved) and its owner.
    let mut found = None;
    for (dir, app) in sim::apps() {
        for o in sim::objects(&dir) {
            if o["qProperty"]["qInfo"]["qType"] == "sheet"
                && o["meta"]["published"] == json!(false)
                && o["meta"]["approved"] == json!(false)
            {
                found = Some((app.clone(), o.clone()));
            }
        }
    }
    let (app, sheet) = found.expect("the demo has a private sheet");
    let app_id = app["id"].as_str().unwrap();
    let owner = sheet["meta"]["owner"].as_str().unwrap();
    let sheet_id = sheet["qProperty"]["qInfo"]["qId"].as_str().unwrap();
    let list = json!([{"qInfo": {"qType": "SheetList"}, "qAppObjectListDef": {"qType": "sheet"}}]);
    let sheets_seen_by = |user: &'static str| {
        let list = list.clone();
        let sim = &sim;
        async move {
            let mut ws = sim.engine(&format!("/app/{app_id}"), Some(user)).await;
            let doc = ws.open(app_id, true).await;
            let r = ws.call(doc, "CreateSessionObject", list).await;
            let h = r["result"]["qReturn"]["qHandle"].as_i64().unwrap();
            let l = ws.call(h, "GetLayout", json!([])).await;
            let ids: Vec<String> = l["result"]["qLayout"]["qAppObjectList"]["qItems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["qInfo"]["qId"].as_str().unwrap().to_owned())
                .collect();
            let direct = ws.call(doc, "GetObject", json!([sheet_id])).await;
            (ids, direct.get("error").is_none())
        }
    };
    let owner: &'static str = Box::leak(owner.to_owned().into_boxed_str());
    let (ids, direct) = sheets_seen_by(owner).await;
    assert!(
        ids.iter().any(|i| i == sheet_id) && direct,
        "the owner sees the private sheet"
    );
    let other = if owner.eq_ignore_ascii_case("DEMO\\ana") {
        "DEMO\\carla"
    } else {
        "DEMO\\ana"
    };
    let (ids, direct) = sheets_seen_by(other).await;
    assert!(
        !ids.iter().any(|i| i == sheet_id) && !direct,
        "{other} must not see it"
    );

    // A user without rights cannot open a published app of a stream they are not granted.
    let mut ws = sim
        .engine(&format!("/app/{app_id}"), Some("DEMO\\gus"))
        .await;
    let denied = ws.call(-1, "OpenDoc", json!([app_id])).await;
    assert_eq!(denied["error"]["code"], 5);
    let docs = ws.call(-1, "GetDocList", json!([])).await;
    assert!(docs["result"]["qDocList"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["qDocId"] != json!(app_id)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_session_lists_docs() {
    let sim = sim::start().await;
    for path in [
        "/app/",
        "/app/engineData",
        "/app/engineData/identity/crawler/ttl/60",
    ] {
        let mut ws = sim.engine(path, None).await;
        let docs = ws.call(-1, "GetDocList", json!([])).await;
        let list = docs["result"]["qDocList"].as_array().unwrap();
        assert_eq!(list.len(), sim::apps().len(), "{path}");
        assert!(list
            .iter()
            .all(|d| d["qDocId"].is_string() && d["qTitle"].is_string()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handles_lists_includes_and_odd_requests() {
    let sim = sim::start().await;
    let (dir, app) = sim::dashboard();
    let app_id = app["id"].as_str().unwrap();
    let mut ws = sim.engine(&format!("/app/{app_id}"), None).await;
    let doc = ws.open(app_id, false).await;
    // One handle per object and session.
    let sheet = object_of(&dir, "sheet");
    let sid = &sheet["qProperty"]["qInfo"]["qId"];
    let a = ws.call(doc, "GetObject", json!([sid])).await;
    let b = ws.call(doc, "GetObject", json!([sid])).await;
    assert_eq!(
        a["result"]["qReturn"]["qHandle"],
        b["result"]["qReturn"]["qHandle"]
    );
    // GetObjects finds charts, which live as sheet children.
    let child_type = sheet["qChildren"][0]["qProperty"]["qInfo"]["qType"].clone();
    let objs = ws
        .call(
            doc,
            "GetObjects",
            json!([{"qTypes": [child_type], "qData": {"all": "/"}}]),
        )
        .await;
    let list = objs["result"]["qList"].as_array().unwrap();
    assert!(
        list.iter()
            .any(|e| e["qInfo"] == sheet["qChildren"][0]["qProperty"]["qInfo"]),
        "{objs}"
    );
    assert!(list
        .iter()
        .all(|e| e["qData"]["all"]["qInfo"] == e["qInfo"]));
    // Include files through their connection; nothing outside.
    let include = ws
        .call(
            doc,
            "GetIncludeFileContent",
            json!(["lib://Scripts/config.qvs"]),
        )
        .await;
    let want = std::fs::read_to_string(sim::site_dir().join("files/Scripts/config.qvs")).unwrap();
    assert_eq!(
        include["result"]["qContent"],
        json!(want.trim_start_matches('\u{feff}'))
    );
    for path in [
        "lib://../site.json",
        "lib://Scripts/../../site.json",
        "lib://NoSuchConnection/x.qvs",
    ] {
        let r = ws.call(doc, "GetIncludeFileContent", json!([path])).await;
        assert!(r.get("error").is_some(), "{path}: {r}");
    }
    // A session object with an odd qInfo still works; SetProperties reports the change.
    let r = ws
        .call(
            doc,
            "CreateSessionObject",
            json!([{"qInfo": "odd", "qMeasureListDef": {"qType": "measure"}}]),
        )
        .await;
    let h = r["result"]["qReturn"]["qHandle"]
        .as_i64()
        .expect("a handle");
    let set = ws
        .call(
            h,
            "SetProperties",
            json!([{"qInfo": {"qType": "x"}, "qDimensionListDef": {"qType": "dimension"}}]),
        )
        .await;
    assert_eq!(set["change"], json!([h]));
    let l = ws.call(h, "GetLayout", json!([])).await;
    assert!(l["result"]["qLayout"]["qDimensionList"]["qItems"].is_array());
    // The doc list names apps by title and id.
    let docs = ws.call(-1, "GetDocList", json!([])).await;
    let entry = docs["result"]["qDocList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["qDocId"] == json!(app_id))
        .unwrap()
        .clone();
    assert_eq!(entry["qDocName"], app["name"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_account_reaches_every_qrs_object_in_the_engine() {
    let sim = sim::start().await;
    let rows = sim
        .qrs_json(
            "/qrs/app/object/full?filter=objectType%20eq%20'sheet'",
            None,
        )
        .await;
    for row in rows.as_array().unwrap() {
        let app_id = row["app"]["id"].as_str().unwrap();
        let mut ws = sim.engine(&format!("/app/{app_id}"), None).await;
        let doc = ws.open(app_id, true).await;
        let r = ws
            .call(doc, "GetObject", json!([row["engineObjectId"]]))
            .await;
        assert!(r.get("error").is_none(), "{row}: {r}");
    }
    // A user's connections are the ones they may read.
    let (_, app) = sim::apps()
        .into_iter()
        .find(|(_, a)| a["stream"] == "Sales")
        .unwrap();
    let app_id = app["id"].as_str().unwrap();
    let mut ws = sim
        .engine(&format!("/app/{app_id}"), Some("DEMO\\ben"))
        .await;
    let doc = ws.open(app_id, true).await;
    let conns = ws.call(doc, "GetConnections", json!([])).await;
    let names: Vec<&str> = conns["result"]["qConnections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["qName"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["AttachedFiles"], "ben owns no connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_port_wants_the_site_client_certificate() {
    let sim = sim::start().await;
    let root = &sim.running.certs.root;
    // No client certificate.
    let none = qlineage::simulate::tls::client_config(root, None).unwrap();
    assert!(sim::connect_ws(none, sim.running.engine, "/app/", &[])
        .await
        .is_err());
    // One from another CA.
    let other = qlineage::simulate::tls::Authority::new("another site").unwrap();
    let (cert, key) = other.issue("QlikClient", &[], false).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (
        dir.path().join("client.pem"),
        dir.path().join("client_key.pem"),
    );
    std::fs::write(&cert_path, cert).unwrap();
    std::fs::write(&key_path, key).unwrap();
    let foreign =
        qlineage::simulate::tls::client_config(root, Some((&cert_path, &key_path))).unwrap();
    let refused = match sim::connect_ws(foreign, sim.running.engine, "/app/", &[]).await {
        Err(_) => true,
        // TLS 1.3 may complete the client's side before the server's alert arrives.
        Ok(mut ws) => ws.recv().await.is_none(),
    };
    assert!(refused);
    // The site's own certificate works.
    let mut ws = sim.engine("/app/", None).await;
    assert_eq!(ws.recv().await.unwrap()["method"], "OnConnected");
}
