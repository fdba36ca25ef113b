//! QRS entities (the Repository's "Open API" models), full and condensed, as the simulator
//! serialises them and the crawler reads them. Field order is the order QRS writes. Reading
//! tolerates what real servers vary on: unknown members, missing ones (older servers lack
//! `isPartialReload`, `timeToLive`, `preloadNodes`, the script-log fields), `null` or `""`
//! for `stream`, `owner`, `engineObjectId` and `operational`, `size` -1, any `contentHash`.
//! Dates stay strings as sent; [`crate::qlik::date`] reads them.

use crate::qlik::lenient::{
    any_string, lenient_bool, lenient_i64, maybe, nullable, object_or_none,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The members every full entity starts with, in the order QRS writes them: flattened into
/// each entity so the list is written once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Entity {
    #[serde(deserialize_with = "any_string")]
    pub id: String,
    #[serde(deserialize_with = "any_string")]
    pub created_date: String,
    #[serde(deserialize_with = "any_string")]
    pub modified_date: String,
    #[serde(deserialize_with = "any_string")]
    pub modified_by_user_name: String,
    #[serde(deserialize_with = "any_string")]
    pub schema_path: String,
    pub privileges: Option<Value>,
}

impl Entity {
    /// The members as a server writes them, `privileges` not asked for.
    pub fn new(
        id: String,
        created_date: String,
        modified_date: String,
        modified_by_user_name: String,
        schema_path: &str,
    ) -> Entity {
        Entity {
            id,
            created_date,
            modified_date,
            modified_by_user_name,
            schema_path: schema_path.to_owned(),
            privileges: None,
        }
    }
}

/// `GET /qrs/about`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct About {
    #[serde(deserialize_with = "any_string")]
    pub build_version: String,
    #[serde(deserialize_with = "any_string")]
    pub build_date: String,
    #[serde(deserialize_with = "any_string")]
    pub database_provider: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub node_type: i64,
    #[serde(deserialize_with = "lenient_bool")]
    pub shared_persistence: bool,
    #[serde(deserialize_with = "lenient_bool")]
    pub requires_bootstrap: bool,
    #[serde(deserialize_with = "lenient_bool")]
    pub single_node_only: bool,
    #[serde(deserialize_with = "any_string")]
    pub schema_path: String,
}

/// UserCondensed, as `owner` on most entities.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct UserCondensed {
    #[serde(deserialize_with = "any_string")]
    pub id: String,
    #[serde(deserialize_with = "any_string")]
    pub user_id: String,
    #[serde(deserialize_with = "any_string")]
    pub user_directory: String,
    #[serde(deserialize_with = "any_string")]
    pub user_directory_connector_name: String,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    pub privileges: Option<Value>,
}

impl UserCondensed {
    /// `DIRECTORY\id`, or `None` for an empty user.
    pub fn qualified(&self) -> Option<String> {
        (!self.user_id.is_empty()).then(|| format!("{}\\{}", self.user_directory, self.user_id))
    }
}

/// TagCondensed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TagCondensed {
    #[serde(deserialize_with = "any_string")]
    pub id: String,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    pub privileges: Option<Value>,
}

/// StreamCondensed, as `stream` on apps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StreamCondensed {
    #[serde(deserialize_with = "any_string")]
    pub id: String,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    pub privileges: Option<Value>,
}

/// CustomPropertyDefinitionCondensed, inside a value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CustomPropertyDefinitionCondensed {
    #[serde(deserialize_with = "any_string")]
    pub id: String,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    #[serde(deserialize_with = "any_string")]
    pub value_type: String,
    #[serde(deserialize_with = "nullable")]
    pub choice_values: Vec<String>,
    pub privileges: Option<Value>,
}

/// CustomPropertyValue: one value of a custom property on an entity.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CustomPropertyValue {
    #[serde(deserialize_with = "any_string")]
    pub id: String,
    #[serde(deserialize_with = "any_string")]
    pub created_date: String,
    #[serde(deserialize_with = "any_string")]
    pub modified_date: String,
    #[serde(deserialize_with = "any_string")]
    pub modified_by_user_name: String,
    #[serde(deserialize_with = "any_string")]
    pub value: String,
    #[serde(deserialize_with = "nullable")]
    pub definition: CustomPropertyDefinitionCondensed,
    #[serde(deserialize_with = "any_string")]
    pub schema_path: String,
}

