//! The HTTP API and the explorer's static files, as a pure function from a request to a
//! response (`docs/api.md`), so it is tested without sockets and the server stays a thin
//! shell around it.
//!
//! Read-only: GET and HEAD only. Every input is validated (parameter names, id length, depth
//! and limit caps, numbers) and a bad one is a 4xx with a JSON error naming the parameter.
//! Every response carries the Content-Security-Policy and `nosniff`; CORS is granted to
//! browser-extension origins only (the badge), never to web pages.

use serde_json::{json, Value};

use super::assets;
use super::explorer::Explorer;
use super::views::{self, GraphRequest, Level, Walk};
use crate::lineage::query::Direction;
use crate::lineage::NodeKind;

/// The longest node id accepted (ids are paths; real ones are far shorter).
pub const MAX_ID_LEN: usize = 4096;
pub const MAX_QUERY_LEN: usize = 256;
/// The deepest walk a request may ask for.
pub const MAX_DEPTH: usize = 12;
pub const MAX_SEARCH_LIMIT: usize = 100;
/// The most nodes a neighbourhood shows before collapsing other apps.
pub const MAX_GRAPH_LIMIT: usize = 5000;
pub const DEFAULT_GRAPH_LIMIT: usize = 2000;
pub const MAX_CONTEXT: usize = 50;
/// The most apps one neighbourhood request may keep expanded (`expand`, repeated).
pub const MAX_EXPAND: usize = 200;

/// The policy of every response: scripts and styles from this server only, no inline code,
/// no plugins, no framing, API calls to this origin only.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A request as the API sees it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub origin: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

impl Response {
    fn json(status: u16, value: &Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            body: serde_json::to_vec(value).unwrap_or_default(),
            headers: Vec::new(),
        }
    }

    fn error(status: u16, code: &str, message: impl Into<String>) -> Response {
        Response::json(
            status,
            &json!({"error": {"status": status, "code": code, "message": message.into()}}),
        )
    }
}

/// A validation failure: 400 unless said otherwise.
struct Invalid(Response);

fn bad(message: impl Into<String>) -> Invalid {
    Invalid(Response::error(400, "bad_request", message))
}

/// The query parameters, checked against the names an endpoint accepts.
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: Option<&str>, allowed: &[&str]) -> Result<Params, Invalid> {
        Params::parse_with_lists(query, allowed, &[])
    }

    /// As [`Params::parse`], where the parameters named in `lists` may be repeated.
    fn parse_with_lists(
        query: Option<&str>,
        allowed: &[&str],
        lists: &[&str],
    ) -> Result<Params, Invalid> {
        let pairs: Vec<(String, String)> = query
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        for (i, (name, _)) in pairs.iter().enumerate() {
            if !allowed.contains(&name.as_str()) {
                return Err(bad(format!(
                    "unknown parameter `{name}`; this endpoint takes: {}",
                    allowed.join(", ")
                )));
            }
            if !lists.contains(&name.as_str()) && pairs[..i].iter().any(|(n, _)| n == name) {
                return Err(bad(format!("parameter `{name}` given twice")));
            }
        }
        Ok(Params(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn required(&self, name: &str) -> Result<&str, Invalid> {
        match self.get(name) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(bad(format!("parameter `{name}` is required"))),
        }
    }

    fn number(&self, name: &str, default: usize, min: usize, max: usize) -> Result<usize, Invalid> {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        match text.parse::<usize>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(bad(format!(
                "parameter `{name}` must be a whole number from {min} to {max}, got `{}`",
                text.chars().take(40).collect::<String>()
            ))),
        }
    }

    fn choice<T: Copy>(&self, name: &str, default: T, choices: &[(&str, T)]) -> Result<T, Invalid> {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        choices
            .iter()
            .find(|(n, _)| *n == text)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
                bad(format!(
                    "parameter `{name}` must be one of {}",
                    names.join(", ")
                ))
            })
    }

    /// Every value of a repeatable parameter, in order.
    fn all<'p>(&'p self, name: &'p str) -> impl Iterator<Item = &'p str> + 'p {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A node id that exists: 400 when malformed, 404 when unknown.
    fn node<'e>(&self, ex: &'e Explorer, name: &str) -> Result<&'e str, Invalid> {
        let id = self.required(name)?;
        node_id(ex, name, id)
    }

    /// The app ids of a repeatable parameter: each an existing app node, at most
    /// [`MAX_EXPAND`], repeats ignored.
    fn apps(&self, ex: &Explorer, name: &str) -> Result<Vec<String>, Invalid> {
        let mut apps: Vec<String> = Vec::new();
        for id in self.all(name) {
            let id = node_id(ex, name, id)?;
            if ex.node(id).map(|n| n.kind) != Some(NodeKind::App) {
                return Err(bad(format!(
                    "parameter `{name}` takes app ids (app:<id>), got `{}`",
                    truncate(id, 200)
                )));
            }
            if !apps.iter().any(|a| a == id) {
                apps.push(id.to_string());
            }
        }
        if apps.len() > MAX_EXPAND {
            return Err(bad(format!(
                "parameter `{name}` names more than {MAX_EXPAND} apps"
            )));
        }
        Ok(apps)
    }
}

