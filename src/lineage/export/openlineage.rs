//! OpenLineage: one `RunEvent` per app reload, as JSON lines, for Marquez, DataHub and
//! OpenMetadata.
//!
//! An app is a job (namespace [`JOB_NAMESPACE`], name the app's key: its id on a site, its
//! path otherwise; names are not unique on a site, ids are) and its last reload a run: event
//! type `COMPLETE`, event time the app's `last_reload` when the graph knows it, else
//! [`EPOCH`] so the output stays deterministic; the run id is a UUID v5 of the app and that
//! time, so exporting twice gives the same run and another reload another run.
//!
//! Inputs are the datasets the app's tables read (QVDs, files, database tables), outputs the
//! QVDs and files it stores; each carries the `schema` facet (its fields), and outputs the
//! `columnLineage` facet: for each output field, the input fields it comes from, found by
//! walking `derives` edges back through the app's own fields (cycles end the walk) to fields
//! of the app's inputs. Dataset names follow the OpenLineage naming conventions
//! ([`naming`](self::naming)).
//!
//! Versions targeted: the RunEvent schema 2-0-2, `SchemaDatasetFacet` and
//! `ColumnLineageDatasetFacet` 1-2-0, `JobTypeJobFacet` 2-0-4, `DocumentationJobFacet` 1-1-0.

pub mod naming;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use petgraph::Direction;
use serde_json::{json, Map, Value};

use super::Membership;
use crate::lineage::graph::{EdgeKind, Graph, Node, Transform};
use crate::lineage::ids::NodeKind;
use crate::semantic::Connections;

pub const RUN_EVENT_SCHEMA: &str =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
pub const SCHEMA_FACET: &str =
    "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet";
pub const COLUMN_LINEAGE_FACET: &str = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet";
pub const JOB_TYPE_FACET: &str =
    "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet";
pub const DOCUMENTATION_FACET: &str =
    "https://openlineage.io/spec/facets/1-1-0/DocumentationJobFacet.json#/$defs/DocumentationJobFacet";
/// Who wrote the events (`producer` and every facet's `_producer`).
pub const PRODUCER: &str = concat!(
    "https://github.com/qlineage/qlineage/tree/v",
    env!("CARGO_PKG_VERSION")
);
/// The job namespace of every app: the Qlik Sense reload scheduler.
pub const JOB_NAMESPACE: &str = "qlik-sense";
/// The event time of an app whose last reload is unknown (a script on disk).
pub const EPOCH: &str = "1970-01-01T00:00:00Z";

/// One event per app, in app id order.
pub fn events(graph: &Graph, connections: &Connections) -> Vec<Value> {
    let membership = Membership::of(graph);
    let namer = naming::Namer::new(graph, connections);
    membership
        .apps
        .iter()
        .map(|app| event(graph, &membership, &namer, app))
        .collect()
}

