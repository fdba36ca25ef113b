//! The front-end never panics and never overflows the stack, whatever the input: random bytes,
//! mutated corpus scripts, pathological nesting. A small deterministic generator (xorshift)
//! keeps the test reproducible and free of extra dependencies; set `QLINEAGE_FUZZ_ROUNDS` for
//! longer runs.

use qlineage::source::SourceFile;
use qlineage::syntax;
use std::path::Path;

#[path = "support/spans.rs"]
mod spans;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

/// Bytes that matter to the lexer and parser, over-represented on purpose.
const INTERESTING: &[&[u8]] = &[
    b"'",
    b"\"",
    b"[",
    b"]",
    b"`",
    b"$(",
    b")",
    b"(",
    b"{",
    b"}",
    b"<",
    b">",
    b";",
    b":",
    b"//",
    b"/*",
    b"*/",
    b"\n",
    b"\r\n",
    b" ",
    b",",
    b"=",
    b"-",
    b"LOAD ",
    b"FROM ",
    b"IF ",
    b"THEN",
    b"END IF",
    b"FOR ",
    b"NEXT",
    b"SUB ",
    b"END SUB",
    b"REM ",
    b"SQL ",
    b"SELECT ",
    b"$1",
    b"@1:",
    b"\xC3\xA9",
    b"\xE2\x82\xAC",
    b"\xFF",
    b"\x00",
    b"///$tab ",
    b"Sum({<A={1}>}",
    b"TOTAL <",
    b"INLINE [",
    b"Concatenate(",
    b"LET x = ",
    b"SET y = ",
];

fn random_script(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(120) {
        if rng.below(3) == 0 {
            out.push((rng.next() & 0xFF) as u8);
        } else {
            out.extend_from_slice(INTERESTING[rng.below(INTERESTING.len())]);
        }
    }
    out
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        let a = rng.below(len + 1);
        let b = (a + rng.below(64)).min(len);
        match rng.below(5) {
            0 => {
                out.drain(a..b);
            }
            1 => {
                let chunk = out[a..b].to_vec();
                out.splice(a..a, chunk);
            }
            2 => {
                let chunk = INTERESTING[rng.below(INTERESTING.len())];
                out.splice(a..a, chunk.iter().copied());
            }
            3 => out.truncate(a),
            _ => {
                if a < len {
                    out[a] = (rng.next() & 0xFF) as u8;
                }
            }
        }
    }
    out
}

fn check(bytes: &[u8]) {
    let source = SourceFile::decode("fuzz", bytes);
    let parsed = syntax::parse(&source);
    let len = source.text.len() as u32;
    for d in &parsed.diagnostics {
        assert!(
            d.span.start <= d.span.end && d.span.end <= len,
            "diagnostic out of bounds"
        );
        let _ = qlineage::diagnostics::render_human(&source, d, false);
    }
    // Whatever the input, every node's span lies inside the source and inside its parent's.
    let whole = qlineage::source::Span { start: 0, end: len };
    let mut problems = Vec::new();
    for stmt in &parsed.script.statements {
        let tree = serde_json::to_value(stmt).expect("the tree serializes");
        spans::check_spans(&tree, whole, len, "fuzz", &mut problems);
    }
    assert!(
        problems.is_empty(),
        "{} in {:?}",
        problems.join("\n"),
        source.text
    );
    let _ = syntax::printer::print_script(&parsed.script);
    let _ = syntax::parse_chart_expression(&source.text);
}

fn rounds() -> usize {
    std::env::var("QLINEAGE_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

#[test]
fn random_input_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..1500 * rounds() {
        check(&random_script(&mut rng));
    }
}

fn corpus_scripts() -> Vec<Vec<u8>> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let files = qlineage::inputs::discover(&[corpus], |path| {
        path.extension().is_some_and(|e| e == "qvs" || e == "expr")
    })
    .into_result()
    .expect("the corpus is readable");
    let mut out: Vec<Vec<u8>> = files
        .iter()
        .map(|path| std::fs::read(path).unwrap())
        .collect();
    out.sort();
    out
}

