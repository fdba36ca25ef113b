//! Function calls: which functions are run-time values, argument helpers, and the string,
//! conditional and number functions (dates in [`super::dates`]).

use super::*;

/// Functions whose result depends on the data or the reload: never constant.
pub(super) const RUNTIME_FUNCTIONS: &[&str] = &[
    "peek",
    "previous",
    "noofrows",
    "fieldvalue",
    "fieldvaluecount",
    "fieldindex",
    "filetime",
    "filesize",
    "qvdcreatetime",
    "qvdnoofrecords",
    "qvdnooffields",
    "qvdfieldname",
    "qvdtablename",
    "getfolderpath",
    "documentname",
    "documentpath",
    "documenttitle",
    "osuser",
    "computername",
    "qvuser",
    "random",
    "rand",
    "lookup",
    "exists",
    "rowno",
    "recno",
    "iterno",
    "filebasename",
    "filename",
    "filedir",
    "fileextension",
    "filepath",
    "connectstring",
    "getdatacontent",
    "reloadtime",
    "elapsedtime",
];

pub(super) const CLOCK_FUNCTIONS: &[&str] = &["today", "now", "reloadtime"];

pub(super) fn call_function(call: &ExprCall, ctx: &dyn Context) -> Eval {
    // Lower-cased on the stack: a LET in a loop calls functions thousands of times.
    let mut buf = [0u8; 32];
    let owned: String;
    let name: &str = match lowercase_into(&call.name.text, &mut buf) {
        Some(name) => name,
        None => {
            owned = call.name.text.as_str().to_ascii_lowercase();
            &owned
        }
    };
    let args = &call.args;
    if CLOCK_FUNCTIONS.contains(&name) {
        return match ctx.assumed_date() {
            Some(date) => Ok(date_value(date_serial(date), ctx)),
            None => Err(Unknown::runtime(format!(
                "{}() is the reload time (preset it with --assume-date)",
                call.name.text
            ))),
        };
    }
    if RUNTIME_FUNCTIONS.contains(&name) {
        return Err(Unknown::runtime(format!(
            "{}() depends on the data or the reload",
            call.name.text
        )));
    }
    // Functions that decide on their arguments lazily.
    match name {
        "if" => {
            let cond = evaluate(arg(args, 0)?, ctx)?;
            return if cond.truthy() {
                evaluate(arg(args, 1)?, ctx)
            } else {
                args.get(2).map_or(Ok(Value::Null), |e| evaluate(e, ctx))
            };
        }
        "alt" => {
            let mut last = Err(Unknown::missing("Alt() without arguments"));
            for a in args {
                match evaluate(a, ctx) {
                    Ok(v) if v.number().is_some() => return Ok(v),
                    other => last = other,
                }
            }
            return last.or(Ok(Value::Null));
        }
        "pick" => {
            let n = num_arg(args, 0, ctx)? as usize;
            return match args.get(n) {
                Some(e) if n >= 1 => evaluate(e, ctx),
                _ => Ok(Value::Null),
            };
        }
        "isnull" => {
            return Ok(Value::from_bool(match evaluate(arg(args, 0)?, ctx)? {
                Value::Null => true,
                v => v.text().is_empty() && v.number().is_none(),
            }))
        }
        _ => {}
    }
    let values: Vec<Value> = args
        .iter()
        .map(|a| evaluate(a, ctx))
        .collect::<Result<_, _>>()?;
    apply(name, &call.name.text, &values, ctx)
}

/// `text` in ASCII lower case in `buf`, when it is ASCII and fits.
fn lowercase_into<'b>(text: &str, buf: &'b mut [u8; 32]) -> Option<&'b str> {
    if text.len() > buf.len() || !text.is_ascii() {
        return None;
    }
    let out = &mut buf[..text.len()];
    out.copy_from_slice(text.as_bytes());
    out.make_ascii_lowercase();
    std::str::from_utf8(out).ok()
}

pub(super) fn arg(args: &[Expr], i: usize) -> Result<&Expr, Unknown> {
    args.get(i)
        .ok_or_else(|| Unknown::missing(format!("missing argument {}", i + 1)))
}

pub(super) fn num_arg(args: &[Expr], i: usize, ctx: &dyn Context) -> Result<f64, Unknown> {
    evaluate(arg(args, i)?, ctx)?
        .number()
        .ok_or_else(|| Unknown::missing(format!("argument {} is not a number", i + 1)))
}

pub(super) fn text_of(values: &[Value], i: usize) -> String {
    values.get(i).map(Value::text).unwrap_or_default()
}

pub(super) fn num_of(values: &[Value], i: usize) -> Option<f64> {
    values.get(i).and_then(Value::number)
}

pub(super) fn chars_take(text: &str, n: usize) -> String {
    text.chars().take(n).collect()
}

