//! Chart level: master measures, dimensions and visualizations, sheets, visual objects and
//! variables of an app, linked to the data model fields their expressions read.
//!
//! Objects come as the engine's property trees: a site snapshot's `objects/*.json`
//! (`{"qProperty", "qChildren"}`) or a qlik-cli unbuild folder (`measures.json`,
//! `dimensions.json`, `variables.json`, `objects/*.json`). Expressions go through the
//! chart-expression parser; every field they name, set-analysis fields included, is linked to
//! the data-model fields of that name (a field name is one field across the app's tables);
//! `$(v)` links the variable and, when its definition is known, the fields it reads.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value;

use super::facts::{Facts, Finding};
use super::graph::{Certainty, Edge, EdgeKind, Transform};
use super::ids::{id, NodeKind};
use crate::diagnostics::Code;
use crate::semantic::model::{AppModel, VariableState};
use crate::syntax::ast::{Element, ElementSet, Expr, ExprDollar, Ident};
use crate::syntax::dollar::DollarParts;
use crate::syntax::visit::{walk, Visit};

/// Reads an app's objects and returns their nodes and edges.
/// `logged_fields` are (table, field) pairs a reload log reported beyond the model (a
/// `LOAD *` whose source the analysis could not read).
pub fn facts(
    app_key: &str,
    dir: &Path,
    model: &AppModel,
    logged_fields: &[(String, String)],
) -> Facts {
    let mut properties = Vec::new();
    for list in ["measures.json", "dimensions.json", "variables.json"] {
        if let Some(Value::Array(items)) = read_json(&dir.join(list)) {
            properties.extend(items.into_iter().map(|p| (p, None)));
        }
    }
    let objects = dir.join("objects");
    let mut files: Vec<_> = std::fs::read_dir(&objects)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for file in files {
        if let Some(value) = read_json(&file) {
            flatten(value, None, &mut properties);
        }
    }
    let mut builder = Charts::new(app_key, model, logged_fields);
    for (property, _) in &properties {
        if property_type(property) == "variable" {
            builder.variable(property);
        }
    }
    for (property, parent) in &properties {
        builder.object(property, parent.as_ref());
    }
    builder.facts
}

