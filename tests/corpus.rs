//! The corpus suite: every script under `corpus/` is parsed, snapshotted (source, AST,
//! diagnostics) under `snapshots/`, and checked against the invariants every parse must hold.
//! Scripts outside `corpus/syntax/err/` must parse without errors; those inside declare the
//! diagnostics they must produce with `// expect: CODE LINE` lines.

use qlineage::diagnostics::Severity;
use qlineage::source::{SourceFile, Span};
use qlineage::syntax::{self, printer};
use std::path::{Path, PathBuf};

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// The files `qlineage parse` picks up in a directory.
fn is_script(path: &Path) -> bool {
    qlineage::inputs::is_script_file(path)
}

#[path = "support/spans.rs"]
mod spans;
use spans::check_spans;

/// Every corpus file except the demo site (`corpus/site/`), which is demo data for the
/// simulator, not parser corpus (`tests/site_scripts.rs` checks its scripts), and the lint
/// rule cases (`corpus/lint/`, several broken on purpose; `tests/lint_corpus.rs` checks them).
fn corpus_files(filter: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let all = qlineage::inputs::all_files(&corpus_root())
        .into_result()
        .expect("the corpus is readable");
    all.into_iter()
        .filter(|p| !relative(p).starts_with("site/") && !relative(p).starts_with("lint/"))
        .filter(|p| filter(p))
        .collect()
}

fn relative(path: &Path) -> String {
    path.strip_prefix(corpus_root())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// Asserts one snapshot per file, collecting failures so one run reports them all.
fn snapshot_each(files: &[PathBuf], mut render: impl FnMut(&Path) -> String) {
    let mut failures = Vec::new();
    for path in files {
        let rel = relative(path);
        let (dir, name) = match rel.rsplit_once('/') {
            Some((d, n)) => (format!("{}/{d}", env!("CARGO_MANIFEST_DIR")), n.to_owned()),
            None => (env!("CARGO_MANIFEST_DIR").to_owned(), rel.clone()),
        };
        let snapshot_dir = dir.replacen(
            &format!("{}/", env!("CARGO_MANIFEST_DIR")),
            &format!("{}/snapshots/", env!("CARGO_MANIFEST_DIR")),
            1,
        );
        let document = render(path);
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(snapshot_dir);
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_input_file(path);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            settings.bind(|| insta::assert_snapshot!(name.clone(), document));
        }));
        if result.is_err() {
            failures.push(rel);
        }
    }
    assert!(failures.is_empty(), "snapshot mismatches: {failures:#?}");
}

fn diagnostics_text(
    source: &SourceFile,
    diagnostics: &[qlineage::diagnostics::Diagnostic],
) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let a = source.line_col(d.span.start);
        let b = source.line_col(d.span.end);
        out.push_str(&format!(
            "{} {:?} {}:{}-{}:{} {}\n",
            d.code, d.severity, a.line, a.column, b.line, b.column, d.message
        ));
        // Labels, notes and help are part of the wording users read: snapshot them too.
        for label in &d.labels {
            let a = source.line_col(label.span.start);
            let b = source.line_col(label.span.end);
            out.push_str(&format!(
                "  label {}:{}-{}:{} {}\n",
                a.line, a.column, b.line, b.column, label.message
            ));
        }
        for note in &d.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        if let Some(help) = &d.help {
            out.push_str(&format!("  help: {help}\n"));
        }
    }
    out
}

fn load(path: &Path) -> SourceFile {
    SourceFile::decode(relative(path), &std::fs::read(path).unwrap())
}

#[test]
fn script_snapshots() {
    let files = corpus_files(is_script);
    assert!(
        files.len() >= 120,
        "the corpus should hold at least 120 scripts, found {}",
        files.len()
    );
    snapshot_each(&files, |path| {
        let source = load(path);
        let parsed = syntax::parse(&source);
        format!(
            "{}\n--- ast ---\n{}--- diagnostics ---\n{}",
            source.text.trim_end(),
            printer::print_script(&parsed.script),
            diagnostics_text(&source, &parsed.diagnostics)
        )
    });
}

