//! Builds the view model from an app's objects as Qlik stores them (`GetFullPropertyTree`:
//! `qProperty` + `qChildren`, the site directory's `objects/*.json`). Master items are
//! resolved here: a chart's `qLibraryId` becomes the master measure's or dimension's label
//! and definition, a `qExtendsId` the master visualization's content.
//!
//! Everything read is users' data and may be odd: a missing or mistyped member gives a
//! default and, where the drawing would be wrong, a note; never an error.

use std::collections::HashMap;

use serde_json::Value;

use super::model::{
    AppView, Bounds, CellView, Grid, GridPosition, Item, ObjectView, Placement, Rect, SheetView,
};
use crate::qlik::site_format::{ObjectFile, ObjectNode};

/// How far grid and bounds may disagree (a fraction of the sheet) before it is noted:
/// bounds are rounded to four decimals of a percent by the client.
const PLACEMENT_TOLERANCE: f64 = 0.005;

/// The master items of an app, by id.
#[derive(Default)]
struct Library<'a> {
    measures: HashMap<&'a str, &'a Value>,
    dimensions: HashMap<&'a str, &'a Value>,
    visualizations: HashMap<&'a str, (&'a Value, &'a [ObjectNode])>,
}

/// Which app the objects belong to.
#[derive(Debug, Clone, Copy)]
pub struct AppRef<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// The app's sheets, each with its cells placed and its objects described. `objects` are
/// all the app's persistent objects (sheets and master items), in any order.
pub fn app_view(app: AppRef<'_>, objects: &[ObjectFile]) -> AppView {
    let mut library = Library::default();
    for object in objects {
        let p = &object.property;
        match kind(p) {
            "measure" => {
                library.measures.insert(id(p), p);
            }
            "dimension" => {
                library.dimensions.insert(id(p), p);
            }
            "masterobject" => {
                library
                    .visualizations
                    .insert(id(p), (p, object.children.as_slice()));
            }
            _ => {}
        }
    }
    let mut sheets: Vec<&ObjectFile> = objects
        .iter()
        .filter(|o| kind(&o.property) == "sheet" && !id(&o.property).is_empty())
        .collect();
    sheets.sort_by(|a, b| {
        let rank = |o: &ObjectFile| o.property.get("rank").and_then(Value::as_f64);
        rank(a)
            .unwrap_or(f64::MAX)
            .total_cmp(&rank(b).unwrap_or(f64::MAX))
            .then_with(|| sheet_title(&a.property).cmp(&sheet_title(&b.property)))
            .then_with(|| id(&a.property).cmp(id(&b.property)))
    });
    AppView {
        id: app.id.to_string(),
        name: app.name.to_string(),
        sheets: sheets
            .into_iter()
            .map(|s| sheet_view(app, s, &library))
            .collect(),
    }
}

fn sheet_view(app: AppRef<'_>, sheet: &ObjectFile, library: &Library) -> SheetView {
    let p = &sheet.property;
    let mut notes = Vec::new();
    let grid = Grid {
        columns: grid_size(
            p.get("columns"),
            "columns",
            super::model::DEFAULT_COLUMNS,
            &mut notes,
        ),
        rows: grid_size(
            p.get("rows"),
            "rows",
            super::model::DEFAULT_ROWS,
            &mut notes,
        ),
        extendable: [p.pointer("/layoutOptions/extendable"), p.get("extendable")]
            .into_iter()
            .flatten()
            .any(|v| v.as_bool() == Some(true)),
    };
    let children: HashMap<&str, &ObjectNode> = sheet
        .children
        .iter()
        .map(|c| (id(&c.property), c))
        .collect();
    let mut cells = Vec::new();
    let empty = Vec::new();
    let listed = p.get("cells").and_then(Value::as_array).unwrap_or(&empty);
    for cell in listed {
        let name = str_at(cell, "/name").to_string();
        let Some((rect, placement)) = place(cell, &grid, &name, &mut notes) else {
            continue;
        };
        let object = children
            .get(name.as_str())
            .map(|node| object_view(node, library, &mut notes));
        if object.is_none() {
            notes.push(format!(
                "cell `{name}` names an object the sheet does not hold; drawn empty"
            ));
        }
        cells.push(CellView {
            name,
            rect,
            placement,
            object,
        });
    }
    for child in &sheet.children {
        let child_id = id(&child.property);
        if !listed.iter().any(|c| str_at(c, "/name") == child_id) {
            notes.push(format!(
                "object `{child_id}` is on the sheet but in no cell; Qlik does not show it"
            ));
        }
    }
    SheetView {
        app_id: app.id.to_string(),
        app_name: app.name.to_string(),
        id: id(p).to_string(),
        title: sheet_title(p),
        description: str_at(p, "/qMetaDef/description").to_string(),
        grid,
        cells,
        link: None,
        notes,
    }
}

