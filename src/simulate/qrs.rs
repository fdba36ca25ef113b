//! The Qlik Repository Service REST API, as a pure function of the site, the caller's identity
//! and the request, so it is served the same way directly (port with client certificates) and
//! through the proxy, and tested without sockets.

pub mod entities;
pub mod filter;

use super::access::Identity;
use super::site::Site;
use entities::AppObjectRow;
use serde_json::{json, Value};

/// An HTTP answer, before the transport adds its headers.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Answer {
    pub fn json(status: u16, value: &Value) -> Answer {
        Answer {
            status,
            content_type: "application/json; charset=utf-8",
            body: value.to_string(),
        }
    }
    pub fn text(status: u16, body: impl Into<String>) -> Answer {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.into(),
        }
    }
}

/// The parts of a request QRS looks at.
pub struct Request<'a> {
    pub method: &'a str,
    /// The path from `/qrs/` on, without the query.
    pub path: &'a str,
    pub query: &'a [(String, String)],
    /// `X-Qlik-Xrfkey`, if sent.
    pub xrfkey_header: Option<&'a str>,
}

fn query<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Checks the CSRF guard: the `xrfkey` query parameter (any case) and the `X-Qlik-Xrfkey`
/// header carry the same 16 alphanumeric characters.
pub fn check_xrfkey(req: &Request) -> Result<(), Answer> {
    let param = query(req, "xrfkey");
    match (param, req.xrfkey_header) {
        (Some(p), Some(h))
            if p == h && p.len() == 16 && p.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            Ok(())
        }
        (None, _) => Err(Answer::text(403, "XrfKey parameter is missing")),
        (Some(_), None) => Err(Answer::text(403, "XrfKey header is missing")),
        (Some(p), Some(h)) if p != h => Err(Answer::text(
            403,
            "XrfKey header doesn't match the XrfKey parameter",
        )),
        _ => Err(Answer::text(
            403,
            "XrfKey must be 16 characters from 0-9, a-z, A-Z",
        )),
    }
}

/// The entity collections QRS serves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Stream,
    App,
    AppObject,
    DataConnection,
    ReloadTask,
    /// `/qrs/task`: every task; the simulator's are reload tasks.
    Task,
    User,
    Tag,
    CustomPropertyDefinition,
}

impl Kind {
    fn from_segment(s: &str) -> Option<Kind> {
        Some(match s.to_ascii_lowercase().as_str() {
            "stream" => Kind::Stream,
            "app" => Kind::App,
            "dataconnection" => Kind::DataConnection,
            "reloadtask" => Kind::ReloadTask,
            "task" => Kind::Task,
            "user" => Kind::User,
            "tag" => Kind::Tag,
            "custompropertydefinition" => Kind::CustomPropertyDefinition,
            _ => return None,
        })
    }
}

/// A filter of the one form crawlers send per app, `app.id eq <guid>`: the app it names, so
/// app objects and tasks are built for that app only instead of the whole site (the filter
/// still runs). On kinds without an `app` member the filter is refused before this is used.
fn only_app(filter: Option<&str>) -> Option<String> {
    let f = filter?
        .trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim();
    let rest = f
        .get(..10)
        .filter(|p| p.eq_ignore_ascii_case("app.id eq "))?;
    let id = f[rest.len()..].trim().trim_matches('\'');
    (!id.is_empty() && !id.contains(char::is_whitespace)).then(|| id.to_owned())
}

