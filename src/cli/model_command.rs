//! `qlineage model`: resolve apps and print their data model (tables, fields and where each
//! comes from, loads, stores, variables, unresolved items with reasons). The JSON form is the
//! contract the lineage compiler and the linter build on; it is documented in `docs/model.md`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::Format;
use crate::diagnostics::render_human;
use crate::semantic::{self, AppInput, Resolved};

#[derive(clap::Args, Debug)]
pub struct ModelArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    #[command(flatten)]
    pub resolve: super::resolve_args::ResolveArgs,
    /// Apps: script files, -prj folders, unbuild folders (script.qvs) or site app folders;
    /// other folders are searched for script files, one app each.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// The apps named by the command-line paths.
pub(crate) fn apps(paths_given: &[PathBuf]) -> Result<Vec<PathBuf>, crate::inputs::InputError> {
    let mut out = Vec::new();
    for path in paths_given {
        let is_app_dir = path.is_dir()
            && ["script.qvs", "LoadScript.txt", "loadscript.txt"]
                .iter()
                .any(|f| path.join(f).is_file());
        if path.is_file() || is_app_dir {
            out.push(path.clone());
        } else {
            out.extend(crate::inputs::script_files(std::slice::from_ref(path)).into_result()?);
        }
    }
    Ok(out)
}

/// The apps the paths name, read with the connections the resolver flags give (the inputs of
/// `model` and `lint`); the error is worded for the user.
pub(crate) fn read_inputs(
    resolve: &super::resolve_args::ResolveArgs,
    paths: &[PathBuf],
) -> Result<Vec<AppInput>, String> {
    let connections = resolve.connections().map_err(|e| e.to_string())?;
    apps(paths)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|app| AppInput::read(app, &connections).map_err(|e| e.to_string()))
        .collect()
}

pub fn run(args: &ModelArgs) -> i32 {
    let options = args.resolve.options();
    let inputs = match read_inputs(&args.resolve, &args.paths) {
        Ok(i) => i,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    // Several apps are one estate: a BINARY of one of them loads its tables.
    let resolved = if inputs.len() > 1 {
        semantic::resolve_estate(&inputs, &options)
    } else {
        inputs
            .iter()
            .map(|input| semantic::resolve(input, &options))
            .collect()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.format {
        Format::Json => super::model_json::write(&mut out, &resolved),
        Format::Human => {
            let color = std::io::stdout().is_terminal();
            resolved
                .iter()
                .try_for_each(|r| write_human(&mut out, r, color))
        }
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: {e}");
            return 2;
        }
    }
    if resolved.iter().any(Resolved::has_errors) {
        1
    } else {
        0
    }
}

fn file_name(resolved: &Resolved, file: u32) -> String {
    resolved
        .model
        .files
        .get(file as usize)
        .map(|f| f.source.path.clone())
        .unwrap_or_default()
}

fn describe_derivation(d: &semantic::model::Derivation) -> String {
    let mut what = String::new();
    if let Some(t) = &d.table {
        what.push_str(t);
        if d.field.is_some() {
            what.push('.');
        }
    }
    if let Some(f) = &d.field {
        what.push_str(f);
    }
    if let Some(s) = &d.source {
        if !what.is_empty() {
            what.push(' ');
        }
        what.push_str(&format!("({s})"));
    }
    let transform = serde_json::to_value(d.transform)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    format!("{what} [{transform}]")
}

/// A readable summary of one app.
pub fn write_human(out: &mut impl Write, resolved: &Resolved, color: bool) -> std::io::Result<()> {
    let model = &resolved.model;
    writeln!(out, "app {}", model.path)?;
    for file in model.files.iter().skip(1) {
        writeln!(out, "  include {}", file.source.path)?;
    }
    writeln!(out, "  tables:")?;
    for t in &model.tables {
        let flags = [
            t.conditional.then_some("conditional"),
            t.fields_incomplete.then_some("fields incomplete"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
        let flags = if flags.is_empty() {
            String::new()
        } else {
            format!(" ({})", flags.join(", "))
        };
        writeln!(out, "    {}{flags}", t.name)?;
        for f in &t.fields {
            let from: Vec<String> = f.derived_from.iter().map(describe_derivation).collect();
            writeln!(out, "      {} <- {}", f.name, from.join("; "))?;
        }
    }
    if !model.section_access_tables.is_empty() {
        writeln!(out, "  section access tables:")?;
        for t in &model.section_access_tables {
            writeln!(out, "    {}", t.name)?;
        }
    }
    if !model.stores.is_empty() {
        writeln!(out, "  stores:")?;
        for s in &model.stores {
            writeln!(
                out,
                "    {} -> {} ({}){}",
                s.table,
                s.resolved_path.as_deref().unwrap_or(&s.path),
                s.format,
                if s.resolved { "" } else { " unresolved" }
            )?;
        }
    }
    for key in &model.synthetic_keys {
        writeln!(
            out,
            "  synthetic key: {} on {}",
            key.tables.join(" + "),
            key.fields.join(", ")
        )?;
    }
    for group in &model.circular_references {
        writeln!(out, "  circular reference: {}", group.join(" - "))?;
    }
    if !model.unresolved.is_empty() {
        writeln!(out, "  unresolved:")?;
        for u in &model.unresolved {
            let file = &model.files[u.location.file as usize].source;
            let at = file.line_col(u.location.span.start);
            writeln!(
                out,
                "    {}:{}:{}: {} — {}{}",
                display_path(&file.path),
                at.line,
                at.column,
                u.text,
                u.reason,
                if u.runtime { " (run-time value)" } else { "" }
            )?;
        }
    }
    for d in &resolved.diagnostics {
        let file = &model.files[d.file as usize].source;
        let _ = file_name(resolved, d.file);
        writeln!(
            out,
            "{}",
            render_human(file, &d.diagnostic, color).trim_end()
        )?;
    }
    writeln!(out)
}

fn display_path(path: &str) -> String {
    Path::new(path).display().to_string()
}
