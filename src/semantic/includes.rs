//! Paths and includes: `lib://` through the connection map, DIRECTORY and relative paths,
//! and reading include files only inside the roots the caller allowed.
//!
//! A path is resolved twice: to the text the lineage uses (the folder connection's declared
//! root joined with the rest, e.g. `\\fileserver\qvd\Extract\Orders.qvd`) and, when the
//! folder is also reachable on this machine, to a local file. Local reads are checked against
//! the allowed roots after canonicalisation, so `..` and symlinks cannot escape them.

use std::path::{Component, Path, PathBuf};

use super::connections::{ConnectionKind, Connections};

/// What a path written in the script refers to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResolvedPath {
    /// The canonical text for lineage; `None` when the path is not determined.
    pub resolved: Option<String>,
    /// Where the file can be read on this machine, if anywhere.
    pub disk: Option<PathBuf>,
    /// The folder connection used, for `lib://` paths.
    pub connection: Option<String>,
    /// A URL (`http://…`, `https://…`, `ftp://…`).
    pub web: bool,
    /// Why the path is not fully determined.
    pub problem: Option<String>,
}

/// Resolves `written` (after expansion) against the current DIRECTORY, the connections and
/// the app's folder (for relative legacy paths).
pub fn resolve_path(
    written: &str,
    directory: Option<&str>,
    connections: &Connections,
    app_dir: Option<&Path>,
) -> ResolvedPath {
    let text = written.trim();
    if text.contains("$(") {
        return ResolvedPath {
            problem: Some("the path holds a $(…) whose value is unknown".to_string()),
            ..Default::default()
        };
    }
    if text.is_empty() {
        return ResolvedPath {
            problem: Some("the path is empty".to_string()),
            ..Default::default()
        };
    }
    if let Some(rest) = strip_scheme(text, "lib://") {
        let (name, tail) = match rest.find(['/', '\\']) {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, ""),
        };
        // Qlik Cloud's space-qualified form `lib://Space:Conn/…`.
        let name = name.rsplit(':').next().unwrap_or(name);
        return match connections.get(name) {
            Some(conn) => match &conn.kind {
                ConnectionKind::Folder { path, disk } => ResolvedPath {
                    resolved: Some(join_declared(path, tail)),
                    disk: connections
                        .folder_disk(path, disk.as_ref())
                        .map(|d| join_local(&d, tail)),
                    connection: Some(conn.name.clone()),
                    ..Default::default()
                },
                ConnectionKind::Web { url } => ResolvedPath {
                    resolved: Some(format!("{}{}", url, tail)),
                    connection: Some(conn.name.clone()),
                    web: true,
                    ..Default::default()
                },
                ConnectionKind::Database { .. } => ResolvedPath {
                    resolved: Some(text.to_string()),
                    connection: Some(conn.name.clone()),
                    problem: Some(format!("data connection {} is not a folder", conn.name)),
                    ..Default::default()
                },
            },
            // Without a connection map the `lib://` form is still a stable name for lineage.
            None => ResolvedPath {
                resolved: Some(text.to_string()),
                connection: Some(name.to_string()),
                problem: (!connections.is_empty())
                    .then(|| format!("no data connection named {name}")),
                ..Default::default()
            },
        };
    }
    if let Some((scheme, _)) = text.split_once("://") {
        if scheme.bytes().all(|b| b.is_ascii_alphabetic()) {
            return ResolvedPath {
                resolved: Some(text.to_string()),
                web: true,
                ..Default::default()
            };
        }
    }
    if is_absolute(text) {
        return ResolvedPath {
            resolved: Some(text.to_string()),
            disk: connections.mounted(text).or_else(|| {
                Some(PathBuf::from(text.replace('\\', "/"))).filter(|_| !text.starts_with("\\\\"))
            }),
            ..Default::default()
        };
    }
    // Relative: against DIRECTORY when one is set, else the app's folder.
    if let Some(dir) = directory.filter(|d| !d.trim().is_empty()) {
        let sep = if dir.ends_with(['/', '\\']) { "" } else { "/" };
        let joined = format!("{}{}{}", dir.trim(), sep, text);
        if !is_relative_text(dir) {
            return resolve_path(&joined, None, connections, app_dir);
        }
        return ResolvedPath {
            resolved: Some(normalise_text(&joined)),
            disk: app_dir.map(|d| join_local(d, &joined)),
            ..Default::default()
        };
    }
    ResolvedPath {
        resolved: Some(normalise_text(text)),
        disk: app_dir.map(|d| join_local(d, text)),
        ..Default::default()
    }
}

fn strip_scheme<'a>(text: &'a str, scheme: &str) -> Option<&'a str> {
    let head = text.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme)
        .then(|| &text[scheme.len()..])
}

