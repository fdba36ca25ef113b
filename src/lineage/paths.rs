//! Path canonicalisation: one file reached by several spellings is one node.
//!
//! Real estates reach one share by many names: `lib://QVD/Orders.qvd` through a data
//! connection, `\\nas01\qlik\qvd\Orders.qvd`, `\\NAS01\Qlik\QVD\orders.qvd`, a mapped drive
//! (`Q:\Orders.qvd`, given as an alias), `..\QVD\.\Orders.qvd` relative to the app. The
//! canonical form uses `/`, resolves `.` and `..`, drops trailing separators and doubled
//! separators, resolves `lib://` through the connections, applies the user's folder aliases,
//! and lower-cases Windows paths (drive or UNC) whole, because Windows file systems and SMB
//! shares compare names without case. POSIX paths keep their case.

use super::super::semantic::{ConnectionKind, Connections};

/// Canonicalises paths for one estate: its connections and the user's folder aliases.
#[derive(Debug, Clone, Default)]
pub struct PathCanon {
    /// `(from, to)`, both canonical, longest `from` first.
    aliases: Vec<(String, String)>,
    connections: Connections,
}

/// A `--alias FROM=TO` that could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("alias `{text}`: expected FROM=TO with two non-empty paths")]
pub struct AliasError {
    pub text: String,
}

impl PathCanon {
    pub fn new(connections: Connections) -> PathCanon {
        PathCanon {
            aliases: Vec::new(),
            connections,
        }
    }

    /// Adds a folder alias: every path under `from` is read as the same path under `to`.
    pub fn add_alias(&mut self, text: &str) -> Result<(), AliasError> {
        let error = || AliasError {
            text: text.to_string(),
        };
        let (from, to) = text.split_once('=').ok_or_else(error)?;
        let (from, to) = (normalise(from.trim()), normalise(to.trim()));
        if from.is_empty() || to.is_empty() {
            return Err(error());
        }
        self.aliases.push((from, to));
        self.aliases
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        Ok(())
    }

    pub fn connections(&self) -> &Connections {
        &self.connections
    }

    /// The canonical form of a path as a script, a header or a log wrote it. `base` is the
    /// folder a relative path is taken against (the app's folder), when known.
    pub fn canonical(&self, path: &str, base: Option<&str>) -> String {
        let path = strip_quotes(path.trim());
        let expanded = match self.expand_lib(path) {
            Some(p) => p,
            None => path.to_string(),
        };
        let absolute = if is_relative(&expanded) {
            match base {
                Some(base) if !base.is_empty() => format!("{base}/{expanded}"),
                _ => expanded,
            }
        } else {
            expanded
        };
        let mut canonical = normalise(&absolute);
        for (from, to) in &self.aliases {
            if let Some(rest) = strip_folder_prefix(&canonical, from) {
                canonical = format!("{to}{rest}");
                break;
            }
        }
        canonical
    }

    /// `lib://Name/rest` through a folder connection; `None` when not a `lib://` path or the
    /// connection is unknown (the `lib://` form is then kept, normalised).
    fn expand_lib(&self, path: &str) -> Option<String> {
        let rest = strip_prefix_ignore_case(path, "lib://")?;
        let (name, tail) = rest.split_once(['/', '\\']).unwrap_or((rest, ""));
        match &self.connections.get(name)?.kind {
            ConnectionKind::Folder { path: root, .. } => {
                Some(format!("{}/{}", root.trim_end_matches(['/', '\\']), tail))
            }
            ConnectionKind::Web { url } => Some(format!("{}/{}", url.trim_end_matches('/'), tail)),
            ConnectionKind::Database { .. } => None,
        }
    }
}

fn strip_quotes(path: &str) -> &str {
    for (open, close) in [('[', ']'), ('"', '"'), ('\'', '\''), ('`', '`')] {
        if let Some(inner) = path.strip_prefix(open).and_then(|p| p.strip_suffix(close)) {
            return inner.trim();
        }
    }
    path
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn is_relative(path: &str) -> bool {
    let p = path.replace('\\', "/");
    !(p.starts_with('/')
        || has_drive(&p)
        || p.contains("://")
        || strip_prefix_ignore_case(&p, "lib:").is_some())
}

fn has_drive(path: &str) -> bool {
    let b = path.as_bytes();
    b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':'
}

/// `rest` when `path` is `folder` or lies under it (at a separator).
fn strip_folder_prefix<'a>(path: &'a str, folder: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(folder)?;
    (rest.is_empty() || rest.starts_with('/') || folder.ends_with('/')).then_some(rest)
}

