//! OpenLineage dataset names: a namespace for the data source, a name inside it, following
//! the spec's naming conventions so events from qlineage and from other producers (an
//! Airflow DAG loading the same SQL Server table, a Spark job writing the same share) meet at
//! the same dataset in the catalog.
//!
//! - A file or QVD on a share `//host/share/path` is namespace `file://host`, name
//!   `/share/path`; a URL is `scheme://authority` + its path; a local or relative path is
//!   namespace `file`, name the path; a `lib://` path the canonicaliser could not map is
//!   `qlik-connection://<connection>` + the rest.
//! - A database table is `<scheme>://<host>:<port>` when the connection string (from
//!   `--connections`) names the host, with the scheme and default port of the provider
//!   (`mssql` 1433, `postgres` 5432, `mysql` 3306, `oracle` 1521…), and the table name as the
//!   script wrote it, prefixed with the connection's database when the script left it out;
//!   otherwise `qlik-connection://<connection>`. Only host, port and database are read from
//!   a connection string: credentials never reach an event.

use std::collections::HashMap;

use crate::lineage::graph::Graph;
use crate::lineage::ids::NodeKind;
use crate::semantic::connections::ConnectionKind;
use crate::semantic::Connections;

/// Where a database connection points, as far as its connection string says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub scheme: &'static str,
    pub host: String,
    pub port: Option<u16>,
    pub database: Option<String>,
}

/// Names datasets of one graph.
pub struct Namer<'g> {
    graph: &'g Graph,
    /// Lower-cased connection name → its endpoint, when the connection string tells it.
    endpoints: HashMap<String, Endpoint>,
}

