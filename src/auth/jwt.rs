//! The JWT parts of a Qlik Sense JWT virtual proxy: verifying RS256/384/512
//! tokens against the X.509 certificate the proxy is configured with, and
//! signing tokens with the matching PKCS#8 private key (for clients and
//! tests).
//!
//! Only RSA PKCS#1 v1.5 algorithms are accepted because those are what Qlik's
//! virtual proxy supports; `none` and the HMAC algorithms are refused outright
//! so that a token can never choose a weaker check than the configured key.
//! Audience and user-claim checks are left to the caller, which knows the
//! virtual proxy's claim names.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256, RSA_PKCS1_SHA384, RSA_PKCS1_SHA512};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use serde_json::{Map, Value};

/// The JWS algorithms this module signs and verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
}

impl Alg {
    /// The `alg` header value.
    pub fn name(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::RS384 => "RS384",
            Alg::RS512 => "RS512",
        }
    }

    /// Parses an `alg` header value; case-sensitive, as RFC 7515 requires.
    pub fn from_name(name: &str) -> Option<Alg> {
        match name {
            "RS256" => Some(Alg::RS256),
            "RS384" => Some(Alg::RS384),
            "RS512" => Some(Alg::RS512),
            _ => None,
        }
    }

    fn verification_alg(self) -> &'static dyn rustls_pki_types::SignatureVerificationAlgorithm {
        match self {
            Alg::RS256 => webpki::ring::RSA_PKCS1_2048_8192_SHA256,
            Alg::RS384 => webpki::ring::RSA_PKCS1_2048_8192_SHA384,
            Alg::RS512 => webpki::ring::RSA_PKCS1_2048_8192_SHA512,
        }
    }

    fn signing_alg(self) -> &'static dyn ring::signature::RsaEncoding {
        match self {
            Alg::RS256 => &RSA_PKCS1_SHA256,
            Alg::RS384 => &RSA_PKCS1_SHA384,
            Alg::RS512 => &RSA_PKCS1_SHA512,
        }
    }
}

/// Why a token was refused or a key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    /// The token is not a well-formed JWS compact serialization with a JSON
    /// object header and payload.
    #[error("malformed JWT: {0}")]
    Malformed(String),
    /// The header's `alg` is not RS256, RS384 or RS512.
    #[error("unsupported JWT algorithm {0:?}: only RS256, RS384 and RS512 are accepted")]
    UnsupportedAlgorithm(String),
    /// The signature does not verify against the certificate's public key.
    #[error("JWT signature does not verify against the configured certificate")]
    BadSignature,
    /// `exp` is at or before the current time.
    #[error("JWT has expired (exp)")]
    Expired,
    /// `nbf` is after the current time.
    #[error("JWT is not yet valid (nbf)")]
    NotYetValid,
    /// The certificate or private key could not be loaded or used.
    #[error("JWT key error: {0}")]
    Key(String),
}

/// Verifies tokens against the public key of an X.509 certificate.
#[derive(Debug, Clone)]
pub struct Verifier {
    /// The certificate's DER. `webpki::EndEntityCert` borrows from it, and
    /// re-parsing per token is cheap, so only the DER is kept.
    cert: CertificateDer<'static>,
}

impl Verifier {
    /// Loads the first certificate from PEM text (the format Qlik's virtual
    /// proxy configuration holds).
    ///
    /// Fails with [`JwtError::Key`] if there is no certificate, it does not
    /// parse, or its key is not RSA.
    pub fn from_certificate_pem(pem: &[u8]) -> Result<Verifier, JwtError> {
        let cert = CertificateDer::from_pem_slice(pem)
            .map_err(|e| JwtError::Key(format!("cannot read certificate PEM: {e}")))?;
        let verifier = Verifier { cert };
        let end_entity = verifier.end_entity()?;
        // A dummy check tells an RSA key (signature merely wrong) from any
        // other key type (algorithm mismatch), so misconfiguration shows up
        // at load time instead of as "bad signature" on every token.
        match end_entity.verify_signature(Alg::RS256.verification_alg(), b"", b"") {
            Ok(()) | Err(webpki::Error::InvalidSignatureForPublicKey) => Ok(verifier),
            Err(e) => Err(JwtError::Key(format!(
                "certificate key cannot verify RSA signatures: {e}"
            ))),
        }
    }