/// Every entity of a kind the identity may read, as `(full, condensed)` pairs; with
/// `only_app`, those of that one app.
fn entities_of(
    site: &Site,
    who: &Identity,
    kind: Kind,
    only_app: Option<&str>,
) -> Vec<(Value, Value)> {
    let mut out = Vec::new();
    match kind {
        Kind::Stream => {
            for (i, s) in site.streams.iter().enumerate() {
                if who.can_see_stream(site, &s.name) {
                    out.push((
                        entities::stream_full(site, i),
                        entities::stream_condensed(site, &s.name),
                    ));
                }
            }
        }
        Kind::App => {
            for app in site.apps.iter().filter(|a| {
                only_app.is_none_or(|id| a.meta.id.eq_ignore_ascii_case(id))
                    && who.can_see_app(site, a)
            }) {
                out.push((
                    entities::app_full(site, app),
                    entities::app_condensed(site, app),
                ));
            }
        }
        Kind::AppObject => {
            for app in site.apps.iter().filter(|a| {
                only_app.is_none_or(|id| a.meta.id.eq_ignore_ascii_case(id))
                    && who.can_see_app(site, a)
            }) {
                let script = AppObjectRow { app, object: None };
                out.push((script.full(site), script.condensed()));
                for object in &app.objects {
                    if who.can_see_object_in_qrs(site, app, object) {
                        let row = AppObjectRow {
                            app,
                            object: Some(object),
                        };
                        out.push((row.full(site), row.condensed()));
                    }
                }
            }
        }
        Kind::DataConnection => {
            for (i, c) in site.connections.iter().enumerate() {
                let owned =
                    super::site::UserId::parse(&c.owner).is_some_and(|o| &o == who.user_id());
                if who.can_see_all_connections(site) || owned {
                    out.push((
                        entities::connection_full(site, i),
                        entities::connection_condensed(site, i),
                    ));
                }
            }
        }
        Kind::ReloadTask | Kind::Task => {
            for app in site.apps.iter().filter(|a| {
                only_app.is_none_or(|id| a.meta.id.eq_ignore_ascii_case(id))
                    && who.can_see_app(site, a)
            }) {
                if let Some(task) = entities::reload_task_full(site, app) {
                    let condensed = entities::reload_task_condensed(&task);
                    out.push((task, condensed));
                }
            }
        }
        Kind::User => {
            for user in &site.users {
                let full = entities::user_full(site, user);
                let condensed = entities::user_condensed(site, &user.id);
                out.push((full, condensed));
            }
        }
        Kind::Tag => {
            for name in entities::tag_names(site) {
                let full = entities::tag_full(&name);
                let condensed = json!({"id": full["id"], "name": full["name"], "privileges": null});
                out.push((full, condensed));
            }
        }
        Kind::CustomPropertyDefinition => {
            for def in &site.custom_properties {
                let full = entities::custom_property_definition_full(def);
                let condensed = json!({"id": full["id"], "name": full["name"], "valueType": full["valueType"],
                    "choiceValues": full["choiceValues"], "privileges": null});
                out.push((full, condensed));
            }
        }
    }
    out
}

