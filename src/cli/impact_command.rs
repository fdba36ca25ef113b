//! `qlineage impact`: what feeds a node, or what it feeds, with the path to each result.

use std::io::Write;
use std::path::PathBuf;

use super::Format;
use crate::lineage::export::json;
use crate::lineage::query::{self, Direction, ImpactOptions};

#[derive(clap::Args, Debug)]
pub struct ImpactArgs {
    /// A node id (as `qlineage lineage --format json` lists them) or a name only one node has.
    #[arg(value_name = "NODE")]
    pub node: String,
    /// Everything that feeds the node.
    #[arg(long, conflicts_with = "downstream")]
    pub upstream: bool,
    /// Everything the node feeds (the default): what breaks if it changes.
    #[arg(long)]
    pub downstream: bool,
    /// At most this many edges away.
    #[arg(long, value_name = "N")]
    pub depth: Option<usize>,
    /// List fields and columns too, not only datasets, tables, apps and charts.
    #[arg(long)]
    pub field_level: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The graph, as written by `qlineage lineage --format json`.
    #[arg(long, value_name = "FILE.json")]
    pub graph: PathBuf,
}

pub fn run(args: &ImpactArgs) -> i32 {
    let text = match std::fs::read_to_string(&args.graph) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {e}", args.graph.display());
            return 2;
        }
    };
    let graph = match json::read(&text) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {}: {e}", args.graph.display());
            return 2;
        }
    };
    let node = match query::find(&graph, &args.node) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let options = ImpactOptions {
        direction: if args.upstream {
            Direction::Upstream
        } else {
            Direction::Downstream
        },
        depth: args.depth,
        field_level: args.field_level,
    };
    let impact = query::impact(&graph, &node, options);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match args.format {
        Format::Json => serde_json::to_writer_pretty(&mut out, &impact)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        Format::Human => write_human(&mut out, &impact),
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: {e}");
            return 2;
        }
    }
    0
}

fn write_human(out: &mut dyn Write, impact: &query::Impact) -> std::io::Result<()> {
    let what = match impact.direction {
        Direction::Upstream => "feeds",
        Direction::Downstream => "is fed by",
    };
    writeln!(
        out,
        "{} nodes: what {what} {}",
        impact.results.len(),
        impact.node
    )?;
    let mut app: Option<&Option<String>> = None;
    let mut sorted: Vec<&query::Reached> = impact.results.iter().collect();
    sorted.sort_by(|a, b| (&a.app, a.depth, &a.id).cmp(&(&b.app, b.depth, &b.id)));
    for r in sorted {
        if app != Some(&r.app) {
            app = Some(&r.app);
            writeln!(
                out,
                "\n{}",
                r.app
                    .as_deref()
                    .map_or("outside apps".to_string(), |a| format!("app {a}"))
            )?;
        }
        let via: Vec<String> = r
            .path
            .iter()
            .map(|s| format!("{} ({})", s.kind.name(), s.certainty))
            .collect();
        writeln!(
            out,
            "  {:<20} {}  [{} step(s): {}]",
            r.kind.name(),
            r.id,
            r.depth,
            via.join(", ")
        )?;
    }
    for cycle in &impact.cycles {
        writeln!(out, "\ncycle (walked once): {}", cycle.join(" → "))?;
    }
    Ok(())
}
