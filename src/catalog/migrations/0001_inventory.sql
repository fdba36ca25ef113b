-- Schema version 1: the site inventory, stored per app, with history (nothing is deleted: a
-- removed app or object gets `deleted_run`), crawl runs and per-app status, and changes.
-- Documented in docs/catalog.md; never edit a shipped migration, add the next one.

CREATE TABLE site (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    -- Where users open the site (the proxy URL), for deep links; NULL for an imported snapshot.
    base_url      TEXT,
    -- The name the server certificate carries when it differs from the URL's host.
    alias_host    TEXT,
    -- Virtual-proxy prefix ('' for the default proxy).
    virtual_proxy TEXT NOT NULL DEFAULT '',
    -- The site's site.json (users without passwords, streams, connections…), as last read.
    site_json     TEXT NOT NULL
);

CREATE TABLE run (
    id              INTEGER PRIMARY KEY,
    site_id         INTEGER REFERENCES site(id),
    kind            TEXT NOT NULL CHECK (kind IN ('full', 'delta', 'import')),
    started         TEXT NOT NULL,
    finished        TEXT,
    status          TEXT NOT NULL CHECK (status IN ('running', 'ok', 'partial', 'failed', 'interrupted')),
    -- A delta run read what changed after this time (the start of the last successful run).
    since           TEXT,
    apps_read       INTEGER NOT NULL DEFAULT 0,
    apps_unchanged  INTEGER NOT NULL DEFAULT 0,
    apps_failed     INTEGER NOT NULL DEFAULT 0,
    apps_deleted    INTEGER NOT NULL DEFAULT 0,
    engine_sessions INTEGER NOT NULL DEFAULT 0,
    pid             INTEGER,
    source          TEXT,
    error           TEXT
);

CREATE TABLE stream (
    site_id  INTEGER NOT NULL REFERENCES site(id),
    id       TEXT NOT NULL,
    name     TEXT NOT NULL,
    owner    TEXT NOT NULL,
    created  TEXT NOT NULL,
    modified TEXT NOT NULL,
    tags     TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (site_id, id)
);

CREATE TABLE data_connection (
    site_id           INTEGER NOT NULL REFERENCES site(id),
    id                TEXT NOT NULL,
    name              TEXT NOT NULL,
    type              TEXT NOT NULL,
    connection_string TEXT NOT NULL,
    username          TEXT NOT NULL DEFAULT '',
    owner             TEXT NOT NULL,
    created           TEXT NOT NULL,
    modified          TEXT NOT NULL,
    PRIMARY KEY (site_id, id)
);

CREATE TABLE app (
    rowid              INTEGER PRIMARY KEY,
    site_id            INTEGER NOT NULL REFERENCES site(id),
    id                 TEXT NOT NULL,
    name               TEXT NOT NULL,
    owner              TEXT NOT NULL,
    stream             TEXT,
    published          INTEGER NOT NULL,
    publish_time       TEXT,
    created            TEXT NOT NULL,
    modified           TEXT NOT NULL,
    last_reload        TEXT,
    description        TEXT NOT NULL DEFAULT '',
    -- The app's app.json (docs/site-format.md) exactly as read.
    app_json           TEXT NOT NULL,
    -- SHA-256 of the repository facts that are not reload results (name, owner, stream…).
    meta_hash          TEXT NOT NULL,
    first_run          INTEGER NOT NULL REFERENCES run(id),
    -- The run that last found it different, and the run that last read or confirmed it.
    changed_run        INTEGER NOT NULL REFERENCES run(id),
    seen_run           INTEGER NOT NULL REFERENCES run(id),
    deleted_run        INTEGER REFERENCES run(id),
    UNIQUE (site_id, id)
);

-- The app's engine-side files, as the snapshot holds them (what lineage is rebuilt from).
CREATE TABLE app_files (
    app         INTEGER PRIMARY KEY REFERENCES app(rowid) ON DELETE CASCADE,
    lineage     TEXT NOT NULL DEFAULT '[]',
    model       TEXT,
    connections TEXT NOT NULL DEFAULT '[]',
    fields      TEXT NOT NULL DEFAULT '[]',
    script_log  TEXT
);

CREATE TABLE script (
    app  INTEGER PRIMARY KEY REFERENCES app(rowid) ON DELETE CASCADE,
    name TEXT NOT NULL,
    text TEXT NOT NULL,
    hash TEXT NOT NULL
);