/// A node id that exists: 400 when malformed, 404 when unknown.
fn node_id<'e>(ex: &'e Explorer, name: &str, id: &str) -> Result<&'e str, Invalid> {
    if id.len() > MAX_ID_LEN || id.chars().any(char::is_control) {
        return Err(bad(format!(
            "parameter `{name}` is not a node id (at most {MAX_ID_LEN} bytes, no control characters)"
        )));
    }
    match ex.node(id) {
        Some(node) => Ok(&node.id),
        None => Err(Invalid(Response::error(
            404,
            "not_found",
            format!("no node has the id `{id}`"),
        ))),
    }
}

/// Answers one request.
pub fn handle(ex: &Explorer, request: Request<'_>) -> Response {
    let mut response = if request.method != "GET" && request.method != "HEAD" {
        let mut r = Response::error(
            405,
            "method_not_allowed",
            "the explorer is read-only: GET and HEAD only",
        );
        r.headers.push(("allow", "GET, HEAD".into()));
        r
    } else {
        route(ex, request).unwrap_or_else(|Invalid(r)| r)
    };
    response
        .headers
        .push(("content-security-policy", CSP.into()));
    response
        .headers
        .push(("x-content-type-options", "nosniff".into()));
    response
        .headers
        .push(("referrer-policy", "no-referrer".into()));
    response
        .headers
        .push(("cross-origin-resource-policy", "same-origin".into()));
    if request.path.starts_with("/api/") {
        response.headers.push(("cache-control", "no-store".into()));
        if let Some(origin) = request.origin.filter(|o| is_extension_origin(o)) {
            response
                .headers
                .push(("access-control-allow-origin", origin.to_string()));
            response.headers.push(("vary", "Origin".into()));
        }
    }
    if request.method == "HEAD" {
        response.body.clear();
    }
    response
}

