use super::*;

fn tables(sql: &str, dialect: SqlDialect) -> Vec<String> {
    let a = analyse(sql, dialect);
    assert!(a.fallback.is_none(), "{sql}: {:?}", a.fallback);
    a.tables
}

#[test]
fn functions_with_from_are_not_tables() {
    let sql = "SELECT EXTRACT(YEAR FROM OrderDate) AS Y, SUBSTRING(Code FROM 1 FOR 3) AS P FROM sales.orders";
    assert_eq!(tables(sql, SqlDialect::PostgreSql), vec!["sales.orders"]);
    // The fallback scan gets it right too.
    assert_eq!(scan_tables(sql), vec!["sales.orders"]);
}

#[test]
fn cte_names_are_not_tables() {
    let sql = "WITH recent AS (SELECT OrderID, CustomerID FROM dbo.Orders WHERE OrderDate > '2024-01-01') \
               SELECT r.OrderID, c.Name AS CustomerName FROM recent r JOIN dbo.Customers c ON c.ID = r.CustomerID";
    let a = analyse(sql, SqlDialect::SqlServer);
    assert!(a.fallback.is_none());
    assert_eq!(a.tables, vec!["dbo.Orders", "dbo.Customers"]);
    let columns = a.columns.expect("projection known");
    assert_eq!(columns[0].name, "OrderID");
    assert_eq!(
        columns[0].reads,
        vec![ColumnRef {
            table: Some("dbo.Orders".into()),
            column: "OrderID".into()
        }]
    );
    assert_eq!(columns[1].name, "CustomerName");
    assert_eq!(columns[1].reads[0].table.as_deref(), Some("dbo.Customers"));
    assert_eq!(scan_tables(sql), vec!["dbo.Orders", "dbo.Customers"]);
}

#[test]
fn cte_names_inside_derived_tables_and_subqueries_are_not_tables() {
    let derived = "SELECT d.a FROM (WITH x AS (SELECT a FROM s.t) SELECT a FROM x) d";
    assert_eq!(tables(derived, SqlDialect::PostgreSql), vec!["s.t"]);
    let nested = "SELECT a FROM s.u WHERE a IN (WITH y AS (SELECT b FROM s.v) SELECT b FROM y)";
    assert_eq!(tables(nested, SqlDialect::PostgreSql), vec!["s.u", "s.v"]);
}

#[test]
fn aliases_and_subqueries() {
    let sql = "SELECT o.ID, t.Total FROM shop.orders o LEFT JOIN (SELECT order_id, SUM(amount) AS Total FROM shop.payments GROUP BY order_id) t ON t.order_id = o.ID";
    let a = analyse(sql, SqlDialect::MySql);
    assert_eq!(a.tables, vec!["shop.orders", "shop.payments"]);
    let columns = a.columns.unwrap();
    assert_eq!(
        columns[1].reads,
        vec![ColumnRef {
            table: Some("shop.payments".into()),
            column: "amount".into()
        }]
    );
    assert!(!columns[1].direct);
}

#[test]
fn dialects_by_provider() {
    assert_eq!(
        SqlDialect::from_provider("provider=QvOdbcConnectorPackage.exe;driver=sqlserver"),
        SqlDialect::SqlServer
    );
    assert_eq!(
        SqlDialect::from_provider("OraOLEDB.Oracle.1"),
        SqlDialect::Oracle
    );
    assert_eq!(
        SqlDialect::from_provider("driver=postgres"),
        SqlDialect::PostgreSql
    );
    assert_eq!(SqlDialect::from_provider("ODBC"), SqlDialect::Generic);
    assert_eq!(
        tables(
            "SELECT TOP 10 [Order ID] FROM [dbo].[Orders]",
            SqlDialect::SqlServer
        ),
        vec!["dbo.Orders"]
    );
    assert_eq!(
        tables("SELECT * FROM `proj.ds.events`", SqlDialect::BigQuery),
        vec!["proj.ds.events"]
    );
    assert_eq!(
        tables(
            "SELECT ROWNUM, e.ename FROM scott.emp e",
            SqlDialect::Oracle
        ),
        vec!["scott.emp"]
    );
    assert_eq!(
        tables(
            "SELECT a FROM db.sch.t QUALIFY ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) = 1",
            SqlDialect::Snowflake
        ),
        vec!["db.sch.t"]
    );
}

#[test]
fn fallback_says_so() {
    let a = analyse(
        "SELECT * FROM JSON (wrap on) \"root\" PK \"__KEY_root\"",
        SqlDialect::Generic,
    );
    assert!(a.fallback.is_some());
    let a = analyse(
        "SELECT x FROM t_$(vYear) WHERE d >= '$(vFrom)'",
        SqlDialect::Generic,
    );
    assert!(
        a.fallback.is_none(),
        "an unknown value is a placeholder, not a failure"
    );
    assert_eq!(a.tables, vec!["t_$(vYear)"]);
    let a = analyse(
        "SELECT x FROM $(vTable) WHERE $(vWhere)",
        SqlDialect::Generic,
    );
    assert_eq!(a.tables, vec!["$(vTable)"]);
    let a = analyse(
        "SELECT x FROM t JOIN JSON (wrap on) $(v)",
        SqlDialect::Generic,
    );
    assert!(a.fallback.is_some());
}

#[test]
fn star_leaves_columns_unknown() {
    let a = analyse("SELECT * FROM dbo.Orders", SqlDialect::SqlServer);
    assert!(a.columns.is_none());
    assert_eq!(a.tables, vec!["dbo.Orders"]);
}
