//! The explorer's front end, compiled into the binary (`web/`), so `serve` and the
//! self-contained HTML file work offline: no CDN, no file lookup at run time.

/// A static file the server answers with.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static [u8],
}

pub const INDEX_HTML: &str = include_str!("../../web/index.html");
pub const APP_CSS: &str = include_str!("../../web/app.css");
pub const APP_JS: &str = include_str!("../../web/app.js");
/// The clustered layout of large neighbourhoods (used by `app.js`).
pub const LAYOUT_JS: &str = include_str!("../../web/layout.js");
/// Vendored from npm (versions and licences in `web/README.md`, `web/vendor/`).
pub const CYTOSCAPE_JS: &str = include_str!("../../web/vendor/cytoscape.min.js");
pub const CYTOSCAPE_DAGRE_JS: &str = include_str!("../../web/vendor/cytoscape-dagre.min.js");

/// The file at a URL path, if it is one of the explorer's.
pub fn get(path: &str) -> Option<Asset> {
    let (content_type, body): (&str, &str) = match path {
        "/" | "/index.html" => ("text/html; charset=utf-8", INDEX_HTML),
        "/app.css" => ("text/css; charset=utf-8", APP_CSS),
        "/app.js" => ("text/javascript; charset=utf-8", APP_JS),
        "/layout.js" => ("text/javascript; charset=utf-8", LAYOUT_JS),
        "/vendor/cytoscape.min.js" => ("text/javascript; charset=utf-8", CYTOSCAPE_JS),
        "/vendor/cytoscape-dagre.min.js" => ("text/javascript; charset=utf-8", CYTOSCAPE_DAGRE_JS),
        _ => return None,
    };
    Some(Asset {
        content_type,
        body: body.as_bytes(),
    })
}

/// The scripts in load order (the page's `<script src>` order).
pub const SCRIPTS: [&str; 4] = [CYTOSCAPE_JS, CYTOSCAPE_DAGRE_JS, LAYOUT_JS, APP_JS];
