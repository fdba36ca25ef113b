//! `qlineage export --db FILE --format jsonl|csv [--kind K]`: the catalog's records in the
//! mapping catalog tools use (docs/catalog.md).

use std::io::Write;
use std::path::PathBuf;

use crate::catalog::records::{self, RecordKind};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordFormat {
    /// One JSON object per line.
    Jsonl,
    /// RFC 4180 CSV with a header line.
    Csv,
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
}

pub fn run(args: &ExportArgs) -> i32 {
    let catalog = match super::catalog_command::open_read(&args.db) {
        Ok(c) => c,
        Err(code) => return code,
    };
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
            match args.format {
                RecordFormat::Jsonl => {
                    serde_json::to_writer(&mut out, r)?;
                    out.write_all(b"\n")?;
                }
                RecordFormat::Csv => out.write_all(records::csv_row(r).as_bytes())?,
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
