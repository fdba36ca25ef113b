//! Unit tests of `filter` and `orderby`: grammar, semantics, validation and errors.

use super::parse::{is_guid, parse_number};
use super::*;
use serde_json::json;
use serde_json::Value;

fn app() -> Value {
    json!({
        "id": "0b5e0f3e-1234-4abc-9def-0123456789ab",
        "name": "Sales Dashboard",
        "description": null,
        "published": true,
        "publishTime": "2024-03-01T10:00:00.000Z",
        "modifiedDate": "2024-06-15T08:30:00.000Z",
        "fileSize": 123456,
        "status": 8,
        "ratio": 0.5,
        "stream": {"id": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "name": "Finance Stream"},
        "owner": {"userId": "jdoe", "userDirectory": "CORP", "name": "John O'Brien"},
        "tags": [
            {"id": "11111111-1111-1111-1111-111111111111", "name": "Finance"},
            {"id": "22222222-2222-2222-2222-222222222222", "name": "Quarterly"}
        ],
        "roles": ["Admin", "Developer"],
        "operational": {"lastExecutionResult": {
            "status": 7, "startTime": "2012-05-09T12:00:00.000Z"}},
        "ÄrgerlichName": "Größe"
    })
}

fn unpublished() -> Value {
    json!({
        "id": "ffffffff-1234-4abc-9def-0123456789ab",
        "name": "HR Report",
        "description": "People",
        "published": false,
        "publishTime": "1753-01-01T00:00:00.000Z",
        "modifiedDate": "2023-01-01T00:00:00.000Z",
        "fileSize": 99,
        "status": 2,
        "ratio": 1.5,
        "stream": null,
        "owner": {"userId": "asmith", "userDirectory": "CORP", "name": "Ann Smith"},
        "tags": [],
        "roles": [],
        "operational": {"lastExecutionResult": {
            "status": 8, "startTime": "2026-01-01T00:00:00.000Z"}},
        "ÄrgerlichName": "x"
    })
}

