//! `qlineage lineage … --format openlineage --url URL`: the events posted to an OpenLineage
//! endpoint instead of (or, with `-o`, besides) written to a file. The catalog's `export
//! --db FILE --format openlineage --url URL` is meant to call [`run`] too.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use serde_json::Value;

use crate::crawl::secret::SecretRef;
use crate::push::{self, PushError, PushOptions};

#[derive(clap::Args, Debug, Clone)]
pub struct PushArgs {
    /// Post the OpenLineage events to this endpoint (`POST URL/api/v1/lineage`, Marquez's
    /// API, which DataHub and OpenMetadata also accept), one event per request.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Where the endpoint's API key lives (`env:NAME`, `file:PATH` or `cmd:COMMAND`); sent
    /// as a Bearer token. The key itself is never taken on the command line.
    #[arg(long, value_name = "REF", requires = "url")]
    pub api_key_ref: Option<String>,
    /// A PEM file of roots to trust besides the system's (a private CA).
    #[arg(long, value_name = "FILE", requires = "url")]
    pub ca_cert: Option<PathBuf>,
    /// Retries of an event on connection errors, 429 and 5xx.
    #[arg(long, value_name = "N", default_value_t = 4, requires = "url")]
    pub retries: u32,
}

impl PushArgs {
    pub fn wanted(&self) -> bool {
        self.url.is_some()
    }
}

/// Pushes `events` and reports on standard error; returns the exit code: 0 all accepted,
/// 1 some refused, 2 usage or I/O (no key, endpoint unreachable).
pub fn run(args: &PushArgs, events: &[Value]) -> i32 {
    let Some(url) = &args.url else {
        return 0;
    };
    let mut options = PushOptions::new(url.clone());
    options.ca_cert = args.ca_cert.clone();
    options.retries = args.retries;
    if let Some(reference) = &args.api_key_ref {
        let key = SecretRef::parse(reference)
            .and_then(|r| r.resolve(std::path::Path::new(".")))
            .map_err(|e| e.to_string());
        match key {
            Ok(key) => options.api_key = Some(key),
            Err(message) => {
                eprintln!("error: --api-key-ref: {message}");
                return 2;
            }
        }
        if url.trim_start().to_ascii_lowercase().starts_with("http://") {
            eprintln!("warning: the API key goes to {url} over plain HTTP: anyone on the network path can read it");
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return 2;
        }
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(events.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("events {bar:40} {pos}/{len} {elapsed}")
        {
            bar.set_style(style);
        }
        bar
    });
    let progress = |done: usize, _total: usize| {
        if let Some(bar) = &bar {
            bar.set_position(done as u64);
        }
    };
    let result = runtime.block_on(push::push(events, &options, &progress));
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let mut err = std::io::stderr().lock();
    let report = match result {
        Ok(report) => report,
        Err(PushError::Unreachable {
            report,
            url,
            attempts,
            message,
            ..
        }) => {
            print_refused(&mut err, &report);
            let _ = writeln!(
                err,
                "error: {url} cannot be reached after {attempts} attempts: {message}"
            );
            let _ = writeln!(
                err,
                "pushed {} of {} events before stopping; nothing else was sent",
                report.accepted,
                events.len()
            );
            return 2;
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    print_refused(&mut err, &report);
    let _ = writeln!(
        err,
        "pushed {} events to {}: {} accepted, {} refused{}",
        events.len(),
        push::lineage_url(url)
            .map(|u| u.to_string())
            .unwrap_or_default(),
        report.accepted,
        report.refused.len(),
        if report.retries > 0 {
            format!(" ({} retries)", report.retries)
        } else {
            String::new()
        }
    );
    i32::from(!report.refused.is_empty())
}

fn print_refused(err: &mut dyn Write, report: &push::PushReport) {
    for r in &report.refused {
        let _ = writeln!(
            err,
            "error: event {} ({}) refused with HTTP {} after {} attempt(s): {}",
            r.index + 1,
            r.event,
            r.status,
            r.attempts,
            if r.body.is_empty() {
                "(empty answer)"
            } else {
                &r.body
            }
        );
    }
}
