//! QRS entities built from the site: full and condensed forms, with the repository's
//! conventions (schemaPath, privileges null, the 1753 "never published" date).

use crate::simulate::site::{q_type, App, Object, Site, UserId};
use serde_json::{json, Value};

/// The publish time QRS reports for apps and objects never published.
pub const NEVER: &str = "1753-01-01T00:00:00.000Z";

/// A stable GUID for things the site names but gives no id (users, tags, app objects, tasks).
pub fn guid(seed: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
    let b = d.as_ref();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&b[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub fn user_condensed(site: &Site, id: &UserId) -> Value {
    let name = site
        .user(id)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| id.id.clone());
    json!({
        "id": guid(&format!("user:{}", id.to_string().to_lowercase())),
        "userId": id.id,
        "userDirectory": id.directory,
        "userDirectoryConnectorName": id.directory,
        "name": name,
        "privileges": null,
    })
}

fn tags(names: &[String]) -> Value {
    Value::Array(
        names
            .iter()
            .map(|n| json!({"id": guid(&format!("tag:{}", n.to_lowercase())), "name": n, "privileges": null}))
            .collect(),
    )
}

fn modified_by(owner: &UserId) -> String {
    owner.to_string()
}

pub fn about() -> Value {
    json!({
        "buildVersion": "30.4.0.0",
        "buildDate": "10/8/2021 12:43:37 PM",
        "databaseProvider": "Devart.Data.PostgreSql",
        "nodeType": 1,
        "sharedPersistence": true,
        "requiresBootstrap": false,
        "singleNodeOnly": false,
        "schemaPath": "About",
    })
}

pub fn stream_condensed(site: &Site, name: &str) -> Value {
    match site.stream_by_name(name) {
        Some(s) => json!({"id": s.id, "name": s.name, "privileges": null}),
        None => Value::Null,
    }
}

/// The members every full entity starts with, then the entity's own.
fn entity(
    site: &Site,
    schema: &str,
    id: &str,
    dates: (&str, &str),
    owner: &UserId,
    own: Value,
) -> Value {
    let mut v = json!({
        "id": id,
        "createdDate": dates.0,
        "modifiedDate": dates.1,
        "modifiedByUserName": modified_by(owner),
        "schemaPath": schema,
        "privileges": null,
        "customProperties": [],
        "owner": user_condensed(site, owner),
    });
    if let (Some(map), Value::Object(own)) = (v.as_object_mut(), own) {
        map.extend(own);
    }
    v
}

pub fn stream_full(site: &Site, index: usize) -> Value {
    let s = &site.streams[index];
    let owner = UserId::parse(&s.owner).unwrap_or_else(|| site.demo_user.clone());
    let own = json!({"name": s.name, "tags": tags(&s.tags)});
    entity(
        site,
        "Stream",
        &s.id,
        (&s.created, &s.modified),
        &owner,
        own,
    )
}

fn publish_time(app: &App) -> String {
    match (&app.meta.publish_time, app.meta.published) {
        (Some(t), true) => t.clone(),
        _ => NEVER.to_owned(),
    }
}

fn app_stream(site: &Site, app: &App) -> Value {
    match (&app.meta.stream, app.meta.published) {
        (Some(name), true) => stream_condensed(site, name),
        _ => Value::Null,
    }
}

pub fn app_condensed(site: &Site, app: &App) -> Value {
    json!({
        "id": app.meta.id,
        "name": app.meta.name,
        "appId": "",
        "publishTime": publish_time(app),
        "published": app.meta.published,
        "stream": app_stream(site, app),
        "savedInProductVersion": "12.1306.0",
        "migrationHash": "9f3c6d4a1e8b7f2c5d0a3b6e9c2f5a8d1b4e7c0a",
        "availabilityStatus": 0,
        "privileges": null,
    })
}

pub fn app_full(site: &Site, app: &App) -> Value {
    let m = &app.meta;
    let own = json!({
        "name": m.name,
        "appId": "",
        "sourceAppId": "00000000-0000-0000-0000-000000000000",
        "targetAppId": "00000000-0000-0000-0000-000000000000",
        "publishTime": publish_time(app),
        "published": m.published,
        "tags": tags(&m.tags),
        "description": m.description,
        "stream": app_stream(site, app),
        "fileSize": m.file_size,
        "lastReloadTime": m.last_reload_time.clone().unwrap_or_else(|| NEVER.to_owned()),
        "thumbnail": "",
        "savedInProductVersion": "12.1306.0",
        "migrationHash": "9f3c6d4a1e8b7f2c5d0a3b6e9c2f5a8d1b4e7c0a",
        "dynamicColor": "",
        "availabilityStatus": 0,
        "lastDataDistribution": null,
        "staticByteSize": m.file_size / 4,
    });
    entity(
        site,
        "App",
        &m.id,
        (&m.created_date, &m.modified_date),
        &app.owner,
        own,
    )
}

/// The repository's name for an engine object type.
fn object_type(q_type: &str) -> &str {
    match q_type {
        "variable" => "GenericVariableEntry",
        other => other,
    }
}

/// The title QRS shows for an object: its qMetaDef title, measure label or variable name.
pub fn object_title(property: &Value) -> String {
    for pointer in [
        "/qMetaDef/title",
        "/qMeasure/qLabel",
        "/qDim/qFieldLabels/0",
        "/qName",
        "/title",
    ] {
        if let Some(t) = property.pointer(pointer).and_then(Value::as_str) {
            if !t.is_empty() {
                return t.to_owned();
            }
        }
    }
    String::new()
}

/// One repository row per persistent object, plus the load script's row.
pub struct AppObjectRow<'a> {
    pub app: &'a App,
    pub object: Option<&'a Object>,
}

