//! Writes a realistic reload log (`scriptlog.txt`, Qlik Sense's form: UTF-8 with a BOM, CRLF,
//! timestamps, 4-digit line numbers of the whole script, `N fields found` and `N lines
//! fetched` after loads, `Execution finished.`) into every app folder of a site directory, so
//! the simulator serves, the crawler captures and the lineage compiler reads logs like a real
//! site's: `cargo run --example gen_script_logs -- corpus/site`.
//!
//! The log is derived from the resolver's run of the script: a statement of the main script is
//! logged when the branch holding it ran (the branch with the loads the model records; the
//! first otherwise), with the `$(…)` of variables the model knows expanded; loads report the
//! fields the model gives them and the rows of `model.json`. Includes and SUB bodies are not
//! logged line by line (real logs number their lines in ways we cannot check here).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use qlineage::semantic::model::{LoadKind, VariableState};
use qlineage::semantic::{self, AppInput, Connections, ResolveOptions};
use qlineage::source::{SourceFile, Span};
use qlineage::syntax::ast::{Stmt, StmtKind};

fn main() {
    let site = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "corpus/site".into()),
    );
    let mut folders: Vec<_> = std::fs::read_dir(site.join("apps"))
        .expect("a site directory")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("script.qvs").is_file())
        .collect();
    folders.sort();
    for folder in folders {
        let log = log_for(&folder);
        let mut bytes = vec![0xEF, 0xBB, 0xBF];
        bytes.extend_from_slice(log.as_bytes());
        std::fs::write(folder.join("scriptlog.txt"), bytes).unwrap();
        eprintln!("{}", folder.join("scriptlog.txt").display());
    }
}

struct Writer {
    out: String,
    tick: u32,
    start: String,
}

impl Writer {
    fn line(&mut self, number: Option<u32>, text: &str) {
        self.tick += 7;
        let stamp = format!("{}.{:03}+0000", self.start, self.tick % 1000);
        match number {
            Some(n) => self.out.push_str(&format!("{stamp} {n:04}  {text}\r\n")),
            None => self.out.push_str(&format!("{stamp}       {text}\r\n")),
        }
    }
}

