//! The resolver's flags, shared by every command that resolves scripts (`lineage`, `impact`'s
//! inputs, and later `lint`): one definition so the commands cannot drift apart.

use std::path::PathBuf;

use crate::semantic::mounts::Mount;
use crate::semantic::{Connections, ConnectionsError, ResolveOptions};

#[derive(clap::Args, Debug, Clone, Default)]
pub struct ResolveArgs {
    /// Data connections: a JSON object {"<name>": {"type": "folder", "path": "..."} |
    /// {"type": "<provider>", "connection_string": "..."}} or the QRS dataconnection array.
    #[arg(long, value_name = "FILE")]
    pub connections: Option<PathBuf>,
    /// Preset a variable before the script runs (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub variables: Vec<(String, String)>,
    /// The date Today(), Now() and ReloadTime() return (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub assume_date: Option<jiff::civil::Date>,
    /// A folder include files may be read from (repeatable; default: the script's folder).
    #[arg(long, value_name = "DIR")]
    pub include_root: Vec<PathBuf>,
    /// The folder FileList() and DirList() may list.
    #[arg(long, value_name = "DIR")]
    pub files_root: Option<PathBuf>,
    /// A folder QVD headers may be read from (repeatable).
    #[arg(long, value_name = "DIR")]
    pub qvd_dir: Vec<PathBuf>,
    /// A server folder readable on this machine, e.g. `\\fileserver\qlik=/mnt/qlik`
    /// (repeatable): include scripts and QVD headers are read there, lineage keeps the
    /// server's paths.
    #[arg(long = "mount", value_name = "SERVER=LOCAL", value_parser = parse_mount)]
    pub mounts: Vec<Mount>,
}

impl ResolveArgs {
    pub fn options(&self) -> ResolveOptions {
        ResolveOptions {
            variables: self.variables.clone(),
            assume_date: self.assume_date,
            include_roots: self.include_root.clone(),
            files_root: self.files_root.clone(),
            qvd_dirs: self.qvd_dir.clone(),
            ..ResolveOptions::default()
        }
    }

    pub fn connections(&self) -> Result<Connections, ConnectionsError> {
        let mut connections = match &self.connections {
            Some(path) => Connections::read(path)?,
            None => Connections::default(),
        };
        for mount in &self.mounts {
            connections.add_mount(mount.clone());
        }
        Ok(connections)
    }
}

pub fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("expected NAME=VALUE, got `{text}`")),
    }
}

pub fn parse_mount(text: &str) -> Result<Mount, String> {
    Mount::parse(text).map_err(|e| e.to_string())
}

pub fn parse_date(text: &str) -> Result<jiff::civil::Date, String> {
    text.parse::<jiff::civil::Date>()
        .map_err(|e| format!("expected YYYY-MM-DD: {e}"))
}
