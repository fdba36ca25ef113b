//! QRS on the simulator, over real TLS with client certificates: Xrfkey, condensed vs full,
//! filters and orderby, counts, access rules, and certificate checks.

#[path = "support/sim.rs"]
mod sim;

use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xrfkey_is_mandatory_and_must_match() {
    let sim = sim::start().await;
    let client = sim.cert_client();
    let get = |url: String, header: Option<&'static str>| {
        let mut r = client.get(url);
        if let Some(h) = header {
            r = r.header("X-Qlik-Xrfkey", h);
        }
        r.send()
    };
    let ok = get(
        sim.qrs_url(&format!("/qrs/about?xrfkey={}", sim::XRF)),
        Some(sim::XRF),
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), 200);
    let about: Value = ok.json().await.unwrap();
    assert_eq!(about["schemaPath"], "About");
    // Either spelling of the parameter.
    let upper = get(
        sim.qrs_url(&format!("/qrs/about?Xrfkey={}", sim::XRF)),
        Some(sim::XRF),
    )
    .await
    .unwrap();
    assert_eq!(upper.status(), 200);
    for (url, header) in [
        (sim.qrs_url("/qrs/about"), Some(sim::XRF)),
        (
            sim.qrs_url(&format!("/qrs/about?xrfkey={}", sim::XRF)),
            None,
        ),
        (
            sim.qrs_url(&format!("/qrs/about?xrfkey={}", sim::XRF)),
            Some("zzzzzzzzzzzzzzzz"),
        ),
        (sim.qrs_url("/qrs/about?xrfkey=short"), Some("short")),
    ] {
        assert_eq!(
            get(url.clone(), header).await.unwrap().status(),
            403,
            "{url}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_full_condensed_count_and_never_published() {
    let sim = sim::start().await;
    let full = sim.qrs_json("/qrs/app/full", None).await;
    let condensed = sim.qrs_json("/qrs/app", None).await;
    let site_apps = sim::apps();
    assert_eq!(full.as_array().unwrap().len(), site_apps.len());
    assert_eq!(condensed.as_array().unwrap().len(), site_apps.len());
    let count = sim.qrs_json("/qrs/app/count", None).await;
    assert_eq!(count, json!({"value": site_apps.len()}));
    // Condensed entities lack the full-only members.
    assert!(full[0].get("owner").is_some() && condensed[0].get("owner").is_none());
    assert_eq!(full[0]["schemaPath"], "App");
    for (_, app) in &site_apps {
        let entity = full
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == app["id"])
            .unwrap();
        assert_eq!(entity["name"], app["name"]);
        if app["published"] == json!(false) {
            assert_eq!(entity["publishTime"], "1753-01-01T00:00:00.000Z");
            assert_eq!(entity["stream"], Value::Null);
        } else {
            assert_eq!(entity["stream"]["name"], app["stream"]);
            assert_eq!(entity["publishTime"], app["publishTime"]);
        }
        // ISO dates with milliseconds.
        let modified = entity["modifiedDate"].as_str().unwrap();
        assert!(
            modified.len() == 24 && modified.ends_with('Z') && &modified[19..20] == ".",
            "{modified}"
        );
        let one = sim
            .qrs_json(&format!("/qrs/app/{}", app["id"].as_str().unwrap()), None)
            .await;
        assert_eq!(&one, entity);
    }
    let (status, _) = sim
        .qrs("/qrs/app/00000000-0000-0000-0000-000000000001", None)
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_and_orderby() {
    let sim = sim::start().await;
    let site_apps = sim::apps();
    let published = site_apps
        .iter()
        .filter(|(_, a)| a["published"] == json!(true))
        .count();
    let got = sim
        .qrs_json("/qrs/app/full?filter=published%20eq%20true", None)
        .await;
    assert_eq!(got.as_array().unwrap().len(), published);
    let sales = site_apps
        .iter()
        .filter(|(_, a)| a["stream"] == json!("Sales"))
        .count();
    let got = sim
        .qrs_json("/qrs/app?filter=stream.name%20eq%20'sales'", None)
        .await;
    assert_eq!(
        got.as_array().unwrap().len(),
        sales,
        "string comparison is case-insensitive"
    );
    let (first_dir, first) = &site_apps[0];
    let _ = first_dir;
    let id = first["id"].as_str().unwrap();
    let got = sim
        .qrs_json(&format!("/qrs/app/full?filter=id%20eq%20{id}"), None)
        .await;
    assert_eq!(got.as_array().unwrap().len(), 1, "bare GUID");
    let got = sim
        .qrs_json(&format!("/qrs/app/object/full?filter=app.id%20eq%20{id}%20and%20(objectType%20eq%20'sheet'%20or%20objectType%20eq%20'app_appscript')"), None)
        .await;
    assert!(got
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["app"]["id"] == first["id"]));
    assert!(got
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["engineObjectId"] == "qvapp_appscript"));
    let recent = sim
        .qrs_json(
            "/qrs/app/full?filter=modifiedDate%20gt%20'2100-01-01T00:00:00.000Z'",
            None,
        )
        .await;
    assert_eq!(recent, json!([]));
    let all = sim
        .qrs_json(
            "/qrs/app/full?filter=modifiedDate%20gt%20'1900-01-01%2000:00:00'",
            None,
        )
        .await;
    assert_eq!(all.as_array().unwrap().len(), site_apps.len());
    // Unknown property and syntax errors are 400s.
    for bad in [
        "nosuchproperty%20eq%20'x'",
        "name%20eq",
        "name%20eq%20'open",
        "published%20eq%20'maybe'",
    ] {
        let (status, body) = sim.qrs(&format!("/qrs/app?filter={bad}"), None).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    // orderby
    let ordered = sim.qrs_json("/qrs/app?orderby=name%20desc", None).await;
    let names: Vec<String> = ordered
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(names, sorted);
    let (status, _) = sim.qrs("/qrs/app?orderby=bogus", None).await;
    assert_eq!(status, 400);
    // Reload tasks have no owner, so filtering on one is an unknown property.
    let (status, _) = sim
        .qrs(
            "/qrs/reloadtask/full?filter=owner.userId%20eq%20'ana'",
            None,
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_qlik_user_header_is_refused_not_promoted() {
    let sim = sim::start().await;
    let url = sim.qrs_url(&format!("/qrs/app?xrfkey={}", sim::XRF));
    for header in ["garbage", "UserDirectory=DEMO", "UserId=ben"] {
        let r = sim
            .cert_client()
            .get(&url)
            .header("X-Qlik-Xrfkey", sim::XRF)
            .header("X-Qlik-User", header)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{header}");
    }
    // A trailing semicolon is fine and still means ben, not the service account.
    let r = sim
        .cert_client()
        .get(&url)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .header("X-Qlik-User", "UserDirectory=DEMO; UserId=ben;")
        .send()
        .await
        .unwrap();
    let apps: Value = r.json().await.unwrap();
    assert!(apps.as_array().unwrap().len() < sim::apps().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_collections() {
    let sim = sim::start().await;
    let site = sim::read_json(&sim::site_dir().join("site.json"));
    let streams = sim.qrs_json("/qrs/stream/full", None).await;
    assert_eq!(
        streams.as_array().unwrap().len(),
        site["streams"].as_array().unwrap().len()
    );
    assert_eq!(streams[0]["schemaPath"], "Stream");
    let connections = sim.qrs_json("/qrs/dataconnection/full", None).await;
    assert_eq!(
        connections.as_array().unwrap().len(),
        site["data_connections"].as_array().unwrap().len()
    );
    assert!(connections
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["password"] == "" && c.get("connectionstring").is_some()));
    let tasks = sim.qrs_json("/qrs/reloadtask/full", None).await;
    let with_reload = sim::apps()
        .iter()
        .filter(|(_, a)| a.get("reload").is_some())
        .count();
    assert_eq!(tasks.as_array().unwrap().len(), with_reload);
    // The two-step script log download.
    let task = &tasks[0];
    let reference = task["operational"]["lastExecutionResult"]["fileReferenceID"]
        .as_str()
        .unwrap();
    let step1 = sim
        .qrs_json(
            &format!(
                "/qrs/reloadtask/{}/scriptlog?fileReferenceId={reference}",
                task["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    let (status, log) = sim
        .qrs(
            &format!(
                "/qrs/download/reloadtask/{}/log.log",
                step1["value"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(log.contains("Execution started."), "{log}");
    let objects = sim
        .qrs_json(
            "/qrs/app/object/full?filter=objectType%20eq%20'sheet'",
            None,
        )
        .await;
    let sheets: usize = sim::apps()
        .iter()
        .map(|(dir, _)| {
            sim::objects(dir)
                .iter()
                .filter(|o| o["qProperty"]["qInfo"]["qType"] == "sheet")
                .count()
        })
        .sum();
    assert_eq!(
        objects.as_array().unwrap().len(),
        sheets,
        "the service account sees every sheet"
    );
    let (status, _) = sim.qrs("/qrs/nosuchthing", None).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_rules_follow_the_site() {
    let sim = sim::start().await;
    let site = sim::read_json(&sim::site_dir().join("site.json"));
    for user in site["users"].as_array().unwrap() {
        let name = user["user"].as_str().unwrap();
        let admin = user["root_admin"] == json!(true);
        let granted: Vec<String> = user["streams"]
            .as_array()
            .map(|s| {
                s.iter()
                    .map(|v| v.as_str().unwrap().to_lowercase())
                    .collect()
            })
            .unwrap_or_default();
        let sees_stream =
            |s: &str| admin || granted.iter().any(|g| g == "*" || g == &s.to_lowercase());
        let streams = sim.qrs_json("/qrs/stream", Some(name)).await;
        let want: usize = site["streams"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| sees_stream(s["name"].as_str().unwrap()))
            .count();
        assert_eq!(streams.as_array().unwrap().len(), want, "{name} streams");
        let apps = sim.qrs_json("/qrs/app/full", Some(name)).await;
        let expected: Vec<&Value> = sim::apps()
            .iter()
            .map(|(_, a)| a)
            .filter(|a| {
                admin
                    || a["owner"].as_str().unwrap().eq_ignore_ascii_case(name)
                    || (a["published"] == json!(true)
                        && a["stream"].as_str().is_some_and(sees_stream))
            })
            .map(|a| a["id"].clone())
            .collect::<Vec<Value>>()
            .leak()
            .iter()
            .collect();
        let got: Vec<&Value> = apps.as_array().unwrap().iter().map(|a| &a["id"]).collect();
        assert_eq!(got.len(), expected.len(), "{name}: {got:?} vs {expected:?}");
        assert!(expected.iter().all(|id| got.contains(id)), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_from_another_ca_or_none_are_refused() {
    let sim = sim::start().await;
    let url = sim.qrs_url(&format!("/qrs/about?xrfkey={}", sim::XRF));
    // No client certificate: the TLS handshake fails.
    let plain = sim.plain_client();
    assert!(plain
        .get(&url)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .send()
        .await
        .is_err());
    // A certificate from another CA: refused too.
    let other = qlineage::simulate::tls::Authority::new("some other site").unwrap();
    let (cert, key) = other.issue("QlikClient", &[], false).unwrap();
    let root =
        reqwest::Certificate::from_pem(&std::fs::read(&sim.running.certs.root).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(root)
        .identity(reqwest::Identity::from_pem(format!("{cert}{key}").as_bytes()).unwrap())
        .build()
        .unwrap();
    assert!(client
        .get(&url)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .send()
        .await
        .is_err());
    // The right one works.
    let ok = sim
        .cert_client()
        .get(&url)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_tags_custom_properties_tasks_and_the_newer_script_log_route() {
    let sim = sim::start().await;
    let users = sim.qrs_json("/qrs/user/full", None).await;
    let ana = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["userId"] == "ana")
        .expect("ana is a user");
    assert_eq!(ana["roles"], json!(["RootAdmin"]));
    assert_eq!(ana["schemaPath"], "User");
    let tags = sim.qrs_json("/qrs/tag/full", None).await;
    assert!(
        tags.as_array().unwrap().iter().any(|t| t["name"] == "ETL"),
        "{tags}"
    );
    let defs = sim
        .qrs_json("/qrs/custompropertydefinition/full", None)
        .await;
    assert_eq!(defs[0]["name"], "Criticality");
    assert_eq!(defs[0]["choiceValues"], json!(["High", "Medium", "Low"]));
    let apps = sim
        .qrs_json("/qrs/app/full?filter=name eq 'Sales Dashboard'", None)
        .await;
    let cps = apps[0]["customProperties"].as_array().unwrap();
    assert!(
        cps.iter()
            .any(|c| c["definition"]["name"] == "Criticality" && c["value"] == "Medium"),
        "{cps:?}"
    );
    let tasks = sim.qrs_json("/qrs/task/full", None).await;
    let reload = sim.qrs_json("/qrs/reloadtask/full", None).await;
    assert_eq!(
        tasks.as_array().unwrap().len(),
        reload.as_array().unwrap().len()
    );
    let task = &reload[0];
    let execution = task["operational"]["lastExecutionResult"]["id"]
        .as_str()
        .unwrap();
    let r = sim
        .qrs_json(
            &format!(
                "/qrs/reloadtask/{}/scriptlogfile?executionResultId={execution}",
                task["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    let (status, log) = sim
        .qrs(
            &format!(
                "/qrs/download/reloadtask/{}/task.log",
                r["value"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(log.contains("Execution started"), "{log}");
    let (status, _) = sim
        .qrs(
            &format!(
                "/qrs/reloadtask/{}/scriptlogfile?executionResultId=nope",
                task["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, 404);
}
