#!/usr/bin/env python3
"""Generates the JSON of the bundled demo estate (corpus/site/) from one description.

The load scripts (apps/*/script.qvs, files/Scripts/*.qvs) are written by hand; this script writes
site.json, each app's app.json, objects/*.json, model.json and lineage.json, and gen/qvd-spec.json,
which `cargo run --example gen_site_qvds` turns into the QVD files under files/QVD/.

The data is small and deterministic: every QVD table is a list of columns computed from the row
number, and the dashboards' data models are derived from those same columns (renames, filters), so
row counts, distinct counts and key fields agree across QVD headers and models.

Run from anywhere:  python3 corpus/site/gen/build.py
"""

import datetime
import hashlib
import json
import os
import shutil
import uuid

SITE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NS = uuid.UUID("5b0e5c1c-8a3f-4d59-9c1e-6a2f0d7b4e10")


def guid(key):
    return str(uuid.uuid5(NS, "nordvik-demo/" + key))


ALNUM = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def short_id(key):
    """Engine-style short object id (charts and master items), e.g. `pJxRmtS`."""
    n = int(hashlib.sha1(key.encode()).hexdigest(), 16)
    out = ""
    for _ in range(7):
        n, r = divmod(n, len(ALNUM))
        out += ALNUM[r]
    return out


def write_json(path, value):
    full = os.path.join(SITE, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8", newline="\n") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")


# ---------------------------------------------------------------------------------------------
# Data: every QVD table as columns computed from the row number
# ---------------------------------------------------------------------------------------------

EPOCH = datetime.date(1899, 12, 30)


def day(s):
    return datetime.date.fromisoformat(s)


def iso(d):
    return d.isoformat()


def serial(s):
    return (day(s) - EPOCH).days


class Col:
    """A column: `kind` is int, float, text, date (ISO text, stored as a dual) or dual
    ((number, text) pairs)."""

    def __init__(self, name, kind, values):
        self.name = name
        self.kind = kind
        self.values = values

    def distinct(self):
        seen = []
        index = {}
        for v in self.values:
            if v not in index:
                index[v] = len(seen)
                seen.append(v)
        return seen, index


class Table:
    def __init__(self, name, cols):
        self.name = name
        self.cols = cols
        self.rows = len(cols[0].values)
        assert all(len(c.values) == self.rows for c in cols), name

    def col(self, name):
        for c in self.cols:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")

    def row(self, i):
        return {c.name: c.values[i] for c in self.cols}


def table(name, rows, spec):
    """spec: list of (field, kind, fn(row index) -> value)."""
    return Table(name, [Col(f, k, [fn(i) for i in range(rows)]) for f, k, fn in spec])


COUNTRIES = [
    ("SE", "Sweden", "Nordics", "Stockholm"),
    ("NO", "Norway", "Nordics", "Oslo"),
    ("DK", "Denmark", "Nordics", "Copenhagen"),
    ("FI", "Finland", "Nordics", "Helsinki"),
    ("DE", "Germany", "DACH", "Berlin"),
    ("AT", "Austria", "DACH", "Vienna"),
    ("CH", "Switzerland", "DACH", "Zurich"),
    ("NL", "Netherlands", "Benelux", "Amsterdam"),
    ("BE", "Belgium", "Benelux", "Brussels"),
    ("LU", "Luxembourg", "Benelux", "Luxembourg"),
    ("GB", "United Kingdom", "UK & Ireland", "London"),
    ("IE", "Ireland", "UK & Ireland", "Dublin"),
]
SEGMENTS = ["Retail chain", "Independent store", "Online marketplace", "Corporate"]
NAME_A = ["Fjäll", "Norr", "Berg", "Skog", "Vidde", "Tinde", "Alpen", "Höhen", "Dune", "Peak",
          "Glen", "Moor", "Lake", "Ridge", "Cairn"]
NAME_B = ["sport AB", "friluft AS", "outdoor GmbH", "trail Ltd"]
CATEGORIES = [("TNT", "Tents"), ("BAG", "Sleeping bags"), ("BPK", "Backpacks"),
              ("JKT", "Jackets"), ("FTW", "Footwear"), ("ACC", "Accessories")]
BRANDS = ["Nordvik", "Fjällro", "Tundra Pro", "Kvist"]
PRODUCT_WORDS = {"TNT": ["Dome", "Tunnel", "Ultralight"], "BAG": ["Down", "Synthetic", "Summer"],
                 "BPK": ["Daypack", "Trek", "Alpine"], "JKT": ["Shell", "Insulated", "Fleece"],
                 "FTW": ["Hiking Boot", "Trail Runner", "Approach Shoe"],
                 "ACC": ["Headlamp", "Stove", "Bottle"]}
CHANNELS = ["Retail", "Online", "Wholesale"]
STATUSES = ["Delivered", "Delivered", "Delivered", "Invoiced", "Shipped", "Delivered",
            "Invoiced", "Delivered", "Delivered", "Shipped", "Delivered", "Invoiced",
            "Delivered", "Delivered", "Cancelled"]
REPS = [("Astrid Lund", "Nordics"), ("Mikael Berg", "Nordics"), ("Sofie Dahl", "Nordics"),
        ("Jonas Keller", "DACH"), ("Lena Huber", "DACH"), ("Pieter de Vries", "Benelux"),
        ("Anouk Peeters", "Benelux"), ("Oliver Grant", "UK & Ireland"),
        ("Niamh Byrne", "UK & Ireland"), ("Erik Sandberg", "Nordics")]
WAREHOUSES = [(1, "Göteborg DC", "Göteborg"), (2, "Jönköping DC", "Jönköping"),
              (3, "Hamburg Hub", "Hamburg"), (4, "Venlo Hub", "Venlo")]
CARRIERS = ["POSTNORD", "DHL", "DB SCHENKER", "BRING", "UPS"]
COST_CENTERS = [("CC100", "Retail Stores"), ("CC200", "E-commerce"), ("CC300", "Wholesale"),
                ("CC400", "Logistics"), ("CC500", "Marketing"), ("CC900", "Head Office")]
ACCOUNT_GROUPS = [("Revenue", "Net sales"), ("Revenue - other", "Other income"),
                  ("Cost of goods", "Cost of goods sold"), ("Personnel", "Personnel costs"),
                  ("Premises", "Other operating costs"), ("Marketing", "Other operating costs"),
                  ("IT", "Other operating costs"), ("Depreciation", "Depreciation")]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
CURRENCIES = ["EUR", "NOK", "DKK", "GBP", "CHF", "USD"]

ORDER_START = day("2025-06-01")  # 200 orders over 9 months


