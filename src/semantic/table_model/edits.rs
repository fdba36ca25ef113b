//! DROP TABLE/FIELD and RENAME TABLE/FIELD on the tables in the model.

use super::{mark_renamed, Domain, TableModel};

impl TableModel {
    pub fn drop_table(&mut self, name: &str) -> bool {
        let Some(index) = self
            .find_any(name)
            .or_else(|| self.find(name, Domain::Mapping))
        else {
            return false;
        };
        self.table_mut(index).dropped = true;
        if self.last == Some(index) {
            self.last = None;
        }
        true
    }

    /// Drops fields from the named tables, or from every table when none is named. Returns the
    /// fields that were found nowhere.
    pub fn drop_fields(&mut self, fields: &[String], from: &[String]) -> Vec<String> {
        let mut missing = Vec::new();
        for field in fields {
            let mut found = false;
            for i in 0..self.tables.len() {
                let state = &self.tables[i];
                if state.dropped || state.domain == Domain::Mapping {
                    continue;
                }
                if !from.is_empty() && !from.contains(&state.table.name) {
                    continue;
                }
                if state.table.fields.iter().any(|f| &f.name == field) {
                    self.table_mut(i).table.fields.retain(|f| &f.name != field);
                    found = true;
                }
            }
            if !found {
                missing.push(field.clone());
            }
        }
        // A table left without fields disappears, as in Qlik.
        for i in 0..self.tables.len() {
            let state = &self.tables[i];
            if !state.dropped && state.table.fields.is_empty() && !state.table.fields_incomplete {
                self.table_mut(i).dropped = true;
            }
        }
        missing
    }

    pub fn rename_table(&mut self, from: &str, to: &str) -> bool {
        match self
            .find_any(from)
            .or_else(|| self.find(from, Domain::Mapping))
        {
            Some(i) => {
                self.table_mut(i).table.name = to.to_string();
                true
            }
            None => false,
        }
    }

    /// Renames a field in every live table; false if no table has it.
    pub fn rename_field(&mut self, from: &str, to: &str) -> bool {
        let mut found = false;
        for i in 0..self.tables.len() {
            let state = &self.tables[i];
            if state.dropped
                || state.domain == Domain::Mapping
                || !state.table.fields.iter().any(|f| f.name == from)
            {
                continue;
            }
            for field in self
                .table_mut(i)
                .table
                .fields
                .iter_mut()
                .filter(|f| f.name == from)
            {
                field.name = to.to_string();
                mark_renamed(field);
                found = true;
            }
        }
        found
    }
}
