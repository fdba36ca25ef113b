//! The engine's table bookkeeping, with Qlik's rules: table names and their `-1`, `-2`
//! suffixes, automatic and explicit concatenation, JOIN/KEEP into the named or the last
//! table, mapping tables as their own name domain, QUALIFY/UNQUALIFY, ALIAS, DROP, RENAME,
//! SECTION ACCESS, and at the end synthetic keys and circular references.

use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use index::Index;

use super::evaluate::wildcard_match;
use super::model::{Derivation, Field, SyntheticKey, Table, Transform};

mod associations;
mod edits;
mod index;
mod placement;
#[cfg(test)]
mod tests;

pub use associations::{associations, circular_references, synthetic_keys};

/// Which name domain a table lives in: Qlik keeps mapping tables and SECTION ACCESS tables
/// apart from the data model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    Data,
    Mapping,
    SectionAccess,
}

#[derive(Debug, Clone)]
pub struct TableState {
    pub table: Table,
    pub domain: Domain,
    pub dropped: bool,
    /// A mapping table's (from, to) rows, when the script gives them (INLINE).
    pub rows: Option<Rc<Vec<(String, String)>>>,
}

/// Where a load's rows go, read from its prefixes.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    pub label: Option<String>,
    pub mapping: bool,
    pub no_concatenate: bool,
    /// `CONCATENATE [(T)]`: `Some(None)` for the last table.
    pub concatenate: Option<Option<String>>,
    /// `[kind] JOIN [(T)]`.
    pub join: Option<Option<String>>,
    /// `[kind] KEEP [(T)]`.
    pub keep: Option<Option<String>>,
    pub section_access: bool,
    pub conditional: bool,
}

/// What a placement did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    Created(String),
    AutoConcatenated(String),
    Concatenated(String),
    Joined(String),
    Kept(String),
    Mapping(String),
    SectionAccess(String),
}

impl Placed {
    /// The table the rows went to.
    pub fn into_target(self) -> String {
        match self {
            Placed::Created(t)
            | Placed::AutoConcatenated(t)
            | Placed::Concatenated(t)
            | Placed::Joined(t)
            | Placed::Kept(t)
            | Placed::Mapping(t)
            | Placed::SectionAccess(t) => t,
        }
    }
}

/// Tables are shared between the copies of the state an undecided IF makes (copy on write,
/// the list and each table), so forking costs a pointer and merging a path that changed no
/// table compares one pointer.
#[derive(Debug, Default)]
pub struct TableModel {
    pub tables: Rc<Vec<Rc<TableState>>>,
    /// The table the previous LOAD/SELECT put its rows in.
    pub last: Option<usize>,
    /// QUALIFY/UNQUALIFY patterns in order; the last one matching a field decides.
    pub qualify: Vec<(String, bool)>,
    /// ALIAS old → new, applied to every later load.
    pub aliases: Vec<(String, String)>,
    inline_count: usize,
    autogenerate_count: usize,
    /// The last `-n` suffix given to each name.
    suffixes: Rc<HashMap<String, usize>>,
    /// Lookups by name and by field set, so a script of many tables stays linear.
    index: RefCell<Rc<Index>>,
    /// Tables changed since the index last saw them.
    dirty: RefCell<Vec<usize>>,
}

/// A copy shares the tables and the index. The index is brought up to date first: a copy
/// that had to do it later would copy the whole index, once per copy, since the other copies
/// still share it.
impl Clone for TableModel {
    fn clone(&self) -> Self {
        self.sync();
        TableModel {
            tables: self.tables.clone(),
            last: self.last,
            qualify: self.qualify.clone(),
            aliases: self.aliases.clone(),
            inline_count: self.inline_count,
            autogenerate_count: self.autogenerate_count,
            suffixes: self.suffixes.clone(),
            index: self.index.clone(),
            dirty: RefCell::new(Vec::new()),
        }
    }
}

/// A problem to report with the statement's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelIssue {
    pub text: String,
    pub reason: String,
}

