//! What prefixes do to a load's output: CROSSTABLE, HIERARCHY, INTERVALMATCH, and MAP … USING
//! bindings in force.

use super::*;

impl Machine<'_> {
    /// CROSSTABLE, HIERARCHY, HIERARCHYBELONGSTO and INTERVALMATCH change the field list.
    pub(super) fn apply_prefixes(&mut self, stmt: &Stmt, level: &mut Level, origin: Origin) {
        for prefix in &stmt.prefixes {
            match prefix {
                Prefix::CrossTable(ct) => {
                    let qualifiers = ct
                        .qualifiers
                        .as_ref()
                        .and_then(|q| {
                            crate::semantic::evaluate::parse_number(origin.slice(q.span()))
                        })
                        .unwrap_or(1.0) as usize;
                    let keep = qualifiers.min(level.fields.len());
                    let collapsed: Vec<Field> = level.fields.split_off(keep);
                    let attribute_from = collapsed
                        .iter()
                        .map(|f| Derivation {
                            table: None,
                            field: Some(f.name.as_str().into()),
                            source: Some("crosstable column name".into()),
                            transform: Transform::Generated,
                        })
                        .collect();
                    let data_from = collapsed
                        .iter()
                        .flat_map(|f| f.derived_from.iter())
                        .map(|d| Derivation {
                            transform: Transform::Generated,
                            ..d.clone()
                        })
                        .collect();
                    level.fields.push(Field {
                        name: ct.attribute.text.as_str().to_owned(),
                        derived_from: attribute_from,
                    });
                    level.fields.push(Field {
                        name: ct.data.text.as_str().to_owned(),
                        derived_from: data_from,
                    });
                }
                Prefix::Hierarchy(args) | Prefix::HierarchyBelongsTo(args) => {
                    let belongs = matches!(prefix, Prefix::HierarchyBelongsTo(_));
                    let arg = |i: usize| {
                        args.args
                            .get(i)
                            .and_then(|a| a.as_ref())
                            .map(|a| a.text.as_str().to_owned())
                    };
                    let node = arg(0);
                    let name = arg(2);
                    let generated: Vec<Option<String>> = if belongs {
                        vec![arg(3), arg(4), arg(5)]
                    } else {
                        vec![arg(3), arg(5), arg(7)]
                    };
                    let from: Derivations = [node, name]
                        .into_iter()
                        .flatten()
                        .map(|f| Derivation {
                            table: None,
                            field: Some(f.into()),
                            source: None,
                            transform: Transform::Generated,
                        })
                        .collect();
                    for g in generated.into_iter().flatten() {
                        if !level.fields.iter().any(|f| f.name == g) {
                            level.fields.push(Field {
                                name: g,
                                derived_from: from.clone(),
                            });
                        }
                    }
                    if !belongs {
                        level.incomplete = true;
                        self.unresolved(
                            origin.loc(args.span),
                            origin.slice(args.span),
                            "HIERARCHY adds one NodeName level field per depth; the depth is data",
                            true,
                        );
                    }
                }
                Prefix::IntervalMatch(args) => {
                    if let Some(Some(field)) = args.args.first() {
                        let from = level
                            .fields
                            .iter()
                            .map(|f| Derivation {
                                table: None,
                                field: Some(f.name.as_str().into()),
                                source: None,
                                transform: Transform::Generated,
                            })
                            .collect();
                        if !level.fields.iter().any(|f| f.name == field.text.as_str()) {
                            level.fields.insert(
                                0,
                                Field {
                                    name: field.text.as_str().to_owned(),
                                    derived_from: from,
                                },
                            );
                        }
                        for key in args.args.iter().skip(1).flatten() {
                            if !level.fields.iter().any(|f| f.name == key.text.as_str()) {
                                level.fields.push(source_field(&key.text, None, None));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// `MAP field USING map` in force: the field's values are looked up in the mapping table.
    pub(super) fn apply_map_using(&mut self, fields: &mut [Field]) {
        for field in fields.iter_mut() {
            let maps: Vec<String> = self
                .state
                .mapped
                .iter()
                .filter(|(pattern, _)| {
                    crate::semantic::evaluate::wildcard_match(pattern, &field.name)
                })
                .map(|(_, m)| m.clone())
                .collect();
            for map in maps {
                push_unique(
                    &mut field.derived_from,
                    Derivation {
                        table: Some(map.into()),
                        field: None,
                        source: Some("mapping".into()),
                        transform: Transform::Mapping,
                    },
                );
            }
        }
    }
}
