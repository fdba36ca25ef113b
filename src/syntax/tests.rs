//! Unit tests of the driver: both parser passes agree, batches are invisible, and the
//! recovery and raw-text rules.

use super::ast::*;
use super::driver::BATCH;
use super::limits::too_deep;
use super::parser::Parsers;
use super::split::{ItemKind, Spanned, Splitter};
use super::*;
use crate::diagnostics::Code;
use crate::source::SourceFile;

/// The first pass's hand-written fast paths must build exactly what the combinators build:
/// both passes run on every statement and clause of the corpus (broken scripts included)
/// and on awkward expressions, and must agree.
#[test]
fn first_and_second_pass_agree() {
    let mut texts = corpus_texts();
    let awkward = [
        "f()",
        "f(,a)",
        "f(a,)",
        "f(a b)",
        "f(a)(b)",
        "(a",
        "((1))",
        "()",
        "@1",
        "@1:5",
        "Sum(DISTINCT a)",
        "Sum(distinct)",
        "Count(ALL x)",
        "RowNo(TOTAL)",
        "f(total + 1)",
        "-f(-a, not b) & 'x''y' & [y]] z] & \"q\" & `b` & $(v) & $1 & 1.5e3",
        "a and b or not c xor d like 'x*' precedes e",
        "f(g(h(i(j(k)))), (l), m(n, o))",
        "If(a > 1, 'x', If(b, c, d))",
        "f(a,,b)",
        "f(a;",
        "1 +",
        "Sum({<Y={1}>} x)",
        "Aggr(Sum(x), y)",
        "a bitand b bitor bitnot c << 2",
        "f(a)",
        "g(, )",
        "f(a) as b",
    ];
    for expr in awkward {
        texts.push(format!(
            "LET x = {expr};\nLOAD {expr} AS y, {expr} RESIDENT t;\n"
        ));
        texts.push(format!(
            "IF {expr} THEN\nEND IF\nFOR i = {expr} TO {expr}\nNEXT\n"
        ));
    }
    // Statements around the hand-written pass's edges: where it must decline, or build
    // exactly what the combinators build.
    texts.push(
        [
            "T: LOAD a AS, b FROM x.qvd (qvd);",
            "T: LOAD a AS b, c as [d e] FROM [lib://x/y.qvd] (qvd) WHERE a > 1 AND b <> 'x';",
            "LOAD DISTINCT * FROM a b c.txt (txt, utf8, embedded labels, delimiter is ',', msq, filters(Remove(Row, RowCnd(Compound, Pos(Top, 1)))));",
            "LOAD * FROM x.txt (txt, filters());",
            "LOAD * FROM x.txt (txt, filters(,a));",
            "LOAD * FROM x.txt (txt, filters(a,));",
            "LOAD * FROM x.txt (txt,);",
            "LOAD * FROM x.txt ();",
            "LOAD * FROM x.txt (txt) (qvd);",
            "LOAD * FROM x group y.qvd (qvd);",
            "LOAD * FROM x order by y;",
            "LOAD * FROM;",
            "LOAD a, FROM x;",
            "LOAD a b FROM x;",
            "LOAD from FROM from;",
            "LOAD * INLINE [a, b\n1, 2] (delimiter is ',');",
            "LOAD * INLINE 'a' ;",
            "LOAD * INLINE x;",
            "LOAD a RESIDENT T WHERE b GROUP BY a, c ORDER BY a DESC, c asc, d $(vTail);",
            "LOAD a RESIDENT T GROUP a;",
            "LOAD a RESIDENT T ORDER BY;",
            "LOAD a RESIDENT;",
            "LOAD Date(x + IterNo() - 1) AS d AUTOGENERATE 1 WHILE x + IterNo() - 1 <= y;",
            "LOAD a FROM_FIELD (T, f) (txt);",
            "LOAD a FROM x.qvd (qvd) $(v) $(w);",
            "LOAD distinct, a FROM x;",
            "LOAD;",
            "LOAD *;",
            "Mapping LOAD a, b RESIDENT t;",
            "NoConcatenate Generic Semantic LOAD a RESIDENT t;",
            "A: B: Concatenate (T) LOAD a RESIDENT t;",
            "Concatenate(T LOAD a RESIDENT t;",
            "Concatenate () LOAD a RESIDENT t;",
            "Concatenate LOAD a RESIDENT t;",
            "Inner Join (T) Left Keep Right Join Outer Keep Join Keep LOAD a RESIDENT t;",
            "Left LOAD a RESIDENT t;",
            "Left: LOAD a RESIDENT t;",
            "$(v): LOAD a RESIDENT t;",
            "$(v) LOAD a RESIDENT t;",
            "'quoted': 2: [x y]: LOAD a RESIDENT t;",
            "CrossTable(M, V) LOAD * RESIDENT t;",
            "CrossTable(M, V, 2) LOAD * RESIDENT t;",
            "CrossTable(M, V,) LOAD * RESIDENT t;",
            "CrossTable(M) LOAD * RESIDENT t;",
            "First 10 LOAD * RESIDENT t;",
            "SQL SELECT a, b FROM dbo.t WHERE c = 'x;y';",
            "T: SELECT * FROM t;",
            "QSL x;",
            "SQL;",
            "STORE T INTO [lib://x/T.qvd] (qvd);",
            "STORE a, b AS c, * FROM T INTO x.csv (txt, delimiter is ';');",
            "STORE a AS FROM T INTO x.qvd;",
            "STORE a, FROM T INTO x.qvd;",
            "STORE T, U INTO x.qvd;",
            "STORE T INTO;",
            "STORE T x.qvd;",
            "STORE FROM FROM T INTO x;",
            "DROP TABLE a;",
            "DROP TABLES a, b, [c d];",
            "DROP FIELD a FROM b, c;",
            "DROP FIELDS a, b FROM;",
            "DROP RELATIONSHIP x;",
            "DROP a;",
            "SET v = 'x';",
            "SET v = ;",
            "SET v =  a b  ;",
            "SET v = [x] // c\n;",
            "SET v;",
            "SET = 1;",
            "LET v = ;",
            "LET v = 1 + ;",
            "LET v = a b;",
            "LET v == 1;",
            "LET $(v) = 'x' & $(w);",
        ]
        .join("\n"),
    );
    texts.push(
        [
            "IF a THEN",
            "ELSEIF b > 1 AND c THEN",
            "ELSE",
            "ELSE x",
            "END IF",
            "ENDIF",
            "END SUB",
            "END SWITCH",
            "END",
            "END x",
            "FOR i = 1 TO 10 STEP 2",
            "FOR i = 1 TO 10 STEP",
            "FOR each = 1 TO 3",
            "FOR EACH f IN 'a', 'b'",
            "FOR i 1 TO 2",
            "FOR i = 1 TO",
            "NEXT",
            "NEXT i",
            "NEXT i j",
            "IF THEN",
            "IF a",
            "v = 1",
        ]
        .join("\n"),
    );
    let mut checked = 0;
    let mut by_hand = 0;
    for text in &texts {
        let mut splitter = Splitter::new(text);
        let items: Vec<split::Item> = std::iter::from_fn(|| splitter.next_item()).collect();
        let parsers = Parsers::new(text);
        let all: &[Spanned] = &splitter.tokens;
        for item in items {
            let tokens = &all[item.tokens.clone()];
            let eoi = item.eoi(tokens);
            let which = match item.kind {
                ItemKind::Regular { .. } => 0,
                ItemKind::Control => 1,
                _ => continue,
            };
            if too_deep(tokens).is_some() {
                continue;
            }
            let (agree, answered) = parsers.passes_agree(which, tokens, eoi);
            assert!(agree, "passes disagree on {:?}", &text[item.span.range()]);
            checked += 1;
            by_hand += usize::from(answered);
        }
    }
    assert!(checked > 1000, "only {checked} statements checked");
    assert!(
        by_hand > checked / 3,
        "the hand-written pass read only {by_hand} of {checked} statements"
    );
}