/// A full entity of the kind with every nested object filled in, for checking filter paths.
fn template(kind: Kind) -> Value {
    let user = json!({"id": "", "userId": "", "userDirectory": "", "userDirectoryConnectorName": "", "name": "", "privileges": null});
    let tag = json!([{"id": "", "name": "", "privileges": null}]);
    let stream = json!({"id": "", "name": "", "privileges": null});
    let app = json!({"id": "", "name": "", "appId": "", "publishTime": "2000-01-01T00:00:00.000Z", "published": false,
        "stream": stream, "savedInProductVersion": "", "migrationHash": "", "availabilityStatus": 0, "privileges": null});
    let base = |extra: Value| {
        let mut v = json!({"id": "", "createdDate": "2000-01-01T00:00:00.000Z", "modifiedDate": "2000-01-01T00:00:00.000Z",
            "modifiedByUserName": "", "schemaPath": "", "privileges": null, "customProperties": [], "owner": user, "tags": tag});
        if let (Some(map), Value::Object(extra)) = (v.as_object_mut(), extra) {
            map.extend(extra);
        }
        v
    };
    match kind {
        Kind::Stream => base(json!({"name": ""})),
        Kind::App => base(
            json!({"name": "", "appId": "", "sourceAppId": "", "targetAppId": "", "publishTime": "2000-01-01T00:00:00.000Z",
            "published": false, "description": "", "stream": stream, "fileSize": 0, "lastReloadTime": "2000-01-01T00:00:00.000Z",
            "thumbnail": "", "savedInProductVersion": "", "migrationHash": "", "dynamicColor": "", "availabilityStatus": 0,
            "lastDataDistribution": null, "staticByteSize": 0}),
        ),
        Kind::AppObject => base(
            json!({"name": "", "engineObjectId": "", "app": app, "contentHash": "", "size": 0,
            "engineObjectType": "", "description": "", "attributes": "", "objectType": "", "publishTime": "2000-01-01T00:00:00.000Z",
            "published": false, "approved": false, "sourceObject": "", "draftObject": "", "appObjectBlobId": ""}),
        ),
        Kind::DataConnection => base(
            json!({"name": "", "connectionstring": "", "type": "", "engineObjectId": "",
            "username": "", "password": "", "logOn": 0, "architecture": 0}),
        ),
        Kind::User => with_dates(entities::template::<crate::qlik::qrs::User>()),
        Kind::Tag => with_dates(entities::template::<crate::qlik::qrs::Tag>()),
        Kind::CustomPropertyDefinition => with_dates(entities::template::<
            crate::qlik::qrs::CustomPropertyDefinition,
        >()),
        Kind::ReloadTask | Kind::Task => without_owner(base(
            json!({"name": "", "taskType": 0, "enabled": true, "taskSessionTimeout": 0, "maxRetries": 0,
            "app": app, "isManuallyTriggered": false, "isPartialReload": false, "timeToLive": 0, "preloadNodes": [],
            "operational": {"id": "", "nextExecution": "2000-01-01T00:00:00.000Z", "privileges": null,
                "lastExecutionResult": {"id": "", "executingNodeName": "", "status": 0, "startTime": "2000-01-01T00:00:00.000Z",
                    "stopTime": "2000-01-01T00:00:00.000Z", "duration": 0, "fileReferenceID": "", "scriptLogAvailable": false,
                    "scriptLogLocation": "", "scriptLogSize": 0, "privileges": null,
                    "details": [{"detailsType": 0, "message": "", "detailCreatedDate": "2000-01-01T00:00:00.000Z"}]}}}),
        )),
    }
}

fn with_dates(mut v: Value) -> Value {
    for key in ["createdDate", "modifiedDate"] {
        v[key] = json!("2000-01-01T00:00:00.000Z");
    }
    v
}

/// Reload tasks have no owner in QRS.
fn without_owner(mut v: Value) -> Value {
    if let Some(map) = v.as_object_mut() {
        map.remove("owner");
    }
    v
}

fn bad_request(message: String) -> Answer {
    Answer::text(400, message)
}

/// Lists a collection: filter on the full entity, order, then full or condensed or a count.
fn list(site: &Site, who: &Identity, kind: Kind, req: &Request, shape: Shape) -> Answer {
    let template = template(kind);
    let filter = match query(req, "filter").filter(|f| !f.trim().is_empty()) {
        Some(text) => match filter::Filter::parse(text) {
            Ok(f) => match f.validate(&template) {
                Ok(()) => Some(f),
                Err(e) => return bad_request(format!("Invalid filter: {e}")),
            },
            Err(e) => return bad_request(format!("Invalid filter: {e}")),
        },
        None => None,
    };
    let order = match query(req, "orderby").filter(|o| !o.trim().is_empty()) {
        Some(text) => {
            match filter::OrderBy::parse(text).and_then(|o| o.validate(&template).map(|_| o)) {
                Ok(o) => Some(o),
                Err(e) => return bad_request(format!("Invalid orderby: {e}")),
            }
        }
        None => None,
    };
    let one_app = only_app(query(req, "filter"));
    let mut rows: Vec<(Value, Value)> = entities_of(site, who, kind, one_app.as_deref())
        .into_iter()
        .filter(|(full, _)| filter.as_ref().is_none_or(|f| f.matches(full)))
        .collect();
    if let Some(order) = order {
        // Sort the full entities, carrying the condensed ones along by position.
        let mut keyed: Vec<Value> = rows
            .iter()
            .enumerate()
            .map(|(i, (full, _))| {
                let mut v = full.clone();
                if let Some(m) = v.as_object_mut() {
                    m.insert("\u{1}position".into(), json!(i));
                }
                v
            })
            .collect();
        order.sort(&mut keyed);
        let positions: Vec<usize> = keyed
            .iter()
            .filter_map(|v| {
                v.get("\u{1}position")
                    .and_then(Value::as_u64)
                    .map(|p| p as usize)
            })
            .collect();
        let mut taken: Vec<Option<(Value, Value)>> = rows.into_iter().map(Some).collect();
        rows = positions
            .into_iter()
            .filter_map(|p| taken[p].take())
            .collect();
    }
    let privileges = query(req, "privileges").is_some_and(|p| p.eq_ignore_ascii_case("true"));
    let with_privileges = |mut v: Value| {
        if privileges {
            v["privileges"] = json!([
                "create",
                "read",
                "update",
                "delete",
                "export",
                "publish",
                "change_owner",
                "change_role",
                "export_data",
                "offline_access",
                "duplicate",
                "approve"
            ]);
        }
        v
    };
    match shape {
        Shape::Count => Answer::json(200, &json!({"value": rows.len()})),
        Shape::Full => Answer::json(
            200,
            &Value::Array(rows.into_iter().map(|(f, _)| with_privileges(f)).collect()),
        ),
        Shape::Condensed => Answer::json(
            200,
            &Value::Array(rows.into_iter().map(|(_, c)| with_privileges(c)).collect()),
        ),
    }
}

