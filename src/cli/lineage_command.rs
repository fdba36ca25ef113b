//! `qlineage lineage`: resolve an estate's apps and write its lineage graph (formats in
//! `docs/lineage.md`).

use std::io::Write;
use std::path::PathBuf;

use super::resolve_args::ResolveArgs;
use crate::diagnostics::Severity;
use crate::lineage::export::ExportFormat;
use crate::lineage::{self, LineageOptions, ManualFile};

#[derive(clap::Args, Debug)]
pub struct LineageArgs {
    #[command(flatten)]
    pub resolve: ResolveArgs,
    /// A manual-lineage file (TOML, see docs/lineage.md; repeatable).
    #[arg(long, value_name = "FILE")]
    pub manual: Vec<PathBuf>,
    /// A folder alias: paths under FROM are the same files as under TO (repeatable), e.g.
    /// '\\srv\qvd=\\srv.corp.local\qvd' or 'D:\QVD=\\srv\qvd'.
    #[arg(long, value_name = "FROM=TO")]
    pub alias: Vec<String>,
    /// The last reload's script log of an app: APP (its id, name or path as given) = FILE
    /// (repeatable). A site snapshot's `scriptlog.txt` is read without it.
    #[arg(long = "script-log", value_name = "APP=FILE")]
    pub script_log: Vec<String>,
    /// Output format (`html`: the explorer as one self-contained file, for sharing).
    #[arg(long, value_enum, default_value_t = LineageFormat::Json)]
    pub format: LineageFormat,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Build from the catalog's apps (and its manual lineage) instead of PATHs, and store the
    /// graph in it (docs/catalog.md).
    #[cfg(feature = "catalog")]
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    pub db: Option<PathBuf>,
    #[cfg(feature = "crawl")]
    #[command(flatten)]
    pub push: super::push_args::PushArgs,
    /// Script files, app folders (unbuild, -prj, site-snapshot apps), folders of apps, or a
    /// site snapshot.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// The export formats, plus the explorer page (which lives in `web`, above `lineage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LineageFormat {
    Json,
    Dot,
    Graphml,
    Mermaid,
    Openlineage,
    Html,
}

impl LineageFormat {
    fn export(self) -> Option<ExportFormat> {
        Some(match self {
            LineageFormat::Json => ExportFormat::Json,
            LineageFormat::Dot => ExportFormat::Dot,
            LineageFormat::Graphml => ExportFormat::Graphml,
            LineageFormat::Mermaid => ExportFormat::Mermaid,
            LineageFormat::Openlineage => ExportFormat::Openlineage,
            LineageFormat::Html => return None,
        })
    }
}

