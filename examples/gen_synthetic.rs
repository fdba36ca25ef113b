#[path = "../benches/synthetic.rs"]
mod synthetic;
fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10);
    print!("{}", synthetic::script(mb << 20));
}