def order_date(order_index):
    return iso(ORDER_START + datetime.timedelta(days=(order_index * 272) // 200))


def money(x):
    return round(x, 2)


# Layer 1 (extract) -----------------------------------------------------------------------------
T = {}
T["Orders"] = table("Orders", 200, [
    ("OrderID", "int", lambda i: 500001 + i),
    ("CustomerID", "int", lambda i: 1001 + (i * 7) % 60),
    ("OrderDate", "date", order_date),
    ("SalesRepID", "int", lambda i: 11 + (i * 3) % 10),
    ("Channel", "text", lambda i: CHANNELS[(i * 5) % 3]),
    ("Status", "text", lambda i: STATUSES[i % 15]),
])
PRICE = [money(149 + (p * 37) % 40 * 95 + 0.0) for p in range(80)]
COST = [money(PRICE[p] * (0.48 + (p % 7) * 0.03)) for p in range(80)]
T["OrderLines"] = table("OrderLines", 300, [
    ("OrderLineID", "int", lambda i: 9000001 + i),
    ("OrderID", "int", lambda i: 500001 + (i * 2) // 3),
    ("ProductID", "int", lambda i: 201 + (i * 13) % 80),
    ("Quantity", "int", lambda i: 1 + (i * 7) % 12),
    ("UnitPrice", "float", lambda i: PRICE[(i * 13) % 80]),
    ("DiscountPct", "float", lambda i: [0.0, 0.05, 0.1, 0.0, 0.15, 0.0][i % 6]),
])
T["Customers"] = table("Customers", 60, [
    ("CustomerID", "int", lambda i: 1001 + i),
    ("CustomerName", "text", lambda i: NAME_A[i % 15] + NAME_B[i // 15]),
    ("CountryCode", "text", lambda i: COUNTRIES[i % 12][0]),
    ("Segment", "text", lambda i: SEGMENTS[(i // 3) % 4]),
    ("City", "text", lambda i: COUNTRIES[i % 12][3]),
])
T["Products"] = table("Products", 80, [
    ("ProductID", "int", lambda i: 201 + i),
    ("ProductName", "text",
     lambda i: f"{BRANDS[i % 4]} {PRODUCT_WORDS[CATEGORIES[i % 6][0]][(i // 6) % 3]} {10 + i}"),
    ("CategoryCode", "text", lambda i: CATEGORIES[i % 6][0]),
    ("Brand", "text", lambda i: BRANDS[i % 4]),
    ("ListPrice", "float", lambda i: PRICE[i]),
    ("UnitCost", "float", lambda i: COST[i]),
])
T["Countries"] = table("Countries", 12, [
    ("CountryCode", "text", lambda i: COUNTRIES[i][0]),
    ("CountryName", "text", lambda i: COUNTRIES[i][1]),
    ("Region", "text", lambda i: COUNTRIES[i][2]),
])
T["SalesReps"] = table("SalesReps", 10, [
    ("SalesRepID", "int", lambda i: 11 + i),
    ("SalesRepName", "text", lambda i: REPS[i][0]),
    ("Region", "text", lambda i: REPS[i][1]),
])
T["Warehouses"] = table("Warehouses", 4, [
    ("WarehouseID", "int", lambda i: WAREHOUSES[i][0]),
    ("WarehouseName", "text", lambda i: WAREHOUSES[i][1]),
    ("WarehouseCity", "text", lambda i: WAREHOUSES[i][2]),
])
SNAPSHOTS = ["2026-01-31", "2026-02-28", "2026-03-01"]
T["StockLevels"] = table("StockLevels", 240, [
    ("WarehouseID", "int", lambda i: 1 + (i // 20) % 4),
    ("ProductID", "int", lambda i: 201 + (i % 20) * 4 + (i // 80)),
    ("SnapshotDate", "date", lambda i: SNAPSHOTS[i // 80]),
    ("OnHandQty", "int", lambda i: (i * 37) % 160),
    ("ReservedQty", "int", lambda i: (i * 11) % 25),
])
T["Shipments"] = table("Shipments", 180, [
    ("ShipmentID", "int", lambda i: 700001 + i),
    ("OrderID", "int", lambda i: 500021 + i),
    ("WarehouseID", "int", lambda i: 1 + (i * 3) % 4),
    ("ShipDate", "date", lambda i: iso(day(order_date(20 + i)) + datetime.timedelta(days=1 + (i * 5) % 6))),
    ("Carrier", "text", lambda i: CARRIERS[i % 5]),
    ("ShippedQty", "int", lambda i: 1 + (i * 7) % 30),
])
BUDGET_KEYS = [(cc, acc) for cc in ("CC100", "CC200", "CC300", "CC500") for acc in ("3010", "4010", "5010")]
T["Budget"] = table("Budget", 144, [
    ("CostCenter", "text", lambda i: BUDGET_KEYS[i // 12][0]),
    ("AccountCode", "text", lambda i: BUDGET_KEYS[i // 12][1]),
    ("BudgetMonth", "date", lambda i: f"2026-{1 + i % 12:02d}-01"),
    ("BudgetAmount", "float", lambda i: float(25000 * (1 + (i // 12) % 5) + (i % 12) * 1500)),
])
ACCOUNTS = [(str(3010 + 10 * i) if i < 10 else str(4010 + 10 * (i - 10)) if i < 20
             else str(5010 + 10 * (i - 20)) if i < 30 else str(7010 + 10 * (i - 30)))
            for i in range(40)]
T["GLAccounts"] = table("GLAccounts", 40, [
    ("AccountCode", "text", lambda i: ACCOUNTS[i]),
    ("AccountName", "text", lambda i: f"{ACCOUNT_GROUPS[i // 5][0]} {ACCOUNTS[i]}"),
    ("AccountGroup", "text", lambda i: ACCOUNT_GROUPS[i // 5][0]),
    ("PnLLine", "text", lambda i: ACCOUNT_GROUPS[i // 5][1]),
])
T["GLActuals"] = table("GLActuals", 150, [
    ("PostingDate", "date", lambda i: iso(ORDER_START + datetime.timedelta(days=(i * 272) // 150))),
    ("AccountCode", "text", lambda i: ACCOUNTS[(i * 7) % 40]),
    ("CostCenter", "text", lambda i: COST_CENTERS[i % 6][0]),
    ("Amount", "float", lambda i: money(1250.5 + (i * 7919) % 48000)),
    ("CurrencyCode", "text", lambda i: "SEK" if i % 4 else CURRENCIES[(i // 4) % 6]),
])
FX_BASE = {"EUR": 11.2, "NOK": 0.98, "DKK": 1.5, "GBP": 13.1, "CHF": 12.0, "USD": 10.4}
T["FxRates"] = table("FxRates", 90, [
    ("RateDate", "date", lambda i: iso(day("2026-01-01") + datetime.timedelta(days=i // 6 * 6))),
    ("CurrencyCode", "text", lambda i: CURRENCIES[i % 6]),
    ("RateToSEK", "float", lambda i: round(FX_BASE[CURRENCIES[i % 6]] * (1 + ((i * 37) % 21 - 10) / 1000), 4)),
])

# Layer 2 (transform) ---------------------------------------------------------------------------
ol, od = T["OrderLines"], T["Orders"]
orders_by_id = {od.col("OrderID").values[i]: od.row(i) for i in range(od.rows)}
fact_rows = []
for i in range(ol.rows):
    line = ol.row(i)
    head = orders_by_id[line["OrderID"]]
    if head["Status"] == "Cancelled":
        continue
    p = line["ProductID"] - 201
    net = money(line["Quantity"] * line["UnitPrice"] * (1 - line["DiscountPct"]))
    cost = money(line["Quantity"] * COST[p])
    fact_rows.append({
        "OrderLineID": line["OrderLineID"], "OrderID": line["OrderID"],
        "OrderDate": head["OrderDate"], "CustomerID": head["CustomerID"],
        "ProductID": line["ProductID"], "SalesRepID": head["SalesRepID"],
        "Channel": head["Channel"], "Quantity": line["Quantity"], "NetSales": net,
        "Cost": cost, "Margin": money(net - cost)})
SALES_KINDS = [("OrderLineID", "int"), ("OrderID", "int"), ("OrderDate", "date"),
               ("CustomerID", "int"), ("ProductID", "int"), ("SalesRepID", "int"),
               ("Channel", "text"), ("Quantity", "int"), ("NetSales", "float"), ("Cost", "float"),
               ("Margin", "float")]


def from_rows(name, kinds, rows):
    return Table(name, [Col(f, k, [r[f] for r in rows]) for f, k in kinds])


T["SalesFact"] = from_rows("SalesFact", SALES_KINDS, fact_rows)
T["DimCustomer"] = table("DimCustomer", 60, [
    ("CustomerID", "int", lambda i: 1001 + i),
    ("CustomerName", "text", lambda i: NAME_A[i % 15] + NAME_B[i // 15]),
    ("Segment", "text", lambda i: SEGMENTS[(i // 3) % 4]),
    ("City", "text", lambda i: COUNTRIES[i % 12][3]),
    ("Country", "text", lambda i: COUNTRIES[i % 12][1]),
    ("Region", "text", lambda i: COUNTRIES[i % 12][2]),
])
T["DimProduct"] = table("DimProduct", 80, [
    ("ProductID", "int", lambda i: 201 + i),
    ("ProductName", "text", lambda i: T["Products"].col("ProductName").values[i]),
    ("Category", "text", lambda i: CATEGORIES[i % 6][1]),
    ("Brand", "text", lambda i: BRANDS[i % 4]),
    ("ListPrice", "float", lambda i: PRICE[i]),
])
T["DimSalesRep"] = table("DimSalesRep", 10, [
    ("SalesRepID", "int", lambda i: 11 + i),
    ("SalesRepName", "text", lambda i: REPS[i][0]),
    ("SalesRegion", "text", lambda i: REPS[i][1]),
])
cc_name = dict(COST_CENTERS)
fin_rows = []
ga = T["GLActuals"]
for i in range(ga.rows):
    r = ga.row(i)
    rate = 1.0 if r["CurrencyCode"] == "SEK" else FX_BASE[r["CurrencyCode"]]
    fin_rows.append({"PeriodDate": r["PostingDate"][:8] + "01", "AccountCode": r["AccountCode"],
                     "CostCenter": r["CostCenter"], "CostCenterName": cc_name[r["CostCenter"]],
                     "Scenario": "Actual", "AmountSEK": money(r["Amount"] * rate)})
bu = T["Budget"]
for i in range(bu.rows):
    r = bu.row(i)
    fin_rows.append({"PeriodDate": r["BudgetMonth"], "AccountCode": r["AccountCode"],
                     "CostCenter": r["CostCenter"], "CostCenterName": cc_name[r["CostCenter"]],
                     "Scenario": "Budget", "AmountSEK": r["BudgetAmount"]})
T["FinanceFact"] = from_rows("FinanceFact", [
    ("PeriodDate", "date"), ("AccountCode", "text"), ("CostCenter", "text"),
    ("CostCenterName", "text"), ("Scenario", "text"), ("AmountSEK", "float")], fin_rows)
T["DimAccount"] = table("DimAccount", 40, [
    ("AccountCode", "text", lambda i: ACCOUNTS[i]),
    ("AccountName", "text", lambda i: f"{ACCOUNT_GROUPS[i // 5][0]} {ACCOUNTS[i]}"),
    ("AccountGroup", "text", lambda i: ACCOUNT_GROUPS[i // 5][0]),
    ("PnLLine", "text", lambda i: ACCOUNT_GROUPS[i // 5][1]),
    ("PnLSign", "int", lambda i: 1 if ACCOUNT_GROUPS[i // 5][0].startswith("Revenue") else -1),
])
sl = T["StockLevels"]
inv_rows = []
for i in range(sl.rows):
    r = sl.row(i)
    inv_rows.append({"SnapshotDate": r["SnapshotDate"], "WarehouseID": r["WarehouseID"],
                     "WarehouseName": WAREHOUSES[r["WarehouseID"] - 1][1],
                     "ProductID": r["ProductID"], "OnHandQty": r["OnHandQty"],
                     "ReservedQty": r["ReservedQty"],
                     "AvailableQty": max(r["OnHandQty"] - r["ReservedQty"], 0),
                     "StockValue": money(r["OnHandQty"] * COST[r["ProductID"] - 201])})
T["InventorySnapshot"] = from_rows("InventorySnapshot", [
    ("SnapshotDate", "date"), ("WarehouseID", "int"), ("WarehouseName", "text"),
    ("ProductID", "int"), ("OnHandQty", "int"), ("ReservedQty", "int"), ("AvailableQty", "int"),
    ("StockValue", "float")], inv_rows)
sh = T["Shipments"]
ship_rows = []
for i in range(sh.rows):
    r = sh.row(i)
    days = (day(r["ShipDate"]) - day(orders_by_id[r["OrderID"]]["OrderDate"])).days
    ship_rows.append(dict(r, DaysToShip=days, OnTimeFlag=1 if days <= 3 else 0))
T["ShipmentFact"] = from_rows("ShipmentFact", [
    ("ShipmentID", "int"), ("OrderID", "int"), ("WarehouseID", "int"), ("ShipDate", "date"),
    ("Carrier", "text"), ("ShippedQty", "int"), ("DaysToShip", "int"), ("OnTimeFlag", "int")],
    ship_rows)
HOLIDAYS = {"2025-06-06", "2025-06-20", "2025-12-24", "2025-12-25", "2025-12-26", "2025-12-31",
            "2026-01-01", "2026-01-06"}


def cal_day(i):
    return day("2025-06-01") + datetime.timedelta(days=i)


T["Calendar"] = table("Calendar", 300, [
    ("Date", "date", lambda i: iso(cal_day(i))),
    ("Year", "int", lambda i: cal_day(i).year),
    ("Quarter", "text", lambda i: f"Q{(cal_day(i).month + 2) // 3}"),
    ("Month", "dual", lambda i: (cal_day(i).month, MONTHS[cal_day(i).month - 1])),
    ("MonthNum", "int", lambda i: cal_day(i).month),
    ("YearMonth", "dual", lambda i: (serial(iso(cal_day(i).replace(day=1))), cal_day(i).strftime("%Y-%m"))),
    ("Week", "int", lambda i: cal_day(i).isocalendar()[1]),
    ("IsWorkingDay", "int", lambda i: 0 if cal_day(i).weekday() >= 5 or iso(cal_day(i)) in HOLIDAYS else 1),
    ("FiscalPeriod", "int", lambda i: (cal_day(i).month - 5 + 12) % 12 + 1),
])

QVD_TAGS = {"int": ["$numeric", "$integer"], "float": ["$numeric"], "text": ["$text"],
            "date": ["$numeric", "$integer", "$timestamp", "$date"],
            "dual": ["$numeric", "$integer", "$text"]}
QVD_TYPE = {"int": "INTEGER", "float": "REAL", "text": "UNKNOWN", "date": "DATE", "dual": "UNKNOWN"}


def col_tags(col):
    tags = list(QVD_TAGS[col.kind])
    if col.kind == "text" and all(isinstance(v, str) and v.isascii() for v in col.values):
        tags.append("$ascii")
    return tags


# ---------------------------------------------------------------------------------------------
# The estate: users, streams, connections
# ---------------------------------------------------------------------------------------------

def ts(s):
    return s + ".000Z" if len(s) == 19 else s


USERS = [
    {"user": "DEMO\\ana", "name": "Ana Admin", "password": "ana-demo-2026", "root_admin": True},
    {"user": "DEMO\\ben", "name": "Ben Analyst", "password": "ben-demo-2026", "streams": ["Sales"]},
    {"user": "DEMO\\carla", "name": "Carla Controller", "password": "carla-demo-2026",
     "streams": ["Finance", "Sales"]},
    {"user": "DEMO\\dev", "name": "Dev Engineer", "password": "dev-demo-2026",
     "streams": ["Data Platform", "Operations"]},
    {"user": "DEMO\\erik", "name": "Erik Operations", "password": "erik-demo-2026",
     "streams": ["Operations"]},
    {"user": "DEMO\\gus", "name": "Gus Guest", "password": "gus-demo-2026", "streams": []},
]
STREAMS = [
    ("Sales", ["Sales"], "2026-01-12T09:15:00"),
    ("Finance", ["Finance"], "2026-01-12T09:17:00"),
    ("Operations", ["Operations"], "2026-01-12T09:18:00"),
    ("Data Platform", ["ETL", "QVD layers"], "2026-01-12T09:20:00"),
]
CONNECTIONS = [
    ("SalesDB", "QvOdbcConnectorPackage.exe",
     "CUSTOM CONNECT TO \"provider=QvOdbcConnectorPackage.exe;driver=sqlserver;host=sql01.demo.local;port=1433;db=Sales;Encrypt=true;TrustServerCertificate=true;\"",
     "DEMO\\svc_qlik", "2026-01-12T10:02:00"),
    ("WMS_PROD", "ODBC", "ODBC CONNECT TO [WMS_PROD]", "svc_wms_read", "2026-01-12T10:05:00"),
    ("QVD", "folder", "\\\\fileserver\\qlik\\qvd\\", "", "2026-01-12T10:06:00"),
    ("Scripts", "folder", "\\\\fileserver\\qlik\\scripts\\", "", "2026-01-12T10:06:30"),
    ("SourceFiles", "folder", "\\\\fileserver\\qlik\\sourcefiles\\", "", "2026-01-12T10:07:00"),
    ("FxRates", "internet", "https://treasury.nordvik.example/fx/", "", "2026-01-14T13:40:00"),
]
FOLDERS = {"QVD": "\\\\fileserver\\qlik\\qvd\\", "Scripts": "\\\\fileserver\\qlik\\scripts\\",
           "SourceFiles": "\\\\fileserver\\qlik\\sourcefiles\\",
           "FxRates": "https://treasury.nordvik.example/fx/"}


def site_json():
    return {
        "name": "Nordvik Outdoor demo estate",
        "users": USERS,
        "streams": [{"id": guid("stream/" + n), "name": n, "owner": "DEMO\\ana",
                     "created": ts(c), "modified": ts(c), "tags": tags} for n, tags, c in STREAMS],
        "data_connections": [
            dict({"id": guid("connection/" + n), "name": n, "type": t, "connectionstring": cs},
                 **({"username": u} if u else {}),
                 owner="DEMO\\ana", created=ts(c), modified=ts(c))
            for n, t, cs, u, c in CONNECTIONS],
        "virtual_proxies": [
            {"prefix": "", "method": "windows", "session_cookie": "X-Qlik-Session",
             "windows_pattern": "Windows"},
            {"prefix": "jwt", "method": "jwt", "session_cookie": "X-Qlik-Session-jwt",
             "jwt_certificate": "keys/jwt-cert.pem", "jwt_user_id": "userId",
             "jwt_user_directory": "userDirectory", "jwt_audience": "qlineage-demo"},
            {"prefix": "hdr", "method": "header", "session_cookie": "X-Qlik-Session-hdr",
             "header_name": "hdr-usr", "user_directory": "DEMO"},
        ],
        "demo_user": "DEMO\\ana",
        "jwt_signing_key": "keys/jwt-demo-key.pem",
        "custom_properties": [
            {"name": "Criticality", "value_type": "Text", "choice_values": ["High", "Medium", "Low"],
             "object_types": ["App"], "description": "How much the business depends on the app"},
            {"name": "DataOwner", "value_type": "Text", "object_types": ["App", "Stream"],
             "description": "Who answers for the data"},
        ],
    }


# ---------------------------------------------------------------------------------------------
# Lineage discriminators (real forms: read paths resolved and lower-cased, ending in `;`;
# STOREs in the newer `{STORE - <whole statement>};` form; DB reads as `{Connection};` + SQL)
# ---------------------------------------------------------------------------------------------

def resolve(lib):
    assert lib.startswith("lib://"), lib
    conn, rest = lib[6:].split("/", 1)
    base = FOLDERS[conn]
    if base.startswith("http"):
        return (base + rest).lower()
    return (base + rest.replace("/", "\\")).lower()


def L_file(lib):
    return {"qDiscriminator": resolve(lib) + ";", "qStatement": ""}


def L_db(conn, statement):
    return {"qDiscriminator": "{" + conn + "};", "qStatement": statement}


def L_store(table_name, target):
    return {"qDiscriminator": f"{{STORE - STORE [{table_name}] INTO [{target}] (qvd)}};",
            "qStatement": ""}


def L(kind, arg=None):
    if kind == "RESIDENT":
        return {"qDiscriminator": f"RESIDENT {arg};", "qStatement": ""}
    return {"qDiscriminator": f"{kind};", "qStatement": ""}


EX = "lib://QVD/Extract/"
TR = "lib://QVD/Transform/"

SQL = {
    "Orders": "Orders:\nLOAD\n    OrderID,\n    CustomerID,\n    Date(Floor(OrderDate)) as OrderDate,\n    SalesRepID,\n    Channel,\n    Status;\nSQL SELECT\n    o.OrderID,\n    o.CustomerID,\n    o.OrderDate,\n    o.SalesRepID,\n    o.Channel,\n    o.Status\nFROM Sales.dbo.Orders o\nWHERE o.OrderDate >= '2025-06-01'",
    "OrderLines": "OrderLines:\nLOAD\n    OrderLineID,\n    OrderID,\n    ProductID,\n    Quantity,\n    UnitPrice,\n    DiscountPct;\nSQL SELECT\n    l.OrderLineID,\n    l.OrderID,\n    l.ProductID,\n    l.Quantity,\n    l.UnitPrice,\n    l.DiscountPct\nFROM Sales.dbo.OrderLines l\nINNER JOIN Sales.dbo.Orders o ON o.OrderID = l.OrderID\nWHERE o.OrderDate >= '2025-06-01'",
    "Customers": "Customers:\nLOAD\n    CustomerID,\n    Trim(CustomerName) as CustomerName,\n    CountryCode,\n    Segment,\n    City;\nSQL SELECT CustomerID, CustomerName, CountryCode, Segment, City\nFROM Sales.dbo.Customers\nWHERE IsActive = 1",
    "Products": "Products:\nLOAD\n    ProductID,\n    ProductName,\n    CategoryCode,\n    Brand,\n    ListPrice,\n    UnitCost;\nSQL SELECT ProductID, ProductName, CategoryCode, Brand, ListPrice, UnitCost\nFROM Sales.dbo.Products",
    "Countries": "[Countries]:\nSQL SELECT * FROM Sales.dbo.Countries",
    "SalesReps": "[SalesReps]:\nSQL SELECT * FROM Sales.dbo.SalesReps",
    "Warehouses": "Warehouses:\nSQL SELECT WarehouseID, WarehouseName, WarehouseCity\nFROM wms.dbo.Warehouses",
    "StockLevels": "StockLevels:\nLOAD\n    WarehouseID,\n    ProductID,\n    Date(SnapshotDate) as SnapshotDate,\n    OnHandQty,\n    ReservedQty\nWHERE OnHandQty >= 0;\nSQL SELECT WarehouseID, ProductID, SnapshotDate, OnHandQty, ReservedQty\nFROM wms.dbo.StockSnapshot\nWHERE SnapshotDate >= '2025-12-02'",
    "Shipments": "Shipments:\nLOAD\n    ShipmentID,\n    OrderID,\n    WarehouseID,\n    Date(ShipDate) as ShipDate,\n    Upper(Carrier) as Carrier,\n    ShippedQty;\nSQL SELECT s.ShipmentID, s.OrderID, s.WarehouseID, s.ShipDate, s.Carrier, s.ShippedQty\nFROM wms.dbo.Shipments s\nWHERE s.ShipDate >= '2025-12-02'",
    "GLActuals": "GLActuals:\nLOAD\n    Date(PostingDate) as PostingDate,\n    AccountCode,\n    CostCenter,\n    Amount,\n    CurrencyCode;\nSQL SELECT PostingDate, AccountCode, CostCenter, Amount, CurrencyCode\nFROM Finance.dbo.GeneralLedger\nWHERE PostingDate >= '2025-06-01'",
}


def db_tables(conn, names):
    return [L_db(conn, SQL[n]) for n in names]


# ---------------------------------------------------------------------------------------------
# Engine objects
# ---------------------------------------------------------------------------------------------

NUM_AUTO = {"qType": "U", "qnDec": 10, "qUseThou": 0, "qFmt": "", "qDec": "", "qThou": ""}
NUM_MONEY = {"qType": "M", "qnDec": 0, "qUseThou": 1, "qFmt": "# ##0 kr;-# ##0 kr", "qDec": ",",
             "qThou": " "}
NUM_PCT = {"qType": "F", "qnDec": 1, "qUseThou": 0, "qFmt": "0,0%", "qDec": ",", "qThou": " "}
NUM_INT = {"qType": "F", "qnDec": 0, "qUseThou": 1, "qFmt": "# ##0", "qDec": ",", "qThou": " "}
NUM_DEC = {"qType": "F", "qnDec": 1, "qUseThou": 0, "qFmt": "0,0", "qDec": ",", "qThou": " "}


def cid(key):
    return short_id("cid/" + key)


def sort_dim():
    return [{"qSortByState": 0, "qSortByFrequency": 0, "qSortByNumeric": 1, "qSortByAscii": 1,
             "qSortByLoadOrder": 1, "qSortByExpression": 0, "qExpression": {"qv": ""},
             "qSortByGreyness": 0}]


def dim(spec, key):
    """spec: field name, ("lib", id), or ("expr", "=…", label)."""
    lib = ""
    fields, labels = [], []
    if isinstance(spec, tuple) and spec[0] == "lib":
        lib = spec[1]
    elif isinstance(spec, tuple) and spec[0] == "expr":
        fields, labels = [spec[1]], [spec[2]]
    else:
        fields, labels = [spec], [""]
    return {
        "qLibraryId": lib,
        "qDef": {"qGrouping": "N", "qFieldDefs": fields, "qFieldLabels": labels,
                 "qSortCriterias": sort_dim(), "qNumberPresentations": [], "qReverseSort": False,
                 "qActiveField": 0, "qLabelExpression": "", "autoSort": True, "cId": cid(key),
                 "othersLabel": "Others"},
        "qNullSuppression": False, "qIncludeElemValue": False,
        "qOtherTotalSpec": {"qOtherMode": "OTHER_OFF", "qOtherCounted": {"qv": "10"},
                            "qOtherLimit": {"qv": "0"}, "qOtherLimitMode": "OTHER_GE_LIMIT",
                            "qSuppressOther": False, "qForceBadValueKeeping": True,
                            "qApplyEvenWhenPossiblyWrongResult": True,
                            "qGlobalOtherGrouping": False, "qOtherCollapseInnerDimensions": False,
                            "qOtherSortMode": "OTHER_SORT_DESCENDING",
                            "qTotalMode": "TOTAL_OFF", "qReferencedExpression": {"qv": ""}},
        "qShowTotal": False, "qShowAll": False, "qOtherLabel": {"qv": "Others"},
        "qTotalLabel": {"qv": ""}, "qCalcCond": {"qv": ""},
        "qAttributeExpressions": [], "qAttributeDimensions": [],
        "qCalcCondition": {"qCond": {"qv": ""}, "qMsg": {"qv": ""}},
    }


def attr(expr, attr_id):
    return {"qExpression": expr, "qLibraryId": "", "qAttribute": True, "qNumFormat": None,
            "qLabel": "", "qLabelExpression": "", "id": attr_id}


def meas(spec, key):
    """spec: ("lib", id) or (expression, label[, numfmt[, [attribute expressions]]])."""
    attrs = []
    if spec[0] == "lib":
        lib, expr, label, fmt = spec[1], "", "", NUM_AUTO
    else:
        lib, expr, label = "", spec[0], spec[1]
        fmt = spec[2] if len(spec) > 2 else NUM_AUTO
        attrs = spec[3] if len(spec) > 3 else []
    return {
        "qLibraryId": lib,
        "qDef": {"qLabel": label, "qDescription": "", "qTags": [], "qGrouping": "N",
                 "qDef": expr, "qNumFormat": fmt, "qRelative": False, "qBrutalSum": False,
                 "qAggrFunc": "None", "qAccumulate": 0, "qReverseSort": False,
                 "qActiveExpression": 0, "qExpressions": [], "qLabelExpression": "",
                 "autoSort": True, "cId": cid(key), "numFormatFromTemplate": fmt is NUM_AUTO},
        "qSortBy": {"qSortByState": 0, "qSortByFrequency": 0, "qSortByNumeric": -1,
                    "qSortByAscii": 0, "qSortByLoadOrder": 1, "qSortByExpression": 0,
                    "qExpression": {"qv": ""}, "qSortByGreyness": 0},
        "qAttributeExpressions": attrs, "qAttributeDimensions": [],
        "qCalcCond": {"qv": ""}, "qCalcCondition": {"qCond": {"qv": ""}, "qMsg": {"qv": ""}},
        "qTrendLines": [],
        "qMiniChartDef": {"qDef": "", "qLibraryId": "", "qSortBy": {}, "qOtherTotalSpec": {},
                          "qMaxNumberPoints": -1, "qAttributeExpressions": [],
                          "qNullSuppression": False},
    }


def hypercube(key, dims, measures, mode="S", width=None):
    d = [dim(s, f"{key}/d{i}") for i, s in enumerate(dims)]
    m = [meas(s, f"{key}/m{i}") for i, s in enumerate(measures)]
    n = len(d) + len(m)
    return {
        "qStateName": "",
        "qDimensions": d, "qMeasures": m,
        "qInterColumnSortOrder": list(range(len(d), n)) + list(range(len(d))) if m else list(range(n)),
        "qSuppressZero": False, "qSuppressMissing": True,
        "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": n, "qHeight": 500 // max(n, 1)}],
        "qReductionMode": "N", "qMode": mode, "qPseudoDimPos": -1, "qNoOfLeftDims": -1,
        "qAlwaysFullyExpanded": mode == "P", "qMaxStackedCells": 5000, "qPopulateMissing": False,
        "qShowTotalsAbove": False, "qIndentMode": False, "qCalcCond": {"qv": ""},
        "qSortbyYValue": 0, "qTitle": {"qv": ""},
        "qCalcCondition": {"qCond": {"qv": ""}, "qMsg": {"qv": ""}},
        "qColumnOrder": [], "qExpansionState": [], "qDynamicScript": [],
        "qContextMenu": {"qMenu": {"qItems": []}}, "qLayoutExclude": {"qHyperCubeDef": {}},
    }


def chart(app, key, viz, title, dims, measures, **extra):
    qid = short_id(f"{app}/{key}")
    mode = "P" if viz == "pivot-table" else "S"
    props = {
        "qInfo": {"qId": qid, "qType": viz},
        "qExtendsId": "",
        "qMetaDef": {},
        "qStateName": "",
        "qHyperCubeDef": hypercube(f"{app}/{key}", dims, measures, mode),
        "showTitles": True,
        "title": title,
        "subtitle": extra.pop("subtitle", ""),
        "footnote": extra.pop("footnote", ""),
        "disableNavMenu": False,
        "showDetails": False,
        "visualization": viz,
        "version": "1.38.2",
    }
    if viz in ("barchart", "linechart"):
        props.update({"color": {"auto": True, "mode": "primary", "useBaseColors": "off"},
                      "legend": {"show": True, "dock": "auto", "showTitle": True},
                      "dimensionAxis": {"show": "all", "label": "auto", "dock": "near"},
                      "measureAxis": {"show": "all", "dock": "near", "spacing": 1,
                                      "autoMinMax": True}})
    if viz == "barchart":
        props.update({"barGrouping": {"grouping": "grouped"}, "orientation": "vertical",
                      "gridlines": {"auto": True, "spacing": 2}})
    if viz == "kpi":
        props.update({"showMeasureTitle": True, "textAlign": "center", "fontSize": "M",
                      "layoutBehavior": "responsive", "useLink": False, "sheetLink": "",
                      "openUrlInNewTab": True})
        props["qHyperCubeDef"]["qInitialDataFetch"] = [{"qLeft": 0, "qTop": 0, "qWidth": 500, "qHeight": 1}]
    if viz == "table":
        props.update({"totals": {"show": True, "position": "noTotals", "label": "Totals"},
                      "scrolling": {"horizontal": True, "keepFirstColumnInView": False},
                      "multiline": {"wrapTextInHeaders": True, "wrapTextInCells": True}})
        props["qHyperCubeDef"]["columnOrder"] = list(range(len(dims) + len(measures)))
        props["qHyperCubeDef"]["columnWidths"] = [-1] * (len(dims) + len(measures))
    props.update(extra)
    return {"qProperty": props, "qChildren": []}


def linked(app, key, master_id, viz):
    """A chart on a sheet that is a linked copy of a master visualization."""
    qid = short_id(f"{app}/{key}")
    return {"qProperty": {"qInfo": {"qId": qid, "qType": viz}, "qExtendsId": master_id,
                          "qMetaDef": {}, "qStateName": "", "visualization": viz,
                          "showTitles": True, "title": "", "subtitle": "", "footnote": ""},
            "qChildren": []}


def listbox(app, key, spec, title):
    qid = short_id(f"{app}/{key}")
    d = dim(spec, f"{app}/{key}")
    return {"qProperty": {
        "qInfo": {"qId": qid, "qType": "listbox"},
        "qMetaDef": {},
        "qListObjectDef": {
            "qStateName": "", "qLibraryId": d["qLibraryId"],
            "qDef": dict(d["qDef"], qSortCriterias=[
                {"qSortByState": 1, "qSortByFrequency": 0, "qSortByNumeric": 1,
                 "qSortByAscii": 1, "qSortByLoadOrder": 1, "qSortByExpression": 0,
                 "qExpression": {"qv": ""}, "qSortByGreyness": 0}]),
            "qAreaSize": {"qWidth": 0, "qHeight": 0}, "qExpressions": [],
            "qInitialDataFetch": [{"qLeft": 0, "qTop": 0, "qWidth": 0, "qHeight": 0}],
            "qShowAlternatives": True, "qFrequencyMode": "N", "qAutoSortByState": {"qDisplayNumberOfRows": -1},
        },
        "title": title, "showTitles": True, "visualization": "listbox",
    }, "qChildren": []}


def filterpane(app, key, items):
    qid = short_id(f"{app}/{key}")
    return {"qProperty": {"qInfo": {"qId": qid, "qType": "filterpane"}, "qExtendsId": "",
                          "qMetaDef": {}, "qStateName": "", "showTitles": False, "title": "",
                          "subtitle": "", "footnote": "", "disableNavMenu": False,
                          "showDetails": False, "qChildListDef": {"qData": {}},
                          "visualization": "filterpane", "version": "1.38.2"},
            "qChildren": [listbox(app, f"{key}/lb{i}", s, t) for i, (s, t) in enumerate(items)]}


def sheet(app, key, title, description, rank, placed, meta):
    """placed: list of (child, col, row, colspan, rowspan)."""
    qid = guid(f"{app}/sheet/{key}")
    cells = []
    for child, col, row, cs, rs in placed:
        cells.append({"name": child["qProperty"]["qInfo"]["qId"],
                      "type": child["qProperty"]["visualization"], "col": col, "row": row,
                      "colspan": cs, "rowspan": rs,
                      "bounds": {"y": round(row / 12 * 100, 4), "x": round(col / 24 * 100, 4),
                                 "width": round(cs / 24 * 100, 4),
                                 "height": round(rs / 12 * 100, 4)}})
    return {"qProperty": {"qInfo": {"qId": qid, "qType": "sheet"}, "qExtendsId": "",
                          "qMetaDef": {"title": title, "description": description},
                          "rank": rank, "thumbnail": {"qStaticContentUrlDef": {"qUrl": ""}},
                          "columns": 24, "rows": 12, "cells": cells,
                          "qChildListDef": {"qData": {"title": "/title"}},
                          "labelExpression": "", "descriptionExpression": "",
                          "showCondition": "", "navPoints": []},
            "qChildren": [p[0] for p in placed], "meta": meta}


def master_measure(app, key, title, label, expr, description, tags, fmt, meta):
    qid = short_id(f"{app}/measure/{key}")
    return qid, {"qProperty": {
        "qInfo": {"qId": qid, "qType": "measure"},
        "qMeasure": {"qLabel": label, "qDef": expr, "qGrouping": "N", "qExpressions": [],
                     "qActiveExpression": 0, "qLabelExpression": "", "qNumFormat": fmt,
                     "coloring": {}, "isCustomFormatted": fmt is not NUM_AUTO},
        "qMetaDef": {"title": title, "description": description, "tags": tags},
    }, "qChildren": [], "meta": meta}


def master_dimension(app, key, title, fields, labels, description, tags, meta, grouping="N"):
    qid = short_id(f"{app}/dimension/{key}")
    return qid, {"qProperty": {
        "qInfo": {"qId": qid, "qType": "dimension"},
        "qDim": {"qGrouping": grouping, "qFieldDefs": fields, "qFieldLabels": labels,
                 "title": title, "qLabelExpression": "", "coloring": {}},
        "qMetaDef": {"title": title, "description": description, "tags": tags},
    }, "qChildren": [], "meta": meta}


def master_viz(app, key, title, description, inner, meta):
    """inner: a chart() result; it becomes the master object's own properties."""
    qid = short_id(f"{app}/masterobject/{key}")
    props = dict(inner["qProperty"])
    props["qInfo"] = {"qId": qid, "qType": "masterobject"}
    props["qMetaDef"] = {"title": title, "description": description, "tags": []}
    return qid, {"qProperty": props, "qChildren": [], "meta": meta}


def variable(app, name, definition, comment, meta, script_created):
    qid = short_id(f"{app}/variable/{name}")
    m = dict(meta, script_created=script_created)
    return {"qProperty": {"qInfo": {"qId": qid, "qType": "variable"}, "qMetaDef": {},
                          "qName": name, "qComment": comment, "qNumberPresentation":
                          {"qType": "U", "qnDec": 10, "qUseThou": 0, "qFmt": "", "qDec": "",
                           "qThou": ""}, "qIncludeInBookmark": False, "qDefinition": definition},
            "qChildren": [], "meta": m}


def bookmark(app, key, title, description, sheet_id, fields, meta):
    qid = short_id(f"{app}/bookmark/{key}")
    return {"qProperty": {"qInfo": {"qId": qid, "qType": "bookmark"},
                          "qMetaDef": {"title": title, "description": description},
                          "creationDate": meta["createdDate"], "sheetId": sheet_id,
                          "selectionFields": ", ".join(fields)},
            "qChildren": [], "meta": meta}


def meta(owner, created, modified=None, published=True, approved=True):
    return {"owner": owner, "published": published, "approved": approved,
            "createdDate": ts(created), "modifiedDate": ts(modified or created)}


# ---------------------------------------------------------------------------------------------
# Models derived from the QVD tables
# ---------------------------------------------------------------------------------------------

def derive(name, src, fields, where=None):
    """fields: list of (out name, source field or fn(row dict))."""
    rows = [src.row(i) for i in range(src.rows)]
    if where:
        rows = [r for r in rows if where(r)]
    cols = []
    for out, how in fields:
        if callable(how):
            values = [how(r) for r in rows]
            kind = "text"
        else:
            values = [r[how] for r in rows]
            kind = src.col(how).kind
        cols.append(Col(out, kind, values))
    return Table(name, cols)


def same(src, names=None):
    return [(n, n) for n in (names or [c.name for c in src.cols])]


def inline(name, header, rows, kinds):
    return Table(name, [Col(h, k, [r[i] for r in rows]) for i, (h, k) in enumerate(zip(header, kinds))])


def model(tables, comments=None):
    comments = comments or {}
    count = {}
    for t in tables:
        for c in t.cols:
            count[c.name] = count.get(c.name, 0) + 1
    out = []
    for t in tables:
        fields = []
        for c in t.cols:
            tags = ([] if count[c.name] == 1 else ["$key"]) + col_tags(c)
            fields.append({"name": c.name, "distinct": len(set(c.values)),
                           "non_nulls": sum(1 for v in c.values if v is not None), "tags": tags})
        out.append({"name": t.name, "rows": t.rows, "comment": comments.get(t.name, ""),
                    "fields": fields})
    return {"tables": out}


def check_fields(app, tables, objects):
    """Every field a chart names (qFieldDefs, or [Field]/Field inside expressions) must exist."""
    names = {c.name for t in tables for c in t.cols}
    text = json.dumps(objects)
    for o in objects:
        for fd in find_key(o, "qFieldDefs"):
            for f in fd:
                if not f.startswith("="):
                    assert f in names, f"{app}: chart field {f} not in model"
    return names


def find_key(value, key):
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key:
                yield v
            else:
                yield from find_key(v, key)
    elif isinstance(value, list):
        for v in value:
            yield from find_key(v, key)


def expressions(value):
    for k in ("qDef", "qExpression"):
        for e in find_key(value, k):
            if isinstance(e, str) and e:
                yield e


# ---------------------------------------------------------------------------------------------
# Apps
# ---------------------------------------------------------------------------------------------

APPS = []
QVDS = []  # (target lib path, table, creator app id, create time, lineage)


def app(folder, name, owner, stream, description, tags, created, reload_start, reload_stop,
        lineage, tables=(), objects=(), stores=(), section_access=False, file_size=None,
        published_at=None, task=True, comments=None):
    app_id = guid("app/" + folder)
    published = stream is not None
    info = {
        "id": app_id, "name": name, "owner": owner, "stream": stream, "published": published,
        "publishTime": ts(published_at) if published else "1753-01-01T00:00:00.000Z",
        "createdDate": ts(created), "modifiedDate": ts(reload_stop),
        "lastReloadTime": ts(reload_stop), "description": description, "tags": tags,
        "fileSize": file_size or (180224 + 4096 * sum(t.rows for t in tables)
                                  + 8192 * len(objects)),
        "hasSectionAccess": section_access,
        "customProperties": {
            "Criticality": ["High" if stream == "Data Platform" else "Medium" if published else "Low"],
            "DataOwner": [owner],
        },
    }
    if task:
        info["reload"] = {"status": 7, "startTime": ts(reload_start), "stopTime": ts(reload_stop),
                          "task": f"Reload {name}"}
    APPS.append((folder, info, list(lineage), model(list(tables), comments), list(objects)))
    check_fields(folder, list(tables), [o for _, o in objects])
    for table_name, target, qvd_lineage in stores:
        assert table_name in T, table_name
        QVDS.append((target, table_name, app_id, reload_stop.replace("T", " "),
                     list(qvd_lineage) + [L_store(table_name, target)]))
    return app_id


ANA, BEN, CARLA, DEV, ERIK = "DEMO\\ana", "DEMO\\ben", "DEMO\\carla", "DEMO\\dev", "DEMO\\erik"

# Layer 1 ---------------------------------------------------------------------------------------
erp_tables = ["Orders", "OrderLines", "Customers", "Products", "Countries", "SalesReps"]
reload_log = inline("ReloadLog", ["Step", "ExtractTable", "TargetFile"],
                    [(i + 1, t, f"Extract/{t}.qvd") for i, t in enumerate(erp_tables)],
                    ["int", "text", "text"])
m_dev = meta(DEV, "2026-01-15T08:30:00", "2026-02-10T14:12:00")
app("extract-erp-sales", "00 Extract ERP Sales", DEV, "Data Platform",
    "Layer 1: raw copies of the ERP sales tables (SQL Server Sales) into lib://QVD/Extract/.",
    ["ETL", "Extract"], "2026-01-15T08:30:00", "2026-03-02T02:00:03", "2026-03-02T02:00:41",
    published_at="2026-01-16T09:00:00",
    lineage=[l for t in erp_tables for l in (L_db("SalesDB", SQL[t]), L_store(t, EX + t + ".qvd"))]
    + [L("INLINE")],
    tables=[reload_log],
    objects=[("reload-log", sheet("extract-erp-sales", "reload-log", "Extract status",
                                  "What the nightly extract wrote", 0,
                                  [(chart("extract-erp-sales", "log-table", "table",
                                          "Extracted tables", ["Step", "ExtractTable", "TargetFile"], []),
                                    0, 0, 24, 12)], m_dev))],
    stores=[(t, EX + t + ".qvd", [L_db("SalesDB", SQL[t])]) for t in erp_tables])

wms_tables = ["Warehouses", "StockLevels", "Shipments"]
app("extract-warehouse", "01 Extract Warehouse", DEV, "Data Platform",
    "Layer 1: stock snapshots and shipments from the WMS (ODBC DSN WMS_PROD).",
    ["ETL", "Extract"], "2026-01-15T09:10:00", "2026-03-02T02:01:00", "2026-03-02T02:01:22",
    published_at="2026-01-16T09:00:00",
    lineage=[l for t in wms_tables for l in (L_db("WMS_PROD", SQL[t]), L_store(t, EX + t + ".qvd"))],
    stores=[(t, EX + t + ".qvd", [L_db("WMS_PROD", SQL[t])]) for t in wms_tables])

budget_file = L_file("lib://SourceFiles/Finance/Budget_2026.xlsx")
gl_file = L_file("lib://SourceFiles/Finance/gl_accounts.csv")
fx_file = L_file("lib://FxRates/daily_rates.csv")
app("extract-finance-files", "02 Extract Finance", DEV, "Data Platform",
    "Layer 1: budget workbook, chart of accounts, GL actuals and daily FX rates.",
    ["ETL", "Extract", "Finance"], "2026-01-19T10:00:00", "2026-03-02T02:02:00",
    "2026-03-02T02:02:35", published_at="2026-01-20T08:00:00",
    lineage=[budget_file, L("RESIDENT", "BudgetRaw"), L_store("Budget", EX + "Budget.qvd"),
             gl_file, L_store("GLAccounts", EX + "GLAccounts.qvd"),
             L_db("SalesDB", SQL["GLActuals"]), L_store("GLActuals", EX + "GLActuals.qvd"),
             fx_file, L_store("FxRates", EX + "FxRates.qvd")],
    stores=[("Budget", EX + "Budget.qvd", [budget_file]),
            ("GLAccounts", EX + "GLAccounts.qvd", [gl_file]),
            ("GLActuals", EX + "GLActuals.qvd", [L_db("SalesDB", SQL["GLActuals"])]),
            ("FxRates", EX + "FxRates.qvd", [fx_file])])

# Layer 2 ---------------------------------------------------------------------------------------


def qx(name):
    return L_file(EX + name + ".qvd")


def qt(name):
    return L_file(TR + name + ".qvd")


app("transform-sales", "10 Transform Sales", DEV, "Data Platform",
    "Layer 2: the sales star (fact and dimensions) in lib://QVD/Transform/.",
    ["ETL", "Transform", "Sales"], "2026-01-21T13:00:00", "2026-03-02T02:30:02",
    "2026-03-02T02:30:48", published_at="2026-01-22T08:00:00",
    lineage=[qx("Countries"), qx("Products"), L("INLINE"), qx("OrderLines"), qx("Orders"),
             L("RESIDENT", "SalesFact"), L_store("SalesFact", TR + "SalesFact.qvd"),
             qx("Customers"), L_store("DimCustomer", TR + "DimCustomer.qvd"),
             L_store("DimProduct", TR + "DimProduct.qvd"), qx("SalesReps"),
             L_store("DimSalesRep", TR + "DimSalesRep.qvd")],
    stores=[("SalesFact", TR + "SalesFact.qvd", [qx("OrderLines"), qx("Products"), qx("Orders")]),
            ("DimCustomer", TR + "DimCustomer.qvd", [qx("Customers"), qx("Countries")]),
            ("DimProduct", TR + "DimProduct.qvd", [qx("Products"), L("INLINE")]),
            ("DimSalesRep", TR + "DimSalesRep.qvd", [qx("SalesReps")])])

app("transform-finance", "11 Transform Finance", DEV, "Data Platform",
    "Layer 2: actuals in SEK and budget in one fact, plus the account dimension.",
    ["ETL", "Transform", "Finance"], "2026-01-22T10:30:00", "2026-03-02T02:31:00",
    "2026-03-02T02:31:19", published_at="2026-01-23T08:00:00",
    lineage=[qx("FxRates"), L("INLINE"), qx("GLActuals"), qx("Budget"),
             L_store("FinanceFact", TR + "FinanceFact.qvd"), qx("GLAccounts"),
             L_store("DimAccount", TR + "DimAccount.qvd")],
    stores=[("FinanceFact", TR + "FinanceFact.qvd",
             [qx("FxRates"), L("INLINE"), qx("GLActuals"), qx("Budget")]),
            ("DimAccount", TR + "DimAccount.qvd", [qx("GLAccounts")])])

app("transform-inventory", "12 Transform Inventory", DEV, "Data Platform",
    "Layer 2: valued stock snapshot and shipments with lead times.",
    ["ETL", "Transform", "Operations"], "2026-01-23T11:00:00", "2026-03-02T02:32:00",
    "2026-03-02T02:32:16", published_at="2026-01-26T08:00:00",
    lineage=[qx("Warehouses"), qx("Products"), qx("StockLevels"),
             L_store("InventorySnapshot", TR + "InventorySnapshot.qvd"), qx("Orders"),
             qx("Shipments"), L("RESIDENT", "OrderDates"), L("RESIDENT", "ShipmentFact"),
             L_store("ShipmentFact", TR + "ShipmentFact.qvd")],
    stores=[("InventorySnapshot", TR + "InventorySnapshot.qvd",
             [qx("Warehouses"), qx("Products"), qx("StockLevels")]),
            ("ShipmentFact", TR + "ShipmentFact.qvd", [qx("Shipments"), qx("Orders")])])

app("shared-calendar", "13 Shared Calendar", DEV, "Data Platform",
    "Layer 2: the shared calendar with Swedish holidays and fiscal periods.",
    ["ETL", "Transform", "Calendar"], "2026-01-15T15:00:00", "2026-03-02T02:20:00",
    "2026-03-02T02:20:05", published_at="2026-01-16T09:00:00",
    lineage=[L("INLINE"), L("RESIDENT", "Holidays"), L("AUTOGENERATE"),
             L("RESIDENT", "TempDates"), L("RESIDENT", "FiscalPeriods"),
             L_store("Calendar", TR + "Calendar.qvd")],
    stores=[("Calendar", TR + "Calendar.qvd", [L("INLINE"), L("AUTOGENERATE")])])

# Presentation layer ----------------------------------------------------------------------------
# Sales Dashboard
A = "sales-dashboard"
m_ana = meta(ANA, "2026-01-27T09:00:00", "2026-02-18T16:20:00")
sales_tables = [
    derive("SalesFact", T["SalesFact"], same(T["SalesFact"])),
    derive("DimCustomer", T["DimCustomer"], same(T["DimCustomer"])),
    derive("DimProduct", T["DimProduct"], same(T["DimProduct"])),
    derive("DimSalesRep", T["DimSalesRep"], same(T["DimSalesRep"])),
    derive("Calendar", T["Calendar"], [("OrderDate", "Date")] + same(
        T["Calendar"], ["Year", "Quarter", "Month", "YearMonth", "Week", "IsWorkingDay"])),
]
ms_net, o_ms_net = master_measure(A, "net-sales", "Net Sales", "Net Sales", "Sum(NetSales)",
                                  "Order-line sales net of discounts, SEK.", ["Sales", "KPI"],
                                  NUM_MONEY, m_ana)
ms_margin, o_ms_margin = master_measure(A, "gross-margin", "Gross Margin", "Gross Margin",
                                        "Sum(Margin)", "Net sales less cost of goods, SEK.",
                                        ["Sales"], NUM_MONEY, m_ana)
ms_pct, o_ms_pct = master_measure(A, "margin-pct", "Margin %", "Margin %",
                                  "Sum(Margin) / Sum(NetSales)", "Gross margin over net sales.",
                                  ["Sales", "KPI"], NUM_PCT, m_ana)
ms_orders, o_ms_orders = master_measure(A, "orders", "Orders", "Orders",
                                        "Count(DISTINCT OrderID)", "Distinct orders.", ["Sales"],
                                        NUM_INT, m_ana)
ms_aov, o_ms_aov = master_measure(A, "avg-order-value", "Avg Order Value", "Avg Order Value",
                                  "Sum(NetSales) / Count(DISTINCT OrderID)",
                                  "Net sales per order.", ["Sales"], NUM_MONEY, m_ana)
md_region, o_md_region = master_dimension(A, "region", "Region", ["Region"], ["Region"],
                                          "Customer sales region.", ["Geography"], m_ana)
md_product, o_md_product = master_dimension(A, "product-drill", "Product", ["Category", "ProductName"],
                                            ["Category", "Product"],
                                            "Drill-down from category to product.", ["Product"],
                                            m_ana, grouping="H")
md_rep, o_md_rep = master_dimension(A, "sales-rep", "Sales Rep", ["SalesRepName"], ["Sales Rep"],
                                    "The account manager on the order.", ["Sales"], m_ana)
md_month, o_md_month = master_dimension(A, "year-month", "Year-Month", ["YearMonth"],
                                        ["Month"], "Order month.", ["Time"], m_ana)
mv_region, o_mv_region = master_viz(
    A, "net-sales-by-region", "Net Sales by Region", "Bar chart used on several sheets.",
    chart(A, "mv-region-inner", "barchart", "Net Sales by Region", [("lib", md_region)],
          [("lib", ms_net)]), m_ana)
overview = sheet(A, "overview", "Overview", "Headline sales KPIs and trend", 0, [
    (chart(A, "kpi-net", "kpi", "Net Sales", [], [("lib", ms_net)]), 0, 0, 6, 3),
    (chart(A, "kpi-margin", "kpi", "Margin %", [],
           [("Sum(Margin) / Sum(NetSales)", "Margin %", NUM_PCT,
             [attr("If(Sum(Margin) / Sum(NetSales) >= $(vTargetMargin), RGB(46,125,50), RGB(198,40,40))",
                   "colorByExpression")])],
           subtitle="Target $(vTargetMargin)"), 6, 0, 6, 3),
    (chart(A, "kpi-orders", "kpi", "Orders", [], [("lib", ms_orders)]), 12, 0, 6, 3),
    (filterpane(A, "filters", [("Year", "Year"), ("Quarter", "Quarter"),
                               (("lib", md_region), "Region"), ("Channel", "Channel")]),
     18, 0, 6, 12),
    (linked(A, "region-bar", mv_region, "barchart"), 0, 3, 9, 9),
    (chart(A, "trend", "linechart", "Net sales and margin by month", [("lib", md_month)],
           [("lib", ms_net), ("lib", ms_margin)]), 9, 3, 9, 9),
], m_ana)
products = sheet(A, "products", "Products", "Category and product performance", 1, [
    (chart(A, "category-bar", "barchart", "Net sales by product", [("lib", md_product)],
           [("lib", ms_net)]), 0, 0, 12, 6),
    (chart(A, "channel-pivot", "pivot-table", "Category by channel", ["Category", "Channel"],
           [("lib", ms_net), ("Sum(Quantity)", "Units", NUM_INT)]), 12, 0, 12, 6),
    (chart(A, "product-table", "table", "Product detail", ["ProductName", "Category", "Brand"],
           [("lib", ms_net), ("Sum(Quantity)", "Units", NUM_INT),
            ("Sum(Margin) / Sum(NetSales)", "Margin %", NUM_PCT,
             [attr("If(Sum(Margin) / Sum(NetSales) < $(vTargetMargin), '#fde0dc')",
                   "cellBackgroundColor")])]), 0, 6, 20, 6),
    (filterpane(A, "product-filters", [("Category", "Category"), ("Brand", "Brand")]),
     20, 6, 4, 6),
], m_ana)
ben_private = meta(BEN, "2026-02-20T11:05:00", "2026-02-24T15:40:00", published=False,
                   approved=False)
customers = sheet(A, "my-customers", "My customers", "Ben's working sheet", 2, [
    (chart(A, "customer-table", "table", "Customers",
           ["CustomerName", "Country", "Segment"],
           [("lib", ms_net), ("lib", ms_orders)]), 0, 0, 16, 12),
    (chart(A, "segment-aov", "barchart", "Average order value by segment", ["Segment"],
           [("lib", ms_aov)]), 16, 0, 8, 6),
    (chart(A, "rep-bar", "barchart", "Net sales by sales rep", [("lib", md_rep)],
           [("lib", ms_net)]), 16, 6, 8, 6),
], ben_private)
v_script = meta(ANA, "2026-03-02T03:00:30")
sales_objects = [
    ("sheet-overview", overview), ("sheet-products", products), ("sheet-my-customers", customers),
    ("measure-net-sales", o_ms_net), ("measure-gross-margin", o_ms_margin),
    ("measure-margin-pct", o_ms_pct), ("measure-orders", o_ms_orders),
    ("measure-avg-order-value", o_ms_aov), ("dimension-region", o_md_region),
    ("dimension-product", o_md_product), ("dimension-sales-rep", o_md_rep),
    ("dimension-year-month", o_md_month), ("masterobject-net-sales-by-region", o_mv_region),
    ("variable-vTargetMargin", variable(A, "vTargetMargin", "0.38",
                                        "Target gross margin (set in the script)", v_script, True)),
    ("variable-vCurrentYear", variable(A, "vCurrentYear", "2026", "Set in the script", v_script, True)),
    ("variable-vNetSalesExpr", variable(A, "vNetSalesExpr", "Sum(NetSales)", "", v_script, True)),
    ("variable-vSalesTarget2026", variable(A, "vSalesTarget2026", "=12500000",
                                           "Annual net sales target agreed in the 2026 plan",
                                           m_ana, False)),
    ("bookmark-nordics-2026", bookmark(A, "nordics-2026", "Nordics 2026", "Nordic customers, 2026 orders",
                                       overview["qProperty"]["qInfo"]["qId"], ["Region", "Year"],
                                       meta(ANA, "2026-02-18T16:25:00"))),
]
sales_app = app(A, "Sales Dashboard", ANA, "Sales",
                "Net sales, margin and orders by region, product and customer.",
                ["Dashboard", "Sales"], "2026-01-27T09:00:00", "2026-03-02T03:00:02",
                "2026-03-02T03:00:29", published_at="2026-01-28T08:00:00",
                lineage=[qt("SalesFact"), qt("DimCustomer"), qt("DimProduct"), qt("DimSalesRep"),
                         qt("Calendar")],
                tables=sales_tables, objects=sales_objects,
                comments={"SalesFact": "One row per order line, SEK, net of discounts"})

# Sales Territory Review (section access)
A = "sales-territory-review"
m = meta(ANA, "2026-02-02T10:00:00", "2026-02-12T09:30:00")
terr_tables = [
    derive("SalesFact", T["SalesFact"], same(T["SalesFact"], [
        "OrderLineID", "OrderDate", "CustomerID", "ProductID", "Channel", "NetSales", "Margin"])),
    derive("Customers", T["DimCustomer"], same(T["DimCustomer"], [
        "CustomerID", "CustomerName", "Country", "Region"]) + [("REDUCTION", lambda r: r["Region"].upper())]),
    derive("Products", T["DimProduct"], same(T["DimProduct"], ["ProductID", "ProductName", "Category"])),
]
tm_net, o_tm_net = master_measure(A, "territory-net", "Territory Net Sales", "Net Sales",
                                  "Sum(NetSales)", "Net sales in the territories you may see.",
                                  ["Sales"], NUM_MONEY, m)
tm_margin, o_tm_margin = master_measure(A, "territory-margin", "Territory Margin", "Margin",
                                        "Sum(Margin)", "", ["Sales"], NUM_MONEY, m)
t1 = sheet(A, "territory", "Territory overview", "", 0, [
    (chart(A, "kpi-net", "kpi", "Net Sales", [], [("lib", tm_net)]), 0, 0, 8, 3),
    (chart(A, "kpi-margin", "kpi", "Margin", [], [("lib", tm_margin)]), 8, 0, 8, 3),
    (filterpane(A, "filters", [("Region", "Region"), ("Country", "Country"), ("Channel", "Channel")]),
     16, 0, 8, 12),
    (chart(A, "country-bar", "barchart", "Net sales by country", ["Country"], [("lib", tm_net)]),
     0, 3, 16, 4),
    (chart(A, "customer-table", "table", "Customers", ["CustomerName", "Country"],
           [("lib", tm_net), ("lib", tm_margin)]), 0, 7, 16, 5),
], m)
t2 = sheet(A, "margin-trend", "Margin trend", "", 1, [
    (chart(A, "margin-line", "linechart", "Margin by month",
           [("expr", "=Date(MonthStart(OrderDate), 'YYYY-MM')", "Month")],
           [("lib", tm_margin), ("Sum(Margin) / Sum(NetSales)", "Margin %", NUM_PCT)]), 0, 0, 24, 7),
    (chart(A, "category-bar", "barchart", "Margin by category", ["Category"], [("lib", tm_margin)]),
     0, 7, 12, 5),
    (chart(A, "channel-bar", "barchart", "Net sales by channel", ["Channel"], [("lib", tm_net)]),
     12, 7, 12, 5),
], m)
app(A, "Sales Territory Review", ANA, "Sales",
    "Regional sales managers' view; rows reduced by section access on REDUCTION.",
    ["Dashboard", "Sales", "Section access"], "2026-02-02T10:00:00", "2026-03-02T03:01:00",
    "2026-03-02T03:01:14", published_at="2026-02-03T08:00:00", section_access=True,
    lineage=[L("INLINE"), qt("SalesFact"), qt("DimCustomer"), qt("DimProduct")],
    tables=terr_tables,
    objects=[("sheet-territory", t1), ("sheet-margin-trend", t2),
             ("measure-territory-net-sales", o_tm_net), ("measure-territory-margin", o_tm_margin)])

# Finance P&L
A = "finance-pnl"
m = meta(CARLA, "2026-01-29T13:00:00", "2026-02-25T10:10:00")
fin_tables = [
    derive("FinanceFact", T["FinanceFact"], same(T["FinanceFact"]),
           where=lambda r: r["PeriodDate"] >= "2025-01-01"),
    derive("DimAccount", T["DimAccount"], same(T["DimAccount"])),
    derive("Calendar", T["Calendar"], [("PeriodDate", "Date")] + same(
        T["Calendar"], ["Year", "Quarter", "Month", "YearMonth", "FiscalPeriod"]),
        where=lambda r: r["Date"].endswith("-01")),
]
f_act, o_f_act = master_measure(A, "actual", "Actual", "Actual",
                                "Sum({<Scenario={'$(vActual)'}>} AmountSEK * PnLSign)",
                                "Booked amounts, SEK, sign as on the P&L.", ["Finance"], NUM_MONEY, m)
f_bud, o_f_bud = master_measure(A, "budget", "Budget", "Budget",
                                "Sum({<Scenario={'$(vBudget)'}>} AmountSEK * PnLSign)",
                                "Budget 2026, SEK.", ["Finance"], NUM_MONEY, m)
f_var, o_f_var = master_measure(A, "variance", "Variance", "Variance",
                                "Sum({<Scenario={'$(vActual)'}>} AmountSEK * PnLSign) - Sum({<Scenario={'$(vBudget)'}>} AmountSEK * PnLSign)",
                                "Actual less budget.", ["Finance"], NUM_MONEY, m)
f_varp, o_f_varp = master_measure(A, "variance-pct", "Variance %", "Variance %",
                                  "(Sum({<Scenario={'$(vActual)'}>} AmountSEK * PnLSign) - Sum({<Scenario={'$(vBudget)'}>} AmountSEK * PnLSign)) / Fabs(Sum({<Scenario={'$(vBudget)'}>} AmountSEK * PnLSign))",
                                  "Variance over budget.", ["Finance", "KPI"], NUM_PCT, m)
fd_line, o_fd_line = master_dimension(A, "pnl-line", "P&L Line", ["PnLLine"], ["P&L line"], "",
                                      ["Finance"], m)
fd_cc, o_fd_cc = master_dimension(A, "cost-center", "Cost Center", ["CostCenterName"],
                                  ["Cost centre"], "", ["Finance"], m)
fd_acc, o_fd_acc = master_dimension(A, "account", "Account", ["AccountGroup", "AccountName"],
                                    ["Account group", "Account"], "Drill-down to the account.",
                                    ["Finance"], m, grouping="H")
p1 = sheet(A, "pnl", "P&L overview", "Actual against budget", 0, [
    (chart(A, "kpi-actual", "kpi", "Actual", [], [("lib", f_act)]), 0, 0, 6, 3),
    (chart(A, "kpi-budget", "kpi", "Budget", [], [("lib", f_bud)]), 6, 0, 6, 3),
    (chart(A, "kpi-varp", "kpi", "Variance %", [],
           [("lib", f_varp)]), 12, 0, 6, 3),
    (filterpane(A, "filters", [("Year", "Year"), ("Quarter", "Quarter"),
                               (("lib", fd_cc), "Cost centre")]), 18, 0, 6, 12),
    (chart(A, "pnl-pivot", "pivot-table", "P&L", [("lib", fd_line), ("lib", fd_acc)],
           [("lib", f_act), ("lib", f_bud), ("lib", f_var),
            ("lib", f_varp)]), 0, 3, 18, 9),
], m)
p2 = sheet(A, "cost-centres", "Cost centres", "Spend per cost centre", 1, [
    (chart(A, "cc-bar", "barchart", "Actual and budget by cost centre", [("lib", fd_cc)],
           [("lib", f_act), ("lib", f_bud)]), 0, 0, 12, 6),
    (chart(A, "month-line", "linechart", "Actual and budget by month", ["YearMonth"],
           [("lib", f_act), ("lib", f_bud)]), 12, 0, 12, 6),
    (chart(A, "cc-table", "table", "Cost centre detail", ["CostCenterName", "PnLLine"],
           [("lib", f_act), ("lib", f_bud),
            ("Sum({<Scenario={'$(vActual)'}>} AmountSEK * PnLSign) / Sum({<Scenario={'$(vBudget)'}>} AmountSEK * PnLSign) - 1",
             "Variance %", NUM_PCT,
             [attr("If(Fabs(Sum({<Scenario={'$(vActual)'}>} AmountSEK) / Sum({<Scenario={'$(vBudget)'}>} AmountSEK) - 1) > $(vVarianceThreshold), RGB(255,224,178))",
                   "cellBackgroundColor")])]), 0, 6, 24, 6),
], m)
vs = meta(CARLA, "2026-03-02T03:02:20")
app(A, "Finance P&L", CARLA, "Finance", "Monthly P&L: actual against budget, SEK.",
    ["Dashboard", "Finance"], "2026-01-29T13:00:00", "2026-03-02T03:02:00",
    "2026-03-02T03:02:18", published_at="2026-01-30T08:00:00",
    lineage=[qt("FinanceFact"), qt("DimAccount"), qt("Calendar")],
    tables=fin_tables,
    objects=[("sheet-pnl", p1), ("sheet-cost-centres", p2),
             ("measure-actual", o_f_act), ("measure-budget", o_f_bud),
             ("measure-variance", o_f_var), ("measure-variance-pct", o_f_varp),
             ("dimension-pnl-line", o_fd_line), ("dimension-cost-center", o_fd_cc),
             ("dimension-account", o_fd_acc),
             ("variable-vActual", variable(A, "vActual", "Actual", "", vs, True)),
             ("variable-vBudget", variable(A, "vBudget", "Budget", "", vs, True)),
             ("variable-vVarianceThreshold", variable(A, "vVarianceThreshold", "0.05",
                                                      "Highlight variances above this", vs, True))])

# Inventory & Fulfilment
A = "inventory-fulfilment"
m = meta(ERIK, "2026-02-04T08:00:00", "2026-02-19T12:45:00")
inv_tables = [
    derive("InventorySnapshot", T["InventorySnapshot"], same(T["InventorySnapshot"])),
    derive("ShipmentFact", T["ShipmentFact"], same(T["ShipmentFact"])),
    derive("DimProduct", T["DimProduct"], same(T["DimProduct"], ["ProductID", "ProductName", "Category", "Brand"])),
]
i_val, o_i_val = master_measure(A, "stock-value", "Stock Value", "Stock value",
                                "Sum({<SnapshotDate={\"$(=Date(Max(SnapshotDate)))\"}>} StockValue)",
                                "Stock at cost on the latest snapshot.", ["Inventory"], NUM_MONEY, m)
i_avail, o_i_avail = master_measure(A, "available-qty", "Available Qty", "Available",
                                    "Sum({<SnapshotDate={\"$(=Date(Max(SnapshotDate)))\"}>} AvailableQty)",
                                    "On hand less reserved.", ["Inventory"], NUM_INT, m)
i_ontime, o_i_ontime = master_measure(A, "on-time-pct", "On-time %", "On-time %", "Avg(OnTimeFlag)",
                                      "Share of shipments within the SLA.", ["Fulfilment", "KPI"],
                                      NUM_PCT, m)
i_days, o_i_days = master_measure(A, "avg-days", "Avg Days to Ship", "Days to ship",
                                  "Avg(DaysToShip)", "", ["Fulfilment"], NUM_DEC, m)
s1 = sheet(A, "stock", "Stock", "Stock on hand per warehouse", 0, [
    (chart(A, "kpi-value", "kpi", "Stock value", [], [("lib", i_val)]), 0, 0, 6, 3),
    (chart(A, "kpi-avail", "kpi", "Available units", [], [("lib", i_avail)]), 6, 0, 6, 3),
    (filterpane(A, "filters", [("WarehouseName", "Warehouse"), ("Category", "Category"),
                               ("SnapshotDate", "Snapshot")]), 18, 0, 6, 12),
    (chart(A, "wh-bar", "barchart", "Stock value by warehouse", ["WarehouseName"], [("lib", i_val)]),
     12, 0, 6, 6),
    (chart(A, "stock-table", "table", "Stock by product", ["ProductName", "Category", "WarehouseName"],
           [("Sum(OnHandQty)", "On hand", NUM_INT),
            ("Sum(AvailableQty)", "Available", NUM_INT,
             [attr("If(Sum(AvailableQty) < $(vLowStockThreshold), RGB(255,205,210))",
                   "cellBackgroundColor")])]), 0, 3, 12, 9),
    (chart(A, "brand-bar", "barchart", "Units on hand by brand", ["Brand"],
           [("Sum(OnHandQty)", "On hand", NUM_INT)]), 12, 6, 6, 6),
], m)
s2 = sheet(A, "fulfilment", "Fulfilment", "Shipment lead times", 1, [
    (chart(A, "kpi-ontime", "kpi", "On-time %", [], [("lib", i_ontime)],
           footnote="SLA $(vSlaDays) days"), 0, 0, 6, 3),
    (chart(A, "kpi-days", "kpi", "Average days to ship", [], [("lib", i_days)]), 6, 0, 6, 3),
    (filterpane(A, "filters", [("Carrier", "Carrier"), ("WarehouseID", "Warehouse ID")]),
     18, 0, 6, 12),
    (chart(A, "carrier-bar", "barchart", "On-time % by carrier", ["Carrier"], [("lib", i_ontime)]),
     0, 3, 9, 9),
    (chart(A, "ship-line", "linechart", "Units shipped by day", ["ShipDate"],
           [("Sum(ShippedQty)", "Units shipped", NUM_INT)]), 9, 3, 9, 9),
], m)
app(A, "Inventory & Fulfilment", ERIK, "Operations",
    "Stock on hand and shipment lead times for the operations team.",
    ["Dashboard", "Operations"], "2026-02-04T08:00:00", "2026-03-02T03:03:00",
    "2026-03-02T03:03:09", published_at="2026-02-05T08:00:00",
    lineage=[qt("InventorySnapshot"), qt("ShipmentFact"), qt("DimProduct")],
    tables=inv_tables,
    objects=[("sheet-stock", s1), ("sheet-fulfilment", s2), ("measure-stock-value", o_i_val),
             ("measure-available-qty", o_i_avail), ("measure-on-time-pct", o_i_ontime),
             ("measure-avg-days-to-ship", o_i_days),
             ("variable-vLowStockThreshold", variable(A, "vLowStockThreshold", "20", "",
                                                      meta(ERIK, "2026-03-02T03:03:10"), True)),
             ("variable-vSlaDays", variable(A, "vSlaDays", "3", "",
                                            meta(ERIK, "2026-03-02T03:03:10"), True))])

# Ben's sandbox (unpublished)
A = "ben-sales-sandbox"
m = meta(BEN, "2026-02-09T14:00:00", "2026-02-27T16:30:00", published=False, approved=False)
ben_tables = [
    derive("Sales", T["SalesFact"], same(T["SalesFact"], [
        "OrderID", "OrderDate", "ProductID", "Channel", "Quantity", "NetSales"]),
        where=lambda r: r["OrderDate"] >= "2026-01-01"),
    derive("Products", T["DimProduct"], same(T["DimProduct"], ["ProductID", "ProductName", "Category"])),
    inline("ChannelTargets", ["Channel", "Q1Target"],
           [("Retail", 1200000), ("Online", 950000), ("Wholesale", 600000)], ["text", "int"]),
]
b1 = sheet(A, "q1-channels", "Q1 channels", "", 0, [
    (chart(A, "kpi", "kpi", "Q1 against target", [],
           [("Sum(NetSales) / Sum(Q1Target)", "Share of target", NUM_PCT)]), 0, 0, 8, 4),
    (chart(A, "channel-bar", "barchart", "Net sales and target by channel", ["Channel"],
           [("Sum(NetSales)", "Net sales", NUM_MONEY), ("Sum(Q1Target)", "Target", NUM_MONEY)]),
     8, 0, 16, 6),
    (chart(A, "product-table", "table", "Top products", ["ProductName", "Category"],
           [("Sum(NetSales)", "Net sales", NUM_MONEY), ("Sum(Quantity)", "Units", NUM_INT)]),
     0, 6, 24, 6),
], m)
app(A, "Ben - Q1 channel sandbox", BEN, None, "Scratch app for the Q1 channel review.",
    ["Sandbox"], "2026-02-09T14:00:00", "2026-02-27T16:28:40", "2026-02-27T16:28:52",
    task=False, lineage=[qt("SalesFact"), qt("DimProduct"), L("INLINE")],
    tables=ben_tables, objects=[("sheet-q1-channels", b1)])

# Carla's what-if (unpublished)
A = "carla-budget-whatif"
m = meta(CARLA, "2026-02-16T09:20:00", "2026-02-26T17:05:00", published=False, approved=False)
carla_tables = [
    derive("Budget", T["FinanceFact"], [("PeriodDate", "PeriodDate"), ("AccountCode", "AccountCode"),
                                        ("CostCenterName", "CostCenterName"), ("BudgetSEK", "AmountSEK")],
           where=lambda r: r["Scenario"] == "Budget"),
    inline("Scenarios", ["ScenarioName", "UpliftPct"],
           [("Base", 0), ("Optimistic", 0.05), ("Cautious", -0.04)], ["text", "float"]),
    derive("Accounts", T["DimAccount"], same(T["DimAccount"], ["AccountCode", "AccountName", "PnLLine"])),
]
c1 = sheet(A, "what-if", "What-if", "Budget with an uplift", 0, [
    (chart(A, "kpi", "kpi", "Budget with uplift", [],
           [("Sum(BudgetSEK) * (1 + $(vUplift))", "Budget + uplift", NUM_MONEY)]), 0, 0, 8, 4),
    (chart(A, "scenario-table", "table", "Scenarios", ["ScenarioName"],
           [("Sum(BudgetSEK) * (1 + Only(UpliftPct))", "Budget", NUM_MONEY)]), 8, 0, 16, 4),
    (chart(A, "cc-bar", "barchart", "Budget by cost centre", ["CostCenterName"],
           [("Sum(BudgetSEK)", "Budget", NUM_MONEY)]), 0, 4, 12, 8),
    (chart(A, "line-table", "table", "Budget by P&L line", ["PnLLine", "AccountName"],
           [("Sum(BudgetSEK)", "Budget", NUM_MONEY)]), 12, 4, 12, 8),
], m)
app(A, "Carla - budget what-if", CARLA, None, "Trying uplift scenarios on the 2026 budget.",
    ["Sandbox", "Finance"], "2026-02-16T09:20:00", "2026-02-26T17:01:10", "2026-02-26T17:01:16",
    task=False, lineage=[qt("FinanceFact"), L("INLINE"), qt("DimAccount")],
    tables=carla_tables,
    objects=[("sheet-what-if", c1),
             ("variable-vUplift", variable(A, "vUplift", "0.03", "", meta(CARLA, "2026-02-26T17:01:16"), True))])


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

def qvd_spec():
    out = []
    for target, table_name, creator, created, lineage in QVDS:
        t = T[table_name]
        fields = []
        for c in t.cols:
            symbols, index = c.distinct()
            if c.kind == "date":
                symbols = [[serial(s), s] for s in symbols]
            elif c.kind == "dual":
                symbols = [list(s) for s in symbols]
            fields.append({"name": c.name, "kind": c.kind, "number_format": QVD_TYPE[c.kind],
                           "tags": col_tags(c), "symbols": symbols,
                           "rows": [index[v] for v in c.values]})
        out.append({"file": target[len("lib://QVD/"):], "table": table_name, "creator_doc": creator,
                    "create_utc_time": created, "rows": t.rows,
                    "lineage": [[x["qDiscriminator"], x["qStatement"]] for x in lineage],
                    "fields": fields})
    return out


def main():
    write_json("site.json", site_json())
    for folder, info, lineage, mdl, objects in APPS:
        objdir = os.path.join(SITE, "apps", folder, "objects")
        if os.path.isdir(objdir):
            shutil.rmtree(objdir)
        os.makedirs(objdir)
        write_json(f"apps/{folder}/app.json", info)
        write_json(f"apps/{folder}/lineage.json", lineage)
        write_json(f"apps/{folder}/model.json", mdl)
        for name, obj in objects:
            write_json(f"apps/{folder}/objects/{name}.json", obj)
    spec = qvd_spec()
    with open(os.path.join(SITE, "gen", "qvd-spec.json"), "w", encoding="utf-8", newline="\n") as f:
        # One QVD per line keeps the file diffable without blowing it up.
        f.write("[\n")
        f.write(",\n".join(json.dumps(q, ensure_ascii=False) for q in spec))
        f.write("\n]\n")


if __name__ == "__main__":
    main()
