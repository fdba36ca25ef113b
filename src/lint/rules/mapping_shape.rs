//! `QL117` mapping-shape: a MAPPING table without exactly two fields (the resolver's diagnostic).

use super::prelude::*;

pub static RULE: RuleMeta = RuleMeta {
    code: "QL117",
    name: "mapping-shape",
    category: Category::Correctness,
    severity: Severity::Warning,
    stability: Stability::Stable,
    summary: "a MAPPING table without exactly two fields",
    why: "ApplyMap and MAP … USING read the first field as the key and the second as the value; other fields are ignored and a one-field mapping fails the reload.",
    example: "CountryMap: MAPPING LOAD Code, Name, Region FROM [lib://Data/countries.csv] (txt);",
    fix: "Load exactly two fields: the key first, the value second.",
};

pub fn check(view: &AppView, out: &mut Sink) {
    super::report_diagnostics(view, out, &[Code::MappingShape]);
}
