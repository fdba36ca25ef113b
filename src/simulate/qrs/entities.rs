//! QRS entities built from the site: full and condensed forms, with the repository's
//! conventions (schemaPath, privileges null, the 1753 "never published" date). The entity
//! types are `qlik::qrs`'s, the ones the crawler reads.

use crate::qlik::qrs;
use crate::simulate::site::{q_type, App, Object, Site, UserId};
use serde_json::{json, Value};

/// The publish time QRS reports for apps and objects never published.
pub const NEVER: &str = crate::qlik::date::NEVER;

fn value<T: serde::Serialize>(entity: &T) -> Value {
    serde_json::to_value(entity).unwrap_or(Value::Null)
}

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

pub fn user_guid(id: &UserId) -> String {
    guid(&format!("user:{}", id.to_string().to_lowercase()))
}

pub fn user_condensed_entity(site: &Site, id: &UserId) -> qrs::UserCondensed {
    let name = site
        .user(id)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| id.id.clone());
    qrs::UserCondensed {
        id: user_guid(id),
        user_id: id.id.clone(),
        user_directory: id.directory.clone(),
        user_directory_connector_name: id.directory.clone(),
        name,
        privileges: None,
    }
}

pub fn user_condensed(site: &Site, id: &UserId) -> Value {
    value(&user_condensed_entity(site, id))
}

pub fn tag_guid(name: &str) -> String {
    guid(&format!("tag:{}", name.to_lowercase()))
}

fn tags(names: &[String]) -> Vec<qrs::TagCondensed> {
    names
        .iter()
        .map(|n| qrs::TagCondensed {
            id: tag_guid(n),
            name: n.clone(),
            privileges: None,
        })
        .collect()
}

fn modified_by(owner: &UserId) -> String {
    owner.to_string()
}

pub fn about() -> Value {
    value(&qrs::About {
        build_version: "30.4.0.0".into(),
        build_date: "10/8/2021 12:43:37 PM".into(),
        database_provider: "Devart.Data.PostgreSql".into(),
        node_type: 1,
        shared_persistence: true,
        requires_bootstrap: false,
        single_node_only: false,
        schema_path: "About".into(),
    })
}

fn stream_condensed_entity(site: &Site, name: &str) -> Option<qrs::StreamCondensed> {
    site.stream_by_name(name).map(|s| qrs::StreamCondensed {
        id: s.id.clone(),
        name: s.name.clone(),
        privileges: None,
    })
}

pub fn stream_condensed(site: &Site, name: &str) -> Value {
    value(&stream_condensed_entity(site, name))
}

pub fn stream_full(site: &Site, index: usize) -> Value {
    let s = &site.streams[index];
    let owner = UserId::parse(&s.owner).unwrap_or_else(|| site.demo_user.clone());
    value(&qrs::Stream {
        entity: qrs::Entity::new(
            s.id.clone(),
            s.created.clone(),
            s.modified.clone(),
            modified_by(&owner),
            "Stream",
        ),
        custom_properties: Vec::new(),
        owner: Some(user_condensed_entity(site, &owner)),
        name: s.name.clone(),
        tags: tags(&s.tags),
    })
}

fn publish_time(app: &App) -> String {
    match (&app.meta.publish_time, app.meta.published) {
        (Some(t), true) => t.clone(),
        _ => NEVER.to_owned(),
    }
}

fn app_stream(site: &Site, app: &App) -> Option<qrs::StreamCondensed> {
    match (&app.meta.stream, app.meta.published) {
        (Some(name), true) => stream_condensed_entity(site, name),
        _ => None,
    }
}

const MIGRATION_HASH: &str = "9f3c6d4a1e8b7f2c5d0a3b6e9c2f5a8d1b4e7c0a";

fn app_condensed_entity(site: &Site, app: &App) -> qrs::AppCondensed {
    qrs::AppCondensed {
        id: app.meta.id.clone(),
        name: app.meta.name.clone(),
        app_id: String::new(),
        publish_time: publish_time(app),
        published: app.meta.published,
        stream: app_stream(site, app),
        saved_in_product_version: "12.1306.0".into(),
        migration_hash: MIGRATION_HASH.into(),
        availability_status: 0,
        privileges: None,
    }
}

pub fn app_condensed(site: &Site, app: &App) -> Value {
    value(&app_condensed_entity(site, app))
}