pub(super) fn apply(name: &str, written: &str, v: &[Value], ctx: &dyn Context) -> Eval {
    let t = |i| text_of(v, i);
    let n = |i| num_of(v, i);
    let num_or_null = |x: Option<f64>| x.filter(|x| x.is_finite()).map_or(Value::Null, Value::Num);
    Ok(match name {
        "len" => Value::Num(t(0).chars().count() as f64),
        "upper" => Value::Text(t(0).to_uppercase()),
        "lower" => Value::Text(t(0).to_lowercase()),
        "trim" => Value::Text(t(0).trim_matches(' ').to_string()),
        "ltrim" => Value::Text(t(0).trim_start_matches(' ').to_string()),
        "rtrim" => Value::Text(t(0).trim_end_matches(' ').to_string()),
        "left" => Value::Text(chars_take(&t(0), n(1).unwrap_or(0.0).max(0.0) as usize)),
        "right" => {
            let s: Vec<char> = t(0).chars().collect();
            let k = (n(1).unwrap_or(0.0).max(0.0) as usize).min(s.len());
            Value::Text(s[s.len() - k..].iter().collect())
        }
        "mid" => {
            let s: Vec<char> = t(0).chars().collect();
            let start = (n(1).unwrap_or(1.0).max(1.0) as usize - 1).min(s.len());
            let len = n(2).map_or(s.len(), |l| l.max(0.0) as usize);
            Value::Text(s[start..].iter().take(len).collect())
        }
        "replace" => {
            let from = t(1);
            if from.is_empty() {
                Value::Text(t(0))
            } else {
                Value::Text(t(0).replace(&from, &t(2)))
            }
        }
        "subfield" => {
            let text = t(0);
            let sep = t(1);
            let parts: Vec<&str> = if sep.is_empty() {
                vec![text.as_str()]
            } else {
                text.split(sep.as_str()).collect()
            };
            match n(2) {
                None => Value::Text(parts.first().map(|s| s.to_string()).unwrap_or_default()),
                Some(k) => {
                    let k = k as i64;
                    let index = if k > 0 {
                        Some((k - 1) as usize)
                    } else if k < 0 && (-k) as usize <= parts.len() {
                        Some(parts.len() - (-k) as usize)
                    } else {
                        None
                    };
                    index
                        .and_then(|i| parts.get(i))
                        .map_or(Value::Null, |s| Value::Text(s.to_string()))
                }
            }
        }
        "textbetween" => {
            let text = t(0);
            let (open, close) = (t(1), t(2));
            let nth = n(3).unwrap_or(1.0).max(1.0) as usize;
            let mut rest = text.as_str();
            let mut found = None;
            for _ in 0..nth {
                match rest.find(open.as_str()) {
                    Some(at) => {
                        let after = &rest[at + open.len()..];
                        match after.find(close.as_str()) {
                            Some(end) => {
                                found = Some(after[..end].to_string());
                                rest = &after[end..];
                            }
                            None => {
                                found = None;
                                break;
                            }
                        }
                    }
                    None => {
                        found = None;
                        break;
                    }
                }
            }
            found.map_or(Value::Null, Value::Text)
        }
        "index" => {
            let text = t(0);
            let sub = t(1);
            let nth = n(2).unwrap_or(1.0) as i64;
            let positions: Vec<usize> = text
                .match_indices(sub.as_str())
                .map(|(i, _)| text[..i].chars().count() + 1)
                .collect();
            let pos = if nth > 0 {
                positions.get((nth - 1) as usize).copied()
            } else if nth < 0 {
                positions
                    .len()
                    .checked_sub((-nth) as usize)
                    .and_then(|i| positions.get(i).copied())
            } else {
                None
            };
            Value::Num(pos.unwrap_or(0) as f64)
        }
        "purgechar" => {
            let drop = t(1);
            Value::Text(t(0).chars().filter(|c| !drop.contains(*c)).collect())
        }
        "keepchar" => {
            let keep = t(1);
            Value::Text(t(0).chars().filter(|c| keep.contains(*c)).collect())
        }
        "chr" => Value::Text(
            n(0).and_then(|c| char::from_u32(c as u32))
                .map(String::from)
                .unwrap_or_default(),
        ),
        "ord" => Value::Num(t(0).chars().next().map_or(0.0, |c| c as u32 as f64)),
        "repeat" => {
            let count = n(1).unwrap_or(1.0).max(0.0) as usize;
            let text = t(0);
            if text.len().saturating_mul(count) > 1 << 20 {
                return Err(Unknown::missing("Repeat() result over 1 MiB"));
            }
            Value::Text(text.repeat(count))
        }
        "capitalize" => Value::Text(
            t(0).split(' ')
                .map(|w| {
                    let mut c = w.chars();
                    c.next().map_or(String::new(), |f| {
                        f.to_uppercase().collect::<String>() + &c.as_str().to_lowercase()
                    })
                })
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "match" | "mixmatch" | "wildmatch" => {
            let subject = t(0);
            let hit = v.iter().skip(1).position(|c| match name {
                "match" => c.text() == subject,
                "mixmatch" => c.text().to_lowercase() == subject.to_lowercase(),
                _ => wildcard_match(&c.text().to_lowercase(), &subject.to_lowercase()),
            });
            Value::Num(hit.map_or(0.0, |i| (i + 1) as f64))
        }
        "num" => match (n(0), v.get(1)) {
            (Some(x), Some(fmt)) => Value::Dual(x, format_with_pattern(x, &fmt.text())),
            (Some(x), None) => Value::Num(x),
            (None, _) => Value::Null,
        },
        "num#" | "evaluate" => num_or_null(parse_number(&t(0))),
        "text" => Value::Text(t(0)),
        "dual" => match n(1) {
            Some(x) => Value::Dual(x, t(0)),
            None => Value::Text(t(0)),
        },
        "floor" => num_or_null(n(0).map(|x| {
            let step = n(1).unwrap_or(1.0);
            if step == 0.0 {
                x
            } else {
                (x / step).floor() * step
            }
        })),
        "ceil" => num_or_null(n(0).map(|x| {
            let step = n(1).unwrap_or(1.0);
            if step == 0.0 {
                x
            } else {
                (x / step).ceil() * step
            }
        })),
        "round" => num_or_null(n(0).map(|x| {
            let step = n(1).unwrap_or(1.0);
            if step == 0.0 {
                x
            } else {
                (x / step + 0.5).floor() * step
            }
        })),
        "fabs" => num_or_null(n(0).map(f64::abs)),
        "sign" => num_or_null(n(0).map(|x| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        })),
        "mod" => num_or_null(n(0).zip(n(1)).map(|(a, b)| a.rem_euclid(b))),
        "fmod" => num_or_null(n(0).zip(n(1)).map(|(a, b)| a % b)),
        "div" => num_or_null(n(0).zip(n(1)).map(|(a, b)| (a / b).trunc())),
        "frac" => num_or_null(n(0).map(f64::fract)),
        "sqrt" => num_or_null(n(0).map(f64::sqrt)),
        "pow" => num_or_null(n(0).zip(n(1)).map(|(a, b)| a.powf(b))),
        "exp" => num_or_null(n(0).map(f64::exp)),
        "log" => num_or_null(n(0).map(f64::ln)),
        "log10" => num_or_null(n(0).map(f64::log10)),
        "rangemax" => num_or_null(v.iter().filter_map(Value::number).reduce(f64::max)),
        "rangemin" => num_or_null(v.iter().filter_map(Value::number).reduce(f64::min)),
        "rangesum" => Value::Num(v.iter().filter_map(Value::number).sum()),
        "true" => Value::from_bool(true),
        "false" => Value::from_bool(false),
        "null" => Value::Null,
        "isnum" => Value::from_bool(v.first().and_then(Value::number).is_some()),
        "istext" => {
            Value::from_bool(matches!(v.first(), Some(Value::Text(t)) if parse_number(t).is_none()))
        }
        "tablenumber" => ctx
            .table_number(&t(0))
            .map_or(Value::Null, |i| Value::Num(i as f64)),
        "nooftables" => Value::Num(ctx.table_count() as f64),
        "tablename" => n(0)
            .and_then(|i| ctx.table_name(i as usize))
            .map_or(Value::Null, Value::Text),
        "nooffields" => match ctx.table_fields(&t(0)) {
            Some(fields) => Value::Num(fields.len() as f64),
            None => {
                return Err(Unknown::runtime(format!(
                    "the fields of table {} are not known",
                    t(0)
                )))
            }
        },
        "fieldnumber" => match ctx.table_fields(&t(1)) {
            Some(fields) => Value::Num(
                fields
                    .iter()
                    .position(|f| *f == t(0))
                    .map_or(0.0, |i| (i + 1) as f64),
            ),
            None => {
                return Err(Unknown::runtime(format!(
                    "the fields of table {} are not known",
                    t(1)
                )))
            }
        },
        "fieldname" => match ctx.table_fields(&t(1)) {
            Some(fields) => n(0)
                .and_then(|i| fields.get((i as usize).wrapping_sub(1)).cloned())
                .map_or(Value::Null, Value::Text),
            None => {
                return Err(Unknown::runtime(format!(
                    "the fields of table {} are not known",
                    t(1)
                )))
            }
        },
        _ => return dates(name, written, v, ctx),
    })
}
