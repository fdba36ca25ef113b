//! Regular statements other than LOAD/SELECT/STORE (spec §5).

use super::common::{
    kw, kw_any, name, names, quoted_or_raw, raw_rest, raw_value, read_span, sp, unquote,
};
use super::{Bx, PErr};
use crate::syntax::ast::*;
use crate::syntax::token::Token;
use chumsky::prelude::*;

fn fields_or_tables<'t, 's: 't, E: PErr<'t, 's>>() -> Bx<'t, 's, FieldsOrTables, E> {
    kw_any(&["field", "fields", "table", "tables"])
        .map(|i| {
            if i < 2 {
                FieldsOrTables::Fields
            } else {
                FieldsOrTables::Tables
            }
        })
        .boxed()
}

fn patterns<'t, 's: 't, E: PErr<'t, 's>>() -> Bx<'t, 's, Vec<FieldPattern>, E> {
    choice((
        just(Token::Star).map_with(|_, e| FieldPattern::All(sp(e.span()))),
        name().map(FieldPattern::Name),
    ))
    .separated_by(just(Token::Comma))
    .at_least(1)
    .collect()
    .boxed()
}

/// `name` or `( name, … )`, as in TAGGED lists.
fn tag_list<'t, 's: 't, E: PErr<'t, 's>>() -> Bx<'t, 's, Vec<Ident>, E> {
    choice((
        names().delimited_by(just(Token::LParen), just(Token::RParen)),
        name().map(|n| vec![n]),
    ))
    .boxed()
}

