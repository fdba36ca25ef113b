//! Layouts computed from properties, as the engine does on GetLayout: `*Def` members become
//! their evaluated forms (hypercube and list-object headers without data pages, child lists,
//! object lists with `qData` pointers resolved), string expressions become strings.
//!
//! No data is calculated: apps are served as of their last reload without the data itself,
//! so hypercubes report their columns and `qcy: 0`.

use super::super::access::Identity;
use super::super::qrs::entities::user_condensed;
use super::super::site::model::ObjectNode;
use super::super::site::{q_id, q_type, App, Object, Site, UserId};
use serde_json::{json, Map, Value};

/// What a layout computation may look at.
pub struct Ctx<'a> {
    pub site: &'a Site,
    pub app: &'a App,
    pub who: &'a Identity,
    pub no_data: bool,
}

/// `qMeta` for a persistent object: its `qMetaDef` plus the repository facts.
pub fn object_meta(ctx: &Ctx, object: &Object) -> Value {
    let mut meta = match object.file.property.get("qMetaDef") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let m = &object.file.meta;
    let owner = m
        .owner
        .as_deref()
        .and_then(UserId::parse)
        .unwrap_or_else(|| ctx.app.owner.clone());
    let is_owner = &owner == ctx.who.user_id();
    let published = m.published.unwrap_or(ctx.app.meta.published);
    let approved = m.approved.unwrap_or(ctx.app.meta.published);
    meta.insert(
        "privileges".into(),
        if is_owner {
            json!(["read", "update", "delete", "publish", "exportdata"])
        } else {
            json!(["read", "exportdata"])
        },
    );
    let created = m
        .created_date
        .clone()
        .unwrap_or_else(|| ctx.app.meta.created_date.clone());
    let modified = m
        .modified_date
        .clone()
        .unwrap_or_else(|| ctx.app.meta.modified_date.clone());
    meta.insert("createdDate".into(), json!(created));
    meta.insert("modifiedDate".into(), json!(modified));
    meta.insert("published".into(), json!(published));
    meta.insert(
        "publishTime".into(),
        json!(if published {
            ctx.app
                .meta
                .publish_time
                .clone()
                .unwrap_or_else(|| super::super::qrs::entities::NEVER.into())
        } else {
            super::super::qrs::entities::NEVER.to_owned()
        }),
    );
    meta.insert("approved".into(), json!(approved));
    let mut owner_json = user_condensed(ctx.site, &owner);
    if let Some(o) = owner_json.as_object_mut() {
        o.remove("privileges");
    }
    meta.insert("owner".into(), owner_json);
    meta.insert("qSize".into(), json!(-1));
    meta.insert("sourceObject".into(), json!(""));
    meta.insert("draftObject".into(), json!(""));
    Value::Object(meta)
}

/// `qMeta` for an embedded child: its `qMetaDef` only (children carry no repository record).
fn child_meta(property: &Value) -> Value {
    match property.get("qMetaDef") {
        Some(Value::Object(m)) => Value::Object(m.clone()),
        _ => json!({}),
    }
}

/// Resolves a JSON pointer (`/qMetaDef/title`) in properties; missing members give null,
/// as the engine leaves them out of `qData`.
fn pointer(property: &Value, ptr: &str) -> Value {
    if ptr.is_empty() || ptr == "/" {
        return property.clone();
    }
    property.pointer(ptr).cloned().unwrap_or(Value::Null)
}

/// `qData` for one listed object: each key of the definition's `qData` resolved in its
/// properties.
pub fn list_data(def: &Value, property: &Value) -> Value {
    let mut out = Map::new();
    if let Some(Value::Object(map)) = def.get("qData") {
        for (k, v) in map {
            let value = match v {
                Value::String(ptr) => pointer(property, ptr),
                other => other.clone(),
            };
            out.insert(k.clone(), value);
        }
    }
    Value::Object(out)
}

