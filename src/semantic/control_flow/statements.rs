//! Running statements: the block walk with its budget, expand-and-re-parse, and the simple
//! statements (SET, LET, data statements handed to the loads, DROP, QUALIFY, MAP, CONNECT,
//! SECTION, DIRECTORY, BINARY).

use super::*;

impl Machine<'_> {
    pub fn exec_block(&mut self, stmts: &[Stmt], origin: Origin) -> Flow {
        for stmt in stmts {
            if self.stopped {
                return Flow::ExitScript;
            }
            self.steps += 1;
            if self.steps > self.options.max_statements {
                self.stopped = true;
                let location = origin.loc(stmt.span);
                self.diagnostic(
                    location,
                    Diagnostic::new(
                        Code::StepBudgetExhausted,
                        location.span,
                        format!(
                            "{} statements executed: analysis stopped here",
                            self.options.max_statements
                        ),
                    )
                    .with_note("nested loops or recursion multiply the statements a reload runs"),
                );
                self.unresolved(
                    location,
                    "",
                    "analysis stopped: statement budget exhausted",
                    false,
                );
                return Flow::ExitScript;
            }
            let flow = self.exec_stmt(stmt, origin);
            if flow != Flow::Normal {
                return flow;
            }
        }
        Flow::Normal
    }

    pub(super) fn exec_stmt(&mut self, stmt: &Stmt, origin: Origin) -> Flow {
        match &stmt.kind {
            StmtKind::If(s) => return self.exec_if(s, origin),
            StmtKind::For(s) => return self.exec_for(s, origin),
            StmtKind::ForEach(s) => return self.exec_for_each(s, origin),
            StmtKind::Do(s) => return self.exec_do(s, origin),
            StmtKind::Switch(s) => return self.exec_switch(s, origin),
            StmtKind::Sub(_) => {
                self.define_sub(stmt, origin, None);
                return Flow::Normal;
            }
            StmtKind::Call(call) => return self.exec_call(call, stmt.span, origin),
            StmtKind::Exit(exit) => return self.exec_exit(exit, origin),
            StmtKind::Include(include) => return self.exec_include(include, stmt.span, origin),
            StmtKind::Empty | StmtKind::Error => return Flow::Normal,
            StmtKind::Raw(raw) if raw.kind == RawKind::Rem => return Flow::Normal,
            _ => {}
        }
        let span = full_span(stmt);
        let text = origin.slice(span);
        if !origin.expanded() && text.contains("$(") {
            return self.exec_expanded(text, span, origin);
        }
        self.exec_simple(stmt, origin);
        Flow::Normal
    }

    /// Expands a statement's text and runs what it parses to (zero, one or more statements).
    pub(super) fn exec_expanded(&mut self, text: &str, span: Span, origin: Origin) -> Flow {
        let expansion = self.expand_text(text, span, origin);
        if expansion.is_cut() {
            // A statement cut at a cap is not what the reload would run: it is not executed.
            return Flow::Normal;
        }
        let parsed = self.reparse_statements(&expansion.text, origin.file);
        let inner = Origin {
            file: origin.file,
            text: &expansion.text,
            map: Some(&expansion.map),
        };
        for diagnostic in parsed.diagnostics.iter().cloned() {
            if diagnostic.is_error() {
                let location = inner.loc(diagnostic.span);
                let diagnostic = diagnostic.with_note(format!(
                    "after expansion the statement reads: {}",
                    shorten(expansion.text.trim(), 200)
                ));
                self.diagnostic(location, diagnostic);
            }
        }
        // SUBs defined in expanded text are collected before they run, like the others; each
        // keeps its own copy of the text and map (made only when there is a SUB).
        self.collect_subs(&parsed.script.statements, inner, None);
        self.exec_block(&parsed.script.statements, inner)
    }

    pub(super) fn exec_simple(&mut self, stmt: &Stmt, origin: Origin) {
        let location = origin.loc(stmt.span);
        match &stmt.kind {
            StmtKind::Set(set) => {
                if set.raw.is_none() {
                    self.state.env.remove(&set.name.text);
                } else {
                    let value = if set.value.contains("$(") {
                        // Left by an expansion whose value is unknown.
                        VarValue::Unknown {
                            reason: format!(
                                "SET {} holds a $(…) whose value is unknown",
                                set.name.text
                            ),
                            runtime: self.runtime_within(location),
                        }
                    } else {
                        bounded(set.value.clone())
                    };
                    self.state.env.set(&set.name.text, value);
                }
            }
            StmtKind::Let(let_) => match &let_.value {
                None => {
                    self.state.env.remove(&let_.name.text);
                }
                Some(expr) => {
                    let value = match self.eval_expr(expr, origin) {
                        Ok(Value::Null) => None,
                        Ok(v) => Some(bounded(v.text())),
                        Err(u) => Some(VarValue::Unknown {
                            reason: bounded_reason(format!("LET {}: {}", let_.name.text, u.reason)),
                            runtime: u.runtime,
                        }),
                    };
                    match value {
                        Some(v) => self.state.env.set(&let_.name.text, v),
                        None => {
                            self.state.env.remove(&let_.name.text);
                        }
                    }
                }
            },
            StmtKind::Load(_) | StmtKind::Select(_) => self.exec_load(stmt, origin),
            StmtKind::Store(store) => self.exec_store(store, stmt.span, origin),
            StmtKind::Drop(drop) => {
                let names: Vec<String> = drop
                    .names
                    .iter()
                    .map(|n| n.text.as_str().to_owned())
                    .collect();
                match drop.target {
                    FieldsOrTables::Tables => {
                        for name in &names {
                            if !self.state.tables.drop_table(name) && !self.is_conditional() {
                                self.unknown_table(location, name, "DROP TABLE");
                            }
                        }
                    }
                    FieldsOrTables::Fields => {
                        let from: Vec<String> = drop
                            .from
                            .iter()
                            .map(|n| n.text.as_str().to_owned())
                            .collect();
                        let _ = self.state.tables.drop_fields(&names, &from);
                    }
                }
            }
            StmtKind::Rename(rename) => self.exec_rename(rename, location),
            StmtKind::FieldPatterns(p) => {
                let qualify = match p.kind {
                    FieldPatternsKind::Qualify => true,
                    FieldPatternsKind::Unqualify => false,
                    _ => return,
                };
                for pattern in &p.patterns {
                    let text = match pattern {
                        FieldPattern::All(_) => "*".to_string(),
                        FieldPattern::Name(n) => n.text.as_str().to_owned(),
                    };
                    self.state.tables.qualify.push((text, qualify));
                }
            }
            StmtKind::Alias(alias) => {
                for pair in &alias.pairs {
                    self.state.tables.aliases.push((
                        pair.from.text.as_str().to_owned(),
                        pair.to.text.as_str().to_owned(),
                    ));
                }
            }
            StmtKind::Map(map) => {
                for field in &map.fields {
                    let text = match field {
                        FieldPattern::All(_) => "*".to_string(),
                        FieldPattern::Name(n) => n.text.as_str().to_owned(),
                    };
                    self.state
                        .mapped
                        .push((text, map.mapping.text.as_str().to_owned()));
                }
            }
            StmtKind::Unmap(unmap) => {
                for field in &unmap.fields {
                    match field {
                        FieldPattern::All(_) => self.state.mapped.clear(),
                        FieldPattern::Name(n) => {
                            self.state.mapped.retain(|(f, _)| f != n.text.as_str())
                        }
                    }
                }
            }
            StmtKind::Connect(connect) => {
                let target = connect.target.text.trim().to_string();
                self.state.connection = Some(match connect.kind {
                    ConnectKind::Lib => {
                        let provider = self
                            .connections
                            .get(&target)
                            .map(|c| c.provider_text())
                            .unwrap_or_default();
                        if self.connections.get(&target).is_none() && !self.connections.is_empty() {
                            self.unresolved(
                                location,
                                &target,
                                "no data connection of that name in the connections file: SQL dialect unknown",
                                false,
                            );
                        }
                        CurrentConnection {
                            name: target,
                            provider,
                        }
                    }
                    _ => CurrentConnection {
                        name: redact(&target),
                        provider: target,
                    },
                });
            }
            StmtKind::Keyword(k) if k.keyword == Keyword::Disconnect => {
                self.state.connection = None;
            }
            StmtKind::Section(section) => {
                self.state.section_access = section.kind == SectionKind::Access;
            }
            StmtKind::Raw(raw) => match raw.kind {
                RawKind::Directory => {
                    let dir = raw
                        .body
                        .as_ref()
                        .map(|b| unquote(b.text.trim()).to_string());
                    self.state.directory = dir.filter(|d| !d.is_empty());
                }
                RawKind::Binary => self.exec_binary(
                    raw.body.as_ref().map(|b| b.text.as_str()).unwrap_or(""),
                    location,
                ),
                _ => {}
            },
            StmtKind::Dynamic(raw) => {
                self.unresolved(
                    location,
                    &shorten(raw.text.trim(), 120),
                    "the statement is only known after expanding a $(…) whose value is unknown",
                    self.unresolved
                        .iter()
                        .rev()
                        .find(|u| {
                            u.location.file == location.file
                                && location.span.contains(u.location.span)
                        })
                        .is_some_and(|u| u.runtime),
                );
            }
            _ => {}
        }
    }

    /// Stops the analysis when the run has created as many tables as it may.
    pub fn stop_at_table_cap(&mut self, location: Location) {
        self.stopped = true;
        self.diagnostic(
            location,
            Diagnostic::new(
                Code::StepBudgetExhausted,
                location.span,
                format!(
                    "{} tables created: analysis stopped here",
                    self.state.tables.tables.len()
                ),
            )
            .with_note("a loop that creates a new table on every iteration never settles"),
        );
        self.unresolved(location, "", "analysis stopped: table cap reached", false);
    }

    pub fn unknown_table(&mut self, location: Location, name: &str, what: &str) {
        self.diagnostic(
            location,
            Diagnostic::new(
                Code::UnknownTable,
                location.span,
                format!("{what} names table `{name}`, which does not exist at this point"),
            )
            .with_note("the reload fails with \"Table not found\""),
        );
    }
}