fn m(filter: &str, entity: &Value) -> bool {
    let f = Filter::parse(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    f.validate(&app())
        .unwrap_or_else(|e| panic!("{filter}: validate: {e}"));
    f.matches(entity)
}

fn syntax_err(filter: &str) -> (usize, String) {
    match Filter::parse(filter) {
        Err(FilterError::Syntax { position, message }) => (position, message),
        other => panic!("{filter}: expected syntax error, got {other:?}"),
    }
}

fn validate_err(filter: &str) -> FilterError {
    Filter::parse(filter)
        .unwrap_or_else(|e| panic!("{filter}: {e}"))
        .validate(&app())
        .expect_err(filter)
}

// --- strings -----------------------------------------------------------------------

#[test]
fn string_eq_ne_case_insensitive() {
    assert!(m("name eq 'Sales Dashboard'", &app()));
    assert!(m("name eq 'sales DASHBOARD'", &app()));
    assert!(!m("name eq 'Sales'", &app()));
    assert!(m("name ne 'Sales'", &app()));
    assert!(!m("name ne 'SALES dashboard'", &app()));
}

#[test]
fn string_unicode_case_insensitive() {
    assert!(m("ÄRGERLICHNAME eq 'größe'", &app()));
    assert!(m("ärgerlichName sw 'GRÖ'", &app()));
    assert!(m("ärgerlichname eq 'GRÖßE'", &app()));
}

#[test]
fn string_ordering_ops() {
    assert!(m("name gt 'Apple'", &app()));
    assert!(!m("name gt 'zebra'", &app()));
    assert!(m("name ge 'sales dashboard'", &app()));
    assert!(m("name le 'SALES DASHBOARD'", &app()));
    assert!(m("name lt 'T'", &app()));
    assert!(!m("name lt 'sales'", &app()));
}

#[test]
fn string_sw_ew_so() {
    assert!(m("name sw 'sales'", &app()));
    assert!(!m("name sw 'dash'", &app()));
    assert!(m("name ew 'BOARD'", &app()));
    assert!(!m("name ew 'sales'", &app()));
    assert!(m("name so 'les da'", &app()));
    assert!(!m("name so 'xyz'", &app()));
    assert!(m("name sw ''", &app()));
}

#[test]
fn quoted_quotes() {
    assert!(m("owner.name eq 'John O''Brien'", &app()));
    assert!(m("owner.name so ''''", &app()));
    assert!(!m("owner.name eq 'John OBrien'", &app()));
    let f = Filter::parse("name eq 'a''''b'").unwrap();
    assert!(f.matches(&json!({"name": "a''b"})));
}

#[test]
fn quoted_value_with_keywords_and_parens() {
    let e = json!({"name": "x and (y) or z, 'q'"});
    let f = Filter::parse("name eq 'x and (y) or z, ''q'''").unwrap();
    assert!(f.matches(&e));
}

#[test]
fn guid_values() {
    assert!(m("id eq 0b5e0f3e-1234-4abc-9def-0123456789ab", &app()));
    assert!(m("id eq 0B5E0F3E-1234-4ABC-9DEF-0123456789AB", &app()));
    assert!(m("id eq {0b5e0f3e-1234-4abc-9def-0123456789ab}", &app()));
    assert!(m("id eq '0b5e0f3e-1234-4abc-9def-0123456789ab'", &app()));
    assert!(m("id ne 0b5e0f3e-1234-4abc-9def-0123456789ac", &app()));
    assert!(m(
        "stream.id eq AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE",
        &app()
    ));
    assert!(m("tags.id eq 22222222-2222-2222-2222-222222222222", &app()));
}

// --- numbers -----------------------------------------------------------------------

#[test]
fn number_ops() {
    assert!(m("status eq 8", &app()));
    assert!(!m("status eq 7", &app()));
    assert!(m("status ne 7", &app()));
    assert!(m("status gt 7", &app()));
    assert!(!m("status gt 8", &app()));
    assert!(m("status ge 8", &app()));
    assert!(m("status lt 9", &app()));
    assert!(m("status le 8", &app()));
    assert!(!m("status lt 8", &app()));
    assert!(m("fileSize gt 1.2e5", &app()));
    assert!(m("ratio eq 0.5", &app()));
    assert!(m("ratio lt 1", &app()));
    assert!(m("ratio gt -1", &app()));
    assert!(m("status eq 8.0", &app()));
    assert!(m("status eq '8'", &app()));
    assert!(m("status eq ' 8 '", &app()));
}

#[test]
fn number_value_against_string_compares_text() {
    let e = json!({"code": "42"});
    assert!(Filter::parse("code eq 42").unwrap().matches(&e));
}

// --- booleans ----------------------------------------------------------------------

#[test]
fn bool_ops() {
    assert!(m("published eq true", &app()));
    assert!(!m("published eq false", &app()));
    assert!(m("published ne false", &app()));
    assert!(m("published eq TRUE", &app()));
    assert!(m("published eq False", &unpublished()));
    assert!(m("published eq 'true'", &app()));
    assert!(!m("published eq true", &unpublished()));
}

// --- dates -------------------------------------------------------------------------

#[test]
fn date_comparisons() {
    assert!(m("modifiedDate gt '2024-01-01T00:00:00.000Z'", &app()));
    assert!(!m(
        "modifiedDate gt '2024-01-01T00:00:00.000Z'",
        &unpublished()
    ));
    assert!(m("modifiedDate lt '2025-01-01'", &app()));
    assert!(m("modifiedDate eq '2024-06-15 08:30:00'", &app()));
    assert!(m("modifiedDate eq '2024-06-15T08:30Z'", &app()));
    assert!(m("modifiedDate eq '2024-06-15T10:30:00+02:00'", &app()));
    assert!(m("modifiedDate ge '2024-06-15T08:30:00.000Z'", &app()));
    assert!(!m("modifiedDate gt '2024-06-15T08:30:00.000Z'", &app()));
    assert!(m("modifiedDate gt '2024-06-15T08:29:59.999Z'", &app()));
    assert!(m("modifiedDate le '2024-06-15T08:30:00.0001Z'", &app()));
    assert!(m("modifiedDate lt '2024-06-15T08:30:00.0001Z'", &app()));
    assert!(m(
        "operational.lastExecutionResult.startTime gt '2012-05-09 11:59:59'",
        &app()
    ));
    assert!(!m(
        "operational.lastExecutionResult.startTime gt '2012-05-09 12:00:00'",
        &app()
    ));
    assert!(m(
        "operational.lastExecutionResult.startTime eq '2026-01-01'",
        &unpublished()
    ));
    // A date-only value is midnight: anything later that day is greater.
    assert!(m("modifiedDate gt '2024-06-15'", &app()));
    assert!(m("modifiedDate lt '2024-06-16'", &app()));
    // Prefix match on a date works textually.
    assert!(m("modifiedDate sw '2024-06'", &app()));
}

// --- conditionals ------------------------------------------------------------------

#[test]
fn and_binds_tighter_than_or() {
    // true or (false and false) => true; (true or false) and false => false.
    let e = app();
    assert!(m("status eq 8 or status eq 1 and name eq 'x'", &e));
    assert!(!m("(status eq 8 or status eq 1) and name eq 'x'", &e));
    // (false and true) or true => true
    assert!(m("status eq 1 and published eq true or name sw 's'", &e));
    // false and (true or true) => false
    assert!(!m("status eq 1 and (published eq true or name sw 's')", &e));
}

#[test]
fn and_or_chains_and_case() {
    let e = app();
    assert!(m("status eq 8 AND published eq true And name sw 'S'", &e));
    assert!(!m("status eq 8 and published eq false and name sw 'S'", &e));
    assert!(m("status eq 1 OR status eq 2 Or status eq 8", &e));
    assert!(!m("status eq 1 or status eq 2 or status eq 3", &e));
}

#[test]
fn nested_parentheses() {
    let e = app();
    assert!(m("((status eq 8))", &e));
    assert!(m(
        "(name eq 'x' or (status gt 5 and (published eq true or status eq 0)))",
        &e
    ));
    assert!(!m(
        "(name eq 'x' or (status gt 5 and (published eq false or status eq 0)))",
        &e
    ));
    assert!(m("(status eq 8)and(name sw 's')", &e));
}

#[test]
fn operators_and_keywords_case_insensitive() {
    let e = app();
    assert!(m("name EQ 'Sales Dashboard'", &e));
    assert!(m("name Sw 'sales'", &e));
    assert!(m("status GE 8 aNd status LE 8", &e));
    assert!(m("stream Ne NULL", &e));
}

// --- paths -------------------------------------------------------------------------

#[test]
fn nested_paths() {
    let e = app();
    assert!(m("stream.name eq 'Finance Stream'", &e));
    assert!(m("owner.userId eq 'JDOE'", &e));
    assert!(m("operational.lastExecutionResult.status eq 7", &e));
    assert!(m(
        "operational.lastExecutionResult.status eq 8",
        &unpublished()
    ));
}

#[test]
fn property_names_case_insensitive() {
    let e = app();
    assert!(m("Name eq 'sales dashboard'", &e));
    assert!(m("STREAM.NAME eq 'finance stream'", &e));
    assert!(m("Owner.UserID eq 'jdoe'", &e));
    assert!(m("OPERATIONAL.lastexecutionresult.STATUS eq 7", &e));
}

#[test]
fn exact_key_preferred_over_case_insensitive() {
    let e = json!({"Name": "upper", "name": "lower"});
    assert!(Filter::parse("name eq 'lower'").unwrap().matches(&e));
    assert!(Filter::parse("Name eq 'upper'").unwrap().matches(&e));
    assert!(!Filter::parse("Name eq 'lower'").unwrap().matches(&e));
}

#[test]
fn arrays_match_any_element() {
    let e = app();
    assert!(m("tags.name eq 'Finance'", &e));
    assert!(m("tags.name eq 'quarterly'", &e));
    assert!(!m("tags.name eq 'HR'", &e));
    assert!(m("tags.name sw 'quar'", &e));
    assert!(m("roles eq 'admin'", &e));
    assert!(!m("roles eq 'root'", &e));
    // existential `ne`: some tag is not named Finance
    assert!(m("tags.name ne 'Finance'", &e));
    // empty arrays have no element, so nothing matches
    assert!(!m("tags.name eq 'Finance'", &unpublished()));
    assert!(!m("tags.name ne 'Finance'", &unpublished()));
    assert!(!m("tags.name eq null", &unpublished()));
}

#[test]
fn nested_arrays() {
    let e = json!({"a": [{"b": [{"c": 1}, {"c": 2}]}, {"b": [{"c": 3}]}], "m": [[1, 2], [3]]});
    let f = |s: &str| Filter::parse(s).unwrap().matches(&e);
    assert!(f("a.b.c eq 3"));
    assert!(f("a.b.c gt 2"));
    assert!(!f("a.b.c gt 3"));
    assert!(f("m eq 3"));
}

// --- null --------------------------------------------------------------------------

#[test]
fn null_handling() {
    let (a, u) = (app(), unpublished());
    assert!(m("stream ne null", &a));
    assert!(!m("stream eq null", &a));
    assert!(m("stream eq null", &u));
    assert!(!m("stream ne null", &u));
    // null along the path
    assert!(m("stream.name eq null", &u));
    assert!(!m("stream.name ne null", &u));
    assert!(!m("stream.name eq 'Finance Stream'", &u));
    assert!(!m("stream.name ne 'Finance Stream'", &u));
    assert!(!m("stream.name sw 'F'", &u));
    // null leaf
    assert!(m("description eq null", &a));
    assert!(!m("description ne 'x'", &a));
    assert!(m("description ne null", &u));
    // missing key in the entity behaves like null
    let missing = json!({"name": "x"});
    let f = Filter::parse("stream.name eq null").unwrap();
    assert!(f.matches(&missing));
    let f = Filter::parse("stream ne null").unwrap();
    assert!(!f.matches(&missing));
    // null literal is case-insensitive
    assert!(m("stream eq NULL", &u));
}

#[test]
fn null_only_with_eq_ne() {
    assert!(matches!(
        Filter::parse("stream gt null"),
        Err(FilterError::TypeMismatch { ref property, .. }) if property == "stream"
    ));
    assert!(matches!(
        Filter::parse("name sw null"),
        Err(FilterError::TypeMismatch { .. })
    ));
}

// --- validation --------------------------------------------------------------------

#[test]
fn unknown_property() {
    assert_eq!(
        validate_err("nmae eq 'x'"),
        FilterError::UnknownProperty("nmae".into())
    );
    assert_eq!(
        validate_err("status eq 8 and Stream.Nmae eq 'x'"),
        FilterError::UnknownProperty("Stream.Nmae".into())
    );
    assert_eq!(
        validate_err("name.length eq 3"),
        FilterError::UnknownProperty("name.length".into())
    );
    assert_eq!(
        validate_err("(name eq 'a' or (tags.color eq 'red'))"),
        FilterError::UnknownProperty("tags.color".into())
    );
    assert_eq!(
        FilterError::UnknownProperty("x".into()).to_string(),
        "unknown property 'x'"
    );
}

#[test]
fn validate_accepts_good_filters() {
    let t = app();
    for f in [
        "name eq 'x'",
        "tags.name eq 'Finance'",
        "roles eq 'Admin'",
        "stream eq null",
        "stream.name ne null",
        "description eq 'anything'",
        "modifiedDate gt '2024-01-01'",
        "modifiedDate sw '2024'",
        "status eq '8'",
        "published eq 'FALSE'",
        "id eq 0b5e0f3e-1234-4abc-9def-0123456789ab",
    ] {
        Filter::parse(f).unwrap().validate(&t).unwrap();
    }
    // Through null / empty arrays in the template the rest is unchecked.
    let t2 = json!({"stream": null, "tags": []});
    Filter::parse("stream.whatever eq 1 and tags.anything eq 'x'")
        .unwrap()
        .validate(&t2)
        .unwrap();
}

#[test]
fn type_mismatches() {
    let cases = [
        ("published eq 'x'", "published"),
        ("published lt 'true'", "published"),
        ("published eq 1", "published"),
        ("status sw '8'", "status"),
        ("status eq 'eight'", "status"),
        ("status eq true", "status"),
        ("status eq 0b5e0f3e-1234-4abc-9def-0123456789ab", "status"),
        ("name eq true", "name"),
        ("modifiedDate gt 'yesterday'", "modifiedDate"),
        ("modifiedDate gt 2024", "modifiedDate"),
        ("stream eq 'x'", "stream"),
        ("Owner so 'x'", "Owner"),
    ];
    for (f, prop) in cases {
        match validate_err(f) {
            FilterError::TypeMismatch { property, message } => {
                assert_eq!(property, prop, "{f}");
                assert!(!message.is_empty());
            }
            other => panic!("{f}: {other:?}"),
        }
    }
}

#[test]
fn type_mismatches_at_parse_time() {
    for f in [
        "name sw 5",
        "name ew true",
        "name so null",
        "published gt false",
    ] {
        assert!(
            matches!(Filter::parse(f), Err(FilterError::TypeMismatch { .. })),
            "{f}"
        );
    }
}

#[test]
fn mismatched_types_never_match() {
    let e = app();
    let f = |s: &str| Filter::parse(s).unwrap().matches(&e);
    assert!(!f("status eq 'eight'"));
    assert!(!f("status ne 'eight'"));
    assert!(!f("published eq 'maybe'"));
    assert!(!f("stream eq 'x'"));
    assert!(!f("stream ne 'x'"));
    assert!(!f("status eq true"));
}

// --- syntax errors -----------------------------------------------------------------

#[test]
fn syntax_unterminated_string() {
    let (pos, msg) = syntax_err("name eq 'abc");
    assert_eq!(pos, 8);
    assert!(msg.contains("unterminated string"), "{msg}");
    let (pos, _) = syntax_err("name eq 'it''s");
    assert_eq!(pos, 8);
}

#[test]
fn syntax_missing_value() {
    let (pos, msg) = syntax_err("name eq");
    assert_eq!(pos, 7);
    assert!(msg.contains("expected a value"), "{msg}");
    assert!(msg.contains("end of filter"), "{msg}");
    let (pos, msg) = syntax_err("(name eq)");
    assert_eq!(pos, 8);
    assert!(msg.contains("found ')'"), "{msg}");
    let (pos, msg) = syntax_err("name eq Sales");
    assert_eq!(pos, 8);
    assert!(msg.contains("single quotes"), "{msg}");
}

#[test]
fn syntax_missing_or_bad_operator() {
    let (pos, msg) = syntax_err("name");
    assert_eq!(pos, 4);
    assert!(msg.contains("expected an operator"), "{msg}");
    let (pos, msg) = syntax_err("name = 'x'");
    assert_eq!(pos, 5);
    assert!(msg.contains("found '='"), "{msg}");
    let (pos, _) = syntax_err("name contains 'x'");
    assert_eq!(pos, 5);
}

#[test]
fn syntax_trailing_garbage() {
    let (pos, msg) = syntax_err("name eq 'x' foo");
    assert_eq!(pos, 12);
    assert!(
        msg.contains("expected 'and', 'or' or end of filter"),
        "{msg}"
    );
    let (pos, _) = syntax_err("name eq 'x''y' 'z'");
    assert_eq!(pos, 15);
    let (pos, msg) = syntax_err("name eq 'x' and");
    assert_eq!(pos, 15);
    assert!(msg.contains("after 'and'"), "{msg}");
    let (pos, msg) = syntax_err("name eq 'x' or or status eq 1");
    assert_eq!(pos, 15);
    assert!(msg.contains("keyword 'or'"), "{msg}");
    let (pos, _) = syntax_err("name eq 'x',");
    assert_eq!(pos, 11);
}

#[test]
fn syntax_unbalanced_parens() {
    let (pos, msg) = syntax_err("(name eq 'x'");
    assert_eq!(pos, 12);
    assert!(msg.contains("to close the '(' at position 0"), "{msg}");
    let (pos, msg) = syntax_err("name eq 'x')");
    assert_eq!(pos, 11);
    assert!(msg.contains("without a matching '('"), "{msg}");
    let (pos, _) = syntax_err("((name eq 'x')");
    assert_eq!(pos, 14);
    let (pos, msg) = syntax_err("()");
    assert_eq!(pos, 1);
    assert!(msg.contains("expected a property name or '('"), "{msg}");
}

#[test]
fn syntax_misc() {
    let (pos, msg) = syntax_err("");
    assert_eq!(pos, 0);
    assert!(msg.contains("end of filter"), "{msg}");
    let (pos, _) = syntax_err("   ");
    assert_eq!(pos, 3);
    let (pos, msg) = syntax_err("'name' eq 'x'");
    assert_eq!(pos, 0);
    assert!(msg.contains("not quoted"), "{msg}");
    let (pos, msg) = syntax_err("stream..name eq 'x'");
    assert_eq!(pos, 7);
    assert!(msg.contains("invalid property name"), "{msg}");
    let (pos, _) = syntax_err("1abc eq 'x'");
    assert_eq!(pos, 0);
    // positions are character offsets, not bytes
    let (pos, _) = syntax_err("ärger eq 'x' ü");
    assert_eq!(pos, 13);
    let e = Filter::parse("name eq").unwrap_err();
    assert!(e.to_string().starts_with("syntax error at position 7: "));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}name eq 'x'{}", "(".repeat(10_000), ")".repeat(10_000));
    let (pos, msg) = syntax_err(&deep);
    assert_eq!(pos, MAX_DEPTH);
    assert!(msg.contains("nested too deeply"), "{msg}");
    let ok = format!(
        "{}name eq 'x'{}",
        "(".repeat(MAX_DEPTH),
        ")".repeat(MAX_DEPTH)
    );
    assert!(Filter::parse(&ok).unwrap().matches(&json!({"name": "X"})));
    let long = vec!["status eq 1"; 5_000].join(" or ");
    assert!(Filter::parse(&long).unwrap().matches(&json!({"status": 1})));
}

