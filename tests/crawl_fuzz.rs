//! Random and mutated engine frames and QRS bodies fed to the crawler's readers: never a
//! panic, always a value or a typed error. Mutations start from real payloads the simulator
//! serves (deterministic xorshift, so a failure replays).

#[path = "support/sim.rs"]
mod sim;

use qlineage::crawl::site_client::parse_json;
use qlineage::crawl::CrawlError;
use qlineage::qlik::engine::{ObjectInterface, PropertyTree};
use qlineage::qlik::qrs;
use qlineage::qlik::rpc::Frame;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

const TOKENS: &[&str] = &[
    "null",
    "\"\"",
    "-1",
    "1.000000",
    "\"NaN\"",
    "{}",
    "[]",
    "\"x\"",
    "true",
    ",",
    ":",
    "{",
    "}",
    "[",
    "]",
    "\"qHandle\":null",
    "\"id\":\"7\"",
    "\u{0}",
    "\"\\ud800\"",
    "1e999",
    "-0",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(5) {
            0 => {
                let end = (at + 1 + rng.below(16)).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => {
                let t = TOKENS[rng.below(TOKENS.len())].as_bytes();
                bytes.splice(at..at, t.iter().copied());
            }
            2 => bytes.truncate(at),
            3 => {
                let end = (at + 1 + rng.below(32)).min(bytes.len());
                let copy: Vec<u8> = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => bytes[at] = (rng.next() & 0x7f) as u8,
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn random_text(rng: &mut Rng) -> String {
    (0..rng.below(64))
        .map(|_| TOKENS[rng.below(TOKENS.len())])
        .collect::<Vec<_>>()
        .join("")
}

fn typed_error(e: &CrawlError) {
    assert!(!e.to_string().is_empty());
    assert!(matches!(e, CrawlError::Json { .. }), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutated_qrs_bodies_never_panic() {
    let s = sim::start().await;
    let mut bodies = Vec::new();
    for path in [
        "/qrs/about",
        "/qrs/app/full",
        "/qrs/stream/full",
        "/qrs/app/object/full",
        "/qrs/dataconnection/full",
        "/qrs/reloadtask/full",
        "/qrs/user/full",
    ] {
        let (status, body) = s.qrs(path, None).await;
        assert_eq!(status, 200, "{path}");
        bodies.push(body);
    }
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut parsed = 0;
    for round in 0..3000 {
        let base = &bodies[round % bodies.len()];
        let text = if round % 10 == 0 {
            random_text(&mut rng)
        } else {
            mutate(&mut rng, base)
        };
        // Every reader the crawler uses on QRS answers.
        for r in [
            parse_json::<Vec<qrs::App>>("u", &text).map(|_| ()),
            parse_json::<Vec<qrs::AppObject>>("u", &text).map(|_| ()),
            parse_json::<Vec<qrs::Stream>>("u", &text).map(|_| ()),
            parse_json::<Vec<qrs::ReloadTask>>("u", &text).map(|_| ()),
            parse_json::<Vec<qrs::DataConnection>>("u", &text).map(|_| ()),
            parse_json::<qrs::About>("u", &text).map(|_| ()),
            parse_json::<qrs::ValueOf>("u", &text).map(|_| ()),
        ] {
            match r {
                Ok(()) => parsed += 1,
                Err(e) => typed_error(&e),
            }
        }
    }
    assert!(parsed > 0, "some mutations stay readable");
}

#[test]
fn mutated_engine_frames_never_panic() {
    let frames = [
        r#"{"jsonrpc":"2.0","id":1,"result":{"qReturn":{"qType":"Doc","qHandle":1,"qGenericId":"a"}},"change":[1]}"#,
        r#"{"jsonrpc":"2.0","id":2,"error":{"code":1007,"parameter":"","message":"App invalid"}}"#,
        r#"{"jsonrpc":"2.0","method":"OnAuthenticationInformation","params":{"userId":"ana","userDirectory":"DEMO","mustAuthenticate":false}}"#,
        r#"{"jsonrpc":"2.0","method":"OnConnected","params":{"qSessionState":"SESSION_CREATED"}}"#,
        r#"{"jsonrpc":"2.0","id":5,"result":{"qPropEntry":{"qProperty":{"qInfo":{"qId":"s","qType":"sheet"},"cells":[{"name":"c","col":"1"}]},"qChildren":[{"qProperty":{"qInfo":{"qId":"c","qType":"kpi"}},"qChildren":[]}]}}}"#,
        r#"{"jsonrpc":"2.0","id":6,"result":{"qReturn":{"qType":null,"qHandle":null}}}"#,
        r#"{"jsonrpc":"2.0","method":"OnLicenseAccessDenied","params":{"severity":"fatal","message":"No available access type"}}"#,
    ];
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for round in 0..20_000 {
        let text = if round % 8 == 0 {
            random_text(&mut rng)
        } else {
            mutate(&mut rng, frames[round % frames.len()])
        };
        match Frame::parse(&text) {
            Ok(Frame::Response(r)) => {
                if let Ok(result) = &r.outcome {
                    let _ = qlineage::crawl::engine_client::handle_of("m", result);
                    if let Some(v) = result.get("qPropEntry") {
                        let _ = serde_json::from_value::<PropertyTree>(v.clone());
                    }
                    if let Some(v) = result.get("qReturn") {
                        let _ = serde_json::from_value::<ObjectInterface>(v.clone());
                    }
                }
            }
            Ok(Frame::Notification { .. }) => {}
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}
