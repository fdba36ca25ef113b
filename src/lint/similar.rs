//! "Did you mean": the closest name by edit distance, for unknown tables, SUBs, variables and
//! mapping tables.

/// The candidate closest to `name` (case-insensitive Levenshtein distance at most a third of
/// the name's length, at least 1), other than `name` itself.
pub fn suggest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let wanted: Vec<char> = name.to_lowercase().chars().collect();
    let limit = (wanted.len() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let other: Vec<char> = candidate.to_lowercase().chars().collect();
        if wanted.len().abs_diff(other.len()) > limit {
            continue;
        }
        let d = distance(&wanted, &other);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, c)| c)
}

fn distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_within_a_third() {
        assert_eq!(suggest("Custmers", ["Customers", "Orders"]), Some("Customers"));
        assert_eq!(suggest("ORDERS", ["Orders"]), Some("Orders"));
        assert_eq!(suggest("Xyz", ["Orders", "Customers"]), None);
        assert_eq!(suggest("Orders", ["Orders"]), None);
    }
}
