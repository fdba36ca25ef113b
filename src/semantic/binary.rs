//! BINARY: every table of another app. When the app is resolved with the other apps of its
//! estate ([`super::resolve_estate`]) and the app named is one of them, its final tables (and
//! section access tables) become this app's, one load each, every field derived from the
//! other app's field of the same name with the source `binary <app path>`. Otherwise the
//! statement stays unresolved with the reason.

use super::control_flow::{unquote, Machine};
use super::estate::BinaryTarget;
use super::model::{
    Derivation, Field, Load, LoadKind, LoadSourceInfo, Location, SourceKind, Table, Transform,
};
use super::table_model::Placement;
use super::Resolved;
use crate::diagnostics::{Code, Diagnostic};

impl Machine<'_> {
    pub(super) fn exec_binary(&mut self, body: &str, location: Location) {
        let written = unquote(body.trim()).to_string();
        let res = self.resolve(&written);
        let reason = match self.estate.map(|e| e.target(&written)) {
            None => "BINARY loads every table of another app; that app's model is not part of this run".to_string(),
            Some(BinaryTarget::Found(other)) => {
                self.load_binary(other, &written, location);
                return;
            }
            Some(BinaryTarget::Outside) => {
                "BINARY loads every table of another app; no app of the estate answers to that name".to_string()
            }
            Some(BinaryTarget::Ambiguous(paths)) => format!(
                "BINARY names several apps of the estate: {}",
                paths.join(", ")
            ),
            Some(BinaryTarget::NotYet(path)) => format!(
                "BINARY names app {path} of the estate, but only after expansion, so its model was not resolved before this app's"
            ),
            Some(BinaryTarget::Cycle(path)) => {
                self.diagnostic(
                    location,
                    Diagnostic::new(
                        Code::BinaryCycle,
                        location.span,
                        format!("BINARY of {path}, which loads this app back (directly or through other apps)"),
                    )
                    .with_note("each app's reload would need the other's data first: neither model is determined"),
                );
                format!("BINARY cycle: {path} loads this app back")
            }
        };
        self.unresolved(location, &written, &reason, false);
        let load = Load {
            location,
            target: String::new(),
            kind: LoadKind::Binary,
            source: LoadSourceInfo {
                kind: Some(SourceKind::Binary),
                path: Some(written),
                resolved_path: res.resolved,
                ..Default::default()
            },
            resolved: false,
            conditional: self.is_conditional(),
            fields: Vec::new(),
        };
        self.push_load(load);
    }

    /// Puts every table of `other` into the model, one BINARY load each.
    fn load_binary(&mut self, other: &Resolved, written: &str, location: Location) {
        let app = other.model.path.as_str();
        let source = format!("binary {app}");
        let conditional = self.is_conditional();
        let tables = other
            .model
            .tables
            .iter()
            .map(|t| (t, false))
            .chain(other.model.section_access_tables.iter().map(|t| (t, true)));
        let before = self.loads.len();
        for (table, section_access) in tables {
            let fields = binary_fields(table, &source);
            let index = self.loads.len();
            let placement = Placement {
                label: Some(table.name.clone()),
                no_concatenate: true,
                section_access,
                conditional,
                ..Default::default()
            };
            let (placed, _) = self.state.tables.place(
                fields.clone(),
                table.fields_incomplete,
                &table.name,
                &placement,
                index,
            );
            self.push_load(Load {
                location,
                target: placed.into_target(),
                kind: LoadKind::Binary,
                source: LoadSourceInfo {
                    kind: Some(SourceKind::Binary),
                    path: Some(written.to_string()),
                    resolved_path: Some(app.to_string()),
                    ..Default::default()
                },
                resolved: !table.fields_incomplete,
                conditional,
                fields,
            });
        }
        if self.loads.len() == before {
            // An app without tables: the statement is still a resolved load of nothing.
            self.push_load(Load {
                location,
                target: String::new(),
                kind: LoadKind::Binary,
                source: LoadSourceInfo {
                    kind: Some(SourceKind::Binary),
                    path: Some(written.to_string()),
                    resolved_path: Some(app.to_string()),
                    ..Default::default()
                },
                resolved: true,
                conditional,
                fields: Vec::new(),
            });
        }
    }
}

/// The fields of a table loaded by BINARY: each one the other app's field of that name.
fn binary_fields(table: &Table, source: &str) -> Vec<Field> {
    let (name, source): (std::sync::Arc<str>, std::sync::Arc<str>) =
        (table.name.as_str().into(), source.into());
    table
        .fields
        .iter()
        .map(|f| Field {
            name: f.name.clone(),
            derived_from: smallvec::smallvec![Derivation {
                table: Some(name.clone()),
                field: Some(f.name.as_str().into()),
                source: Some(source.clone()),
                transform: Transform::Identity,
            }],
        })
        .collect()
}