/// `GET /qrs/stream/full`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Stream {
    #[serde(flatten)]
    pub entity: Entity,
    #[serde(deserialize_with = "nullable")]
    pub custom_properties: Vec<CustomPropertyValue>,
    #[serde(deserialize_with = "object_or_none")]
    pub owner: Option<UserCondensed>,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub tags: Vec<TagCondensed>,
}

/// AppCondensed (`GET /qrs/app`, and `app` on objects and tasks).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppCondensed {
    #[serde(deserialize_with = "any_string")]
    pub id: String,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    #[serde(deserialize_with = "any_string")]
    pub app_id: String,
    #[serde(deserialize_with = "any_string")]
    pub publish_time: String,
    #[serde(deserialize_with = "lenient_bool")]
    pub published: bool,
    #[serde(deserialize_with = "object_or_none")]
    pub stream: Option<StreamCondensed>,
    #[serde(deserialize_with = "any_string")]
    pub saved_in_product_version: String,
    #[serde(deserialize_with = "any_string")]
    pub migration_hash: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub availability_status: i64,
    pub privileges: Option<Value>,
}

/// `GET /qrs/app/full`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct App {
    #[serde(flatten)]
    pub entity: Entity,
    #[serde(deserialize_with = "nullable")]
    pub custom_properties: Vec<CustomPropertyValue>,
    #[serde(deserialize_with = "object_or_none")]
    pub owner: Option<UserCondensed>,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    #[serde(deserialize_with = "any_string")]
    pub app_id: String,
    #[serde(deserialize_with = "any_string")]
    pub source_app_id: String,
    #[serde(deserialize_with = "any_string")]
    pub target_app_id: String,
    #[serde(deserialize_with = "any_string")]
    pub publish_time: String,
    #[serde(deserialize_with = "lenient_bool")]
    pub published: bool,
    #[serde(deserialize_with = "nullable")]
    pub tags: Vec<TagCondensed>,
    #[serde(deserialize_with = "any_string")]
    pub description: String,
    #[serde(deserialize_with = "object_or_none")]
    pub stream: Option<StreamCondensed>,
    #[serde(deserialize_with = "lenient_i64")]
    pub file_size: i64,
    #[serde(deserialize_with = "any_string")]
    pub last_reload_time: String,
    #[serde(deserialize_with = "any_string")]
    pub thumbnail: String,
    #[serde(deserialize_with = "any_string")]
    pub saved_in_product_version: String,
    #[serde(deserialize_with = "any_string")]
    pub migration_hash: String,
    #[serde(deserialize_with = "any_string")]
    pub dynamic_color: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub availability_status: i64,
    pub last_data_distribution: Option<Value>,
    #[serde(deserialize_with = "lenient_i64")]
    pub static_byte_size: i64,
}

/// `GET /qrs/app/object/full`. `engineObjectId` is the join key with the engine's `qId`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct AppObject {
    #[serde(flatten)]
    pub entity: Entity,
    #[serde(deserialize_with = "object_or_none")]
    pub owner: Option<UserCondensed>,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    #[serde(deserialize_with = "any_string")]
    pub engine_object_id: String,
    #[serde(deserialize_with = "object_or_none")]
    pub app: Option<AppCondensed>,
    #[serde(deserialize_with = "any_string")]
    pub content_hash: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub size: i64,
    #[serde(deserialize_with = "any_string")]
    pub engine_object_type: String,
    #[serde(deserialize_with = "any_string")]
    pub description: String,
    #[serde(deserialize_with = "any_string")]
    pub attributes: String,
    #[serde(deserialize_with = "any_string")]
    pub object_type: String,
    #[serde(deserialize_with = "any_string")]
    pub publish_time: String,
    #[serde(deserialize_with = "lenient_bool")]
    pub published: bool,
    #[serde(deserialize_with = "lenient_bool")]
    pub approved: bool,
    #[serde(deserialize_with = "nullable")]
    pub tags: Vec<TagCondensed>,
    #[serde(deserialize_with = "any_string")]
    pub source_object: String,
    #[serde(deserialize_with = "any_string")]
    pub draft_object: String,
    #[serde(deserialize_with = "any_string")]
    pub app_object_blob_id: String,
}

