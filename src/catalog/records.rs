//! Catalog records in the mapping catalog tools use (docs/catalog.md, field by field):
//! stream → report group; app → report group and report; sheet → report (type `sheet`);
//! visual object → report (type = its visualization); master measure, dimension and
//! visualization and variable → report field; load script → source code.

use serde::Serialize;

use super::{Catalog, CatalogError};

/// The kinds of record, for `--kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    ReportGroup,
    Report,
    ReportField,
    SourceCode,
}

impl RecordKind {
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::ReportGroup => "report_group",
            RecordKind::Report => "report",
            RecordKind::ReportField => "report_field",
            RecordKind::SourceCode => "source_code",
        }
    }
}

/// One record. Every record has every column (empty when it does not apply), so CSV has one
/// header; JSON Lines leaves empty ones out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Record {
    /// `report_group`, `report`, `report_field` or `source_code`.
    pub kind: &'static str,
    /// What it is in Qlik: `stream`, `app`, `sheet`, a visualization type (`barchart`…),
    /// `measure`, `dimension`, `masterobject`, `variable`, `load_script`.
    #[serde(rename = "type")]
    pub kind_type: String,
    /// Unique within the catalog: `<site>/<qlik id>`, objects `<site>/<app id>/<object id>`.
    pub id: String,
    pub name: String,
    /// The record this one belongs to (a report's group, a sheet's app, a chart's sheet).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub parent_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub site: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub owner: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// A report field's formula or definition (measure expression, dimension fields, variable
    /// definition).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub formula: String,
    /// A source code record's code (the load script).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// Where to open it on the site (sheets, when the site's address is known).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub modified: String,
}

/// The CSV header, in column order.
pub const CSV_COLUMNS: [&str; 13] = [
    "kind",
    "type",
    "id",
    "name",
    "parent_id",
    "site",
    "owner",
    "description",
    "formula",
    "code",
    "url",
    "published",
    "modified",
];

impl Record {
    fn csv_values(&self) -> [String; 13] {
        [
            self.kind.to_owned(),
            self.kind_type.clone(),
            self.id.clone(),
            self.name.clone(),
            self.parent_id.clone(),
            self.site.clone(),
            self.owner.clone(),
            self.description.clone(),
            self.formula.clone(),
            self.code.clone(),
            self.url.clone(),
            self.published.map(|p| p.to_string()).unwrap_or_default(),
            self.modified.clone(),
        ]
    }
}

/// RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

