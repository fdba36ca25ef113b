//! A synthetic load script of a given size: realistic statements (prefixes, preceding loads,
//! calendars, SQL, STORE, control blocks) with varying names, so the parser's throughput is
//! measured on a script far larger than any corpus file.

pub fn script(target_bytes: usize) -> String {
    let mut out = String::with_capacity(target_bytes + 4096);
    out.push_str("///$tab Main\r\nSET ThousandSep=',';\r\nSET DecimalSep='.';\r\nLIB CONNECT TO 'DWH (svc_qlik)';\r\n");
    let mut i = 0usize;
    while out.len() < target_bytes {
        out.push_str(&format!(
            "///$tab Layer {i}\r\n\
             // Extract orders for region {i}\r\n\
             Orders_{i}:\r\n\
             LOAD OrderID, CustomerID, Date(Floor(OrderDate)) as OrderDate, Amount * (1 + [VAT Rate]) as Gross,\r\n\
             \x20    If(Amount > 1000 and Region = 'North', 'Big', 'Small') as Size, ApplyMap('Map_{i}', ProductID, 'n/a') as Product\r\n\
             ;\r\n\
             SQL SELECT OrderID, CustomerID, OrderDate, Amount, Region, ProductID FROM dbo.Orders WHERE Region = 'R{i}';\r\n\
             \r\n\
             LEFT JOIN (Orders_{i}) LOAD CustomerID, [Customer Name], Country\r\n\
             FROM [lib://QVD/Customers_{i}.qvd] (qvd) WHERE Exists(CustomerID);\r\n\
             \r\n\
             IF NoOfRows('Orders_{i}') > 0 THEN\r\n\
             \x20 STORE Orders_{i} INTO [lib://QVD/Transform/Orders_{i}.qvd] (qvd);\r\n\
             ELSE\r\n\
             \x20 TRACE No orders for region {i};\r\n\
             END IF\r\n\
             FOR v = 1 TO 12 STEP 1\r\n\
             \x20 LET vMonth = MonthName(MakeDate(2024, $(v)));\r\n\
             NEXT v\r\n\
             Cal_{i}: LOAD Date(MinDate + IterNo() - 1) as Date AUTOGENERATE 1 WHILE MinDate + IterNo() - 1 <= MaxDate;\r\n\
             Budget_{i}: CrossTable(Month, Budget, 2) LOAD * FROM [lib://Files/Budget {i}.xlsx] (ooxml, embedded labels, table is [Sheet1$]);\r\n\
             DROP TABLE Cal_{i};\r\n\r\n"
        ));
        i += 1;
    }
    out
}