impl AppObjectRow<'_> {
    fn id(&self) -> String {
        let engine_id = self.engine_object_id();
        guid(&format!("appobject:{}:{}", self.app.meta.id, engine_id))
    }

    fn engine_object_id(&self) -> &str {
        self.object.map(Object::id).unwrap_or("qvapp_appscript")
    }

    fn engine_type(&self) -> &str {
        self.object
            .map(|o| q_type(&o.file.property))
            .unwrap_or("app_appscript")
    }

    fn published_approved(&self) -> (bool, bool) {
        let app_published = self.app.meta.published;
        match self.object {
            Some(o) => (
                o.file.meta.published.unwrap_or(app_published),
                o.file.meta.approved.unwrap_or(app_published),
            ),
            None => (app_published, app_published),
        }
    }

    pub fn condensed(&self) -> Value {
        let full = self.full_parts();
        json!({
            "id": full.id,
            "privileges": null,
            "name": full.name,
            "engineObjectId": self.engine_object_id(),
            "contentHash": full.content_hash,
            "engineObjectType": self.engine_type(),
            "description": full.description,
            "objectType": object_type(self.engine_type()),
            "publishTime": full.publish_time,
            "published": full.published,
        })
    }

    fn full_parts(&self) -> Parts {
        let (published, approved) = self.published_approved();
        let (name, description, size, created, modified) = match self.object {
            Some(o) => {
                let p = &o.file.property;
                let text = serde_json::to_string(p).unwrap_or_default();
                (
                    object_title(p),
                    p.pointer("/qMetaDef/description")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned(),
                    text.len(),
                    o.file.meta.created_date.clone(),
                    o.file.meta.modified_date.clone(),
                )
            }
            None => (
                "App script".to_owned(),
                String::new(),
                self.app.script.len(),
                None,
                None,
            ),
        };
        let content_hash = guid(&format!("hash:{}:{}", self.id(), size)).replace('-', "");
        Parts {
            id: self.id(),
            name,
            description,
            size,
            content_hash,
            published,
            approved,
            publish_time: if published {
                self.app
                    .meta
                    .publish_time
                    .clone()
                    .unwrap_or_else(|| NEVER.to_owned())
            } else {
                NEVER.to_owned()
            },
            created: created.unwrap_or_else(|| self.app.meta.created_date.clone()),
            modified: modified.unwrap_or_else(|| self.app.meta.modified_date.clone()),
        }
    }

    pub fn owner(&self) -> UserId {
        self.object
            .and_then(|o| o.file.meta.owner.as_deref())
            .and_then(UserId::parse)
            .unwrap_or_else(|| self.app.owner.clone())
    }

    pub fn full(&self, site: &Site) -> Value {
        let p = self.full_parts();
        let owner = self.owner();
        let attributes = json!({
            "Type": if self.object.is_some() { "GenericObject" } else { "AppScriptObject" },
            "Format": "gzjson",
            "Title": p.name,
            "ParentId": if self.object.is_some() { "" } else { "qvapp_appscript" },
            "IsTemporary": false,
            "ContentHash": p.content_hash,
        });
        use base64::Engine as _;
        let attributes = base64::engine::general_purpose::STANDARD.encode(attributes.to_string());
        json!({
            "id": p.id,
            "createdDate": p.created,
            "modifiedDate": p.modified,
            "modifiedByUserName": modified_by(&owner),
            "schemaPath": "App.Object",
            "privileges": null,
            "owner": user_condensed(site, &owner),
            "name": p.name,
            "engineObjectId": self.engine_object_id(),
            "app": app_condensed(site, self.app),
            "contentHash": p.content_hash,
            "size": p.size,
            "engineObjectType": self.engine_type(),
            "description": p.description,
            "attributes": attributes,
            "objectType": object_type(self.engine_type()),
            "publishTime": p.publish_time,
            "published": p.published,
            "approved": p.approved,
            "tags": [],
            "sourceObject": "",
            "draftObject": "",
            "appObjectBlobId": "00000000-0000-0000-0000-000000000000",
        })
    }
}

struct Parts {
    id: String,
    name: String,
    description: String,
    size: usize,
    content_hash: String,
    published: bool,
    approved: bool,
    publish_time: String,
    created: String,
    modified: String,
}

pub fn connection_full(site: &Site, index: usize) -> Value {
    let c = &site.connections[index];
    let owner = UserId::parse(&c.owner).unwrap_or_else(|| site.demo_user.clone());
    let own = json!({
        "name": c.name,
        "connectionstring": c.connectionstring,
        "type": c.kind,
        "engineObjectId": c.id,
        "username": c.username,
        "password": "",
        "logOn": 0,
        "architecture": 0,
        "tags": [],
    });
    entity(
        site,
        "DataConnection",
        &c.id,
        (&c.created, &c.modified),
        &owner,
        own,
    )
}