pub fn app_full(site: &Site, app: &App) -> Value {
    let m = &app.meta;
    value(&qrs::App {
        entity: qrs::Entity::new(
            m.id.clone(),
            m.created_date.clone(),
            m.modified_date.clone(),
            modified_by(&app.owner),
            "App",
        ),
        custom_properties: custom_properties(site, &m.custom_properties),
        owner: Some(user_condensed_entity(site, &app.owner)),
        name: m.name.clone(),
        app_id: String::new(),
        source_app_id: qrs::ZERO_GUID.into(),
        target_app_id: qrs::ZERO_GUID.into(),
        publish_time: publish_time(app),
        published: m.published,
        tags: tags(&m.tags),
        description: m.description.clone(),
        stream: app_stream(site, app),
        file_size: m.file_size as i64,
        last_reload_time: m
            .last_reload_time
            .clone()
            .unwrap_or_else(|| NEVER.to_owned()),
        thumbnail: String::new(),
        saved_in_product_version: "12.1306.0".into(),
        migration_hash: MIGRATION_HASH.into(),
        dynamic_color: String::new(),
        availability_status: 0,
        last_data_distribution: None,
        static_byte_size: (m.file_size / 4) as i64,
    })
}

pub fn custom_property_definition_guid(name: &str) -> String {
    guid(&format!("customproperty:{}", name.to_lowercase()))
}

/// An entity's custom property values (`name` → values) with their definitions.
fn custom_properties(
    site: &Site,
    values: &std::collections::BTreeMap<String, Vec<String>>,
) -> Vec<qrs::CustomPropertyValue> {
    let mut out = Vec::new();
    for (name, vals) in values {
        let def = site
            .custom_properties
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name));
        for v in vals {
            out.push(qrs::CustomPropertyValue {
                id: guid(&format!(
                    "custompropertyvalue:{}:{}",
                    name.to_lowercase(),
                    v
                )),
                created_date: NEVER.into(),
                modified_date: NEVER.into(),
                modified_by_user_name: "INTERNAL\\sa_repository".into(),
                value: v.clone(),
                definition: qrs::CustomPropertyDefinitionCondensed {
                    id: custom_property_definition_guid(name),
                    name: def.map_or_else(|| name.clone(), |d| d.name.clone()),
                    value_type: def.map_or_else(|| "Text".into(), |d| d.value_type.clone()),
                    choice_values: def.map(|d| d.choice_values.clone()).unwrap_or_default(),
                    privileges: None,
                },
                schema_path: "CustomPropertyValue".into(),
            });
        }
    }
    out
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
        value(&self.full_entity(site))
    }

    fn full_entity(&self, site: &Site) -> qrs::AppObject {
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
        qrs::AppObject {
            entity: qrs::Entity::new(
                p.id,
                p.created,
                p.modified,
                modified_by(&owner),
                "App.Object",
            ),
            owner: Some(user_condensed_entity(site, &owner)),
            name: p.name,
            engine_object_id: self.engine_object_id().to_owned(),
            app: Some(app_condensed_entity(site, self.app)),
            content_hash: p.content_hash,
            size: p.size as i64,
            engine_object_type: self.engine_type().to_owned(),
            description: p.description,
            attributes,
            object_type: object_type(self.engine_type()).to_owned(),
            publish_time: p.publish_time,
            published: p.published,
            approved: p.approved,
            tags: Vec::new(),
            source_object: String::new(),
            draft_object: String::new(),
            app_object_blob_id: qrs::ZERO_GUID.into(),
        }
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
    value(&qrs::DataConnection {
        entity: qrs::Entity::new(
            c.id.clone(),
            c.created.clone(),
            c.modified.clone(),
            modified_by(&owner),
            "DataConnection",
        ),
        custom_properties: Vec::new(),
        owner: Some(user_condensed_entity(site, &owner)),
        name: c.name.clone(),
        connection_string: c.connectionstring.clone(),
        kind: c.kind.clone(),
        engine_object_id: c.id.clone(),
        username: c.username.clone(),
        password: String::new(),
        log_on: 0,
        architecture: 0,
        tags: Vec::new(),
    })
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

pub fn execution_result_id(app: &App) -> String {
    guid(&format!("execution:{}", app.meta.id))
}

/// Every field of an entity type, for checking filter paths against.
pub fn template<T: Default + serde::Serialize>() -> Value {
    value(&T::default())
}

pub fn user_full(_site: &Site, user: &crate::simulate::site::User) -> Value {
    let roles = if user.root_admin {
        vec!["RootAdmin".to_owned()]
    } else {
        Vec::new()
    };
    value(&qrs::User {
        entity: qrs::Entity::new(
            user_guid(&user.id),
            NEVER.into(),
            NEVER.into(),
            "INTERNAL\\sa_repository".into(),
            "User",
        ),
        custom_properties: Vec::new(),
        user_id: user.id.id.clone(),
        user_directory: user.id.directory.clone(),
        user_directory_connector_name: user.id.directory.clone(),
        name: if user.name.is_empty() {
            user.id.id.clone()
        } else {
            user.name.clone()
        },
        roles,
        inactive: false,
        removed_externally: false,
        blacklisted: false,
        tags: Vec::new(),
    })
}

/// Every tag name the site uses (streams and apps), sorted case-insensitively, once each.
pub fn tag_names(site: &Site) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for n in site
        .streams
        .iter()
        .flat_map(|s| &s.tags)
        .chain(site.apps.iter().flat_map(|a| &a.meta.tags))
    {
        if !names.iter().any(|m| m.eq_ignore_ascii_case(n)) {
            names.push(n.clone());
        }
    }
    names.sort_by_key(|n| n.to_lowercase());
    names
}

