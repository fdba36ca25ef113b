//! IF and SWITCH: a decidable condition takes one branch; otherwise every branch runs on a
//! copy of the state and the copies merge, marked conditional.

use super::*;

impl Machine<'_> {
    /// Runs alternative bodies on copies of the state and merges the results.
    pub(super) fn fork(
        &mut self,
        bodies: &[&[Stmt]],
        origin: Origin,
        why: &str,
        runtime: bool,
    ) -> Flow {
        let base = self.state.clone();
        let base_tables = base.tables.tables.len();
        let mut results: Vec<State> = Vec::new();
        let mut flows = Vec::new();
        self.conditional += 1;
        for body in bodies {
            self.state = base.clone();
            flows.push(self.exec_block(body, origin));
            results.push(std::mem::replace(&mut self.state, base.clone()));
        }
        self.conditional -= 1;
        let mut merged = results.remove(0);
        for other in results {
            merge_state(&mut merged, other, base_tables, why, runtime);
        }
        self.state = merged;
        if flows.iter().all(|f| *f == flows[0]) {
            flows[0]
        } else if flows.contains(&Flow::ExitScript) && self.stopped {
            Flow::ExitScript
        } else {
            Flow::Normal
        }
    }

    pub(super) fn exec_if(&mut self, s: &crate::syntax::ast::StmtIf, origin: Origin) -> Flow {
        for (i, branch) in s.branches.iter().enumerate() {
            match self.eval_expr(&branch.condition, origin) {
                Ok(v) if v.truthy() => return self.exec_block(&branch.body, origin),
                Ok(_) => continue,
                Err(u) => {
                    let location = origin.loc(branch.condition.span());
                    let text = origin.slice(branch.condition.span()).to_string();
                    self.unresolved(
                        location,
                        &text,
                        &format!("IF condition not decidable ({}): every branch analysed, results marked conditional", u.reason),
                        u.runtime,
                    );
                    let mut bodies: Vec<&[Stmt]> =
                        s.branches[i..].iter().map(|b| b.body.as_slice()).collect();
                    bodies.push(
                        s.else_branch
                            .as_ref()
                            .map_or(&[][..], |e| e.body.as_slice()),
                    );
                    let why = format!("set under the undecided condition `{}`", shorten(&text, 80));
                    return self.fork(&bodies, origin, &why, u.runtime);
                }
            }
        }
        match &s.else_branch {
            Some(e) => self.exec_block(&e.body, origin),
            None => Flow::Normal,
        }
    }

    pub(super) fn exec_switch(
        &mut self,
        s: &crate::syntax::ast::StmtSwitch,
        origin: Origin,
    ) -> Flow {
        let subject = match self.eval_expr(&s.subject, origin) {
            Ok(v) => v,
            Err(u) => return self.switch_undecided(s, origin, u),
        };
        for case in &s.cases {
            for value in &case.values {
                match self.eval_expr(value, origin) {
                    Ok(v) if values_equal(&v, &subject) => {
                        return self.exec_block(&case.body, origin)
                    }
                    Ok(_) => {}
                    Err(u) => return self.switch_undecided(s, origin, u),
                }
            }
        }
        match &s.default {
            Some(d) => self.exec_block(&d.body, origin),
            None => Flow::Normal,
        }
    }

    pub(super) fn switch_undecided(
        &mut self,
        s: &crate::syntax::ast::StmtSwitch,
        origin: Origin,
        u: Unknown,
    ) -> Flow {
        let location = origin.loc(s.subject.span());
        let text = origin.slice(s.subject.span()).to_string();
        self.unresolved(
            location,
            &text,
            &format!(
                "SWITCH not decidable ({}): every case analysed, results marked conditional",
                u.reason
            ),
            u.runtime,
        );
        let mut bodies: Vec<&[Stmt]> = s.cases.iter().map(|c| c.body.as_slice()).collect();
        bodies.push(s.default.as_ref().map_or(&[][..], |d| d.body.as_slice()));
        let why = format!("set under the undecided SWITCH `{}`", shorten(&text, 80));
        self.fork(&bodies, origin, &why, u.runtime)
    }
}

/// Merges the state another path produced into `into`. Both came from the same base state
/// with `base_tables` tables: tables below that index are the same table in both (compared
/// by pointer first, merged field by field when a branch changed them); tables past it were
/// created by one branch and are kept, marked conditional.
pub(super) fn merge_state(
    into: &mut State,
    other: State,
    base_tables: usize,
    why: &str,
    runtime: bool,
) {
    into.env.merge(&other.env, why, runtime);
    let mine = &mut into.tables;
    if std::rc::Rc::ptr_eq(&mine.tables, &other.tables.tables) {
        // Neither path changed a table.
    } else {
        merge_tables(mine, other.tables, base_tables);
    }
    if into.directory != other.directory {
        into.directory = into.directory.clone().or(other.directory);
    }
    if into.connection.is_none() {
        into.connection = other.connection;
    }
}

/// Merges the tables of another path (see [`merge_state`]).
fn merge_tables(mine: &mut TableModel, other: TableModel, base_tables: usize) {
    for (i, theirs) in other.tables.iter().enumerate() {
        if i >= base_tables {
            let mut table = (**theirs).clone();
            table.table.conditional = true;
            mine.push_table(table);
            continue;
        }
        if std::rc::Rc::ptr_eq(&mine.tables[i], theirs) {
            continue;
        }
        let target = mine.table_mut(i);
        // Dropped on one path only: it may exist afterwards.
        if target.dropped != theirs.dropped {
            target.dropped = false;
            target.table.conditional = true;
        }
        for field in &theirs.table.fields {
            match target
                .table
                .fields
                .iter_mut()
                .find(|f| f.name == field.name)
            {
                Some(existing) => {
                    for d in &field.derived_from {
                        if !existing.derived_from.contains(d) {
                            existing.derived_from.push(d.clone());
                        }
                    }
                }
                None => {
                    target.table.fields.push(field.clone());
                    target.table.conditional = true;
                }
            }
        }
        for s in &theirs.table.sources {
            if !target.table.sources.contains(s) {
                target.table.sources.push(*s);
            }
        }
    }
}
