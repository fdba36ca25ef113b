//! `qlineage validate --config FILE`: checks the connection step by step. Exit 0 only when
//! every check passes, 1 when one fails, 2 when the configuration cannot be read.

use crate::crawl::{validate, Config};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[arg(long)]
    pub config: PathBuf,
    #[arg(long, value_enum, default_value = "human")]
    pub format: super::Format,
}

pub fn run(args: &ValidateArgs) -> i32 {
    let config = match Config::load(&args.config) {
        Ok(c) => c,
        Err(e) => {
            match args.format {
                super::Format::Json => println!(
                    "{}",
                    serde_json::json!({"ok": false, "checks": [{"step": "configuration", "target": args.config.display().to_string(), "ok": false, "cause": e.to_string(), "fix": "fix the file; qlineage init writes a commented sample"}]})
                ),
                super::Format::Human => eprintln!("FAIL configuration: {e}"),
            }
            return 2;
        }
    };
    if config.tls.insecure {
        eprintln!("warning: tls.insecure is on: server certificates are NOT checked");
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
    let checks = runtime.block_on(validate::validate(&config));
    let ok = checks.iter().all(|c| c.ok);
    match args.format {
        super::Format::Json => println!("{}", serde_json::json!({"ok": ok, "checks": checks})),
        super::Format::Human => {
            println!("ok   configuration {}", args.config.display());
            for c in &checks {
                if c.ok {
                    println!("ok   {} {}", c.step, c.target);
                } else {
                    println!(
                        "FAIL {} {}\n     cause: {}\n     fix:   {}",
                        c.step, c.target, c.cause, c.fix
                    );
                }
            }
        }
    }
    i32::from(!ok)
}