pub fn tag_full(name: &str) -> Value {
    value(&qrs::Tag {
        entity: qrs::Entity::new(
            tag_guid(name),
            NEVER.into(),
            NEVER.into(),
            "INTERNAL\\sa_repository".into(),
            "Tag",
        ),
        name: name.to_owned(),
    })
}

pub fn custom_property_definition_full(def: &crate::qlik::site_format::CustomPropertyDef) -> Value {
    value(&qrs::CustomPropertyDefinition {
        entity: qrs::Entity::new(
            custom_property_definition_guid(&def.name),
            NEVER.into(),
            NEVER.into(),
            "INTERNAL\\sa_repository".into(),
            "CustomPropertyDefinition",
        ),
        name: def.name.clone(),
        value_type: def.value_type.clone(),
        choice_values: def.choice_values.clone(),
        object_types: def.object_types.clone(),
        description: def.description.clone(),
    })
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
    let last = qrs::ExecutionResult {
        id: execution_result_id(app),
        executing_node_name: "qlik-node-1".into(),
        status: i64::from(reload.status),
        start_time: reload.start_time.clone(),
        stop_time: reload.stop_time.clone(),
        duration: duration_ms(&reload.start_time, &reload.stop_time),
        file_reference_id: reload_file_reference(app),
        script_log_available: true,
        script_log_location: format!("qlik-node-1\\{}.log", app.meta.id),
        script_log_size: script_log(app).len() as i64,
        details: details
            .into_iter()
            .filter_map(|d| serde_json::from_value(d).ok())
            .collect(),
        privileges: None,
    };
    let mut task = value(&qrs::ReloadTask {
        entity: qrs::Entity::new(
            reload_task_id(app),
            app.meta.created_date.clone(),
            app.meta.modified_date.clone(),
            modified_by(&app.owner),
            "ReloadTask",
        ),
        custom_properties: Vec::new(),
        name,
        task_type: 0,
        enabled: true,
        task_session_timeout: 1440,
        max_retries: 0,
        tags: Vec::new(),
        app: Some(app_condensed_entity(site, app)),
        is_manually_triggered: false,
        is_partial_reload: Some(false),
        time_to_live: Some(1440),
        preload_nodes: Some(Vec::new()),
        operational: Some(qrs::TaskOperational {
            id: guid(&format!("operational:{}", app.meta.id)),
            next_execution: NEVER.into(),
            privileges: None,
            last_execution_result: Some(last),
        }),
    });
    if site.legacy_shapes {
        // Qlik Sense 3.x: no partial reloads, no time to live, no preload nodes.
        if let Some(map) = task.as_object_mut() {
            for key in ["isPartialReload", "timeToLive", "preloadNodes"] {
                map.remove(key);
            }
        }
    }
    Some(task)
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
    if let Some(log) = &app.script_log {
        return log.clone();
    }
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
