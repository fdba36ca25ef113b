//! FOR, FOR EACH and DO: unrolled while bounds are known (capped), once symbolically
//! otherwise; FileList()/DirList() list the files root; EXIT leaves its construct.

use super::*;

impl Machine<'_> {
    /// Runs a loop body once with the loop variable unknown.
    pub(super) fn symbolic_iteration(
        &mut self,
        variable: &str,
        body: &[Stmt],
        origin: Origin,
        reason: String,
        runtime: bool,
    ) -> Flow {
        self.state
            .env
            .set(variable, VarValue::Unknown { reason, runtime });
        self.symbolic_body(body, origin)
    }

    /// Runs a loop body once for an iteration whose values are not known: what it does is
    /// conditional, and a recursive CALL from inside it is not followed ([`Machine::exec_call`]).
    /// Only leaving the script or the SUB goes past the loop.
    fn symbolic_body(&mut self, body: &[Stmt], origin: Origin) -> Flow {
        self.conditional += 1;
        self.symbolic_loops += 1;
        let flow = self.exec_block(body, origin);
        self.symbolic_loops -= 1;
        self.conditional -= 1;
        match flow {
            Flow::ExitScript | Flow::ExitSub => flow,
            _ => Flow::Normal,
        }
    }

    pub(super) fn exec_for(&mut self, s: &crate::syntax::ast::StmtFor, origin: Origin) -> Flow {
        let var = s.variable.text.as_str().to_owned();
        let bounds = (|| {
            let from = self.eval_expr(&s.from, origin)?;
            let to = self.eval_expr(&s.to, origin)?;
            let step = match &s.step {
                Some(e) => self.eval_expr(e, origin)?,
                None => Value::Num(1.0),
            };
            match (from.number(), to.number(), step.number()) {
                (Some(a), Some(b), Some(c)) => Ok((a, b, c)),
                _ => Err(Unknown::missing("FOR bounds are not numbers")),
            }
        })();
        let location = origin.loc(s.from.span().cover(s.to.span()));
        let (from, to, step) = match bounds {
            Ok(b) => b,
            Err(u) => {
                self.unresolved(
                    location,
                    &var,
                    &format!(
                        "FOR bounds unknown ({}): the body is analysed once with {var} unknown",
                        u.reason
                    ),
                    u.runtime,
                );
                return self.symbolic_iteration(
                    &var,
                    &s.body,
                    origin,
                    format!("loop variable of a FOR with unknown bounds: {}", u.reason),
                    u.runtime,
                );
            }
        };
        if step == 0.0 {
            return self.symbolic_iteration(&var, &s.body, origin, "FOR with STEP 0".into(), false);
        }
        let count = ((to - from) / step).floor() + 1.0;
        let cap = self.options.max_loop_iterations;
        if count > cap as f64 {
            self.diagnostic(
                location,
                Diagnostic::new(
                    Code::LoopCapped,
                    location.span,
                    format!("FOR runs {count} times, over the cap of {cap}: analysed once with {var} unknown"),
                ),
            );
            self.unresolved(
                location,
                &var,
                &format!("FOR with {count} iterations is not unrolled (cap {cap})"),
                false,
            );
            return self.symbolic_iteration(
                &var,
                &s.body,
                origin,
                format!("loop variable of a FOR over {cap} iterations"),
                false,
            );
        }
        let mut i = 0.0;
        while i < count {
            let value = from + i * step;
            self.state
                .env
                .set(&var, VarValue::Known(evaluate::format_number(value)));
            match self.exec_block(&s.body, origin) {
                Flow::ExitFor => break,
                Flow::ExitScript => return Flow::ExitScript,
                Flow::ExitSub => return Flow::ExitSub,
                Flow::ExitDo => return Flow::ExitDo,
                Flow::Normal => {}
            }
            i += 1.0;
        }
        Flow::Normal
    }

    pub(super) fn exec_for_each(
        &mut self,
        s: &crate::syntax::ast::StmtForEach,
        origin: Origin,
    ) -> Flow {
        let var = s.variable.text.as_str().to_owned();
        let values: Result<Vec<String>, (Unknown, Span)> = match &s.list {
            ForEachList::Values(list) => self.for_each_values(list, origin),
            ForEachList::FileList(pattern) | ForEachList::DirList(pattern) => {
                let dirs = matches!(s.list, ForEachList::DirList(_));
                match self.eval_expr(pattern, origin) {
                    Ok(p) => match self.list_folder(&p.text(), dirs) {
                        Ok(v) => Ok(v),
                        Err(reason) => {
                            let location = origin.loc(pattern.span());
                            let text = p.text();
                            self.unresolved(location, &text, &reason, false);
                            // One symbolic iteration with the wildcard path itself.
                            self.state.env.set(&var, VarValue::Known(text));
                            return self.symbolic_body(&s.body, origin);
                        }
                    },
                    Err(u) => Err((u, pattern.span())),
                }
            }
            ForEachList::FieldValueList(e) => Err((
                Unknown::runtime("FieldValueList() lists a field's values, which are data"),
                e.span(),
            )),
        };
        match values {
            Ok(values) => {
                for value in values.into_iter().take(self.options.max_loop_iterations) {
                    self.state.env.set(&var, VarValue::Known(value));
                    match self.exec_block(&s.body, origin) {
                        Flow::ExitFor => break,
                        Flow::ExitScript => return Flow::ExitScript,
                        Flow::ExitSub => return Flow::ExitSub,
                        Flow::ExitDo => return Flow::ExitDo,
                        Flow::Normal => {}
                    }
                }
                Flow::Normal
            }
            Err((u, span)) => {
                let location = origin.loc(span);
                self.unresolved(
                    location,
                    origin.slice(span),
                    &format!(
                        "FOR EACH list unknown ({}): the body is analysed once with {var} unknown",
                        u.reason
                    ),
                    u.runtime,
                );
                self.symbolic_iteration(
                    &var,
                    &s.body,
                    origin,
                    format!(
                        "loop variable of FOR EACH over an unknown list: {}",
                        u.reason
                    ),
                    u.runtime,
                )
            }
        }
    }

    /// The values of a FOR EACH list; a list written through `$(…)` is expanded and split
    /// at top-level commas first.
    pub(super) fn for_each_values(
        &mut self,
        list: &[Expr],
        origin: Origin,
    ) -> Result<Vec<String>, (Unknown, Span)> {
        let Some(span) = list
            .first()
            .map(|f| f.span().cover(list[list.len() - 1].span()))
        else {
            return Ok(Vec::new());
        };
        let text = origin.slice(span);
        let exprs: Vec<Expr> = if !origin.expanded() && text.contains("$(") {
            let expansion = self.expand_text(text, span, origin);
            let (_, parts) = expansion::split_call(&format!("f({})", expansion.text));
            let mut exprs = Vec::new();
            for part in parts.iter().filter(|p| !p.is_empty()) {
                match &self.reparse_expression(part, origin.file).expr {
                    Some(e) => exprs.push(e.clone()),
                    None => {
                        return Err((
                            Unknown::missing(format!(
                                "`{part}` is not an expression after expansion"
                            )),
                            span,
                        ))
                    }
                }
            }
            let ctx = self.eval_ctx();
            return exprs
                .iter()
                .map(|e| {
                    evaluate::evaluate(e, &ctx)
                        .map(|v| v.text())
                        .map_err(|u| (u, span))
                })
                .collect();
        } else {
            list.to_vec()
        };
        exprs
            .iter()
            .map(|e| {
                self.eval_expr(e, origin)
                    .map(|v| v.text())
                    .map_err(|u| (u, e.span()))
            })
            .collect()
    }

    /// Lists a folder for FileList/DirList when the pattern resolves inside `--files-root`.
    pub(super) fn list_folder(&self, pattern: &str, dirs: bool) -> Result<Vec<String>, String> {
        let resolved = resolve_path(
            pattern,
            self.state.directory.as_deref(),
            self.connections,
            self.app_dir.as_deref(),
        );
        let Some(roots) = &self.files_root else {
            return Err(format!(
                "{}() over `{pattern}`: no --files-root given, so the folder is not listed; the body is analysed once with the wildcard path",
                if dirs { "DirList" } else { "FileList" }
            ));
        };
        let disk = resolved
            .disk
            .ok_or_else(|| format!("`{pattern}` does not resolve to a local folder"))?;
        let (folder, file_pattern) = match (disk.parent(), disk.file_name()) {
            (Some(p), Some(f)) => (p.to_path_buf(), f.to_string_lossy().to_lowercase()),
            _ => return Err(format!("`{pattern}` names no folder")),
        };
        let folder = roots.check(&folder).map_err(|r| match r {
            ReadRefusal::OutsideRoots => {
                format!("`{pattern}` lies outside --files-root: not listed")
            }
            ReadRefusal::Missing => format!("the folder of `{pattern}` does not exist"),
        })?;
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .map_err(|e| format!("cannot list the folder of `{pattern}`: {e}"))?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir() == dirs)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| evaluate::wildcard_match(&file_pattern, &n.to_lowercase()))
            .collect();
        names.sort();
        // Qlik returns the paths in the script's own form: the pattern's folder + the name.
        let prefix_end = pattern.rfind(['/', '\\']).map_or(0, |i| i + 1);
        Ok(names
            .into_iter()
            .map(|n| format!("{}{}", &pattern[..prefix_end], n))
            .collect())
    }

    pub(super) fn exec_do(&mut self, s: &crate::syntax::ast::StmtDo, origin: Origin) -> Flow {
        let cap = self.options.max_loop_iterations;
        let decide = |this: &mut Self,
                      cond: &Option<crate::syntax::ast::LoopCondition>|
         -> Result<bool, (Unknown, Span)> {
            match cond {
                None => Ok(true),
                Some(c) => {
                    let v = this
                        .eval_expr(&c.condition, origin)
                        .map_err(|u| (u, c.condition.span()))?;
                    Ok(match c.kind {
                        LoopConditionKind::While => v.truthy(),
                        LoopConditionKind::Until => !v.truthy(),
                    })
                }
            }
        };
        let mut iterations = 0;
        loop {
            match decide(self, &s.condition) {
                Ok(false) => return Flow::Normal,
                Ok(true) => {}
                Err((u, span)) => return self.do_symbolic(s, origin, u, span),
            }
            if iterations >= cap {
                let span = s
                    .condition
                    .as_ref()
                    .map_or(Span::empty_at(0), |c| c.condition.span());
                let location = origin.loc(span);
                self.diagnostic(
                    location,
                    Diagnostic::new(
                        Code::LoopCapped,
                        location.span,
                        format!("DO loop still running after {cap} iterations: analysis stopped there"),
                    )
                    .with_note("the reload would run this loop for as long as its condition holds, or forever"),
                );
                self.unresolved(
                    location,
                    origin.slice(span),
                    &format!("DO loop did not end within {cap} iterations"),
                    false,
                );
                return Flow::Normal;
            }
            iterations += 1;
            match self.exec_block(&s.body, origin) {
                Flow::ExitDo => return Flow::Normal,
                Flow::ExitScript => return Flow::ExitScript,
                Flow::ExitSub => return Flow::ExitSub,
                Flow::ExitFor => return Flow::ExitFor,
                Flow::Normal => {}
            }
            match decide(self, &s.loop_condition) {
                Ok(false) => return Flow::Normal,
                Ok(true) => {}
                Err((u, span)) => {
                    let location = origin.loc(span);
                    self.unresolved(
                        location,
                        origin.slice(span),
                        &format!(
                            "DO loop condition not decidable ({}): analysed once",
                            u.reason
                        ),
                        u.runtime,
                    );
                    return Flow::Normal;
                }
            }
        }
    }

    pub(super) fn do_symbolic(
        &mut self,
        s: &crate::syntax::ast::StmtDo,
        origin: Origin,
        u: Unknown,
        span: Span,
    ) -> Flow {
        let location = origin.loc(span);
        self.unresolved(
            location,
            origin.slice(span),
            &format!(
                "DO loop condition not decidable ({}): the body is analysed once",
                u.reason
            ),
            u.runtime,
        );
        self.symbolic_body(&s.body, origin)
    }

    pub(super) fn exec_exit(
        &mut self,
        exit: &crate::syntax::ast::StmtExit,
        origin: Origin,
    ) -> Flow {
        if let Some(cond) = &exit.condition {
            match self.eval_expr(&cond.condition, origin) {
                Ok(v) => {
                    let holds =
                        v.truthy() == (cond.kind == crate::syntax::ast::ConditionKind::When);
                    if !holds {
                        return Flow::Normal;
                    }
                }
                Err(u) => {
                    let location = origin.loc(cond.condition.span());
                    self.unresolved(
                        location,
                        origin.slice(cond.condition.span()),
                        &format!("EXIT condition not decidable ({}): analysis continues as if it did not exit", u.reason),
                        u.runtime,
                    );
                    return Flow::Normal;
                }
            }
        }
        match exit.target {
            // EXIT ERROR ends the reload as failed: for the model, like EXIT SCRIPT.
            ExitTarget::Script | ExitTarget::Error => {
                if !self.is_conditional() {
                    self.stopped = true;
                }
                Flow::ExitScript
            }
            ExitTarget::Sub => Flow::ExitSub,
            ExitTarget::For => Flow::ExitFor,
            ExitTarget::Do => Flow::ExitDo,
        }
    }
}
