//! The on-disk shapes of a site directory (docs/site-format.md), read with serde. Unknown keys
//! are refused so a misspelt setting is an error, not a silently ignored default.

use serde::Deserialize;
use serde_json::Value;

/// `site.json`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    pub name: String,
    pub users: Vec<UserDef>,
    pub streams: Vec<StreamDef>,
    #[serde(default)]
    pub data_connections: Vec<ConnectionDef>,
    pub virtual_proxies: Vec<VirtualProxyDef>,
    pub demo_user: String,
    #[serde(default)]
    pub jwt_signing_key: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserDef {
    /// `DIRECTORY\userid`.
    pub user: String,
    #[serde(default)]
    pub name: String,
    /// What the Windows (NTLM) login checks; a user without one cannot log in that way.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub root_admin: bool,
    /// Stream names the user may read; `"*"` means every stream.
    #[serde(default)]
    pub streams: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VirtualProxyDef {
    #[serde(default)]
    pub prefix: String,
    pub method: String,
    pub session_cookie: String,
    #[serde(default)]
    pub windows_pattern: Option<String>,
    #[serde(default)]
    pub jwt_certificate: Option<String>,
    #[serde(default)]
    pub jwt_user_id: Option<String>,
    #[serde(default)]
    pub jwt_user_directory: Option<String>,
    #[serde(default)]
    pub jwt_audience: Option<String>,
    #[serde(default)]
    pub header_name: Option<String>,
    #[serde(default)]
    pub user_directory: Option<String>,
}

/// `apps/<folder>/app.json`: the app's repository record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AppFile {
    pub id: String,
    pub name: String,
    pub owner: String,
    #[serde(default)]
    pub stream: Option<String>,
    #[serde(default)]
    pub published: bool,
    #[serde(default)]
    pub publish_time: Option<String>,
    pub created_date: String,
    pub modified_date: String,
    #[serde(default)]
    pub last_reload_time: Option<String>,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub file_size: u64,
    #[serde(default)]
    pub has_section_access: bool,
    #[serde(default)]
    pub reload: Option<ReloadDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReloadDef {
    pub status: u32,
    pub start_time: String,
    pub stop_time: String,
    #[serde(default)]
    pub task: Option<String>,
}

/// `apps/<folder>/objects/*.json`: one persistent object as GetFullPropertyTree returns it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectFile {
    #[serde(rename = "qProperty")]
    pub property: Value,
    #[serde(rename = "qChildren", default)]
    pub children: Vec<ObjectNode>,
    #[serde(default)]
    pub meta: ObjectMeta,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectNode {
    #[serde(rename = "qProperty")]
    pub property: Value,
    #[serde(rename = "qChildren", default)]
    pub children: Vec<ObjectNode>,
    #[serde(rename = "qEmbeddedSnapshotRef", default)]
    pub embedded_snapshot_ref: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ObjectMeta {
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub published: Option<bool>,
    #[serde(default)]
    pub approved: Option<bool>,
    #[serde(default)]
    pub created_date: Option<String>,
    #[serde(default)]
    pub modified_date: Option<String>,
    /// Variables defined by SET/LET in the script rather than in the app.
    #[serde(default, alias = "script_created")]
    pub script_created: bool,
}

/// `apps/<folder>/model.json`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub tables: Vec<TableDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    pub name: String,
    pub rows: u64,
    #[serde(default)]
    pub comment: String,
    pub fields: Vec<FieldDef>,
}

#[derive(Debug, Clone, Deserialize)]
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

/// One `lineage.json` entry, exactly as GetLineage reports it.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct LineageEntry {
    #[serde(rename = "qDiscriminator")]
    pub discriminator: String,
    #[serde(rename = "qStatement", default)]
    pub statement: String,
}