/// Separators, `.`/`..`, doubled and trailing separators, case where the system ignores it.
pub fn normalise(path: &str) -> String {
    let path = strip_quotes(path.trim());
    let unified = path.replace('\\', "/");
    // Scheme-qualified: URLs and unresolved lib:// paths.
    if let Some(pos) = unified.find("://") {
        let scheme = unified[..pos].to_ascii_lowercase();
        let rest = &unified[pos + 3..];
        let (host, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let segments = resolve_dots(tail);
        let tail = if scheme == "lib" {
            segments.join("/").to_lowercase()
        } else {
            segments.join("/")
        };
        let sep = if tail.is_empty() { "" } else { "/" };
        return format!("{scheme}://{}{sep}{tail}", host.to_lowercase());
    }
    let windows;
    let (prefix, tail) = if let Some(rest) = unified.strip_prefix("//") {
        windows = true;
        let (host, tail) = rest.split_once('/').unwrap_or((rest, ""));
        (format!("//{}", host.to_lowercase()), tail)
    } else if has_drive(&unified) {
        windows = true;
        (
            unified[..2].to_lowercase(),
            unified[2..].trim_start_matches('/'),
        )
    } else if let Some(rest) = unified.strip_prefix('/') {
        windows = false;
        (String::new(), rest)
    } else {
        return resolve_dots(&unified).join("/");
    };
    let joined = resolve_dots(tail).join("/");
    let joined = if windows {
        joined.to_lowercase()
    } else {
        joined
    };
    if prefix.is_empty() {
        format!("/{joined}")
    } else if joined.is_empty() {
        prefix
    } else {
        format!("{prefix}/{joined}")
    }
}

/// Segments with `.` and empty ones dropped and `..` applied (a `..` above the root stays).
fn resolve_dots(path: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if matches!(out.last(), Some(last) if *last != "..") {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::{Connection, ConnectionKind};

    fn canon() -> PathCanon {
        let mut connections = Connections::default();
        connections.insert(Connection {
            name: "QVD".into(),
            kind: ConnectionKind::Folder {
                path: "\\\\nas01\\qlik\\qvd\\".into(),
                disk: None,
            },
        });
        PathCanon::new(connections)
    }

    #[test]
    fn five_spellings_are_one_path() {
        let mut c = canon();
        c.add_alias(r"\\nas01.corp.local\qlik=\\nas01\qlik")
            .unwrap();
        c.add_alias(r"Q:\=\\nas01\qlik\qvd").unwrap();
        let spellings = [
            "lib://QVD/Extract/Orders.qvd",
            r"\\nas01\qlik\qvd\Extract\Orders.qvd",
            r"\\NAS01\Qlik\QVD\extract\.\orders.qvd",
            r"\\nas01.corp.local\qlik\qvd\Extract\Staging\..\Orders.qvd",
            r"[Q:\Extract\Orders.qvd]",
            "lib://qvd/Extract//Orders.qvd",
        ];
        for s in spellings {
            assert_eq!(
                c.canonical(s, None),
                "//nas01/qlik/qvd/extract/orders.qvd",
                "{s}"
            );
        }
    }

    #[test]
    fn relative_paths_join_the_base_and_posix_keeps_case() {
        let c = canon();
        assert_eq!(
            c.canonical(r"..\QVD\Orders.qvd", Some("/srv/Apps/Sales")),
            "/srv/Apps/QVD/Orders.qvd"
        );
        assert_eq!(c.canonical("Orders.qvd", None), "Orders.qvd");
        assert_eq!(c.canonical("/data/QVD/", None), "/data/QVD");
        assert_eq!(c.canonical("D:\\QVD\\", None), "d:/qvd");
        assert_eq!(c.canonical("d:/qvd", None), "d:/qvd");
    }

    #[test]
    fn unknown_lib_connections_and_urls_keep_their_scheme() {
        let c = canon();
        assert_eq!(
            c.canonical("lib://Other Share/A/B.QVD", None),
            "lib://other share/a/b.qvd"
        );
        assert_eq!(
            c.canonical("https://Shop.Example/export/./Orders.csv", None),
            "https://shop.example/export/Orders.csv"
        );
    }

    #[test]
    fn bad_aliases_are_refused() {
        let mut c = canon();
        assert!(c.add_alias("no-equals").is_err());
        assert!(c.add_alias("=x").is_err());
        // A prefix only matches at a folder boundary.
        c.add_alias(r"\\srv\qvd=\\srv.corp\qvd").unwrap();
        assert_eq!(c.canonical(r"\\srv\qvd2\a.qvd", None), "//srv/qvd2/a.qvd");
        assert_eq!(
            c.canonical(r"\\srv\qvd\a.qvd", None),
            "//srv.corp/qvd/a.qvd"
        );
    }
}
