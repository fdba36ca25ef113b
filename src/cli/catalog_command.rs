//! `qlineage catalog import|migrate|status --db FILE`: loading a snapshot crawled elsewhere,
//! upgrading a catalog's schema (after a backup copy), and what a catalog holds.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::catalog::Catalog;

#[derive(clap::Args, Debug)]
pub struct CatalogArgs {
    #[command(subcommand)]
    pub command: CatalogCommand,
}

#[derive(clap::Subcommand, Debug)]
pub enum CatalogCommand {
    /// Load a site directory (a crawl's --out, e.g. crawled near the server) into the catalog.
    Import {
        #[arg(long)]
        db: PathBuf,
        /// The site directory (docs/site-format.md).
        #[arg(value_name = "SNAPSHOT_DIR")]
        dir: PathBuf,
        /// Print the summary as JSON on stdout.
        #[arg(long, value_enum, default_value = "human")]
        format: super::Format,
    },
    /// Upgrade the catalog to this qlineage's schema (a copy `<file>.v<N>.bak` is made first).
    Migrate {
        #[arg(long)]
        db: PathBuf,
    },
    /// Runs, apps and the schema version of a catalog.
    Status {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, value_enum, default_value = "human")]
        format: super::Format,
    },
}

/// Opens a catalog for writing or prints the error (exit 2).
pub fn open(db: &std::path::Path) -> Result<Catalog, i32> {
    Catalog::open(db).map_err(|e| {
        eprintln!("error: {e}");
        2
    })
}

/// Opens a catalog read-only or prints the error (exit 2).
pub fn open_read(db: &std::path::Path) -> Result<Catalog, i32> {
    Catalog::open_read_only(db).map_err(|e| {
        eprintln!("error: {e}");
        2
    })
}

pub fn run(args: &CatalogArgs) -> i32 {
    match &args.command {
        CatalogCommand::Import { db, dir, format } => {
            let mut catalog = match open(db) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let terminal = std::io::stderr().is_terminal();
            let bar = terminal.then(|| {
                let b = indicatif::ProgressBar::new_spinner();
                b.enable_steady_tick(std::time::Duration::from_millis(120));
                b
            });
            let progress = |name: &str| {
                if let Some(b) = &bar {
                    b.set_message(format!("imported {name}"));
                }
            };
            let result = catalog.import_snapshot(dir, &progress);
            if let Some(b) = &bar {
                b.finish_and_clear();
            }
            match result {
                Ok(summary) => {
                    match format {
                        super::Format::Json => {
                            println!("{}", serde_json::to_string(&summary).unwrap_or_default())
                        }
                        super::Format::Human => {
                            eprintln!(
                                "imported {} apps of site `{}` into {} (run {}): {} new, {} changes, {} deleted",
                                summary.apps,
                                summary.site,
                                db.display(),
                                summary.run,
                                summary.new_apps,
                                summary.changes,
                                summary.deleted.len()
                            );
                            for name in &summary.deleted {
                                eprintln!("  deleted {name}");
                            }
                            eprintln!(
                                "  {} files of files/ stored, {} QVD headers read",
                                summary.files, summary.qvd_headers
                            );
                            for f in &summary.files_skipped {
                                eprintln!("  not stored (over 64 MiB): files/{f}");
                            }
                            for (qvd, why) in &summary.qvd_unreadable {
                                eprintln!("  QVD header not read: {qvd}: {why}");
                            }
                        }
                    }
                    0
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    2
                }
            }
        }
        CatalogCommand::Migrate { db } => {
            if !db.is_file() {
                eprintln!("error: {}: no such catalog", db.display());
                return 2;
            }
            match open(db).and_then(|c| {
                c.schema_version().map_err(|e| {
                    eprintln!("error: {e}");
                    2
                })
            }) {
                Ok(v) => {
                    eprintln!("{}: catalog schema version {v}", db.display());
                    0
                }
                Err(code) => code,
            }
        }
        CatalogCommand::Status { db, format } => {
            let catalog = match open_read(db) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let status = (|| {
                Ok::<_, crate::catalog::CatalogError>(serde_json::json!({
                    "schema_version": catalog.schema_version()?,
                    "sites": catalog.sites()?,
                    "apps": catalog.apps()?.len(),
                    "runs": catalog.runs()?,
                }))
            })();
            match status {
                Ok(v) => {
                    match format {
                        super::Format::Json => println!("{v}"),
                        super::Format::Human => {
                            println!(
                                "{}: schema version {}, {} live apps",
                                db.display(),
                                v["schema_version"],
                                v["apps"]
                            );
                            for r in v["runs"].as_array().into_iter().flatten() {
                                println!(
                                    "run {:>4}  {:<6} {:<11} {}  read {} unchanged {} failed {} deleted {} sessions {}",
                                    r["id"],
                                    r["kind"].as_str().unwrap_or(""),
                                    r["status"].as_str().unwrap_or(""),
                                    r["started"].as_str().unwrap_or(""),
                                    r["apps_read"],
                                    r["apps_unchanged"],
                                    r["apps_failed"],
                                    r["apps_deleted"],
                                    r["engine_sessions"]
                                );
                            }
                        }
                    }
                    0
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    2
                }
            }
        }
    }
}