#[test]
fn garbage_never_panics() {
    let atoms = [
        "name",
        "eq",
        "ne",
        "gt",
        "sw",
        "and",
        "or",
        "AND",
        "(",
        ")",
        "'",
        "''",
        "'x'",
        ",",
        " ",
        "  ",
        "null",
        "true",
        "8",
        "-1.5e3",
        ".",
        "a.b",
        "tags.name",
        "é",
        "💥",
        "\t",
        "0b5e0f3e-1234-4abc-9def-0123456789ab",
        "'2024-01-01'",
        "asc",
        "desc",
        "{",
        "\\",
        "\"",
        "=",
        "e",
        "1e999",
        "stream",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let entities = [
        app(),
        unpublished(),
        json!(null),
        json!([1, {"name": []}]),
        json!(7),
    ];
    let mut parsed = 0;
    for _ in 0..20_000 {
        let n = (next() % 12) as usize;
        let mut s = String::new();
        for _ in 0..n {
            if next() % 10 == 0 {
                // raw random character, including control and non-BMP ones
                let c = char::from_u32((next() % 0x1_0000) as u32).unwrap_or('?');
                s.push(c);
            } else {
                s.push_str(atoms[(next() % atoms.len() as u64) as usize]);
                if next() % 2 == 0 {
                    s.push(' ');
                }
            }
        }
        if let Ok(f) = Filter::parse(&s) {
            parsed += 1;
            for e in &entities {
                let _ = f.validate(e);
                let _ = f.matches(e);
            }
        }
        if let Ok(o) = OrderBy::parse(&s) {
            let _ = o.validate(&app());
            let mut items = entities.to_vec();
            o.sort(&mut items);
        }
        if let Err(FilterError::Syntax { position, .. }) = Filter::parse(&s) {
            assert!(position <= s.chars().count(), "{s:?}");
        }
    }
    assert!(parsed > 0);
    for s in [
        "",
        "'",
        "''",
        "(",
        ")",
        "name eq '",
        "\u{0}",
        "eq eq eq",
        "and or",
    ] {
        let _ = Filter::parse(s);
        let _ = OrderBy::parse(s);
    }
}

// --- orderby -----------------------------------------------------------------------

fn names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|v| v["name"].as_str().unwrap_or("").to_string())
        .collect()
}

