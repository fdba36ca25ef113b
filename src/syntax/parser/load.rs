//! Labels and load prefixes, LOAD, SELECT/SQL, STORE, and file format specifications.

use super::common::{balanced_item, file_path, kw, kw_any, name, names, sp, trimmed, unquote};
use super::{Bx, Input, PErr};
use crate::syntax::ast::*;
use crate::syntax::grammar_tables;
use crate::syntax::token::Token;
use chumsky::prelude::*;

fn table_in_parens<'t, 's: 't, E: PErr<'t, 's>>() -> Bx<'t, 's, Option<Ident>, E> {
    name()
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .or_not()
        .boxed()
}

/// Labels and prefixes, in any order (the engine grammar allows it).
pub(crate) fn prefixes<'t, 's: 't, E: PErr<'t, 's>>(
    expr: Bx<'t, 's, Expr, E>,
) -> Bx<'t, 's, Vec<Prefix>, E> {
    let label = name().then_ignore(just(Token::Colon)).map(Prefix::Label);
    let bare = |word: &'static str, make: fn(Span) -> Prefix| kw(word).map(move |s| make(sp(s)));
    let concatenate = kw("concatenate")
        .ignore_then(table_in_parens())
        .map_with(|table, e| {
            Prefix::Concatenate(PrefixTarget {
                table,
                span: sp(e.span()),
            })
        });
    let join_kind = kw_any(&["inner", "left", "right", "outer"])
        .map(|i| {
            [
                JoinKind::Inner,
                JoinKind::Left,
                JoinKind::Right,
                JoinKind::Outer,
            ][i]
        })
        .or_not()
        .map(|k| k.unwrap_or(JoinKind::Default));
    let join_or_keep = join_kind
        .then(kw_any(&["join", "keep"]))
        .then(table_in_parens())
        .map_with(|((kind, which), table), e| {
            let p = PrefixJoin {
                kind,
                table,
                span: sp(e.span()),
            };
            if which == 0 {
                Prefix::Join(p)
            } else {
                Prefix::Keep(p)
            }
        });
    let crosstable = kw("crosstable")
        .ignore_then(
            name()
                .then_ignore(just(Token::Comma))
                .then(name())
                .then(just(Token::Comma).ignore_then(expr.clone()).or_not())
                .delimited_by(just(Token::LParen), just(Token::RParen)),
        )
        .map_with(|((attribute, data), qualifiers), e| {
            Prefix::CrossTable(Box::new(PrefixCrossTable {
                attribute,
                data,
                qualifiers,
                span: sp(e.span()),
            }))
        });
    // Hierarchy's path delimiter may be written as bare punctuation: `Hierarchy(…, |, …)`.
    let delimiter = super::common::one_token("name", |t, span| {
        let text = match t {
            Token::Punct(p) => p,
            Token::Slash => "/",
            Token::Minus => "-",
            Token::Dot => ".",
            Token::Colon => ":",
            Token::Amp => "&",
            Token::Plus => "+",
            Token::Star => "*",
            _ => return None,
        };
        Some(Ident {
            text: text.into(),
            quote: Quote::None,
            span: sp(span),
        })
    });
    let optional_args = name()
        .or(delimiter)
        .or_not()
        .separated_by(just(Token::Comma))
        .at_least(1)
        .collect::<Vec<_>>()
        .delimited_by(just(Token::LParen), just(Token::RParen));
    let hierarchy = kw_any(&["hierarchy", "hierarchybelongsto", "intervalmatch"])
        .then(optional_args)
        .map_with(|(which, args), e| {
            let p = PrefixArgs {
                args,
                span: sp(e.span()),
            };
            match which {
                0 => Prefix::Hierarchy(p),
                1 => Prefix::HierarchyBelongsTo(p),
                _ => Prefix::IntervalMatch(p),
            }
        });
    let buffer_option = choice((
        kw_any(&["incremental", "inc", "incr"])
            .map_with(|_, e| BufferOption::Incremental(sp(e.span()))),
        kw("stale")
            .ignore_then(kw("after").or_not())
            .ignore_then(select! { Token::Number(n) => n.to_owned() })
            .then(kw_any(&["days", "day", "hours", "hour"]).or_not())
            .map_with(|(amount, unit), e| BufferOption::Stale {
                amount,
                unit: unit.map(|i| {
                    [
                        StaleUnit::Days,
                        StaleUnit::Day,
                        StaleUnit::Hours,
                        StaleUnit::Hour,
                    ][i]
                }),
                span: sp(e.span()),
            }),
    ));
    let buffer = kw("buffer")
        .ignore_then(
            buffer_option
                .separated_by(just(Token::Comma))
                .collect::<Vec<_>>()
                .delimited_by(just(Token::LParen), just(Token::RParen))
                .or_not(),
        )
        .map_with(|options, e| {
            Prefix::Buffer(PrefixBuffer {
                options: options.unwrap_or_default(),
                span: sp(e.span()),
            })
        });
    let image_size = kw("image_size")
        .ignore_then(
            expr.clone()
                .then_ignore(just(Token::Comma))
                .then(expr.clone())
                .delimited_by(just(Token::LParen), just(Token::RParen)),
        )
        .or_not();
    let bundle = kw("bundle")
        .ignore_then(kw("info").or_not())
        .then(image_size.clone())
        .map_with(|(info, image_size), e| {
            Prefix::Bundle(PrefixBundle {
                info: info.is_some(),
                image_size: image_size.map(Box::new),
                span: sp(e.span()),
            })
        });
    let info = kw("info")
        .ignore_then(image_size)
        .map_with(|image_size, e| {
            Prefix::Info(PrefixBundle {
                info: true,
                image_size: image_size.map(Box::new),
                span: sp(e.span()),
            })
        });
    let with_expr = kw_any(&["first", "sample", "when", "unless"])
        .then(expr.clone())
        .map_with(|(which, expr), e| {
            let p = PrefixExpr {
                expr,
                span: sp(e.span()),
            };
            match which {
                0 => Prefix::First(p),
                1 => Prefix::Sample(p),
                2 => Prefix::When(p),
                _ => Prefix::Unless(p),
            }
        });
    let add_replace = kw_any(&["add", "replace"])
        .then(kw("only").or_not())
        .map_with(|(which, only), e| {
            let p = PrefixOnly {
                only: only.is_some(),
                span: sp(e.span()),
            };
            if which == 0 {
                Prefix::Add(p)
            } else {
                Prefix::Replace(p)
            }
        });
    let merge = kw("merge")
        .ignore_then(kw("only").or_not())
        .then(
            names()
                .delimited_by(just(Token::LParen), just(Token::RParen))
                .or_not(),
        )
        .then_ignore(kw("on"))
        .then(names())
        .map_with(|((only, args), keys), e| {
            Prefix::Merge(PrefixMerge {
                only: only.is_some(),
                args: args.unwrap_or_default(),
                keys,
                span: sp(e.span()),
            })
        });
    let dynamic =
        select! { Token::Dollar(d) = e => Prefix::Dynamic(ExprDollar::new(d, sp(e.span()))) };

    // Most statements have no prefix: one look at the first token skips the alternatives
    // below unless it is a prefix word or a `$(…)` (labels are tried first, on their own).
    let could_be_prefix = any()
        .filter(|t: &Token| match t {
            Token::Dollar(_) => true,
            Token::Ident(w) => grammar_tables::LEADING_PREFIXES
                .iter()
                .any(|p| w.eq_ignore_ascii_case(p)),
            _ => false,
        })
        .rewind();
    let prefix = could_be_prefix.ignore_then(choice((
        bare("mapping", Prefix::Mapping),
        bare("noconcatenate", Prefix::NoConcatenate),
        bare("generic", Prefix::Generic),
        bare("semantic", Prefix::Semantic),
        concatenate,
        join_or_keep,
        crosstable,
        hierarchy,
        buffer,
        bundle,
        info,
        with_expr,
        add_replace,
        merge,
        dynamic,
    )));
    label.or(prefix).repeated().collect().map(trimmed).boxed()
}

