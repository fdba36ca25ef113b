//! A logged-in connection to a site: the HTTP client (rustls, cookie jar), the QRS base URL,
//! the engine base URL and the headers every request carries for the configured
//! authentication. Logging in happens once ([`SiteClient::connect`]); the session cookie the
//! proxy sets then authenticates both QRS calls and engine sockets.

use super::config::{AuthMethod, Config};
use super::error::{chain, CrawlError};
use super::polite::{xrfkey, RateLimit};
use super::secret::{Secret, SecretRef};
use crate::auth::ntlm;
use base64::Engine as _;
use reqwest::cookie::CookieStore;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A header value that may be secret (a bearer token) or not.
#[derive(Debug, Clone)]
enum HeaderValue {
    Plain(String),
    Secret(Secret),
}

impl HeaderValue {
    fn text(&self) -> String {
        match self {
            HeaderValue::Plain(s) => s.clone(),
            HeaderValue::Secret(s) => s.expose().to_owned(),
        }
    }
}

pub struct SiteClient {
    pub http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
    /// `https://host:4242` or `https://host/prefix` (no trailing slash).
    pub qrs_base: String,
    /// `wss://host:4747` or `wss://host/prefix`.
    pub engine_base: String,
    /// The TLS configuration engine sockets use (the client certificate when configured).
    pub engine_tls: Arc<rustls::ClientConfig>,
    headers: Vec<(String, HeaderValue)>,
    pub limit: RateLimit,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub user_agent: String,
    /// `DIR\id` the crawl acts as, when known.
    pub identity: Option<String>,
}

impl std::fmt::Debug for SiteClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteClient")
            .field("qrs_base", &self.qrs_base)
            .field("engine_base", &self.engine_base)
            .finish_non_exhaustive()
    }
}

fn secret(config: &Config, key: &str, value: &Option<String>) -> Result<Secret, CrawlError> {
    let text = value
        .as_ref()
        .ok_or_else(|| CrawlError::Config(format!("{key} is not set")))?;
    SecretRef::parse(text)
        .and_then(|r| r.resolve(&config.base_dir))
        .map_err(|e| CrawlError::Config(format!("{key}: {e}")))
}

impl SiteClient {
    /// Builds the client for the configuration, without any request yet.
    pub fn new(config: &Config) -> Result<SiteClient, CrawlError> {
        let certificate = config.auth.method == AuthMethod::Certificate;
        let tls = super::tls::client_config(config, certificate)
            .map_err(|e| CrawlError::TlsSetup(e.to_string()))?;
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let connect_timeout = Duration::from_secs(config.limits.connect_timeout_secs.max(1));
        let request_timeout = Duration::from_secs(config.limits.request_timeout_secs.max(1));
        let mut builder = reqwest::Client::builder()
            .use_preconfigured_tls((*tls).clone())
            .cookie_provider(Arc::clone(&jar))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .timeout(request_timeout)
            .pool_max_idle_per_host(8);
        builder = if config.http_proxy.enabled {
            let url = config.http_proxy.url.clone().unwrap_or_default();
            builder.proxy(
                reqwest::Proxy::all(&url)
                    .map_err(|e| CrawlError::Config(format!("http_proxy.url: {e}")))?,
            )
        } else {
            builder.no_proxy()
        };
        let http = builder
            .build()
            .map_err(|e| CrawlError::TlsSetup(chain(&e)))?;
        let trim = |s: &str| s.trim_end_matches('/').to_owned();
        let (qrs_base, engine_base) = if certificate {
            (
                trim(config.server.qrs_url.as_deref().unwrap_or_default()),
                trim(config.server.engine_url.as_deref().unwrap_or_default()),
            )
        } else {
            let base = trim(config.server.url.as_deref().unwrap_or_default());
            let ws = if let Some(rest) = base.strip_prefix("https://") {
                format!("wss://{rest}")
            } else if let Some(rest) = base.strip_prefix("http://") {
                format!("ws://{rest}")
            } else {
                base.clone()
            };
            let prefix = config.prefix();
            (format!("{base}{prefix}"), format!("{ws}{prefix}"))
        };
        let mut headers = Vec::new();
        let user = |c: &Config| {
            (!c.auth.user_id.is_empty())
                .then(|| format!("{}\\{}", c.auth.user_directory, c.auth.user_id))
        };
        let mut identity = user(config);
        match config.auth.method {
            AuthMethod::Certificate => {
                if !config.auth.user_id.is_empty() {
                    headers.push((
                        "X-Qlik-User".to_owned(),
                        HeaderValue::Plain(format!(
                            "UserDirectory={}; UserId={}",
                            config.auth.user_directory, config.auth.user_id
                        )),
                    ));
                } else {
                    identity = Some("INTERNAL\\sa_repository".into());
                }
            }
            AuthMethod::Jwt => {
                let token = secret(config, "auth.token", &config.auth.token)?;
                headers.push((
                    "Authorization".to_owned(),
                    HeaderValue::Secret(Secret::new(format!("Bearer {}", token.expose()))),
                ));
            }
            AuthMethod::Header => {
                let name = config.auth.header_name.clone().unwrap_or_default();
                let value = config
                    .auth
                    .header_value
                    .clone()
                    .unwrap_or_else(|| config.auth.user_id.clone());
                headers.push((name, HeaderValue::Plain(value)));
            }
            AuthMethod::Windows => {}
        }
        Ok(SiteClient {
            http,
            jar,
            qrs_base,
            engine_base,
            engine_tls: tls,
            headers,
            limit: RateLimit::new(config.limits.requests_per_second),
            request_timeout,
            connect_timeout,
            user_agent: match config.auth.method {
                AuthMethod::Windows => config.auth.user_agent.clone(),
                _ => format!("qlineage/{}", env!("CARGO_PKG_VERSION")),
            },
            identity,
        })
    }

