//! Node kinds and the canonical, readable ids every node is keyed by.
//!
//! An id says what a node is and where it lives, so the same thing reached from two apps, a
//! QVD header and a manual file is one node: `qvd:<canonical path>`,
//! `db:<connection>/<table>.<column>`, `app:<app>/table/<name>/field/<name>`. Paths inside ids
//! are canonical ([`super::paths`]); connection and database names are lower-cased (Qlik and
//! the databases it reads compare them without case); table, field and object names keep their
//! case, as Qlik's field names are case-sensitive.

use serde::Serialize;

/// What a node stands for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    DataConnection,
    Database,
    DbTable,
    DbColumn,
    File,
    FileField,
    Qvd,
    QvdField,
    App,
    AppTable,
    AppField,
    Variable,
    MasterMeasure,
    MasterDimension,
    MasterVisualization,
    Sheet,
    VisualObject,
    ChartMeasure,
    ChartDimension,
    InlineTable,
    External,
}

impl NodeKind {
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::DataConnection => "data_connection",
            NodeKind::Database => "database",
            NodeKind::DbTable => "db_table",
            NodeKind::DbColumn => "db_column",
            NodeKind::File => "file",
            NodeKind::FileField => "file_field",
            NodeKind::Qvd => "qvd",
            NodeKind::QvdField => "qvd_field",
            NodeKind::App => "app",
            NodeKind::AppTable => "app_table",
            NodeKind::AppField => "app_field",
            NodeKind::Variable => "variable",
            NodeKind::MasterMeasure => "master_measure",
            NodeKind::MasterDimension => "master_dimension",
            NodeKind::MasterVisualization => "master_visualization",
            NodeKind::Sheet => "sheet",
            NodeKind::VisualObject => "visual_object",
            NodeKind::ChartMeasure => "chart_measure",
            NodeKind::ChartDimension => "chart_dimension",
            NodeKind::InlineTable => "inline_table",
            NodeKind::External => "external",
        }
    }

    /// Reads a kind by its JSON name (the manual-lineage file and `impact` use it).
    pub fn parse(text: &str) -> Option<NodeKind> {
        ALL_KINDS.iter().copied().find(|k| k.name() == text)
    }

    /// Kinds whose nodes are columns or fields (the field-level view).
    pub fn is_field_level(self) -> bool {
        matches!(
            self,
            NodeKind::DbColumn | NodeKind::FileField | NodeKind::QvdField | NodeKind::AppField
        )
    }
}

pub const ALL_KINDS: [NodeKind; 21] = [
    NodeKind::DataConnection,
    NodeKind::Database,
    NodeKind::DbTable,
    NodeKind::DbColumn,
    NodeKind::File,
    NodeKind::FileField,
    NodeKind::Qvd,
    NodeKind::QvdField,
    NodeKind::App,
    NodeKind::AppTable,
    NodeKind::AppField,
    NodeKind::Variable,
    NodeKind::MasterMeasure,
    NodeKind::MasterDimension,
    NodeKind::MasterVisualization,
    NodeKind::Sheet,
    NodeKind::VisualObject,
    NodeKind::ChartMeasure,
    NodeKind::ChartDimension,
    NodeKind::InlineTable,
    NodeKind::External,
];

/// Builders of canonical ids. Every id has the form `<scheme>:<rest>`.
pub mod id {
    pub fn connection(name: &str) -> String {
        format!("conn:{}", name.trim().to_lowercase())
    }
    pub fn database(connection: &str) -> String {
        format!("db:{}", connection.trim().to_lowercase())
    }
    /// A database table as the SQL named it (quotes and brackets removed, lower-cased).
    pub fn db_table(connection: &str, table: &str) -> String {
        format!("{}/{}", database(connection), sql_name(table))
    }
    pub fn db_column(connection: &str, table: &str, column: &str) -> String {
        format!("{}.{}", db_table(connection, table), sql_name(column))
    }
    pub fn file(canonical_path: &str) -> String {
        format!("file:{canonical_path}")
    }
    pub fn qvd(canonical_path: &str) -> String {
        format!("qvd:{canonical_path}")
    }
    /// A field of a file or QVD node.
    pub fn dataset_field(dataset: &str, field: &str) -> String {
        format!("{dataset}/field/{field}")
    }
    pub fn app(app: &str) -> String {
        format!("app:{app}")
    }
    pub fn app_table(app: &str, table: &str) -> String {
        format!("app:{app}/table/{table}")
    }
    pub fn app_field(app: &str, table: &str, field: &str) -> String {
        format!("app:{app}/table/{table}/field/{field}")
    }
    pub fn inline_table(app: &str, table: &str) -> String {
        format!("inline:{app}/{table}")
    }
    pub fn variable(app: &str, name: &str) -> String {
        format!("var:{app}/{name}")
    }
    /// A persistent object of an app (sheet, visual object, master item) by its engine id.
    pub fn object(scheme: &str, app: &str, object_id: &str) -> String {
        format!("{scheme}:{app}/{object_id}")
    }
    /// A measure or dimension inside a visual object, by position.
    pub fn chart_part(object_node: &str, part: &str, index: usize) -> String {
        format!("{object_node}/{part}/{index}")
    }
    pub fn external(name: &str) -> String {
        format!("ext:{}", name.trim())
    }

    /// An SQL identifier path without quoting, lower-cased: `[dbo].[Orders]` → `dbo.orders`.
    pub fn sql_name(name: &str) -> String {
        name.split('.')
            .map(|part| {
                part.trim()
                    .trim_matches(|c| matches!(c, '[' | ']' | '"' | '`'))
                    .to_lowercase()
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name() {
        for kind in ALL_KINDS {
            assert_eq!(NodeKind::parse(kind.name()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
    }

    #[test]
    fn sql_names_lose_quoting_and_case() {
        assert_eq!(id::sql_name("[dbo].[Orders]"), "dbo.orders");
        assert_eq!(id::sql_name("\"SALES\".\"ORDERS\""), "sales.orders");
        assert_eq!(
            id::db_column("CRM", "crm.dbo.Customers", "CustomerID"),
            "db:crm/crm.dbo.customers.customerid"
        );
    }
}
