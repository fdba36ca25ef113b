//! Server folders that are also reachable on this machine: `\\fileserver\qlik` on the Qlik
//! server is `/mnt/qlik` here. Scripts name the server's paths (through folder connections or
//! written out); a mount lets the resolver read the same files (include scripts, QVD headers,
//! FileList folders) locally, while the lineage keeps naming the server's paths.

use std::path::{Path, PathBuf};

/// One server folder and where it is on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The server prefix as compared: `/` separators, lower case (Windows and SMB paths
    /// ignore case), no trailing separator.
    server: String,
    local: PathBuf,
}

/// Why a `SERVER=LOCAL` mount was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MountError {
    #[error("expected SERVER=LOCAL (e.g. \\\\fileserver\\qlik=/mnt/qlik), got `{0}`")]
    Shape(String),
    #[error("mount `{server}`: the local folder {local} does not exist")]
    NoFolder { server: String, local: String },
}

impl Mount {
    /// A mount of the server folder `server` at the local folder `local`, which must exist.
    pub fn new(server: &str, local: &Path) -> Result<Mount, MountError> {
        let key = comparable(server);
        if key.is_empty() {
            return Err(MountError::Shape(format!("{server}={}", local.display())));
        }
        if !local.is_dir() {
            return Err(MountError::NoFolder {
                server: server.to_string(),
                local: local.display().to_string(),
            });
        }
        Ok(Mount {
            server: key,
            local: local.to_path_buf(),
        })
    }

    /// Parses `SERVER=LOCAL` (the last `=` splits, since server paths rarely hold one and
    /// local paths never need one here).
    pub fn parse(text: &str) -> Result<Mount, MountError> {
        let (server, local) = text
            .rsplit_once('=')
            .filter(|(s, l)| !s.trim().is_empty() && !l.trim().is_empty())
            .ok_or_else(|| MountError::Shape(text.to_string()))?;
        Mount::new(server.trim(), Path::new(local.trim()))
    }

    pub fn local(&self) -> &Path {
        &self.local
    }

    /// The local path of a server path under this mount.
    fn map(&self, path: &str) -> Option<PathBuf> {
        let key = comparable(path);
        let rest = key.strip_prefix(&self.server)?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        // Keep the path's own spelling of the rest (local file systems may care about case).
        let original = path.trim().replace('\\', "/");
        let tail = &original[original.len() - rest.len()..];
        let mut out = self.local.clone();
        for part in tail.split('/').filter(|p| !p.is_empty() && *p != ".") {
            out.push(part);
        }
        Some(out)
    }
}

/// The local path of `path` through the longest mount that covers it.
pub fn map(mounts: &[Mount], path: &str) -> Option<PathBuf> {
    mounts
        .iter()
        .filter_map(|m| m.map(path).map(|p| (m.server.len(), p)))
        .max_by_key(|(len, _)| *len)
        .map(|(_, p)| p)
}

fn comparable(path: &str) -> String {
    let unified = path.trim().replace('\\', "/").to_lowercase();
    unified.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unc_prefix_maps_case_insensitively_and_keeps_the_rest() {
        let dir = std::env::temp_dir();
        let m = Mount::new(r"\\FileServer\Qlik\", &dir).unwrap();
        assert_eq!(
            map(
                std::slice::from_ref(&m),
                r"\\fileserver\qlik\QVD\Orders.qvd"
            ),
            Some(dir.join("QVD").join("Orders.qvd"))
        );
        assert_eq!(
            map(std::slice::from_ref(&m), r"\\fileserver\qlik"),
            Some(dir.clone())
        );
        // A sibling folder sharing the prefix's text is not under it.
        assert_eq!(map(&[m], r"\\fileserver\qlikother\x.qvd"), None);
    }

    #[test]
    fn longest_mount_wins() {
        let a = std::env::temp_dir();
        let b = std::env::current_dir().unwrap();
        let mounts = [
            Mount::new("//fs/qlik", &a).unwrap(),
            Mount::new("//fs/qlik/scripts", &b).unwrap(),
        ];
        assert_eq!(
            map(&mounts, "//fs/qlik/scripts/x.qvs"),
            Some(b.join("x.qvs"))
        );
        assert_eq!(
            map(&mounts, "//fs/qlik/qvd/x.qvd"),
            Some(a.join("qvd").join("x.qvd"))
        );
    }

    #[test]
    fn bad_mounts_are_refused_with_the_reason() {
        assert!(matches!(
            Mount::parse("no-equals"),
            Err(MountError::Shape(_))
        ));
        assert!(matches!(
            Mount::parse(r"\\fs\q=/definitely/not/here"),
            Err(MountError::NoFolder { .. })
        ));
    }
}
