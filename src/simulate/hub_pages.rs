//! Minimal hub and app pages at the paths Qlik Sense serves them (`/hub/…`,
//! `/sense/app/<id>/…`, behind any virtual-proxy prefix), so the browser extension's content
//! script has real URLs to run on. They are placeholders, not the Qlik client: a title and the
//! app's name, behind the proxy's login like the real pages.

use super::access::Identity;
use super::site::Site;

/// A page for a path after the virtual-proxy prefix: (status, HTML), or None when the path is
/// not a hub or app page.
pub fn page(site: &Site, who: &Identity, rest: &str) -> Option<(u16, String)> {
    if rest == "/hub" || rest.starts_with("/hub/") {
        return Some((200, html("Qlik Sense Hub", "Hub")));
    }
    let app_path = rest.strip_prefix("/sense/app/")?;
    let id = app_path.split('/').next().unwrap_or_default();
    match site.app(id).filter(|app| who.can_see_app(site, app)) {
        Some(app) => Some((200, html(&app.meta.name, "App"))),
        None => Some((404, html("App not found", "Error"))),
    }
}

fn html(title: &str, kind: &str) -> String {
    let title = escape(title);
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title} - Qlik Sense</title></head>\
         <body><div id=\"qv-page-container\" data-page=\"{kind}\"><h1>{title}</h1></div></body></html>"
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn names_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&"),
            "&lt;a href=&quot;x&quot;&gt;&amp;"
        );
    }
}
