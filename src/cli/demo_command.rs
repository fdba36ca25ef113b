//! `qlineage demo [--out DIR]`: the whole product in one command. It starts the simulated
//! Qlik Sense site in-process on loopback (the bundled `corpus/site/`), crawls it over TLS
//! and WebSocket with certificate authentication, builds the lineage graph and its exports,
//! draws every sheet, and prints a short tour with impact queries that work on DIR.
//!
//! The run is a list of steps ([`STEPS`]) over one [`Demo`] state. With the `catalog`
//! feature the crawl goes into `DIR/catalog.db` (and the snapshot folder beside it) and the
//! lineage is built from the catalog and stored there, as `crawl --db` then `lineage --db`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::crawl::{self, Config as CrawlConfig};
use crate::lineage::export::{self, ExportFormat, ExportOptions};
use crate::lineage::query::{self, Direction, ImpactOptions};
use crate::lineage::{LineageGraph, LineageOptions, NodeKind};
use crate::preview::html::{IndexApp, IndexSheet};
use crate::preview::{self, SheetSource, SiteDirectory};
use crate::simulate;

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Where the demo writes its snapshot, lineage, previews and certificates.
    #[arg(long, value_name = "DIR", default_value = "qlineage-demo")]
    pub out: PathBuf,
    /// The site to simulate (a site directory); the bundled demo estate by default.
    #[arg(long, value_name = "DIR", default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/site"))]
    pub site: PathBuf,
}