/// `GET /qrs/dataconnection/full`. `password` is never stored by the crawler.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DataConnection {
    #[serde(flatten)]
    pub entity: Entity,
    #[serde(deserialize_with = "nullable")]
    pub custom_properties: Vec<CustomPropertyValue>,
    #[serde(deserialize_with = "object_or_none")]
    pub owner: Option<UserCondensed>,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    #[serde(rename = "connectionstring", deserialize_with = "any_string")]
    pub connection_string: String,
    #[serde(rename = "type", deserialize_with = "any_string")]
    pub kind: String,
    #[serde(deserialize_with = "any_string")]
    pub engine_object_id: String,
    #[serde(deserialize_with = "any_string")]
    pub username: String,
    #[serde(deserialize_with = "any_string")]
    pub password: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub log_on: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub architecture: i64,
    #[serde(deserialize_with = "nullable")]
    pub tags: Vec<TagCondensed>,
}

/// One line of an execution result's `details`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExecutionDetail {
    #[serde(deserialize_with = "lenient_i64")]
    pub details_type: i64,
    #[serde(deserialize_with = "any_string")]
    pub message: String,
    #[serde(deserialize_with = "any_string")]
    pub detail_created_date: String,
}

/// ExecutionResult (a task's last run). Older servers lack the script-log fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ExecutionResult {
    #[serde(deserialize_with = "any_string")]
    pub id: String,
    #[serde(deserialize_with = "any_string")]
    pub executing_node_name: String,
    /// ExecutionResult.Status: 7 FinishedSuccess, 8 FinishedFail, …
    #[serde(deserialize_with = "lenient_i64")]
    pub status: i64,
    #[serde(deserialize_with = "any_string")]
    pub start_time: String,
    #[serde(deserialize_with = "any_string")]
    pub stop_time: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub duration: i64,
    #[serde(
        rename = "fileReferenceID",
        alias = "fileReferenceId",
        deserialize_with = "any_string"
    )]
    pub file_reference_id: String,
    #[serde(deserialize_with = "lenient_bool")]
    pub script_log_available: bool,
    #[serde(deserialize_with = "any_string")]
    pub script_log_location: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub script_log_size: i64,
    #[serde(deserialize_with = "nullable")]
    pub details: Vec<ExecutionDetail>,
    pub privileges: Option<Value>,
}

/// `operational` on a task; `null` on some 3.x servers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TaskOperational {
    #[serde(deserialize_with = "any_string")]
    pub id: String,
    #[serde(deserialize_with = "any_string")]
    pub next_execution: String,
    pub privileges: Option<Value>,
    #[serde(
        deserialize_with = "object_or_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_execution_result: Option<ExecutionResult>,
}

/// `GET /qrs/reloadtask/full` (and the reload tasks in `/qrs/task/full`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReloadTask {
    #[serde(flatten)]
    pub entity: Entity,
    #[serde(deserialize_with = "nullable")]
    pub custom_properties: Vec<CustomPropertyValue>,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    #[serde(deserialize_with = "lenient_i64")]
    pub task_type: i64,
    #[serde(deserialize_with = "lenient_bool")]
    pub enabled: bool,
    #[serde(deserialize_with = "lenient_i64")]
    pub task_session_timeout: i64,
    #[serde(deserialize_with = "lenient_i64")]
    pub max_retries: i64,
    #[serde(deserialize_with = "nullable")]
    pub tags: Vec<TagCondensed>,
    #[serde(deserialize_with = "object_or_none")]
    pub app: Option<AppCondensed>,
    #[serde(deserialize_with = "lenient_bool")]
    pub is_manually_triggered: bool,
    #[serde(deserialize_with = "maybe", skip_serializing_if = "Option::is_none")]
    pub is_partial_reload: Option<bool>,
    #[serde(deserialize_with = "maybe", skip_serializing_if = "Option::is_none")]
    pub time_to_live: Option<i64>,
    #[serde(deserialize_with = "maybe", skip_serializing_if = "Option::is_none")]
    pub preload_nodes: Option<Vec<Value>>,
    #[serde(deserialize_with = "object_or_none")]
    pub operational: Option<TaskOperational>,
}

/// `GET /qrs/user/full` (the members the crawler needs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct User {
    #[serde(flatten)]
    pub entity: Entity,
    #[serde(deserialize_with = "nullable")]
    pub custom_properties: Vec<CustomPropertyValue>,
    #[serde(deserialize_with = "any_string")]
    pub user_id: String,
    #[serde(deserialize_with = "any_string")]
    pub user_directory: String,
    #[serde(deserialize_with = "any_string")]
    pub user_directory_connector_name: String,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub roles: Vec<String>,
    #[serde(deserialize_with = "lenient_bool")]
    pub inactive: bool,
    #[serde(deserialize_with = "lenient_bool")]
    pub removed_externally: bool,
    #[serde(deserialize_with = "lenient_bool")]
    pub blacklisted: bool,
    #[serde(deserialize_with = "nullable")]
    pub tags: Vec<TagCondensed>,
}

