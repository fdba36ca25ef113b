//! Engine (QIX) shapes both sides use: the interface a method returns (`qReturn`), the
//! property tree of a generic object, list items of session-object lists, connections and the
//! parts of sheet and master-item properties the crawler reads. Property sets themselves stay
//! JSON values: Qlik stores client properties beside its own and we keep them byte-faithful.

use crate::qlik::lenient::{
    any_string, lenient_bool, lenient_i64, maybe, nullable, number_or_none,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `qReturn` of a method that hands out an object: `{qType, qHandle, qGenericType, qGenericId}`.
/// Some engine versions answer a missing object with `qType` and `qHandle` null instead of an
/// error; [`ObjectInterface::handle`] is `None` then, which callers treat as "not found".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ObjectInterface {
    #[serde(rename = "qType", deserialize_with = "maybe")]
    pub kind: Option<String>,
    #[serde(rename = "qHandle", deserialize_with = "maybe")]
    pub handle: Option<i64>,
    #[serde(rename = "qGenericType", deserialize_with = "any_string")]
    pub generic_type: String,
    /// Missing on some versions and for the Doc interface.
    #[serde(rename = "qGenericId", deserialize_with = "any_string")]
    pub generic_id: String,
}

impl ObjectInterface {
    /// The handle, when the engine gave a usable one.
    pub fn usable_handle(&self) -> Option<i64> {
        match (&self.kind, self.handle) {
            (Some(kind), Some(h)) if !kind.is_empty() => Some(h),
            _ => None,
        }
    }
}

/// `qInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(default)]
pub struct NxInfo {
    #[serde(rename = "qId", deserialize_with = "any_string")]
    pub id: String,
    #[serde(rename = "qType", deserialize_with = "any_string")]
    pub kind: String,
}

/// `GetFullPropertyTree`'s `qPropEntry`, and one object file of a site directory: the
/// properties as Qlik stores them and the embedded children, recursively (containers nest).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PropertyTree {
    #[serde(rename = "qProperty")]
    pub property: Value,
    #[serde(rename = "qChildren", default, deserialize_with = "nullable")]
    pub children: Vec<PropertyTree>,
    #[serde(
        rename = "qEmbeddedSnapshotRef",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub embedded_snapshot_ref: Option<Value>,
}

impl PropertyTree {
    /// Every node of the tree, depth first, the root first.
    pub fn walk(&self) -> Vec<&PropertyTree> {
        let mut out = vec![self];
        let mut i = 0;
        while i < out.len() {
            let node = out[i];
            out.extend(node.children.iter());
            i += 1;
        }
        out
    }

    pub fn info(&self) -> NxInfo {
        self.property
            .get("qInfo")
            .cloned()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }
}

/// One item of a session-object list layout (`qAppObjectList.qItems`, `qMeasureList.qItems`,
/// `qDimensionList.qItems`, `qBookmarkList.qItems`, `qMediaList.qItems`…).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerEntry {
    #[serde(rename = "qInfo", deserialize_with = "nullable")]
    pub info: NxInfo,
    #[serde(rename = "qMeta", deserialize_with = "nullable")]
    pub meta: Value,
    #[serde(rename = "qData", deserialize_with = "nullable")]
    pub data: Value,
}

/// One item of `qVariableList.qItems` (NxVariableListItem).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VariableListItem {
    #[serde(rename = "qName", deserialize_with = "any_string")]
    pub name: String,
    #[serde(rename = "qDefinition", deserialize_with = "any_string")]
    pub definition: String,
    #[serde(rename = "qDescription", deserialize_with = "any_string")]
    pub description: String,
    #[serde(rename = "qInfo", deserialize_with = "nullable")]
    pub info: NxInfo,
    #[serde(rename = "qIsScriptCreated", deserialize_with = "lenient_bool")]
    pub is_script_created: bool,
    #[serde(rename = "qIsReserved", deserialize_with = "lenient_bool")]
    pub is_reserved: bool,
    #[serde(rename = "qIsConfig", deserialize_with = "lenient_bool")]
    pub is_config: bool,
}

