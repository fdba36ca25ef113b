//! The on-disk shapes of a site directory (docs/site-format.md): the simulator reads them, the
//! crawler writes them (a crawl's snapshot is a site the simulator can serve). Unknown keys
//! are refused on reading so a misspelt setting is an error, not a silently ignored default.

pub use crate::qlik::engine::PropertyTree as ObjectNode;
pub use crate::qlik::lineage::LineageEntry;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// `site.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    pub name: String,
    pub users: Vec<UserDef>,
    pub streams: Vec<StreamDef>,
    #[serde(default)]
    pub data_connections: Vec<ConnectionDef>,
    pub virtual_proxies: Vec<VirtualProxyDef>,
    pub demo_user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_signing_key: Option<String>,
    /// Custom property definitions; apps name their values by definition name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_properties: Vec<CustomPropertyDef>,
    /// Serve the shapes of Qlik Sense 3.x (null `operational` on tasks without a run, no
    /// `isPartialReload`/`timeToLive`/`preloadNodes`, dates without milliseconds, a
    /// duplicate key, missing objects answered with a null handle) so clients are tested
    /// against both.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legacy_shapes: bool,
}

/// A custom property definition (QMC → Custom properties).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomPropertyDef {
    pub name: String,
    #[serde(default = "text_type")]
    pub value_type: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choice_values: Vec<String>,
    /// Resource types it applies to (`App`, `Stream`, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub object_types: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

fn text_type() -> String {
    "Text".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserDef {
    /// `DIRECTORY\userid`.
    pub user: String,
    #[serde(default)]
    pub name: String,
    /// What the Windows (NTLM) login checks; a user without one cannot log in that way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(default)]
    pub root_admin: bool,
    /// Stream names the user may read; `"*"` means every stream.
    #[serde(default)]
    pub streams: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamDef {
    pub id: String,
    pub name: String,
    pub owner: String,
    pub created: String,
    pub modified: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionDef {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub connectionstring: String,
    #[serde(default)]
    pub username: String,
    pub owner: String,
    pub created: String,
    pub modified: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualProxyDef {
    #[serde(default)]
    pub prefix: String,
    pub method: String,
    pub session_cookie: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows_pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_certificate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_user_directory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_audience: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_directory: Option<String>,
}

/// `apps/<folder>/app.json`: the app's repository record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppFile {
    pub id: String,
    pub name: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    #[serde(default)]
    pub published: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_time: Option<String>,
    pub created_date: String,
    pub modified_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_reload_time: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub file_size: u64,
    #[serde(default)]
    pub has_section_access: bool,
    /// Custom property values by definition name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_properties: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reload: Option<ReloadDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReloadDef {
    pub status: u32,
    pub start_time: String,
    pub stop_time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
}

/// `apps/<folder>/objects/*.json`: one persistent object as GetFullPropertyTree returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectFile {
    #[serde(rename = "qProperty")]
    pub property: Value,
    #[serde(rename = "qChildren", default)]
    pub children: Vec<ObjectNode>,
    #[serde(default)]
    pub meta: ObjectMeta,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_date: Option<String>,
    /// Variables defined by SET/LET in the script rather than in the app.
    #[serde(
        default,
        rename = "script_created",
        alias = "scriptCreated",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub script_created: bool,
}

/// `apps/<folder>/model.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub tables: Vec<TableDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    pub name: String,
    pub rows: u64,
    #[serde(default)]
    pub comment: String,
    pub fields: Vec<FieldDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    pub name: String,
    #[serde(default)]
    pub distinct: u64,
    #[serde(default)]
    pub non_nulls: u64,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub comment: String,
}

/// `apps/<folder>/connections.json`: the app's `GetConnections` answer as the crawl identity
/// saw it (the site's connections it may use and the app's own `AttachedFiles`). Optional:
/// without it the simulator derives the list from `site.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConnectionDef {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub connectionstring: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub modified: String,
    /// `LOG_ON_SERVICE_USER` or `LOG_ON_CURRENT_USER`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub logon: String,
}