/// The layout of a property tree node; `children` are its embedded children.
pub fn layout(ctx: &Ctx, property: &Value, meta: Value, children: &[ObjectNode]) -> Value {
    let mut out = Map::new();
    let Value::Object(props) = property else {
        return property.clone();
    };
    for (key, value) in props {
        match key.as_str() {
            "qMetaDef" => {}
            "qHyperCubeDef" => {
                out.insert("qHyperCube".into(), hypercube(ctx, value));
            }
            "qListObjectDef" => {
                out.insert("qListObject".into(), list_object(ctx, value));
            }
            "qChildListDef" => {
                let items: Vec<Value> = children
                    .iter()
                    .map(|c| {
                        json!({
                            "qInfo": c.property.get("qInfo").cloned().unwrap_or(Value::Null),
                            "qMeta": child_meta(&c.property),
                            "qData": list_data(value, &c.property),
                        })
                    })
                    .collect();
                out.insert("qChildList".into(), json!({ "qItems": items }));
            }
            "qAppObjectListDef" => {
                out.insert("qAppObjectList".into(), app_object_list(ctx, value));
            }
            "qMeasureListDef" => {
                out.insert("qMeasureList".into(), typed_list(ctx, value, "measure"));
            }
            "qDimensionListDef" => {
                out.insert("qDimensionList".into(), typed_list(ctx, value, "dimension"));
            }
            "qBookmarkListDef" => {
                out.insert("qBookmarkList".into(), typed_list(ctx, value, "bookmark"));
            }
            "qVariableListDef" => {
                out.insert(
                    "qVariableList".into(),
                    json!({ "qItems": variable_items(ctx, value) }),
                );
            }
            "qFieldListDef" => {
                out.insert(
                    "qFieldList".into(),
                    json!({ "qItems": field_items(ctx, value) }),
                );
            }
            "qMediaListDef" => {
                out.insert("qMediaList".into(), json!({ "qItems": media_items(ctx) }));
            }
            "qStringExpression" | "qValueExpression" => {}
            _ => {
                out.insert(key.clone(), evaluate_expressions(value));
            }
        }
    }
    out.insert("qMeta".into(), meta);
    out.entry("qSelectionInfo").or_insert_with(|| json!({}));
    Value::Object(out)
}

/// Every static content URL the app's objects use (`qStaticContentUrlDef.qUrl`), once each,
/// as `qMediaList` items.
fn media_items(ctx: &Ctx) -> Vec<Value> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(url) = map
                    .get("qStaticContentUrlDef")
                    .and_then(|d| d.get("qUrl"))
                    .and_then(Value::as_str)
                {
                    if !url.is_empty() && !out.iter().any(|u| u == url) {
                        out.push(url.to_owned());
                    }
                }
                map.values().for_each(|c| walk(c, out));
            }
            Value::Array(items) => items.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }
    let mut urls = Vec::new();
    for o in &ctx.app.objects {
        walk(&o.file.property, &mut urls);
        for child in &o.file.children {
            walk(&child.property, &mut urls);
        }
    }
    urls.into_iter()
        .map(|u| json!({"qUrlDef": u, "qUrl": u}))
        .collect()
}

/// Replaces `{"qStringExpression": {"qExpr": …}}` and `{"qValueExpression": …}` by the
/// value a constant expression has; other expressions show their text, without data there
/// is nothing to evaluate them against.
pub fn evaluate_expressions(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            if map.len() == 1 {
                if let Some(expr) = map.get("qStringExpression") {
                    return Value::String(constant_text(expr_text(expr)));
                }
                if let Some(expr) = map.get("qValueExpression") {
                    let text = constant_text(expr_text(expr));
                    return text
                        .trim()
                        .parse::<f64>()
                        .map(|n| json!(n))
                        .unwrap_or(json!(0));
                }
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        // Layouts report static content as `qStaticContentUrl` where the
                        // properties hold `qStaticContentUrlDef`.
                        let key = if k == "qStaticContentUrlDef" {
                            "qStaticContentUrl".to_owned()
                        } else {
                            k.clone()
                        };
                        (key, evaluate_expressions(v))
                    })
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(evaluate_expressions).collect()),
        other => other.clone(),
    }
}

fn expr_text(expr: &Value) -> &str {
    match expr {
        Value::String(s) => s,
        other => other.get("qExpr").and_then(Value::as_str).unwrap_or(""),
    }
}

fn constant_text(expr: &str) -> String {
    let body = expr.trim().strip_prefix('=').unwrap_or(expr).trim();
    if body.len() >= 2 && body.starts_with('\'') && body.ends_with('\'') {
        body[1..body.len() - 1].replace("''", "'")
    } else {
        body.to_owned()
    }
}

/// Distinct values of a field in the model (0 when opened without data or unknown).
fn cardinal(ctx: &Ctx, field: &str) -> u64 {
    if ctx.no_data {
        0
    } else {
        field_cardinal(ctx.app, field)
    }
}