impl<'g> Namer<'g> {
    pub fn new(graph: &'g Graph, connections: &Connections) -> Namer<'g> {
        let endpoints = connections
            .iter()
            .filter_map(|c| match &c.kind {
                ConnectionKind::Database {
                    provider,
                    connection_string,
                } => Some((
                    c.name.to_lowercase(),
                    endpoint(provider, connection_string)?,
                )),
                _ => None,
            })
            .collect();
        Namer { graph, endpoints }
    }

    /// (namespace, name) of a dataset node (QVD, file or database table).
    pub fn dataset(&self, id: &str) -> (String, String) {
        let node = self.graph.node(id);
        match node.map(|n| n.kind) {
            Some(NodeKind::DbTable) => {
                let rest = id.strip_prefix("db:").unwrap_or(id);
                let connection = rest.split('/').next().unwrap_or(rest);
                let written = node.map_or(rest, |n| n.name.as_str());
                self.table(connection, written)
            }
            _ => {
                let path = node
                    .and_then(|n| n.attrs.get("path"))
                    .map(String::as_str)
                    .unwrap_or_else(|| id.split_once(':').map_or(id, |(_, rest)| rest));
                path_name(path)
            }
        }
    }

    fn table(&self, connection: &str, table: &str) -> (String, String) {
        let display = self
            .graph
            .node(&format!("conn:{connection}"))
            .map_or(connection, |n| n.name.as_str());
        match self.endpoints.get(&connection.to_lowercase()) {
            Some(endpoint) => {
                let mut authority = endpoint.host.clone();
                if let Some(port) = endpoint.port {
                    authority = format!("{authority}:{port}");
                }
                let name = match &endpoint.database {
                    Some(db)
                        if table.split('.').count() < 3
                            && matches!(endpoint.scheme, "mssql" | "postgres") =>
                    {
                        format!("{db}.{table}")
                    }
                    _ => table.to_string(),
                };
                (format!("{}://{authority}", endpoint.scheme), name)
            }
            None => (
                format!("qlik-connection://{}", display.to_lowercase()),
                table.to_string(),
            ),
        }
    }
}

/// (namespace, name) of a canonical file path.
pub fn path_name(path: &str) -> (String, String) {
    if let Some(unc) = path.strip_prefix("//") {
        let (host, rest) = unc.split_once('/').unwrap_or((unc, ""));
        return (format!("file://{host}"), format!("/{rest}"));
    }
    if let Some((scheme, rest)) = path.split_once("://") {
        let (authority, tail) = rest.split_once('/').unwrap_or((rest, ""));
        if scheme.eq_ignore_ascii_case("lib") {
            return (
                format!("qlik-connection://{}", authority.to_lowercase()),
                format!("/{tail}"),
            );
        }
        return (
            format!("{}://{authority}", scheme.to_lowercase()),
            format!("/{tail}"),
        );
    }
    ("file".to_string(), path.to_string())
}

/// Host, port and database of a connection string, with the provider's OpenLineage scheme;
/// None when either the provider or the host is unknown.
pub fn endpoint(provider: &str, connection_string: &str) -> Option<Endpoint> {
    let mut keys: HashMap<String, String> = HashMap::new();
    for part in connection_string.split(';') {
        if let Some((key, value)) = part.split_once('=') {
            let value = value
                .trim()
                .trim_matches(|c| matches!(c, '"' | '\'' | '{' | '}'));
            keys.entry(key.trim().to_ascii_lowercase())
                .or_insert_with(|| value.to_string());
        }
    }
    let text = format!("{provider};{connection_string}").to_ascii_lowercase();
    let (scheme, default_port) = [
        ("sqlserver", "mssql", 1433),
        ("sql server", "mssql", 1433),
        ("sqloledb", "mssql", 1433),
        ("sqlncli", "mssql", 1433),
        ("msoledbsql", "mssql", 1433),
        ("oracle", "oracle", 1521),
        ("oraoledb", "oracle", 1521),
        ("postgres", "postgres", 5432),
        ("mysql", "mysql", 3306),
        ("teradata", "teradata", 1025),
        ("db2", "db2", 50000),
        ("snowflake", "snowflake", 0),
    ]
    .into_iter()
    .find(|(needle, _, _)| text.contains(needle))
    .map(|(_, scheme, port)| (scheme, port))?;
    let raw = [
        "host",
        "server",
        "data source",
        "hostname",
        "address",
        "addr",
    ]
    .iter()
    .find_map(|k| keys.get(*k).filter(|v| !v.is_empty()))?;
    // `tcp:host,1433`, `host\instance`, `host:1521/service` (Oracle EZConnect).
    let raw = raw.strip_prefix("tcp:").unwrap_or(raw);
    let (raw, service) = match raw.split_once('/') {
        Some((hostport, service)) => (hostport, Some(service.to_string())),
        None => (raw, None),
    };
    let raw = raw.split('\\').next().unwrap_or(raw);
    let (host, port_text) = match raw.split_once([',', ':']) {
        Some((host, port)) => (host, Some(port)),
        None => (raw, keys.get("port").map(String::as_str)),
    };
    let mut host = host.trim().to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    let port = if scheme == "snowflake" {
        host = host
            .strip_suffix(".snowflakecomputing.com")
            .unwrap_or(&host)
            .to_string();
        None
    } else {
        Some(
            port_text
                .and_then(|p| p.trim().parse::<u16>().ok())
                .unwrap_or(default_port),
        )
    };
    let database = ["database", "db", "initial catalog", "dbname"]
        .iter()
        .find_map(|k| keys.get(*k).filter(|v| !v.is_empty()).cloned())
        .or(service);
    Some(Endpoint {
        scheme,
        host,
        port,
        database,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_shares_urls_and_local_files() {
        assert_eq!(
            path_name("//nas01/qlik/qvd/extract/orders.qvd"),
            ("file://nas01".into(), "/qlik/qvd/extract/orders.qvd".into())
        );
        assert_eq!(
            path_name("https://shop.example/export/fx.csv"),
            ("https://shop.example".into(), "/export/fx.csv".into())
        );
        assert_eq!(
            path_name("lib://Drops/x.csv"),
            ("qlik-connection://drops".into(), "/x.csv".into())
        );
        assert_eq!(
            path_name("C:/qvd/a.qvd"),
            ("file".into(), "C:/qvd/a.qvd".into())
        );
    }

    #[test]
    fn connection_strings_give_host_port_and_database_never_secrets() {
        let sql = endpoint(
            "QvOdbcConnectorPackage.exe",
            "provider=QvOdbcConnectorPackage.exe;driver=sqlserver;host=crm-sql01;db=CRM;password=hunter2",
        )
        .unwrap();
        assert_eq!(
            sql,
            Endpoint {
                scheme: "mssql",
                host: "crm-sql01".into(),
                port: Some(1433),
                database: Some("CRM".into()),
            }
        );
        let azure = endpoint(
            "OLEDB",
            "Provider=MSOLEDBSQL;Server=tcp:Sales.DB.example,14330;Initial Catalog=Sales",
        )
        .unwrap();
        assert_eq!(
            (azure.host.as_str(), azure.port),
            ("sales.db.example", Some(14330))
        );
        let oracle = endpoint(
            "OLEDB",
            "Provider=OraOLEDB.Oracle.1;Data Source=erp-prod:1522/ERP",
        )
        .unwrap();
        assert_eq!(
            (
                oracle.scheme,
                oracle.host.as_str(),
                oracle.port,
                oracle.database.as_deref()
            ),
            ("oracle", "erp-prod", Some(1522), Some("ERP"))
        );
        let instance = endpoint("OLEDB", "Provider=SQLOLEDB.1;Data Source=db01\\PROD").unwrap();
        assert_eq!(instance.host, "db01");
        assert!(endpoint("ODBC", "DSN=WMS_PROD").is_none(), "no host");
        assert!(endpoint("custom", "host=x").is_none(), "unknown provider");
    }
}