fn log_for(folder: &Path) -> String {
    let input = AppInput::read(folder, &Connections::default()).unwrap();
    let resolved = semantic::resolve(&input, &ResolveOptions::default());
    let model = &resolved.model;
    let source: &SourceFile = &model.files[0].source;
    let parsed = qlineage::syntax::parse(source);
    let rows = table_rows(folder);
    let known: HashMap<&str, &str> = model
        .variables
        .iter()
        .filter_map(|(n, s)| match s {
            VariableState::Known(v) => Some((n.as_str(), v.as_str())),
            VariableState::Unknown(_) => None,
        })
        .collect();
    let loads: HashMap<u32, &qlineage::semantic::model::Load> = model
        .loads
        .iter()
        .filter(|l| l.location.file == 0 && l.kind != LoadKind::Preceding)
        .map(|l| (l.location.span.start, l))
        .collect();
    let ran: HashSet<u32> = model
        .loads
        .iter()
        .map(|l| l.location.span.start)
        .chain(model.stores.iter().map(|s| s.location.span.start))
        .collect();
    let reload = std::fs::read_to_string(folder.join("app.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            v.pointer("/reload/startTime")
                .and_then(|s| s.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| "2026-03-01T02:00:00.000Z".into());
    let compact: String = reload
        .chars()
        .filter(|c| c.is_ascii_digit())
        .take(14)
        .collect();
    let mut w = Writer {
        out: String::new(),
        tick: 0,
        start: format!("{}T{}", &compact[..8], &compact[8..]),
    };
    w.out
        .push_str(&format!("{}.000+0000 Execution started.\r\n", w.start));
    w.line(None, "Qlik Sense Server Version 14.187.4");
    w.line(None, "CPU Target                    x64");
    w.line(
        None,
        "Operating System              Windows Server 2019 Standard  (64 bit edition)",
    );
    let ctx = Ctx {
        source,
        known: &known,
        loads: &loads,
        ran: &ran,
        rows: &rows,
    };
    block(&mut w, &ctx, &parsed.script.statements);
    w.line(None, "");
    w.out.truncate(w.out.len() - "\r\n".len());
    w.out.push_str("Execution finished.\r\n");
    w.out
}

struct Ctx<'a> {
    source: &'a SourceFile,
    known: &'a HashMap<&'a str, &'a str>,
    loads: &'a HashMap<u32, &'a qlineage::semantic::model::Load>,
    ran: &'a HashSet<u32>,
    rows: &'a HashMap<String, u64>,
}

fn contains_run(stmts: &[Stmt], ran: &HashSet<u32>) -> bool {
    stmts
        .iter()
        .any(|s| ran.iter().any(|&r| r >= s.span.start && r < s.span.end))
}

fn block(w: &mut Writer, ctx: &Ctx, stmts: &[Stmt]) {
    for stmt in stmts {
        match &stmt.kind {
            StmtKind::Sub(_) | StmtKind::Empty | StmtKind::Error => {}
            StmtKind::Raw(_)
                if ctx
                    .source
                    .slice(stmt.span)
                    .trim_start()
                    .to_ascii_uppercase()
                    .starts_with("REM") => {}
            StmtKind::If(s) => {
                let bodies: Vec<(&Span, &Vec<Stmt>)> = s
                    .branches
                    .iter()
                    .map(|b| (&b.clause, &b.body))
                    .chain(s.else_branch.iter().map(|b| (&b.clause, &b.body)))
                    .collect();
                let chosen = bodies
                    .iter()
                    .position(|(_, body)| contains_run(body, ctx.ran))
                    .unwrap_or(0);
                for (i, (clause, body)) in bodies.iter().enumerate() {
                    if i <= chosen {
                        statement(w, ctx, **clause);
                    }
                    if i == chosen {
                        block(w, ctx, body);
                    }
                }
                if let Some(end) = s.end {
                    statement(w, ctx, end);
                }
            }
            StmtKind::For(s) => {
                statement(w, ctx, s.clause);
                block(w, ctx, &s.body);
                if let Some(next) = &s.next {
                    statement(w, ctx, next.span);
                }
            }
            StmtKind::ForEach(s) => {
                statement(w, ctx, s.clause);
                block(w, ctx, &s.body);
            }
            StmtKind::Do(s) => {
                statement(w, ctx, s.clause);
                block(w, ctx, &s.body);
            }
            _ => {
                statement(w, ctx, stmt.span);
                if let Some(load) = ctx.loads.get(&stmt.span.start) {
                    let names: Vec<&str> = load.fields.iter().map(|f| f.name.as_str()).collect();
                    w.line(
                        None,
                        &format!("{} fields found: {}, ", names.len(), names.join(", ")),
                    );
                    let rows = ctx.rows.get(&load.target).copied().unwrap_or(0);
                    w.line(None, &format!("{} lines fetched", thousands(rows)));
                }
            }
        }
    }
}

/// Logs a statement's lines as the engine does: numbered, expanded, without `//` comment
/// lines and the final `;`.
fn statement(w: &mut Writer, ctx: &Ctx, span: Span) {
    let text = ctx.source.slice(span);
    let first = ctx.source.line_col(span.start).line;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_end().trim_end_matches(';');
        if trimmed.trim().is_empty() || trimmed.trim_start().starts_with("//") {
            continue;
        }
        w.line(Some(first + i as u32), &expand(trimmed, ctx.known));
    }
}

fn expand(text: &str, known: &HashMap<&str, &str>) -> String {
    let mut out = text.to_string();
    for _ in 0..4 {
        let mut changed = false;
        for (name, value) in known {
            let pattern = format!("$({name})");
            if out.contains(&pattern) {
                out = out.replace(&pattern, value);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    out
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Rows per table: the QVDs of the site named like the table (what a dropped extract table
/// held), then the app's `model.json` (what the reload left).
fn table_rows(folder: &Path) -> HashMap<String, u64> {
    let mut rows = HashMap::new();
    let files = folder.join("../../files");
    if let Ok(qvds) = qlineage::inputs::qvd_files(&[files]).into_result() {
        for qvd in qvds {
            if let (Some(stem), Ok(header)) = (qvd.file_stem(), qlineage::qvd::read_header(&qvd)) {
                rows.insert(stem.to_string_lossy().to_string(), header.no_of_records);
            }
        }
    }
    let Ok(text) = std::fs::read_to_string(folder.join("model.json")) else {
        return rows;
    };
    let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    for t in value["tables"].as_array().into_iter().flatten() {
        if let (Some(name), Some(n)) = (t["name"].as_str(), t["rows"].as_u64()) {
            rows.insert(name.to_string(), n);
        }
    }
    rows
}