/// `GET /qrs/tag/full`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Tag {
    #[serde(flatten)]
    pub entity: Entity,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
}

/// `GET /qrs/custompropertydefinition/full`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CustomPropertyDefinition {
    #[serde(flatten)]
    pub entity: Entity,
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    #[serde(deserialize_with = "any_string")]
    pub value_type: String,
    #[serde(deserialize_with = "nullable")]
    pub choice_values: Vec<String>,
    #[serde(deserialize_with = "nullable")]
    pub object_types: Vec<String>,
    #[serde(deserialize_with = "any_string")]
    pub description: String,
}

/// `{"value": …}`: counts and the script-log download reference.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ValueOf {
    pub value: Value,
}

/// The all-zero GUID QRS uses for "none" (e.g. a task without a script log).
pub const ZERO_GUID: &str = "00000000-0000-0000-0000-000000000000";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read<T: serde::de::DeserializeOwned>(text: &str) -> T {
        let value = crate::qlik::lenient::parse_value(text).expect("json");
        serde_json::from_value(value).expect("entity")
    }

    #[test]
    fn a_3x_reload_task_with_null_operational_and_missing_fields() {
        let t: ReloadTask = read(
            r#"{"id":"t1","name":"Reload","taskType":0,"enabled":true,"app":{"id":"a1","name":"A"},
                "operational":null,"schemaPath":"ReloadTask","privileges":null}"#,
        );
        assert_eq!(t.operational, None);
        assert_eq!(t.is_partial_reload, None);
        assert_eq!(t.time_to_live, None);
        assert_eq!(t.preload_nodes, None);
        assert_eq!(t.app.unwrap().id, "a1");
    }

    #[test]
    fn an_execution_result_without_script_log_fields() {
        let t: ReloadTask = read(
            r#"{"id":"t1","operational":{"id":"o","lastExecutionResult":{"id":"e","status":"8",
                "startTime":"2017-02-21T06:14:46Z","stopTime":"2017-02-21T06:15:46.1234567Z","duration":60000}}}"#,
        );
        let last = t.operational.unwrap().last_execution_result.unwrap();
        assert_eq!((last.status, last.script_log_available), (8, false));
        assert_eq!(last.file_reference_id, "");
    }

    #[test]
    fn apps_with_null_or_empty_stream_and_owner_and_the_never_date() {
        for stream in ["null", "\"\""] {
            let a: App = read(&format!(
                r#"{{"id":"a","name":"A","stream":{stream},"owner":{stream},"published":false,
                    "publishTime":"1753-01-01T00:00:00.000Z","fileSize":-1,
                    "customProperties":[{{"value":"Red","definition":{{"name":"Colour","valueType":"Text"}}}}],
                    "tags":[{{"id":"t","name":"Finance"}}],"unknownMember":{{"x":1}}}}"#
            ));
            assert_eq!(a.stream, None);
            assert_eq!(a.owner, None);
            assert!(crate::qlik::date::is_never(&a.publish_time));
            assert_eq!(a.file_size, -1);
            assert_eq!(a.custom_properties[0].definition.name, "Colour");
            assert_eq!(a.tags[0].name, "Finance");
        }
    }

    #[test]
    fn app_objects_with_odd_members() {
        let o: AppObject = read(
            r#"{"id":"o","engineObjectId":null,"contentHash":"not-a-hash","size":-1,"owner":"",
                "published":true,"approved":null,"app":null,"objectType":"sheet","tags":null}"#,
        );
        assert_eq!(o.engine_object_id, "");
        assert_eq!((o.size, o.published, o.approved), (-1, true, false));
        assert_eq!(o.content_hash, "not-a-hash");
        assert!(o.app.is_none() && o.owner.is_none() && o.tags.is_empty());
        let o: AppObject = read(r#"{"id":"o","engineObjectId":"","size":"12"}"#);
        assert_eq!((o.engine_object_id.as_str(), o.size), ("", 12));
    }

    #[test]
    fn a_full_entity_round_trips() {
        let a = App {
            entity: Entity {
                id: "a".into(),
                ..Entity::default()
            },
            name: "A".into(),
            stream: Some(StreamCondensed {
                id: "s".into(),
                name: "S".into(),
                privileges: None,
            }),
            ..App::default()
        };
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["stream"]["name"], json!("S"));
        assert_eq!(v["owner"], json!(null));
        let back: App = serde_json::from_value(v).unwrap();
        assert_eq!(back, a);
    }
}
