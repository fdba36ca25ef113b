//! `QL604` absolute-path: a drive, root or UNC path in FROM, STORE INTO or an include, in an
//! app that uses `lib://` connections.

use super::prelude::*;
use crate::semantic::connections::ConnectionKind;
use crate::syntax::ast::{LoadSource, StmtKind};

pub static RULE: RuleMeta = RuleMeta {
    code: "QL604",
    name: "absolute-path",
    category: Category::Compatibility,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "an absolute or UNC path where `lib://` connections are in use",
    why: "Qlik Sense reads absolute and UNC paths only in legacy mode, which administrators turn off; such a path also ties the app to one server's drive letters. Folder data connections (`lib://Name/…`) work in standard mode and move between environments.",
    example: "Orders: LOAD * FROM [\\\\fileserver\\qlik\\qvd\\Orders.qvd] (qvd);",
    fix: "Read it through a folder data connection: `FROM [lib://QVD/Orders.qvd]`.",
};

fn is_absolute(path: &str) -> bool {
    let p = path.trim_start_matches(['[', '"', '\'', '`']);
    let b = p.as_bytes();
    p.starts_with("\\\\")
        || p.starts_with("//")
        || p.starts_with('/')
        || (b.len() > 2
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && (b[2] == b'\\' || b[2] == b'/'))
}

fn normalise(path: &str) -> String {
    path.replace('/', "\\")
        .trim_end_matches('\\')
        .to_ascii_lowercase()
}

pub fn check(view: &AppView, out: &mut Sink) {
    let mut paths: Vec<(u32, Span, &str)> = Vec::new();
    for s in &view.stmts {
        match &s.stmt.kind {
            StmtKind::Load(load) => {
                if let LoadSource::From(from) = &load.source {
                    paths.push((s.file, from.path.span, &from.path.text));
                }
            }
            StmtKind::Store(store) => paths.push((s.file, store.path.span, &store.path.text)),
            StmtKind::Include(inc) => paths.push((s.file, inc.path_span, &inc.path)),
            _ => {}
        }
    }
    let uses_lib = !view.connections.is_empty()
        || paths.iter().any(|(_, _, p)| {
            p.trim_start_matches(['[', '"', '\''])
                .to_ascii_lowercase()
                .starts_with("lib://")
        });
    if !uses_lib {
        return;
    }
    for (file, span, path) in paths {
        if path.contains("$(") || !is_absolute(path) {
            continue;
        }
        let wanted = normalise(path);
        let covering = view.connections.iter().find_map(|c| match &c.kind {
            ConnectionKind::Folder { path: root, .. } => {
                let root = normalise(root);
                (!root.is_empty() && wanted.starts_with(&root)).then_some(c.name.as_str())
            }
            _ => None,
        });
        let finding = out.report(
            file,
            span,
            "absolute path: Qlik Sense reads it only in legacy mode",
        );
        match covering {
            Some(name) => finding.help(format!(
                "the folder connection `{name}` covers it: use `lib://{name}/…`"
            )),
            None => finding.help("create a folder data connection for it and use `lib://Name/…`"),
        };
    }
}