#[test]
fn mutated_corpus_never_panics() {
    let scripts = corpus_scripts();
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for _ in 0..3 * rounds() {
        for script in &scripts {
            check(&mutate(&mut rng, script));
        }
    }
}

#[test]
fn pathological_nesting_is_a_diagnostic_not_a_crash() {
    let deep_parens = format!("LET x = {}1{};", "(".repeat(5000), ")".repeat(5000));
    let minus_run = format!("LET x = {}1;", "- ".repeat(5000));
    let nots = format!("LET x = {}1;", "not ".repeat(5000));
    let ifs = format!("{}{}", "IF 1 THEN\n".repeat(5000), "END IF\n".repeat(5000));
    let sets = format!("Sum({}1{})", "{<A=P(".repeat(2000), ")>}".repeat(2000));
    let long_chain = format!("LET x = 1{};", " + 1".repeat(20000));
    // An SQL keyword that is not the statement's own does not lift the cap.
    let sql_field = format!("LOAD sql, {}1{};", "(".repeat(200_000), ")".repeat(200_000));
    let sql_when = format!(
        "WHEN sql - {}1{} LOAD a;",
        "(".repeat(200_000),
        ")".repeat(200_000)
    );
    for text in [&sql_field, &sql_when] {
        assert!(syntax::parse_str(text)
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == "QS301"));
    }
    // A deep SQL body is raw text: no nesting diagnostic.
    let deep_sql = format!(
        "T: Concatenate (T) SQL SELECT {}1{} FROM t;",
        "(".repeat(100),
        ")".repeat(100)
    );
    assert!(syntax::parse_str(&deep_sql).diagnostics.is_empty());
    for text in [&deep_parens, &minus_run, &nots, &ifs, &long_chain] {
        let parsed = syntax::parse_str(text);
        let _ = syntax::printer::print_script(&parsed.script);
    }
    assert!(syntax::parse_str(&deep_parens)
        .diagnostics
        .iter()
        .any(|d| d.code.as_str() == "QS301"));
    assert!(syntax::parse_str(&ifs)
        .diagnostics
        .iter()
        .any(|d| d.code.as_str() == "QS301"));
    let chart = syntax::parse_chart_expression(&sets);
    assert!(chart.expr.is_none());
}

#[test]
fn unterminated_everything() {
    for text in [
        "'",
        "\"",
        "[",
        "`",
        "/*",
        "$(",
        "$(=",
        "LOAD 'a",
        "X: LOAD [a",
        "REM",
        "TRACE",
        "SET x =",
        "IF",
    ] {
        let parsed = syntax::parse_str(text);
        assert!(
            !parsed.diagnostics.is_empty() || parsed.script.statements.is_empty(),
            "{text}"
        );
    }
}

/// Unbalanced input around an operand only the combinators read (`DISTINCT`) once made the
/// first pass retry every nesting level from the level below: exponential in the depth.
#[test]
fn unbalanced_nesting_stays_linear() {
    for depth in [20, 40, 60] {
        let text = format!("LET x = {}Sum(DISTINCT a;", "f(".repeat(depth));
        let started = std::time::Instant::now();
        let parsed = syntax::parse_str(&text);
        assert!(parsed
            .diagnostics
            .iter()
            .any(|d| d.code.as_str() == "QS101"));
        // Milliseconds when linear; the exponential version needed minutes at depth 30.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "depth {depth} took {:?}",
            started.elapsed()
        );
    }
}

/// An empty group with a space inside once made chumsky's span of the empty match run
/// backwards, and slicing the source with it panicked.
#[test]
fn empty_groups_with_spaces_inside() {
    for text in [
        "LOAD * EXTENSION f( );",
        "ODBC CONNECT TO dsn ( );",
        "OLEDB CONNECT TO [Provider=x] (  \n );",
    ] {
        let parsed = syntax::parse_str(text);
        assert_eq!(parsed.script.statements.len(), 1, "{text}");
        assert!(
            parsed.diagnostics.is_empty(),
            "{text}: {:?}",
            parsed.diagnostics
        );
    }
}
