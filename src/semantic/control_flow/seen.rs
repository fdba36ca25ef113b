//! Finding a record equal to a new one among those already recorded (loops re-run the same
//! statements, and each must be recorded once).

use rustc_hash::FxHashMap as HashMap;

/// Record indexes by a hash of what makes two records the same. Almost every hash has one
/// record, kept inline; records sharing a hash without being equal (collisions) go to a side
/// table. A `Vec` per hash was one allocation per load, store and unresolved item.
#[derive(Debug, Default)]
pub(super) struct SeenIndex {
    first: HashMap<u64, usize>,
    more: HashMap<u64, Vec<usize>>,
}

impl SeenIndex {
    /// The index of a recorded record equal to the new one (`same(index)`); when there is
    /// none, `next` is recorded under `key` and `None` returned.
    pub fn find_or_insert(
        &mut self,
        key: u64,
        next: usize,
        same: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        use std::collections::hash_map::Entry;
        match self.first.entry(key) {
            Entry::Vacant(slot) => {
                slot.insert(next);
                None
            }
            Entry::Occupied(slot) => {
                let first = *slot.get();
                if same(first) {
                    return Some(first);
                }
                let more = self.more.entry(key).or_default();
                if let Some(&found) = more.iter().find(|&&i| same(i)) {
                    return Some(found);
                }
                more.push(next);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_records_are_found_and_collisions_kept_apart() {
        let mut kept: Vec<&str> = Vec::new();
        let mut seen = SeenIndex::default();
        // Every record under one hash: the side table must tell them apart.
        for record in ["a", "b", "a", "c", "b"] {
            let found = seen.find_or_insert(7, kept.len(), |i| kept[i] == record);
            match found {
                Some(i) => assert_eq!(kept[i], record),
                None => kept.push(record),
            }
        }
        assert_eq!(kept, ["a", "b", "c"]);
    }
}