/// One item of `qFieldList.qItems` (NxFieldDescription).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FieldListItem {
    #[serde(rename = "qName", deserialize_with = "any_string")]
    pub name: String,
    #[serde(rename = "qSrcTables", deserialize_with = "nullable")]
    pub src_tables: Vec<String>,
    #[serde(rename = "qTags", deserialize_with = "nullable")]
    pub tags: Vec<String>,
    #[serde(rename = "qIsSystem", deserialize_with = "lenient_bool")]
    pub is_system: bool,
    #[serde(rename = "qIsHidden", deserialize_with = "lenient_bool")]
    pub is_hidden: bool,
    #[serde(rename = "qIsSemantic", deserialize_with = "lenient_bool")]
    pub is_semantic: bool,
    /// Distinct values (0 when the app was opened without data).
    #[serde(rename = "qCardinal", deserialize_with = "lenient_i64")]
    pub cardinal: i64,
}

/// `GetConnections` / `GetConnection` (Connection). `qPassword` is never returned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Connection {
    #[serde(rename = "qId", deserialize_with = "any_string")]
    pub id: String,
    #[serde(rename = "qName", deserialize_with = "any_string")]
    pub name: String,
    #[serde(rename = "qConnectionString", deserialize_with = "any_string")]
    pub connection_string: String,
    #[serde(rename = "qType", deserialize_with = "any_string")]
    pub kind: String,
    #[serde(rename = "qUserName", deserialize_with = "any_string")]
    pub user_name: String,
    #[serde(rename = "qModifiedDate", deserialize_with = "any_string")]
    pub modified_date: String,
    #[serde(rename = "qLogOn", deserialize_with = "any_string")]
    pub log_on: String,
}

/// A sheet cell. `bounds` appears only in responsive-grid versions; `col`/`row` may be
/// numbers or strings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cell {
    /// The child object's `qId`.
    #[serde(deserialize_with = "any_string")]
    pub name: String,
    #[serde(rename = "type", deserialize_with = "any_string")]
    pub kind: String,
    #[serde(deserialize_with = "number_or_none")]
    pub col: Option<f64>,
    #[serde(deserialize_with = "number_or_none")]
    pub row: Option<f64>,
    #[serde(deserialize_with = "number_or_none")]
    pub colspan: Option<f64>,
    #[serde(deserialize_with = "number_or_none")]
    pub rowspan: Option<f64>,
    #[serde(deserialize_with = "maybe", skip_serializing_if = "Option::is_none")]
    pub bounds: Option<Value>,
}