#[test]
fn valid_scripts_have_no_errors() {
    let mut problems = Vec::new();
    for path in corpus_files(|p| is_script(p) && !relative(p).starts_with("syntax/err/")) {
        let source = load(&path);
        let parsed = syntax::parse(&source);
        for d in parsed
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
        {
            let at = source.line_col(d.span.start);
            problems.push(format!(
                "{}:{}:{} {} {}",
                source.path, at.line, at.column, d.code, d.message
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn error_scripts_give_exactly_the_expected_diagnostics() {
    let files = corpus_files(|p| is_script(p) && relative(p).starts_with("syntax/err/"));
    assert!(files.len() >= 15);
    let mut problems = Vec::new();
    for path in files {
        let source = load(&path);
        let mut expected: Vec<(String, u32)> = source
            .text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("// expect:"))
            .map(|rest| {
                let mut parts = rest.split_whitespace();
                (
                    parts.next().unwrap().to_owned(),
                    parts.next().unwrap().parse().unwrap(),
                )
            })
            .collect();
        assert!(
            !expected.is_empty(),
            "{} declares no expectations",
            source.path
        );
        let parsed = syntax::parse(&source);
        let mut actual: Vec<(String, u32)> = parsed
            .diagnostics
            .iter()
            .map(|d| (d.code.to_string(), source.line_col(d.span.start).line))
            .collect();
        expected.sort();
        actual.sort();
        if expected != actual {
            problems.push(format!(
                "{}: expected {expected:?}, got {actual:?}",
                source.path
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn chart_expression_snapshots() {
    let files = corpus_files(|p| p.extension().is_some_and(|e| e == "expr"));
    assert!(!files.is_empty());
    let mut problems = Vec::new();
    snapshot_each(&files, |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let mut doc = String::new();
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let parsed = syntax::parse_chart_expression(line);
            doc.push_str(&format!("=== {line}\n"));
            match &parsed.expr {
                Some(expr) => doc.push_str(&printer::print(expr)),
                None => doc.push_str("(no expression)\n"),
            }
            let source = SourceFile::new("expr", line);
            let diags = diagnostics_text(&source, &parsed.diagnostics);
            if !diags.is_empty() {
                problems.push(format!("{}: {line}: {diags}", relative(path)));
            }
            doc.push_str(&diags);
        }
        doc
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn spans_nest_and_tokens_do_not_overlap() {
    let mut problems = Vec::new();
    for path in corpus_files(is_script) {
        let source = load(&path);
        let len = source.text.len() as u32;
        let parsed = syntax::parse(&source);
        let whole = Span { start: 0, end: len };
        for stmt in &parsed.script.statements {
            check_spans(
                &serde_json::to_value(stmt).unwrap(),
                whole,
                len,
                &source.path,
                &mut problems,
            );
        }
        for d in &parsed.diagnostics {
            if d.span.start > d.span.end || d.span.end > len {
                problems.push(format!("{}: diagnostic span out of bounds", source.path));
            }
        }
        let mut previous_end = 0;
        for t in syntax::tokens(&source.text) {
            if t.span.start < previous_end || t.span.end > len || t.span.start > t.span.end {
                problems.push(format!("{}: token {:?} overlaps", source.path, t.text));
            }
            previous_end = t.span.end;
        }
        // Statements come in source order and do not overlap.
        let mut end = 0;
        for stmt in &parsed.script.statements {
            if stmt.span.start < end {
                problems.push(format!(
                    "{}: statement at {} overlaps the previous one",
                    source.path, stmt.span.start
                ));
            }
            end = stmt.span.end;
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn parsing_is_deterministic() {
    for path in corpus_files(is_script).into_iter().step_by(7) {
        let source = load(&path);
        let a = printer::print_script(&syntax::parse(&source).script);
        let b = printer::print_script(&syntax::parse(&source).script);
        assert_eq!(a, b, "{}", source.path);
    }
}