/// The text of every corpus script, in a fixed order.
fn corpus_texts() -> Vec<String> {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    crate::inputs::script_files(&[corpus])
        .into_result()
        .expect("corpus")
        .into_iter()
        .filter(|path| path.extension().is_some_and(|e| e == "qvs"))
        .map(|path| SourceFile::decode("x", &std::fs::read(path).expect("read")).text)
        .collect()
}

/// Differential fuzzing of the hand-written pass: corpus statements with a token deleted,
/// doubled or replaced by one of the tokens its decisions turn on. Whatever it accepts, the
/// combinators must build identically (and their two passes must agree too).
#[test]
fn passes_agree_on_mutated_statements() {
    const REPLACEMENTS: &[Token<'static>] = &[
        Token::Comma,
        Token::LParen,
        Token::RParen,
        Token::Star,
        Token::Colon,
        Token::Eq,
        Token::Minus,
        Token::Ident("as"),
        Token::Ident("from"),
        Token::Ident("where"),
        Token::Ident("group"),
        Token::Ident("order"),
        Token::Ident("by"),
        Token::Ident("distinct"),
        Token::Ident("total"),
        Token::Ident("join"),
        Token::Ident("keep"),
        Token::Ident("then"),
        Token::Ident("each"),
        Token::Ident("asc"),
        Token::Ident("desc"),
        Token::Ident("into"),
        Token::Ident("resident"),
        Token::Ident("inline"),
        Token::Ident("autogenerate"),
        Token::Ident("step"),
        Token::Ident("to"),
        Token::Ident("crosstable"),
        Token::Ident("concatenate"),
        Token::Ident("drop"),
        Token::Ident("sql"),
        Token::Ident("not"),
        Token::Ident("and"),
        Token::Ident("@1"),
        Token::Dollar("$(v)"),
        Token::String("'x'"),
        Token::QName("[x]"),
        Token::Number("1"),
        Token::LBrace,
    ];
    // `QLINEAGE_MUTATIONS` (per statement) and `QLINEAGE_SEED` make longer runs.
    let knob = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let rounds = knob("QLINEAGE_MUTATIONS", 3);
    let mut state = knob("QLINEAGE_SEED", 0x9E37_79B9_7F4A_7C15) | 1;
    let mut random = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let (mut checked, mut by_hand) = (0, 0);
    for text in corpus_texts() {
        let mut splitter = Splitter::new(&text);
        let items: Vec<split::Item> = std::iter::from_fn(|| splitter.next_item()).collect();
        let all: &[Spanned] = &splitter.tokens;
        let mut cases = Vec::new();
        for item in items {
            let tokens = &all[item.tokens.clone()];
            let which = match item.kind {
                ItemKind::Regular { .. } => 0,
                ItemKind::Control => 1,
                _ => continue,
            };
            if tokens.is_empty() || too_deep(tokens).is_some() {
                continue;
            }
            for _ in 0..rounds {
                let mut mutated = tokens.to_vec();
                for _ in 0..1 + random(2) {
                    let at = random(mutated.len());
                    match random(3) {
                        0 => {
                            mutated.remove(at);
                        }
                        1 => mutated.insert(at, mutated[at]),
                        _ => mutated[at].0 = REPLACEMENTS[random(REPLACEMENTS.len())],
                    }
                    if mutated.is_empty() {
                        break;
                    }
                }
                cases.push((which, mutated, item.eoi(tokens)));
            }
        }
        let parsers = Parsers::new(&text);
        for (which, mutated, eoi) in &cases {
            let (agree, answered) = parsers.passes_agree(*which, mutated, *eoi);
            assert!(
                agree,
                "passes disagree on {:?}",
                mutated.iter().map(|(t, _)| *t).collect::<Vec<_>>()
            );
            checked += 1;
            by_hand += usize::from(answered);
        }
    }
    assert!(
        checked > 3000 && by_hand > 500,
        "{checked} checked, {by_hand} by hand"
    );
}

