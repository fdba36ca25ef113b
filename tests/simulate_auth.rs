//! Every proxy login both ways: the right credentials work (then the session cookie carries
//! QRS calls and the engine WebSocket), wrong ones are refused with the status Qlik uses.

#[path = "support/sim.rs"]
mod sim;

use base64::Engine as _;
use qlineage::auth::{jwt, ntlm};
use qlineage::crawl::one_connection::{header_value, OneConnection};
use serde_json::json;
use std::time::Duration;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn demo_key() -> jwt::Signer {
    jwt::Signer::from_pkcs8_pem(
        &std::fs::read(sim::site_dir().join("keys/jwt-demo-key.pem")).unwrap(),
    )
    .unwrap()
}

fn token(signer: &jwt::Signer, alg: jwt::Alg, claims: serde_json::Value) -> String {
    signer.sign(alg, &claims).unwrap()
}

fn good_claims() -> serde_json::Value {
    json!({"userId": "ana", "userDirectory": "DEMO", "aud": "qlineage-demo", "iat": now(), "exp": now() + 600})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwt_virtual_proxy() {
    let sim = sim::start().await;
    let url = sim.proxy_url(&format!("/jwt/qrs/about?xrfkey={}", sim::XRF));
    let client = sim.plain_client();
    let signer = demo_key();
    for alg in [jwt::Alg::RS256, jwt::Alg::RS384, jwt::Alg::RS512] {
        let resp = sim
            .plain_client()
            .get(&url)
            .header("X-Qlik-Xrfkey", sim::XRF)
            .bearer_auth(token(&signer, alg, good_claims()))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{alg:?}");
        let cookie = resp
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(cookie.starts_with("X-Qlik-Session-jwt="), "{cookie}");
    }
    // The cookie alone carries the next call (the client keeps it).
    let first = client
        .get(&url)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .bearer_auth(token(&signer, jwt::Alg::RS256, good_claims()))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let again = client
        .get(&url)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);

    let other_key = jwt::Signer::from_pkcs8_pem(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/jwt/key2.pem"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut expired = good_claims();
    expired["exp"] = json!(now() - 10);
    let mut wrong_aud = good_claims();
    wrong_aud["aud"] = json!("someone-else");
    let mut no_user = good_claims();
    no_user.as_object_mut().unwrap().remove("userId");
    let bad = [
        (
            "other key",
            token(&other_key, jwt::Alg::RS256, good_claims()),
        ),
        ("expired", token(&signer, jwt::Alg::RS256, expired)),
        ("audience", token(&signer, jwt::Alg::RS256, wrong_aud)),
        ("no user claim", token(&signer, jwt::Alg::RS256, no_user)),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, t) in bad {
        let fresh = sim.plain_client();
        let resp = fresh
            .get(&url)
            .header("X-Qlik-Xrfkey", sim::XRF)
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{what}");
        assert!(resp.headers().get("set-cookie").is_none(), "{what}");
    }
    let none = sim
        .plain_client()
        .get(&url)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);

    // The engine through the prefix, with the bearer token on the upgrade.
    let (_, app) = sim::dashboard();
    let app_id = app["id"].as_str().unwrap();
    let mut ws = sim
        .proxied_engine(
            &format!("/jwt/app/{app_id}"),
            &[(
                "Authorization".into(),
                format!("Bearer {}", token(&signer, jwt::Alg::RS256, good_claims())),
            )],
        )
        .await;
    let auth = ws.recv().await.unwrap();
    assert_eq!(auth["method"], "OnAuthenticationInformation");
    assert_eq!(auth["params"]["mustAuthenticate"], false);
    assert_eq!(auth["params"]["userId"], "ana");
    assert_eq!(ws.recv().await.unwrap()["method"], "OnConnected");
    assert_eq!(ws.open(app_id, true).await, 1);
    // A bad token on the upgrade: told to authenticate, then closed.
    let mut ws = sim
        .proxied_engine(
            &format!("/jwt/app/{app_id}"),
            &[("Authorization".into(), "Bearer nope".into())],
        )
        .await;
    assert_eq!(ws.recv().await.unwrap()["params"]["mustAuthenticate"], true);
    assert!(ws.recv().await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_virtual_proxy() {
    let sim = sim::start().await;
    let url = sim.proxy_url(&format!("/hdr/qrs/app?xrfkey={}", sim::XRF));
    let resp = sim
        .plain_client()
        .get(&url)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .header("hdr-usr", "ben")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("X-Qlik-Session-hdr="));
    let apps: serde_json::Value = resp.json().await.unwrap();
    // Ben sees Sales apps and his own, nothing of Finance.
    for a in apps.as_array().unwrap() {
        let name = a["stream"]["name"].as_str();
        assert!(name.is_none() || name == Some("Sales"), "{a}");
    }
    let missing = sim
        .plain_client()
        .get(&url)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    let unknown_prefix = sim
        .plain_client()
        .get(sim.proxy_url(&format!("/nope/qrs/about?xrfkey={}", sim::XRF)))
        .header("X-Qlik-Xrfkey", sim::XRF)
        .header("User-Agent", "Windows")
        .send()
        .await
        .unwrap();
    // An unknown prefix falls to the default (Windows) proxy: a login redirect, then 404 once logged in.
    assert_eq!(unknown_prefix.status(), 302);
}

/// Where a Windows login ended: the module's status and its `Location`, if any.
struct Login {
    status: u16,
    location: Option<String>,
}

/// Runs the NTLM dance by hand on one keep-alive connection of our own, as an NTLM-capable
/// client does: NTLM authenticates the TCP connection, and a pooled client may hand a step a
/// fresh one (that made this test flaky when it used reqwest).
async fn windows_login(
    sim: &sim::Sim,
    client: &reqwest::Client,
    user: &str,
    password: &str,
) -> Login {
    let url = sim.proxy_url(&format!("/qrs/about?xrfkey={}", sim::XRF));
    let first = client
        .get(&url)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .header("User-Agent", "Windows")
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 302);
    let module = first.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        module.contains("/internal_windows_authentication/?targetId="),
        "{module}"
    );
    let mut conn = OneConnection::open(&module, &sim.tls_client_config(), Duration::from_secs(10))
        .await
        .unwrap();
    let (status, headers, _) = conn.get("Windows", None).await.unwrap();
    assert_eq!(status, 401);
    assert_eq!(
        header_value(&headers, "www-authenticate").as_deref(),
        Some("NTLM")
    );
    let negotiate = B64.encode(ntlm::negotiate_message("DEMO", "CRAWLER"));
    let (status, headers, _) = conn
        .get("Windows", Some(&format!("NTLM {negotiate}")))
        .await
        .unwrap();
    assert_eq!(status, 401);
    let challenge_b64 = header_value(&headers, "www-authenticate")
        .unwrap()
        .strip_prefix("NTLM ")
        .unwrap()
        .to_owned();
    let challenge = ntlm::parse_challenge(&B64.decode(challenge_b64).unwrap()).unwrap();
    let (dir, id) = user.split_once('\\').unwrap();
    let auth = ntlm::authenticate_message(&challenge, id, dir, password, "CRAWLER", [7; 8], None);
    let (status, headers, _) = conn
        .get("Windows", Some(&format!("NTLM {}", B64.encode(auth))))
        .await
        .unwrap();
    Login {
        status,
        location: header_value(&headers, "location"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_ntlm_through_the_default_proxy() {
    let sim = sim::start().await;
    let client = sim.plain_client();
    let done = windows_login(&sim, &client, "DEMO\\ana", "ana-demo-2026").await;
    assert_eq!(done.status, 302);
    let back = done.location.unwrap();
    assert!(back.contains("qlikTicket="), "{back}");
    let landed = client
        .get(&back)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .header("User-Agent", "Windows")
        .send()
        .await
        .unwrap();
    assert_eq!(landed.status(), 200);
    let cookie = landed.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("X-Qlik-Session="), "{cookie}");
    // The ticket is one-time.
    let reused = sim
        .plain_client()
        .get(&back)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .send()
        .await
        .unwrap();
    assert_eq!(reused.status(), 403);
    // The same cookie opens the engine WebSocket through the proxy.
    let session = cookie.split(';').next().unwrap().to_owned();
    let (_, app) = sim::dashboard();
    let app_id = app["id"].as_str().unwrap();
    let mut ws = sim
        .proxied_engine(
            &format!("/app/{app_id}"),
            &[("Cookie".into(), session.clone())],
        )
        .await;
    let info = ws.recv().await.unwrap();
    assert_eq!(info["params"]["userDirectory"], "DEMO");
    assert_eq!(ws.recv().await.unwrap()["method"], "OnConnected");
    let user = ws.call(-1, "GetAuthenticatedUser", json!([])).await;
    assert_eq!(user["result"]["qReturn"], "UserDirectory=DEMO; UserId=ana");
    // Without a session, the socket is told where to log in.
    let mut ws = sim.proxied_engine(&format!("/app/{app_id}"), &[]).await;
    let info = ws.recv().await.unwrap();
    assert_eq!(info["params"]["mustAuthenticate"], true);
    assert!(info["params"]["loginUri"]
        .as_str()
        .unwrap()
        .contains("authentication"));

    // Wrong password: the module answers 401 again.
    let wrong = windows_login(&sim, &sim.plain_client(), "DEMO\\ana", "not-the-password").await;
    assert_eq!(wrong.status, 401);
    let nobody = windows_login(&sim, &sim.plain_client(), "DEMO\\mallory", "x").await;
    assert_eq!(nobody.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_without_the_windows_pattern_get_the_forms_page() {
    let sim = sim::start().await;
    let client = sim.plain_client();
    let url = sim.proxy_url(&format!("/qrs/about?xrfkey={}", sim::XRF));
    let r = client
        .get(&url)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .header("User-Agent", "Mozilla/5.0 (X11; Linux)")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let forms = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(forms.contains("/internal_forms_authentication/"), "{forms}");
    let page = client.get(&forms).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("<form"));
    // Posting the form logs in.
    let login = client
        .post(&forms)
        .form(&[("username", "DEMO\\carla"), ("pwd", "carla-demo-2026")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 302);
    let back = login.headers()["location"].to_str().unwrap().to_owned();
    let landed = client
        .get(&back)
        .header("X-Qlik-Xrfkey", sim::XRF)
        .send()
        .await
        .unwrap();
    assert_eq!(landed.status(), 200);
    let bad = client
        .post(&forms)
        .form(&[("username", "DEMO\\carla"), ("pwd", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 200, "the form again");
}