/// `columns` and `rows`: a number (also written as a string); anything else keeps the
/// default grid and says so.
fn grid_size(value: Option<&Value>, what: &str, default: u32, notes: &mut Vec<String>) -> u32 {
    match value {
        None | Some(Value::Null) => default,
        Some(v) => match number(v).filter(|n| *n >= 1.0 && *n <= 10_000.0) {
            Some(n) => n.round() as u32,
            None => {
                notes.push(format!(
                    "sheet `{what}` is {v}, not a grid size; drawn on the default {default}"
                ));
                default
            }
        },
    }
}

/// A cell's rectangle: from `col`/`row`/`colspan`/`rowspan` when it has them (every
/// version writes them), else from `bounds` (percentages, newer clients). When both are
/// there and disagree, the grid is drawn and the difference noted.
fn place(
    cell: &Value,
    grid: &Grid,
    name: &str,
    notes: &mut Vec<String>,
) -> Option<(Rect, Placement)> {
    let position = (|| {
        Some(GridPosition {
            col: whole(cell.get("col")?)?,
            row: whole(cell.get("row")?)?,
            colspan: whole(cell.get("colspan")?)?,
            rowspan: whole(cell.get("rowspan")?)?,
        })
    })();
    let bounds = cell.get("bounds").and_then(|b| {
        Some(Bounds {
            x: number(b.get("x")?)?,
            y: number(b.get("y")?)?,
            width: number(b.get("width")?)?,
            height: number(b.get("height")?)?,
        })
    });
    if let Some(position) = position {
        if position.col + position.colspan > grid.columns
            || position.row + position.rowspan > grid.rows
        {
            notes.push(format!(
                "cell `{name}` reaches past the {}×{} grid; drawn clipped",
                grid.columns, grid.rows
            ));
        }
        if let Some(rect) = Rect::from_grid(grid, &position) {
            if let Some(from_bounds) = bounds.as_ref().and_then(Rect::from_bounds) {
                if !rect.close_to(&from_bounds, PLACEMENT_TOLERANCE) {
                    notes.push(format!(
                        "cell `{name}`: its grid position and its bounds disagree; drawn where the grid says"
                    ));
                }
            }
            return Some((rect, Placement::Grid(position)));
        }
    }
    if let Some(bounds) = bounds {
        if let Some(rect) = Rect::from_bounds(&bounds) {
            return Some((rect, Placement::Bounds(bounds)));
        }
    }
    notes.push(format!(
        "cell `{name}` has no usable position (col/row/colspan/rowspan or bounds); not drawn"
    ));
    None
}

