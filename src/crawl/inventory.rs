//! The app inventory, kept small: one compact [`AppItem`] per app from the condensed list
//! (`GET /qrs/app`), read entity by entity, and the rest of an app's QRS facts (the full
//! entity, its reload task, its object rows) fetched only when the app is crawled. Real QRS
//! has no paging on `GET` lists and its paging endpoint (`POST /qrs/<type>/table`) answers in
//! a column/row shape that is not documented, so the crawl asks for the smallest list every
//! release serves and narrows everything else with `filter=app.id eq <guid>`, which every
//! release since 3.x supports. Memory then holds ~200 bytes per app instead of every full app
//! and task entity for the whole crawl.

use super::config::Config;
use super::error::CrawlError;
use super::site_client::SiteClient;
use crate::qlik::qrs;

/// What the crawl keeps per app until the app's turn comes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppItem {
    pub id: String,
    pub name: String,
    /// The stream's name when the app is published to one.
    pub stream: Option<String>,
    pub published: bool,
}

impl AppItem {
    fn from_condensed(app: qrs::AppCondensed) -> AppItem {
        AppItem {
            id: app.id,
            name: app.name,
            stream: app.stream.map(|s| s.name).filter(|s| !s.is_empty()),
            published: app.published,
        }
    }
}

/// Every app the crawl identity sees, as work items sorted by id. Unpublished apps are listed
/// too, even when excluded, so the summary can say what was skipped and why.
pub async fn app_items(site: &SiteClient) -> Result<Vec<AppItem>, CrawlError> {
    let mut items = Vec::new();
    site.get_each("app", &[], |app: qrs::AppCondensed| {
        items.push(AppItem::from_condensed(app));
    })
    .await?;
    items.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(items)
}

/// An app's QRS facts, read when its turn comes.
pub struct AppFacts {
    pub app: qrs::App,
    pub task: Option<qrs::ReloadTask>,
    pub rows: Vec<qrs::AppObject>,
}

/// The full app entity, its reload task and its object rows, three requests at once.
pub async fn app_facts(site: &SiteClient, id: &str) -> Result<AppFacts, CrawlError> {
    let filter = format!("app.id eq {id}");
    let by_app = [("filter", filter.as_str())];
    let one = format!("app/{id}");
    let (app, tasks, rows) = tokio::join!(
        site.get::<qrs::App>(&one, &[]),
        list::<qrs::ReloadTask>(site, "reloadtask/full", &by_app),
        list::<qrs::AppObject>(site, "app/object/full", &by_app),
    );
    let task = tasks.unwrap_or_default().into_iter().find(|t| {
        t.app
            .as_ref()
            .is_some_and(|a| a.id.eq_ignore_ascii_case(id))
    });
    Ok(AppFacts {
        app: app?,
        task,
        rows: rows?,
    })
}

async fn list<T: serde::de::DeserializeOwned>(
    site: &SiteClient,
    path: &str,
    query: &[(&str, &str)],
) -> Result<Vec<T>, CrawlError> {
    let mut out = Vec::new();
    site.get_each(path, query, |t| out.push(t)).await?;
    Ok(out)
}

/// Why an app is left out, or `None` to crawl it.
pub fn skip_reason(config: &Config, app: &AppItem) -> Option<String> {
    let c = &config.crawl;
    if c.exclude_unpublished_apps && !app.published {
        return Some("unpublished".into());
    }
    let stream = app.stream.as_deref().unwrap_or("");
    if !c.include_streams.is_empty() && !c.include_streams.iter().any(|p| glob(p, stream)) {
        return Some(format!("stream `{stream}` not included"));
    }
    if let Some(p) = c.exclude_streams.iter().find(|p| glob(p, stream)) {
        return Some(format!("stream `{stream}` excluded by `{p}`"));
    }
    if !c.include_apps.is_empty() && !c.include_apps.iter().any(|p| glob(p, &app.name)) {
        return Some("name not included".into());
    }
    if let Some(p) = c.exclude_apps.iter().find(|p| glob(p, &app.name)) {
        return Some(format!("excluded by `{p}`"));
    }
    None
}

/// `*` and `?` patterns, case-insensitive, over the whole text.
pub fn glob(pattern: &str, text: &str) -> bool {
    crate::wildcard::matches(&pattern.to_lowercase(), &text.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*", "anything"));
        assert!(glob("sales*", "Sales Dashboard"));
        assert!(glob("*test*", "My TEST app"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "abbc"));
        assert!(!glob("sales", "Sales Dashboard"));
        assert!(glob("", ""));
        assert!(!glob("", "x"));
    }

    #[test]
    fn a_work_item_keeps_only_what_selection_needs() {
        let app: qrs::AppCondensed = serde_json::from_str(
            r#"{"id":"a","name":"A","published":true,"stream":{"id":"s","name":"Sales"},"privileges":null}"#,
        )
        .unwrap();
        let item = AppItem::from_condensed(app);
        assert_eq!(item.stream.as_deref(), Some("Sales"));
        let app: qrs::AppCondensed =
            serde_json::from_str(r#"{"id":"b","name":"B","published":false,"stream":""}"#).unwrap();
        assert_eq!(AppItem::from_condensed(app).stream, None);
    }
}
