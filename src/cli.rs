//! The command line: clap definitions and the commands that drive the library.
//!
//! Exit codes (stable): 0 success, 1 the input has errors, 2 usage or I/O failure.

#[cfg(feature = "crawl")]
mod crawl_command;
mod impact_command;
#[cfg(feature = "crawl")]
mod init_command;
mod lineage_command;
pub mod model_command;
mod parse_command;
pub mod qvd_command;
pub mod resolve_args;
#[cfg(feature = "serve")]
mod serve_command;
#[cfg(feature = "simulate")]
mod simulate_command;
#[cfg(feature = "crawl")]
mod validate_command;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "qlineage",
    version,
    about = "Metadata catalog and data lineage for Qlik Sense estates"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse load scripts and report syntax diagnostics.
    Parse(parse_command::ParseArgs),
    /// Read QVD headers, lineage and (optionally) field profiles.
    Qvd(qvd_command::QvdArgs),
    /// Resolve apps' load scripts and print the data model they build.
    Model(model_command::ModelArgs),
    Lineage(lineage_command::LineageArgs),
    Impact(impact_command::ImpactArgs),
    /// Serve the lineage explorer (web app and JSON API) on loopback.
    #[cfg(feature = "serve")]
    Serve(serve_command::ServeArgs),
    /// Serve a site directory as a Qlik Sense node (QRS, engine, proxy) on loopback.
    #[cfg(feature = "simulate")]
    Simulate(simulate_command::SimulateArgs),
    /// Crawl a Qlik Sense site (QRS + engine) into a site directory.
    #[cfg(feature = "crawl")]
    Crawl(crawl_command::CrawlArgs),
    /// Print a commented crawl configuration (TOML) for an authentication method.
    #[cfg(feature = "crawl")]
    Init(init_command::InitArgs),
    /// Check a crawl configuration step by step (DNS, TCP, TLS, login, QRS, engine).
    #[cfg(feature = "crawl")]
    Validate(validate_command::ValidateArgs),
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
}

/// Runs the command and returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Parse(args) => parse_command::run(&args),
        Command::Qvd(args) => qvd_command::run(&args),
        Command::Model(args) => model_command::run(&args),
        Command::Lineage(args) => lineage_command::run(&args),
        Command::Impact(args) => impact_command::run(&args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve_command::run(&args),
        #[cfg(feature = "simulate")]
        Command::Simulate(args) => simulate_command::run(&args),
        #[cfg(feature = "crawl")]
        Command::Crawl(args) => crawl_command::run(&args),
        #[cfg(feature = "crawl")]
        Command::Init(args) => init_command::run(&args),
        #[cfg(feature = "crawl")]
        Command::Validate(args) => validate_command::run(&args),
    }
}
