//! The engine's table bookkeeping, with Qlik's rules: table names and their `-1`, `-2`
//! suffixes, automatic and explicit concatenation, JOIN/KEEP into the named or the last
//! table, mapping tables as their own name domain, QUALIFY/UNQUALIFY, ALIAS, DROP, RENAME,
//! SECTION ACCESS, and at the end synthetic keys and circular references.

use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;
use std::rc::Rc;

use super::evaluate::wildcard_match;
use super::model::{Derivation, Field, SyntheticKey, Table, Transform};

mod associations;

pub use associations::{circular_references, synthetic_keys};

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
    pub fn target(&self) -> &str {
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

/// Where tables may be: for each (domain, name) and (domain, field set), the indexes of the
/// tables that had it when they last changed. Entries go stale when a table is renamed,
/// dropped or changes fields; lookups check each candidate against the table and remove the
/// stale ones, so the index only ever needs to hold a superset.
#[derive(Debug, Clone, Default)]
struct Index {
    by_name: HashMap<(Domain, String), Vec<usize>>,
    by_fields: HashMap<(Domain, String), Vec<usize>>,
}

/// A field set as one text, names sorted (Qlik concatenates on an equal set in any order).
fn field_set_key(fields: &[Field]) -> String {
    let mut names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    names.join("\u{1}")
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

    /// Brings the index up to date with the tables changed since.
    fn sync(&self) {
        let mut dirty = self.dirty.borrow_mut();
        if dirty.is_empty() {
            return;
        }
        let mut cell = self.index.borrow_mut();
        let index = Rc::make_mut(&mut cell);
        for i in dirty.drain(..) {
            let Some(t) = self.tables.get(i) else {
                continue;
            };
            if t.dropped {
                continue;
            }
            let names = index
                .by_name
                .entry((t.domain, t.table.name.clone()))
                .or_default();
            if !names.contains(&i) {
                names.push(i);
            }
            if !t.table.fields_incomplete {
                let sets = index
                    .by_fields
                    .entry((t.domain, field_set_key(&t.table.fields)))
                    .or_default();
                if !sets.contains(&i) {
                    sets.push(i);
                }
            }
        }
    }

    /// The first live table answering to `key` in one of the index's maps; candidates that no
    /// longer do are removed on the way.
    fn lookup(
        &self,
        by_fields: bool,
        key: (Domain, String),
        still: impl Fn(&TableState) -> bool,
    ) -> Option<usize> {
        self.sync();
        let holds = |i: &usize| self.tables.get(*i).is_some_and(|t| !t.dropped && still(t));
        let mut cell = self.index.borrow_mut();
        let map = if by_fields {
            &cell.by_fields
        } else {
            &cell.by_name
        };
        let list = map.get(&key)?;
        let first = list.iter().copied().filter(|i| holds(i)).min();
        // Stale entries go, so a name reused by a loop (created, dropped, created…) stays one
        // candidate; a shared index is copied only then.
        if list.iter().any(|i| !holds(i)) {
            let index = Rc::make_mut(&mut cell);
            let map = if by_fields {
                &mut index.by_fields
            } else {
                &mut index.by_name
            };
            if let Some(list) = map.get_mut(&key) {
                list.retain(|i| holds(i));
            }
        }
        first
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

    fn find_in(&self, name: &str, domain: Domain) -> Option<usize> {
        self.lookup(false, (domain, name.to_string()), |t| {
            t.domain == domain && t.table.name == name
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
        if let Some(named) = &placement.join {
            if let Some(target) = target_of(self, named, &mut issues, "JOIN") {
                self.merge_into(
                    target,
                    fields,
                    fields_incomplete,
                    Transform::JoinKey,
                    placement,
                    load_index,
                );
                self.last = Some(target);
                return (
                    Placed::Joined(self.tables[target].table.name.clone()),
                    issues,
                );
            }
        }
        if let Some(named) = &placement.concatenate {
            if let Some(target) = target_of(self, named, &mut issues, "CONCATENATE") {
                self.merge_into(
                    target,
                    fields,
                    fields_incomplete,
                    Transform::Concatenation,
                    placement,
                    load_index,
                );
                self.last = Some(target);
                return (
                    Placed::Concatenated(self.tables[target].table.name.clone()),
                    issues,
                );
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

    /// The first live table whose field set equals `fields` (any order).
    fn same_field_set(&self, fields: &[Field], domain: Domain) -> Option<usize> {
        let key = field_set_key(fields);
        self.lookup(true, (domain, key.clone()), |t| {
            t.domain == domain
                && !t.table.fields_incomplete
                && t.table.fields.len() == fields.len()
                && field_set_key(&t.table.fields) == key
        })
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
pub fn source_field(name: &str, table: Option<&str>, source: Option<&str>) -> Field {
    Field {
        name: name.to_string(),
        derived_from: vec![Derivation {
            table: table.map(str::to_string),
            field: Some(name.to_string()),
            source: source.map(str::to_string),
            transform: Transform::Identity,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(names: &[&str]) -> Vec<Field> {
        names
            .iter()
            .map(|n| source_field(n, None, Some("x.qvd")))
            .collect()
    }

    fn place(model: &mut TableModel, names: &[&str], label: Option<&str>, p: Placement) -> Placed {
        let p = Placement {
            label: label.map(str::to_string),
            ..p
        };
        model.place(fields(names), false, "Default", &p, 0).0
    }

    #[test]
    fn auto_concatenation_and_suffixes() {
        let mut m = TableModel::default();
        assert_eq!(
            place(&mut m, &["a", "b"], Some("T"), Placement::default()),
            Placed::Created("T".into())
        );
        assert_eq!(
            place(&mut m, &["b", "a"], Some("Other"), Placement::default()),
            Placed::AutoConcatenated("T".into()),
            "same field set in any order appends, whatever the label"
        );
        let no_concat = Placement {
            no_concatenate: true,
            ..Default::default()
        };
        assert_eq!(
            place(&mut m, &["a", "b"], Some("T"), no_concat.clone()),
            Placed::Created("T-1".into())
        );
        assert_eq!(
            place(&mut m, &["a", "b"], Some("T"), no_concat),
            Placed::Created("T-2".into())
        );
    }

    #[test]
    fn join_goes_to_the_last_table() {
        let mut m = TableModel::default();
        place(&mut m, &["k", "a"], Some("A"), Placement::default());
        let join = Placement {
            join: Some(None),
            ..Default::default()
        };
        assert_eq!(
            place(&mut m, &["k", "b"], None, join),
            Placed::Joined("A".into())
        );
        let a = &m.tables[0].table;
        assert_eq!(
            a.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
            ["k", "a", "b"]
        );
        assert_eq!(a.fields[0].derived_from[1].transform, Transform::JoinKey);
    }

    #[test]
    fn mapping_tables_are_apart() {
        let mut m = TableModel::default();
        let mapping = Placement {
            mapping: true,
            ..Default::default()
        };
        assert_eq!(
            place(&mut m, &["k", "v"], Some("M"), mapping),
            Placed::Mapping("M".into())
        );
        assert_eq!(
            place(&mut m, &["k", "v"], Some("M"), Placement::default()),
            Placed::Created("M".into())
        );
        assert!(m.find("M", Domain::Mapping).is_some());
        assert_eq!(m.finish().0.len(), 1);
    }

    #[test]
    fn qualify_and_alias() {
        let mut m = TableModel::default();
        m.qualify.push(("*".into(), true));
        m.qualify.push(("Key".into(), false));
        m.aliases.push(("Amt".into(), "Amount".into()));
        let mut f = fields(&["Key", "Amt", "Name"]);
        m.rename_output(&mut f, "Orders");
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["Key", "Orders.Amount", "Orders.Name"]);
        assert_eq!(f[1].derived_from[0].transform, Transform::Rename);
    }

    #[test]
    fn lookups_follow_renames_drops_and_changed_fields() {
        let mut m = TableModel::default();
        // A name created and dropped again and again stays free (no `-n`).
        for _ in 0..3 {
            assert_eq!(
                place(&mut m, &["d"], Some("Cal"), Placement::default()),
                Placed::Created("Cal".into())
            );
            assert!(m.drop_table("Cal"));
        }
        place(&mut m, &["k", "a"], Some("A"), Placement::default());
        assert!(m.rename_table("A", "B"));
        assert_eq!(m.find_any("A"), None);
        assert!(m.find_any("B").is_some());
        // B's field set changes by a join: a load with the new set concatenates into it.
        let join = Placement {
            join: Some(Some("B".into())),
            ..Placement::default()
        };
        place(&mut m, &["k", "c"], None, join);
        assert_eq!(
            place(&mut m, &["c", "a", "k"], Some("New"), Placement::default()),
            Placed::AutoConcatenated("B".into())
        );
        // A forked copy sees its own changes only.
        let mut fork = m.clone();
        assert!(fork.rename_table("B", "F"));
        assert!(m.find_any("B").is_some());
        assert_eq!(fork.find_any("B"), None);
    }

    #[test]
    fn drops_and_renames() {
        let mut m = TableModel::default();
        place(&mut m, &["k", "a"], Some("A"), Placement::default());
        place(&mut m, &["k", "b"], Some("B"), Placement::default());
        assert!(m.drop_fields(&["k".into()], &[]).is_empty());
        assert!(m.tables.iter().all(|t| t.table.fields.len() == 1));
        assert!(m.rename_field("a", "x"));
        assert!(m.rename_table("B", "C"));
        assert!(m.drop_table("A"));
        let (tables, _) = m.finish();
        assert_eq!(tables.len(), 1);
        assert_eq!(tables[0].name, "C");
    }

    #[test]
    fn synthetic_keys_and_loops() {
        let t = |name: &str, f: &[&str]| Table {
            name: name.into(),
            fields: fields(f),
            sources: vec![],
            conditional: false,
            fields_incomplete: false,
            note: None,
        };
        let tables = vec![
            t("A", &["x", "y", "a"]),
            t("B", &["x", "y", "b"]),
            t("C", &["a", "c"]),
            t("D", &["b", "c"]),
        ];
        let keys = synthetic_keys(&tables);
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].fields, vec!["x", "y"]);
        let loops = circular_references(&tables);
        assert_eq!(loops, vec![vec!["A", "B", "C", "D"]]);
        assert!(circular_references(&tables[..3]).is_empty());
        // Three tables on one synthetic key: one key, a star through it, no loop.
        let same = vec![
            t("S", &["k", "v"]),
            t("S-1", &["k", "v"]),
            t("S-2", &["k", "v"]),
        ];
        assert_eq!(synthetic_keys(&same).len(), 1);
        assert_eq!(synthetic_keys(&same)[0].tables.len(), 3);
        assert!(circular_references(&same).is_empty());
    }
}
