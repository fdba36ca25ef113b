//! Every export format over the estate in `corpus/estate/`: snapshots (ids are paths relative
//! to the repository root, so they do not depend on the machine), and each format read back
//! by the real tool that consumes it: `dot -Tsvg` (Graphviz), networkx's GraphML reader, and
//! the official OpenLineage Python client's `event_v2` and facet classes.
//!
//! The Python packages are installed once into a venv under `<CARGO_TARGET_TMPDIR>/lineage-py`
//! (the PyPI registry is needed on first run). Without `python3` the Python tests fail unless
//! `QLINEAGE_SKIP_PY=1`; without `dot` the Graphviz test fails unless `QLINEAGE_SKIP_DOT=1`.
//! `.ci/run` installs both, so CI always checks.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use qlineage::lineage::export::{self, ExportFormat, ExportOptions};
use qlineage::lineage::{self, LineageGraph, LineageOptions};
use qlineage::semantic::{Connections, ResolveOptions};
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn connections() -> Connections {
    Connections::read(Path::new("corpus/estate/connections.json")).expect("connections")
}

/// The estate's graph, built once (ids relative to the repository root).
fn estate() -> &'static LineageGraph {
    static GRAPH: OnceLock<LineageGraph> = OnceLock::new();
    GRAPH.get_or_init(|| {
        std::env::set_current_dir(root()).unwrap();
        let apps = lineage::discover(&[PathBuf::from("corpus/estate/apps")]).expect("apps");
        let options = LineageOptions {
            resolve: ResolveOptions {
                include_roots: vec![PathBuf::from("corpus/estate")],
                files_root: Some(PathBuf::from("corpus/estate/files")),
                ..ResolveOptions::default()
            },
            connections: connections(),
            ..LineageOptions::default()
        };
        lineage::build(&apps, &options).expect("estate builds")
    })
}