fn is_absolute(text: &str) -> bool {
    let b = text.as_bytes();
    text.starts_with("\\\\")
        || text.starts_with('/')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

fn is_relative_text(text: &str) -> bool {
    !is_absolute(text) && strip_scheme(text, "lib://").is_none() && !text.contains("://")
}

/// Joins a declared folder root and the rest of a `lib://` path with the root's separator,
/// resolving `.` and `..`.
fn join_declared(root: &str, tail: &str) -> String {
    let sep = if root.contains('\\') { '\\' } else { '/' };
    let mut out = root.trim_end_matches(['/', '\\']).to_string();
    for part in tail
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
    {
        if part == ".." {
            if let Some(at) = out.rfind(sep) {
                if at > 2 {
                    out.truncate(at);
                }
            }
            continue;
        }
        out.push(sep);
        out.push_str(part);
    }
    out
}

fn normalise_text(text: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split(['/', '\\']) {
        match part {
            "." | "" => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

fn join_local(base: &Path, tail: &str) -> PathBuf {
    let mut path = base.to_path_buf();
    for part in tail.split(['/', '\\']).filter(|p| !p.is_empty()) {
        path.push(part);
    }
    path
}

/// Folders the resolver may read from.
#[derive(Debug, Clone, Default)]
pub struct Roots {
    dirs: Vec<PathBuf>,
}

/// Why a local file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadRefusal {
    /// The file is outside every allowed root.
    OutsideRoots,
    Missing,
}

impl Roots {
    pub fn new(dirs: &[PathBuf]) -> Self {
        Roots {
            dirs: dirs
                .iter()
                .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| lexical(d)))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty()
    }

    /// The canonical path of `path` if it exists inside a root.
    pub fn check(&self, path: &Path) -> Result<PathBuf, ReadRefusal> {
        if self.dirs.is_empty() {
            // Nothing is allowed: no need to ask the file system (the common case of a run
            // without --include-root costs no system call per include).
            return Err(ReadRefusal::OutsideRoots);
        }
        match std::fs::canonicalize(path) {
            Ok(real) => {
                if self.dirs.iter().any(|d| real.starts_with(d)) {
                    Ok(real)
                } else {
                    Err(ReadRefusal::OutsideRoots)
                }
            }
            Err(_) => {
                let lexical = lexical(path);
                if self.dirs.iter().any(|d| lexical.starts_with(d)) {
                    Err(ReadRefusal::Missing)
                } else {
                    Err(ReadRefusal::OutsideRoots)
                }
            }
        }
    }
}

/// `path` made absolute against the working directory, with `.` and `..` resolved.
fn lexical(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::connections::Connection;

    fn connections() -> Connections {
        let mut c = Connections::default();
        c.insert(Connection {
            name: "QVD".into(),
            kind: ConnectionKind::Folder {
                path: "\\\\fileserver\\qlik\\qvd\\".into(),
                disk: Some(PathBuf::from("/data/qvd")),
            },
        });
        c
    }

    #[test]
    fn lib_paths_use_the_connection() {
        let r = resolve_path("lib://QVD/Extract/Orders.qvd", None, &connections(), None);
        assert_eq!(
            r.resolved.as_deref(),
            Some("\\\\fileserver\\qlik\\qvd\\Extract\\Orders.qvd")
        );
        assert_eq!(r.disk, Some(PathBuf::from("/data/qvd/Extract/Orders.qvd")));
        let r = resolve_path("lib://qvd/a/../b.qvd", None, &connections(), None);
        assert_eq!(
            r.resolved.as_deref(),
            Some("\\\\fileserver\\qlik\\qvd\\b.qvd")
        );
    }

    #[test]
    fn directory_applies_to_relative_paths() {
        let r = resolve_path(
            "Orders.qvd",
            Some("lib://QVD/Extract"),
            &connections(),
            None,
        );
        assert_eq!(
            r.resolved.as_deref(),
            Some("\\\\fileserver\\qlik\\qvd\\Extract\\Orders.qvd")
        );
        let r = resolve_path("..\\QVD\\x.qvd", Some("data"), &connections(), None);
        assert_eq!(r.resolved.as_deref(), Some("QVD/x.qvd"));
    }

    #[test]
    fn templated_and_web_paths() {
        assert!(
            resolve_path("lib://QVD/$(v).qvd", None, &connections(), None)
                .resolved
                .is_none()
        );
        assert!(resolve_path("https://x.example/a.csv", None, &connections(), None).web);
        let r = resolve_path("lib://Nope/a.qvd", None, &connections(), None);
        assert!(r.problem.unwrap().contains("Nope"));
    }

    #[test]
    fn roots_refuse_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("root");
        std::fs::create_dir(&inner).unwrap();
        std::fs::write(inner.join("a.qvs"), "x").unwrap();
        std::fs::write(dir.path().join("secret.qvs"), "x").unwrap();
        let roots = Roots::new(std::slice::from_ref(&inner));
        assert!(roots.check(&inner.join("a.qvs")).is_ok());
        assert_eq!(
            roots.check(&inner.join("../secret.qvs")),
            Err(ReadRefusal::OutsideRoots)
        );
        assert_eq!(
            roots.check(&inner.join("missing.qvs")),
            Err(ReadRefusal::Missing)
        );
    }
}