/// Distinct values of a field in the app's model, whatever the open mode.
pub fn field_cardinal(app: &App, field: &str) -> u64 {
    app.model
        .tables
        .iter()
        .flat_map(|t| &t.fields)
        .filter(|f| f.name.eq_ignore_ascii_case(field))
        .map(|f| f.distinct)
        .max()
        .unwrap_or(0)
}

/// The strings of an array member (`qFieldDefs`, `qTypes`…); non-strings are skipped.
pub fn string_list(value: &Value, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn master<'a>(ctx: &Ctx<'a>, id: &str, kind: &str) -> Option<&'a Object> {
    ctx.app
        .objects
        .iter()
        .find(|o| o.id() == id && o.kind() == kind)
}

fn state_counts() -> Value {
    json!({"qLocked": 0, "qSelected": 0, "qOption": 0, "qDeselected": 0, "qAlternative": 0,
           "qExcluded": 0, "qSelectedExcluded": 0, "qLockedExcluded": 0})
}

fn num_format() -> Value {
    json!({"qType": "U", "qnDec": 10, "qUseThou": 0})
}

/// Non-`q` members of a dimension or measure (client data such as `cId`) are copied into its
/// info, as the engine does.
fn client_members(def: &Value, into: &mut Map<String, Value>) {
    if let Value::Object(map) = def {
        for (k, v) in map {
            if !k.starts_with('q') {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// `qDimensionInfo` for a dimension, following a master dimension through `qLibraryId`.
fn dimension_info(ctx: &Ctx, dim: &Value) -> Value {
    let library_id = dim.get("qLibraryId").and_then(Value::as_str).unwrap_or("");
    let def = if library_id.is_empty() {
        dim.get("qDef").cloned().unwrap_or(Value::Null)
    } else {
        master(ctx, library_id, "dimension")
            .and_then(|m| m.file.property.get("qDim").cloned())
            .unwrap_or(Value::Null)
    };
    let field_defs = string_list(&def, "qFieldDefs");
    let labels = string_list(&def, "qFieldLabels");
    let titles: Vec<String> = field_defs
        .iter()
        .enumerate()
        .map(|(i, f)| {
            labels
                .get(i)
                .filter(|l| !l.is_empty())
                .cloned()
                .unwrap_or_else(|| f.trim_start_matches('=').to_owned())
        })
        .collect();
    let first = field_defs.first().cloned().unwrap_or_default();
    let card = if first.starts_with('=') {
        0
    } else {
        cardinal(ctx, &first)
    };
    let mut info = Map::new();
    info.insert(
        "qFallbackTitle".into(),
        json!(titles.first().cloned().unwrap_or_default()),
    );
    info.insert("qApprMaxGlyphCount".into(), json!(0));
    info.insert("qCardinal".into(), json!(card));
    info.insert("qLocked".into(), json!(false));
    info.insert("qSortIndicator".into(), json!("N"));
    info.insert("qGroupFallbackTitles".into(), json!(titles));
    info.insert("qGroupPos".into(), json!(0));
    info.insert("qStateCounts".into(), state_counts());
    info.insert("qTags".into(), json!([]));
    info.insert("qDimensionType".into(), json!("D"));
    info.insert(
        "qGrouping".into(),
        def.get("qGrouping").cloned().unwrap_or(json!("N")),
    );
    info.insert("qNumFormat".into(), num_format());
    info.insert("qIsAutoFormat".into(), json!(true));
    info.insert("qGroupFieldDefs".into(), json!(field_defs));
    info.insert("qMin".into(), json!("NaN"));
    info.insert("qMax".into(), json!("NaN"));
    info.insert("qAttrExprInfo".into(), attr_expr_info(dim));
    info.insert("qAttrDimInfo".into(), json!([]));
    info.insert(
        "qCardinalities".into(),
        json!({"qCardinal": card, "qHypercubeCardinal": 0, "qAllValuesCardinal": -1}),
    );
    if !library_id.is_empty() {
        info.insert("qLibraryId".into(), json!(library_id));
    }
    client_members(dim, &mut info);
    Value::Object(info)
}

fn attr_expr_info(def: &Value) -> Value {
    let items = def
        .get("qAttributeExpressions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Value::Array(
        items
            .iter()
            .map(|a| {
                let mut info = Map::new();
                info.insert("qMin".into(), json!("NaN"));
                info.insert("qMax".into(), json!("NaN"));
                info.insert(
                    "qFallbackTitle".into(),
                    json!(a.get("qLabel").and_then(Value::as_str).unwrap_or("")),
                );
                info.insert("qMinText".into(), json!(""));
                info.insert("qMaxText".into(), json!(""));
                info.insert("qNumFormat".into(), num_format());
                info.insert("qIsAutoFormat".into(), json!(true));
                client_members(a, &mut info);
                Value::Object(info)
            })
            .collect(),
    )
}

/// `qMeasureInfo` for a measure, following a master measure through `qLibraryId`.
fn measure_info(ctx: &Ctx, measure: &Value) -> Value {
    let library_id = measure
        .get("qLibraryId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let title = if library_id.is_empty() {
        let def = measure.get("qDef").cloned().unwrap_or(Value::Null);
        let label = def.get("qLabel").and_then(Value::as_str).unwrap_or("");
        if label.is_empty() {
            def.get("qDef")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim_start_matches('=')
                .to_owned()
        } else {
            label.to_owned()
        }
    } else {
        master(ctx, library_id, "measure")
            .and_then(|m| {
                m.file
                    .property
                    .pointer("/qMeasure/qLabel")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_default()
    };
    let mut info = Map::new();
    info.insert("qFallbackTitle".into(), json!(title));
    info.insert("qApprMaxGlyphCount".into(), json!(0));
    info.insert("qCardinal".into(), json!(0));
    info.insert("qSortIndicator".into(), json!("N"));
    info.insert("qNumFormat".into(), num_format());
    info.insert("qMin".into(), json!("NaN"));
    info.insert("qMax".into(), json!("NaN"));
    info.insert("qIsAutoFormat".into(), json!(true));
    info.insert("qAttrExprInfo".into(), attr_expr_info(measure));
    info.insert("qAttrDimInfo".into(), json!([]));
    info.insert("qTrendLines".into(), json!([]));
    if !library_id.is_empty() {
        info.insert("qLibraryId".into(), json!(library_id));
    }
    client_members(measure, &mut info);
    Value::Object(info)
}

fn hypercube(ctx: &Ctx, def: &Value) -> Value {
    let dims: Vec<Value> = def
        .get("qDimensions")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|d| dimension_info(ctx, d)).collect())
        .unwrap_or_default();
    let measures: Vec<Value> = def
        .get("qMeasures")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|m| measure_info(ctx, m)).collect())
        .unwrap_or_default();
    let columns = dims.len() + measures.len();
    let order: Vec<usize> = match def.get("qInterColumnSortOrder").and_then(Value::as_array) {
        Some(o) if !o.is_empty() => o
            .iter()
            .filter_map(Value::as_u64)
            .map(|n| n as usize)
            .collect(),
        _ => (0..columns).collect(),
    };
    json!({
        "qStateName": def.get("qStateName").cloned().unwrap_or(json!("$")),
        "qSize": {"qcx": columns, "qcy": 0},
        "qDimensionInfo": dims,
        "qMeasureInfo": measures,
        "qEffectiveInterColumnSortOrder": order,
        "qGrandTotalRow": [],
        "qDataPages": [],
        "qPivotDataPages": [],
        "qStackedDataPages": [],
        "qMode": def.get("qMode").cloned().unwrap_or(json!("S")),
        "qNoOfLeftDims": def.get("qNoOfLeftDims").cloned().unwrap_or(json!(-1)),
        "qIndentMode": false,
        "qLastExpandedPos": {"qx": 0, "qy": 0},
        "qHasOtherValues": false,
        "qTitle": "",
        "qTreeNodesOnDim": [],
        "qColumnOrder": def.get("qColumnOrder").cloned().unwrap_or(json!([])),
        "qCalcCondMsg": "",
    })
}

fn list_object(ctx: &Ctx, def: &Value) -> Value {
    let info = dimension_info(
        ctx,
        &json!({
            "qLibraryId": def.get("qLibraryId").cloned().unwrap_or(json!("")),
            "qDef": def.get("qDef").cloned().unwrap_or(Value::Null),
        }),
    );
    let card = info.get("qCardinal").cloned().unwrap_or(json!(0));
    json!({
        "qStateName": def.get("qStateName").cloned().unwrap_or(json!("$")),
        "qSize": {"qcx": 1, "qcy": card},
        "qDimensionInfo": info,
        "qExpressions": [],
        "qDataPages": [],
    })
}

/// Persistent objects of `kind` the identity may see, in site order.
fn visible<'a>(ctx: &Ctx<'a>, kind: &str) -> Vec<&'a Object> {
    ctx.app
        .objects
        .iter()
        .filter(|o| kind.is_empty() || o.kind() == kind)
        .filter(|o| ctx.who.can_see_object_in_engine(ctx.app, o))
        .collect()
}