/// Batches of statements are split and parsed one after the other; nothing may change at
/// their boundaries, including a "missing `;`" recovery that rewinds across one.
#[test]
fn batch_boundaries_are_invisible() {
    let mut text = String::new();
    for i in 0..(3 * BATCH) {
        if i == BATCH - 1 || i == 2 * BATCH {
            text.push_str(&format!("LET v{i} = {i}\n"));
        } else {
            text.push_str(&format!("LET v{i} = {i};\n"));
        }
    }
    let parsed = parse_str(&text);
    assert_eq!(parsed.script.statements.len(), 3 * BATCH);
    let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["QS101", "QS101"]);
    for (i, stmt) in parsed.script.statements.iter().enumerate() {
        match &stmt.kind {
            StmtKind::Let(l) => assert_eq!(l.name.text, format!("v{i}")),
            other => panic!("statement {i}: {other:?}"),
        }
    }
}

fn only(text: &str) -> Vec<Stmt> {
    let parsed = parse_str(text);
    assert!(
        parsed.diagnostics.is_empty(),
        "{text}: {:?}",
        parsed.diagnostics
    );
    parsed.script.statements
}

#[test]
fn unquoted_paths_stop_only_at_group_by_and_order_by() {
    let stmts = only("LOAD * FROM lib://Data/Order Data/a.qvd (qvd);");
    let StmtKind::Load(load) = &stmts[0].kind else {
        panic!()
    };
    let LoadSource::From(from) = &load.source else {
        panic!()
    };
    assert_eq!(from.path.text, "lib://Data/Order Data/a.qvd");
}

