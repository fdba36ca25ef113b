use clap::Parser;

fn main() {
    let cli = qlineage::cli::Cli::parse();
    std::process::exit(qlineage::cli::run(cli));
}