fn app_object_list(ctx: &Ctx, def: &Value) -> Value {
    let kind = def.get("qType").and_then(Value::as_str).unwrap_or("");
    json!({"qItems": items(ctx, def, kind)})
}

fn typed_list(ctx: &Ctx, def: &Value, kind: &str) -> Value {
    json!({"qItems": items(ctx, def, kind)})
}

fn items(ctx: &Ctx, def: &Value, kind: &str) -> Vec<Value> {
    visible(ctx, kind)
        .into_iter()
        .map(|o| {
            json!({
                "qInfo": o.file.property.get("qInfo").cloned().unwrap_or(Value::Null),
                "qMeta": object_meta(ctx, o),
                "qData": list_data(def, &o.file.property),
            })
        })
        .collect()
}

/// NxVariableListItem for each variable object.
pub fn variable_items(ctx: &Ctx, def: &Value) -> Vec<Value> {
    visible(ctx, "variable")
        .into_iter()
        .map(|o| {
            let p = &o.file.property;
            json!({
                "qName": p.get("qName").cloned().unwrap_or(json!("")),
                "qDefinition": p.get("qDefinition").cloned().unwrap_or(json!("")),
                "qDescription": p.get("qComment").cloned().unwrap_or(json!("")),
                "qIsScriptCreated": o.file.meta.script_created,
                "qIsReserved": false,
                "qIsConfig": false,
                "qInfo": p.get("qInfo").cloned().unwrap_or(Value::Null),
                "qMeta": object_meta(ctx, o),
                "qData": list_data(def, p),
            })
        })
        .collect()
}

