use super::*;

fn fields(names: &[&str]) -> Vec<Field> {
    names
        .iter()
        .map(|n| source_field(n, None, Some(&"x.qvd".into())))
        .collect()
}

fn place(model: &mut TableModel, names: &[&str], label: Option<&str>, p: Placement) -> Placed {
    let p = Placement {
        label: label.map(str::to_string),
        ..p
    };
    model.place(fields(names), false, "Default", &p, 0).0
}

#[test]
fn auto_concatenation_and_suffixes() {
    let mut m = TableModel::default();
    assert_eq!(
        place(&mut m, &["a", "b"], Some("T"), Placement::default()),
        Placed::Created("T".into())
    );
    assert_eq!(
        place(&mut m, &["b", "a"], Some("Other"), Placement::default()),
        Placed::AutoConcatenated("T".into()),
        "same field set in any order appends, whatever the label"
    );
    let no_concat = Placement {
        no_concatenate: true,
        ..Default::default()
    };
    assert_eq!(
        place(&mut m, &["a", "b"], Some("T"), no_concat.clone()),
        Placed::Created("T-1".into())
    );
    assert_eq!(
        place(&mut m, &["a", "b"], Some("T"), no_concat),
        Placed::Created("T-2".into())
    );
}

#[test]
fn join_goes_to_the_last_table() {
    let mut m = TableModel::default();
    place(&mut m, &["k", "a"], Some("A"), Placement::default());
    let join = Placement {
        join: Some(None),
        ..Default::default()
    };
    assert_eq!(
        place(&mut m, &["k", "b"], None, join),
        Placed::Joined("A".into())
    );
    let a = &m.tables[0].table;
    assert_eq!(
        a.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
        ["k", "a", "b"]
    );
    assert_eq!(a.fields[0].derived_from[1].transform, Transform::JoinKey);
}

#[test]
fn mapping_tables_are_apart() {
    let mut m = TableModel::default();
    let mapping = Placement {
        mapping: true,
        ..Default::default()
    };
    assert_eq!(
        place(&mut m, &["k", "v"], Some("M"), mapping),
        Placed::Mapping("M".into())
    );
    assert_eq!(
        place(&mut m, &["k", "v"], Some("M"), Placement::default()),
        Placed::Created("M".into())
    );
    assert!(m.find("M", Domain::Mapping).is_some());
    assert_eq!(m.finish().0.len(), 1);
}

#[test]
fn qualify_and_alias() {
    let mut m = TableModel::default();
    m.qualify.push(("*".into(), true));
    m.qualify.push(("Key".into(), false));
    m.aliases.push(("Amt".into(), "Amount".into()));
    let mut f = fields(&["Key", "Amt", "Name"]);
    m.rename_output(&mut f, "Orders");
    let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["Key", "Orders.Amount", "Orders.Name"]);
    assert_eq!(f[1].derived_from[0].transform, Transform::Rename);
}

#[test]
fn lookups_follow_renames_drops_and_changed_fields() {
    let mut m = TableModel::default();
    // A name created and dropped again and again stays free (no `-n`).
    for _ in 0..3 {
        assert_eq!(
            place(&mut m, &["d"], Some("Cal"), Placement::default()),
            Placed::Created("Cal".into())
        );
        assert!(m.drop_table("Cal"));
    }
    place(&mut m, &["k", "a"], Some("A"), Placement::default());
    assert!(m.rename_table("A", "B"));
    assert_eq!(m.find_any("A"), None);
    assert!(m.find_any("B").is_some());
    // B's field set changes by a join: a load with the new set concatenates into it.
    let join = Placement {
        join: Some(Some("B".into())),
        ..Placement::default()
    };
    place(&mut m, &["k", "c"], None, join);
    assert_eq!(
        place(&mut m, &["c", "a", "k"], Some("New"), Placement::default()),
        Placed::AutoConcatenated("B".into())
    );
    // A forked copy sees its own changes only.
    let mut fork = m.clone();
    assert!(fork.rename_table("B", "F"));
    assert!(m.find_any("B").is_some());
    assert_eq!(fork.find_any("B"), None);
}

#[test]
fn drops_and_renames() {
    let mut m = TableModel::default();
    place(&mut m, &["k", "a"], Some("A"), Placement::default());
    place(&mut m, &["k", "b"], Some("B"), Placement::default());
    assert!(m.drop_fields(&["k".into()], &[]).is_empty());
    assert!(m.tables.iter().all(|t| t.table.fields.len() == 1));
    assert!(m.rename_field("a", "x"));
    assert!(m.rename_table("B", "C"));
    assert!(m.drop_table("A"));
    let (tables, _) = m.finish();
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].name, "C");
}

#[test]
fn synthetic_keys_and_loops() {
    let t = |name: &str, f: &[&str]| Table {
        name: name.into(),
        fields: fields(f),
        sources: vec![],
        conditional: false,
        fields_incomplete: false,
        note: None,
    };
    let tables = vec![
        t("A", &["x", "y", "a"]),
        t("B", &["x", "y", "b"]),
        t("C", &["a", "c"]),
        t("D", &["b", "c"]),
    ];
    let keys = synthetic_keys(&tables);
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].fields, vec!["x", "y"]);
    let loops = circular_references(&tables);
    assert_eq!(loops, vec![vec!["A", "B", "C", "D"]]);
    assert!(circular_references(&tables[..3]).is_empty());
    // Three tables on one synthetic key: one key, a star through it, no loop.
    let same = vec![
        t("S", &["k", "v"]),
        t("S-1", &["k", "v"]),
        t("S-2", &["k", "v"]),
    ];
    assert_eq!(synthetic_keys(&same).len(), 1);
    assert_eq!(synthetic_keys(&same)[0].tables.len(), 3);
    assert!(circular_references(&same).is_empty());
}