impl AppConnectionDef {
    pub fn from_engine(c: &crate::qlik::engine::Connection) -> AppConnectionDef {
        AppConnectionDef {
            id: c.id.clone(),
            name: c.name.clone(),
            kind: c.kind.clone(),
            connectionstring: c.connection_string.clone(),
            username: c.user_name.clone(),
            modified: c.modified_date.clone(),
            logon: c.log_on.clone(),
        }
    }

    pub fn to_engine(&self) -> crate::qlik::engine::Connection {
        crate::qlik::engine::Connection {
            id: self.id.clone(),
            name: self.name.clone(),
            connection_string: self.connectionstring.clone(),
            kind: self.kind.clone(),
            user_name: self.username.clone(),
            modified_date: self.modified.clone(),
            log_on: self.logon.clone(),
        }
    }
}

/// `apps/<folder>/fields.json`: the app's field list (`qFieldListDef`), read only when the
/// crawl opens apps with data (without data the engine lists no fields). Optional: without it
/// the simulator derives the list from `model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldListDef {
    pub name: String,
    #[serde(default)]
    pub cardinal: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The tables that hold the field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub src_tables: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hidden: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub system: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub semantic: bool,
}

impl FieldListDef {
    pub fn from_engine(f: &crate::qlik::engine::FieldListItem) -> FieldListDef {
        FieldListDef {
            name: f.name.clone(),
            cardinal: u64::try_from(f.cardinal).unwrap_or(0),
            tags: f.tags.clone(),
            src_tables: f.src_tables.clone(),
            hidden: f.is_hidden,
            system: f.is_system,
            semantic: f.is_semantic,
        }
    }

    pub fn to_engine(&self) -> crate::qlik::engine::FieldListItem {
        crate::qlik::engine::FieldListItem {
            name: self.name.clone(),
            src_tables: self.src_tables.clone(),
            tags: self.tags.clone(),
            is_system: self.system,
            is_hidden: self.hidden,
            is_semantic: self.semantic,
            cardinal: i64::try_from(self.cardinal).unwrap_or(i64::MAX),
        }
    }
}

/// One app folder in memory: what a crawl reads for an app, what a snapshot folder holds,
/// what the catalog stores in one transaction.
#[derive(Debug, Clone)]
pub struct AppSnapshot {
    pub meta: AppFile,
    pub script: String,
    /// `(file stem, object)`, in a stable order.
    pub objects: Vec<(String, ObjectFile)>,
    pub model: Option<ModelFile>,
    pub lineage: Vec<LineageEntry>,
    pub script_log: Option<String>,
    /// `GetConnections`.
    pub connections: Vec<AppConnectionDef>,
    /// The field list; empty when the app was opened without data.
    pub fields: Vec<FieldListDef>,
}

/// A file-name-safe, stable stem for an app or object id: the folder and file names of a
/// site directory, written by the crawler and by the catalog alike.
pub fn file_stem(id: &str) -> String {
    let stem: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() || stem.starts_with('.') {
        format!("object{stem}")
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qlik::engine::{Connection, FieldListItem};

    #[test]
    fn engine_connections_and_fields_survive_the_file_shapes() {
        let c: Connection = serde_json::from_value(serde_json::json!({
            "qId": "c1", "qName": "ERP", "qConnectionString": "Provider=x", "qType": "OLEDB",
            "qUserName": "svc", "qModifiedDate": "2026-01-01T00:00:00.000Z",
            "qLogOn": "LOG_ON_SERVICE_USER", "qMeta": {"qName": "ERP"}}))
        .unwrap();
        assert_eq!(AppConnectionDef::from_engine(&c).to_engine(), c);
        let f: FieldListItem = serde_json::from_value(serde_json::json!({
            "qName": "Region", "qCardinal": "12", "qTags": ["$text"], "qSrcTables": ["Sales"],
            "qIsHidden": false, "qIsSystem": false, "qIsSemantic": true}))
        .unwrap();
        assert_eq!(f.cardinal, 12);
        assert_eq!(FieldListDef::from_engine(&f).to_engine(), f);
        let old: FieldListDef = serde_json::from_str(r#"{"name": "x"}"#).unwrap();
        assert_eq!((old.cardinal, old.hidden), (0, false));
        assert!(serde_json::from_str::<FieldListDef>(r#"{"name": "x", "nmae": 1}"#).is_err());
    }
}
