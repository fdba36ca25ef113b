//! `qlineage model --format json`, written straight from the resolved models. The document is
//! serialized from borrowed views, never built as a `serde_json::Value` first: on a 10 MB
//! script that tree was several times the model's own size. Field order is the documented
//! contract (`docs/model.md`) and must not change.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::semantic::model::{
    AppModel, LoadKind, LoadSourceInfo, Location, SyntheticKey, Table, VariableState,
};
use crate::semantic::Resolved;

/// Writes `{"apps":[…]}` for the resolved apps, pretty-printed, with a final newline.
pub fn write(out: &mut impl std::io::Write, resolved: &[Resolved]) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct Doc<'a> {
        apps: Vec<AppJson<'a>>,
    }
    let doc = Doc {
        apps: resolved.iter().map(AppJson).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
    writeln!(out)
}

/// One app in `--format json` output.
pub struct AppJson<'a>(pub &'a Resolved);

#[derive(Serialize)]
struct At<'a> {
    file: &'a str,
    line: u32,
    column: u32,
}

fn at<'a>(model: &'a AppModel, location: &Location) -> At<'a> {
    let file = &model.files[location.file as usize].source;
    let lc = file.line_col(location.span.start);
    At {
        file: &file.path,
        line: lc.line,
        column: lc.column,
    }
}

#[derive(Serialize)]
struct FileJson<'a> {
    path: &'a str,
    included_from: Option<At<'a>>,
}

#[derive(Serialize)]
struct SectionAccessJson<'a> {
    name: &'a str,
    fields: Vec<&'a str>,
}

#[derive(Serialize)]
struct LoadJson<'a> {
    span: At<'a>,
    target: &'a str,
    kind: LoadKind,
    source: &'a LoadSourceInfo,
    resolved: bool,
    conditional: bool,
}

#[derive(Serialize)]
struct StoreJson<'a> {
    span: At<'a>,
    table: &'a str,
    fields: &'a [String],
    path: &'a str,
    resolved_path: &'a Option<String>,
    format: &'a str,
    resolved: bool,
    conditional: bool,
}

#[derive(Serialize)]
struct UnresolvedJson<'a> {
    #[serde(flatten)]
    at: At<'a>,
    text: &'a str,
    reason: &'a str,
    runtime: bool,
}

#[derive(Serialize)]
struct DiagnosticJson<'a> {
    #[serde(flatten)]
    at: At<'a>,
    severity: crate::diagnostics::Severity,
    code: &'a str,
    message: &'a str,
}

/// `{"name": "value" | {"unknown": "reason"}}` in the order variables were first set.
struct Variables<'a>(&'a [(String, VariableState)]);

impl Serialize for Variables<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Unknown<'a> {
            unknown: &'a str,
        }
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, state) in self.0 {
            match state {
                VariableState::Known(v) => map.serialize_entry(name, v)?,
                VariableState::Unknown(reason) => {
                    map.serialize_entry(name, &Unknown { unknown: reason })?
                }
            }
        }
        map.end()
    }
}

impl Serialize for AppJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct App<'a> {
            path: &'a str,
            files: Vec<FileJson<'a>>,
            tables: &'a [Table],
            section_access_tables: Vec<SectionAccessJson<'a>>,
            loads: Vec<LoadJson<'a>>,
            stores: Vec<StoreJson<'a>>,
            variables: Variables<'a>,
            synthetic_keys: &'a [SyntheticKey],
            circular_references: &'a [Vec<String>],
            unresolved: Vec<UnresolvedJson<'a>>,
            diagnostics: Vec<DiagnosticJson<'a>>,
        }
        let resolved = self.0;
        let model = &resolved.model;
        App {
            path: &model.path,
            files: model
                .files
                .iter()
                .map(|f| FileJson {
                    path: &f.source.path,
                    included_from: f.included_from.as_ref().map(|l| at(model, l)),
                })
                .collect(),
            tables: &model.tables,
            section_access_tables: model
                .section_access_tables
                .iter()
                .map(|t| SectionAccessJson {
                    name: &t.name,
                    fields: t.fields.iter().map(|f| f.name.as_str()).collect(),
                })
                .collect(),
            loads: model
                .loads
                .iter()
                .map(|l| LoadJson {
                    span: at(model, &l.location),
                    target: &l.target,
                    kind: l.kind,
                    source: &l.source,
                    resolved: l.resolved,
                    conditional: l.conditional,
                })
                .collect(),
            stores: model
                .stores
                .iter()
                .map(|s| StoreJson {
                    span: at(model, &s.location),
                    table: &s.table,
                    fields: &s.fields,
                    path: &s.path,
                    resolved_path: &s.resolved_path,
                    format: &s.format,
                    resolved: s.resolved,
                    conditional: s.conditional,
                })
                .collect(),
            variables: Variables(&model.variables),
            synthetic_keys: &model.synthetic_keys,
            circular_references: &model.circular_references,
            unresolved: model
                .unresolved
                .iter()
                .map(|u| UnresolvedJson {
                    at: at(model, &u.location),
                    text: &u.text,
                    reason: &u.reason,
                    runtime: u.runtime,
                })
                .collect(),
            diagnostics: resolved
                .diagnostics
                .iter()
                .map(|d| DiagnosticJson {
                    at: at(
                        model,
                        &Location {
                            file: d.file,
                            span: d.diagnostic.span,
                        },
                    ),
                    severity: d.diagnostic.severity,
                    code: d.diagnostic.code.as_str(),
                    message: &d.diagnostic.message,
                })
                .collect(),
        }
        .serialize(serializer)
    }
}
