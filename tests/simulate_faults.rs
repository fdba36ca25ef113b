//! Fault injection: each fault a reliability test may ask for does what it says.

#[path = "support/sim.rs"]
mod sim;

use qlineage::simulate::faults::Faults;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_errors_at_the_configured_rate() {
    let sim = sim::start_with(Faults {
        http_503_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let (status, _) = sim.qrs("/qrs/about", None).await;
    assert_eq!(status, 503);
    let sim = sim::start_with(Faults {
        http_503_rate: 0.5,
        seed: 3,
        ..Faults::default()
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(sim.qrs("/qrs/about", None).await.0);
    }
    let failures = statuses.iter().filter(|s| **s == 503).count();
    assert!((8..=32).contains(&failures), "{failures} of 40");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503));
    let sim = sim::start_with(Faults {
        http_500_rate: 1.0,
        ..Faults::default()
    })
    .await;
    assert_eq!(sim.qrs("/qrs/about", None).await.0, 500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_and_latency() {
    let sim = sim::start_with(Faults {
        malformed_json_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let (status, body) = sim.qrs("/qrs/app/full", None).await;
    assert_eq!(status, 200);
    assert!(
        serde_json::from_str::<serde_json::Value>(&body).is_err(),
        "truncated JSON"
    );
    let sim = sim::start_with(Faults {
        latency_ms: 150,
        ..Faults::default()
    })
    .await;
    let started = Instant::now();
    assert_eq!(sim.qrs("/qrs/about", None).await.0, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn websocket_drops_after_n_messages() {
    let sim = sim::start_with(Faults {
        ws_drop_after: Some(2),
        ..Faults::default()
    })
    .await;
    let mut ws = sim.engine("/app/", None).await;
    assert_eq!(ws.recv().await.unwrap()["method"], "OnConnected");
    let _ = ws.call(-1, "EngineVersion", json!([])).await; // message 2, then the drop
    use futures_util::SinkExt;
    let _ = ws
        .stream
        .send(tokio_tungstenite::tungstenite::Message::text(
            r#"{"jsonrpc":"2.0","id":9,"method":"EngineVersion","handle":-1,"params":[]}"#,
        ))
        .await;
    assert!(ws.recv().await.is_none(), "the socket is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn engine_errors_on_chosen_apps_and_slow_open_doc() {
    let (_, app) = sim::dashboard();
    let app_id = app["id"].as_str().unwrap().to_owned();
    let other = sim::apps()
        .into_iter()
        .map(|(_, a)| a["id"].as_str().unwrap().to_owned())
        .find(|id| *id != app_id)
        .unwrap();
    let mut errors = BTreeMap::new();
    errors.insert(app_id.clone(), 1007i64);
    let sim = sim::start_with(Faults {
        engine_errors: errors,
        slow_open_doc_ms: 200,
        ..Faults::default()
    })
    .await;
    let mut ws = sim.engine(&format!("/app/{app_id}"), None).await;
    let started = Instant::now();
    let r = ws.call(-1, "OpenDoc", json!([app_id])).await;
    assert_eq!(r["error"]["code"], 1007);
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "slow OpenDoc"
    );
    let mut ws = sim.engine(&format!("/app/{other}"), None).await;
    assert_eq!(ws.open(&other, true).await, 1, "other apps open normally");
}

#[test]
fn faults_file_refuses_unknown_keys() {
    let ok: Faults = serde_json::from_str(
        r#"{"latency_ms": 5, "ws_drop_after": 3, "engine_errors": {"abc": 1003}}"#,
    )
    .unwrap();
    assert_eq!(ok.ws_drop_after, Some(3));
    assert!(serde_json::from_str::<Faults>(r#"{"latency": 5}"#).is_err());
}
