-- Schema version 3: where this machine sees the files the site's scripts read (a crawl
-- configuration's [paths]), so a lineage rebuilt from the catalog later reads them too.

CREATE TABLE local_paths (
    site_id     INTEGER PRIMARY KEY REFERENCES site(id),
    -- {"mounts": {"<server folder>": "<local folder>"}, "qvs_scripts": [...], "qvd": [...]}
    paths       TEXT NOT NULL,
    updated     TEXT NOT NULL
);
