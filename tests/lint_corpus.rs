//! The linter over the corpus: one positive and one negative case per rule
//! (`corpus/lint/<rule-name>/`, snapshots in `snapshots/lint/`), no findings at warning or above
//! on the estate, the demo site and the clean corpus scripts except the listed ones, and
//! `docs/rules.md` in step with the registry.

use std::path::{Path, PathBuf};

use qlineage::lint::{self, Config, LintRun, Selection, Severity, Stability};
use qlineage::semantic::{AppInput, Connections, ResolveOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every script file under `dir`, sorted.
fn scripts_under(dir: &Path) -> Vec<PathBuf> {
    qlineage::inputs::script_files(&[dir.to_path_buf()])
        .into_result()
        .expect("corpus folder readable")
}

fn lint_paths(
    apps: &[PathBuf],
    connections: &Connections,
    options: &ResolveOptions,
    config: &Config,
) -> LintRun {
    let inputs: Vec<AppInput> = apps
        .iter()
        .map(|a| AppInput::read(a, connections).expect("app reads"))
        .collect();
    lint::lint(&inputs, options, config)
}

/// One line per finding: position, severity, code, name, message, then notes and help.
fn render(run: &LintRun) -> String {
    let mut out = String::new();
    for f in &run.findings {
        let source = &run.sources[&f.path];
        let (a, b) = (source.line_col(f.span.start), source.line_col(f.span.end));
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        out.push_str(&format!(
            "{}:{}:{}-{}:{} {severity} {} {}: {}\n",
            f.path, a.line, a.column, b.line, b.column, f.rule.code, f.rule.name, f.message
        ));
        for note in &f.notes {
            out.push_str(&format!("    note: {note}\n"));
        }
        if let Some(help) = &f.help {
            out.push_str(&format!("    help: {help}\n"));
        }
    }
    out
}

#[test]
fn every_rule_has_a_positive_and_a_negative_case() {
    std::env::set_current_dir(root()).unwrap();
    let connections =
        Connections::read(Path::new("corpus/lint/connections.json")).expect("connections");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("snapshots/lint"));
    settings.set_prepend_module_to_snapshot(false);
    let mut missing = Vec::new();
    for rule in lint::all_rules() {
        let dir = Path::new("corpus/lint").join(rule.name);
        if !dir.is_dir() {
            missing.push(rule.name);
            continue;
        }
        // The default rules, plus this one when it is a preview rule.
        let selection = Selection {
            preview: rule.stability == Stability::Preview,
            ..Selection::default()
        };
        let config = Config::load(None, &selection).unwrap();
        for kind in ["positive", "negative"] {
            let file = dir.join(format!("{kind}.qvs"));
            let apps = if file.is_file() {
                vec![file]
            } else {
                scripts_under(&dir.join(kind))
            };
            assert!(!apps.is_empty(), "{}: no {kind} case", dir.display());
            let run = lint_paths(&apps, &connections, &ResolveOptions::default(), &config);
            let own = run
                .findings
                .iter()
                .filter(|f| f.rule.code == rule.code)
                .count();
            if kind == "positive" {
                assert!(
                    own > 0,
                    "{}: the positive case raises no {}:\n{}",
                    dir.display(),
                    rule.code,
                    render(&run)
                );
            } else {
                assert!(
                    run.findings.is_empty(),
                    "{}: the negative case is not clean:\n{}",
                    dir.display(),
                    render(&run)
                );
            }
            let name = format!("{}.{kind}", rule.name);
            let text = render(&run);
            settings.bind(|| insta::assert_snapshot!(name, text));
        }
    }
    assert!(
        missing.is_empty(),
        "rules without corpus cases: {missing:?}"
    );
}

/// A finding the corpus is there to show (or that is real in a realistic script), by file,
/// code and line.
struct Expected {
    path: &'static str,
    code: &'static str,
    line: u32,
}

const fn e(path: &'static str, code: &'static str, line: u32) -> Expected {
    Expected { path, code, line }
}

/// Findings at warning or above that the clean corpus holds on purpose, with why.
const EXPECTED: &[Expected] = &[
    // The estate's generic extract SUB copies whole tables by design.
    e("corpus/estate/scripts/extract-subs.qvs", "QL302", 11),
    // The demo site: a what-if app filters its QVD on one value; the ERP extract copies small
    // lookup tables whole.
    e(
        "corpus/site/apps/carla-budget-whatif/script.qvs",
        "QL301",
        15,
    ),
    e("corpus/site/apps/extract-erp-sales/script.qvs", "QL302", 87),
    // A QlikView -prj project: QlikView constructs, a missing shared include, absolute paths,
    // a scrambled password in its ODBC CONNECT, and a data model with a loop.
    e(
        "corpus/scripts/legacy-sales-prj/LoadScript.txt",
        "QL111",
        17,
    ),
    e(
        "corpus/scripts/legacy-sales-prj/LoadScript.txt",
        "QL401",
        20,
    ),
    e(
        "corpus/scripts/legacy-sales-prj/LoadScript.txt",
        "QL604",
        45,
    ),
    e(
        "corpus/scripts/legacy-sales-prj/LoadScript.txt",
        "QL604",
        62,
    ),
    e(
        "corpus/scripts/legacy-sales-prj/LoadScript.txt",
        "QL206",
        75,
    ),
    e(
        "corpus/scripts/legacy-sales-prj/LoadScript.txt",
        "QL603",
        80,
    ),
    e(
        "corpus/scripts/legacy-sales-prj/LoadScript.txt",
        "QL602",
        93,
    ),
    e(
        "corpus/scripts/legacy-sales-prj/LoadScript.txt",
        "QL604",
        102,
    ),
    // The HR app: XUserId/XPassword in an ODBC CONNECT, hierarchy tables sharing keys.
    e("corpus/scripts/nordvik-hr-org/script.qvs", "QL401", 11),
    e("corpus/scripts/nordvik-hr-org/script.qvs", "QL205", 51),
    e("corpus/scripts/nordvik-hr-org/script.qvs", "QL205", 69),
    e("corpus/scripts/nordvik-hr-org/script.qvs", "QL206", 88),
    // The QVD generator copies source tables whole in a loop.
    e(
        "corpus/scripts/nordvik-qvd-generator/script.qvs",
        "QL302",
        38,
    ),
];

