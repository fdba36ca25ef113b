//! `qlineage simulate`: serves a site directory as a Qlik Sense node until interrupted.

use crate::simulate::{self, faults::Faults, Config};
use clap::Args;
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The site directory (see docs/site-format.md); the demo is corpus/site.
    #[arg(long)]
    pub site: PathBuf,
    /// Address to listen on. Loopback unless you name another.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Print the demo user's connection settings as one JSON line on stdout first.
    #[arg(long)]
    pub print_config: bool,
    /// Directory holding root.pem, server.pem, server_key.pem, client.pem, client_key.pem;
    /// made there when missing. Default: a fresh directory under the system temp dir.
    #[arg(long)]
    pub certs: Option<PathBuf>,
    /// A JSON file of faults to inject (latency, 5xx rates, drops…; see docs/simulate.md).
    #[arg(long)]
    pub faults: Option<PathBuf>,
    /// Fixed ports (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub qrs_port: u16,
    #[arg(long, default_value_t = 0)]
    pub engine_port: u16,
    #[arg(long, default_value_t = 0)]
    pub proxy_port: u16,
    /// Write a ready-to-use crawl configuration (TOML) for the demo user to this file, its
    /// secrets in files beside it, before serving.
    #[arg(long)]
    pub write_config: Option<PathBuf>,
    /// Multiply the site's apps to N (copies with their own ids), for benchmarks.
    #[arg(long, default_value_t = 0)]
    pub scale: usize,
    /// The authentication of the written configuration.
    #[arg(long, default_value = "certificate", value_parser = ["certificate", "windows", "jwt", "header"])]
    pub auth: String,
}

pub fn run(args: &SimulateArgs) -> i32 {
    let faults = match &args.faults {
        Some(path) => match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<Faults>(&b).map_err(|e| e.to_string()))
        {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                return 2;
            }
        },
        None => Faults::default(),
    };
    let certs = args.certs.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("qlineage-simulate-{}", std::process::id()))
    });
    let mut config = Config::new(&args.site, certs);
    config.bind = args.bind;
    config.faults = faults;
    config.qrs_port = args.qrs_port;
    config.engine_port = args.engine_port;
    config.proxy_port = args.proxy_port;
    config.scale = args.scale;
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
    runtime.block_on(async {
        let running = match simulate::start(config).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        };
        if args.print_config {
            match running.client_config() {
                Ok(c) => {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{c}");
                    let _ = out.flush();
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return 2;
                }
            }
        }
        if let Some(path) = &args.write_config {
            if let Err(e) = running.write_crawl_config(path, &args.auth) {
                eprintln!("error: {e}");
                return 2;
            }
            eprintln!("wrote the crawl configuration {} ({})", path.display(), args.auth);
        }
        eprintln!(
            "simulating site `{}` ({} apps): QRS https://{}  engine wss://{}  proxy https://{}  (Ctrl-C stops)",
            running.site.name,
            running.site.apps.len(),
            running.qrs,
            running.engine,
            running.proxy
        );
        let _ = tokio::signal::ctrl_c().await;
        0
    })
}
