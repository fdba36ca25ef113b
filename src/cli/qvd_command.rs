//! `qlineage qvd`: describe QVD files and folders of QVDs, one record per file.
//!
//! Rendering lives here; the library returns typed records and errors. JSON output is one
//! object per line (JSON Lines), in path order, documented in `docs/qvd.md`.

use std::io::{self, Write};
use std::path::PathBuf;

use crate::qvd::{
    scan, FieldProfile, ProfileOptions, ProfileValue, QvdError, QvdRecord, ScanOptions, ScannedFile,
};
use crate::semantic::sources::{classify_lineage, ClassifiedLineage, Source};
use serde::Serialize;

/// Read QVD headers (and optionally profile their data) from files and folders.
#[derive(Debug, Clone, clap::Args)]
pub struct QvdArgs {
    /// QVD files, or folders searched recursively for *.qvd.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = QvdFormat::Human)]
    pub format: QvdFormat,
    /// Profile each field's symbol table: distinct count, min/max, longest text, top values.
    #[arg(long)]
    pub profile: bool,
    /// Also scan the record table to count NULLs per field (implies --profile).
    #[arg(long)]
    pub nulls: bool,
    /// Number of values, in symbol order, to show per field when profiling.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub top: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum QvdFormat {
    Human,
    Json,
}

/// Runs the command; returns the process exit code (1 if any file failed).
pub fn run(args: &QvdArgs) -> i32 {
    let options = ScanOptions {
        profile: (args.profile || args.nulls).then_some(ProfileOptions {
            top_values: args.top,
            count_nulls: args.nulls,
        }),
    };
    let scanned = scan(&args.paths, &options);
    let failed = scanned.iter().filter(|file| file.result.is_err()).count();

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = match args.format {
        QvdFormat::Json => write_json(&mut out, &scanned),
        QvdFormat::Human => write_human(&mut out, &scanned),
    }
    .and_then(|()| out.flush());
    // A closed pipe (`| head`) is not a failure of the scan.
    if let Err(error) = written {
        if error.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {error}");
            return 1;
        }
    }

    let total = scanned.len();
    if failed > 0 {
        eprintln!("{failed} of {total} QVD files failed");
        1
    } else {
        if args.format == QvdFormat::Human {
            eprintln!("{total} QVD files read");
        }
        0
    }
}

/// The JSON line for a file that could not be read.
#[derive(Serialize)]
struct ErrorLine<'a> {
    path: String,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    kind: &'a str,
    message: String,
}

fn write_json(out: &mut impl Write, scanned: &[ScannedFile]) -> io::Result<()> {
    for file in scanned {
        match &file.result {
            Ok(record) => serde_json::to_writer(&mut *out, &with_classified_lineage(record))?,
            Err(error) => serde_json::to_writer(
                &mut *out,
                &ErrorLine {
                    path: file.path.display().to_string(),
                    error: ErrorBody {
                        kind: error.kind(),
                        message: error.to_string(),
                    },
                },
            )?,
        }
        writeln!(out)?;
    }
    Ok(())
}

fn write_human(out: &mut impl Write, scanned: &[ScannedFile]) -> io::Result<()> {
    for file in scanned {
        match &file.result {
            Ok(record) => write_record(out, record)?,
            Err(error) => write_error(out, error)?,
        }
    }
    Ok(())
}

fn write_error(out: &mut impl Write, error: &QvdError) -> io::Result<()> {
    writeln!(out, "error: {error}")?;
    writeln!(out)
}