/// One step: what it is called on the progress line, and what it does.
type Step = (&'static str, fn(&mut Demo) -> Result<(), String>);

/// The demo, in order.
const STEPS: &[Step] = &[
    ("starting the simulated Qlik Sense site", Demo::start_site),
    (
        "crawling it (QRS + engine, TLS, certificate auth)",
        Demo::crawl,
    ),
    ("building lineage", Demo::lineage),
    ("drawing sheet previews", Demo::previews),
];

/// What the steps share.
struct Demo {
    out: PathBuf,
    site: PathBuf,
    runtime: tokio::runtime::Runtime,
    running: Option<simulate::Running>,
    crawl: Option<crawl::Summary>,
    graph: Option<LineageGraph>,
    /// The sheets drawn, by app, with their SVG's path relative to `previews/`.
    previews: Vec<IndexApp>,
    /// Progress for the step in flight (a spinner on a terminal, nothing otherwise).
    bar: Option<indicatif::ProgressBar>,
    /// What the crawl configuration's `[paths]` give the lineage build.
    lineage_options: LineageOptions,
}

/// Tells the crawl configuration where the simulated file server's folders are: the site's
/// `files/<connection>/` folders are its folder connections' contents (docs/site-format.md),
/// as a real user maps `\\fileserver\qlik` to where the share is mounted.
fn mount_site_files(site: &std::path::Path, config: &std::path::Path) -> Result<(), String> {
    let text = std::fs::read_to_string(site.join("site.json"))
        .map_err(|e| format!("{}: {e}", site.join("site.json").display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", site.display()))?;
    let mut section = String::from(
        "\n# The simulated file server's shares, as this machine sees them (the demo site's files/).\n[paths.mounts]\n",
    );
    for c in json["data_connections"].as_array().into_iter().flatten() {
        let (Some(name), Some("folder"), Some(server)) = (
            c["name"].as_str(),
            c["type"].as_str(),
            c["connectionstring"].as_str(),
        ) else {
            continue;
        };
        let local = site.join("files").join(name);
        if local.is_dir() && !server.contains('\'') {
            let local = local.canonicalize().unwrap_or(local);
            let quoted = local
                .display()
                .to_string()
                .replace('\\', "\\\\")
                .replace('"', "\\\"");
            section.push_str(&format!("'{server}' = \"{quoted}\"\n"));
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(config)
        .map_err(|e| format!("{}: {e}", config.display()))?;
    std::io::Write::write_all(&mut file, section.as_bytes())
        .map_err(|e| format!("{}: {e}", config.display()))
}

impl Demo {
    fn snapshot(&self) -> PathBuf {
        self.out.join("snapshot")
    }

    fn start_site(&mut self) -> Result<(), String> {
        let config = simulate::Config::new(&self.site, self.out.join("certs"));
        let running = self
            .runtime
            .block_on(simulate::start(config))
            .map_err(|e| format!("the simulated site does not start: {e}"))?;
        self.running = Some(running);
        Ok(())
    }

    fn catalog_path(&self) -> PathBuf {
        self.out.join("catalog.db")
    }

    fn crawl(&mut self) -> Result<(), String> {
        let running = self.running.as_ref().ok_or("the site is not running")?;
        let config_path = self.out.join("crawl.toml");
        running
            .write_crawl_config(&config_path, "certificate")
            .map_err(|e| e.to_string())?;
        mount_site_files(&self.site, &config_path)?;
        let config = CrawlConfig::load(&config_path).map_err(|e| e.to_string())?;
        self.lineage_options = super::crawl_command::lineage_options(&config)?;
        let snapshot = self.snapshot();
        let bar = self.bar.clone();
        let progress = move |p: crawl::Progress| {
            if let (Some(bar), crawl::Progress::AppDone { name, .. }) = (&bar, p) {
                bar.set_message(name);
            }
        };
        // Into the catalog and the snapshot folder at once; a full crawl, so a demo run
        // again in the same folder records the site afresh (the simulator's port changes).
        #[cfg(feature = "catalog")]
        let summary = self
            .runtime
            .block_on(crate::catalog::crawl_run::crawl_to_catalog(
                &config,
                &self.catalog_path(),
                Some(&snapshot),
                true,
                Arc::new(AtomicBool::new(false)),
                &progress,
            ))
            .map(|report| report.summary)
            .map_err(|e| format!("the crawl failed: {e}"))?;
        #[cfg(not(feature = "catalog"))]
        let summary = self
            .runtime
            .block_on(crawl::crawl(
                &config,
                &snapshot,
                Arc::new(AtomicBool::new(false)),
                &progress,
            ))
            .map_err(|e| format!("the crawl failed: {e}"))?;
        // The site is only needed by the crawl.
        self.running = None;
        self.crawl = Some(summary);
        Ok(())
    }

    fn lineage(&mut self) -> Result<(), String> {
        // From the catalog, stored back in it (what `qlineage lineage --db` does).
        #[cfg(feature = "catalog")]
        let graph = crate::catalog::Catalog::open(&self.catalog_path())
            .and_then(|mut c| c.build_lineage(self.lineage_options.clone()))
            .map_err(|e| e.to_string())?;
        #[cfg(not(feature = "catalog"))]
        let graph = {
            let apps = crate::lineage::discover(&[self.snapshot()]).map_err(|e| e.to_string())?;
            crate::lineage::build(&apps, &self.lineage_options).map_err(|e| e.to_string())?
        };
        let options = ExportOptions {
            connections: graph.connections.clone(),
        };
        for (name, format) in [
            ("lineage.json", ExportFormat::Json),
            ("lineage.dot", ExportFormat::Dot),
            ("openlineage.jsonl", ExportFormat::Openlineage),
        ] {
            let mut bytes = Vec::new();
            export::write(&graph, format, &options, &mut bytes)
                .map_err(|e| format!("{name}: {e}"))?;
            write_file(&self.out.join(name), &bytes)?;
        }
        self.graph = Some(graph);
        Ok(())
    }

    fn previews(&mut self) -> Result<(), String> {
        let source = SiteDirectory::open(self.snapshot()).map_err(|e| e.to_string())?;
        let dir = self.out.join("previews");
        for (_, app) in source.apps().map_err(|e| e.to_string())? {
            let view = source.app(&app.id).map_err(|e| e.to_string())?;
            let sheets = preview::select(view, None, None).unwrap_or_default();
            if sheets.is_empty() {
                continue;
            }
            let mut entries = Vec::new();
            for sheet in &sheets {
                let path = format!("{}/{}.svg", file_name(&app.id), file_name(&sheet.id));
                write_file(&dir.join(&path), preview::svg::render(sheet).as_bytes())?;
                entries.push(IndexSheet {
                    title: sheet.title.clone(),
                    path,
                    link: sheet.link.clone(),
                });
            }
            self.previews.push(IndexApp {
                name: app.name.clone(),
                sheets: entries,
            });
        }
        write_file(
            &dir.join("index.html"),
            preview::html::index("qlineage demo: sheet previews", &self.previews).as_bytes(),
        )
    }
}

pub fn run(args: &DemoArgs) -> i32 {
    let started = Instant::now();
    if !args.site.join("site.json").is_file() {
        eprintln!(
            "error: {}: no site.json; run the demo from the qlineage repository or give --site DIR",
            args.site.display()
        );
        return 2;
    }
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("error: {}: {e}", args.out.display());
        return 2;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 2;
        }
    };
    let mut demo = Demo {
        out: args.out.clone(),
        site: args.site.clone(),
        runtime,
        running: None,
        crawl: None,
        graph: None,
        previews: Vec::new(),
        bar: None,
        lineage_options: LineageOptions::default(),
    };
    let terminal = std::io::stderr().is_terminal();
    for (index, (what, step)) in STEPS.iter().enumerate() {
        let step_started = Instant::now();
        if terminal {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_prefix(format!("[{}/{}] {what}", index + 1, STEPS.len()));
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {prefix} {wide_msg}")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(100));
            demo.bar = Some(bar);
        }
        let result = step(&mut demo);
        if let Some(bar) = demo.bar.take() {
            bar.finish_and_clear();
            if result.is_ok() {
                eprintln!(
                    "✓ [{}/{}] {what} ({:.1} s)",
                    index + 1,
                    STEPS.len(),
                    step_started.elapsed().as_secs_f64()
                );
            }
        }
        if let Err(message) = result {
            eprintln!("error: {what}: {message}");
            return 2;
        }
    }
    let mut stdout = std::io::stdout().lock();
    let written = tour(&demo, started.elapsed(), &mut stdout).and_then(|()| stdout.flush());
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: {e}");
            return 2;
        }
    }
    match &demo.crawl {
        Some(summary) if summary.failed.is_empty() => 0,
        _ => 1,
    }
}

/// What was found, three impact queries to try, where the files are.
fn tour(demo: &Demo, elapsed: Duration, out: &mut dyn Write) -> std::io::Result<()> {
    let Some(graph) = &demo.graph else {
        return Ok(());
    };
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for node in graph.graph.nodes() {
        *kinds.entry(node.kind.name()).or_default() += 1;
    }
    let count = |k: NodeKind| kinds.get(k.name()).copied().unwrap_or(0);
    let sheets: usize = demo.previews.iter().map(|a| a.sheets.len()).sum();
    writeln!(
        out,
        "qlineage demo: a simulated Qlik Sense site crawled over TLS with certificate auth, in {:.1} s\n",
        elapsed.as_secs_f64()
    )?;
    writeln!(out, "Found")?;
    if let Some(summary) = &demo.crawl {
        writeln!(
            out,
            "  {} apps crawled ({} failed), {} sheets, {} visual objects",
            summary.crawled.len(),
            summary.failed.len(),
            sheets,
            count(NodeKind::VisualObject)
        )?;
        for (app, why) in &summary.failed {
            writeln!(out, "  crawl failed for {app}: {why}")?;
        }
    }
    writeln!(
        out,
        "  {} master measures, {} master dimensions, {} variables",
        count(NodeKind::MasterMeasure),
        count(NodeKind::MasterDimension),
        count(NodeKind::Variable)
    )?;
    writeln!(
        out,
        "  {} QVDs, {} database tables, {} other files feeding {} app tables",
        count(NodeKind::Qvd),
        count(NodeKind::DbTable),
        count(NodeKind::File),
        count(NodeKind::AppTable)
    )?;
    writeln!(
        out,
        "  lineage: {} nodes, {} edges, {} items left unresolved (listed in lineage.json)",
        graph.graph.node_count(),
        graph.graph.edge_count(),
        graph.unresolved.len()
    )?;
    let json = demo.out.join("lineage.json");
    writeln!(out, "\nTry next")?;
    for (why, node, direction) in impact_examples(graph) {
        let flag = match direction {
            Direction::Upstream => " --upstream",
            Direction::Downstream => "",
        };
        writeln!(out, "  # {why}")?;
        writeln!(
            out,
            "  qlineage impact --graph {}{flag} {}",
            shell_quote(&json.display().to_string()),
            shell_quote(&node)
        )?;
    }
    #[cfg(feature = "catalog")]
    {
        let db = shell_quote(&demo.catalog_path().display().to_string());
        writeln!(
            out,
            "  # The catalog: its records, and what changed since the last crawl"
        )?;
        writeln!(
            out,
            "  qlineage export --db {db} --format jsonl --kind report"
        )?;
        writeln!(out, "  qlineage changes --db {db}")?;
        #[cfg(feature = "serve")]
        {
            writeln!(out, "  # Explore it in a browser")?;
            writeln!(out, "  qlineage serve --db {db}")?;
        }
    }
    writeln!(
        out,
        "  (from the repository without installing: cargo run --release -- <command> …)"
    )?;
    writeln!(out, "\nFiles in {}", demo.out.display())?;
    #[cfg(feature = "catalog")]
    writeln!(
        out,
        "  {:<20} the catalog (SQLite, docs/catalog.md): the crawl, its records and lineage",
        "catalog.db"
    )?;
    for (name, what) in [
        (
            "snapshot/",
            "the crawl's snapshot, a site directory (docs/site-format.md)",
        ),
        (
            "lineage.json",
            "the lineage graph (docs/lineage.md); `qlineage impact` reads it",
        ),
        (
            "lineage.dot",
            "Graphviz: dot -Tsvg lineage.dot -o lineage.svg",
        ),
        (
            "openlineage.jsonl",
            "OpenLineage run events, one per app reload",
        ),
        (
            "previews/index.html",
            "every sheet as a wireframe (previews/<app>/<sheet>.svg)",
        ),
        (
            "crawl.toml",
            "the crawl configuration the demo used (certs/ beside it)",
        ),
    ] {
        writeln!(out, "  {:<20} {what}", name)?;
    }
    Ok(())
}

/// Three queries worth showing, chosen from the graph: what breaks if the most used QVD
/// changes, where the most derived master measure's numbers come from, and which apps
/// read the most used database table. A kind the estate lacks is skipped.
fn impact_examples(graph: &LineageGraph) -> Vec<(&'static str, String, Direction)> {
    let wanted = [
        (
            NodeKind::Qvd,
            Direction::Downstream,
            "What breaks if this QVD changes",
        ),
        (
            NodeKind::MasterMeasure,
            Direction::Upstream,
            "Where this master measure's numbers come from",
        ),
        (
            NodeKind::DbTable,
            Direction::Downstream,
            "Which apps, sheets and charts this database table feeds",
        ),
    ];
    let nodes = graph.graph.nodes();
    let mut examples = Vec::new();
    for (kind, direction, why) in wanted {
        let best = nodes
            .iter()
            .filter(|n| n.kind == kind)
            .map(|n| {
                let reached = query::impact(
                    &graph.graph,
                    &n.id,
                    ImpactOptions {
                        direction,
                        depth: None,
                        field_level: false,
                    },
                )
                .results
                .len();
                (reached, std::cmp::Reverse(n.id.clone()))
            })
            .max();
        if let Some((_, std::cmp::Reverse(id))) = best {
            examples.push((why, id, direction));
        }
    }
    examples
}

/// A POSIX shell word: left alone when it is plain, else in single quotes.
fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// A file name from an id: anything but letters, digits, `-`, `_` and `.` becomes `_`.
fn file_name(id: &str) -> String {
    let name: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.chars().all(|c| c == '.') {
        "_".into()
    } else {
        name
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    super::preview_command::write_file(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_survive_quoting() {
        assert_eq!(shell_quote("qvd:x/y.qvd"), "qvd:x/y.qvd");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote(r"qvd:\\srv\it's"), r"'qvd:\\srv\it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    #[test]
    fn ids_become_safe_file_names() {
        assert_eq!(file_name("8d0f-6b1e"), "8d0f-6b1e");
        assert_eq!(file_name("../x/y"), ".._x_y");
        assert_eq!(file_name(".."), "_");
    }
}
