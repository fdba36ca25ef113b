//! The resolver never panics or hangs: mutated corpus scripts (deterministic xorshift) and
//! mutations aimed at what the resolver reads (`$(…)`, loop bounds, includes, prefixes) are
//! resolved on a worker thread with a deadline; every location must lie inside its file and
//! the human and JSON renderings must build. `QLINEAGE_FUZZ_ROUNDS` multiplies the rounds.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use qlineage::semantic::{self, AppInput, Connections, ResolveOptions};

/// Every file under a directory, recursively, sorted.
mod files {
    use std::path::{Path, PathBuf};

    pub fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
}

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

/// Text the resolver acts on, over-represented on purpose.
const INTERESTING: &[&str] = &[
    "$(",
    ")",
    "$(v)",
    "$(v(1,2))",
    "$(=1+1)",
    "$(#v)",
    "SET v = $(v)$(v);\n",
    "LET v = '$' & '(v)';\n",
    "FOR i = 1 TO 100000\n",
    "NEXT i\n",
    "DO WHILE 1=1\n",
    "LOOP\n",
    "IF 1=1 THEN\n",
    "ELSE\n",
    "END IF\n",
    "SUB s(p)\n",
    "END SUB\n",
    "CALL s(v);\n",
    "EXIT SCRIPT;\n",
    "$(Include=x.qvs);\n",
    "$(Must_Include=lib://Scripts/a.qvs);\n",
    "LOAD * RESIDENT T;\n",
    "JOIN ",
    "CONCATENATE ",
    "NoConcatenate ",
    "MAPPING ",
    "QUALIFY *;\n",
    "DROP TABLE T;\n",
    "T: LOAD 1 as a AUTOGENERATE 1;\n",
    "SQL SELECT * FROM x WHERE y IN (SELECT 1);\n",
    "STORE T INTO [$(v).qvd] (qvd);\n",
    "Section Access;\n",
    "FOR EACH f IN FileList('lib://Data/*.csv')\n",
    "CROSSTABLE(a, b) ",
    "GENERIC ",
    ";",
    "\n",
];

fn mutate(rng: &mut Rng, input: &str) -> String {
    let mut out = input.to_string();
    for _ in 0..1 + rng.below(5) {
        let len = out.len();
        let mut a = rng.below(len + 1);
        while !out.is_char_boundary(a) {
            a -= 1;
        }
        let mut b = (a + rng.below(80)).min(len);
        while !out.is_char_boundary(b) {
            b -= 1;
        }
        match rng.below(4) {
            0 => {
                out.replace_range(a..b, "");
            }
            1 => {
                let chunk = out[a..b].to_string();
                out.insert_str(a, &chunk);
            }
            2 => out.insert_str(a, INTERESTING[rng.below(INTERESTING.len())]),
            _ => out.truncate(a),
        }
    }
    out
}

fn corpus_scripts() -> Vec<String> {
    let mut all = Vec::new();
    files::walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"),
        &mut all,
    );
    all.into_iter()
        .filter(|p| qlineage::inputs::is_script_file(p))
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| qlineage::source::SourceFile::decode("x", &b).text)
        .collect()
}

fn options() -> ResolveOptions {
    ResolveOptions {
        include_roots: vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus/model")],
        // Smaller caps keep each case fast; the limits themselves are tested in model_corpus.
        max_loop_iterations: 500,
        max_statements: 50_000,
        ..ResolveOptions::default()
    }
}

/// Resolves on a worker thread; fails if it panics or takes longer than the deadline.
fn check(text: String) {
    let (send, receive) = mpsc::channel();
    let probe = text.clone();
    std::thread::spawn(move || {
        let input = AppInput::from_text("fuzz.qvs", &text, Connections::default());
        let resolved = semantic::resolve(&input, &options());
        for u in &resolved.model.unresolved {
            let file = &resolved.model.files[u.location.file as usize].source;
            assert!(u.location.span.start <= u.location.span.end);
            assert!(
                u.location.span.end as usize <= file.text.len(),
                "unresolved out of bounds"
            );
        }
        for d in &resolved.diagnostics {
            let file = &resolved.model.files[d.file as usize].source;
            assert!(
                d.diagnostic.span.end as usize <= file.text.len(),
                "diagnostic out of bounds"
            );
        }
        let json = serde_json::to_string(&qlineage::cli::model_json::AppJson(&resolved))
            .expect("serializes");
        let mut human = Vec::new();
        qlineage::cli::model_command::write_human(&mut human, &resolved, false).unwrap();
        let _ = send.send(json.len() + human.len());
    });
    match receive.recv_timeout(Duration::from_secs(30)) {
        Ok(size) => assert!(size < 64 << 20, "output of {size} bytes"),
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("resolver hung on:\n{probe}"),
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("resolver panicked on:\n{probe}"),
    }
}

fn rounds() -> usize {
    std::env::var("QLINEAGE_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

#[test]
fn mutated_corpus_never_panics_or_hangs() {
    let scripts = corpus_scripts();
    assert!(scripts.len() > 100);
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..3 * rounds() {
        for script in &scripts {
            check(mutate(&mut rng, script));
        }
    }
}

#[test]
fn generated_control_flow_never_hangs() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..300 * rounds() {
        let mut text = String::new();
        for _ in 0..rng.below(30) {
            text.push_str(INTERESTING[rng.below(INTERESTING.len())]);
        }
        check(text);
    }
}

/// A long chain of LETs over a run-time value: each variable's reason names its neighbours and
/// the root cause within a fixed size (reasons used to nest the whole chain: quadratic memory).
#[test]
fn chains_of_unknown_variables_keep_short_reasons() {
    let mut script = String::from("LET v0 = Now();\n");
    for i in 1..3000 {
        script.push_str(&format!("LET v{i} = v{} + 1;\n", i - 1));
    }
    let input = AppInput::from_text("chain.qvs", &script, Connections::default());
    let resolved = semantic::resolve(&input, &options());
    let last = resolved
        .model
        .variables
        .iter()
        .find(|(name, _)| name == "v2999")
        .map(|(_, state)| state.clone())
        .expect("v2999 is listed");
    match last {
        semantic::model::VariableState::Unknown(reason) => {
            assert!(reason.len() < 400, "{} bytes", reason.len());
            assert!(
                reason.contains("v2998") && reason.contains("Now()"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// Thousands of chained preceding LOADs (generated scripts): the resolver analyses a bounded
/// depth and says so, instead of overflowing the stack, on a thread with the default 2 MiB
/// stack as rayon's workers have.
#[test]
fn a_very_deep_preceding_chain_is_cut_with_a_reason() {
    let mut script = String::from("T:\n");
    for _ in 0..3000 {
        script.push_str("LOAD *, 1 as F;\n");
    }
    script.push_str("LOAD 1 as G AutoGenerate 1;\n");
    let resolved = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let input = AppInput::from_text("deep.qvs", &script, Connections::default());
            semantic::resolve(&input, &options())
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert!(resolved
        .model
        .unresolved
        .iter()
        .any(|u| u.reason.contains("preceding LOADs nested deeper than")));
}