/// Browser-extension origins (`chrome-extension://<id>`, `moz-extension://<uuid>`): the only
/// cross-origin callers the API answers.
pub fn is_extension_origin(origin: &str) -> bool {
    ["chrome-extension://", "moz-extension://"]
        .iter()
        .any(|scheme| {
            origin.strip_prefix(scheme).is_some_and(|rest| {
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
        })
}

fn route(ex: &Explorer, request: Request<'_>) -> Result<Response, Invalid> {
    let path = request.path;
    if let Some(asset) = assets::get(path) {
        Params::parse(request.query, &[])?;
        return Ok(Response {
            status: 200,
            content_type: asset.content_type,
            body: asset.body.to_vec(),
            headers: vec![("cache-control", "no-cache".into())],
        });
    }
    let q = request.query;
    let value = match path {
        "/api/v1/summary" => {
            Params::parse(q, &[])?;
            views::summary(ex)
        }
        "/api/v1/search" => {
            let p = Params::parse(q, &["q", "kind", "limit"])?;
            let text = p.required("q")?;
            if text.chars().count() > MAX_QUERY_LEN {
                return Err(bad(format!(
                    "parameter `q` is longer than {MAX_QUERY_LEN} characters"
                )));
            }
            let kind = match p.get("kind") {
                None => None,
                Some(k) => Some(NodeKind::parse(k).ok_or_else(|| {
                    bad(format!(
                        "parameter `kind`: no node kind `{k}` (see docs/lineage.md)"
                    ))
                })?),
            };
            let limit = p.number("limit", 20, 1, MAX_SEARCH_LIMIT)?;
            let hits = ex.search(text, kind, limit);
            json!({"query": text, "results": hits})
        }
        "/api/v1/node" => {
            let p = Params::parse(q, &["id"])?;
            let id = p.node(ex, "id")?;
            views::node(ex, id).unwrap_or(Value::Null)
        }
        "/api/v1/graph" => {
            let p = Params::parse_with_lists(
                q,
                &["id", "direction", "depth", "level", "limit", "expand"],
                &["expand"],
            )?;
            let id = p.node(ex, "id")?;
            let expand = p.apps(ex, "expand")?;
            let walk = p.choice(
                "direction",
                Walk::Both,
                &[
                    ("both", Walk::Both),
                    ("upstream", Walk::Upstream),
                    ("downstream", Walk::Downstream),
                ],
            )?;
            let level = p.choice(
                "level",
                Level::Table,
                &[("table", Level::Table), ("field", Level::Field)],
            )?;
            let request = GraphRequest {
                walk,
                depth: p.number("depth", 3, 1, MAX_DEPTH)?,
                level,
                limit: p.number("limit", DEFAULT_GRAPH_LIMIT, 1, MAX_GRAPH_LIMIT)?,
                expand: &expand,
            };
            views::neighbourhood(ex, id, request).unwrap_or(Value::Null)
        }
        "/api/v1/impact" => {
            let p = Params::parse(q, &["id", "direction", "depth"])?;
            let id = p.node(ex, "id")?;
            let direction = p.choice(
                "direction",
                Direction::Downstream,
                &[
                    ("downstream", Direction::Downstream),
                    ("upstream", Direction::Upstream),
                ],
            )?;
            let depth = match p.get("depth") {
                None => None,
                Some(_) => Some(p.number("depth", 0, 1, 64)?),
            };
            views::impact(ex, id, direction, depth).unwrap_or(Value::Null)
        }
        "/api/v1/app" => {
            let p = Params::parse(q, &["id"])?;
            let given = p.required("id")?;
            if given.len() > MAX_ID_LEN {
                return Err(bad("parameter `id` is too long"));
            }
            // The extension knows the Qlik app id; the explorer keys apps `app:<id>`.
            let id = if given.starts_with("app:") {
                given.to_string()
            } else {
                format!("app:{given}")
            };
            views::app_summary(ex, &id).ok_or_else(|| {
                Invalid(Response::error(
                    404,
                    "not_found",
                    format!("no app `{given}` in this lineage"),
                ))
            })?
        }
        "/api/v1/source" => {
            let p = Params::parse(q, &["file", "line", "context"])?;
            let file = p.required("file")?;
            let line = p.number("line", 1, 1, u32::MAX as usize)?;
            let context = p.number("context", 5, 0, MAX_CONTEXT)?;
            views::source_excerpt(ex, file, line, context).ok_or_else(|| {
                Invalid(Response::error(
                    404,
                    "not_found",
                    "no script of this lineage has that file name (only files an edge names are served)",
                ))
            })?
        }
        "/api/v1/changes" => {
            let p = Params::parse(q, &["since"])?;
            let since = match p.get("since") {
                Some(_) => Some(p.number("since", 0, 0, i64::MAX as usize)? as i64),
                None => None,
            };
            return Ok(catalog_changes(ex, since));
        }
        "/api/v1/preview" => {
            let p = Params::parse(q, &["id"])?;
            if ex.catalog_path().is_none() {
                return Ok(not_available(ex, "previews", "sheet previews"));
            }
            let id = p.node(ex, "id")?;
            return Ok(catalog_preview(ex, id));
        }
        _ => {
            return Err(Invalid(Response::error(
                404,
                "not_found",
                format!("no such page or endpoint: {}", truncate(path, 200)),
            )))
        }
    };
    Ok(Response::json(200, &value))
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// 501 for a view the data source cannot give (no fake content).
/// The catalog's changes report (`qlineage changes --format json`).
#[cfg(feature = "catalog")]
fn catalog_changes(ex: &Explorer, since: Option<i64>) -> Response {
    match ex.catalog_path() {
        Some(path) => match super::catalog_source::changes(path, since) {
            Ok(value) => Response::json(200, &value),
            Err(message) => Response::error(404, "not_found", message),
        },
        None => not_available(ex, "changes", "the crawl history"),
    }
}

#[cfg(not(feature = "catalog"))]
fn catalog_changes(ex: &Explorer, _since: Option<i64>) -> Response {
    not_available(ex, "changes", "the crawl history")
}

/// A sheet's wireframe (SVG) from the catalog, by its node id `sheet:<app>/<sheet>`.
#[cfg(feature = "catalog")]
fn catalog_preview(ex: &Explorer, id: &str) -> Response {
    let Some(path) = ex.catalog_path() else {
        return not_available(ex, "previews", "sheet previews");
    };
    match super::catalog_source::preview_svg(path, id) {
        Ok(Some(svg)) => Response {
            status: 200,
            content_type: "image/svg+xml",
            body: svg.into_bytes(),
            headers: Vec::new(),
        },
        Ok(None) => Response::error(
            404,
            "not_found",
            format!(
                "no sheet `{}` in the catalog (ids look like sheet:<app>/<sheet>)",
                truncate(id, 200)
            ),
        ),
        Err(message) => Response::error(500, "catalog", message),
    }
}

#[cfg(not(feature = "catalog"))]
fn catalog_preview(ex: &Explorer, _id: &str) -> Response {
    not_available(ex, "previews", "sheet previews")
}

fn not_available(ex: &Explorer, what: &str, needs: &str) -> Response {
    Response::error(
        501,
        "not_available",
        format!(
            "`{what}` needs {needs}, which this server's data source ({}) does not hold; serve a catalog (--db) for it",
            ex.origin().source
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::export::testing::hostile;
    use crate::lineage::LineageGraph;
    use crate::web::explorer::lineage_inputs_origin;

    fn explorer() -> Explorer {
        let lineage = LineageGraph {
            graph: hostile(),
            ..LineageGraph::default()
        };
        Explorer::with_sources(lineage, Default::default(), lineage_inputs_origin())
    }

    fn get(ex: &Explorer, path: &str, query: Option<&str>) -> Response {
        handle(
            ex,
            Request {
                method: "GET",
                path,
                query,
                origin: None,
            },
        )
    }

    fn header<'r>(r: &'r Response, name: &str) -> Option<&'r str> {
        r.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn every_answer_carries_the_policy_and_errors_are_json() {
        let ex = explorer();
        for (path, query, status) in [
            ("/", None, 200),
            ("/api/v1/summary", None, 200),
            ("/api/v1/summary", Some("a=1"), 400),
            ("/api/v1/node", Some("id=nope"), 404),
            ("/api/v1/graph", Some("id=app%3Ab&depth=99"), 400),
            ("/api/v1/graph", Some("id=app%3Ab"), 200),
            ("/nope", None, 404),
        ] {
            let r = get(&ex, path, query);
            assert_eq!(r.status, status, "{path} {query:?}");
            assert_eq!(header(&r, "content-security-policy"), Some(CSP));
            assert_eq!(header(&r, "x-content-type-options"), Some("nosniff"));
            if status >= 400 {
                let v: Value = serde_json::from_slice(&r.body).unwrap();
                assert_eq!(v["error"]["status"], status);
            }
        }
    }

    #[test]
    fn writes_are_refused_and_head_has_no_body() {
        let ex = explorer();
        let post = handle(
            &ex,
            Request {
                method: "POST",
                path: "/api/v1/summary",
                query: None,
                origin: None,
            },
        );
        assert_eq!(post.status, 405);
        let head = handle(
            &ex,
            Request {
                method: "HEAD",
                path: "/",
                query: None,
                origin: None,
            },
        );
        assert_eq!(head.status, 200);
        assert!(head.body.is_empty());
    }

    #[test]
    fn only_extension_origins_are_granted_cors() {
        assert!(is_extension_origin("chrome-extension://abcdefghijklmnop"));
        assert!(is_extension_origin("moz-extension://0b1c2d3e-4f50-6172"));
        for origin in [
            "https://example.com",
            "chrome-extension://",
            "chrome-extension://a/b",
            "moz-extension://a b",
            "null",
        ] {
            assert!(!is_extension_origin(origin), "{origin}");
        }
    }

    #[test]
    fn search_finds_hostile_names_as_data() {
        let ex = explorer();
        let r = get(&ex, "/api/v1/search", Some("q=%3Cb%3E%26"));
        assert_eq!(r.status, 200);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        let names: Vec<&str> = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["name"].as_str().unwrap())
            .collect();
        assert!(!names.is_empty());
        assert_eq!(names, ["Sales \"Q1\" <b>&</b>"]);
    }
}