fn write_record(out: &mut impl Write, record: &QvdRecord) -> io::Result<()> {
    writeln!(out, "{}", record.path)?;
    writeln!(
        out,
        "  table {}: {} rows, {} fields",
        record.table_name,
        record.no_of_records,
        record.fields.len()
    )?;
    if !record.creator_doc.is_empty() || !record.create_utc_time.is_empty() {
        writeln!(
            out,
            "  created {} by {}",
            or_dash(&record.create_utc_time),
            or_dash(&record.creator_doc)
        )?;
    }
    let name_width = record
        .fields
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(0);
    for field in &record.fields {
        writeln!(
            out,
            "  field {:name_width$}  {:>9} symbols  {:>2} bits  {:<9}  {}",
            field.name,
            field.no_of_symbols,
            field.bit_width,
            or_dash(&field.number_format.format_type),
            field.tags.join(" "),
        )?;
    }
    for entry in &classify_lineage(&record.lineage) {
        write_lineage(out, entry)?;
    }
    if let Some(profile) = &record.profile {
        for field in &profile.fields {
            write_profile(out, field, name_width)?;
        }
    }
    writeln!(out)
}

/// The record as JSON with each raw lineage entry classified (`source`, `upstream`).
fn with_classified_lineage(record: &QvdRecord) -> serde_json::Value {
    let mut value = serde_json::to_value(record).unwrap_or(serde_json::Value::Null);
    if let Some(object) = value.as_object_mut() {
        let classified = serde_json::to_value(classify_lineage(&record.lineage))
            .unwrap_or(serde_json::Value::Null);
        object.insert("lineage".to_string(), classified);
    }
    value
}

fn write_lineage(out: &mut impl Write, entry: &ClassifiedLineage) -> io::Result<()> {
    write!(out, "  lineage {}", describe_source(&entry.source))?;
    if !entry.upstream.is_empty() {
        let upstream: Vec<String> = entry.upstream.iter().map(describe_source).collect();
        write!(out, " <- {}", upstream.join(", "))?;
    }
    writeln!(out)
}

fn describe_source(source: &Source) -> String {
    match source {
        Source::File { path } => format!("file {path}"),
        Source::Url { url } => format!("url {url}"),
        Source::Inline => "inline".to_string(),
        Source::Resident { table } => format!("resident {table}"),
        Source::Autogenerate { count } => match count {
            Some(count) => format!("autogenerate {count}"),
            None => "autogenerate".to_string(),
        },
        Source::Connection { name } => format!("connection {name}"),
        Source::SqlTable { name } => format!("sql table {name}"),
        Source::Store {
            table,
            target,
            format,
        } => {
            let mut text = String::from("store ");
            if let Some(table) = table {
                text.push_str(table);
                text.push_str(" into ");
            }
            text.push_str(target);
            if let Some(format) = format {
                text.push_str(&format!(" ({format})"));
            }
            text
        }
        Source::Extension { text } => format!("extension {text}"),
        Source::Empty => "(empty)".to_string(),
    }
}

fn write_profile(out: &mut impl Write, field: &FieldProfile, name_width: usize) -> io::Result<()> {
    write!(
        out,
        "  profile {:name_width$}  distinct {}",
        field.name, field.distinct_count
    )?;
    if let Some(nulls) = field.null_count {
        write!(out, "  nulls {nulls}")?;
    }
    if let (Some(min), Some(max)) = (field.numeric_min, field.numeric_max) {
        write!(out, "  numbers {min}..{max}")?;
    }
    if let (Some(min), Some(max)) = (&field.text_min, &field.text_max) {
        write!(out, "  text {min:?}..{max:?}")?;
    }
    if let (Some(longest), Some(bytes)) = (&field.longest_text, field.longest_text_bytes) {
        write!(out, "  longest {longest:?} ({bytes} bytes)")?;
    }
    if !field.top_values.is_empty() {
        let values: Vec<String> = field.top_values.iter().map(describe_value).collect();
        write!(out, "  first {}", values.join(", "))?;
    }
    writeln!(out)
}

fn describe_value(value: &ProfileValue) -> String {
    match value {
        ProfileValue::Int(n) => n.to_string(),
        ProfileValue::Float(x) => x.to_string(),
        ProfileValue::Text(text) => format!("{text:?}"),
        ProfileValue::Dual { text, .. } => format!("{text:?}"),
    }
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() {
        "-"
    } else {
        text
    }
}
