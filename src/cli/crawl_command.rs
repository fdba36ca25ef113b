//! `qlineage crawl --config FILE --out DIR`: crawls a site into a site directory, with one
//! progress line per app (on a terminal, one line rewritten in place) and a summary.

use crate::crawl::{self, Config, Progress};
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct CrawlArgs {
    /// The crawl configuration (TOML; `qlineage init` writes a sample).
    #[arg(long)]
    pub config: PathBuf,
    /// The site directory to write (docs/site-format.md).
    #[arg(long)]
    pub out: PathBuf,
    /// Print the summary as JSON on stdout.
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::Format,
}

pub fn run(args: &CrawlArgs) -> i32 {
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    if config.tls.insecure {
        eprintln!("warning: tls.insecure is on: server certificates are NOT checked; anyone on the network path can read the credentials and the data of this crawl");
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
    let cancel = Arc::new(AtomicBool::new(false));
    let terminal = std::io::stderr().is_terminal();
    let total = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let progress = |p: Progress| {
        let mut err = std::io::stderr().lock();
        match p {
            Progress::Phase(phase) => {
                let _ = writeln!(err, "crawl: {phase}");
            }
            Progress::Apps { total: t } => total.store(t, Ordering::SeqCst),
            Progress::AppDone { name, ok } => {
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                let t = total.load(Ordering::SeqCst);
                let mark = if ok { "ok" } else { "FAILED" };
                if terminal {
                    let _ = write!(err, "\r\x1b[2K[{n}/{t}] {mark} {name}");
                    if n == t {
                        let _ = writeln!(err);
                    }
                } else {
                    let _ = writeln!(err, "[{n}/{t}] {mark} {name}");
                }
            }
        }
    };
    let result = runtime.block_on(async {
        let watcher = {
            let cancel = Arc::clone(&cancel);
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("\ncrawl: stopping after the apps in flight (Ctrl-C again to abort)");
                    cancel.store(true, Ordering::SeqCst);
                    if tokio::signal::ctrl_c().await.is_ok() {
                        std::process::exit(130);
                    }
                }
            })
        };
        let r = crawl::crawl(&config, &args.out, Arc::clone(&cancel), &progress).await;
        watcher.abort();
        r
    });
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    match args.format {
        super::Format::Json => {
            println!("{}", serde_json::to_string(&summary).unwrap_or_default());
        }
        super::Format::Human => {
            eprintln!(
                "crawled {} apps, skipped {}, failed {} in {:.1} s{}",
                summary.crawled.len(),
                summary.skipped.len(),
                summary.failed.len(),
                summary.seconds,
                if summary.cancelled {
                    " (stopped early)"
                } else {
                    ""
                }
            );
            for (app, why) in &summary.skipped {
                eprintln!("  skipped {app}: {why}");
            }
            for (app, why) in &summary.failed {
                eprintln!("  failed  {app}: {why}");
            }
        }
    }
    i32::from(!summary.failed.is_empty() || summary.cancelled)
}
