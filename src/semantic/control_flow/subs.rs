//! SUB definitions (collected wherever they appear) and CALL, inlined with parameters bound
//! by reference and a recursion guard.

use super::*;

impl Machine<'_> {
    /// Collects SUB definitions anywhere in a tree (Qlik finds a SUB before its CALL runs).
    pub(super) fn collect_subs(
        &mut self,
        stmts: &[Stmt],
        origin: Origin,
        owned: Option<(Rc<str>, Rc<SourceMap>)>,
    ) {
        // Only blocks hold SUBs (a preceding LOAD's statement never does): most statement
        // lists, such as an expanded statement's, are walked without building a stack.
        let block = |s: &&Stmt| {
            matches!(
                s.kind,
                StmtKind::Sub(_)
                    | StmtKind::If(_)
                    | StmtKind::For(_)
                    | StmtKind::ForEach(_)
                    | StmtKind::Do(_)
                    | StmtKind::Switch(_)
            )
        };
        let mut stack: Vec<&Stmt> = stmts.iter().filter(block).collect();
        while let Some(stmt) = stack.pop() {
            if let StmtKind::Sub(_) = &stmt.kind {
                self.define_sub(stmt, origin, owned.clone());
            } else {
                stack.extend(stmt.children().into_iter().filter(block));
            }
        }
    }

    pub(super) fn define_sub(
        &mut self,
        stmt: &Stmt,
        origin: Origin,
        owned: Option<(Rc<str>, Rc<SourceMap>)>,
    ) {
        let StmtKind::Sub(sub) = &stmt.kind else {
            return;
        };
        let name = sub.name.text.to_lowercase().to_string();
        // Reached again where it was collected (the file's own text): already defined as it
        // is, and copying its body again would cost a deep clone per SUB.
        if owned.is_none() && origin.map.is_none() {
            if let Some(def) = self.subs.get(&name) {
                if def.file == origin.file && def.map.is_none() && def.stmt.span == stmt.span {
                    return;
                }
            }
        }
        let (text, map) = match owned {
            Some((t, m)) => (t, Some(m)),
            None => match origin.map {
                // A SUB met while running expanded text: keep a copy of that text.
                Some(m) => (Rc::from(origin.text), Some(Rc::new(m.clone()))),
                None => (self.text_of(origin.file), None),
            },
        };
        self.subs.insert(
            name,
            Rc::new(SubDef {
                file: origin.file,
                text,
                map,
                stmt: stmt.clone(),
            }),
        );
    }

    pub(super) fn exec_call(
        &mut self,
        call: &crate::syntax::ast::StmtCall,
        span: Span,
        origin: Origin,
    ) -> Flow {
        let location = origin.loc(span);
        let mut name = call.name.text.as_str().to_owned();
        if name.contains("$(") && !origin.expanded() {
            name = self.expand_text(&name, call.name.span, origin).text;
        }
        let key = name.to_lowercase();
        let Some(def) = self.subs.get(&key).cloned() else {
            self.diagnostic(
                location,
                Diagnostic::new(
                    Code::UnknownSub,
                    location.span,
                    format!("CALL {name}: no SUB of that name is defined"),
                ),
            );
            self.unresolved(
                location,
                &name,
                "CALL of a SUB that is not defined (an include not read?)",
                false,
            );
            return Flow::Normal;
        };
        let repeats = self
            .active_subs
            .iter()
            .rev()
            .find(|(active, _)| *active == key)
            .is_some_and(|&(_, loops_at_entry)| self.symbolic_loops > loops_at_entry);
        if repeats {
            // The classic folder walk (`FOR EACH d IN DirList(...) CALL Walk(d)`) over a folder
            // that was not listed: each level would add one more `/*` to the same statements,
            // down to the recursion guard.
            self.unresolved(
                location,
                &name,
                &format!(
                    "recursive CALL {name} from a loop whose values are not known (a folder not listed, a list known only at reload): deeper calls would repeat the same statements with the same unknowns, so they are not followed"
                ),
                false,
            );
            return Flow::Normal;
        }
        if self.active_subs.len() >= MAX_CALL_DEPTH {
            self.diagnostic(
                location,
                Diagnostic::new(
                    Code::RecursionTooDeep,
                    location.span,
                    format!("CALL {name} nested {MAX_CALL_DEPTH} deep: not followed further"),
                ),
            );
            self.unresolved(
                location,
                &name,
                "SUB recursion deeper than the guard",
                false,
            );
            return Flow::Normal;
        }
        let StmtKind::Sub(sub) = &def.stmt.kind else {
            return Flow::Normal;
        };
        // Bind parameters: a plain variable name is passed by reference.
        let mut saved: Vec<(String, Option<VarValue>)> = Vec::new();
        let mut by_ref: Vec<(String, String)> = Vec::new();
        let mut bound: Vec<(String, Option<VarValue>)> = Vec::new();
        for (i, param) in sub.params.iter().enumerate() {
            let value = match call.args.get(i) {
                None => None,
                Some(Expr::Field(ident)) if self.state.env.get(&ident.text).is_some() => {
                    by_ref.push((
                        param.text.as_str().to_owned(),
                        ident.text.as_str().to_owned(),
                    ));
                    self.state.env.get(&ident.text).cloned()
                }
                Some(arg) => Some(match self.eval_expr(arg, origin) {
                    Ok(v) => VarValue::Known(v.text()),
                    Err(u) => VarValue::Unknown {
                        reason: format!(
                            "parameter {} of {}: {}",
                            param.text, sub.name.text, u.reason
                        ),
                        runtime: u.runtime,
                    },
                }),
            };
            bound.push((param.text.as_str().to_owned(), value));
        }
        for (param, value) in bound {
            saved.push((param.clone(), self.state.env.get(&param).cloned()));
            match value {
                Some(v) => self.state.env.set(&param, v),
                None => {
                    self.state.env.remove(&param);
                }
            }
        }
        self.active_subs.push((key, self.symbolic_loops));
        let text = def.text.clone();
        let map = def.map.clone();
        let inner = Origin {
            file: def.file,
            text: &text,
            map: map.as_deref(),
        };
        let flow = self.exec_block(&sub.body, inner);
        self.active_subs.pop();
        let results: Vec<(String, Option<VarValue>)> = by_ref
            .iter()
            .map(|(param, caller)| (caller.clone(), self.state.env.get(param).cloned()))
            .collect();
        for (param, old) in saved.into_iter().rev() {
            match old {
                Some(v) => self.state.env.set(&param, v),
                None => {
                    self.state.env.remove(&param);
                }
            }
        }
        for (caller, value) in results {
            if let Some(v) = value {
                self.state.env.set(&caller, v);
            }
        }
        match flow {
            Flow::ExitScript => Flow::ExitScript,
            _ => Flow::Normal,
        }
    }
}
