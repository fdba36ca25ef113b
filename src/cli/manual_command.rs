//! `qlineage manual add|list|remove|import --db FILE`: manual lineage kept in the catalog,
//! with who added it and when; applied to every lineage build, untouched by crawls.

use std::path::PathBuf;

use crate::catalog::manual::{FieldMap, NewEdge};

#[derive(clap::Args, Debug)]
pub struct ManualArgs {
    #[command(subcommand)]
    pub command: ManualCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum ManualCommand {
    /// Add an edge (an `ext:` endpoint needs no declaration).
    Add {
        #[arg(long)]
        db: PathBuf,
        /// The source node id (e.g. `qvd://nas01/qvd/sales.qvd`, `ext:powerbi/report`).
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// derives (default), reads, stores, uses or contains.
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, default_value = "")]
        note: String,
        /// A field mapping FROM=TO (repeatable).
        #[arg(long = "field", value_name = "FROM=TO")]
        fields: Vec<String>,
        /// Who adds it (default: the USER or USERNAME of the environment).
        #[arg(long)]
        by: Option<String>,
        /// A display name for the source node.
        #[arg(long)]
        from_name: Option<String>,
        /// A display name for the target node.
        #[arg(long)]
        to_name: Option<String>,
    },
    /// List the manual edges.
    List {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, value_enum, default_value = "human")]
        format: super::Format,
    },
    /// Remove a manual edge by its id (from `list`).
    Remove {
        #[arg(long)]
        db: PathBuf,
        id: i64,
    },
    /// Import a manual-lineage TOML file (docs/lineage.md).
    Import {
        #[arg(long)]
        db: PathBuf,
        file: PathBuf,
        #[arg(long)]
        by: Option<String>,
    },
}

fn who(by: &Option<String>) -> String {
    by.clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

pub fn run(args: &ManualArgs) -> i32 {
    let db = match &args.command {
        ManualCommand::Add { db, .. }
        | ManualCommand::List { db, .. }
        | ManualCommand::Remove { db, .. }
        | ManualCommand::Import { db, .. } => db,
    };
    let catalog = match super::catalog_command::open(db) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let result = match &args.command {
        ManualCommand::Add {
            from,
            to,
            kind,
            note,
            fields,
            by,
            from_name,
            to_name,
            ..
        } => {
            let mut maps = Vec::new();
            for f in fields {
                match f.split_once('=') {
                    Some((a, b)) if !a.is_empty() && !b.is_empty() => maps.push(FieldMap {
                        from: a.to_owned(),
                        to: b.to_owned(),
                    }),
                    _ => {
                        eprintln!("error: --field `{f}`: expected FROM=TO");
                        return 2;
                    }
                }
            }
            catalog
                .manual_add(&NewEdge {
                    from: from.clone(),
                    to: to.clone(),
                    kind: kind.clone(),
                    note: note.clone(),
                    fields: maps,
                    by: who(by),
                    from_name: from_name.clone(),
                    to_name: to_name.clone(),
                })
                .map(|id| eprintln!("manual edge {id}: {from} → {to}"))
        }
        ManualCommand::List { format, .. } => catalog.manual_list().map(|edges| match format {
            super::Format::Json => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&edges).unwrap_or_default()
                )
            }
            super::Format::Human => {
                for e in &edges {
                    println!(
                        "{:>4}  {} -[{}]-> {}  by {} at {}{}",
                        e.id,
                        e.from,
                        e.kind,
                        e.to,
                        e.added_by,
                        e.added_at,
                        if e.note.is_empty() {
                            String::new()
                        } else {
                            format!("  ({})", e.note)
                        }
                    );
                }
                if edges.is_empty() {
                    println!("no manual edges");
                }
            }
        }),
        ManualCommand::Remove { id, .. } => match catalog.manual_remove(*id) {
            Ok(true) => {
                eprintln!("removed manual edge {id}");
                Ok(())
            }
            Ok(false) => {
                eprintln!("error: no manual edge {id} (see `qlineage manual list`)");
                return 2;
            }
            Err(e) => Err(e),
        },
        ManualCommand::Import { file, by, .. } => catalog
            .manual_import(file, &who(by))
            .map(|n| eprintln!("imported {n} manual edges from {}", file.display())),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}