    /// Builds the client and logs in (for proxy methods: until the session cookie is set).
    pub async fn connect(config: &Config) -> Result<SiteClient, CrawlError> {
        let client = SiteClient::new(config)?;
        if config.auth.method == AuthMethod::Windows {
            let password = secret(config, "auth.password", &config.auth.password)?;
            client
                .windows_login(&config.auth.user_directory, &config.auth.user_id, &password)
                .await?;
        }
        // One call proves the login and, through a proxy, sets the session cookie.
        let _: crate::qlik::qrs::About = client.get("about", &[]).await?;
        Ok(client)
    }

    /// `Cookie` header value for a URL (the proxy session), if any.
    pub fn cookie_header(&self, url: &str) -> Option<String> {
        let url = url
            .replacen("wss://", "https://", 1)
            .replacen("ws://", "http://", 1);
        let url = reqwest::Url::parse(&url).ok()?;
        self.jar
            .cookies(&url)
            .and_then(|v| v.to_str().ok().map(str::to_owned))
    }

    /// The headers every request carries (X-Qlik-User, Bearer, header auth).
    pub fn auth_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(k, v)| (k.clone(), v.text()))
            .collect()
    }

    fn qrs_url(&self, path: &str, query: &[(&str, &str)], key: &str) -> String {
        let mut url = format!(
            "{}/qrs/{}?xrfkey={key}",
            self.qrs_base,
            path.trim_start_matches('/')
        );
        for (k, v) in query {
            url.push('&');
            url.push_str(k);
            url.push('=');
            url.extend(form_urlencoded::byte_serialize(v.as_bytes()));
        }
        url
    }

    /// GET a QRS resource as text: Xrfkey on query and header, the auth headers, the rate
    /// limit; an HTML answer is a login page, 401/403 are refusals.
    pub async fn get_text(&self, path: &str, query: &[(&str, &str)]) -> Result<String, CrawlError> {
        self.limit.wait().await;
        let key = xrfkey();
        let url = self.qrs_url(path, query, &key);
        let shown = format!("{}/qrs/{}", self.qrs_base, path.trim_start_matches('/'));
        let mut req = self
            .http
            .get(&url)
            .header("X-Qlik-Xrfkey", &key)
            .header("User-Agent", &self.user_agent);
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.text());
        }
        let resp = req.send().await.map_err(|e| transport(&shown, &e))?;
        let status = resp.status().as_u16();
        let html = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.map_err(|e| transport(&shown, &e))?;
        if status == 401 || status == 403 {
            return Err(CrawlError::Auth {
                url: shown,
                status,
                reason: snippet(&strip_tags(&body)),
            });
        }
        if (300..400).contains(&status) || html {
            let hint = match location {
                Some(l) if l.contains("forms") => " (redirected to the forms login: the User-Agent does not contain the virtual proxy's Windows pattern)".to_owned(),
                Some(_) => " (redirected to a login)".to_owned(),
                None => String::new(),
            };
            return Err(CrawlError::LoginPage { url: shown, hint });
        }
        match status {
            200..=299 => Ok(body),
            _ => Err(CrawlError::Http {
                url: shown,
                status,
                body: snippet(&strip_tags(&body)),
            }),
        }
    }

    /// GET and read as `T`, tolerating what real servers vary on (duplicate keys keep the last).
    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, CrawlError> {
        let body = self.get_text(path, query).await?;
        parse_json(&format!("{}/qrs/{path}", self.qrs_base), &body)
    }

    /// GET a QRS list and hand each entity to `each` as it is read, without building the
    /// whole array: only the body text and one entity are in memory at once. Entities go
    /// through `Value` one by one (duplicate keys keep the last); one that does not read as
    /// `T` is skipped, as real servers add odd rows.
    pub async fn get_each<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
        each: impl FnMut(T),
    ) -> Result<(), CrawlError> {
        let body = self.get_text(path, query).await?;
        for_each_entity(&format!("{}/qrs/{path}", self.qrs_base), &body, each)
    }

    /// The NTLM handshake through the default virtual proxy: the redirect to the
    /// authentication module, the 401 exchange on one keep-alive connection, the ticket back,
    /// and the session cookie from redeeming it.
    async fn windows_login(
        &self,
        directory: &str,
        user: &str,
        password: &Secret,
    ) -> Result<(), CrawlError> {
        let key = xrfkey();
        let url = self.qrs_url("about", &[], &key);
        let shown = format!("{}/qrs/about", self.qrs_base);
        let get = |u: &str| {
            self.http
                .get(u)
                .header("X-Qlik-Xrfkey", &key)
                .header("User-Agent", &self.user_agent)
        };
        let first = get(&url).send().await.map_err(|e| transport(&shown, &e))?;
        if first.status().is_success() {
            return Ok(()); // already logged in (a session cookie)
        }
        let module = location(&first).ok_or_else(|| CrawlError::Auth {
            url: shown.clone(),
            status: first.status().as_u16(),
            reason: "no redirect to the Windows authentication module".into(),
        })?;
        if module.contains("forms") {
            return Err(CrawlError::LoginPage {
                url: shown,
                hint: " (the proxy chose its forms login: the User-Agent does not contain the virtual proxy's Windows pattern)".into(),
            });
        }
        let module = self.absolute(&module);
        let _ = first.text().await;
        // NTLM authenticates the TCP connection, so the whole exchange runs on one connection
        // of our own: a pooled client may hand the next step a fresh connection.
        let mut conn = super::one_connection::OneConnection::open(
            &module,
            &self.engine_tls,
            self.connect_timeout,
        )
        .await?;
        let agent = self.user_agent.clone();
        let (status, _, _) = conn.get(&agent, None).await?;
        if status != 401 {
            return Err(CrawlError::Auth {
                url: module,
                status,
                reason: "the authentication module did not ask for NTLM".into(),
            });
        }
        let negotiate = B64.encode(ntlm::negotiate_message(directory, "QLINEAGE"));
        let (status, headers, _) = conn.get(&agent, Some(&format!("NTLM {negotiate}"))).await?;
        let challenge = super::one_connection::header_value(&headers, "www-authenticate")
            .and_then(|v| v.strip_prefix("NTLM ").map(str::to_owned))
            .and_then(|b| B64.decode(b.trim()).ok())
            .and_then(|bytes| ntlm::parse_challenge(&bytes).ok())
            .ok_or_else(|| CrawlError::Auth {
                url: module.clone(),
                status,
                reason: "no NTLM challenge from the authentication module".into(),
            })?;
        let mut client_challenge = [0u8; 8];
        super::polite::random_bytes(&mut client_challenge);
        let auth = ntlm::authenticate_message(
            &challenge,
            user,
            directory,
            password.expose(),
            "QLINEAGE",
            client_challenge,
            None,
        );
        let (status, headers, _) = conn
            .get(&agent, Some(&format!("NTLM {}", B64.encode(auth))))
            .await?;
        let back = super::one_connection::header_value(&headers, "location");
        let Some(back) = back.filter(|_| (300..400).contains(&status)) else {
            return Err(CrawlError::Auth {
                url: module,
                status,
                reason: format!("NTLM refused for {directory}\\{user}"),
            });
        };
        // Redeem the ticket: the proxy sets the session cookie.
        let back = self.absolute(&back);
        let r = get(&back).send().await.map_err(|e| transport(&back, &e))?;
        let _ = r.text().await;
        if self.cookie_header(&self.qrs_base).is_none() {
            return Err(CrawlError::Auth {
                url: back,
                status,
                reason: "the proxy set no session cookie after the ticket".into(),
            });
        }
        Ok(())
    }

    fn absolute(&self, location: &str) -> String {
        if location.starts_with("http://") || location.starts_with("https://") {
            return location.to_owned();
        }
        match reqwest::Url::parse(&self.qrs_base).and_then(|b| b.join(location)) {
            Ok(u) => u.to_string(),
            Err(_) => location.to_owned(),
        }
    }
}