#[derive(Clone, Copy)]
enum Shape {
    Full,
    Condensed,
    Count,
}

/// Serves one QRS request. The caller has already authenticated `who`.
pub fn handle(site: &Site, who: &Identity, req: &Request) -> Answer {
    let answer = handle_current(site, who, req);
    if site.legacy_shapes
        && answer.status == 200
        && answer.content_type.starts_with("application/json")
    {
        legacy(answer, req.path)
    } else {
        answer
    }
}

/// Qlik Sense 3.x shapes: dates without milliseconds, `operational` null on tasks, and a
/// duplicate key on apps (`"name"` twice; JavaScript clients keep the last).
fn legacy(answer: Answer, path: &str) -> Answer {
    fn walk(v: &mut Value) {
        match v {
            Value::String(s)
                if s.len() == 24 && s.ends_with('Z') && s.as_bytes().get(19) == Some(&b'.') =>
            {
                *s = format!("{}Z", &s[..19]);
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            Value::Object(map) => {
                if map.get("schemaPath").and_then(Value::as_str) == Some("ReloadTask") {
                    map.insert("operational".into(), Value::Null);
                }
                map.values_mut().for_each(walk);
            }
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::from_str::<Value>(&answer.body) else {
        return answer;
    };
    walk(&mut value);
    let mut body = value.to_string();
    let p = path.trim_matches('/').to_ascii_lowercase();
    if p == "app" || p == "app/full" {
        body = body.replace("{\"id\":", "{\"name\":\"(stale)\",\"id\":");
    }
    Answer { body, ..answer }
}

fn handle_current(site: &Site, who: &Identity, req: &Request) -> Answer {
    if let Err(answer) = check_xrfkey(req) {
        return answer;
    }
    if !req.method.eq_ignore_ascii_case("GET") {
        return Answer::text(405, "The simulator's repository is read-only");
    }
    let segments: Vec<&str> = req
        .path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let lower: Vec<String> = segments.iter().map(|s| s.to_ascii_lowercase()).collect();
    let l: Vec<&str> = lower.iter().map(String::as_str).collect();
    match l.as_slice() {
        ["about"] => Answer::json(200, &entities::about()),
        ["app", "object"] => list(site, who, Kind::AppObject, req, Shape::Condensed),
        ["app", "object", "full"] => list(site, who, Kind::AppObject, req, Shape::Full),
        ["app", "object", "count"] => list(site, who, Kind::AppObject, req, Shape::Count),
        ["app", "object", id] => one(site, who, Kind::AppObject, id),
        [kind] if Kind::from_segment(kind).is_some() => list(
            site,
            who,
            Kind::from_segment(kind).unwrap_or(Kind::App),
            req,
            Shape::Condensed,
        ),
        [kind, "full"] if Kind::from_segment(kind).is_some() => list(
            site,
            who,
            Kind::from_segment(kind).unwrap_or(Kind::App),
            req,
            Shape::Full,
        ),
        [kind, "count"] if Kind::from_segment(kind).is_some() => list(
            site,
            who,
            Kind::from_segment(kind).unwrap_or(Kind::App),
            req,
            Shape::Count,
        ),
        ["reloadtask", id, "scriptlog"] => script_log_reference(site, who, id, req),
        ["reloadtask", id, "scriptlogfile"] => script_log_file_reference(site, who, id, req),
        ["download", "reloadtask", guid, _name] => script_log_download(site, who, guid),
        [kind, id] if Kind::from_segment(kind).is_some() => {
            one(site, who, Kind::from_segment(kind).unwrap_or(Kind::App), id)
        }
        _ => Answer::text(404, format!("Not found: /qrs/{}", segments.join("/"))),
    }
}

/// `GET /qrs/<type>/<id>`: one full entity, 404 when unknown or not visible.
fn one(site: &Site, who: &Identity, kind: Kind, id: &str) -> Answer {
    // An app is built alone (a crawl asks for each app of a large site by id).
    let scope = matches!(kind, Kind::App).then_some(id);
    entities_of(site, who, kind, scope)
        .into_iter()
        .find(|(full, _)| {
            full["id"]
                .as_str()
                .is_some_and(|i| i.eq_ignore_ascii_case(id))
        })
        .map(|(full, _)| Answer::json(200, &full))
        .unwrap_or_else(|| {
            Answer::text(
                404,
                format!("Cannot find the item for the \"Get\" operation: {id}"),
            )
        })
}

/// Step one of the script-log download: `{"value": <download guid>}`.
fn script_log_reference(site: &Site, who: &Identity, task_id: &str, req: &Request) -> Answer {
    let Some(app) = site.apps.iter().find(|a| {
        who.can_see_app(site, a)
            && a.meta.reload.is_some()
            && entities::reload_task_id(a).eq_ignore_ascii_case(task_id)
    }) else {
        return Answer::text(404, format!("Cannot find the reload task {task_id}"));
    };
    match query(req, "fileReferenceId") {
        Some(r) if r.eq_ignore_ascii_case(&entities::reload_file_reference(app)) => Answer::json(
            200,
            &json!({"value": entities::guid(&format!("download:{}", app.meta.id))}),
        ),
        _ => Answer::text(404, "Cannot find the script log for that fileReferenceId"),
    }
}

/// Step one of the newer route (May 2025 and later): by execution result id.
fn script_log_file_reference(site: &Site, who: &Identity, task_id: &str, req: &Request) -> Answer {
    let Some(app) = site.apps.iter().find(|a| {
        who.can_see_app(site, a)
            && a.meta.reload.is_some()
            && entities::reload_task_id(a).eq_ignore_ascii_case(task_id)
    }) else {
        return Answer::text(404, format!("Cannot find the reload task {task_id}"));
    };
    match query(req, "executionResultId") {
        Some(r) if r.eq_ignore_ascii_case(&entities::execution_result_id(app)) => Answer::json(
            200,
            &json!({"value": entities::guid(&format!("download:{}", app.meta.id))}),
        ),
        _ => Answer::text(404, "Cannot find the script log for that executionResultId"),
    }
}

/// Step two: the log text.
fn script_log_download(site: &Site, who: &Identity, download: &str) -> Answer {
    site.apps
        .iter()
        .filter(|a| who.can_see_app(site, a) && a.meta.reload.is_some())
        .find(|a| entities::guid(&format!("download:{}", a.meta.id)).eq_ignore_ascii_case(download))
        .map(|a| Answer::text(200, entities::script_log(a)))
        .unwrap_or_else(|| Answer::text(404, "Not found"))
}
