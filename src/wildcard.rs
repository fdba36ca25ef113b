//! `*` and `?` wildcard matching, one implementation for every stage: Qlik's `like` and
//! `WildMatch`, QUALIFY patterns, FileList masks and the crawler's stream and app filters.

/// Whether `text` matches `pattern`, where `*` stands for any run of characters and `?` for
/// one, case-sensitive. It backtracks only to the last `*`: quadratic at worst, never exponential.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_and_question_marks_over_the_whole_text() {
        assert!(matches("Sales*", "Sales_2024"));
        assert!(matches("*_20??", "Sales_2024"));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(!matches("sales*", "Sales"), "case-sensitive");
        assert!(matches("*", ""));
        assert!(!matches("?", ""));
    }
}
