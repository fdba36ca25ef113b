mod cli;

use clap::Parser;

/// Metadata catalog and data lineage for Qlik Sense estates.
#[derive(Parser)]
#[command(name = "qlineage", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Read QVD headers, lineage and profiles.
    Qvd(cli::qvd_command::QvdArgs),
}

fn main() {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Qvd(args) => cli::qvd_command::run(args),
    };
    std::process::exit(code);
}
