//! RENAME TABLE/FIELD: by the pairs written, or `USING` a mapping table whose rows the script
//! gives (INLINE); a mapping whose rows are data leaves the renames unresolved.

use super::control_flow::Machine;
use super::model::Location;
use super::table_model::Domain;
use crate::syntax::ast::{FieldsOrTables, StmtRename};

impl Machine<'_> {
    pub(super) fn exec_rename(&mut self, rename: &StmtRename, location: Location) {
        if let Some(map) = &rename.using {
            self.rename_using(rename.target, &map.text, location);
        }
        for pair in &rename.pairs {
            self.rename_one(
                rename.target,
                &pair.from.text,
                &pair.to.text,
                location,
                true,
            );
        }
    }

    fn rename_one(
        &mut self,
        target: FieldsOrTables,
        from: &str,
        to: &str,
        location: Location,
        report_missing: bool,
    ) {
        let ok = match target {
            FieldsOrTables::Tables => self.state.tables.rename_table(from, to),
            FieldsOrTables::Fields => self.state.tables.rename_field(from, to),
        };
        if !ok && report_missing && target == FieldsOrTables::Tables && !self.is_conditional() {
            self.unknown_table(location, from, "RENAME TABLE");
        }
    }

    /// Every table or field named in the mapping's first column gets the name in its second;
    /// names the mapping does not hold stay, as in Qlik.
    fn rename_using(&mut self, target: FieldsOrTables, map: &str, location: Location) {
        let text = format!("USING {map}");
        let Some(index) = self.state.tables.find(map, Domain::Mapping) else {
            if !self.is_conditional() {
                self.unknown_table(location, map, "RENAME … USING");
            }
            self.unresolved(
                location,
                &text,
                &format!(
                    "RENAME … USING names mapping table {map}, which does not exist at this point"
                ),
                false,
            );
            return;
        };
        let Some(rows) = self.state.tables.tables[index].rows.clone() else {
            self.unresolved(
                location,
                &text,
                &format!("RENAME … USING takes its name pairs from the rows of mapping table {map}, which are data (not INLINE in the script)"),
                true,
            );
            return;
        };
        let names: Vec<String> = match target {
            FieldsOrTables::Tables => self
                .state
                .tables
                .data_tables()
                .iter()
                .map(|t| t.name.clone())
                .collect(),
            FieldsOrTables::Fields => {
                let mut names: Vec<String> = self
                    .state
                    .tables
                    .data_tables()
                    .iter()
                    .flat_map(|t| t.fields.iter().map(|f| f.name.clone()))
                    .collect();
                names.sort();
                names.dedup();
                names
            }
        };
        // Two steps through names no script can write, so that a pair b→c does not rename
        // the field a pair a→b just produced (each name is looked up once, as in Qlik).
        let mut renamed = Vec::new();
        for name in names {
            if let Some((_, to)) = rows.iter().find(|(from, _)| *from == name) {
                let temporary = format!("\u{0}{}", renamed.len());
                self.rename_one(target, &name, &temporary, location, false);
                renamed.push((temporary, to.clone()));
            }
        }
        for (temporary, to) in renamed {
            self.rename_one(target, &temporary, &to, location, false);
        }
    }
}