pub fn csv_line(values: &[String]) -> String {
    let mut line = values
        .iter()
        .map(|v| csv_field(v))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

pub fn csv_header() -> String {
    csv_line(&CSV_COLUMNS.map(str::to_owned))
}

pub fn csv_row(record: &Record) -> String {
    csv_line(&record.csv_values())
}

impl Catalog {
    /// Every live record of the kinds asked (all when empty), in a stable order: by kind,
    /// then site, app and object.
    pub fn records(&self, kinds: &[RecordKind]) -> Result<Vec<Record>, CatalogError> {
        let want = |k: RecordKind| kinds.is_empty() || kinds.contains(&k);
        let sites = self.sites()?;
        let site_name = |id: i64| {
            sites
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.name.clone())
                .unwrap_or_default()
        };
        let apps = self.apps()?;
        let app_site: std::collections::HashMap<&str, i64> =
            apps.iter().map(|a| (a.id.as_str(), a.site_id)).collect();
        let mut out = Vec::new();
        if want(RecordKind::ReportGroup) {
            for s in self.streams()? {
                let site = site_name(s.site_id);
                out.push(Record {
                    kind: RecordKind::ReportGroup.name(),
                    kind_type: "stream".into(),
                    id: format!("{site}/{}", s.id),
                    name: s.name,
                    site,
                    owner: s.owner,
                    modified: s.modified,
                    ..Record::default()
                });
            }
            for a in &apps {
                let site = site_name(a.site_id);
                out.push(Record {
                    kind: RecordKind::ReportGroup.name(),
                    kind_type: "app".into(),
                    id: format!("{site}/{}", a.id),
                    name: a.name.clone(),
                    parent_id: stream_id(self, a.site_id, a.stream.as_deref())?
                        .map(|s| format!("{site}/{s}"))
                        .unwrap_or_default(),
                    site,
                    owner: a.owner.clone(),
                    description: a.description.clone(),
                    published: Some(a.published),
                    modified: a.modified.clone(),
                    ..Record::default()
                });
            }
        }
        if want(RecordKind::Report) {
            for a in &apps {
                let site = site_name(a.site_id);
                out.push(Record {
                    kind: RecordKind::Report.name(),
                    kind_type: "app".into(),
                    id: format!("{site}/{}", a.id),
                    name: a.name.clone(),
                    parent_id: format!("{site}/{}", a.id),
                    site,
                    owner: a.owner.clone(),
                    description: a.description.clone(),
                    published: Some(a.published),
                    modified: a.modified.clone(),
                    ..Record::default()
                });
            }
            for o in self.objects(None, &[])? {
                let site_id = app_site.get(o.app_id.as_str()).copied().unwrap_or_default();
                let site = site_name(site_id);
                let app_key = format!("{site}/{}", o.app_id);
                if o.kind == "sheet" {
                    let url = sites
                        .iter()
                        .find(|s| s.id == site_id)
                        .and_then(|s| s.sheet_url(&o.app_id, &o.id))
                        .unwrap_or_default();
                    out.push(Record {
                        kind: RecordKind::Report.name(),
                        kind_type: "sheet".into(),
                        id: format!("{app_key}/{}", o.id),
                        name: o.title,
                        parent_id: app_key,
                        site,
                        owner: o.owner.unwrap_or_default(),
                        description: o.description,
                        url,
                        published: o.published,
                        modified: o.modified.unwrap_or_default(),
                        ..Record::default()
                    });
                } else if let Some(sheet) = o.sheet_id.as_deref().filter(|_| o.parent_id.is_some())
                {
                    out.push(Record {
                        kind: RecordKind::Report.name(),
                        kind_type: o.visualization.clone().unwrap_or_else(|| o.kind.clone()),
                        id: format!("{app_key}/{}", o.id),
                        name: o.title,
                        parent_id: format!("{app_key}/{sheet}"),
                        site,
                        description: o.description,
                        ..Record::default()
                    });
                }
            }
        }
        if want(RecordKind::ReportField) {
            for o in self.objects(None, &["measure", "dimension", "masterobject", "variable"])? {
                let site = site_name(app_site.get(o.app_id.as_str()).copied().unwrap_or_default());
                let app_key = format!("{site}/{}", o.app_id);
                let formula = match o.kind.as_str() {
                    "masterobject" => o.visualization.clone().unwrap_or_default(),
                    _ => o.definition.clone().unwrap_or_default(),
                };
                out.push(Record {
                    kind: RecordKind::ReportField.name(),
                    kind_type: o.kind.clone(),
                    id: format!("{app_key}/{}", o.id),
                    name: o.title,
                    parent_id: app_key,
                    site,
                    owner: o.owner.unwrap_or_default(),
                    description: o.description,
                    formula,
                    modified: o.modified.unwrap_or_default(),
                    ..Record::default()
                });
            }
        }
        if want(RecordKind::SourceCode) {
            for s in self.scripts()? {
                let site = site_name(app_site.get(s.app_id.as_str()).copied().unwrap_or_default());
                out.push(Record {
                    kind: RecordKind::SourceCode.name(),
                    kind_type: "load_script".into(),
                    id: format!("{site}/{}/script", s.app_id),
                    name: s.name,
                    parent_id: format!("{site}/{}", s.app_id),
                    site,
                    code: s.text,
                    ..Record::default()
                });
            }
        }
        Ok(out)
    }
}

fn stream_id(
    catalog: &Catalog,
    site_id: i64,
    stream: Option<&str>,
) -> Result<Option<String>, CatalogError> {
    let Some(name) = stream else {
        return Ok(None);
    };
    use rusqlite::OptionalExtension;
    catalog
        .conn
        .query_row(
            "SELECT id FROM stream WHERE site_id = ?1 AND name = ?2",
            rusqlite::params![site_id, name],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| catalog.sql(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_header().split(',').count(), 13);
    }
}