#[test]
fn path_values_keep_parentheses_and_lose_quotes() {
    let stmts = only("Directory C:\\dir(1)\\;\nBinary [lib://Apps/Sales (old).qvf];");
    let bodies: Vec<String> = stmts
        .iter()
        .map(|s| match &s.kind {
            StmtKind::Raw(raw) => raw.body.as_ref().unwrap().text.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(bodies, ["C:\\dir(1)\\", "lib://Apps/Sales (old).qvf"]);
}

#[test]
fn rem_and_trace_bodies_respect_quotes_closed_on_their_line() {
    let stmts = only("TRACE 'a;b';\nREM don't do this;\nLET x = 1;");
    assert_eq!(stmts.len(), 3);
    let StmtKind::Raw(trace) = &stmts[0].kind else {
        panic!()
    };
    assert_eq!(trace.body.as_ref().unwrap().text, "'a;b'");
    assert!(matches!(stmts[2].kind, StmtKind::Let(_)));
}

#[test]
fn templated_assignments_end_at_the_line() {
    let stmts = only("v$(i) = 1\n$(vName) = 2\nLET a = 1;");
    assert_eq!(stmts.len(), 3);
    assert!(stmts.iter().all(|s| matches!(s.kind, StmtKind::Let(_))));
}

#[test]
fn set_values_drop_comments_around_a_quoted_value() {
    let stmts = only("SET v = 'abc' /* why */;");
    let StmtKind::Set(set) = &stmts[0].kind else {
        panic!()
    };
    assert_eq!(set.value, "abc");
}

#[test]
fn crosstable_takes_strings_and_raw_sql_is_never_too_deep() {
    only("CrossTable('Month', 'Amount', 2) LOAD * INLINE [a,b,c\n1,2,3];");
    let deep = format!("SQL SELECT {}1{} FROM t;", "(".repeat(100), ")".repeat(100));
    only(&deep);
}

fn chart(text: &str) -> Expr {
    let parsed = parse_chart_expression(text);
    assert!(
        parsed.diagnostics.is_empty(),
        "{text}: {:?}",
        parsed.diagnostics
    );
    parsed
        .expr
        .unwrap_or_else(|| panic!("{text}: no expression"))
}

#[test]
fn chart_qualifiers_in_any_order_and_sets_only_on_aggregations() {
    let Expr::Call(call) = chart("Fractile(TOTAL ALL Sales, 0.5)") else {
        panic!()
    };
    assert!(call.all && call.total.is_some());
    let Expr::Call(range) = chart("RangeSum({<Year={2021}>} Sum(Sales))") else {
        panic!()
    };
    assert!(range.set.is_none());
    assert!(matches!(range.args[0], Expr::Scoped(_)));
    let Expr::Call(sum) = chart("Sum({$(vSet)} Sales)") else {
        panic!()
    };
    assert!(sum.set.is_some());
    assert!(parse_chart_expression("A - {<Y={1}>} B").expr.is_none());
}

#[test]
fn reparse_moves_spans_to_their_origin_and_tags_the_file() {
    let parser = Parser::new();
    let origin = Origin {
        file: FileId(3),
        offset: 100,
    };
    let parsed = parser.statements("T: LOAD a, FROM [x.qvd] (qvd);\nLOAD b FRM y;", origin);
    let first = &parsed.script.statements[0];
    assert_eq!(first.span.start, 100);
    let StmtKind::Load(load) = &first.kind else {
        panic!("load");
    };
    assert_eq!(load.source_span, Some(Span::new(111, 129)));
    assert!(!parsed.diagnostics.is_empty());
    for d in &parsed.diagnostics {
        assert_eq!(d.file, FileId(3));
        assert!(d.span.start >= 130, "{d:?}");
    }
    let expr = parser.expression("Sum(x) + 1", origin, true);
    assert_eq!(expr.expr.map(|e| e.span()), Some(Span::new(100, 110)));
}

#[test]
fn a_control_clause_parses_alone_and_a_broken_one_still_says_what_it_opens() {
    let parser = Parser::new();
    let at = |offset| Origin {
        file: FileId(1),
        offset,
    };
    let ok = parser.clause("IF $(vX) = 1 THEN", at(10));
    assert!(ok.diagnostics.is_empty(), "{:?}", ok.diagnostics);
    let Some(ControlClause::If(Expr::Binary(b))) = ok.clause else {
        panic!("{:?}", ok.clause);
    };
    assert_eq!(b.span, Span::new(13, 22));
    let broken = parser.clause("FOR i = 1 TO", at(0));
    assert!(matches!(broken.clause, Some(ControlClause::For { .. })));
    assert_eq!(broken.diagnostics.len(), 1);
    assert_eq!(broken.diagnostics[0].file, FileId(1));
    let not_a_clause = parser.clause("LOAD a FROM b;", at(0));
    assert!(not_a_clause.clause.is_none());
    assert_eq!(not_a_clause.diagnostics.len(), 1);
    let next = parser.clause("NEXT i", at(5));
    assert!(
        matches!(next.clause, Some(ControlClause::Next(Some(ref i))) if i.span == Span::new(10, 11))
    );
}

#[test]
fn preceding_loads_chain_again_after_expansion() {
    // As the resolver sees it after expanding `$(vSource)` and dropping the IF: the open LOAD
    // now sits right above the SELECT it reads.
    let first = parse_str("LOAD a;\nIF 1 THEN\nEND IF\n");
    let StmtKind::Load(load) = &first.script.statements[0].kind else {
        panic!("load");
    };
    assert_eq!(load.source, LoadSource::Following);
    assert!(!first.has_errors(), "{:?}", first.diagnostics);
    let mut statements = first.script.statements;
    statements.truncate(1);
    statements.extend(parse_str("SQL SELECT a FROM t;").script.statements);
    let (chained, diagnostics) = chain_preceding_loads(statements, false);
    assert!(diagnostics.is_empty());
    assert_eq!(chained.len(), 1);
    let StmtKind::Load(load) = &chained[0].kind else {
        panic!("load");
    };
    assert!(matches!(load.source, LoadSource::Preceding(_)));
    let (alone, diagnostics) = chain_preceding_loads(parse_str("LOAD a;").script.statements, false);
    assert_eq!(alone.len(), 1);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, Code::PrecedingLoadWithoutSource);
}