-- Every engine object: the persistent ones (parent_id NULL, with their object file) and the
-- objects embedded in them (a sheet's charts, a container's children).
CREATE TABLE object (
    app           INTEGER NOT NULL REFERENCES app(rowid) ON DELETE CASCADE,
    id            TEXT NOT NULL,
    -- qInfo.qType: sheet, masterobject, measure, dimension, variable, bookmark, story, or an
    -- embedded object's type (barchart, kpi, listbox…).
    type          TEXT NOT NULL,
    parent_id     TEXT,
    sheet_id      TEXT,
    -- Title (sheets, charts, master items), the variable's name.
    name          TEXT NOT NULL DEFAULT '',
    visualization TEXT,
    -- A measure's expression, a dimension's fields (newline-separated), a variable's definition.
    definition    TEXT,
    label         TEXT,
    description   TEXT NOT NULL DEFAULT '',
    owner         TEXT,
    published     INTEGER,
    approved      INTEGER,
    created       TEXT,
    modified      TEXT,
    script_created INTEGER NOT NULL DEFAULT 0,
    -- SHA-256 of the object's properties, children, owner and publication.
    hash          TEXT NOT NULL,
    -- The object file (docs/site-format.md) for persistent objects; NULL for embedded ones.
    file          TEXT,
    changed_run   INTEGER NOT NULL REFERENCES run(id),
    deleted_run   INTEGER REFERENCES run(id),
    PRIMARY KEY (app, id)
);
CREATE INDEX object_by_type ON object(type);

-- A sheet's grid: one row per cell (the object it shows), in grid units and/or bounds (%).
CREATE TABLE sheet_cell (
    app      INTEGER NOT NULL REFERENCES app(rowid) ON DELETE CASCADE,
    sheet_id TEXT NOT NULL,
    object_id TEXT NOT NULL,
    col      INTEGER,
    row      INTEGER,
    colspan  INTEGER,
    rowspan  INTEGER,
    x        REAL,
    y        REAL,
    width    REAL,
    height   REAL,
    PRIMARY KEY (app, sheet_id, object_id)
);

-- What a visual object or master visualization shows: its dimensions and measures in order.
CREATE TABLE object_expression (
    app        INTEGER NOT NULL REFERENCES app(rowid) ON DELETE CASCADE,
    object_id  TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('dimension', 'measure')),
    position   INTEGER NOT NULL,
    label      TEXT NOT NULL DEFAULT '',
    -- The expression (measure) or field definitions, newline-separated (dimension).
    definition TEXT NOT NULL DEFAULT '',
    -- The master item it uses, if any.
    library_id TEXT,
    PRIMARY KEY (app, object_id, role, position)
);

CREATE TABLE model_table (
    app     INTEGER NOT NULL REFERENCES app(rowid) ON DELETE CASCADE,
    name    TEXT NOT NULL,
    rows    INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (app, name)
);

CREATE TABLE model_field (
    app       INTEGER NOT NULL REFERENCES app(rowid) ON DELETE CASCADE,
    table_name TEXT NOT NULL,
    name      TEXT NOT NULL,
    distinct_values INTEGER NOT NULL DEFAULT 0,
    non_nulls INTEGER NOT NULL DEFAULT 0,
    tags      TEXT NOT NULL DEFAULT '[]',
    comment   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (app, table_name, name)
);

CREATE TABLE qvd_header (
    site_id    INTEGER NOT NULL REFERENCES site(id),
    path       TEXT NOT NULL,
    table_name TEXT NOT NULL DEFAULT '',
    rows       INTEGER,
    created_by TEXT,
    fields     TEXT NOT NULL DEFAULT '[]',
    lineage    TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (site_id, path)
);

-- Per-app outcome of each run: read, unchanged (not opened), failed (with the error), deleted.
CREATE TABLE crawl_status (
    run_id INTEGER NOT NULL REFERENCES run(id),
    app_id TEXT NOT NULL,
    name   TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('read', 'unchanged', 'failed', 'deleted')),
    error  TEXT,
    PRIMARY KEY (run_id, app_id)
);

-- What each run found different, item by item.
CREATE TABLE change (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL REFERENCES run(id),
    app_id    TEXT NOT NULL,
    app_name  TEXT NOT NULL,
    item      TEXT NOT NULL CHECK (item IN ('app', 'sheet', 'object', 'field', 'script')),
    item_id   TEXT NOT NULL,
    name      TEXT NOT NULL DEFAULT '',
    change    TEXT NOT NULL CHECK (change IN ('added', 'removed', 'modified', 'reloaded')),
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX change_by_run ON change(run_id);

CREATE VIEW sheet AS SELECT * FROM object WHERE type = 'sheet';
CREATE VIEW master_measure AS SELECT * FROM object WHERE type = 'measure';
CREATE VIEW master_dimension AS SELECT * FROM object WHERE type = 'dimension';
CREATE VIEW master_visualization AS SELECT * FROM object WHERE type = 'masterobject';
CREATE VIEW variable AS SELECT * FROM object WHERE type = 'variable';
CREATE VIEW bookmark AS SELECT * FROM object WHERE type = 'bookmark';
CREATE VIEW visual_object AS SELECT * FROM object WHERE sheet_id IS NOT NULL AND type <> 'sheet';
