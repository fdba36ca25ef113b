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

/// Edit distance where swapping two neighbouring characters counts as one edit (optimal
/// string alignment): `vYaer` is one typo away from `vYear`.
fn distance(a: &[char], b: &[char]) -> usize {
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_within_a_third() {
        assert_eq!(
            suggest("Custmers", ["Customers", "Orders"]),
            Some("Customers")
        );
        assert_eq!(suggest("ORDERS", ["Orders"]), Some("Orders"));
        assert_eq!(suggest("Xyz", ["Orders", "Customers"]), None);
        assert_eq!(suggest("Orders", ["Orders"]), None);
        assert_eq!(suggest("vYaer", ["vYear", "vMonth"]), Some("vYear"));
    }
}