/// The fields of the data model, one per name, with the tables holding it.
pub fn field_items(ctx: &Ctx, def: &Value) -> Vec<Value> {
    if ctx.no_data {
        return Vec::new();
    }
    let show_src = def
        .get("qShowSrcTables")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let show_system = def
        .get("qShowSystem")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if let Some(crawled) = &ctx.app.fields {
        return crawled
            .iter()
            .filter(|f| show_system || !f.system)
            .map(|f| {
                let mut item = serde_json::to_value(f.to_engine()).unwrap_or(json!({}));
                if !show_src {
                    if let Some(m) = item.as_object_mut() {
                        m.remove("qSrcTables");
                    }
                }
                item["qIsDefinitionOnly"] = json!(false);
                item["qReadableName"] = json!(f.name);
                item
            })
            .collect();
    }
    let mut names: Vec<(String, u64, Vec<String>, Vec<String>)> = Vec::new();
    for table in &ctx.app.model.tables {
        for field in &table.fields {
            match names.iter_mut().find(|(n, ..)| n == &field.name) {
                Some(entry) => {
                    entry.1 = entry.1.max(field.distinct);
                    entry.2.push(table.name.clone());
                }
                None => names.push((
                    field.name.clone(),
                    field.distinct,
                    vec![table.name.clone()],
                    field.tags.clone(),
                )),
            }
        }
    }
    let mut out: Vec<Value> = names
        .into_iter()
        .map(|(name, card, tables, tags)| {
            let mut item = json!({
                "qName": name, "qCardinal": card, "qTags": tags,
                "qIsHidden": false, "qIsSystem": false, "qIsSemantic": false, "qIsDefinitionOnly": false,
                "qDerivedFieldData": {"qDerivedFieldLists": []}, "qIsDetail": false, "qIsImplicit": false,
                "qReadableName": name,
            });
            if show_src {
                item["qSrcTables"] = json!(tables);
            }
            item
        })
        .collect();
    if show_system {
        for name in ["$Field", "$Table", "$Rows", "$Fields", "$FieldNo", "$Info"] {
            out.push(json!({"qName": name, "qCardinal": 0, "qTags": ["$system"], "qIsHidden": true, "qIsSystem": true,
                            "qIsSemantic": false, "qIsDefinitionOnly": false, "qReadableName": name}));
        }
    }
    out
}

/// `qInfo` of a property set.
pub fn info(property: &Value) -> Value {
    json!({"qId": q_id(property), "qType": q_type(property)})
}