impl TableModel {
    fn live(&self) -> impl Iterator<Item = (usize, &TableState)> {
        self.tables
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.dropped)
            .map(|(i, t)| (i, t.as_ref()))
    }

    /// The table at `index`, to change (copied first if another state shares it).
    pub fn table_mut(&mut self, index: usize) -> &mut TableState {
        self.dirty.get_mut().push(index);
        Rc::make_mut(&mut Rc::make_mut(&mut self.tables)[index])
    }

    /// Adds a table at the end.
    pub fn push_table(&mut self, table: TableState) {
        let tables = Rc::make_mut(&mut self.tables);
        self.dirty.get_mut().push(tables.len());
        tables.push(Rc::new(table));
    }

    /// The live table called `name` in `domain` (a miss in a section falls back to the other
    /// section, Qlik's rule; mapping tables are only found as mapping tables).
    pub fn find(&self, name: &str, domain: Domain) -> Option<usize> {
        self.find_in(name, domain).or_else(|| match domain {
            Domain::Data => self.find_in(name, Domain::SectionAccess),
            Domain::SectionAccess => self.find_in(name, Domain::Data),
            Domain::Mapping => None,
        })
    }

    /// A data or section table by name (what RESIDENT, STORE, DROP and JOIN name).
    pub fn find_any(&self, name: &str) -> Option<usize> {
        self.find(name, Domain::Data)
    }

    /// Live data tables in load order (for `TableNumber`, `NoOfTables`).
    pub fn data_tables(&self) -> Vec<&Table> {
        self.live()
            .filter(|(_, t)| t.domain == Domain::Data)
            .map(|(_, t)| &t.table)
            .collect()
    }

    pub fn next_inline_name(&mut self) -> String {
        self.inline_count += 1;
        format!("INLINE{:02}", self.inline_count)
    }

    pub fn next_autogenerate_name(&mut self) -> String {
        self.autogenerate_count += 1;
        format!("AUTOGENERATE{:02}", self.autogenerate_count)
    }

    /// `name`, or `name-1`, `name-2`… when a live table in the domain already has it.
    /// Probing starts after the last suffix given for the name, so a loop creating the same
    /// name again and again stays linear.
    fn unique_name(&mut self, name: &str, domain: Domain) -> String {
        if self.find_in(name, domain).is_none() {
            return name.to_string();
        }
        let start = self.suffixes.get(name).copied().unwrap_or(0) + 1;
        let (n, candidate) = (start..)
            .map(|n| (n, format!("{name}-{n}")))
            .find(|(_, candidate)| self.find_in(candidate, domain).is_none())
            .unwrap_or((start, name.to_string()));
        Rc::make_mut(&mut self.suffixes).insert(name.to_string(), n);
        candidate
    }

    /// Applies ALIAS and QUALIFY to a load's output fields; `table` is the name qualification
    /// uses (the label, or the default name).
    pub fn rename_output(&self, fields: &mut [Field], table: &str) {
        for field in fields.iter_mut() {
            if let Some((_, to)) = self.aliases.iter().find(|(from, _)| *from == field.name) {
                field.name = to.clone();
                mark_renamed(field);
            }
            let qualified = self
                .qualify
                .iter()
                .rev()
                .find(|(pattern, _)| wildcard_match(pattern, &field.name))
                .is_some_and(|(_, q)| *q);
            if qualified {
                field.name = format!("{table}.{}", field.name);
                mark_renamed(field);
            }
        }
    }

    /// [`TableModel::finish`] consuming the model: tables no other state shares are moved
    /// out instead of copied, so the end of a run does not hold every table twice.
    pub fn into_finish(self) -> (Vec<Table>, Vec<Table>) {
        let tables = Rc::try_unwrap(self.tables).unwrap_or_else(|shared| (*shared).clone());
        let mut data = Vec::new();
        let mut access = Vec::new();
        for state in tables {
            let state = Rc::try_unwrap(state).unwrap_or_else(|shared| (*shared).clone());
            match state.domain {
                _ if state.dropped => {}
                Domain::Data => data.push(state.table),
                Domain::SectionAccess => access.push(state.table),
                Domain::Mapping => {}
            }
        }
        (data, access)
    }

    /// Data tables at the end of the script, and section access tables.
    pub fn finish(&self) -> (Vec<Table>, Vec<Table>) {
        let data = self
            .live()
            .filter(|(_, t)| t.domain == Domain::Data)
            .map(|(_, t)| t.table.clone())
            .collect();
        let access = self
            .live()
            .filter(|(_, t)| t.domain == Domain::SectionAccess)
            .map(|(_, t)| t.table.clone())
            .collect();
        (data, access)
    }
}

fn mark_renamed(field: &mut Field) {
    for d in &mut field.derived_from {
        if d.transform == Transform::Identity {
            d.transform = Transform::Rename;
        }
    }
}

/// A plain input field: read under its own name from a source.
pub fn source_field(name: &str, table: Option<&Arc<str>>, source: Option<&Arc<str>>) -> Field {
    Field {
        name: name.to_string(),
        derived_from: smallvec::smallvec![Derivation {
            table: table.cloned(),
            field: Some(name.into()),
            source: source.cloned(),
            transform: Transform::Identity,
        }],
    }
}
