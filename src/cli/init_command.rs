//! `qlineage init [--auth METHOD]`: prints a commented crawl configuration to stdout.

use crate::crawl::config::{sample, AuthMethod};
use clap::Args;
use std::io::Write;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// How the crawler authenticates.
    #[arg(long, value_enum, default_value = "certificate")]
    pub auth: AuthMethod,
}

pub fn run(args: &InitArgs) -> i32 {
    let mut out = std::io::stdout().lock();
    match out.write_all(sample(args.auth).as_bytes()) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}