fn sorted(order: &str, items: &[Value]) -> Vec<String> {
    let o = OrderBy::parse(order).unwrap_or_else(|e| panic!("{order}: {e}"));
    let mut v = items.to_vec();
    o.sort(&mut v);
    names(&v)
}

#[test]
fn orderby_single_key() {
    let items = vec![
        json!({"name": "beta", "n": 10}),
        json!({"name": "Alpha", "n": 9}),
        json!({"name": "gamma", "n": 100}),
    ];
    assert_eq!(sorted("name", &items), ["Alpha", "beta", "gamma"]);
    assert_eq!(sorted("name asc", &items), ["Alpha", "beta", "gamma"]);
    assert_eq!(sorted("NAME DESC", &items), ["gamma", "beta", "Alpha"]);
    // numbers numerically, not textually
    assert_eq!(sorted("n", &items), ["Alpha", "beta", "gamma"]);
    assert_eq!(sorted("n desc", &items), ["gamma", "beta", "Alpha"]);
}

#[test]
fn orderby_multi_key_and_stability() {
    let items = vec![
        json!({"name": "b", "modifiedDate": "2024-01-01T00:00:00.000Z", "k": 1}),
        json!({"name": "a", "modifiedDate": "2024-01-01 00:00:00", "k": 2}),
        json!({"name": "c", "modifiedDate": "2025-01-01T00:00:00.000Z", "k": 3}),
        json!({"name": "A", "modifiedDate": "2023-01-01T00:00:00.000Z", "k": 4}),
    ];
    assert_eq!(
        sorted("modifiedDate desc, name asc", &items),
        ["c", "a", "b", "A"]
    );
    assert_eq!(
        sorted("modifiedDate desc,name desc", &items),
        ["c", "b", "a", "A"]
    );
    // "a" and "A" compare equal: original order is kept (stable).
    assert_eq!(sorted("name", &items), ["a", "A", "b", "c"]);
    let mut rev = items.clone();
    rev.reverse();
    assert_eq!(sorted("name", &rev), ["A", "a", "b", "c"]);
}

