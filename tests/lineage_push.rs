//! OpenLineage push against a real HTTP receiver on loopback (hyper), which records every
//! request, answers the first one with 503 (retried) and refuses one event with 400 (not
//! retried, reported). The events received are the events the file export writes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use serde_json::Value;

use qlineage::crawl::secret::Secret;
use qlineage::lineage::export::{self, ExportFormat, ExportOptions};
use qlineage::lineage::{self, LineageOptions};
use qlineage::push::{self, PushError, PushOptions};

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    authorization: Option<String>,
    body: Value,
    status: u16,
}

/// A receiver that answers 503 to its first request, 400 to any event whose job name is
/// `refuse`, and 200 to everything else.
struct Receiver {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Received>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receiver(refuse: String) -> Receiver {
    receiver_with(refuse, None).await
}

/// The receiver, over TLS when given an acceptor.
async fn receiver_with(refuse: String, tls: Option<tokio_rustls::TlsAcceptor>) -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Arc<Mutex<Vec<Received>>> = Arc::default();
    let shared = Arc::clone(&log);
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let log = Arc::clone(&shared);
            let refuse = refuse.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                        let log = Arc::clone(&log);
                        let refuse = refuse.clone();
                        async move {
                            let path = request.uri().path().to_string();
                            let authorization = request
                                .headers()
                                .get("authorization")
                                .map(|v| v.to_str().unwrap().to_string());
                            let bytes = request.into_body().collect().await.unwrap().to_bytes();
                            let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                            let mut log = log.lock().unwrap();
                            let (status, text) = if log.is_empty() {
                                (StatusCode::SERVICE_UNAVAILABLE, "warming up")
                            } else if body.pointer("/run/runId").and_then(Value::as_str)
                                == Some(refuse.as_str())
                            {
                                (
                                    StatusCode::BAD_REQUEST,
                                    "{\"code\":400,\"message\":\"bad facet: schema\"}",
                                )
                            } else {
                                (StatusCode::CREATED, "")
                            };
                            log.push(Received {
                                path,
                                authorization,
                                body,
                                status: status.as_u16(),
                            });
                            Ok::<_, Infallible>(
                                Response::builder()
                                    .status(status)
                                    .body(Full::new(Bytes::from(text)))
                                    .unwrap(),
                            )
                        }
                    });
                let http = hyper::server::conn::http1::Builder::new();
                match tls {
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            let _ = http
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                                .await;
                        }
                    }
                    None => {
                        let _ = http
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    }
                }
            });
        }
    });
    Receiver { addr, log, task }
}

fn site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site")
}