/// The cells of a sheet's properties; odd cells are skipped rather than failing the sheet.
pub fn sheet_cells(property: &Value) -> Vec<Cell> {
    property
        .get("cells")
        .and_then(Value::as_array)
        .map(|cells| {
            cells
                .iter()
                .filter_map(|c| serde_json::from_value(c.clone()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// `qDimInfos[]` of a dimension layout; `qFallbackTitle` is missing on some versions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DimensionInfo {
    #[serde(rename = "qFallbackTitle", deserialize_with = "any_string")]
    pub fallback_title: String,
    #[serde(rename = "qCardinal", deserialize_with = "number_or_none")]
    pub cardinal: Option<f64>,
}

/// The expressions of a property set that matter for lineage: measure definitions, dimension
/// field definitions, attribute expressions, list-box fields and `qStringExpression`s, in
/// document order. Large client blobs (`qUndoExclude`, `extensionMeta`) are skipped unread.
pub fn expressions(property: &Value) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    if k == "qUndoExclude" || k == "extensionMeta" {
                        continue;
                    }
                    match (k.as_str(), child) {
                        ("qDef" | "qExpr" | "qLabelExpression", Value::String(s))
                            if !s.is_empty() =>
                        {
                            out.push(s.clone())
                        }
                        ("qFieldDefs", Value::Array(items)) => out.extend(
                            items
                                .iter()
                                .filter_map(Value::as_str)
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned),
                        ),
                        _ => walk(child, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(property, &mut out);
    out
}

/// The list definitions third-party clients build app inventories from, with the `qData`
/// pointers that bring each item's definition along (without `"/qMeasure"` a measure list has
/// no expressions).
pub mod list_defs {
    use serde_json::{json, Value};

    pub fn app_objects(q_type: &str) -> Value {
        json!({"qInfo": {"qType": format!("{q_type}List")},
               "qAppObjectListDef": {"qType": q_type, "qData": {"title": "/qMetaDef/title", "description": "/qMetaDef/description"}}})
    }
    pub fn measures() -> Value {
        json!({"qInfo": {"qType": "MeasureList"},
               "qMeasureListDef": {"qType": "measure", "qData": {"title": "/qMetaDef/title", "tags": "/qMetaDef/tags", "measure": "/qMeasure"}}})
    }
    pub fn dimensions() -> Value {
        json!({"qInfo": {"qType": "DimensionList"},
               "qDimensionListDef": {"qType": "dimension", "qData": {"title": "/qMetaDef/title", "tags": "/qMetaDef/tags", "dim": "/qDim", "info": "/qDimInfos"}}})
    }
    pub fn variables() -> Value {
        json!({"qInfo": {"qType": "VariableList"},
               "qVariableListDef": {"qType": "variable", "qShowReserved": false, "qShowConfig": false, "qData": {"tags": "/tags"}}})
    }
    pub fn bookmarks() -> Value {
        json!({"qInfo": {"qType": "BookmarkList"},
               "qBookmarkListDef": {"qType": "bookmark", "qData": {"title": "/qMetaDef/title"}}})
    }
    pub fn fields() -> Value {
        json!({"qInfo": {"qType": "FieldList"},
               "qFieldListDef": {"qShowSystem": false, "qShowHidden": true, "qShowSrcTables": true, "qShowSemantic": true, "qShowDerivedFields": true}})
    }
    pub fn media() -> Value {
        json!({"qInfo": {"qType": "MediaList"}, "qMediaListDef": {}})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_missing_object_answered_with_null_handle_is_unusable() {
        let i: ObjectInterface =
            serde_json::from_value(json!({"qType": null, "qHandle": null})).unwrap();
        assert_eq!(i.usable_handle(), None);
        let i: ObjectInterface =
            serde_json::from_value(json!({"qType": "GenericObject", "qHandle": 4})).unwrap();
        assert_eq!((i.usable_handle(), i.generic_id.as_str()), (Some(4), ""));
    }

    #[test]
    fn cells_without_bounds_and_with_string_numbers() {
        let cells = sheet_cells(&json!({"cells": [
            {"name": "a", "type": "kpi", "col": 0, "row": "2", "colspan": 6, "rowspan": 3},
            {"name": "b", "type": "table", "col": 1.000000, "bounds": {"x": 0}},
            "garbage"
        ]}));
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[0].bounds, None);
        assert_eq!(cells[0].row, Some(2.0), "a number sent as a string");
        assert_eq!(cells[1].col, Some(1.0));
    }

    #[test]
    fn dim_infos_without_fallback_title() {
        let d: DimensionInfo = serde_json::from_value(json!({"qCardinal": "NaN"})).unwrap();
        assert_eq!((d.fallback_title.as_str(), d.cardinal), ("", None));
    }

    #[test]
    fn expressions_skip_client_blobs() {
        let p = json!({"qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
            "qMeasures": [{"qDef": {"qDef": "Sum(Sales)"}, "qAttributeExpressions": [{"qExpr": "If(1,red())"}]}]},
            "title": {"qStringExpression": {"qExpr": "='Total'"}},
            "qUndoExclude": {"qDef": "ignored"}, "extensionMeta": {"qDef": "ignored"}});
        assert_eq!(
            expressions(&p),
            vec!["Region", "Sum(Sales)", "If(1,red())", "='Total'"]
        );
    }

    #[test]
    fn property_trees_walk_nested_containers() {
        let t: PropertyTree = serde_json::from_value(json!({"qProperty": {"qInfo": {"qId": "s", "qType": "sheet"}},
            "qChildren": [{"qProperty": {"qInfo": {"qId": "c", "qType": "container"}},
                           "qChildren": [{"qProperty": {"qInfo": {"qId": "k", "qType": "kpi"}}, "qChildren": null}]}]}))
        .unwrap();
        let ids: Vec<String> = t.walk().iter().map(|n| n.info().id).collect();
        assert_eq!(ids, ["s", "c", "k"]);
    }
}