fn object_view(node: &ObjectNode, library: &Library, notes: &mut Vec<String>) -> ObjectView {
    let p = &node.property;
    let extends = str_at(p, "/qExtendsId");
    let master = (!extends.is_empty()).then(|| library.visualizations.get(extends));
    if let Some(None) = master {
        notes.push(format!(
            "object `{}` is linked to master visualization `{extends}`, which the app does not hold",
            id(p)
        ));
    }
    let master = master.flatten();
    // A linked object keeps only its own overrides; the rest is the master's.
    let content = |key: &str| {
        p.get(key)
            .filter(|v| !is_blank(v))
            .or_else(|| master.and_then(|(m, _)| m.get(key)))
    };
    let mut title = content("title").map(title_text).unwrap_or_default();
    if title.is_empty() {
        title = master
            .map(|(m, _)| str_at(m, "/qMetaDef/title").to_string())
            .unwrap_or_default();
    }
    let visualization = [
        content("visualization")
            .and_then(Value::as_str)
            .unwrap_or(""),
        kind(p),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or("")
    .to_string();
    let mut dimensions = Vec::new();
    let mut measures = Vec::new();
    if let Some(cube) = content("qHyperCubeDef") {
        for d in array(cube, "qDimensions") {
            dimensions.push(dimension(d, "/qDef", library, notes));
        }
        for m in array(cube, "qMeasures") {
            measures.push(measure(m, library, notes));
        }
    }
    if let Some(list) = content("qListObjectDef") {
        dimensions.push(dimension(list, "/qDef", library, notes));
    }
    let mut children = Vec::new();
    let embedded = master
        .map(|(_, c)| *c)
        .filter(|_| node.children.is_empty())
        .unwrap_or(node.children.as_slice());
    for child in embedded {
        let inner = object_view(child, library, notes);
        // A filter pane's list boxes are its dimensions, not objects of their own.
        if kind(&child.property) == "listbox" || child.property.get("qListObjectDef").is_some() {
            dimensions.extend(inner.dimensions);
        } else {
            children.push(inner);
        }
    }
    ObjectView {
        id: id(p).to_string(),
        title,
        visualization,
        master: master.map(|(m, _)| str_at(m, "/qMetaDef/title").to_string()),
        dimensions,
        measures,
        children,
    }
}

/// An `NxDimension` or a list object: its label and fields, through the master dimension
/// when `qLibraryId` names one.
fn dimension(d: &Value, def: &str, library: &Library, notes: &mut Vec<String>) -> Item {
    let library_id = str_at(d, "/qLibraryId");
    if !library_id.is_empty() {
        if let Some(master) = library.dimensions.get(library_id) {
            let title = first_nonempty(&[
                str_at(master, "/qMetaDef/title"),
                str_at(master, "/qDim/title"),
                str_at(master, "/qDim/qFieldLabels/0"),
            ]);
            return Item {
                label: first_nonempty(&[&title, library_id]),
                definition: field_defs(master.pointer("/qDim/qFieldDefs")),
                master: Some(title),
            };
        }
        notes.push(format!(
            "master dimension `{library_id}` is used but the app does not hold it"
        ));
        return Item {
            label: library_id.to_string(),
            definition: String::new(),
            master: Some(library_id.to_string()),
        };
    }
    let def_value = d.pointer(def).unwrap_or(&Value::Null);
    let definition = field_defs(def_value.get("qFieldDefs"));
    let label = first_nonempty(&[
        str_at(def_value, "/qFieldLabels/0"),
        &label_expression(def_value),
        str_at(def_value, "/qFieldDefs/0"),
    ]);
    Item {
        label,
        definition,
        master: None,
    }
}

/// An `NxMeasure`: its label and expression, through the master measure when `qLibraryId`
/// names one.
fn measure(m: &Value, library: &Library, notes: &mut Vec<String>) -> Item {
    let library_id = str_at(m, "/qLibraryId");
    if !library_id.is_empty() {
        if let Some(master) = library.measures.get(library_id) {
            let title = first_nonempty(&[
                str_at(master, "/qMetaDef/title"),
                str_at(master, "/qMeasure/qLabel"),
            ]);
            return Item {
                label: first_nonempty(&[&title, library_id]),
                definition: str_at(master, "/qMeasure/qDef").to_string(),
                master: Some(title),
            };
        }
        notes.push(format!(
            "master measure `{library_id}` is used but the app does not hold it"
        ));
        return Item {
            label: library_id.to_string(),
            definition: String::new(),
            master: Some(library_id.to_string()),
        };
    }
    let def = m.get("qDef").unwrap_or(&Value::Null);
    let expression = str_at(def, "/qDef").to_string();
    Item {
        label: first_nonempty(&[str_at(def, "/qLabel"), &label_expression(def), &expression]),
        definition: expression,
        master: None,
    }
}

fn label_expression(def: &Value) -> String {
    str_at(def, "/qLabelExpression").to_string()
}

/// `qFieldDefs`: one field, or a drill-down path shown as `A › B › C`.
fn field_defs(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_array)
        .map(|defs| {
            defs.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" › ")
        })
        .unwrap_or_default()
}

