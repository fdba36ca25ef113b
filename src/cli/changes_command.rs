//! `qlineage changes --db FILE [--since RUN]`: what changed between crawls, and broken lineage.
//! Exit 1 when the latest lineage build found lineage that broke since the build before.

use std::path::PathBuf;

use crate::catalog::changes::Changes;

#[derive(clap::Args, Debug)]
pub struct ChangesArgs {
    #[arg(long)]
    pub db: PathBuf,
    /// Changes made after this run (its id, from `qlineage catalog status`); default: the
    /// last run's changes.
    #[arg(long, value_name = "RUN")]
    pub since: Option<i64>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::Format,
}

fn human(changes: &Changes) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let runs: Vec<String> = changes.runs.iter().map(|r| r.id.to_string()).collect();
    let _ = writeln!(
        s,
        "{} changes in run{} {} (after run {})",
        changes.items.len(),
        if runs.len() == 1 { "" } else { "s" },
        if runs.is_empty() {
            "-".into()
        } else {
            runs.join(", ")
        },
        changes.since_run
    );
    let mut app = None;
    for c in &changes.items {
        if app != Some(&c.app_id) {
            let _ = writeln!(s, "\n{} ({})", c.app_name, c.app_id);
            app = Some(&c.app_id);
        }
        let detail = if c.detail.is_empty() {
            String::new()
        } else {
            format!(" [{}]", c.detail)
        };
        let name = if c.name.is_empty() || c.item == "app" || c.item == "script" {
            String::new()
        } else {
            format!(" `{}`", c.name)
        };
        let id = if c.item == "app" || c.item == "script" {
            String::new()
        } else {
            format!(" {}", c.item_id)
        };
        let _ = writeln!(s, "  {:<8} {}{id}{name}{detail}", c.change, c.item);
    }
    match &changes.broken {
        None => {
            let _ = writeln!(
                s,
                "\nbroken lineage: not known (lineage never built: `qlineage lineage --db`)"
            );
        }
        Some(broken) if broken.is_empty() => {
            let _ = writeln!(s, "\nbroken lineage: none");
        }
        Some(broken) => {
            let _ = writeln!(s, "\nbroken lineage ({}):", broken.len());
            for b in broken {
                let _ = writeln!(
                    s,
                    "  {}{}: {}",
                    if b.new { "NEW " } else { "" },
                    b.kind,
                    b.message
                );
            }
        }
    }
    s
}

pub fn run(args: &ChangesArgs) -> i32 {
    let catalog = match super::catalog_command::open_read(&args.db) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let changes = match catalog.changes(args.since) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    match args.format {
        super::Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&changes).unwrap_or_default()
        ),
        super::Format::Human => print!("{}", human(&changes)),
    }
    let newly_broken = changes
        .broken
        .as_ref()
        .is_some_and(|b| b.iter().any(|b| b.new));
    i32::from(newly_broken)
}