fn read_json(path: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// A property tree as a list of (property, parent object id).
fn flatten(value: Value, parent: Option<Parent>, out: &mut Vec<(Value, Option<Parent>)>) {
    let (property, children) = match value {
        Value::Object(mut map) if map.contains_key("qProperty") => {
            let children = map.remove("qChildren");
            (map.remove("qProperty").unwrap_or_default(), children)
        }
        other => (other, None),
    };
    let me = Parent {
        id: object_id(&property).to_string(),
        sheet: property_type(&property) == "sheet",
    };
    out.push((property, parent));
    if let Some(Value::Array(children)) = children {
        for child in children {
            flatten(child, Some(me.clone()), out);
        }
    }
}

/// The object a child object sits in: a sheet, or another object (a container, a filter
/// pane holding list boxes).
#[derive(Debug, Clone)]
struct Parent {
    id: String,
    sheet: bool,
}

fn object_id(property: &Value) -> &str {
    property
        .pointer("/qInfo/qId")
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn property_type(property: &Value) -> &str {
    property
        .pointer("/qInfo/qType")
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn text<'v>(value: &'v Value, pointer: &str) -> &'v str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

struct Charts<'a> {
    app: &'a str,
    /// Field name → the data-model tables that hold it.
    fields: HashMap<&'a str, Vec<&'a str>>,
    /// Variable definitions: app variables, then script variables.
    variables: BTreeMap<String, Option<String>>,
    facts: Facts,
    reported: std::collections::HashSet<String>,
}

impl<'a> Charts<'a> {
    fn new(app: &'a str, model: &'a AppModel, logged: &'a [(String, String)]) -> Charts<'a> {
        let mut fields: HashMap<&str, Vec<&str>> = HashMap::new();
        for table in &model.tables {
            for field in &table.fields {
                fields.entry(&field.name).or_default().push(&table.name);
            }
        }
        for (table, field) in logged {
            let tables = fields.entry(field).or_default();
            if !tables.contains(&table.as_str()) {
                tables.push(table);
            }
        }
        let variables = model
            .variables
            .iter()
            .map(|(name, state)| {
                let value = match state {
                    VariableState::Known(v) => Some(v.clone()),
                    VariableState::Unknown(_) => None,
                };
                (name.clone(), value)
            })
            .collect();
        Charts {
            app,
            fields,
            variables,
            facts: Facts::default(),
            reported: Default::default(),
        }
    }

    fn contains(&mut self, whole: &str, part: &str) {
        self.facts.edge(
            whole,
            part,
            Edge::new(EdgeKind::Contains, Certainty::Resolved),
        );
    }

    fn variable(&mut self, property: &Value) {
        let name = text(property, "/qName").to_string();
        if name.is_empty() {
            return;
        }
        let definition = text(property, "/qDefinition").to_string();
        let node = id::variable(self.app, &name);
        self.facts.node_with(
            node.clone(),
            NodeKind::Variable,
            name.clone(),
            [("definition", definition.clone())],
        );
        self.contains(&id::app(self.app), &node);
        self.variables.insert(name, Some(definition));
    }

    fn object(&mut self, property: &Value, parent: Option<&Parent>) {
        let object_id = object_id(property);
        if object_id.is_empty() {
            return;
        }
        let app_node = id::app(self.app);
        let title = first_nonempty([
            text(property, "/qMetaDef/title"),
            text(property, "/title"),
            text(property, "/qMeasure/qLabel"),
            text(property, "/qDim/title"),
        ]);
        match property_type(property) {
            "variable" | "bookmark" | "appprops" | "LoadModel" | "" => {}
            "measure" => {
                let node = id::object("measure", self.app, object_id);
                let expression = text(property, "/qMeasure/qDef").to_string();
                let mut attrs = vec![("expression", expression.clone())];
                push_description(property, &mut attrs);
                self.facts
                    .node_with(node.clone(), NodeKind::MasterMeasure, title, attrs);
                self.contains(&app_node, &node);
                self.expression(&expression, &node);
            }
            "dimension" => {
                let node = id::object("dimension", self.app, object_id);
                let defs = field_defs(property.pointer("/qDim/qFieldDefs"));
                let mut attrs = vec![("fields", defs.join(", "))];
                push_description(property, &mut attrs);
                self.facts
                    .node_with(node.clone(), NodeKind::MasterDimension, title, attrs);
                self.contains(&app_node, &node);
                for def in defs {
                    self.dimension_def(&def, &node);
                }
            }
            "sheet" => {
                let node = id::object("sheet", self.app, object_id);
                let mut attrs = Vec::new();
                push_description(property, &mut attrs);
                self.facts
                    .node_with(node.clone(), NodeKind::Sheet, title, attrs);
                self.contains(&app_node, &node);
                // Unbuild folders list a sheet's objects by name in its cells.
                if let Some(Value::Array(cells)) = property.get("cells") {
                    for cell in cells {
                        let name = text(cell, "/name");
                        if !name.is_empty() {
                            let object = id::object("object", self.app, name);
                            self.facts.edges.push((
                                node.clone(),
                                object,
                                Edge::new(EdgeKind::Contains, Certainty::Resolved),
                            ));
                        }
                    }
                }
            }
            kind => {
                let master = kind == "masterobject";
                let node = if master {
                    id::object("masterobject", self.app, object_id)
                } else {
                    id::object("object", self.app, object_id)
                };
                let node_kind = if master {
                    NodeKind::MasterVisualization
                } else {
                    NodeKind::VisualObject
                };
                let visualization = first_nonempty([text(property, "/visualization"), kind]);
                self.facts.node_with(
                    node.clone(),
                    node_kind,
                    if title.is_empty() {
                        object_id.to_string()
                    } else {
                        title
                    },
                    [("type", visualization)],
                );
                match parent {
                    Some(parent) => {
                        let scheme = if parent.sheet { "sheet" } else { "object" };
                        let whole = id::object(scheme, self.app, &parent.id);
                        self.contains(&whole, &node);
                    }
                    None => self.contains(&app_node, &node),
                }
                let extends = text(property, "/qExtendsId");
                if !extends.is_empty() {
                    let from = id::object("masterobject", self.app, extends);
                    self.facts
                        .edge(&from, &node, Edge::new(EdgeKind::Uses, Certainty::Resolved));
                }
                self.hypercube(property, &node);
            }
        }
    }

    fn hypercube(&mut self, property: &Value, node: &str) {
        let Some(cube) = property.get("qHyperCubeDef") else {
            return;
        };
        for (part, key) in [("dimension", "qDimensions"), ("measure", "qMeasures")] {
            let Some(Value::Array(items)) = cube.get(key) else {
                continue;
            };
            for (index, item) in items.iter().enumerate() {
                let part_node = id::chart_part(node, part, index);
                let library = text(item, "/qLibraryId");
                let (kind, label, exprs) = if part == "measure" {
                    let def = text(item, "/qDef/qDef").to_string();
                    let label = first_nonempty([text(item, "/qDef/qLabel"), &def]);
                    (NodeKind::ChartMeasure, label, vec![def])
                } else {
                    let defs = field_defs(item.pointer("/qDef/qFieldDefs"));
                    let label = first_nonempty([
                        text(item, "/qDef/qFieldLabels/0"),
                        defs.first().map(String::as_str).unwrap_or(""),
                    ]);
                    (NodeKind::ChartDimension, label, defs)
                };
                let label = if label.is_empty() {
                    library.to_string()
                } else {
                    label
                };
                self.facts.node(part_node.clone(), kind, label);
                self.contains(node, &part_node);
                self.facts.edge(
                    &part_node,
                    node,
                    Edge::new(EdgeKind::Derives, Certainty::Resolved)
                        .with_transform(Transform::Identity),
                );
                if !library.is_empty() {
                    let scheme = if part == "measure" {
                        "measure"
                    } else {
                        "dimension"
                    };
                    let master = id::object(scheme, self.app, library);
                    self.facts.edge(
                        &master,
                        &part_node,
                        Edge::new(EdgeKind::Uses, Certainty::Resolved),
                    );
                }
                for def in exprs.iter().filter(|d| !d.trim().is_empty()) {
                    if part == "measure" {
                        self.expression(def, &part_node);
                    } else {
                        self.dimension_def(def, &part_node);
                    }
                }
            }
        }
    }

    fn dimension_def(&mut self, def: &str, node: &str) {
        if def.trim_start().starts_with('=') {
            self.expression(def, node);
        } else {
            let name = def.trim().trim_matches(['[', ']']).to_string();
            self.field(&name, node, Transform::Identity, Certainty::Resolved);
        }
    }

    /// Links what an expression reads to `node`.
    fn expression(&mut self, expression: &str, node: &str) {
        self.expression_at_depth(expression, node, 0, Certainty::Resolved);
    }

    fn expression_at_depth(
        &mut self,
        expression: &str,
        node: &str,
        depth: usize,
        certainty: Certainty,
    ) {
        if depth > 8 || expression.trim().is_empty() {
            return;
        }
        let parsed = crate::syntax::parse_chart_expression(expression);
        let Some(expr) = parsed.expr else {
            return;
        };
        let mut refs = References::default();
        refs.visit_expr(&expr);
        let transform = match &expr {
            Expr::Field(_) => Transform::Identity,
            _ if refs.aggregated => Transform::Aggregation,
            _ => Transform::Expression,
        };
        for field in &refs.fields {
            if self.variables.contains_key(field.as_str())
                && !self.fields.contains_key(field.as_str())
            {
                // A bare variable name in a chart expression is its value.
                self.use_variable(field, node, depth, &certainty);
            } else {
                self.field(field, node, transform, certainty.clone());
            }
        }
        for field in refs.filters.iter().filter(|f| !refs.fields.contains(f)) {
            self.field(field, node, Transform::Filter, certainty.clone());
        }
        for dollar in &refs.dollars {
            match crate::syntax::dollar::parts(dollar, crate::source::Span::new(0, dollar.len())) {
                DollarParts::Variable { name, .. } | DollarParts::Numeric { name } => {
                    self.use_variable(name.text.trim(), node, depth, &certainty);
                }
                DollarParts::Expression { expression } => {
                    self.expression_at_depth(&expression.text, node, depth + 1, certainty.clone());
                }
                DollarParts::Include { .. } => {}
            }
        }
    }

    fn use_variable(&mut self, name: &str, node: &str, depth: usize, certainty: &Certainty) {
        let var = id::variable(self.app, name);
        let definition = self.variables.get(name).cloned();
        self.facts
            .node(var.clone(), NodeKind::Variable, name.to_string());
        self.facts
            .edge(&var, node, Edge::new(EdgeKind::Uses, Certainty::Resolved));
        match definition {
            Some(Some(text)) => self.expression_at_depth(&text, node, depth + 1, certainty.clone()),
            _ => self.report(
                format!("{name}-unknown"),
                Code::ChartFieldUnknown,
                format!("`$({name})` in a chart expression: the variable's value is not known, so the fields it reads are not linked"),
                vec![node.to_string(), var],
            ),
        }
    }

    fn field(&mut self, name: &str, node: &str, transform: Transform, certainty: Certainty) {
        let Some(tables) = self.fields.get(name).cloned() else {
            if !name.is_empty() && !name.starts_with('$') {
                self.report(
                    format!("{name}@{node}"),
                    Code::ChartFieldUnknown,
                    format!("chart expression uses `{name}`, which no table of the app loads"),
                    vec![node.to_string()],
                );
            }
            return;
        };
        for table in tables {
            let from = id::app_field(self.app, table, name);
            self.facts.edge(
                &from,
                node,
                Edge::new(EdgeKind::Derives, certainty.clone()).with_transform(transform),
            );
        }
    }

    fn report(&mut self, key: String, code: Code, message: String, nodes: Vec<String>) {
        if self.reported.insert(key) {
            self.facts.findings.push(Finding::new(code, message, nodes));
        }
    }
}

fn first_nonempty<'s>(candidates: impl IntoIterator<Item = &'s str>) -> String {
    candidates
        .into_iter()
        .find(|c| !c.trim().is_empty())
        .unwrap_or("")
        .to_string()
}

fn push_description(property: &Value, attrs: &mut Vec<(&'static str, String)>) {
    let description = text(property, "/qMetaDef/description");
    if !description.is_empty() {
        attrs.push(("description", description.to_string()));
    }
}

fn field_defs(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Field names and `$(…)` an expression reads; function names and set element values are not
/// fields.
#[derive(Default)]
struct References {
    fields: Vec<String>,
    /// Fields named only inside set analysis: they filter, their values are not computed on.
    filters: Vec<String>,
    in_set: bool,
    dollars: Vec<String>,
    aggregated: bool,
    skip_next_ident: bool,
}

impl Visit for References {
    fn visit_expr(&mut self, node: &Expr) {
        if let Expr::Call(call) = node {
            self.skip_next_ident = true;
            if crate::semantic::derivation::is_aggregation(&call.name.text) {
                self.aggregated = true;
            }
        }
        walk::expr(self, node);
    }

    fn visit_ident(&mut self, node: &Ident) {
        if std::mem::take(&mut self.skip_next_ident) {
            return;
        }
        let name = node.text.to_string();
        if self.in_set {
            if !self.filters.contains(&name) {
                self.filters.push(name);
            }
        } else if !self.fields.contains(&name) {
            self.fields.push(name);
        }
    }

    fn visit_set_expression(&mut self, node: &crate::syntax::ast::SetExpression) {
        let outer = std::mem::replace(&mut self.in_set, true);
        walk::set_expression(self, node);
        self.in_set = outer;
    }

    fn visit_element_set(&mut self, node: &ElementSet) {
        match node {
            ElementSet::List(list) => {
                for element in &list.elements {
                    if let Element::Dollar(d) = element {
                        self.visit_dollar(d);
                    }
                }
            }
            other => walk::element_set(self, other),
        }
    }

    fn visit_dollar(&mut self, node: &ExprDollar) {
        self.dollars.push(node.text.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(text: &str) -> References {
        let parsed = crate::syntax::parse_chart_expression(text);
        let mut r = References::default();
        r.visit_expr(&parsed.expr.expect("parses"));
        r
    }

    #[test]
    fn fields_of_set_analysis_and_totals_but_not_functions_or_values() {
        let r = refs(
            "Sum({<Year={2024}, Region=P(Country), Flag={'Yes'}>} TOTAL <Segment> Sales * Qty)",
        );
        assert_eq!(r.filters, ["Year", "Region", "Country", "Flag"]);
        assert_eq!(r.fields, ["Segment", "Sales", "Qty"]);
        assert!(r.aggregated);
        let r = refs("$(vMeasure) / Count(DISTINCT OrderID)");
        assert_eq!(r.dollars, ["$(vMeasure)"]);
        assert_eq!(r.fields, ["OrderID"]);
    }
}