/// `( item, … )`: items are split at depth-0 commas and classified by their words.
pub(crate) fn format_spec<'t, 's: 't, E: PErr<'t, 's>>(src: &'s str) -> Bx<'t, 's, FormatSpec, E> {
    balanced_item()
        .separated_by(just(Token::Comma))
        .at_least(1)
        .collect::<Vec<SimpleSpan>>()
        .delimited_by(just(Token::LParen), just(Token::RParen))
        .map_with(move |items, e| FormatSpec {
            items: items
                .into_iter()
                .map(|s| classify_format_item(src, s))
                .collect(),
            span: sp(e.span()),
        })
        .boxed()
}

const CODEPAGES: &[&str] = &["ansi", "oem", "mac", "utf8", "utf7", "symbol", "unicode"];

/// Reads one format item from its text. Words compare case-insensitively; values keep their
/// case with one pair of delimiters removed.
pub(super) fn classify_format_item(src: &str, span: SimpleSpan) -> FormatItem {
    let text = &src[span.start..span.end];
    let span = sp(span);
    let words: Vec<&str> = text.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let first = lower.first().map(String::as_str).unwrap_or("");
    fn word<T>(word: T, span: crate::source::Span) -> FormatWord<T> {
        FormatWord { word, span }
    }
    // The value after `is`, kept as written.
    let value_after_is = || -> Option<FormatValue> {
        let lower_text = text.to_ascii_lowercase();
        let at = find_word(&lower_text, "is")?;
        let raw = text[at + 2..].trim();
        let value = if raw.len() >= 2 && matches!(raw.as_bytes()[0], b'\'' | b'"' | b'[' | b'`') {
            unquote(raw).0
        } else {
            raw.to_owned()
        };
        Some(FormatValue { value, span })
    };
    let item = match (first, lower.get(1).map(String::as_str), lower.len()) {
        (t, None, 1) if FileType::from_words(t).is_some() => {
            FileType::from_words(t).map(|t| FormatItem::FileType(word(t, span)))
        }
        (c, None, 1) if CODEPAGES.contains(&c) => Some(FormatItem::Codepage(FormatValue {
            value: c.to_owned(),
            span,
        })),
        ("codepage", Some("is"), _) => value_after_is().map(FormatItem::Codepage),
        ("embedded", Some("labels"), 2) => Some(FormatItem::Labels(word(Labels::Embedded, span))),
        ("explicit", Some("labels"), 2) => Some(FormatItem::Labels(word(Labels::Explicit, span))),
        ("no", Some("labels"), 2) => Some(FormatItem::Labels(word(Labels::No, span))),
        ("msq", None, 1) => Some(FormatItem::Quotes(word(Quotes::Msq, span))),
        ("no", Some("quotes"), 2) => Some(FormatItem::Quotes(word(Quotes::No, span))),
        ("no", Some("eof"), 2) => Some(FormatItem::NoEof(span)),
        ("delimiter", Some("is"), _) => value_after_is().map(FormatItem::Delimiter),
        ("table", Some("is"), _) => value_after_is().map(FormatItem::Table),
        ("all", Some("tables"), 2) => Some(FormatItem::AllTables(span)),
        ("header", Some("is"), _) => value_after_is().map(FormatItem::Header),
        ("record", Some("is"), _) => value_after_is().map(FormatItem::Record),
        ("comment", Some("is"), _) => value_after_is().map(FormatItem::Comment),
        ("tab", Some("is"), _) => value_after_is().map(FormatItem::Tab),
        ("url", Some("is"), _) => value_after_is().map(FormatItem::Url),
        ("useragent", Some("is"), _) => value_after_is().map(FormatItem::UserAgent),
        ("compression", Some("is"), _) => value_after_is().map(FormatItem::Compression),
        _ if lower_starts_word(first, "filters") => Some(FormatItem::Filters(RawText {
            text: text.to_owned(),
            span,
        })),
        _ => None,
    };
    item.unwrap_or_else(|| {
        FormatItem::Unknown(RawText {
            text: text.to_owned(),
            span,
        })
    })
}

