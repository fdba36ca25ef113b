//! `qlineage parse`: syntax-check scripts, human or JSON output.

use super::Format;
use crate::diagnostics::{render_human, to_records, DiagnosticRecord, Severity};
use crate::inputs;
use crate::source::SourceFile;
use crate::syntax;
use rayon::prelude::*;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ParseArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Print the token stream of each file instead of diagnostics.
    #[arg(long)]
    pub tokens: bool,
    /// Code page for files that are neither UTF-8 nor marked by a BOM (`windows-1251`,
    /// `1250`, `latin1`…); by default it is guessed from the bytes.
    #[arg(long, value_name = "CODE_PAGE", value_parser = parse_code_page)]
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Script files (any extension) or directories to search recursively.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
}

/// A code page named on the command line.
pub fn parse_code_page(name: &str) -> Result<&'static encoding_rs::Encoding, String> {
    crate::source::code_page_by_name(name).ok_or_else(|| {
        format!("unknown code page `{name}` (try windows-1252, 1251, cp1250, latin1)")
    })
}

/// One file in `--format json` output.
#[derive(Serialize)]
struct FileReport {
    /// The file's id: diagnostics and labels name their file by it.
    id: u32,
    path: String,
    encoding: crate::source::Encoding,
    statements: usize,
    diagnostics: Vec<DiagnosticRecord>,
}

#[derive(Serialize, Default)]
struct Summary {
    files: usize,
    statements: usize,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct Report {
    files: Vec<FileReport>,
    summary: Summary,
}

pub fn run(args: &ParseArgs) -> i32 {
    let found = inputs::script_files(&args.paths);
    if !found.errors.is_empty() {
        // Every unreadable entry is named, then the run stops: a partial check would look clean.
        for error in &found.errors {
            eprintln!("error: {error}");
        }
        return 2;
    }
    let files = found.files;
    let sources: Vec<std::io::Result<SourceFile>> = files
        .par_iter()
        .enumerate()
        .map(|(i, path)| {
            let bytes = std::fs::read(path)
                .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
            Ok(
                SourceFile::decode_with(path.display().to_string(), &bytes, args.encoding)
                    .with_id(crate::source::FileId(i as u32)),
            )
        })
        .collect();
    let mut loaded = Vec::with_capacity(sources.len());
    for source in sources {
        match source {
            Ok(s) => loaded.push(s),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.tokens {
        return print_tokens(&mut out, &loaded, args.format);
    }
    let parsed: Vec<syntax::Parsed> = loaded.par_iter().map(syntax::parse).collect();
    let mut summary = Summary {
        files: loaded.len(),
        ..Summary::default()
    };
    for p in &parsed {
        summary.statements += p.script.statement_count();
        for d in &p.diagnostics {
            match d.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => {}
            }
        }
    }
    let result = match args.format {
        Format::Json => {
            let report = Report {
                files: loaded
                    .iter()
                    .zip(&parsed)
                    .map(|(source, p)| FileReport {
                        id: source.id.0,
                        path: source.path.clone(),
                        encoding: source.encoding,
                        statements: p.script.statement_count(),
                        diagnostics: to_records(source, &p.diagnostics),
                    })
                    .collect(),
                summary,
            };
            serde_json::to_writer_pretty(&mut out, &report)
                .map_err(std::io::Error::other)
                .and_then(|_| writeln!(out))
                .map(|_| report.summary.errors)
        }
        Format::Human => {
            let color = std::io::stdout().is_terminal();
            let mut result = Ok(());
            for (source, p) in loaded.iter().zip(&parsed) {
                for d in &p.diagnostics {
                    result =
                        result.and_then(|_| writeln!(out, "{}\n", render_human(source, d, color)));
                }
            }
            result
                .and_then(|_| {
                    writeln!(
                        out,
                        "{} file{}, {} statements, {} error{}, {} warning{}",
                        summary.files,
                        plural(summary.files),
                        summary.statements,
                        summary.errors,
                        plural(summary.errors),
                        summary.warnings,
                        plural(summary.warnings)
                    )
                })
                .map(|_| summary.errors)
        }
    };
    // The process ends right after this: leave the trees to the OS instead of freeing a
    // million nodes one by one.
    std::mem::forget(parsed);
    match result.and_then(|errors| out.flush().map(|_| errors)) {
        Ok(0) => 0,
        Ok(_) => 1,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn print_tokens(out: &mut impl Write, sources: &[SourceFile], format: Format) -> i32 {
    let result = (|| -> std::io::Result<()> {
        match format {
            Format::Json => {
                #[derive(Serialize)]
                struct FileTokens {
                    path: String,
                    tokens: Vec<syntax::TokenInfo>,
                }
                let files: Vec<FileTokens> = sources
                    .iter()
                    .map(|s| FileTokens {
                        path: s.path.clone(),
                        tokens: syntax::tokens(&s.text),
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &files).map_err(std::io::Error::other)?;
                writeln!(out)
            }
            Format::Human => {
                for source in sources {
                    writeln!(out, "{}", source.path)?;
                    for t in syntax::tokens(&source.text) {
                        let at = source.line_col(t.span.start);
                        writeln!(out, "  {}:{} {} {:?}", at.line, at.column, t.kind, t.text)?;
                    }
                }
                Ok(())
            }
        }
    })();
    match result {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}
