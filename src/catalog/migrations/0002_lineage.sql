-- Schema version 2: the lineage graph built from the catalog, and manual lineage.

CREATE TABLE lineage_build (
    id        INTEGER PRIMARY KEY,
    built     TEXT NOT NULL,
    -- The last run whose apps it covers.
    run_id    INTEGER REFERENCES run(id),
    apps      INTEGER NOT NULL,
    -- The graph in qlineage's JSON export (docs/lineage.md): what lineage_graph() reads back.
    graph     TEXT NOT NULL,
    diagnostics TEXT NOT NULL DEFAULT '[]',
    -- Broken lineage found (JSON), each flagged new when the build before did not have it.
    broken    TEXT NOT NULL DEFAULT '[]'
);

-- The nodes and edges of the latest build, for SQL queries.
CREATE TABLE lineage_node (
    id    TEXT PRIMARY KEY,
    kind  TEXT NOT NULL,
    name  TEXT NOT NULL,
    attrs TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE lineage_edge (
    source    TEXT NOT NULL,
    target    TEXT NOT NULL,
    kind      TEXT NOT NULL,
    certainty TEXT NOT NULL,
    transform TEXT,
    -- Where the statement behind it is: file, line, column.
    span_file TEXT,
    span_line INTEGER,
    span_column INTEGER,
    PRIMARY KEY (source, target, kind)
);

CREATE TABLE unresolved (
    app     TEXT NOT NULL,
    file    TEXT NOT NULL,
    line    INTEGER NOT NULL,
    column  INTEGER NOT NULL,
    text    TEXT NOT NULL,
    reason  TEXT NOT NULL,
    runtime INTEGER NOT NULL
);

-- Edges (and the external nodes they name) added by hand; they survive every crawl.
CREATE TABLE manual_edge (
    id        INTEGER PRIMARY KEY,
    source    TEXT NOT NULL,
    target    TEXT NOT NULL,
    kind      TEXT NOT NULL DEFAULT 'derives'
              CHECK (kind IN ('derives', 'reads', 'stores', 'uses', 'contains')),
    note      TEXT NOT NULL DEFAULT '',
    -- Field mappings as JSON [{"from": "...", "to": "..."}].
    fields    TEXT NOT NULL DEFAULT '[]',
    added_by  TEXT NOT NULL,
    added_at  TEXT NOT NULL,
    UNIQUE (source, target, kind)
);

CREATE TABLE manual_node (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'external',
    description TEXT NOT NULL DEFAULT '',
    added_by    TEXT NOT NULL,
    added_at    TEXT NOT NULL
);

-- The site directory's `files/` (include scripts, QVDs behind folder connections) as an
-- import found them: what the resolver reads through `lib://` when lineage is built.
CREATE TABLE site_file (
    site_id INTEGER NOT NULL REFERENCES site(id),
    -- Relative to `files/`, `/`-separated (`QVD/Extract/Orders.qvd`).
    path    TEXT NOT NULL,
    bytes   BLOB NOT NULL,
    PRIMARY KEY (site_id, path)
);

-- Each app's contribution to the last lineage build (facts, diagnostics, engine lineage) with
-- the digest of everything it was computed from; an app whose digest is unchanged is not
-- resolved again: the estate graph is recompiled from these.
CREATE TABLE lineage_app (
    app     INTEGER PRIMARY KEY REFERENCES app(rowid) ON DELETE CASCADE,
    inputs  TEXT NOT NULL,
    outcome TEXT NOT NULL
);
