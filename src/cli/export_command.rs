//! `qlineage export --db FILE --format jsonl|csv [--kind K]`: the catalog's records in the
//! mapping catalog tools use (docs/catalog.md); `--format openlineage [--url URL]`: the
//! lineage the catalog holds as OpenLineage events, written or posted to an endpoint.

use std::io::Write;
use std::path::PathBuf;

use crate::catalog::records::{self, RecordKind};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFormat {
    /// One JSON object per line.
    Jsonl,
    /// RFC 4180 CSV with a header line.
    Csv,
    /// The catalog's last lineage build as OpenLineage run events, one per line (posted to
    /// an endpoint with `--url`).
    Openlineage,
}

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    #[arg(long)]
    pub db: PathBuf,
    #[arg(long, value_enum)]
    pub format: RecordFormat,
    /// Only records of this kind (repeatable; default: all).
    #[arg(long, value_enum)]
    pub kind: Vec<RecordKind>,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[cfg(feature = "crawl")]
    #[command(flatten)]
    pub push: super::push_args::PushArgs,
}

/// The catalog's lineage as OpenLineage events.
fn openlineage_events(catalog: &crate::catalog::Catalog) -> Result<Vec<serde_json::Value>, String> {
    let graph = catalog
        .lineage_graph()
        .map_err(|e| e.to_string())?
        .ok_or("the catalog holds no lineage yet: run `qlineage lineage --db FILE` (or a crawl with --db) first")?;
    Ok(crate::lineage::export::openlineage::events(
        &graph.graph,
        &graph.connections,
    ))
}

pub fn run(args: &ExportArgs) -> i32 {
    let catalog = match super::catalog_command::open_read(&args.db) {
        Ok(c) => c,
        Err(code) => return code,
    };
    #[cfg(feature = "crawl")]
    if args.push.wanted() && args.format != RecordFormat::Openlineage {
        eprintln!("error: --url posts OpenLineage events: add --format openlineage");
        return 2;
    }
    if args.format == RecordFormat::Openlineage {
        if !args.kind.is_empty() {
            eprintln!(
                "error: --kind selects catalog records; OpenLineage events carry the lineage"
            );
            return 2;
        }
        let events = match openlineage_events(&catalog) {
            Ok(e) => e,
            Err(message) => {
                eprintln!("error: {}: {message}", args.db.display());
                return 2;
            }
        };
        let mut text = String::new();
        for event in &events {
            text.push_str(&event.to_string());
            text.push('\n');
        }
        #[cfg(feature = "crawl")]
        if args.push.wanted() {
            if let Some(path) = &args.output {
                if let Err(e) = std::fs::write(path, &text) {
                    eprintln!("error: {}: {e}", path.display());
                    return 2;
                }
            }
            return super::push_args::run(&args.push, &events);
        }
        let written = match &args.output {
            Some(path) => std::fs::write(path, &text),
            None => std::io::stdout().lock().write_all(text.as_bytes()),
        };
        return match written {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                eprintln!("error: {e}");
                2
            }
            _ => {
                eprintln!("{} events", events.len());
                0
            }
        };
    }
    let records = match catalog.records(&args.kind) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return 2;
            }
        },
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let written = (|| -> std::io::Result<()> {
        if args.format == RecordFormat::Csv {
            out.write_all(records::csv_header().as_bytes())?;
        }
        for r in &records {
            if args.format == RecordFormat::Csv {
                out.write_all(records::csv_row(r).as_bytes())?;
            } else {
                serde_json::to_writer(&mut out, r)?;
                out.write_all(b"\n")?;
            }
        }
        out.flush()
    })();
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("error: {e}");
            2
        }
        _ => {
            eprintln!("{} records", records.len());
            0
        }
    }
}
