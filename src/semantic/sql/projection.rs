//! Output columns of a query and the table columns each reads, through aliases, CTEs and
//! derived tables.

use rustc_hash::FxHashMap as HashMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr as SqlExpr, ObjectNamePart, Query, Select, SelectItem, SetExpr, TableFactor,
    TableWithJoins,
};

use super::{object_name, ColumnRef, SqlColumn};

/// What a name in a FROM clause stands for inside one SELECT.
#[derive(Debug, Clone)]
enum Relation {
    Table(String),
    /// A CTE or derived table with its columns (when known).
    Derived(Option<Vec<SqlColumn>>),
}

type Scope = HashMap<String, Relation>;

/// The output columns of a top-level query; `None` when its projection holds a `*`.
pub(super) fn output_columns(query: &Query) -> Option<Vec<SqlColumn>> {
    query_columns(query, &Scope::default())
}

fn query_columns(query: &Query, outer_ctes: &Scope) -> Option<Vec<SqlColumn>> {
    let mut ctes = outer_ctes.clone();
    if let Some(with) = &query.with {
        for cte in &with.cte_tables {
            let columns = query_columns(&cte.query, &ctes);
            ctes.insert(
                cte.alias.name.value.to_lowercase(),
                Relation::Derived(columns),
            );
        }
    }
    set_expr_columns(&query.body, &ctes)
}

fn set_expr_columns(body: &SetExpr, ctes: &Scope) -> Option<Vec<SqlColumn>> {
    match body {
        SetExpr::Select(select) => select_columns(select, ctes),
        SetExpr::Query(q) => query_columns(q, ctes),
        SetExpr::SetOperation { left, right, .. } => {
            // Names come from the left branch; reads from both.
            let mut columns = set_expr_columns(left, ctes)?;
            if let Some(other) = set_expr_columns(right, ctes) {
                for (c, o) in columns.iter_mut().zip(other) {
                    c.reads.extend(o.reads);
                    c.direct = false;
                }
            }
            Some(columns)
        }
        _ => None,
    }
}

fn add_relation(factor: &TableFactor, ctes: &Scope, scope: &mut Scope, order: &mut Vec<String>) {
    match factor {
        TableFactor::Table { name, alias, .. } => {
            let written = object_name(name);
            let relation = match ctes.get(&written.to_lowercase()) {
                Some(cte) if name.0.len() == 1 => cte.clone(),
                _ => Relation::Table(written.clone()),
            };
            let key = alias
                .as_ref()
                .map(|a| a.name.value.clone())
                .unwrap_or_else(|| {
                    name.0
                        .last()
                        .map(|p| match p {
                            ObjectNamePart::Identifier(i) => i.value.clone(),
                            other => other.to_string(),
                        })
                        .unwrap_or_default()
                });
            // The full name works as a qualifier too (`dbo.Orders.OrderID`).
            scope.insert(written.to_lowercase(), relation.clone());
            scope.insert(key.to_lowercase(), relation);
            order.push(key.to_lowercase());
        }
        TableFactor::Derived {
            subquery, alias, ..
        } => {
            let columns = query_columns(subquery, ctes);
            if let Some(alias) = alias {
                scope.insert(alias.name.value.to_lowercase(), Relation::Derived(columns));
                order.push(alias.name.value.to_lowercase());
            } else {
                order.push(String::new());
            }
        }
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            add_from(table_with_joins, ctes, scope, order);
        }
        _ => order.push(String::new()),
    }
}

fn add_from(from: &TableWithJoins, ctes: &Scope, scope: &mut Scope, order: &mut Vec<String>) {
    add_relation(&from.relation, ctes, scope, order);
    for join in &from.joins {
        add_relation(&join.relation, ctes, scope, order);
    }
}

fn select_columns(select: &Select, ctes: &Scope) -> Option<Vec<SqlColumn>> {
    let mut scope = Scope::default();
    let mut order = Vec::new();
    for from in &select.from {
        add_from(from, ctes, &mut scope, &mut order);
    }
    let single = if order.len() == 1 {
        scope.get(&order[0]).cloned()
    } else {
        None
    };
    let mut columns = Vec::new();
    for item in &select.projection {
        let (expr, alias) = match item {
            SelectItem::UnnamedExpr(e) => (e, None),
            SelectItem::ExprWithAlias { expr, alias } => (expr, Some(alias.value.clone())),
            SelectItem::ExprWithAliases { expr, aliases } => {
                (expr, aliases.first().map(|a| a.value.clone()))
            }
            SelectItem::QualifiedWildcard(..) | SelectItem::Wildcard(..) => return None,
        };
        let mut direct = matches!(
            expr,
            SqlExpr::Identifier(_) | SqlExpr::CompoundIdentifier(_)
        );
        let name = alias.unwrap_or_else(|| match expr {
            SqlExpr::Identifier(i) => i.value.clone(),
            SqlExpr::CompoundIdentifier(parts) => {
                parts.last().map(|i| i.value.clone()).unwrap_or_default()
            }
            other => other.to_string(),
        });
        let mut reads = Vec::new();
        let _ = sqlparser::ast::visit_expressions(expr, |e| {
            match e {
                SqlExpr::Identifier(ident) => {
                    direct &=
                        resolve_column(None, &ident.value, &scope, single.as_ref(), &mut reads)
                }
                SqlExpr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                    let qualifier = parts[..parts.len() - 1]
                        .iter()
                        .map(|p| p.value.clone())
                        .collect::<Vec<_>>()
                        .join(".");
                    let column = &parts[parts.len() - 1].value;
                    direct &= resolve_column(
                        Some(&qualifier),
                        column,
                        &scope,
                        single.as_ref(),
                        &mut reads,
                    )
                }
                _ => {}
            }
            ControlFlow::<()>::Continue(())
        });
        columns.push(SqlColumn {
            name,
            reads,
            direct,
        });
    }
    Some(columns)
}

fn resolve_column(
    qualifier: Option<&str>,
    column: &str,
    scope: &Scope,
    single: Option<&Relation>,
    reads: &mut Vec<ColumnRef>,
) -> bool {
    let relation = match qualifier {
        Some(q) => scope.get(&q.to_lowercase()),
        None => single,
    };
    let mut direct = true;
    let found: Vec<ColumnRef> = match relation {
        Some(Relation::Table(table)) => vec![ColumnRef {
            table: Some(table.clone()),
            column: column.to_string(),
        }],
        Some(Relation::Derived(Some(columns))) => {
            match columns.iter().find(|c| c.name.eq_ignore_ascii_case(column)) {
                Some(c) => {
                    direct = c.direct;
                    c.reads.clone()
                }
                None => Vec::new(),
            }
        }
        Some(Relation::Derived(None)) => vec![ColumnRef {
            table: None,
            column: column.to_string(),
        }],
        None => vec![ColumnRef {
            table: qualifier.map(str::to_string),
            column: column.to_string(),
        }],
    };
    for f in found {
        if !reads.contains(&f) {
            reads.push(f);
        }
    }
    direct
}
