//! `qlineage crawl --config FILE --out DIR` and/or `--db FILE`: crawls a site into a site
//! directory and/or the catalog (delta unless `--full`), with one progress line per app (on a
//! terminal, one line rewritten in place) and a summary.

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
    #[arg(long, required_unless_present = "db")]
    pub out: Option<PathBuf>,
    /// The catalog to crawl into (SQLite, created if missing; docs/catalog.md). Only apps
    /// modified, reloaded or with modified objects since the last successful crawl are read.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Read every app, not only those changed since the last crawl (with --db).
    #[arg(long, requires = "db")]
    pub full: bool,
    /// Do not rebuild the catalog's lineage after the crawl (with --db).
    #[arg(long, requires = "db")]
    pub no_lineage: bool,
    /// Print the summary as JSON on stdout.
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::Format,
}

enum Outcome {
    Folder(crawl::Summary),
    #[cfg(feature = "catalog")]
    Catalog(crate::catalog::crawl_run::CrawlReport),
}

/// The lineage options a crawl configuration's `[paths]` give: mounts, include scripts and
/// QVDs read from this machine.
pub(crate) fn lineage_options(config: &Config) -> Result<crate::lineage::LineageOptions, String> {
    use crate::semantic::mounts::Mount;
    let mut options = crate::lineage::LineageOptions::default();
    for (server, local) in &config.paths.mounts {
        let mount =
            Mount::new(server, &config.path(local)).map_err(|e| format!("[paths.mounts]: {e}"))?;
        options.connections.add_mount(mount);
    }
    let folder = |key: &str, p: &Option<PathBuf>| -> Result<Option<PathBuf>, String> {
        match p {
            Some(p) if !config.path(p).is_dir() => Err(format!(
                "[paths] {key}: the folder {} does not exist",
                config.path(p).display()
            )),
            Some(p) => Ok(Some(config.path(p))),
            None => Ok(None),
        }
    };
    options
        .resolve
        .include_dirs
        .extend(folder("qvs_scripts", &config.paths.qvs_scripts)?);
    options
        .resolve
        .qvd_dirs
        .extend(folder("qvd", &config.paths.qvd)?);
    folder("logs", &config.paths.logs)?;
    Ok(options)
}