/// The events and the file export's lines for the demo site.
fn events_and_file() -> (Vec<Value>, Vec<Value>) {
    let apps = lineage::discover(&[site()]).unwrap();
    let graph = lineage::build(&apps, &LineageOptions::default()).unwrap();
    let events = export::openlineage::events(&graph.graph, &graph.connections);
    let mut file = Vec::new();
    let options = ExportOptions {
        connections: graph.connections.clone(),
    };
    export::write(&graph, ExportFormat::Openlineage, &options, &mut file).unwrap();
    let lines = String::from_utf8(file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (events, lines)
}

fn run_id(event: &Value) -> String {
    event["run"]["runId"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn events_are_posted_retried_and_refusals_reported() {
    let (events, file) = events_and_file();
    assert!(events.len() >= 10);
    let refused_id = run_id(&events[2]);
    let sink = receiver(refused_id.clone()).await;
    let mut options = PushOptions::new(format!("http://{}/", sink.addr));
    options.api_key = Some(Secret::new("test-key-7d1c"));
    options.backoff = Duration::from_millis(5);
    let report = push::push(&events, &options, &|_, _| {}).await.unwrap();
    assert_eq!(report.accepted, events.len() - 1);
    assert_eq!(report.retries, 1, "the 503 is retried once");
    assert_eq!(report.refused.len(), 1);
    let refused = &report.refused[0];
    assert_eq!(
        (refused.index, refused.status, refused.attempts),
        (2, 400, 1)
    );
    assert!(refused.body.contains("bad facet"), "{refused:?}");
    assert!(refused.event.contains(&refused_id), "{refused:?}");

    let log = sink.log.lock().unwrap().clone();
    assert_eq!(
        log.len(),
        events.len() + 1,
        "one retry, no retry of the 400"
    );
    assert!(log.iter().all(|r| r.path == "/api/v1/lineage"));
    assert!(log
        .iter()
        .all(|r| r.authorization.as_deref() == Some("Bearer test-key-7d1c")));
    assert_eq!(log[0].status, 503);
    assert_eq!(log[0].body, log[1].body, "the retry sends the same event");
    // What arrived, once each and in order, is what the file export writes.
    let arrived: Vec<Value> = log[1..].iter().map(|r| r.body.clone()).collect();
    assert_eq!(arrived, file);
}

#[tokio::test]
async fn events_go_over_tls_to_an_endpoint_of_a_private_ca() {
    let certs_dir = tempfile::tempdir().unwrap();
    let certs = qlineage::simulate::tls::ensure_certificates(certs_dir.path()).unwrap();
    let server = qlineage::simulate::tls::server_config(&certs, false).unwrap();
    let sink = receiver_with("none".into(), Some(tokio_rustls::TlsAcceptor::from(server))).await;
    let (events, file) = events_and_file();
    let mut options = PushOptions::new(format!("https://127.0.0.1:{}", sink.addr.port()));
    options.backoff = Duration::from_millis(5);
    let refused = push::push(&events, &options, &|_, _| {}).await.unwrap_err();
    assert!(matches!(refused, PushError::Url { .. }), "{refused}");
    options.ca_cert = Some(certs.root.clone());
    let report = push::push(&events, &options, &|_, _| {}).await.unwrap();
    assert_eq!((report.accepted, report.refused.len()), (events.len(), 0));
    let log = sink.log.lock().unwrap().clone();
    let arrived: Vec<Value> = log[1..].iter().map(|r| r.body.clone()).collect();
    assert_eq!(arrived, file);
}

#[tokio::test]
async fn an_unreachable_endpoint_stops_the_push() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let (events, _) = events_and_file();
    let mut options = PushOptions::new(format!("http://127.0.0.1:{port}"));
    options.retries = 2;
    options.backoff = Duration::from_millis(1);
    match push::push(&events, &options, &|_, _| {}).await {
        Err(PushError::Unreachable {
            attempts, accepted, ..
        }) => assert_eq!((attempts, accepted), (3, 0)),
        other => panic!("expected unreachable, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_pushes_and_exits_1_on_a_refusal_without_printing_the_key() {
    let (events, _) = events_and_file();
    let sink = receiver(run_id(&events[0])).await;
    let key = "cli-key-5e0a9b";
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("events.jsonl");
    let addr = sink.addr;
    let site_dir = site();
    let file_arg = file.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_qlineage"))
            .arg("lineage")
            .arg(&site_dir)
            .args(["--format", "openlineage", "--url"])
            .arg(format!("http://{addr}"))
            .args(["--api-key-ref", "env:QLINEAGE_TEST_OL_KEY", "-o"])
            .arg(&file_arg)
            .env("QLINEAGE_TEST_OL_KEY", key)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("event 1 ("), "{stderr}");
    assert!(stderr.contains("refused with HTTP 400"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{} accepted, 1 refused (1 retries)",
            events.len() - 1
        )),
        "{stderr}"
    );
    assert!(!stderr.contains(key) && !stdout.contains(key));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap().lines().count(),
        events.len()
    );
    let log = sink.log.lock().unwrap().clone();
    assert!(log
        .iter()
        .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {key}")[..])));

    // Usage: the key must be a reference, and --url needs the OpenLineage format.
    let site = site();
    let usage = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .arg("lineage")
        .arg(&site)
        .args(["--format", "json", "--url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(usage.status.code(), Some(2));
    let literal = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .arg("lineage")
        .arg(&site)
        .args([
            "--format",
            "openlineage",
            "--url",
            "http://127.0.0.1:9",
            "--api-key-ref",
            "sk-literal-key",
        ])
        .output()
        .unwrap();
    assert_eq!(literal.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&literal.stderr).contains("sk-literal-key"));
}