    fn end_entity(&self) -> Result<webpki::EndEntityCert<'_>, JwtError> {
        webpki::EndEntityCert::try_from(&self.cert)
            .map_err(|e| JwtError::Key(format!("cannot parse certificate: {e}")))
    }

    /// Verifies `token` and returns its claims.
    ///
    /// Checks, in order: the three-part structure and base64url (unpadded)
    /// encoding, the header's `alg`, the signature over `header.payload`,
    /// that the payload is a JSON object, then `exp` (expired if
    /// `now_unix >= exp`) and `nbf` (not yet valid if `now_unix < nbf`) with
    /// no leeway. The payload is only interpreted after the signature holds.
    pub fn verify(&self, token: &str, now_unix: u64) -> Result<Map<String, Value>, JwtError> {
        let mut parts = token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(sig_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(malformed("expected three dot-separated parts"));
        };

        let header = json_object(&decode_part(header_b64, "header")?, "header")?;
        let alg = match header.get("alg") {
            Some(Value::String(name)) => {
                Alg::from_name(name).ok_or_else(|| JwtError::UnsupportedAlgorithm(name.clone()))?
            }
            Some(other) => return Err(JwtError::UnsupportedAlgorithm(other.to_string())),
            None => return Err(malformed("header has no alg")),
        };
        // RFC 7515 §4.1.11: extensions marked critical must be understood,
        // and this verifier understands none.
        if header.contains_key("crit") {
            return Err(malformed("header has critical extensions (crit)"));
        }
        let payload = decode_part(payload_b64, "payload")?;
        let signature = decode_part(sig_b64, "signature")?;

        let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
        match self.end_entity()?.verify_signature(
            alg.verification_alg(),
            signing_input.as_bytes(),
            &signature,
        ) {
            Ok(()) => {}
            Err(webpki::Error::InvalidSignatureForPublicKey) => return Err(JwtError::BadSignature),
            Err(e) => return Err(JwtError::Key(format!("cannot verify {}: {e}", alg.name()))),
        }

        let claims = json_object(&payload, "payload")?;
        let now = now_unix as f64;
        if let Some(exp) = numeric_claim(&claims, "exp")? {
            if now >= exp {
                return Err(JwtError::Expired);
            }
        }
        if let Some(nbf) = numeric_claim(&claims, "nbf")? {
            if now < nbf {
                return Err(JwtError::NotYetValid);
            }
        }
        Ok(claims)
    }
}

/// Signs tokens with an RSA private key.
#[derive(Debug)]
pub struct Signer {
    key: RsaKeyPair,
    rng: SystemRandom,
}

impl Signer {
    /// Loads the first PKCS#8 private key (`BEGIN PRIVATE KEY`, as written by
    /// `openssl genpkey`) from PEM text. Only RSA keys are accepted.
    pub fn from_pkcs8_pem(pem: &[u8]) -> Result<Signer, JwtError> {
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem)
            .map_err(|e| JwtError::Key(format!("cannot read PKCS#8 private key PEM: {e}")))?;
        let key = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der())
            .map_err(|e| JwtError::Key(format!("not a usable RSA PKCS#8 key: {e}")))?;
        Ok(Signer {
            key,
            rng: SystemRandom::new(),
        })
    }

    /// Signs `claims` (which must be a JSON object) as a compact JWS with the
    /// header `{"alg":"<alg>","typ":"JWT"}`.
    pub fn sign(&self, alg: Alg, claims: &Value) -> Result<String, JwtError> {
        if !claims.is_object() {
            return Err(malformed("claims must be a JSON object"));
        }
        let payload = serde_json::to_vec(claims)
            .map_err(|e| malformed(&format!("cannot serialize claims: {e}")))?;
        self.sign_raw(alg, &payload)
    }

    /// Signs arbitrary payload bytes; `sign` checks they are a JSON object.
    fn sign_raw(&self, alg: Alg, payload: &[u8]) -> Result<String, JwtError> {
        let header = format!(r#"{{"alg":"{}","typ":"JWT"}}"#, alg.name());
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(payload));
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                alg.signing_alg(),
                &self.rng,
                token.as_bytes(),
                &mut signature,
            )
            .map_err(|_| JwtError::Key(format!("RSA signing with {} failed", alg.name())))?;
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(token)
    }
}

fn malformed(what: &str) -> JwtError {
    JwtError::Malformed(what.to_owned())
}

fn decode_part(part: &str, name: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| malformed(&format!("{name} is not unpadded base64url: {e}")))
}

fn json_object(bytes: &[u8], name: &str) -> Result<Map<String, Value>, JwtError> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(malformed(&format!("{name} is not a JSON object"))),
        Err(e) => Err(malformed(&format!("{name} is not JSON: {e}"))),
    }
}