#[test]
fn orderby_nulls_first_and_nested() {
    let items = vec![
        json!({"name": "s2", "stream": {"name": "Zeta"}}),
        json!({"name": "none", "stream": null}),
        json!({"name": "s1", "stream": {"name": "alpha"}}),
        json!({"name": "missing"}),
    ];
    assert_eq!(
        sorted("stream.name", &items),
        ["none", "missing", "s1", "s2"]
    );
    assert_eq!(
        sorted("Stream.Name desc", &items),
        ["s2", "s1", "none", "missing"]
    );
}

#[test]
fn orderby_mixed_types_total_order() {
    let items = vec![
        json!({"name": "str", "v": "x"}),
        json!({"name": "num", "v": 3}),
        json!({"name": "null", "v": null}),
        json!({"name": "bool", "v": true}),
        json!({"name": "date", "v": "2024-01-01"}),
        json!({"name": "obj", "v": {}}),
        json!({"name": "arr", "v": [2]}),
    ];
    assert_eq!(
        sorted("v", &items),
        ["null", "bool", "arr", "num", "date", "str", "obj"]
    );
}

#[test]
fn orderby_parse_errors() {
    let err = |s: &str| match OrderBy::parse(s) {
        Err(FilterError::Syntax { position, message }) => (position, message),
        other => panic!("{s}: {other:?}"),
    };
    let (pos, msg) = err("");
    assert_eq!(pos, 0);
    assert!(msg.contains("end of orderby"), "{msg}");
    let (pos, msg) = err("name,");
    assert_eq!(pos, 5);
    assert!(msg.contains("after ','"), "{msg}");
    let (pos, msg) = err("name ascending");
    assert_eq!(pos, 5);
    assert!(
        msg.contains("expected 'asc', 'desc', ',' or end of orderby"),
        "{msg}"
    );
    let (pos, _) = err("name asc desc");
    assert_eq!(pos, 9);
    let (pos, _) = err("name desc, , id");
    assert_eq!(pos, 11);
    let (pos, _) = err("'name'");
    assert_eq!(pos, 0);
    let (pos, _) = err("a..b");
    assert_eq!(pos, 2);
}