pub fn run(args: &CrawlArgs) -> i32 {
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    // Checked before crawling: a mistyped folder should not cost a whole crawl.
    if let Err(e) = lineage_options(&config) {
        eprintln!("error: {}: {e}", args.config.display());
        return 2;
    }
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
    // On a terminal one bar per phase (indicatif); otherwise plain log lines.
    let bar = std::sync::Mutex::new(None::<indicatif::ProgressBar>);
    let progress = |p: Progress| {
        let mut err = std::io::stderr().lock();
        match p {
            Progress::Phase(phase) => {
                if let Ok(mut b) = bar.lock() {
                    if let Some(old) = b.take() {
                        old.finish_and_clear();
                    }
                    if terminal {
                        let spinner = indicatif::ProgressBar::new_spinner();
                        spinner.set_message(phase);
                        spinner.enable_steady_tick(std::time::Duration::from_millis(120));
                        *b = Some(spinner);
                        return;
                    }
                }
                let _ = writeln!(err, "crawl: {phase}");
            }
            Progress::Apps { total: t } => {
                total.store(t, Ordering::SeqCst);
                if terminal {
                    if let Ok(mut b) = bar.lock() {
                        if let Some(old) = b.take() {
                            old.finish_and_clear();
                        }
                        let apps = indicatif::ProgressBar::new(t as u64);
                        if let Ok(style) = indicatif::ProgressStyle::with_template(
                            "apps {bar:40} {pos}/{len} {elapsed} {msg}",
                        ) {
                            apps.set_style(style);
                        }
                        *b = Some(apps);
                    }
                }
            }
            Progress::AppDone { name, ok } => {
                let n = done.fetch_add(1, Ordering::SeqCst) + 1;
                let t = total.load(Ordering::SeqCst);
                let mark = if ok { "ok" } else { "FAILED" };
                match bar.lock().ok().and_then(|b| b.clone()) {
                    Some(b) if terminal => {
                        b.inc(1);
                        b.set_message(name.clone());
                        if !ok {
                            b.println(format!("FAILED {name}"));
                        }
                    }
                    _ => {
                        let _ = writeln!(err, "[{n}/{t}] {mark} {name}");
                    }
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
        let r = match (&args.db, &args.out) {
            #[cfg(feature = "catalog")]
            (Some(db), out) => crate::catalog::crawl_run::crawl_to_catalog(
                &config,
                db,
                out.as_deref(),
                args.full,
                Arc::clone(&cancel),
                &progress,
            )
            .await
            .map(Outcome::Catalog)
            .map_err(|e| e.to_string()),
            (_, Some(out)) => crawl::crawl(&config, out, Arc::clone(&cancel), &progress)
                .await
                .map(Outcome::Folder)
                .map_err(|e| e.to_string()),
            _ => Err("give --out DIR or --db FILE (or both)".to_string()),
        };
        watcher.abort();
        r
    });
    if let Ok(mut b) = bar.lock() {
        if let Some(old) = b.take() {
            old.finish_and_clear();
        }
    }
    let outcome = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let summary = match &outcome {
        Outcome::Folder(s) => s.clone(),
        #[cfg(feature = "catalog")]
        Outcome::Catalog(r) => r.summary.clone(),
    };
    #[cfg(feature = "catalog")]
    let mut lineage_line = None;
    #[cfg(feature = "catalog")]
    if let (Outcome::Catalog(_), Some(db), false) = (&outcome, &args.db, args.no_lineage) {
        if !summary.cancelled {
            let started = std::time::Instant::now();
            let built = crate::catalog::Catalog::open(db)
                // The crawl stored the configuration's [paths]; the build reads them back,
                // as a later `lineage --db` will.
                .and_then(|mut c| {
                    c.build_lineage_counted(crate::lineage::LineageOptions::default())
                });
            match built {
                Ok((g, counts)) => {
                    for gone in &counts.paths_gone {
                        eprintln!("warning: stored [paths] folder skipped: {gone}");
                    }
                    lineage_line = Some(format!(
                        "lineage rebuilt from the catalog: {} apps ({} resolved, {} reused), {} nodes, {} edges in {:.1} s",
                        g.apps,
                        counts.resolved,
                        counts.reused,
                        g.graph.node_count(),
                        g.graph.edge_count(),
                        started.elapsed().as_secs_f64()
                    ))
                }
                Err(e) => {
                    eprintln!("error: the crawl is stored, but building lineage failed: {e}");
                    return 2;
                }
            }
        }
    }
    match args.format {
        super::Format::Json => {
            let text = match &outcome {
                Outcome::Folder(s) => serde_json::to_string(s),
                #[cfg(feature = "catalog")]
                Outcome::Catalog(r) => serde_json::to_string(r),
            };
            println!("{}", text.unwrap_or_default());
        }
        super::Format::Human => {
            #[cfg(feature = "catalog")]
            if let Outcome::Catalog(r) = &outcome {
                eprintln!(
                    "catalog run {} ({}{}): {} engine sessions, {} apps unchanged, {} deleted",
                    r.run,
                    r.kind,
                    r.since
                        .as_deref()
                        .map(|s| format!(" since {s}"))
                        .unwrap_or_default(),
                    summary.engine_sessions,
                    summary.unchanged.len(),
                    r.deleted.len()
                );
                for (_, name) in &r.deleted {
                    eprintln!("  deleted {name}");
                }
            }
            #[cfg(feature = "catalog")]
            if let Some(line) = &lineage_line {
                eprintln!("{line}");
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crawl::config::{sample, AuthMethod};

    fn config(paths: &str, base: &std::path::Path) -> Config {
        // The sample's empty `[paths.mounts]` table would clash with an inline `mounts`.
        let text = sample(AuthMethod::Certificate)
            .replace("[paths.mounts]\n", "")
            .replace("[paths]\n", &format!("[paths]\n{paths}\n"));
        let mut c = Config::parse(&text, std::path::Path::new("site.toml"))
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        c.base_dir = base.to_path_buf();
        c
    }

    #[test]
    fn paths_become_mounts_and_search_folders_relative_to_the_file() {
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let c = config(
            "qvd = \"corpus/site/files/QVD\"\nqvs_scripts = \"corpus/site/files/Scripts\"\nmounts = { '\\\\fs\\qlik' = \"corpus/site/files\" }",
            base,
        );
        let o = lineage_options(&c).expect("folders exist");
        assert_eq!(o.resolve.qvd_dirs, [base.join("corpus/site/files/QVD")]);
        assert_eq!(
            o.resolve.include_dirs,
            [base.join("corpus/site/files/Scripts")]
        );
        assert_eq!(
            o.connections.mounted(r"\\FS\qlik\QVD\x.qvd"),
            Some(base.join("corpus/site/files").join("QVD").join("x.qvd"))
        );
    }

    #[test]
    fn a_missing_folder_is_named_before_anything_is_crawled() {
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let e = lineage_options(&config("logs = \"no/such/logs\"", base)).unwrap_err();
        assert!(
            e.contains("[paths] logs") && e.contains("no/such/logs"),
            "{e}"
        );
        let e = lineage_options(&config("mounts = { '//fs/q' = \"nowhere\" }", base)).unwrap_err();
        assert!(e.contains("[paths.mounts]") && e.contains("nowhere"), "{e}");
    }
}