/// Reads a NumericDate claim. Integers and floats are both allowed (RFC 7519
/// §2); f64 is exact for any realistic Unix time.
fn numeric_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<f64>, JwtError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| malformed(&format!("{name} is not a usable number"))),
        Some(_) => Err(malformed(&format!("{name} is not a number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CERT1: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/jwt/cert1.pem"
    ));
    const KEY1: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/jwt/key1.pem"
    ));
    const CERT2: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/jwt/cert2.pem"
    ));
    const KEY2: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/jwt/key2.pem"
    ));
    const EC_CERT: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/jwt/ec_cert.pem"
    ));
    /// An RS256 token made by `openssl dgst -sha256 -sign key1.pem`
    /// (see testdata/jwt/README), to check interoperability with a signer
    /// other than ring.
    const OPENSSL_TOKEN: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/jwt/openssl_rs256.jwt"
    ));

    const NOW: u64 = 1_700_000_000;

    fn verifier() -> Verifier {
        Verifier::from_certificate_pem(CERT1).expect("test certificate loads")
    }

    fn signer() -> Signer {
        Signer::from_pkcs8_pem(KEY1).expect("test key loads")
    }

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn claims() -> Value {
        json!({"userId": "jdoe", "userDirectory": "CORP", "aud": "qlik.example", "exp": NOW + 60})
    }

    #[test]
    fn round_trip_all_algorithms() {
        let (signer, verifier) = (signer(), verifier());
        for alg in [Alg::RS256, Alg::RS384, Alg::RS512] {
            let token = signer.sign(alg, &claims()).expect("signs");
            let header = decode_part(token.split('.').next().expect("header"), "header")
                .expect("header decodes");
            assert_eq!(
                String::from_utf8(header).expect("utf8"),
                format!(r#"{{"alg":"{}","typ":"JWT"}}"#, alg.name())
            );
            let got = verifier.verify(&token, NOW).expect("verifies");
            assert_eq!(Value::Object(got), claims());
        }
    }

    #[test]
    fn openssl_signed_token_verifies() {
        let got = verifier()
            .verify(OPENSSL_TOKEN.trim(), NOW)
            .expect("openssl token verifies");
        assert_eq!(got.get("userId"), Some(&json!("jdoe")));
    }

    #[test]
    fn algorithm_names_round_trip() {
        for alg in [Alg::RS256, Alg::RS384, Alg::RS512] {
            assert_eq!(Alg::from_name(alg.name()), Some(alg));
        }
        assert_eq!(Alg::from_name("rs256"), None);
    }

    #[test]
    fn tampered_payload_is_bad_signature() {
        let token = signer().sign(Alg::RS256, &claims()).expect("signs");
        let parts: Vec<&str> = token.split('.').collect();
        let mut forged = claims();
        forged["userId"] = json!("admin");
        let tampered = format!("{}.{}.{}", parts[0], b64(&forged.to_string()), parts[2]);
        assert!(matches!(
            verifier().verify(&tampered, NOW),
            Err(JwtError::BadSignature)
        ));
        // Switching the header's alg must not help either.
        let header = b64(r#"{"alg":"RS512","typ":"JWT"}"#);
        let swapped = format!("{header}.{}.{}", parts[1], parts[2]);
        assert!(matches!(
            verifier().verify(&swapped, NOW),
            Err(JwtError::BadSignature)
        ));
        let no_sig = format!("{}.{}.", parts[0], parts[1]);
        assert!(matches!(
            verifier().verify(&no_sig, NOW),
            Err(JwtError::BadSignature)
        ));
    }

    #[test]
    fn other_key_is_bad_signature() {
        let other = Signer::from_pkcs8_pem(KEY2).expect("second key loads");
        let token = other.sign(Alg::RS256, &claims()).expect("signs");
        assert!(matches!(
            verifier().verify(&token, NOW),
            Err(JwtError::BadSignature)
        ));
        let other_verifier = Verifier::from_certificate_pem(CERT2).expect("second cert loads");
        assert!(other_verifier.verify(&token, NOW).is_ok());
    }

    #[test]
    fn expiry_and_not_before() {
        let (signer, verifier) = (signer(), verifier());
        let at = |c: Value| signer.sign(Alg::RS256, &c).expect("signs");

        let token = at(json!({"exp": NOW}));
        assert!(matches!(
            verifier.verify(&token, NOW),
            Err(JwtError::Expired)
        ));
        assert!(verifier.verify(&token, NOW - 1).is_ok());
        let token = at(json!({"exp": NOW as f64 + 0.5}));
        assert!(verifier.verify(&token, NOW).is_ok());
        assert!(matches!(
            verifier.verify(&token, NOW + 1),
            Err(JwtError::Expired)
        ));

        let token = at(json!({"nbf": NOW + 1}));
        assert!(matches!(
            verifier.verify(&token, NOW),
            Err(JwtError::NotYetValid)
        ));
        assert!(verifier.verify(&token, NOW + 1).is_ok());
        let token = at(json!({"nbf": NOW as f64 - 0.5, "exp": NOW + 10}));
        assert!(verifier.verify(&token, NOW).is_ok());

        let token = at(json!({"exp": "tomorrow"}));
        assert!(matches!(
            verifier.verify(&token, NOW),
            Err(JwtError::Malformed(_))
        ));
    }

    #[test]
    fn none_and_hmac_are_unsupported() {
        let payload = b64(&claims().to_string());
        for header in [
            r#"{"alg":"none","typ":"JWT"}"#,
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"alg":"ES256"}"#,
            r#"{"alg":"rs256"}"#,
            r#"{"alg":256}"#,
        ] {
            for sig in ["", "c2ln"] {
                let token = format!("{}.{payload}.{sig}", b64(header));
                assert!(
                    matches!(
                        verifier().verify(&token, NOW),
                        Err(JwtError::UnsupportedAlgorithm(_))
                    ),
                    "{header}"
                );
            }
        }
    }

    #[test]
    fn garbage_tokens_are_malformed() {
        let verifier = verifier();
        let payload = b64(&claims().to_string());
        let good_header = b64(r#"{"alg":"RS256"}"#);
        let cases = [
            String::new(),
            ".".into(),
            "..".into(),
            "...".into(),
            "abc".into(),
            "abc.def".into(),
            "a.b.c.d".into(),
            format!("{good_header}.{payload}"),
            format!("!!!.{payload}.sig"),
            format!("{good_header}.{payload}=.c2ln"),
            format!("{good_header}.{payload}.not base64"),
            format!("{good_header}.%%%.c2ln"),
            format!("{}.{payload}.c2ln", b64("not json")),
            format!("{}.{payload}.c2ln", b64("[1,2]")),
            format!("{}.{payload}.c2ln", b64(r#"{"typ":"JWT"}"#)),
            format!("{}.{payload}.c2ln", b64(r#"{"alg":"RS256","crit":["x"]}"#)),
            "\u{e9}.\u{e9}.\u{e9}".into(),
        ];
        for token in &cases {
            let result = verifier.verify(token, NOW);
            assert!(
                matches!(result, Err(JwtError::Malformed(_))),
                "{token:?}: {result:?}"
            );
        }
    }

    #[test]
    fn every_truncation_fails_without_panicking() {
        let verifier = verifier();
        let token = signer().sign(Alg::RS384, &claims()).expect("signs");
        for cut in 0..token.len() {
            assert!(verifier.verify(&token[..cut], NOW).is_err(), "cut {cut}");
        }
    }

    #[test]
    fn signed_non_object_payload_is_malformed() {
        let signer = signer();
        for payload in [&b"not json"[..], b"[1]", b"42"] {
            let token = signer.sign_raw(Alg::RS256, payload).expect("signs");
            assert!(matches!(
                verifier().verify(&token, NOW),
                Err(JwtError::Malformed(_))
            ));
        }
        assert!(matches!(
            signer.sign(Alg::RS256, &json!([1])),
            Err(JwtError::Malformed(_))
        ));
    }

    #[test]
    fn bad_keys_are_key_errors() {
        assert!(matches!(
            Verifier::from_certificate_pem(KEY1),
            Err(JwtError::Key(_))
        ));
        assert!(matches!(
            Verifier::from_certificate_pem(b"garbage"),
            Err(JwtError::Key(_))
        ));
        let broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            Verifier::from_certificate_pem(broken),
            Err(JwtError::Key(_))
        ));
        let err = Verifier::from_certificate_pem(EC_CERT).expect_err("EC key refused");
        assert!(
            matches!(err, JwtError::Key(ref m) if m.contains("RSA")),
            "{err}"
        );
        assert!(matches!(
            Signer::from_pkcs8_pem(CERT1),
            Err(JwtError::Key(_))
        ));
        assert!(matches!(Signer::from_pkcs8_pem(b""), Err(JwtError::Key(_))));
    }
}