fn event(graph: &Graph, membership: &Membership<'_>, namer: &naming::Namer, app: &Node) -> Value {
    let key = app.id.strip_prefix("app:").unwrap_or(&app.id);
    let event_time = app
        .attrs
        .get("last_reload")
        .filter(|t| t.contains('T') && t.parse::<jiff::Timestamp>().is_ok())
        .map_or(EPOCH, String::as_str);
    let run_id = uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("qlineage:reload:{key}@{event_time}").as_bytes(),
    );
    let tables: Vec<&Node> = graph
        .nodes()
        .into_iter()
        .filter(|n| n.kind == NodeKind::AppTable && membership.app_index(&n.id).is_some())
        .filter(|n| membership.app_of(&n.id).map(|a| &a.id) == Some(&app.id))
        .collect();
    let mut inputs: BTreeSet<&str> = BTreeSet::new();
    let mut outputs: BTreeSet<&str> = BTreeSet::new();
    for table in &tables {
        for e in graph.neighbours(&table.id, Direction::Incoming) {
            if e.edge.kind == EdgeKind::Reads && is_dataset(graph, e.from) {
                inputs.insert(e.from);
            }
        }
        for e in graph.neighbours(&table.id, Direction::Outgoing) {
            if e.edge.kind == EdgeKind::Stores && is_dataset(graph, e.to) {
                outputs.insert(e.to);
            }
        }
    }
    let input_values: Vec<Value> = inputs
        .iter()
        .map(|id| {
            let (namespace, name) = namer.dataset(id);
            let mut facets = Map::new();
            if let Some(schema) = schema_facet(graph, id) {
                facets.insert("schema".into(), schema);
            }
            json!({"namespace": namespace, "name": name, "facets": facets})
        })
        .collect();
    let output_values: Vec<Value> = outputs
        .iter()
        .map(|id| {
            let (namespace, name) = namer.dataset(id);
            let mut facets = Map::new();
            if let Some(schema) = schema_facet(graph, id) {
                facets.insert("schema".into(), schema);
            }
            let lineage = column_lineage(graph, membership, namer, app, id, &inputs);
            if !lineage.is_empty() {
                facets.insert(
                    "columnLineage".into(),
                    json!({
                        "_producer": PRODUCER,
                        "_schemaURL": COLUMN_LINEAGE_FACET,
                        "fields": lineage,
                    }),
                );
            }
            json!({"namespace": namespace, "name": name, "facets": facets})
        })
        .collect();
    let mut job_facets = Map::new();
    job_facets.insert(
        "jobType".into(),
        json!({
            "_producer": PRODUCER,
            "_schemaURL": JOB_TYPE_FACET,
            "processingType": "BATCH",
            "integration": "QLIK_SENSE",
            "jobType": "APP_RELOAD",
        }),
    );
    let mut documentation = app.name.clone();
    if let Some(description) = app.attrs.get("description").filter(|d| !d.is_empty()) {
        documentation = format!("{documentation}: {description}");
    }
    job_facets.insert(
        "documentation".into(),
        json!({
            "_producer": PRODUCER,
            "_schemaURL": DOCUMENTATION_FACET,
            "description": documentation,
        }),
    );
    json!({
        "eventType": "COMPLETE",
        "eventTime": event_time,
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT_SCHEMA,
        "run": {"runId": run_id.to_string()},
        "job": {"namespace": JOB_NAMESPACE, "name": key, "facets": job_facets},
        "inputs": input_values,
        "outputs": output_values,
    })
}

fn is_dataset(graph: &Graph, id: &str) -> bool {
    graph
        .node(id)
        .is_some_and(|n| matches!(n.kind, NodeKind::Qvd | NodeKind::File | NodeKind::DbTable))
}

/// The fields a dataset contains, in id order.
fn fields<'g>(graph: &'g Graph, dataset: &str) -> Vec<&'g Node> {
    graph
        .neighbours(dataset, Direction::Outgoing)
        .into_iter()
        .filter(|e| e.edge.kind == EdgeKind::Contains)
        .filter_map(|e| graph.node(e.to))
        .filter(|n| n.kind.is_field_level())
        .collect()
}

/// The `schema` facet; None when no field is known (`SELECT *` from a table the analysis
/// cannot see): an empty schema would claim the dataset has no columns.
fn schema_facet(graph: &Graph, dataset: &str) -> Option<Value> {
    let fields: Vec<Value> = fields(graph, dataset)
        .iter()
        .map(|f| json!({"name": f.name}))
        .collect();
    (!fields.is_empty())
        .then(|| json!({"_producer": PRODUCER, "_schemaURL": SCHEMA_FACET, "fields": fields}))
}