fn at_or_above_warning(run: &LintRun) -> Vec<(String, &'static str, u32, String)> {
    run.findings
        .iter()
        .filter(|f| f.severity <= Severity::Warning)
        .map(|f| {
            let line = run.sources[&f.path].line_col(f.span.start).line;
            (
                f.path.replace('\\', "/"),
                f.rule.code,
                line,
                f.message.clone(),
            )
        })
        .collect()
}

#[test]
fn no_false_positives_on_the_clean_corpus() {
    std::env::set_current_dir(root()).unwrap();
    let config = Config::load(None, &Selection::default()).unwrap();
    let mut found = Vec::new();
    // The three-layer estate, as one estate (so dead-qvd runs too).
    let estate_connections =
        Connections::read(Path::new("corpus/estate/connections.json")).unwrap();
    let estate_options = ResolveOptions {
        include_roots: vec![PathBuf::from("corpus/estate")],
        files_root: Some(PathBuf::from("corpus/estate/files")),
        ..ResolveOptions::default()
    };
    let estate_apps: Vec<PathBuf> = std::fs::read_dir("corpus/estate/apps")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    found.extend(at_or_above_warning(&lint_paths(
        &estate_apps,
        &estate_connections,
        &estate_options,
        &config,
    )));
    // The demo site's apps (their site.json connections come with each app folder).
    let mut site_apps: Vec<PathBuf> = std::fs::read_dir("corpus/site/apps")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    site_apps.sort();
    for app in &site_apps {
        found.extend(at_or_above_warning(&lint_paths(
            std::slice::from_ref(app),
            &Connections::default(),
            &ResolveOptions::default(),
            &config,
        )));
    }
    // The realistic app scripts, with the Scripts connection their includes use.
    let script_connections =
        Connections::read(Path::new("corpus/scripts/lint-connections.json")).unwrap();
    let mut script_apps: Vec<PathBuf> = std::fs::read_dir("corpus/scripts")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n != "includes"))
        .collect();
    script_apps.sort();
    assert!(script_apps.len() >= 10);
    let script_options = ResolveOptions {
        include_roots: vec![PathBuf::from("corpus/scripts")],
        ..ResolveOptions::default()
    };
    for app in &script_apps {
        found.extend(at_or_above_warning(&lint_paths(
            std::slice::from_ref(app),
            &script_connections,
            &script_options,
            &config,
        )));
    }
    let unexpected: Vec<_> = found
        .iter()
        .filter(|(path, code, line, _)| {
            !EXPECTED
                .iter()
                .any(|x| x.path == path && x.code == *code && x.line == *line)
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "findings on clean corpus scripts: {unexpected:#?}"
    );
    let absent: Vec<_> = EXPECTED
        .iter()
        .filter(|x| {
            !found
                .iter()
                .any(|(p, c, l, _)| x.path == p && x.code == *c && x.line == *l)
        })
        .map(|x| (x.path, x.code, x.line))
        .collect();
    assert!(
        absent.is_empty(),
        "expected findings no longer raised: {absent:?}"
    );
}

/// The model corpus and the parser corpus (outside `syntax/err/`) are feature tours, not apps:
/// linting them must not panic, and their findings stay within the rules that flag the
/// constructs they tour on purpose.
#[test]
fn feature_tours_lint_without_surprises() {
    std::env::set_current_dir(root()).unwrap();
    let config = Config::load(None, &Selection::default()).unwrap();
    let mut scripts = scripts_under(Path::new("corpus/syntax"));
    scripts.retain(|p| !p.starts_with("corpus/syntax/err"));
    scripts.extend(
        scripts_under(Path::new("corpus/model"))
            .into_iter()
            .filter(|p| !p.starts_with("corpus/model/hostile")),
    );
    assert!(scripts.len() > 100);
    for script in scripts {
        let run = lint_paths(
            std::slice::from_ref(&script),
            &Connections::default(),
            &ResolveOptions::default(),
            &config,
        );
        for f in &run.findings {
            // Syntax errors in these files would be a parser bug the corpus test catches;
            // here the linter must not invent them.
            assert!(
                !(f.rule.code == "QL101" && f.severity == Severity::Error),
                "{}: {}",
                script.display(),
                f.message
            );
            assert!(f.span.end as usize <= run.sources[&f.path].text.len());
        }
    }
}

#[test]
fn docs_rules_md_is_generated_from_the_registry() {
    let generated = lint::catalogue::markdown();
    let path = root().join("docs/rules.md");
    if std::env::var("QLINEAGE_UPDATE_DOCS").as_deref() == Ok("1") {
        std::fs::write(&path, &generated).unwrap();
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == generated,
        "docs/rules.md is out of date: run `qlineage rules --format markdown > docs/rules.md` (or QLINEAGE_UPDATE_DOCS=1 cargo test --test lint_corpus)"
    );
}
