//! How the final tables associate: synthetic keys (tables sharing two or more fields) and
//! circular references (associations that form a loop).

use super::*;

/// Synthetic keys: each distinct combination of two or more fields that tables share, with
/// every table holding the whole combination (the engine builds one `$Syn` table for it).
///
/// Tables are grouped by their key fields (the fields some other table also holds): a group
/// of tables with the same two or more key fields shares one key. Pairs across groups are
/// compared only while there are few groups, so a model of thousands of tables stays linear.
pub fn synthetic_keys(tables: &[Table]) -> Vec<SyntheticKey> {
    synthetic_keys_in(tables, &field_holders(tables))
}

/// Synthetic keys and circular references of the final tables, sharing the work both need.
pub fn associations(tables: &[Table]) -> (Vec<SyntheticKey>, Vec<Vec<String>>) {
    let holders = field_holders(tables);
    if holders.values().all(|h| h.len() < 2) {
        // No field links two tables (always so with one table): nothing to look for.
        return (Vec::new(), Vec::new());
    }
    let keys = synthetic_keys_in(tables, &holders);
    let loops = circular_in(tables, &keys, &holders);
    (keys, loops)
}

fn synthetic_keys_in<'a>(tables: &'a [Table], holders: &Holders<'a>) -> Vec<SyntheticKey> {
    let key_fields: Vec<Vec<&str>> = tables
        .iter()
        .map(|t| {
            let mut k: Vec<&str> = t
                .fields
                .iter()
                .map(|f| f.name.as_str())
                .filter(|f| holders.get(f).is_some_and(|h| h.len() > 1))
                .collect();
            k.sort_unstable();
            k.dedup();
            k
        })
        .collect();
    let mut groups: Vec<(Vec<&str>, Vec<usize>)> = Vec::new();
    let mut group_of: rustc_hash::FxHashMap<&[&str], usize> = rustc_hash::FxHashMap::default();
    for (i, k) in key_fields.iter().enumerate() {
        if k.len() < 2 {
            continue;
        }
        match group_of.get(k.as_slice()) {
            Some(&g) => groups[g].1.push(i),
            None => {
                group_of.insert(k.as_slice(), groups.len());
                groups.push((k.clone(), vec![i]));
            }
        }
    }
    // Combination (sorted fields) → tables holding it (members deduplicated at the end).
    let mut keys: Vec<(Vec<&str>, Vec<usize>)> = Vec::new();
    let mut key_of: rustc_hash::FxHashMap<Vec<&str>, usize> = rustc_hash::FxHashMap::default();
    let mut add = |fields: Vec<&'a str>, members: &[usize]| {
        if fields.len() < 2 {
            return;
        }
        let entry = *key_of.entry(fields).or_insert_with_key(|fields| {
            keys.push((fields.clone(), Vec::new()));
            keys.len() - 1
        });
        keys[entry].1.extend_from_slice(members);
    };
    for (fields, members) in &groups {
        if members.len() > 1 {
            add(fields.clone(), members);
        }
    }
    if groups.len() <= 300 {
        for a in 0..groups.len() {
            for b in a + 1..groups.len() {
                let shared: Vec<&str> = groups[a]
                    .0
                    .iter()
                    .filter(|f| groups[b].0.contains(f))
                    .copied()
                    .collect();
                if shared.len() >= 2 {
                    let members: Vec<usize> =
                        groups[a].1.iter().chain(&groups[b].1).copied().collect();
                    add(shared, &members);
                }
            }
        }
    }
    keys.into_iter()
        .map(|(fields, mut members)| {
            members.sort_unstable();
            members.dedup();
            // Field order as the first table holds them.
            let first = &tables[members[0]];
            let ordered = first
                .fields
                .iter()
                .map(|f| f.name.clone())
                .filter(|f| fields.contains(&f.as_str()))
                .collect();
            SyntheticKey {
                tables: members.iter().map(|&m| tables[m].name.clone()).collect(),
                fields: ordered,
            }
        })
        .collect()
}

/// For each field name, the tables holding it: most fields are in one or two tables, kept
/// inline.
type Holders<'a> = rustc_hash::FxHashMap<&'a str, smallvec::SmallVec<[usize; 2]>>;

/// For each field name, the tables holding it.
fn field_holders(tables: &[Table]) -> Holders<'_> {
    let mut holders = Holders::default();
    for (i, t) in tables.iter().enumerate() {
        for f in &t.fields {
            let h = holders.entry(f.name.as_str()).or_default();
            if h.last() != Some(&i) {
                h.push(i);
            }
        }
    }
    holders
}

/// Groups of tables whose associations form a loop. Tables associate through key nodes: one
/// per field held by two or more tables, except that fields of a synthetic key meet in the
/// key's one node. A table–node link that joins two parts already connected closes a loop.
pub fn circular_references(tables: &[Table]) -> Vec<Vec<String>> {
    associations(tables).1
}

fn circular_in(
    tables: &[Table],
    keys: &[SyntheticKey],
    holders_of: &Holders<'_>,
) -> Vec<Vec<String>> {
    // Two tables cannot loop: sharing one field is one link, sharing more is one synthetic key.
    if tables.len() < 3 {
        return Vec::new();
    }
    let n = tables.len();
    /// A key node: a synthetic key (its fields meet there) or one shared field.
    #[derive(PartialEq, Eq, Hash)]
    enum Node<'a> {
        Key(usize),
        Field(&'a str),
    }
    let mut edges: Vec<(usize, usize)> = Vec::new();
    let mut field_names: Vec<&str> = holders_of.keys().copied().collect();
    field_names.sort_unstable();
    let mut node_index: rustc_hash::FxHashMap<Node, usize> = rustc_hash::FxHashMap::default();
    for field in field_names {
        let holders = &holders_of[field];
        if holders.len() < 2 {
            continue;
        }
        let key = match keys
            .iter()
            .position(|k| k.fields.iter().any(|f| f == field))
        {
            Some(k) => Node::Key(k),
            None => Node::Field(field),
        };
        let next = node_index.len();
        let node = *node_index.entry(key).or_insert(next);
        for &t in holders {
            edges.push((t, node));
        }
    }
    let node_count = node_index.len();
    edges.sort_unstable();
    edges.dedup();
    let mut parent: Vec<usize> = (0..n + node_count).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut closing: Vec<usize> = Vec::new();
    for &(t, node) in &edges {
        let (a, b) = (root(&mut parent, t), root(&mut parent, n + node));
        if a == b {
            closing.push(t);
        } else {
            parent[a] = b;
        }
    }
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut seen_roots: Vec<usize> = Vec::new();
    for t in closing {
        let r = root(&mut parent, t);
        if seen_roots.contains(&r) {
            continue;
        }
        seen_roots.push(r);
        groups.push(
            (0..n)
                .filter(|&i| root(&mut parent, i) == r)
                .map(|i| tables[i].name.clone())
                .collect(),
        );
    }
    groups
}