/// A title: a string, or a calculated one (`{"qStringExpression": {"qExpr": …}}`), shown
/// as its expression since a preview has no data.
fn title_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => {
            let expr = str_at(other, "/qStringExpression/qExpr");
            if expr.is_empty() || expr.starts_with('=') {
                expr.to_string()
            } else {
                format!("={expr}")
            }
        }
    }
}

fn sheet_title(p: &Value) -> String {
    first_nonempty(&[
        str_at(p, "/qMetaDef/title"),
        &title_text(p.get("title").unwrap_or(&Value::Null)),
    ])
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(o) => {
            o.is_empty()
                || (o.contains_key("qDimensions")
                    && array(v, "qDimensions").is_empty()
                    && array(v, "qMeasures").is_empty())
        }
        _ => false,
    }
}

fn array<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

fn first_nonempty(options: &[&str]) -> String {
    options
        .iter()
        .find(|s| !s.is_empty())
        .map(|s| s.to_string())
        .unwrap_or_default()
}

fn str_at<'v>(v: &'v Value, pointer: &str) -> &'v str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn id(p: &Value) -> &str {
    str_at(p, "/qInfo/qId")
}

fn kind(p: &Value) -> &str {
    str_at(p, "/qInfo/qType")
}

/// A number, also when written as a string (`"24"`).
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite())
}

