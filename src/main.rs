use clap::Parser;

/// mimalloc: parsing builds millions of small nodes, and glibc's allocator spent a fifth of
/// the parse time in malloc/free and returning pages to the kernel.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = qlineage::cli::Cli::parse();
    std::process::exit(qlineage::cli::run(cli));
}
