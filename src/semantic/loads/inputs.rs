//! What a LOAD or SELECT reads: the input's fields and source from a file (QVD header, text
//! header), RESIDENT, INLINE, AUTOGENERATE, a SQL body, EXTENSION or FROM_FIELD.

use super::*;

/// Preceding LOADs analysed below one another before the rest of a chain is given up.
const MAX_PRECEDING: usize = 128;

impl Machine<'_> {
    pub(super) fn input(&mut self, load: &StmtLoad, stmt: &Stmt, origin: Origin) -> Input {
        let none = |source: LoadSourceInfo, default_name: String| Input {
            fields: None,
            source,
            resolved: true,
            default_name,
            table: None,
            origin: None,
        };
        match &load.source {
            LoadSource::From(from) => {
                let written = from.path.text.clone();
                let format = format_word(from.format.as_ref());
                let res = self.resolve(&written);
                let is_qvd = format.as_deref() == Some("qvd")
                    || (format.is_none() && written.to_ascii_lowercase().ends_with(".qvd"));
                let kind = if res.web {
                    SourceKind::Web
                } else if is_qvd {
                    SourceKind::Qvd
                } else {
                    SourceKind::File
                };
                let location = origin.loc(from.path.span);
                let resolved = self.report_path(&res, &written, location);
                let fields = if is_qvd && resolved {
                    self.qvd_fields(&res, &written).map(|names| {
                        let src: Arc<str> = res.resolved.as_deref().unwrap_or(&written).into();
                        names
                            .iter()
                            .map(|n| source_field(n, None, Some(&src)))
                            .collect()
                    })
                } else if kind == SourceKind::File && resolved {
                    self.text_file_fields(&res, from.format.as_ref())
                        .map(|names| {
                            let src: Arc<str> = res.resolved.as_deref().unwrap_or(&written).into();
                            names
                                .iter()
                                .map(|n| source_field(n, None, Some(&src)))
                                .collect()
                        })
                } else {
                    None
                };
                Input {
                    fields,
                    source: LoadSourceInfo {
                        kind: Some(kind),
                        path: Some(written.clone()),
                        resolved_path: res.resolved.clone(),
                        format,
                        connection: res.connection.clone(),
                        ..Default::default()
                    },
                    resolved,
                    default_name: file_stem(&written),
                    table: None,
                    origin: Some(res.resolved.as_deref().unwrap_or(&written).into()),
                }
            }
            LoadSource::Resident(table) => {
                let name = table.text.as_str().to_owned();
                let location = origin.loc(table.span);
                let table: Arc<str> = name.as_str().into();
                let resident: Arc<str> = "resident".into();
                let fields = match self.state.tables.find_any(&name) {
                    Some(i) => {
                        let t = &self.state.tables.tables[i].table;
                        (!t.fields_incomplete).then(|| {
                            t.fields
                                .iter()
                                .map(|f| source_field(&f.name, Some(&table), Some(&resident)))
                                .collect()
                        })
                    }
                    None => {
                        if !self.is_conditional() {
                            self.unknown_table(location, &name, "RESIDENT");
                        }
                        self.unresolved(
                            location,
                            &name,
                            "RESIDENT table does not exist at this point",
                            false,
                        );
                        None
                    }
                };
                let found = fields.is_some();
                Input {
                    fields,
                    source: LoadSourceInfo {
                        kind: Some(SourceKind::Resident),
                        path: Some(name.clone()),
                        ..Default::default()
                    },
                    resolved: found && !name.contains("$("),
                    default_name: name.clone(),
                    table: Some(table),
                    origin: Some(resident),
                }
            }
            LoadSource::Inline(inline) => {
                let names = inline_header(&inline.data.text, inline.format.as_ref());
                let default_name = if has_label(stmt) {
                    "INLINE".to_string()
                } else {
                    self.state.tables.next_inline_name()
                };
                let inline: Arc<str> = "inline".into();
                Input {
                    fields: Some(
                        names
                            .iter()
                            .map(|n| source_field(n, None, Some(&inline)))
                            .collect(),
                    ),
                    source: LoadSourceInfo {
                        kind: Some(SourceKind::Inline),
                        ..Default::default()
                    },
                    resolved: true,
                    default_name,
                    table: None,
                    origin: Some(inline),
                }
            }
            LoadSource::AutoGenerate(count) => {
                let default_name = if has_label(stmt) {
                    "AUTOGENERATE".to_string()
                } else {
                    self.state.tables.next_autogenerate_name()
                };
                Input {
                    fields: Some(Vec::new()),
                    source: LoadSourceInfo {
                        kind: Some(SourceKind::Autogenerate),
                        path: Some(origin.slice(count.span()).trim().to_string()),
                        ..Default::default()
                    },
                    resolved: true,
                    default_name,
                    table: None,
                    origin: Some("autogenerate".into()),
                }
            }
            LoadSource::Extension(ext) => none(
                LoadSourceInfo {
                    kind: Some(SourceKind::Extension),
                    path: Some(format!("{}({})", ext.function.text, ext.args.text)),
                    ..Default::default()
                },
                ext.function.text.as_str().to_owned(),
            ),
            LoadSource::FromField(ff) => Input {
                fields: None,
                source: LoadSourceInfo {
                    kind: Some(SourceKind::FromField),
                    path: Some(format!("{}.{}", ff.table.text, ff.field.text)),
                    ..Default::default()
                },
                resolved: true,
                default_name: ff.field.text.as_str().to_owned(),
                table: Some(ff.table.text.as_str().into()),
                origin: Some("from_field".into()),
            },
            LoadSource::Preceding(below) if self.preceding_depth >= MAX_PRECEDING => {
                // Each level is a few frames of recursion: a generated chain thousands deep
                // would overflow the stack. Nobody writes this many; say so and stop here.
                let location = origin.loc(below.span);
                self.unresolved(
                    location,
                    "preceding LOAD",
                    &format!("preceding LOADs nested deeper than {MAX_PRECEDING}: the rest of the chain is not analysed"),
                    false,
                );
                Input {
                    fields: None,
                    source: LoadSourceInfo::default(),
                    resolved: false,
                    default_name: String::new(),
                    table: None,
                    origin: None,
                }
            }
            LoadSource::Preceding(below) => {
                self.preceding_depth += 1;
                let lower = self.level(below, origin);
                self.preceding_depth -= 1;
                let load = Load {
                    location: origin.loc(below.span),
                    target: String::new(),
                    kind: LoadKind::Preceding,
                    source: lower.source.clone(),
                    resolved: lower.resolved,
                    conditional: self.is_conditional(),
                    fields: Vec::new(),
                };
                self.push_load(load);
                Input {
                    fields: (!lower.incomplete).then_some(lower.fields),
                    source: lower.source,
                    resolved: lower.resolved,
                    default_name: lower.default_name,
                    table: None,
                    origin: None,
                }
            }
            LoadSource::Missing | LoadSource::Following => Input {
                resolved: false,
                ..none(LoadSourceInfo::default(), String::new())
            },
            LoadSource::Dynamic(d) => {
                // Still a `$(…)` after expansion: its value is unknown.
                let location = origin.loc(d.span);
                let runtime = self.runtime_within(location);
                self.unresolved(
                    location,
                    &d.text,
                    "the whole source clause is a $(…) whose value is unknown",
                    runtime,
                );
                Input {
                    resolved: false,
                    ..none(LoadSourceInfo::default(), String::new())
                }
            }
        }
    }

    pub(super) fn select_level(&mut self, body: &str, location: Location) -> Level {
        let connection = self.state.connection.clone();
        let dialect = connection.as_ref().map_or(SqlDialect::Generic, |c| {
            SqlDialect::from_provider(&c.provider)
        });
        let analysis = self.sql_cache.analyse(body, dialect);
        let connection_name = connection.as_ref().map(|c| c.name.clone());
        if let Some(reason) = &analysis.fallback {
            let runtime = self.runtime_within(location);
            self.unresolved(
                location,
                &shorten(body.trim(), 80),
                &format!("SQL not parsed ({reason}); tables found by a token scan"),
                runtime,
            );
            self.diagnostic(
                location,
                Diagnostic::new(
                    Code::SqlNotParsed,
                    location.span,
                    format!(
                        "SQL body not parsed as {}: {}",
                        dialect.name(),
                        shorten(reason, 160)
                    ),
                ),
            );
        }
        let templated_table = analysis.tables.iter().find(|t| t.contains("$(")).cloned();
        if let Some(table) = &templated_table {
            let runtime = self.runtime_within(location);
            self.unresolved(
                location,
                table,
                "SQL table name holds a $(…) whose value is unknown",
                runtime,
            );
        }
        let source_name: Arc<str> = format!(
            "sql{}",
            connection_name
                .as_ref()
                .map(|c| format!(" {c}"))
                .unwrap_or_default()
        )
        .into();
        let (fields, incomplete) = match &analysis.columns {
            Some(columns) => (
                columns
                    .iter()
                    .map(|c| Field {
                        name: c.name.clone(),
                        derived_from: if c.reads.is_empty() {
                            smallvec::smallvec![Derivation {
                                table: None,
                                field: None,
                                source: Some(source_name.clone()),
                                transform: Transform::Constant,
                            }]
                        } else {
                            c.reads
                                .iter()
                                .map(|r| Derivation {
                                    table: r.table.as_deref().map(Arc::from),
                                    field: Some(r.column.as_str().into()),
                                    source: Some(source_name.clone()),
                                    transform: if c.direct {
                                        if r.column == c.name {
                                            Transform::Identity
                                        } else {
                                            Transform::Rename
                                        }
                                    } else {
                                        Transform::Expression
                                    },
                                })
                                .collect()
                        },
                    })
                    .collect(),
                false,
            ),
            None => (Vec::new(), true),
        };
        let default_name = analysis
            .tables
            .first()
            .map(|t| t.rsplit('.').next().unwrap_or(t).to_string())
            .unwrap_or_else(|| "SQL".to_string());
        Level {
            fields,
            incomplete,
            resolved: analysis.fallback.is_none() && templated_table.is_none(),
            source: LoadSourceInfo {
                kind: Some(SourceKind::Sql),
                path: Some(shorten(body.trim(), 200)),
                connection: connection_name,
                sql_tables: analysis.tables.clone(),
                sql_analysis: Some(analysis.describe()),
                ..Default::default()
            },
            default_name,
        }
    }
}