/// A non-negative whole number of grid units (`6`, `6.0`, `"6"`).
fn whole(v: &Value) -> Option<u32> {
    number(v)
        .filter(|n| *n >= 0.0 && *n <= f64::from(u16::MAX) && n.fract() == 0.0)
        .map(|n| n as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app() -> AppRef<'static> {
        AppRef {
            id: "a1",
            name: "App",
        }
    }

    fn object(v: Value) -> ObjectFile {
        serde_json::from_value(v).unwrap()
    }

    fn library() -> Vec<ObjectFile> {
        vec![
            object(
                json!({"qProperty": {"qInfo": {"qId": "M1", "qType": "measure"},
                "qMeasure": {"qLabel": "Net", "qDef": "Sum(Net)"}, "qMetaDef": {"title": "Net Sales"}}}),
            ),
            object(
                json!({"qProperty": {"qInfo": {"qId": "D1", "qType": "dimension"},
                "qDim": {"qFieldDefs": ["Year", "Month"], "qGrouping": "H"}, "qMetaDef": {"title": "Calendar"}}}),
            ),
            object(
                json!({"qProperty": {"qInfo": {"qId": "V1", "qType": "masterobject"},
                "qMetaDef": {"title": "Sales by year"}, "visualization": "barchart", "title": "Sales by year",
                "qHyperCubeDef": {"qDimensions": [{"qLibraryId": "D1"}], "qMeasures": [{"qLibraryId": "M1"}]}}}),
            ),
        ]
    }

    #[test]
    fn master_items_and_master_visualizations_are_resolved() {
        let mut objects = library();
        objects.push(object(json!({
            "qProperty": {"qInfo": {"qId": "s1", "qType": "sheet"}, "qMetaDef": {"title": "S"},
                "columns": 24, "rows": 12,
                "cells": [{"name": "c1", "col": 0, "row": 0, "colspan": 12, "rowspan": 6},
                          {"name": "c2", "col": 12, "row": 0, "colspan": 12, "rowspan": 6},
                          {"name": "c3", "bounds": {"x": 0, "y": 50, "width": 100, "height": 50}}]},
            "qChildren": [
                {"qProperty": {"qInfo": {"qId": "c1", "qType": "barchart"}, "qExtendsId": "V1", "qHyperCubeDef": {"qDimensions": [], "qMeasures": []}}, "qChildren": []},
                {"qProperty": {"qInfo": {"qId": "c2", "qType": "linechart"}, "visualization": "linechart",
                    "title": {"qStringExpression": {"qExpr": "='Trend ' & vYear"}},
                    "qHyperCubeDef": {"qDimensions": [{"qDef": {"qFieldDefs": ["=Date(Day)"], "qFieldLabels": ["Day"]}}],
                                      "qMeasures": [{"qDef": {"qLabel": "", "qDef": "Count(Order)"}}, {"qLibraryId": "nope"}]}}, "qChildren": []},
                {"qProperty": {"qInfo": {"qId": "c3", "qType": "filterpane"}, "visualization": "filterpane"},
                 "qChildren": [{"qProperty": {"qInfo": {"qId": "l1", "qType": "listbox"},
                     "qListObjectDef": {"qDef": {"qFieldDefs": ["Region"], "qFieldLabels": ["Area"]}}}, "qChildren": []}]}
            ]})));
        let view = app_view(app(), &objects);
        assert_eq!(view.sheets.len(), 1);
        let sheet = &view.sheets[0];
        let c1 = sheet.cells[0].object.as_ref().unwrap();
        assert_eq!(c1.title, "Sales by year");
        assert_eq!(c1.visualization, "barchart");
        assert_eq!(c1.master.as_deref(), Some("Sales by year"));
        assert_eq!(c1.dimensions[0].definition, "Year › Month");
        assert_eq!(c1.dimensions[0].label, "Calendar");
        assert_eq!(c1.measures[0].label, "Net Sales");
        assert_eq!(c1.measures[0].definition, "Sum(Net)");
        let c2 = sheet.cells[1].object.as_ref().unwrap();
        assert_eq!(c2.title, "='Trend ' & vYear");
        assert_eq!(c2.dimensions[0].label, "Day");
        assert_eq!(c2.measures[0].label, "Count(Order)");
        assert_eq!(c2.measures[1].label, "nope");
        let c3 = sheet.cells[2].object.as_ref().unwrap();
        assert_eq!(c3.dimensions[0].label, "Area");
        assert!(matches!(sheet.cells[2].placement, Placement::Bounds(_)));
        assert_eq!(sheet.notes.len(), 1, "{:?}", sheet.notes);
        assert!(sheet.notes[0].contains("`nope`"));
    }

    #[test]
    fn odd_grids_and_cells_give_notes_not_errors() {
        let objects = vec![object(json!({
            "qProperty": {"qInfo": {"qId": "s1", "qType": "sheet"}, "qMetaDef": {"title": "S"},
                "columns": {"odd": true}, "rows": "24", "layoutOptions": {"extendable": true},
                "cells": [{"name": "gone", "col": 0, "row": 0, "colspan": 30, "rowspan": 6},
                          {"name": "nowhere", "col": "x"},
                          {"name": "both", "col": 0, "row": 6, "colspan": 24, "rowspan": 6,
                           "bounds": {"x": 0, "y": 10, "width": 100, "height": 25}}]},
            "qChildren": [{"qProperty": {"qInfo": {"qId": "both", "qType": "table"}}},
                          {"qProperty": {"qInfo": {"qId": "hidden", "qType": "table"}}}]}))];
        let sheet = &app_view(app(), &objects).sheets[0];
        assert_eq!(
            sheet.grid,
            Grid {
                columns: 24,
                rows: 24,
                extendable: true
            }
        );
        assert_eq!(sheet.cells.len(), 2);
        let all = sheet.notes.join("\n");
        for expected in [
            "`columns` is {\"odd\":true}",
            "`gone` reaches past",
            "`gone` names an object",
            "`nowhere` has no usable position",
            "`both`: its grid position and its bounds disagree",
            "`hidden` is on the sheet but in no cell",
        ] {
            assert!(all.contains(expected), "{expected} in {all}");
        }
    }

    #[test]
    fn sheets_come_in_rank_order() {
        let sheet = |id: &str, rank: Value, title: &str| {
            object(
                json!({"qProperty": {"qInfo": {"qId": id, "qType": "sheet"}, "rank": rank,
                "qMetaDef": {"title": title}}}),
            )
        };
        let objects = vec![
            sheet("b", json!(2), "B"),
            sheet("z", Value::Null, "A"),
            sheet("a", json!(1.5), "C"),
        ];
        let order: Vec<String> = app_view(app(), &objects)
            .sheets
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(order, ["a", "b", "z"]);
    }
}
