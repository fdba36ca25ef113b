//! The end of the run: synthetic keys and circular references on the final tables, the
//! variables left, and the model.

use super::*;

impl Machine<'_> {
    pub(super) fn finish(mut self, input: &AppInput) -> Resolved {
        let (tables, section_access_tables) = std::mem::take(&mut self.state.tables).into_finish();
        let (synthetic_keys, circular_references) = table_model::associations(&tables);
        // Model-level findings point at the load that created the last table involved.
        let created_at = |name: &str| -> Location {
            tables
                .iter()
                .find(|t| t.name == name)
                .and_then(|t| t.sources.first())
                .and_then(|&i| self.loads.get(i))
                .map(|l| l.location)
                .unwrap_or(Location {
                    file: 0,
                    span: Span::empty_at(0),
                })
        };
        let mut findings = Vec::new();
        for key in &synthetic_keys {
            let location = created_at(key.tables.last().map_or("", String::as_str));
            findings.push((
                location,
                Diagnostic::new(
                    Code::SyntheticKey,
                    location.span,
                    format!(
                        "tables {} share the fields {}: synthetic key",
                        key.tables.join(", "),
                        key.fields.join(", ")
                    ),
                )
                .with_help("rename or qualify all but one shared field, or build a composite key"),
            ));
        }
        for group in &circular_references {
            let location = created_at(group.last().map_or("", String::as_str));
            findings.push((
                location,
                Diagnostic::new(Code::CircularReference, location.span, format!("tables {} associate in a loop", group.join(", ")))
                    .with_note("Qlik loosens one table of the loop, so some associations silently stop working"),
            ));
        }
        for (location, diagnostic) in findings {
            self.diagnostic(location, diagnostic);
        }
        let variables = self
            .state
            .env
            .changed()
            .map(|(name, value)| {
                (
                    name.to_string(),
                    match value {
                        VarValue::Known(t) => VariableState::Known(t.clone()),
                        VarValue::Unknown { reason, .. } => VariableState::Unknown(reason.clone()),
                    },
                )
            })
            .collect();
        Resolved {
            model: AppModel {
                path: input.path.clone(),
                files: self.files,
                tables,
                section_access_tables,
                loads: self.loads,
                stores: self.stores,
                variables,
                unresolved: self.unresolved,
                synthetic_keys,
                circular_references,
            },
            diagnostics: self.diagnostics,
            syntax: self
                .trees
                .into_iter()
                .map(|tree| Rc::try_unwrap(tree).unwrap_or_else(|shared| (*shared).clone()))
                .collect(),
            missing_fields: self.missing_fields.into_list(),
        }
    }
}