pub(crate) fn statements<'t, 's: 't, E: PErr<'t, 's>>(
    src: &'s str,
    expr: Bx<'t, 's, Expr, E>,
) -> Bx<'t, 's, StmtKind, E> {
    let drop = kw("drop")
        .ignore_then(fields_or_tables())
        .then(names())
        .then(kw("from").ignore_then(names()).or_not())
        .map(|((target, names), from)| {
            StmtKind::Drop(Box::new(StmtDrop {
                target,
                names,
                from: from.unwrap_or_default(),
            }))
        });

    let pair = |sep: &'static str| {
        name()
            .then_ignore(kw(sep))
            .then(name())
            .map(|(from, to)| RenamePair { from, to })
    };
    let rename = kw("rename")
        .ignore_then(fields_or_tables())
        .then(choice((
            kw("using")
                .ignore_then(name())
                .map(|m| (Vec::new(), Some(m))),
            pair("to")
                .separated_by(just(Token::Comma))
                .at_least(1)
                .collect::<Vec<_>>()
                .map(|p| (p, None)),
        )))
        .map(|(target, (pairs, using))| {
            StmtKind::Rename(Box::new(StmtRename {
                target,
                pairs,
                using,
            }))
        });

    // The value is the text between `=` and the end of the statement, whatever it holds.
    let set = kw("set")
        .ignore_then(name())
        .then(just(Token::Eq).map_with(|_, e| e.span()))
        .then(any().repeated().collect::<Vec<Token<'s>>>())
        .then(end().map_with(|_, e| e.span()))
        .map(
            move |(((name, eq), tokens), eoi): (
                ((Ident, SimpleSpan), Vec<Token<'s>>),
                SimpleSpan,
            )| {
                let whole = src[eq.end..eoi.start].trim();
                let lead = src[eq.end..eoi.start].len() - src[eq.end..eoi.start].trim_start().len();
                let start = eq.end + lead;
                let raw = (!whole.is_empty()).then(|| RawText {
                    text: whole.to_owned(),
                    span: sp(SimpleSpan::from(start..start + whole.len())),
                });
                let value = match tokens.as_slice() {
                    // One quoted token: Qlik stores its content (comments around it are not text).
                    [Token::String(t) | Token::QName(t)] => unquote(t).0,
                    _ => raw.as_ref().map_or_else(String::new, |r| r.text.clone()),
                };
                StmtKind::Set(Box::new(StmtSet { name, raw, value }))
            },
        );

    let let_ = kw("let")
        .ignore_then(name())
        .then_ignore(just(Token::Eq))
        .then(expr.clone().or_not())
        .map(|(name, value)| {
            StmtKind::Let(Box::new(StmtLet {
                name,
                value,
                implicit: false,
            }))
        });

    let field_patterns = choice((
        kw("qualify").to(FieldPatternsKind::Qualify),
        kw("unqualify").to(FieldPatternsKind::Unqualify),
        kw("nullasvalue").to(FieldPatternsKind::NullAsValue),
        kw("nullasnull").to(FieldPatternsKind::NullAsNull),
        kw("search")
            .ignore_then(kw("include"))
            .to(FieldPatternsKind::SearchInclude),
        kw("search")
            .ignore_then(kw("exclude"))
            .to(FieldPatternsKind::SearchExclude),
    ))
    .then(patterns())
    .map(|(kind, patterns)| StmtKind::FieldPatterns(StmtFieldPatterns { kind, patterns }));

    let alias = kw("alias")
        .ignore_then(
            pair("as")
                .separated_by(just(Token::Comma))
                .at_least(1)
                .collect::<Vec<_>>(),
        )
        .map(|pairs| StmtKind::Alias(StmtAlias { pairs }));

    let map = kw("map")
        .ignore_then(patterns())
        .then_ignore(kw("using"))
        .then(name())
        .map(|(fields, mapping)| StmtKind::Map(Box::new(StmtMap { fields, mapping })));
    let unmap = kw("unmap")
        .ignore_then(patterns())
        .map(|fields| StmtKind::Unmap(StmtUnmap { fields }));

    let connect_target = quoted_or_raw(src, |t| *t == Token::LParen);
    let connect_options = just(Token::LParen)
        .ignore_then(
            any()
                .filter(|t: &Token| *t != Token::RParen)
                .repeated()
                .map_with(move |_, e| {
                    let s = read_span(e.span());
                    RawText {
                        text: src[s.start..s.end].to_owned(),
                        span: sp(s),
                    }
                }),
        )
        .then_ignore(just(Token::RParen))
        .or_not();
    let connect_word =
        kw_any(&["connect", "connect32", "connect64"]).map(|i| [None, Some(32u8), Some(64)][i]);
    let connect = choice((
        kw_any(&["odbc", "oledb"])
            .or_not()
            .then(connect_word)
            .map(|(kind, bits)| {
                let kind = match kind {
                    Some(0) => ConnectKind::Odbc,
                    Some(_) => ConnectKind::Oledb,
                    None => ConnectKind::Default,
                };
                (kind, bits)
            }),
        kw("lib")
            .ignore_then(kw("connect"))
            .to((ConnectKind::Lib, None)),
        kw("custom")
            .ignore_then(kw("connect"))
            .to((ConnectKind::Custom, None)),
        kw("customconnect").to((ConnectKind::Custom, None)),
        kw("bdi")
            .ignore_then(kw("connect"))
            .to((ConnectKind::Bdi, None)),
    ))
    .then_ignore(kw("to"))
    .then(connect_target)
    .then(connect_options)
    .map(|(((kind, bits), target), options)| {
        StmtKind::Connect(Box::new(StmtConnect {
            kind,
            bits,
            target,
            options,
        }))
    });

    let keyword = choice((
        kw("disconnect").to(Keyword::Disconnect),
        kw("flushlog").to(Keyword::FlushLog),
        kw("sqlcolumns").to(Keyword::SqlColumns),
        kw("sqltables").to(Keyword::SqlTables),
        kw("sqltypes").to(Keyword::SqlTypes),
    ))
    .map(|keyword| StmtKind::Keyword(StmtKeyword { keyword }));

    let section = kw("section")
        .ignore_then(choice((
            kw("access").to(SectionKind::Access),
            kw("application").to(SectionKind::Application),
            kw("directquery").to(SectionKind::DirectQuery),
        )))
        .map(|kind| StmtKind::Section(StmtSection { kind }));

    let comment = kw("comment")
        .ignore_then(fields_or_tables().or_not())
        .then(choice((
            kw("using")
                .ignore_then(name())
                .map(|m| (Vec::new(), None, Some(m))),
            names()
                .then_ignore(kw("with"))
                .then(name())
                .map(|(n, t)| (n, Some(t), None)),
        )))
        .map(|(target, (names, text, using))| {
            StmtKind::Comment(Box::new(StmtComment {
                target: target.unwrap_or(FieldsOrTables::Fields),
                names,
                text,
                using,
            }))
        });

    let tag = kw_any(&["tag", "untag"])
        .then(fields_or_tables().or_not())
        .then(choice((
            kw("using")
                .ignore_then(name())
                .map(|m| (Vec::new(), Vec::new(), Some(m))),
            names()
                .then_ignore(kw("with"))
                .then(names())
                .map(|(n, t)| (n, t, None)),
        )))
        .map(|((which, target), (names, tags, using))| {
            StmtKind::Tag(Box::new(StmtTag {
                untag: which == 1,
                target: target.unwrap_or(FieldsOrTables::Fields),
                names,
                tags,
                using,
            }))
        });

    let sleep = kw("sleep")
        .ignore_then(expr.clone())
        .map(|milliseconds| StmtKind::Sleep(Box::new(StmtSleep { milliseconds })));

    let force = kw("force")
        .ignore_then(choice((
            kw("capitalization").to(ForceMode::Capitalization),
            kw("case").ignore_then(choice((
                kw("upper").to(ForceMode::Upper),
                kw("lower").to(ForceMode::Lower),
                kw("mixed").to(ForceMode::Mixed),
            ))),
        )))
        .map(|mode| StmtKind::Force(StmtForce { mode }));

    let loosen = kw("loosen")
        .ignore_then(kw_any(&["table", "tables"]))
        .ignore_then(names())
        .map(|tables| StmtKind::Loosen(StmtLoosen { tables }));

    let autonumber = kw("autonumber")
        .ignore_then(patterns())
        .then(kw("using").ignore_then(name()).or_not())
        .map(|(fields, using)| StmtKind::AutoNumber(Box::new(StmtAutoNumber { fields, using })));

    let param = name()
        .then_ignore(just(Token::Eq))
        .then(expr.clone())
        .map(|(name, value)| DeclareParam { name, value });
    let params = param
        .separated_by(just(Token::Comma))
        .at_least(1)
        .collect::<Vec<_>>();
    let declare_field = expr
        .clone()
        .then_ignore(kw("as"))
        .then(name())
        .then(kw("tagged").ignore_then(tag_list()).or_not())
        .map_with(|((expr, name), tags), e| DeclareField {
            expr,
            name,
            tags: tags.unwrap_or_default(),
            span: sp(e.span()),
        });
    let declare = kw("declare")
        .ignore_then(fields_or_tables().or_not())
        .ignore_then(kw("definition"))
        .ignore_then(choice((
            kw("using")
                .ignore_then(name())
                .then(kw("with").ignore_then(params.clone()).or_not())
                .map(|(using, with)| StmtDeclare {
                    tags: Vec::new(),
                    parameters: with.unwrap_or_default(),
                    fields: Vec::new(),
                    groups: None,
                    using: Some(using),
                }),
            kw("tagged")
                .ignore_then(tag_list())
                .or_not()
                .then(kw("parameters").ignore_then(params).or_not())
                .then_ignore(kw("fields"))
                .then(
                    declare_field
                        .separated_by(just(Token::Comma))
                        .at_least(1)
                        .collect::<Vec<_>>(),
                )
                .then(kw("groups").ignore_then(raw_rest(src)).or_not())
                .map(|(((tags, parameters), fields), groups)| StmtDeclare {
                    tags: tags.unwrap_or_default(),
                    parameters: parameters.unwrap_or_default(),
                    fields,
                    groups: groups.flatten(),
                    using: None,
                }),
        )))
        .map(|d| StmtKind::Declare(Box::new(d)));

    let derive = kw("derive")
        .ignore_then(fields_or_tables().or_not())
        .ignore_then(kw("from"))
        .ignore_then(choice((
            kw("explicit")
                .ignore_then(kw_any(&["tag", "tags"]).or_not())
                .ignore_then(tag_list())
                .map(DeriveSource::Explicit),
            kw("implicit")
                .then_ignore(kw_any(&["tag", "tags"]).or_not())
                .map(|s| DeriveSource::Implicit(sp(s))),
            fields_or_tables()
                .or_not()
                .ignore_then(names())
                .map(DeriveSource::Fields),
        )))
        .then_ignore(kw("using"))
        .then(name())
        .map(|(source, using)| StmtKind::Derive(Box::new(StmtDerive { source, using })));

    let raw = |head: Bx<'t, 's, RawKind, E>| {
        head.then(raw_rest(src))
            .map(|(kind, body)| StmtKind::Raw(StmtRaw { kind, body }))
            .boxed()
    };
    // Paths and the star symbol are read as Qlik reads them: one pair of delimiters removed.
    let unquoted = |head: Bx<'t, 's, RawKind, E>| {
        head.then(raw_value(src))
            .map(|(kind, body)| StmtKind::Raw(StmtRaw { kind, body }))
            .boxed()
    };
    let directory = unquoted(kw("directory").to(RawKind::Directory).boxed());
    let star = unquoted(kw("star").ignore_then(kw("is")).to(RawKind::Star).boxed());
    let binary = unquoted(kw("binary").to(RawKind::Binary).boxed());
    let raw_heads = raw(choice((
        kw("execute").to(RawKind::Execute),
        kw("direct")
            .ignore_then(kw("query"))
            .to(RawKind::DirectQuery),
        kw("constrain").to(RawKind::Constrain),
        kw("import").ignore_then(kw("live")).to(RawKind::ImportLive),
        kw("create")
            .ignore_then(kw("relationship"))
            .to(RawKind::CreateRelationship),
        kw("drop")
            .ignore_then(kw("relationship"))
            .to(RawKind::DropRelationship),
        kw("dimension").to(RawKind::Dimension),
        kw("measure").to(RawKind::Measure),
        kw("command").to(RawKind::Command),
        kw("inputfield").to(RawKind::InputField),
        kw("rem").to(RawKind::Rem),
        kw("trace").to(RawKind::Trace),
    ))
    .boxed());

    choice((
        drop,
        rename,
        set,
        let_,
        field_patterns,
        alias,
        map,
        unmap,
        connect,
        keyword,
        section,
        comment,
        tag,
        sleep,
        force,
        loosen,
        autonumber,
        declare,
        derive,
        binary,
        directory,
        star,
        raw_heads,
    ))
    .boxed()
}