fn render(format: ExportFormat) -> String {
    let options = ExportOptions {
        connections: connections(),
    };
    let mut out = Vec::new();
    export::write(estate(), format, &options, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("snapshots/lineage"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn snapshots_of_every_format() {
    for (name, format) in [
        ("estate.json", ExportFormat::Json),
        ("estate.dot", ExportFormat::Dot),
        ("estate.graphml", ExportFormat::Graphml),
        ("estate.mermaid", ExportFormat::Mermaid),
        ("estate.openlineage", ExportFormat::Openlineage),
    ] {
        let text = render(format);
        assert_eq!(text, render(format), "{name} is deterministic");
        snapshot(name, &text);
    }
}

/// Whether a missing tool may skip its test: only when the named variable says so.
fn skip_or_fail(variable: &str, why: &str) {
    if std::env::var(variable).is_ok_and(|v| v == "1") {
        eprintln!("skipped: {why} ({variable}=1)");
    } else {
        panic!("{why}; install it (.ci/run does) or set {variable}=1 to skip");
    }
}

#[test]
fn graphviz_accepts_the_dot_output() {
    let Ok(mut child) = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    else {
        return skip_or_fail("QLINEAGE_SKIP_DOT", "Graphviz `dot` is not installed");
    };
    let text = render(ExportFormat::Dot);
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dot failed: {stderr}");
    assert!(stderr.trim().is_empty(), "dot warned: {stderr}");
    let svg = String::from_utf8_lossy(&out.stdout);
    // Every app is a cluster, every node is drawn.
    assert_eq!(svg.matches("class=\"cluster\"").count(), estate().apps + 1);
    assert_eq!(
        svg.matches("class=\"node\"").count(),
        estate().graph.node_count() + legend_nodes(&text)
    );
}

fn legend_nodes(dot: &str) -> usize {
    dot.lines()
        .filter(|l| l.trim_start().starts_with("\"legend ") && !l.contains("->"))
        .map(|l| l.matches("[label=").count())
        .sum()
}

/// The venv's python with networkx and openlineage-python, created on first use.
fn python() -> Option<PathBuf> {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lineage-py");
    let python = venv.join("bin/python");
    let ready = |python: &Path| {
        Command::new(python)
            .args(["-c", "import networkx, openlineage.client.event_v2"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if ready(&python) {
        return Some(python);
    }
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status();
    if !created.is_ok_and(|s| s.success()) {
        skip_or_fail("QLINEAGE_SKIP_PY", "python3 with venv is not available");
        return None;
    }
    let installed = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "networkx", "openlineage-python"])
        .status();
    assert!(
        installed.is_ok_and(|s| s.success()),
        "pip could not install networkx and openlineage-python into {}",
        venv.display()
    );
    assert!(ready(&python), "the venv cannot import its packages");
    Some(python)
}

/// Runs a Python script on a file and returns its standard output.
fn run_python(python: &Path, script: &str, input: &str, name: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("lineage-exports");
    std::fs::create_dir_all(&dir).unwrap();
    let script_path = dir.join(format!("{name}.py"));
    let input_path = dir.join(name);
    std::fs::write(&script_path, script).unwrap();
    std::fs::write(&input_path, input).unwrap();
    let out = Command::new(python)
        .arg(&script_path)
        .arg(&input_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const GRAPHML_READER: &str = r#"
import json, sys
import networkx as nx
g = nx.read_graphml(sys.argv[1])
nodes = {n: d for n, d in g.nodes(data=True)}
edges = sorted(
    [[u, v, d] for u, v, d in g.edges(data=True)],
    key=lambda e: (e[0], e[1], e[2]["kind"]),
)
print(json.dumps({"directed": g.is_directed(), "nodes": nodes, "edges": edges}))
"#;

#[test]
fn networkx_reads_the_graphml_as_the_json_graph() {
    let Some(python) = python() else { return };
    let read: Value = serde_json::from_str(&run_python(
        &python,
        GRAPHML_READER,
        &render(ExportFormat::Graphml),
        "estate.graphml",
    ))
    .unwrap();
    let json: Value = serde_json::from_str(&render(ExportFormat::Json)).unwrap();
    assert_eq!(read["directed"], true);
    let nodes = read["nodes"].as_object().unwrap();
    let json_nodes = json["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), json_nodes.len());
    for node in json_nodes {
        let id = node["id"].as_str().unwrap();
        let data = &nodes[id];
        assert_eq!(data["kind"], node["kind"], "{id}");
        assert_eq!(data["name"], node["name"], "{id}");
        for (key, value) in node["attrs"].as_object().unwrap() {
            assert_eq!(&data[format!("attr.{key}")], value, "{id} {key}");
        }
    }
    // A field of an app table belongs to that app; a QVD to none.
    let field = json_nodes
        .iter()
        .find(|n| n["kind"] == "app_field")
        .unwrap();
    let field_id = field["id"].as_str().unwrap();
    let app = &nodes[field_id]["app"];
    assert!(field_id.starts_with(&format!("{}/", app.as_str().unwrap())));
    let qvd = json_nodes.iter().find(|n| n["kind"] == "qvd").unwrap();
    assert!(nodes[qvd["id"].as_str().unwrap()].get("app").is_none());

    let edges = read["edges"].as_array().unwrap();
    let json_edges = json["edges"].as_array().unwrap();
    assert_eq!(edges.len(), json_edges.len());
    for (read, expected) in edges.iter().zip(json_edges) {
        assert_eq!(read[0], expected["from"]);
        assert_eq!(read[1], expected["to"]);
        let data = &read[2];
        for key in ["kind", "certainty", "detail", "transform"] {
            assert_eq!(data.get(key), expected.get(key), "{expected} {key}");
        }
        if let Some(span) = expected.get("span") {
            assert_eq!(data["span_file"], span["file"]);
            // Declared `int`: networkx hands back numbers, not strings.
            assert_eq!(data["span_line"], span["line"]);
            assert_eq!(data["span_column"], span["column"]);
        }
    }
}

/// Loads each event into the client's classes (strictly: an unknown key or facet is an
/// error), serializes it back with the client's `Serde`, and prints both for comparison.
/// The client writes the schema URLs of its own classes, so a wrong URL on our side shows
/// up as a difference.
const OPENLINEAGE_ROUNDTRIP: &str = r#"
import json, sys
from openlineage.client.event_v2 import RunEvent, Run, Job, InputDataset, OutputDataset, RunState
from openlineage.client.facet_v2 import (
    schema_dataset, column_lineage_dataset, job_type_job, documentation_job,
)
from openlineage.client.serde import Serde

def facet(cls, d, **typed):
    d = dict(d)
    producer = d.pop("_producer")
    d.pop("_schemaURL")
    d.update(typed)
    return cls(producer=producer, **d)

def dataset_facets(d):
    out = {}
    for key, value in d.items():
        if key == "schema":
            out[key] = facet(schema_dataset.SchemaDatasetFacet, value, fields=[
                schema_dataset.SchemaDatasetFacetFields(**f) for f in value["fields"]])
        elif key == "columnLineage":
            out[key] = facet(column_lineage_dataset.ColumnLineageDatasetFacet, value, fields={
                name: column_lineage_dataset.Fields(inputFields=[
                    column_lineage_dataset.InputField(
                        namespace=i["namespace"], name=i["name"], field=i["field"],
                        transformations=[column_lineage_dataset.Transformation(**t)
                                         for t in i["transformations"]])
                    for i in f.pop("inputFields")], **f)
                for name, f in value["fields"].items()})
        else:
            raise ValueError("unexpected dataset facet " + key)
    return out

def job_facets(d):
    classes = {"jobType": job_type_job.JobTypeJobFacet,
               "documentation": documentation_job.DocumentationJobFacet}
    return {key: facet(classes[key], value) for key, value in d.items()}

def event(d):
    d = json.loads(json.dumps(d))
    known = {"eventType", "eventTime", "producer", "schemaURL", "run", "job", "inputs", "outputs"}
    if set(d) - known:
        raise ValueError("unexpected keys %s" % (set(d) - known))
    return RunEvent(
        eventType=RunState(d["eventType"]),
        eventTime=d["eventTime"],
        producer=d["producer"],
        run=Run(runId=d["run"]["runId"]),
        job=Job(namespace=d["job"]["namespace"], name=d["job"]["name"],
                facets=job_facets(d["job"]["facets"])),
        inputs=[InputDataset(namespace=i["namespace"], name=i["name"],
                             facets=dataset_facets(i["facets"])) for i in d["inputs"]],
        outputs=[OutputDataset(namespace=o["namespace"], name=o["name"],
                               facets=dataset_facets(o["facets"])) for o in d["outputs"]],
    )

pairs = []
for line in open(sys.argv[1], encoding="utf-8"):
    ours = json.loads(line)
    pairs.append([ours, Serde.to_dict(event(ours))])
print(json.dumps(pairs))
"#;

/// Drops what the client adds as defaults for keys we leave out: empty objects and lists.
fn without_empty(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), without_empty(v)))
                .filter(|(_, v)| !matches!(v, Value::Object(m) if m.is_empty()))
                .filter(|(_, v)| !matches!(v, Value::Array(a) if a.is_empty()))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_empty).collect()),
        other => other.clone(),
    }
}

#[test]
fn the_openlineage_client_loads_every_event_and_writes_it_back_unchanged() {
    let text = render(ExportFormat::Openlineage);
    assert_eq!(text.lines().count(), estate().apps, "one event per app");
    let Some(python) = python() else { return };
    let pairs: Vec<(Value, Value)> = serde_json::from_str(&run_python(
        &python,
        OPENLINEAGE_ROUNDTRIP,
        &text,
        "estate.openlineage",
    ))
    .unwrap();
    assert_eq!(pairs.len(), estate().apps);
    let mut column_lineage = 0;
    for (ours, theirs) in &pairs {
        assert_eq!(without_empty(ours), without_empty(theirs));
        column_lineage += ours["outputs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["facets"].get("columnLineage").is_some())
            .count();
    }
    assert!(column_lineage > 0, "some output has column lineage");
}

/// What the estate's events say, checked against the scripts: the CRM extract reads SQL
/// Server tables through the host its connection string names and writes QVDs on the NAS;
/// a transform's QVD fields trace back to the QVD fields it read.
#[test]
fn openlineage_names_and_column_lineage_follow_the_scripts() {
    let events: Vec<Value> = render(ExportFormat::Openlineage)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let crm = events
        .iter()
        .find(|e| e["job"]["name"] == "corpus/estate/apps/01-extract-crm")
        .unwrap();
    let inputs = crm["inputs"].as_array().unwrap();
    assert!(inputs
        .iter()
        .all(|i| i["namespace"] == "mssql://crm-sql01:1433"));
    assert!(inputs.iter().any(|i| i["name"] == "crm.dbo.Customers"));
    let outputs = crm["outputs"].as_array().unwrap();
    assert!(outputs.iter().all(|o| o["namespace"] == "file://nas01"));
    let customers = outputs
        .iter()
        .find(|o| o["name"] == "/qlik/qvd/extract/customers.qvd")
        .unwrap();
    let lineage = &customers["facets"]["columnLineage"]["fields"];
    let sources = lineage["CustomerID"]["inputFields"].as_array().unwrap();
    assert!(sources
        .iter()
        .all(|s| s["namespace"] == "mssql://crm-sql01:1433"));
    assert!(!sources.is_empty());
    // Every input field of every event names a dataset that event lists as an input.
    for event in &events {
        let inputs: Vec<(&Value, &Value)> = event["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (&i["namespace"], &i["name"]))
            .collect();
        for output in event["outputs"].as_array().unwrap() {
            let Some(fields) = output["facets"]["columnLineage"]["fields"].as_object() else {
                continue;
            };
            for field in fields.values() {
                for input in field["inputFields"].as_array().unwrap() {
                    assert!(
                        inputs.contains(&(&input["namespace"], &input["name"])),
                        "{input}"
                    );
                }
            }
        }
    }
}
