//! `QL209` dead-qvd: a STORE into a file no load of the estate reads (needs the estate: two or
//! more apps linted together).

use super::prelude::*;
use crate::lint::view::path_key as key;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL209",
    name: "dead-qvd",
    category: Category::Suspicious,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a STORE into a file that no app of the estate reads",
    why: "A QVD no app reads costs reload time and disk, and often means a reader loads a different path (a renamed folder, a typo) and so reads stale data. Only reported when several apps are linted together, since one app cannot know its readers.",
    example: "// in extract.qvs, linted with the other apps of the estate\nOrders: SQL SELECT OrderID FROM dbo.Orders;\nSTORE Orders INTO [lib://QVD/Orders_old.qvd] (qvd);",
    fix: "Delete the STORE, or point the reader at this path.",
};

pub fn check(apps: &[AppView], me: usize, out: &mut Sink) {
    if apps.len() < 2 {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for store in &apps[me].model.stores {
        let Some(path) = store.resolved_path.as_deref().filter(|_| store.resolved) else {
            continue;
        };
        let k = key(path);
        if apps.iter().any(|a| a.read_paths.contains(&k)) || !seen.insert(k) {
            continue;
        }
        out.report(
            store.location.file,
            store.location.span,
            format!(
                "`{}` is stored here but no app of the estate reads it",
                store.path
            ),
        )
        .help("delete the STORE, or check the path the reading app uses");
    }
}
