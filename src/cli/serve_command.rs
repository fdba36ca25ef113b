//! `qlineage serve`: the lineage explorer over HTTP (docs/api.md).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use super::lineage_command;
use super::resolve_args::ResolveArgs;
use crate::web::{server, Explorer};

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub resolve: ResolveArgs,
    /// A manual-lineage file (TOML, see docs/lineage.md; repeatable).
    #[arg(long, value_name = "FILE")]
    pub manual: Vec<PathBuf>,
    /// A folder alias FROM=TO (repeatable), as for `qlineage lineage`.
    #[arg(long, value_name = "FROM=TO")]
    pub alias: Vec<String>,
    /// The last reload's script log of an app: APP=FILE (repeatable).
    #[arg(long = "script-log", value_name = "APP=FILE")]
    pub script_log: Vec<String>,
    /// Serve a catalog (SQLite) instead of lineage inputs.
    #[arg(long, value_name = "FILE", conflicts_with = "paths")]
    pub db: Option<PathBuf>,
    /// The address to listen on (port 0: any free port; the address is printed).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8787")]
    pub bind: SocketAddr,
    /// Allow binding to an address other machines can reach (the explorer has no login).
    #[arg(long)]
    pub allow_remote: bool,
    /// Stop when standard input closes: a parent process (a test, an editor plugin) that
    /// dies takes the server with it instead of leaving it running.
    #[arg(long, hide = true)]
    pub exit_with_stdin: bool,
    /// Script files, app folders, folders of apps, or site snapshots (as for `lineage`).
    #[arg(value_name = "PATH", required_unless_present = "db")]
    pub paths: Vec<PathBuf>,
}

pub fn run(args: &ServeArgs) -> i32 {
    if !server::is_loopback(&args.bind) {
        if !args.allow_remote {
            eprintln!(
                "error: --bind {}: not a loopback address; the explorer has no login, so serving other machines needs --allow-remote",
                args.bind
            );
            return 2;
        }
        eprintln!(
            "warning: serving on {}: anyone who can reach this address can read the estate's lineage and scripts",
            args.bind
        );
    }
    let explorer = match &args.db {
        Some(db) => match Explorer::from_catalog(db) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        },
        None => match lineage_command::build(
            &args.resolve,
            &args.manual,
            &args.alias,
            &args.script_log,
            &args.paths,
        ) {
            Ok(graph) => Explorer::from_lineage(graph),
            Err(message) => {
                eprintln!("error: {message}");
                return 2;
            }
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the server runtime: {e}");
            return 2;
        }
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(args.bind).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("error: --bind {}: {e}", args.bind);
                return 2;
            }
        };
        let address = listener.local_addr().unwrap_or(args.bind);
        let lineage = explorer.lineage();
        eprintln!(
            "{} apps, {} nodes, {} edges, {} unresolved",
            lineage.apps,
            lineage.graph.node_count(),
            lineage.graph.edge_count(),
            lineage.unresolved.len()
        );
        // The one line on standard output: scripts and tests read the address from it.
        println!("qlineage explorer on http://{address}/");
        let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
        if args.exit_with_stdin {
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
                let _ = closed_tx.send(());
            });
        } else {
            // Never sent: the server runs until stopped.
            std::mem::forget(closed_tx);
        }
        tokio::select! {
            () = server::serve(listener, Arc::new(explorer)) => 0,
            _ = tokio::signal::ctrl_c() => 0,
            _ = closed_rx => 0,
        }
    })
}
