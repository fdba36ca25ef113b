//! The corpus scripts the resolver and linter benches run, each as its own app: everything
//! under `corpus/` but `syntax/err/` (broken on purpose) and `model/hostile/` (loops that run to
//! their caps on purpose). Included by `#[path]`, like `synthetic.rs`.

use std::path::Path;

pub fn corpus_scripts() -> Vec<String> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    qlineage::inputs::script_files(&[corpus])
        .into_result()
        .unwrap()
        .into_iter()
        .filter(|p| !p.iter().any(|c| c == "err" || c == "hostile"))
        .map(|p| qlineage::source::SourceFile::decode("x", &std::fs::read(&p).unwrap()).text)
        .collect()
}
