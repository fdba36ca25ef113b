//! Where a load's rows go: a new table (with Qlik's `-n` suffix), automatic or explicit
//! concatenation, JOIN/KEEP into the named or the last table, mapping and section access tables.

use super::{Domain, ModelIssue, Placed, Placement, TableModel, TableState};
use crate::semantic::model::{Field, Table, Transform};

impl TableModel {
    /// Puts a load's output into the model.
    pub fn place(
        &mut self,
        fields: Vec<Field>,
        fields_incomplete: bool,
        default_name: &str,
        placement: &Placement,
        load_index: usize,
    ) -> (Placed, Vec<ModelIssue>) {
        let mut issues = Vec::new();
        let name = placement
            .label
            .clone()
            .unwrap_or_else(|| default_name.to_string());
        if placement.mapping {
            let name = self.unique_name(&name, Domain::Mapping);
            self.push(
                name.clone(),
                fields,
                fields_incomplete,
                Domain::Mapping,
                placement,
                load_index,
            );
            if self
                .tables
                .last()
                .is_some_and(|t| t.table.fields.len() != 2)
                && !fields_incomplete
            {
                issues.push(ModelIssue {
                    text: name.clone(),
                    reason: "a mapping table must have exactly two fields".to_string(),
                });
            }
            // A mapping load is not "the last loaded table" for later prefixes.
            return (Placed::Mapping(name), issues);
        }
        let domain = if placement.section_access {
            Domain::SectionAccess
        } else {
            Domain::Data
        };
        let target_of = |this: &Self,
                         named: &Option<String>,
                         issues: &mut Vec<ModelIssue>,
                         what: &str| match named {
            Some(t) => {
                let found = this.find(t, domain);
                if found.is_none() {
                    issues.push(ModelIssue {
                        text: t.clone(),
                        reason: format!(
                            "{what} names table {t}, which does not exist at this point"
                        ),
                    });
                }
                found
            }
            None => {
                let found = this.last.filter(|i| !this.tables[*i].dropped);
                if found.is_none() {
                    issues.push(ModelIssue {
                        text: what.to_string(),
                        reason: format!(
                            "{what} without a table name and no table loaded before it"
                        ),
                    });
                }
                found
            }
        };
        // JOIN, then CONCATENATE, into the named (or last) table when it exists.
        let joined: fn(String) -> Placed = Placed::Joined;
        let into = [
            (&placement.join, "JOIN", Transform::JoinKey, joined),
            (
                &placement.concatenate,
                "CONCATENATE",
                Transform::Concatenation,
                Placed::Concatenated,
            ),
        ];
        for (prefix, what, transform, placed) in into {
            let Some(named) = prefix else { continue };
            if let Some(target) = target_of(self, named, &mut issues, what) {
                self.merge_into(
                    target,
                    fields,
                    fields_incomplete,
                    transform,
                    placement,
                    load_index,
                );
                self.last = Some(target);
                return (placed(self.tables[target].table.name.clone()), issues);
            }
        }
        if let Some(named) = &placement.keep {
            // KEEP reduces both tables; the new one is created as usual.
            let _ = target_of(self, named, &mut issues, "KEEP");
        }
        if !placement.no_concatenate && placement.keep.is_none() && !fields_incomplete {
            if let Some(target) = self.same_field_set(&fields, domain) {
                self.merge_into(
                    target,
                    fields,
                    false,
                    Transform::Concatenation,
                    placement,
                    load_index,
                );
                self.last = Some(target);
                return (
                    Placed::AutoConcatenated(self.tables[target].table.name.clone()),
                    issues,
                );
            }
        }
        let name = self.unique_name(&name, domain);
        self.push(
            name.clone(),
            fields,
            fields_incomplete,
            domain,
            placement,
            load_index,
        );
        self.last = Some(self.tables.len() - 1);
        let placed = if placement.section_access {
            Placed::SectionAccess(name)
        } else if placement.keep.is_some() {
            Placed::Kept(name)
        } else {
            Placed::Created(name)
        };
        (placed, issues)
    }

    fn push(
        &mut self,
        name: String,
        fields: Vec<Field>,
        fields_incomplete: bool,
        domain: Domain,
        placement: &Placement,
        load_index: usize,
    ) {
        self.push_table(TableState {
            table: Table {
                name,
                fields,
                sources: vec![load_index],
                conditional: placement.conditional,
                fields_incomplete,
                note: None,
            },
            domain,
            dropped: false,
            rows: None,
        });
    }

    /// Adds a load's fields to an existing table (JOIN or CONCATENATE): shared fields gain the
    /// new derivations (marked as join key or concatenation when they were plain copies), new
    /// fields are appended.
    fn merge_into(
        &mut self,
        target: usize,
        fields: Vec<Field>,
        fields_incomplete: bool,
        shared: Transform,
        placement: &Placement,
        load_index: usize,
    ) {
        let table = &mut self.table_mut(target).table;
        for field in fields {
            match table.fields.iter_mut().find(|f| f.name == field.name) {
                Some(existing) => {
                    for mut d in field.derived_from {
                        if d.transform == Transform::Identity {
                            d.transform = shared;
                        }
                        if !existing.derived_from.contains(&d) {
                            existing.derived_from.push(d);
                        }
                    }
                }
                None => table.fields.push(field),
            }
        }
        table.fields_incomplete |= fields_incomplete;
        table.conditional |= placement.conditional;
        if !table.sources.contains(&load_index) {
            table.sources.push(load_index);
        }
    }
}
