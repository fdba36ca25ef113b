//! A synthetic Qlik estate for the lineage benchmarks: `n` apps in three layers, written as
//! script files under a folder with a connections file. Extract apps (10 %) read database
//! tables and store QVDs through a variable and a SUB; transform apps (30 %) read extract
//! QVDs, join, map and store transform QVDs; dashboards (60 %) read transform QVDs. About 30
//! fields per app, so 10,000 apps hold about 300,000 fields. Deterministic for a given `n`.

use std::fmt::Write as _;
use std::path::Path;

const FIELDS_PER_TABLE: usize = 10;

fn fields(prefix: &str, table: usize) -> Vec<String> {
    (0..FIELDS_PER_TABLE)
        .map(|f| format!("{prefix}{table}_F{f}"))
        .collect()
}

fn extract(i: usize) -> String {
    let mut s = String::new();
    writeln!(s, "// Extract {i}").unwrap();
    writeln!(s, "SET vQvd = 'lib://QVD/Extract/';").unwrap();
    writeln!(s, "SUB StoreAndDrop(pTable)\n  STORE [$(pTable)] INTO [$(vQvd)$(pTable).qvd] (qvd);\n  DROP TABLE [$(pTable)];\nEND SUB").unwrap();
    writeln!(s, "LIB CONNECT TO 'ERP';").unwrap();
    for t in 0..3 {
        let table = i * 3 + t;
        let cols = fields("C", table);
        writeln!(s, "E{table}:\nLOAD {};", cols.join(", ")).unwrap();
        writeln!(s, "SQL SELECT {} FROM erp.dbo.T{table};", cols.join(", ")).unwrap();
        writeln!(s, "CALL StoreAndDrop('E{table}');").unwrap();
    }
    s
}

fn transform(i: usize, extracts: usize) -> String {
    let mut s = String::new();
    let a = (i * 7) % (extracts * 3);
    let b = (i * 13 + 1) % (extracts * 3);
    let fa = fields("C", a);
    let fb = fields("C", b);
    writeln!(s, "// Transform {i}\nSET vExtract = 'lib://QVD/Extract/';").unwrap();
    writeln!(
        s,
        "Map{i}:\nMAPPING LOAD {}, {} FROM [$(vExtract)E{b}.qvd] (qvd);",
        fb[0], fb[1]
    )
    .unwrap();
    writeln!(
        s,
        "X{i}:\nLOAD {}, ApplyMap('Map{i}', {}, 'n/a') AS Mapped{i},",
        fa[0], fa[1]
    )
    .unwrap();
    let rest: Vec<String> = fa[2..].iter().map(|f| format!("{f} * 2 AS {f}x")).collect();
    writeln!(
        s,
        "  {}\nFROM [$(vExtract)E{a}.qvd] (qvd);",
        rest.join(", ")
    )
    .unwrap();
    writeln!(
        s,
        "LEFT JOIN (X{i})\nLOAD {} AS {}, {} FROM [$(vExtract)E{b}.qvd] (qvd);",
        fb[0],
        fa[0],
        fb[2..].join(", ")
    )
    .unwrap();
    writeln!(s, "STORE X{i} INTO [lib://QVD/Transform/X{i}.qvd] (qvd);").unwrap();
    s
}

fn dashboard(i: usize, transforms: usize, extracts: usize) -> String {
    let mut s = String::new();
    let t = i % transforms;
    let a = (t * 7) % (extracts * 3);
    let fa = fields("C", a);
    writeln!(s, "// Dashboard {i}").unwrap();
    let cols: Vec<String> = std::iter::once(fa[0].clone())
        .chain(std::iter::once(format!("Mapped{t}")))
        .chain(fa[2..].iter().map(|f| format!("{f}x")))
        .collect();
    writeln!(
        s,
        "Facts:\nLOAD {} FROM [lib://QVD/Transform/X{t}.qvd] (qvd);",
        cols.join(", ")
    )
    .unwrap();
    writeln!(
        s,
        "Calendar:\nLOAD * INLINE [\n{}, Month\n1, Jan\n];",
        fa[0]
    )
    .unwrap();
    s
}

/// Writes `n` apps under `dir` (`apps/NNNNN.qvs`) and `connections.json`.
pub fn write(dir: &Path, n: usize) -> std::io::Result<()> {
    let apps = dir.join("apps");
    std::fs::create_dir_all(&apps)?;
    std::fs::write(
        dir.join("connections.json"),
        r#"{"QVD": {"type": "folder", "path": "\\\\nas01\\qlik\\qvd\\"},
 "ERP": {"type": "OLEDB", "connection_string": "Provider=SQLOLEDB.1;Data Source=erp"}}"#,
    )?;
    let extracts = (n / 10).max(1);
    let transforms = (n * 3 / 10).max(1);
    for i in 0..n {
        let script = if i < extracts {
            extract(i)
        } else if i < extracts + transforms {
            transform(i - extracts, extracts)
        } else {
            dashboard(i - extracts - transforms, transforms, extracts)
        };
        std::fs::write(apps.join(format!("{i:05}.qvs")), script)?;
    }
    Ok(())
}