fn lower_starts_word(first: &str, word: &str) -> bool {
    first == word || (first.starts_with(word) && first[word.len()..].starts_with('('))
}

/// Byte offset of `word` as a whole word in `text` (both lower-case).
fn find_word(text: &str, word: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let before = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let after = bytes
            .get(at + word.len())
            .is_none_or(|b| !b.is_ascii_alphanumeric());
        if before && after {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// `INLINE [data]` with its optional format: the data without its delimiters.
pub(super) fn inline_source(raw: &str, span: SimpleSpan, format: Option<FormatSpec>) -> LoadSource {
    let (text, quote) = unquote(raw);
    LoadSource::Inline(SourceInline {
        data: RawText {
            text,
            span: sp(span),
        },
        quote,
        format,
    })
}

fn alias<'t, 's: 't, E: PErr<'t, 's>>(
) -> impl Parser<'t, Input<'t, 's>, Option<Ident>, extra::Err<E>> + Clone {
    kw("as").ignore_then(name()).or_not()
}

pub(crate) fn load<'t, 's: 't, E: PErr<'t, 's>>(
    src: &'s str,
    expr: Bx<'t, 's, Expr, E>,
) -> Bx<'t, 's, StmtKind, E> {
    let field = choice((
        just(Token::Star).map_with(|_, e| LoadField::All(sp(e.span()))),
        expr.clone().then(alias()).map_with(|(expr, alias), e| {
            LoadField::Expr(LoadFieldExpr {
                expr,
                alias,
                span: sp(e.span()),
            })
        }),
    ));
    let fields = field
        .separated_by(just(Token::Comma))
        .at_least(1)
        .collect::<Vec<_>>()
        .map(trimmed);
    let format = format_spec(src).or_not();
    let from = kw("from")
        .ignore_then(file_path(src))
        .then(format.clone())
        .map(|(path, format)| LoadSource::From(SourceFrom { path, format }));
    let from_field = kw("from_field")
        .ignore_then(
            name()
                .then_ignore(just(Token::Comma))
                .then(name())
                .delimited_by(just(Token::LParen), just(Token::RParen)),
        )
        .then(format.clone())
        .map(|((table, field), format)| {
            LoadSource::FromField(Box::new(SourceFromField {
                table,
                field,
                format,
            }))
        });
    let inline = kw("inline")
        .ignore_then(
            select! { Token::QName(q) = e => (q, e.span()), Token::String(q) = e => (q, e.span()) },
        )
        .then(format)
        .map(|((raw, span), format)| inline_source(raw, span, format));
    let resident = kw("resident").ignore_then(name()).map(LoadSource::Resident);
    let autogenerate = kw("autogenerate")
        .ignore_then(expr.clone())
        .map(LoadSource::AutoGenerate);
    let extension = kw("extension")
        .ignore_then(select! { Token::Ident(w) = e => super::common::ident_from(&Token::Ident(w), e.span()).expect("word") })
        .then_ignore(just(Token::LParen))
        .then(
            balanced_item()
                .separated_by(just(Token::Comma))
                .allow_trailing()
                .map_with(move |_, e| {
                    let s = super::common::read_span(e.span());
                    RawText { text: src[s.start..s.end].to_owned(), span: sp(s) }
                }),
        )
        .then_ignore(just(Token::RParen))
        .map(|(function, args)| LoadSource::Extension(Box::new(SourceExtension { function, args })));
    let source = choice((from, from_field, inline, resident, autogenerate, extension))
        .map_with(|source, e| (source, sp(e.span())))
        .or_not();
    let filter = kw_any(&["where", "while"])
        .then(expr.clone())
        .map_with(|(which, condition), e| LoadFilter {
            kind: if which == 0 {
                FilterKind::Where
            } else {
                FilterKind::While
            },
            condition,
            span: sp(e.span()),
        })
        .or_not();
    let group_by = kw("group")
        .ignore_then(kw("by"))
        .ignore_then(
            expr.clone()
                .separated_by(just(Token::Comma))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .map_with(|keys, e| GroupBy {
            keys,
            span: sp(e.span()),
        })
        .or_not();
    let order_key = expr
        .clone()
        .then(
            kw_any(&["asc", "desc"])
                .map(|i| {
                    if i == 0 {
                        SortOrder::Asc
                    } else {
                        SortOrder::Desc
                    }
                })
                .or_not(),
        )
        .map_with(|(key, order), e| OrderKey {
            key,
            order,
            span: sp(e.span()),
        });
    let order_by = kw("order")
        .ignore_then(kw("by"))
        .ignore_then(
            order_key
                .separated_by(just(Token::Comma))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .map_with(|keys, e| OrderBy {
            keys,
            span: sp(e.span()),
        })
        .or_not();
    let tail = select! { Token::Dollar(d) = e => ExprDollar::new(d, sp(e.span())) }.or_not();
    kw("load")
        .ignore_then(kw("distinct").or_not())
        .then(fields)
        .then(source)
        .then(filter)
        .then(group_by)
        .then(order_by)
        .then(tail)
        .map(
            |((((((distinct, fields), source), filter), group_by), order_by), tail)| {
                StmtKind::Load(Box::new(load_statement(
                    distinct.is_some(),
                    fields,
                    source,
                    filter,
                    group_by,
                    order_by,
                    tail,
                )))
            },
        )
        .boxed()
}

/// Assembles a LOAD (both passes build it here). With no source clause, a `$(…)` after the
/// clauses is the source (`LOAD * $(vSource);`): only the resolver can tell what it holds, so
/// it is not chained to the statement below as a preceding load.
pub(super) fn load_statement(
    distinct: bool,
    fields: Vec<LoadField>,
    source: Option<(LoadSource, Span)>,
    filter: Option<LoadFilter>,
    group_by: Option<GroupBy>,
    order_by: Option<OrderBy>,
    mut tail: Option<ExprDollar>,
) -> StmtLoad {
    let (source, source_span) = match (source, tail.take()) {
        (Some((source, span)), t) => {
            tail = t;
            (source, Some(span))
        }
        (None, Some(dollar)) => {
            let span = dollar.span;
            (LoadSource::Dynamic(dollar), Some(span))
        }
        (None, None) => (LoadSource::Missing, None),
    };
    StmtLoad {
        distinct,
        fields,
        source,
        source_span,
        filter,
        group_by,
        order_by,
        tail,
    }
}

/// `SQL …`, `SELECT …`, `QSL …`: the body is kept as text.
pub(crate) fn select<'t, 's: 't, E: PErr<'t, 's>>(src: &'s str) -> Bx<'t, 's, StmtKind, E> {
    // The body is everything left: skip it in one go rather than token by token.
    let body = custom(move |inp| {
        let start = inp.cursor();
        while inp.next().is_some() {}
        let s: SimpleSpan = inp.span_since(&start);
        Ok(RawText {
            text: src[s.start..s.end].to_owned(),
            span: sp(s),
        })
    });
    choice((
        kw_any(&["sql", "qsl"]).then(body).map(|(which, body)| {
            let keyword = if which == 0 {
                SqlKeyword::Sql
            } else {
                SqlKeyword::Qsl
            };
            StmtKind::Select(StmtSelect { keyword, body })
        }),
        kw("select").rewind().ignore_then(body).map(|body| {
            StmtKind::Select(StmtSelect {
                keyword: SqlKeyword::Select,
                body,
            })
        }),
    ))
    .boxed()
}

pub(crate) fn store<'t, 's: 't, E: PErr<'t, 's>>(src: &'s str) -> Bx<'t, 's, StmtKind, E> {
    let store_field = choice((
        just(Token::Star).map_with(|_, e| StoreField::All(sp(e.span()))),
        name()
            .then(alias())
            .map(|(name, alias)| StoreField::Field { name, alias }),
    ));
    let fields = store_field
        .separated_by(just(Token::Comma))
        .at_least(1)
        .collect::<Vec<_>>()
        .then_ignore(kw("from"))
        .or_not();
    kw("store")
        .ignore_then(fields)
        .then(names())
        .then_ignore(kw("into"))
        .then(file_path(src))
        .then(format_spec(src).or_not())
        .map(|(((fields, tables), path), format)| {
            StmtKind::Store(Box::new(StmtStore {
                fields: fields.unwrap_or_default(),
                tables,
                path,
                format,
            }))
        })
        .boxed()
}