fn location(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A transport failure: timeouts and connection errors are transient.
fn transport(url: &str, e: &reqwest::Error) -> CrawlError {
    if e.is_timeout() {
        CrawlError::Timeout {
            url: url.to_owned(),
        }
    } else {
        CrawlError::Connect {
            url: url.to_owned(),
            message: chain(e),
        }
    }
}

/// The text of an HTML error page (tags dropped), or the body as it is.
fn strip_tags(body: &str) -> String {
    if !body.trim_start().starts_with('<') {
        return body.to_owned();
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn snippet(body: &str) -> String {
    let t = body.trim();
    match t.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_owned(),
    }
}

/// Reads a body as `T` through `Value` (duplicate keys keep the last).
pub fn parse_json<T: DeserializeOwned>(url: &str, body: &str) -> Result<T, CrawlError> {
    let value = crate::qlik::lenient::parse_value(body).map_err(|e| CrawlError::Json {
        url: url.to_owned(),
        what: std::any::type_name::<T>()
            .rsplit("::")
            .next()
            .unwrap_or("")
            .to_owned(),
        message: e.to_string(),
    })?;
    serde_json::from_value(value).map_err(|e| CrawlError::Json {
        url: url.to_owned(),
        what: std::any::type_name::<T>()
            .rsplit("::")
            .next()
            .unwrap_or("")
            .to_owned(),
        message: e.to_string(),
    })
}

/// Walks a JSON array entity by entity (see [`SiteClient::get_each`]).
pub fn for_each_entity<T: DeserializeOwned>(
    url: &str,
    body: &str,
    each: impl FnMut(T),
) -> Result<(), CrawlError> {
    use serde::de::{Deserializer as _, SeqAccess, Visitor};
    struct Each<F, T>(F, std::marker::PhantomData<T>);
    impl<'de, F: FnMut(T), T: DeserializeOwned> Visitor<'de> for Each<F, T> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON array of entities")
        }
        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
            while let Some(value) = seq.next_element::<serde_json::Value>()? {
                if let Ok(entity) = serde_json::from_value(value) {
                    (self.0)(entity);
                }
            }
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_str(body);
    de.deserialize_seq(Each(each, std::marker::PhantomData))
        .and_then(|()| de.end())
        .map_err(|e| CrawlError::Json {
            url: url.to_owned(),
            what: "list".into(),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn entities_are_read_one_by_one_and_odd_rows_skipped() {
        let body = r#"[{"id":"a","name":"stale","name":"A"}, 7, {"id":"b","name":"B"}]"#;
        let mut seen = Vec::new();
        for_each_entity("u", body, |a: crate::qlik::qrs::AppCondensed| {
            seen.push(a.name)
        })
        .unwrap();
        assert_eq!(seen, ["A", "B"]);
        let err = for_each_entity("u", "{}", |_: Value| {}).unwrap_err();
        assert!(matches!(err, CrawlError::Json { .. }));
        assert!(for_each_entity("u", "[1] x", |_: Value| {}).is_err());
    }
}
