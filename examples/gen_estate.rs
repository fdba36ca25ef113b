//! Writes a synthetic estate of N apps: `cargo run --release --example gen_estate -- N DIR`,
//! then `qlineage lineage --connections DIR/connections.json DIR/apps`.
#[path = "../benches/estate.rs"]
mod estate;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "target/estate".into()));
    if let Err(e) = estate::write(&dir, n) {
        eprintln!("error: {}: {e}", dir.display());
        std::process::exit(2);
    }
    eprintln!("{n} apps in {}", dir.join("apps").display());
}
