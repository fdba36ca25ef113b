//! Lookups of tables by name and by field set, kept in step with the tables lazily: a change
//! marks the table dirty and the next lookup (or fork of the state) brings the index up to date.

use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

use super::{Domain, TableModel, TableState};
use crate::semantic::model::Field;

/// Where tables may be: for each (domain, name) and (domain, field set), the indexes of the
/// tables that had it when they last changed. Entries go stale when a table is renamed,
/// dropped or changes fields; lookups check each candidate against the table and remove the
/// stale ones, so the index only ever needs to hold a superset.
///
/// Names and field sets are keyed by a hash, not by text: every candidate is checked against
/// its table anyway, so two names sharing a hash only share a list, and a lookup (one per
/// LOAD, STORE, DROP…) builds no key string.
#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    by_name: HashMap<(Domain, u64), Vec<usize>>,
    by_fields: HashMap<(Domain, u64), Vec<usize>>,
}

fn name_key(name: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(name)
}

/// A field set's hash, the same in any order (Qlik concatenates on an equal set in any
/// order): the wrapping sum of the names' hashes, mixed with their count.
fn field_set_key(fields: &[Field]) -> u64 {
    fields.iter().fold(fields.len() as u64, |sum, f| {
        sum.wrapping_add(name_key(&f.name).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    })
}
/// Adds a table to a candidate list kept sorted and without repeats, so the first live
/// candidate is the earliest table. A list can hold thousands of tables (one per loop
/// iteration, all with the same fields): a scan for repeats made building it quadratic.
fn insert_sorted(list: &mut Vec<usize>, table: usize) {
    if list.last().is_none_or(|&last| last < table) {
        list.push(table);
    } else if let Err(at) = list.binary_search(&table) {
        list.insert(at, table);
    }
}

impl TableModel {
    /// Brings the index up to date with the tables changed since.
    pub(super) fn sync(&self) {
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
                .entry((t.domain, name_key(&t.table.name)))
                .or_default();
            insert_sorted(names, i);
            if !t.table.fields_incomplete {
                let sets = index
                    .by_fields
                    .entry((t.domain, field_set_key(&t.table.fields)))
                    .or_default();
                insert_sorted(sets, i);
            }
        }
    }

    /// The first live table answering to `key` in one of the index's maps; candidates that no
    /// longer do are removed on the way.
    pub(super) fn lookup(
        &self,
        by_fields: bool,
        key: (Domain, u64),
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
        let first = list.iter().copied().find(|i| holds(i));
        // Stale entries go, so a name reused by a loop (created, dropped, created…) stays one
        // candidate; a shared index is copied only then. An entry is stale when its table no
        // longer has the key; a table of another name with the same hash is kept.
        let stale = |i: &usize| {
            self.tables.get(*i).is_none_or(|t| {
                t.dropped
                    || t.domain != key.0
                    || if by_fields {
                        t.table.fields_incomplete || field_set_key(&t.table.fields) != key.1
                    } else {
                        name_key(&t.table.name) != key.1
                    }
            })
        };
        if list.iter().any(|i| !holds(i) && stale(i)) {
            let index = Rc::make_mut(&mut cell);
            let map = if by_fields {
                &mut index.by_fields
            } else {
                &mut index.by_name
            };
            if let Some(list) = map.get_mut(&key) {
                list.retain(|i| !stale(i));
            }
        }
        first
    }

    pub(super) fn find_in(&self, name: &str, domain: Domain) -> Option<usize> {
        self.lookup(false, (domain, name_key(name)), |t| {
            t.domain == domain && t.table.name == name
        })
    }

    /// The first live table whose field set equals `fields` (any order).
    pub(super) fn same_field_set(&self, fields: &[Field], domain: Domain) -> Option<usize> {
        let key = field_set_key(fields);
        // Equal sizes and inclusion both ways: equal sets (a table's names are distinct),
        // without building a key per candidate.
        let has = |list: &[Field], name: &str| list.iter().any(|g| g.name == name);
        self.lookup(true, (domain, key), |t| {
            t.domain == domain
                && !t.table.fields_incomplete
                && t.table.fields.len() == fields.len()
                && fields.iter().all(|f| has(&t.table.fields, &f.name))
                && t.table.fields.iter().all(|g| has(fields, &g.name))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::table_model::{source_field, Placement};

    fn create(model: &mut TableModel, label: &str, field: &str) {
        let fields = vec![source_field(field, None, None)];
        let p = Placement {
            label: Some(label.to_string()),
            no_concatenate: true,
            ..Placement::default()
        };
        model.place(fields, false, label, &p, 0);
    }

    /// A candidate list holding another name's table (as a hash collision would) never
    /// answers with it, and the other name is still found under its own key.
    #[test]
    fn a_foreign_candidate_is_never_the_answer() {
        let mut m = TableModel::default();
        create(&mut m, "A", "x");
        create(&mut m, "B", "y");
        let a = m.find_in("A", Domain::Data).unwrap();
        let b = m.find_in("B", Domain::Data).unwrap();
        // Simulate the collision: B's table also listed under A's key.
        {
            let mut cell = m.index.borrow_mut();
            let index = Rc::make_mut(&mut cell);
            let list = index
                .by_name
                .get_mut(&(Domain::Data, name_key("A")))
                .unwrap();
            insert_sorted(list, b);
        }
        assert_eq!(m.find_in("A", Domain::Data), Some(a));
        assert_eq!(m.find_in("B", Domain::Data), Some(b));
        // With A gone, B's table (still in A's list) is not taken for A.
        assert!(m.drop_table("A"));
        assert_eq!(m.find_in("A", Domain::Data), None);
    }
}
