//! `qlineage qvd`: describe QVD files and folders of QVDs, one record per file.
//!
//! Rendering lives here; the library returns typed records and errors. JSON output is one
//! object per line (JSON Lines), in path order, documented in `docs/qvd.md`.

use std::io::{self, Write};
use std::path::PathBuf;

use std::io::IsTerminal;

use crate::diagnostics::{render_human, to_records, Diagnostic, DiagnosticRecord};
use crate::qvd::{
    diagnostic_source, scan, FieldProfile, ProfileOptions, ProfileValue, QvdRecord, ScanOptions,
    ScannedFile,
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

/// Runs the command; returns the process exit code: 2 if a file or folder could not be read
/// or the output could not be written (an operational failure, as for `parse`), else 1 if a
/// QVD is malformed (a finding in the input), else 0. Warnings do not change it.
pub fn run(args: &QvdArgs) -> i32 {
    let options = ScanOptions {
        profile: (args.profile || args.nulls).then_some(ProfileOptions {
            top_values: args.top,
            count_nulls: args.nulls,
        }),
    };
    let scanned = scan(&args.paths, &options);
    let errors = || scanned.iter().filter_map(|file| file.result.as_ref().err());
    let unreadable = errors().filter(|error| error.is_io()).count();
    let malformed = errors().count() - unreadable;

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = match args.format {
        QvdFormat::Json => write_json(&mut out, &scanned),
        QvdFormat::Human => write_human(&mut out, &scanned, io::stdout().is_terminal()),
    }
    .and_then(|()| out.flush());
    // A closed pipe (`| head`) is not a failure of the scan.
    if let Err(error) = written {
        if error.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {error}");
            return 2;
        }
    }

    let total = scanned.len();
    if unreadable + malformed > 0 {
        eprintln!(
            "{} of {total} QVD files failed ({malformed} malformed, {unreadable} unreadable)",
            unreadable + malformed
        );
    } else if args.format == QvdFormat::Human {
        eprintln!("{total} QVD files read");
    }
    exit_code(unreadable, malformed)
}

/// 2 beats 1: an unreadable input means the run did not see everything it was asked to.
fn exit_code(unreadable: usize, malformed: usize) -> i32 {
    if unreadable > 0 {
        2
    } else if malformed > 0 {
        1
    } else {
        0
    }
}

/// The JSON line for a file that was read: the record's keys, then its warnings.
#[derive(Serialize)]
struct RecordLine {
    /// The record with its lineage classified (see `with_classified_lineage`).
    #[serde(flatten)]
    record: serde_json::Value,
    diagnostics: Vec<DiagnosticRecord>,
}

/// The JSON line for a file that could not be read.
#[derive(Serialize)]
struct ErrorLine<'a> {
    path: String,
    error: ErrorBody<'a>,
    diagnostics: Vec<DiagnosticRecord>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    kind: &'a str,
    code: &'static str,
    message: String,
}

/// The file's diagnostics rendered as JSON records, each against its own header excerpt.
fn json_diagnostics(file: &ScannedFile, diagnostics: &[Diagnostic]) -> Vec<DiagnosticRecord> {
    diagnostics
        .iter()
        .flat_map(|diagnostic| {
            let source = diagnostic_source(&file.path, diagnostic);
            to_records(&source, std::slice::from_ref(diagnostic))
        })
        .collect()
}

/// The diagnostics a scanned file carries: its error, or the warnings of its record.
fn diagnostics_of(file: &ScannedFile) -> Vec<Diagnostic> {
    match &file.result {
        Ok(record) => record.warnings.iter().map(|w| w.to_diagnostic()).collect(),
        Err(error) => vec![error.to_diagnostic()],
    }
}

fn write_json(out: &mut impl Write, scanned: &[ScannedFile]) -> io::Result<()> {
    for file in scanned {
        let diagnostics = json_diagnostics(file, &diagnostics_of(file));
        match &file.result {
            Ok(record) => serde_json::to_writer(
                &mut *out,
                &RecordLine {
                    record: with_classified_lineage(record),
                    diagnostics,
                },
            )?,
            Err(error) => serde_json::to_writer(
                &mut *out,
                &ErrorLine {
                    path: file.path.display().to_string(),
                    error: ErrorBody {
                        kind: error.kind(),
                        code: error.code().as_str(),
                        message: error.message(),
                    },
                    diagnostics,
                },
            )?,
        }
        writeln!(out)?;
    }
    Ok(())
}

fn write_human(out: &mut impl Write, scanned: &[ScannedFile], color: bool) -> io::Result<()> {
    for file in scanned {
        if let Ok(record) = &file.result {
            write_record(out, record)?;
        }
        for diagnostic in diagnostics_of(file) {
            let source = diagnostic_source(&file.path, &diagnostic);
            writeln!(out, "{}\n", render_human(&source, &diagnostic, color))?;
        }
    }
    Ok(())
}

fn write_record(out: &mut impl Write, record: &QvdRecord) -> io::Result<()> {
    writeln!(out, "{}", record.path)?;
    writeln!(
        out,
        "  table {}: {} rows, {} fields",
        or_dash(&record.table_name),
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
