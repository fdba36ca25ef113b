//! From an app's object files to catalog rows: every object of every tree (sheets and the
//! charts embedded in them, master items, variables, bookmarks), each with a content hash; a
//! sheet's grid cells; the dimensions and measures each visual object shows.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::qlik::engine::PropertyTree;
use crate::qlik::site_format::ObjectFile;

/// Hex SHA-256 of some bytes.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn hash_json(value: &Value) -> String {
    sha256(&serde_json::to_vec(value).unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectRow {
    pub id: String,
    pub kind: String,
    pub parent_id: Option<String>,
    pub sheet_id: Option<String>,
    pub name: String,
    pub visualization: Option<String>,
    pub definition: Option<String>,
    pub label: Option<String>,
    pub description: String,
    pub owner: Option<String>,
    pub published: Option<bool>,
    pub approved: Option<bool>,
    pub created: Option<String>,
    pub modified: Option<String>,
    pub script_created: bool,
    pub hash: String,
    /// The object file, for persistent objects only.
    pub file: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CellRow {
    pub sheet_id: String,
    pub object_id: String,
    pub col: Option<i64>,
    pub row: Option<i64>,
    pub colspan: Option<i64>,
    pub rowspan: Option<i64>,
    pub bounds: Option<[f64; 4]>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExpressionRow {
    pub object_id: String,
    /// `dimension` or `measure`.
    pub role: &'static str,
    pub position: i64,
    pub label: String,
    pub definition: String,
    pub library_id: Option<String>,
}

#[derive(Debug, Default)]
pub struct Extracted {
    pub objects: Vec<ObjectRow>,
    pub cells: Vec<CellRow>,
    pub expressions: Vec<ExpressionRow>,
}

/// A title-like value: a string, or a `qStringExpression`'s text.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(m) => m
            .get("qStringExpression")
            .and_then(|e| e.get("qExpr"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
}

fn str_at(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer).and_then(text).filter(|s| !s.is_empty())
}

fn lines(v: Option<&Value>) -> Option<String> {
    let items: Vec<String> = v?.as_array()?.iter().filter_map(text).collect();
    (!items.is_empty()).then(|| items.join("\n"))
}

fn int(v: &Value, key: &str) -> Option<i64> {
    let x = v.get(key)?;
    x.as_i64().or_else(|| x.as_f64().map(|f| f as i64))
}

/// The rows of one persistent object file.
pub fn object_file(file: &ObjectFile, out: &mut Extracted) {
    let root = PropertyTree {
        property: file.property.clone(),
        children: file.children.clone(),
        embedded_snapshot_ref: None,
    };
    let info = root.info();
    let sheet = (info.kind == "sheet").then(|| info.id.clone());
    let meta = &file.meta;
    let root_hash = hash_json(&json!([
        file.property,
        file.children,
        meta.owner,
        meta.published,
        meta.approved
    ]));
    let mut row = row_of(&root, None, sheet.clone(), root_hash);
    row.owner = meta.owner.clone();
    row.published = meta.published;
    row.approved = meta.approved;
    row.created = meta.created_date.clone();
    row.modified = meta.modified_date.clone();
    row.script_created = meta.script_created;
    row.file = serde_json::to_string(file).ok();
    out.objects.push(row);
    expressions(&root.property, &info.id, out);
    if let Some(sheet_id) = &sheet {
        cells(&root.property, sheet_id, out);
    }
    let mut stack: Vec<(&PropertyTree, String)> =
        root.children.iter().map(|c| (c, info.id.clone())).collect();
    while let Some((node, parent)) = stack.pop() {
        let id = node.info().id;
        let hash = hash_json(&json!([node.property, node.children]));
        out.objects
            .push(row_of(node, Some(parent), sheet.clone(), hash));
        expressions(&node.property, &id, out);
        stack.extend(node.children.iter().map(|c| (c, id.clone())));
    }
}

fn row_of(
    node: &PropertyTree,
    parent: Option<String>,
    sheet: Option<String>,
    hash: String,
) -> ObjectRow {
    let p = &node.property;
    let info = node.info();
    let (name, definition, label, description) = match info.kind.as_str() {
        "measure" => (
            str_at(p, "/qMetaDef/title").or_else(|| str_at(p, "/qMeasure/qLabel")),
            str_at(p, "/qMeasure/qDef"),
            str_at(p, "/qMeasure/qLabel"),
            str_at(p, "/qMetaDef/description"),
        ),
        "dimension" => (
            str_at(p, "/qMetaDef/title"),
            lines(p.pointer("/qDim/qFieldDefs")),
            lines(p.pointer("/qDim/qFieldLabels")),
            str_at(p, "/qMetaDef/description"),
        ),
        "variable" => (
            str_at(p, "/qName"),
            p.get("qDefinition").and_then(text),
            None,
            str_at(p, "/qComment"),
        ),
        _ => (
            str_at(p, "/qMetaDef/title")
                .or_else(|| str_at(p, "/title"))
                .or_else(|| str_at(p, "/qListObjectDef/qDef/qFieldLabels/0"))
                .or_else(|| str_at(p, "/qListObjectDef/qDef/qFieldDefs/0")),
            None,
            None,
            str_at(p, "/qMetaDef/description").or_else(|| str_at(p, "/subtitle")),
        ),
    };
    ObjectRow {
        id: info.id,
        kind: info.kind,
        parent_id: parent,
        sheet_id: sheet,
        name: name.unwrap_or_default(),
        visualization: str_at(p, "/visualization"),
        definition,
        label,
        description: description.unwrap_or_default(),
        owner: None,
        published: None,
        approved: None,
        created: None,
        modified: None,
        script_created: false,
        hash,
        file: None,
    }
}

fn cells(p: &Value, sheet: &str, out: &mut Extracted) {
    let Some(cells) = p.get("cells").and_then(Value::as_array) else {
        return;
    };
    for c in cells {
        let Some(name) = c.get("name").and_then(Value::as_str) else {
            continue;
        };
        let bounds = c.get("bounds").and_then(|b| {
            let n = |k: &str| b.get(k).and_then(Value::as_f64);
            Some([n("x")?, n("y")?, n("width")?, n("height")?])
        });
        out.cells.push(CellRow {
            sheet_id: sheet.to_owned(),
            object_id: name.to_owned(),
            col: int(c, "col"),
            row: int(c, "row"),
            colspan: int(c, "colspan"),
            rowspan: int(c, "rowspan"),
            bounds,
        });
    }
}

fn expressions(p: &Value, object: &str, out: &mut Extracted) {
    let library = |v: &Value| {
        v.get("qLibraryId")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut push = |role, position, label: Option<String>, definition: Option<String>, lib| {
        out.expressions.push(ExpressionRow {
            object_id: object.to_owned(),
            role,
            position,
            label: label.unwrap_or_default(),
            definition: definition.unwrap_or_default(),
            library_id: lib,
        });
    };
    if let Some(cube) = p.get("qHyperCubeDef") {
        for (i, d) in cube
            .get("qDimensions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            push(
                "dimension",
                i as i64,
                lines(d.pointer("/qDef/qFieldLabels")),
                lines(d.pointer("/qDef/qFieldDefs")),
                library(d),
            );
        }
        for (i, m) in cube
            .get("qMeasures")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            push(
                "measure",
                i as i64,
                str_at(m, "/qDef/qLabel"),
                str_at(m, "/qDef/qDef"),
                library(m),
            );
        }
    }
    if let Some(list) = p.get("qListObjectDef") {
        push(
            "dimension",
            0,
            lines(list.pointer("/qDef/qFieldLabels")),
            lines(list.pointer("/qDef/qFieldDefs")),
            library(list),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_gives_its_charts_cells_and_expressions() {
        let file: ObjectFile = serde_json::from_value(json!({
            "qProperty": {"qInfo": {"qId": "s1", "qType": "sheet"}, "qMetaDef": {"title": "Overview"},
                "cells": [{"name": "c1", "type": "barchart", "col": 0, "row": 2, "colspan": 12, "rowspan": 6,
                           "bounds": {"x": 0, "y": 16.7, "width": 50, "height": 50}}]},
            "qChildren": [{"qProperty": {"qInfo": {"qId": "c1", "qType": "barchart"},
                "visualization": "barchart", "title": "Sales by region",
                "qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": ["Region"]}}],
                                  "qMeasures": [{"qLibraryId": "m1", "qDef": {"qDef": "", "qLabel": ""}},
                                                {"qDef": {"qDef": "Sum(Net)", "qLabel": "Net"}}]}},
                "qChildren": []}],
            "meta": {"owner": "DEMO\\ana", "published": true}
        }))
        .unwrap();
        let mut out = Extracted::default();
        object_file(&file, &mut out);
        assert_eq!(out.objects.len(), 2);
        let chart = &out.objects[1];
        assert_eq!(
            (
                chart.id.as_str(),
                chart.sheet_id.as_deref(),
                chart.name.as_str()
            ),
            ("c1", Some("s1"), "Sales by region")
        );
        assert_eq!(chart.visualization.as_deref(), Some("barchart"));
        assert_eq!(out.cells[0].colspan, Some(12));
        assert_eq!(out.cells[0].bounds, Some([0.0, 16.7, 50.0, 50.0]));
        assert_eq!(out.expressions.len(), 3);
        assert_eq!(out.expressions[1].library_id.as_deref(), Some("m1"));
        assert_eq!(out.expressions[2].definition, "Sum(Net)");
        // The sheet's hash covers its children: a changed chart changes both.
        let mut changed = file.clone();
        changed.children[0].property["title"] = json!("Sales");
        let mut again = Extracted::default();
        object_file(&changed, &mut again);
        assert_ne!(again.objects[0].hash, out.objects[0].hash);
        assert_ne!(again.objects[1].hash, out.objects[1].hash);
    }
}
