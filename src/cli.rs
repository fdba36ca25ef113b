//! The command line: clap definitions and the commands that drive the library.
//!
//! Exit codes (stable): 0 success, 1 the input has errors, 2 usage or I/O failure.

#[cfg(feature = "catalog")]
mod catalog_command;
#[cfg(feature = "catalog")]
mod changes_command;
#[cfg(feature = "crawl")]
mod crawl_command;
#[cfg(all(feature = "simulate", feature = "crawl"))]
mod demo_command;
#[cfg(feature = "catalog")]
pub mod export_command;
mod impact_command;
#[cfg(feature = "crawl")]
mod init_command;
mod lineage_command;
mod lint_command;
#[cfg(feature = "catalog")]
mod manual_command;
pub mod model_command;
pub mod model_json;
mod parse_command;
mod preview_command;
#[cfg(feature = "crawl")]
mod push_args;
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
    /// The whole product in one command: simulate a site, crawl it, build lineage, draw sheets.
    #[cfg(all(feature = "simulate", feature = "crawl"))]
    Demo(demo_command::DemoArgs),
    /// Parse load scripts and report syntax diagnostics.
    Parse(parse_command::ParseArgs),
    /// Read QVD headers, lineage and (optionally) field profiles.
    Qvd(qvd_command::QvdArgs),
    /// Resolve apps' load scripts and print the data model they build.
    Model(model_command::ModelArgs),
    Lineage(lineage_command::LineageArgs),
    Impact(impact_command::ImpactArgs),
    /// Draw an app's sheets as SVG or HTML wireframes, each object where Qlik draws it.
    Preview(preview_command::PreviewArgs),
    /// Lint load scripts: correctness, suspicious patterns, performance, security (docs/lint.md).
    Lint(lint_command::LintArgs),
    /// Print the lint rule catalogue (markdown or JSON).
    Rules(lint_command::RulesArgs),
    /// Serve the lineage explorer (web app and JSON API) on loopback.
    #[cfg(feature = "serve")]
    Serve(serve_command::ServeArgs),
    /// Serve a site directory as a Qlik Sense node (QRS, engine, proxy) on loopback.
    #[cfg(feature = "simulate")]
    Simulate(simulate_command::SimulateArgs),
    /// Crawl a Qlik Sense site (QRS + engine) into a site directory and/or the catalog.
    #[cfg(feature = "crawl")]
    Crawl(crawl_command::CrawlArgs),
    /// Print a commented crawl configuration (TOML) for an authentication method.
    #[cfg(feature = "crawl")]
    Init(init_command::InitArgs),
    /// Check a crawl configuration step by step (DNS, TCP, TLS, login, QRS, engine).
    #[cfg(feature = "crawl")]
    Validate(validate_command::ValidateArgs),
    /// Import a snapshot into the catalog, migrate it, or show its runs.
    #[cfg(feature = "catalog")]
    Catalog(catalog_command::CatalogArgs),
    /// Write the catalog's records (report groups, reports, fields, source code).
    #[cfg(feature = "catalog")]
    Export(export_command::ExportArgs),
    /// What changed between crawls, and broken lineage.
    #[cfg(feature = "catalog")]
    Changes(changes_command::ChangesArgs),
    /// Manual lineage in the catalog: add, list, remove, import.
    #[cfg(feature = "catalog")]
    Manual(manual_command::ManualArgs),
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
        #[cfg(all(feature = "simulate", feature = "crawl"))]
        Command::Demo(args) => demo_command::run(&args),
        Command::Parse(args) => parse_command::run(&args),
        Command::Qvd(args) => qvd_command::run(&args),
        Command::Model(args) => model_command::run(&args),
        Command::Lineage(args) => lineage_command::run(&args),
        Command::Impact(args) => impact_command::run(&args),
        Command::Preview(args) => preview_command::run(&args),
        Command::Lint(args) => lint_command::run(&args),
        Command::Rules(args) => lint_command::run_rules(&args),
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
        #[cfg(feature = "catalog")]
        Command::Catalog(args) => catalog_command::run(&args),
        #[cfg(feature = "catalog")]
        Command::Export(args) => export_command::run(&args),
        #[cfg(feature = "catalog")]
        Command::Changes(args) => changes_command::run(&args),
        #[cfg(feature = "catalog")]
        Command::Manual(args) => manual_command::run(&args),
    }
}