/// The condensed connection: the full one without the members only `/full` carries.
pub fn connection_condensed(site: &Site, index: usize) -> Value {
    let mut v = connection_full(site, index);
    if let Some(map) = v.as_object_mut() {
        for key in [
            "createdDate",
            "modifiedDate",
            "modifiedByUserName",
            "schemaPath",
            "customProperties",
            "owner",
            "tags",
        ] {
            map.remove(key);
        }
    }
    v
}

pub fn reload_task_id(app: &App) -> String {
    guid(&format!("reloadtask:{}", app.meta.id))
}

pub fn reload_file_reference(app: &App) -> String {
    guid(&format!("scriptlog:{}", app.meta.id))
}

/// ExecutionResult.Status names (QRS enums).
fn execution_status_text(status: u32) -> &'static str {
    match status {
        0 => "NeverStarted",
        1 => "Triggered",
        2 => "Started",
        3 => "Queued",
        4 => "AbortInitiated",
        5 => "Aborting",
        6 => "Aborted",
        7 => "FinishedSuccess",
        8 => "FinishedFail",
        9 => "Skipped",
        10 => "Retry",
        11 => "Error",
        12 => "Reset",
        13 => "DistributionQueue",
        14 => "DistributionRunning",
        _ => "Unknown",
    }
}

fn duration_ms(start: &str, stop: &str) -> i64 {
    match (
        super::super::time::parse_millis(start),
        super::super::time::parse_millis(stop),
    ) {
        (Some(a), Some(b)) => (b - a).max(0),
        _ => 0,
    }
}

pub fn reload_task_full(site: &Site, app: &App) -> Option<Value> {
    let reload = app.meta.reload.as_ref()?;
    let name = reload
        .task
        .clone()
        .unwrap_or_else(|| format!("Reload task of {}", app.meta.name));
    let mut details = vec![
        json!({"detailsType": 2, "message": "Changing task state from NeverStarted to Triggered", "detailCreatedDate": reload.start_time}),
    ];
    details.push(json!({
        "detailsType": if reload.status == 7 { 2 } else { 1 },
        "message": format!("Changing task state from Started to {}", execution_status_text(reload.status)),
        "detailCreatedDate": reload.stop_time,
    }));
    Some(json!({
        "id": reload_task_id(app),
        "createdDate": app.meta.created_date,
        "modifiedDate": app.meta.modified_date,
        "modifiedByUserName": modified_by(&app.owner),
        "schemaPath": "ReloadTask",
        "privileges": null,
        "customProperties": [],
        "name": name,
        "taskType": 0,
        "enabled": true,
        "taskSessionTimeout": 1440,
        "maxRetries": 0,
        "tags": [],
        "app": app_condensed(site, app),
        "isManuallyTriggered": false,
        "isPartialReload": false,
        "timeToLive": 1440,
        "preloadNodes": [],
        "operational": {
            "id": guid(&format!("operational:{}", app.meta.id)),
            "nextExecution": NEVER,
            "privileges": null,
            "lastExecutionResult": {
                "id": guid(&format!("execution:{}", app.meta.id)),
                "executingNodeName": "qlik-node-1",
                "status": reload.status,
                "startTime": reload.start_time,
                "stopTime": reload.stop_time,
                "duration": duration_ms(&reload.start_time, &reload.stop_time),
                "fileReferenceID": reload_file_reference(app),
                "scriptLogAvailable": true,
                "scriptLogLocation": format!("qlik-node-1\\{}.log", app.meta.id),
                "scriptLogSize": app.script.len(),
                "details": details,
                "privileges": null,
            },
        },
    }))
}

pub fn reload_task_condensed(task: &Value) -> Value {
    json!({
        "id": task["id"],
        "operational": {"id": task["operational"]["id"], "nextExecution": NEVER, "privileges": null},
        "name": task["name"],
        "taskType": 0,
        "enabled": true,
        "privileges": null,
    })
}

/// The script log a reload would have written: the statements of the script with the
/// execution frame around them.
pub fn script_log(app: &App) -> String {
    let reload = app.meta.reload.as_ref();
    let start = reload.map(|r| r.start_time.as_str()).unwrap_or(NEVER);
    let stop = reload.map(|r| r.stop_time.as_str()).unwrap_or(NEVER);
    let mut log = format!(
        "{start}      Execution started.\r\n{start}      Qlik Sense Server Version 14.254.6\r\n{start}      Reload of app {} ({})\r\n",
        app.meta.name, app.meta.id
    );
    for (i, line) in app.script.lines().enumerate() {
        log.push_str(&format!("{start} {:04} {line}\r\n", i + 1));
    }
    let ok = reload.is_some_and(|r| r.status == 7);
    log.push_str(&format!(
        "{stop}      {}\r\n",
        if ok {
            "Execution finished."
        } else {
            "Execution Failed"
        }
    ));
    log
}