/// Builds the graph the arguments describe; the error is already worded for the user.
pub fn build(
    resolve: &ResolveArgs,
    manual: &[PathBuf],
    alias: &[String],
    script_logs: &[String],
    paths: &[PathBuf],
) -> Result<lineage::LineageGraph, String> {
    let connections = resolve.connections().map_err(|e| e.to_string())?;
    let manual = manual
        .iter()
        .map(|p| ManualFile::read(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let mut apps = lineage::discover(paths).map_err(|e| e.to_string())?;
    for given in script_logs {
        let (app, file) = given
            .split_once('=')
            .filter(|(a, f)| !a.is_empty() && !f.is_empty())
            .ok_or_else(|| format!("--script-log `{given}`: expected APP=FILE"))?;
        let file = PathBuf::from(file);
        if !file.is_file() {
            return Err(format!("--script-log {}: no such file", file.display()));
        }
        let found = apps
            .iter_mut()
            .find(|a| a.app.key == app || a.app.name == app || a.path == std::path::Path::new(app));
        match found {
            Some(a) => a.script_log = Some(file),
            None => {
                return Err(format!(
                    "--script-log: no app `{app}` among the paths (give its id, name or path)"
                ))
            }
        }
    }
    let options = LineageOptions {
        resolve: resolve.options(),
        connections,
        aliases: alias.to_vec(),
        manual,
    };
    lineage::build(&apps, &options).map_err(|e| match e {
        lineage::BuildError::Manual(errors) => errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\nerror: "),
        other => other.to_string(),
    })
}

/// Builds the catalog's lineage and stores it.
#[cfg(feature = "catalog")]
fn build_from_catalog(
    db: &std::path::Path,
    args: &LineageArgs,
) -> Result<lineage::LineageGraph, String> {
    let manual = args
        .manual
        .iter()
        .map(|p| ManualFile::read(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let options = LineageOptions {
        resolve: args.resolve.options(),
        connections: args.resolve.connections().map_err(|e| e.to_string())?,
        aliases: args.alias.clone(),
        manual,
    };
    let mut catalog = crate::catalog::Catalog::open(db).map_err(|e| e.to_string())?;
    let (graph, counts) = catalog
        .build_lineage_counted(options)
        .map_err(|e| e.to_string())?;
    for gone in &counts.paths_gone {
        eprintln!("warning: stored [paths] folder skipped: {gone}");
    }
    eprintln!(
        "{} apps resolved, {} unchanged since the last build reused",
        counts.resolved, counts.reused
    );
    Ok(graph)
}

pub fn run(args: &LineageArgs) -> i32 {
    #[cfg(feature = "crawl")]
    if args.push.wanted() && args.format != LineageFormat::Openlineage {
        eprintln!("error: --url posts OpenLineage events: add --format openlineage");
        return 2;
    }
    #[cfg(feature = "catalog")]
    let from_catalog = args.db.as_deref();
    #[cfg(not(feature = "catalog"))]
    let from_catalog: Option<&std::path::Path> = None;
    if from_catalog.is_none() && args.paths.is_empty() {
        eprintln!("error: give the PATHs to analyse, or --db FILE to build from a catalog");
        return 2;
    }
    let built = match from_catalog {
        #[cfg(feature = "catalog")]
        Some(db) => build_from_catalog(db, args),
        _ => build(
            &args.resolve,
            &args.manual,
            &args.alias,
            &args.script_log,
            &args.paths,
        ),
    };
    let graph = match built {
        Ok(g) => g,
        Err(message) => {
            eprintln!("error: {message}");
            return 2;
        }
    };
    #[cfg(feature = "crawl")]
    if args.push.wanted() {
        let events = lineage::export::openlineage::events(&graph.graph, &graph.connections);
        return push_events(args, &events).max(exit_code(&graph));
    }
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
    let options = lineage::export::ExportOptions {
        connections: graph.connections.clone(),
    };
    let (apps, nodes, edges, unresolved, diagnostics) = (
        graph.apps,
        graph.graph.node_count(),
        graph.graph.edge_count(),
        graph.unresolved.len(),
        graph.diagnostics.len(),
    );
    let code = exit_code(&graph);
    let written = match args.format.export() {
        Some(format) => lineage::export::write(&graph, format, &options, &mut out),
        None => {
            let explorer = crate::web::Explorer::from_lineage(graph);
            out.write_all(crate::web::html_file::render(&explorer).as_bytes())
        }
    }
    .and_then(|()| out.flush());
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: {e}");
            return 2;
        }
    }
    eprintln!(
        "{apps} apps, {nodes} nodes, {edges} edges, {unresolved} unresolved, {diagnostics} diagnostics"
    );
    code
}

/// 1 when the estate has errors, else 0.
fn exit_code(graph: &lineage::LineageGraph) -> i32 {
    i32::from(
        graph
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error),
    )
}

/// Posts the events (and writes them to `-o` too when given, the same lines the file
/// export writes).
#[cfg(feature = "crawl")]
fn push_events(args: &LineageArgs, events: &[serde_json::Value]) -> i32 {
    if let Some(path) = &args.output {
        let mut text = String::new();
        for event in events {
            text.push_str(&event.to_string());
            text.push('\n');
        }
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: {}: {e}", path.display());
            return 2;
        }
    }
    super::push_args::run(&args.push, events)
}
