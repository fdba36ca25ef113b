//! Writes the demo site's QVD files (`corpus/site/files/QVD/...`) from
//! `corpus/site/gen/qvd-spec.json`, which `corpus/site/gen/build.py` derives from the same
//! description as the apps' data models and lineage. Each file gets the stored table's name,
//! fields, rows, the writer app's id as `CreatorDoc` and the writer's lineage entries.
//!
//! Run: `cargo run --example gen_site_qvds`

#[path = "../tests/support/qvd_writer.rs"]
mod qvd_writer;

use qvd_writer::{FieldSpec, TableSpec, Value};
use serde_json::Value as Json;
use std::path::Path;

fn symbol(kind: &str, value: &Json) -> Value {
    match kind {
        "int" => Value::Int(value.as_i64().expect("int symbol") as i32),
        "float" => Value::Float(value.as_f64().expect("float symbol")),
        "text" => Value::Text(value.as_str().expect("text symbol").to_string()),
        "date" | "dual" => {
            let pair = value.as_array().expect("dual symbol is [number, text]");
            let text = pair[1].as_str().expect("dual text").to_string();
            match pair[0].as_i64() {
                Some(n) => Value::DualInt(n as i32, text),
                None => Value::DualFloat(pair[0].as_f64().expect("dual number"), text),
            }
        }
        other => panic!("unknown symbol kind {other}"),
    }
}

fn main() {
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/site");
    let spec: Json = serde_json::from_str(
        &std::fs::read_to_string(site.join("gen/qvd-spec.json")).expect("read qvd-spec.json"),
    )
    .expect("qvd-spec.json is JSON");
    for qvd in spec.as_array().expect("a list of QVDs") {
        let text = |key: &str| qvd[key].as_str().expect(key).to_string();
        let mut fields = Vec::new();
        let mut rows = Vec::new();
        for field in qvd["fields"].as_array().expect("fields") {
            let kind = field["kind"].as_str().expect("kind");
            let symbols: Vec<Value> = field["symbols"]
                .as_array()
                .expect("symbols")
                .iter()
                .map(|v| symbol(kind, v))
                .collect();
            let mut spec = FieldSpec::new(field["name"].as_str().expect("name"), &symbols);
            spec.number_format_type = field["number_format"].as_str().unwrap().to_string();
            spec.tags = field["tags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_string())
                .collect();
            fields.push(spec);
            rows.push(
                field["rows"]
                    .as_array()
                    .expect("rows")
                    .iter()
                    .map(|i| i.as_u64().unwrap())
                    .collect::<Vec<u64>>(),
            );
        }
        let table = TableSpec {
            table_name: text("table"),
            creator_doc: text("creator_doc"),
            create_utc_time: text("create_utc_time"),
            fields,
            lineage: qvd["lineage"]
                .as_array()
                .unwrap()
                .iter()
                .map(|pair| {
                    (
                        pair[0].as_str().unwrap().to_string(),
                        pair[1].as_str().unwrap().to_string(),
                    )
                })
                .collect(),
            no_of_records: qvd["rows"].as_u64().expect("rows"),
            ..TableSpec::default()
        };
        let bytes = table.to_bytes(|row, indexes| {
            for (slot, column) in indexes.iter_mut().zip(&rows) {
                *slot = Some(column[row as usize]);
            }
        });
        let path = site.join("files/QVD").join(text("file"));
        std::fs::create_dir_all(path.parent().unwrap()).expect("create QVD folder");
        std::fs::write(&path, &bytes).expect("write QVD");
        println!(
            "{} ({} rows, {} bytes)",
            path.display(),
            table.no_of_records,
            bytes.len()
        );
    }
}