/// How a field is computed along a path, in OpenLineage's terms: (type, subtype, the Qlik
/// transform that decided it). Along a path the strongest step wins (an aggregation of a
/// renamed field is an aggregation).
type Step = (&'static str, &'static str, &'static str);

fn step(transform: Option<Transform>) -> Step {
    match transform {
        None => ("DIRECT", "TRANSFORMATION", "unknown"),
        Some(t @ (Transform::Identity | Transform::Rename | Transform::Concatenate)) => {
            ("DIRECT", "IDENTITY", t.name())
        }
        Some(t @ Transform::Join) => ("DIRECT", "IDENTITY", t.name()),
        Some(t @ Transform::Aggregation) => ("DIRECT", "AGGREGATION", t.name()),
        Some(t @ Transform::Filter) => ("INDIRECT", "FILTER", t.name()),
        Some(
            t @ (Transform::Expression
            | Transform::Mapping
            | Transform::Constant
            | Transform::Generated),
        ) => ("DIRECT", "TRANSFORMATION", t.name()),
    }
}

fn rank(step: Step) -> u8 {
    match step.1 {
        "IDENTITY" => 0,
        "TRANSFORMATION" => 1,
        "AGGREGATION" => 2,
        _ => 3,
    }
}

/// `fields` of the `columnLineage` facet of one output dataset: output field name → its
/// input fields, each with the transformations of the paths that reach it.
fn column_lineage(
    graph: &Graph,
    membership: &Membership<'_>,
    namer: &naming::Namer,
    app: &Node,
    output: &str,
    inputs: &BTreeSet<&str>,
) -> Map<String, Value> {
    let in_app = |id: &str| membership.app_of(id).map(|a| a.id.as_str()) == Some(app.id.as_str());
    let mut out = Map::new();
    for field in fields(graph, output) {
        // (input field id) → the distinct steps that reach it.
        let mut reached: BTreeMap<&str, BTreeSet<Step>> = BTreeMap::new();
        let mut seen: HashSet<(&str, Step)> = HashSet::new();
        let mut stack: Vec<(&str, Option<Step>)> = vec![(field.id.as_str(), None)];
        while let Some((id, so_far)) = stack.pop() {
            for e in graph.neighbours(id, Direction::Incoming) {
                if e.edge.kind != EdgeKind::Derives {
                    continue;
                }
                let here = step(e.edge.transform);
                let combined = match so_far {
                    Some(s) if rank(s) >= rank(here) => s,
                    _ => here,
                };
                let Some(source) = graph.node(e.from) else {
                    continue;
                };
                if source.kind == NodeKind::AppField && in_app(e.from) {
                    if seen.insert((e.from, combined)) {
                        stack.push((e.from, Some(combined)));
                    }
                } else if id != field.id
                    && source.kind.is_field_level()
                    && super::container(graph, e.from)
                        .is_some_and(|c| inputs.contains(c.id.as_str()))
                {
                    reached.entry(e.from).or_default().insert(combined);
                }
            }
        }
        if reached.is_empty() {
            continue;
        }
        let input_fields: Vec<Value> = reached
            .iter()
            .filter_map(|(id, steps)| {
                let dataset = super::container(graph, id)?;
                let (namespace, name) = namer.dataset(&dataset.id);
                let transformations: Vec<Value> = steps
                    .iter()
                    .map(|(ty, subtype, description)| {
                        json!({"type": ty, "subtype": subtype, "description": description})
                    })
                    .collect();
                Some(json!({
                    "namespace": namespace,
                    "name": name,
                    "field": graph.node(id)?.name,
                    "transformations": transformations,
                }))
            })
            .collect();
        out.insert(field.name.clone(), json!({"inputFields": input_fields}));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::export::testing::hostile;

    #[test]
    fn one_event_per_app_with_deterministic_run_ids() {
        let g = hostile();
        let all = events(&g, &Connections::default());
        let events = &all;
        assert_eq!(events.len(), 2);
        let a = &events[0];
        assert_eq!(a["eventTime"], "2026-03-02T02:00:41.000Z");
        assert_eq!(events[1]["eventTime"], EPOCH);
        let again = super::events(&g, &Connections::default());
        assert_eq!(a["run"]["runId"], again[0]["run"]["runId"]);
        assert_ne!(a["run"]["runId"], events[1]["run"]["runId"]);
        let run_id = a["run"]["runId"].as_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(run_id).unwrap().get_version_num(), 5);
        assert_eq!(a["outputs"][0]["namespace"], "file");
        assert_eq!(events[1]["inputs"][0]["name"], "C:/dir\\x/");
    }

    #[test]
    fn column_lineage_walks_back_through_the_app_to_its_inputs() {
        let g = hostile();
        // App b reads the QVD; a table of b stores nothing, so b has no outputs. App a stores
        // the QVD from a field fed by nothing the app reads: no column lineage either.
        let events = events(&g, &Connections::default());
        assert!(events[1]["outputs"].as_array().unwrap().is_empty());
        assert!(events[0]["outputs"][0]["facets"]
            .get("columnLineage")
            .is_none());
    }
}