#[test]
fn orderby_validate() {
    let t = app();
    OrderBy::parse("name, modifiedDate desc, stream.name, tags.name, roles")
        .unwrap()
        .validate(&t)
        .unwrap();
    assert_eq!(
        OrderBy::parse("name, nmae desc").unwrap().validate(&t),
        Err(FilterError::UnknownProperty("nmae".into()))
    );
    assert!(matches!(
        OrderBy::parse("stream").unwrap().validate(&t),
        Err(FilterError::TypeMismatch { ref property, .. }) if property == "stream"
    ));
}

#[test]
fn orderby_sort_on_entities() {
    let mut items = vec![app(), unpublished()];
    OrderBy::parse("modifiedDate").unwrap().sort(&mut items);
    assert_eq!(names(&items), ["HR Report", "Sales Dashboard"]);
    OrderBy::parse("tags.name desc").unwrap().sort(&mut items);
    assert_eq!(names(&items), ["Sales Dashboard", "HR Report"]);
    let mut empty: Vec<Value> = vec![];
    OrderBy::parse("name").unwrap().sort(&mut empty);
}

#[test]
fn number_and_guid_lexing() {
    assert!(parse_number("8").is_some());
    assert!(parse_number("-1.5e3").is_some());
    assert!(parse_number(".5").is_some());
    for bad in [
        "inf", "NaN", "infinity", "1e", "e5", "-", ".", "1.2.3", "0x10", "1e999",
    ] {
        assert!(parse_number(bad).is_none(), "{bad}");
    }
    assert!(is_guid("0b5e0f3e-1234-4abc-9def-0123456789ab"));
    assert!(!is_guid("0b5e0f3e-1234-4abc-9def-0123456789a"));
    assert!(!is_guid("0b5e0f3g-1234-4abc-9def-0123456789ab"));
}
