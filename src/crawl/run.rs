//! The crawl: the inventory from QRS (users, streams, connections, apps, tasks, custom
//! properties), then every selected app through the engine, a bounded number at once, each
//! retried on transient failures and written as soon as it is complete. A failing app is
//! recorded with its error and the crawl goes on; only the apps in flight are in memory.

use super::config::Config;
use super::engine_client::{handle_of, member, Call, EngineClient};
use super::error::CrawlError;
use super::polite::retry;
use super::site_client::SiteClient;
use super::snapshot::{self, AppSnapshot};
use crate::qlik::engine::{
    list_defs, Connection, FieldListItem, NxInfo, PropertyTree, VariableListItem,
};
use crate::qlik::lineage::LineageEntry;
use crate::qlik::qrs;
use crate::qlik::site_format::SiteFile;
use crate::qlik::site_format::{
    AppConnectionDef, AppFile, FieldDef, FieldListDef, ModelFile, ObjectFile, ObjectMeta,
    ReloadDef, TableDef,
};
use crate::qlik::{date, lenient};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What happened to each app, and how long it took.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Summary {
    pub crawled: Vec<String>,
    /// `(app, why)`.
    pub skipped: Vec<(String, String)>,
    /// `(app, error)`.
    pub failed: Vec<(String, String)>,
    /// Apps a delta crawl did not open: neither they nor their objects changed since the
    /// last successful crawl.
    pub unchanged: Vec<String>,
    /// Engine sessions opened (apps read, retries included).
    pub engine_sessions: usize,
    pub cancelled: bool,
    pub seconds: f64,
    /// Every app id the site listed (selected or not): what a catalog marks deleted against.
    #[serde(skip)]
    pub listed: BTreeSet<String>,
}

/// Progress events for the caller to show (bars on a terminal, lines otherwise).
#[derive(Debug, Clone)]
pub enum Progress {
    Phase(&'static str),
    Apps { total: usize },
    AppDone { name: String, ok: bool },
}

/// Where a crawl puts each app the moment it is complete: a site directory
/// ([`FolderSink`]), the catalog, or both. An error storing an app fails that app only.
pub trait Sink: Send + Sync {
    fn app(&self, app: &AppSnapshot) -> Result<(), CrawlError>;
    /// An app that failed after its retries.
    fn failed(&self, _id: &str, _name: &str, _error: &str) {}
    /// The apps a delta crawl does not open, `(id, name)`, all at once (one transaction).
    fn unchanged(&self, _apps: &[(String, String)]) {}
    /// Owners the sink already holds (earlier crawls), so `site.json` names them all.
    fn owners(&self) -> Vec<String> {
        Vec::new()
    }
    /// The site, written after the apps.
    fn site(&self, site: &SiteFile) -> Result<(), CrawlError>;
}

/// A site directory (docs/site-format.md), apps written atomically.
pub struct FolderSink {
    pub out: std::path::PathBuf,
}

impl Sink for FolderSink {
    fn app(&self, app: &AppSnapshot) -> Result<(), CrawlError> {
        snapshot::write_app(&self.out, app)
    }
    fn owners(&self) -> Vec<String> {
        super::site_file::app_owners(&self.out)
    }
    fn site(&self, site: &SiteFile) -> Result<(), CrawlError> {
        snapshot::write_site(&self.out, site)
    }
}

/// Several sinks at once (`--db` with `--out`): an app is stored in each, in order.
pub struct Tee(pub Vec<Box<dyn Sink>>);

impl Sink for Tee {
    fn app(&self, app: &AppSnapshot) -> Result<(), CrawlError> {
        self.0.iter().try_for_each(|s| s.app(app))
    }
    fn failed(&self, id: &str, name: &str, error: &str) {
        self.0.iter().for_each(|s| s.failed(id, name, error));
    }
    fn unchanged(&self, apps: &[(String, String)]) {
        self.0.iter().for_each(|s| s.unchanged(apps));
    }
    fn owners(&self) -> Vec<String> {
        self.0.iter().flat_map(|s| s.owners()).collect()
    }
    fn site(&self, site: &SiteFile) -> Result<(), CrawlError> {
        self.0.iter().try_for_each(|s| s.site(site))
    }
}

/// A delta crawl: only apps modified or reloaded, or with objects modified, after `since`
/// (QRS `filter`), and apps not in `known`, are opened in the engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    /// Canonical UTC (`2026-03-01T08:00:00.000Z`).
    pub since: String,
    /// Apps the catalog holds complete.
    pub known: BTreeSet<String>,
}

/// Crawls the configured site into `out` (a site directory). `cancel` stops launching apps;
/// those finished are kept.
pub async fn crawl(
    config: &Config,
    out: &Path,
    cancel: Arc<AtomicBool>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary, CrawlError> {
    std::fs::create_dir_all(out.join("apps")).map_err(|e| CrawlError::Io {
        path: out.join("apps").display().to_string(),
        message: e.to_string(),
    })?;
    let sink: Arc<dyn Sink> = Arc::new(FolderSink {
        out: out.to_path_buf(),
    });
    crawl_into(config, sink, None, cancel, progress).await
}

/// Apps whose QRS record changed after `since` (modified or reloaded) or that hold an
/// object modified after it: two filtered QRS requests, whatever the site's size.
async fn changed_since(site: &SiteClient, since: &str) -> Result<BTreeSet<String>, CrawlError> {
    let apps_filter = format!("modifiedDate gt '{since}' or lastReloadTime gt '{since}'");
    let objects_filter = format!("modifiedDate gt '{since}'");
    let mut changed = BTreeSet::new();
    site.get_each(
        "app",
        &[("filter", apps_filter.as_str())],
        |a: qrs::AppCondensed| {
            changed.insert(a.id);
        },
    )
    .await?;
    site.get_each(
        "app/object/full",
        &[("filter", objects_filter.as_str())],
        |o: qrs::AppObject| {
            if let Some(app) = o.app {
                changed.insert(app.id);
            }
        },
    )
    .await?;
    Ok(changed)
}

/// Crawls the configured site into `sink`; with `delta`, opens only the apps that changed.
pub async fn crawl_into(
    config: &Config,
    sink: Arc<dyn Sink>,
    delta: Option<&Delta>,
    cancel: Arc<AtomicBool>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary, CrawlError> {
    let started = Instant::now();
    progress(Progress::Phase("login"));
    let retries = config.limits.retries;
    let base = Duration::from_millis(200);
    let site = Arc::new(retry(retries, base, || SiteClient::connect(config)).await?);
    progress(Progress::Phase("inventory"));
    let get_list = |path: &'static str| {
        let site = Arc::clone(&site);
        async move {
            retry(retries, base, || {
                let site = Arc::clone(&site);
                async move { site.get::<Vec<Value>>(path, &[]).await }
            })
            .await
        }
    };
    let users: Vec<qrs::User> = typed(get_list("user/full").await.unwrap_or_default());
    let streams: Vec<qrs::Stream> = if config.crawl.streams {
        typed(get_list("stream/full").await?)
    } else {
        Vec::new()
    };
    let connections: Vec<qrs::DataConnection> = typed(get_list("dataconnection/full").await?);
    let definitions: Vec<qrs::CustomPropertyDefinition> = typed(
        get_list("custompropertydefinition/full")
            .await
            .unwrap_or_default(),
    );
    let apps = super::inventory::app_items(&site).await?;
    let changed = match delta {
        Some(d) => Some(retry(retries, base, || changed_since(&site, &d.since)).await?),
        None => None,
    };

    let mut summary = Summary::default();
    let mut selected = Vec::new();
    let mut unchanged = Vec::new();
    for app in apps {
        summary.listed.insert(app.id.clone());
        match super::inventory::skip_reason(config, &app) {
            Some(why) => summary.skipped.push((app.name, why)),
            None => {
                let same = match (delta, &changed) {
                    (Some(d), Some(changed)) => {
                        d.known.contains(&app.id) && !changed.contains(&app.id)
                    }
                    _ => false,
                };
                if same {
                    unchanged.push((app.id, app.name));
                } else {
                    selected.push(app);
                }
            }
        }
    }
    selected.shrink_to_fit();
    if !unchanged.is_empty() {
        sink.unchanged(&unchanged);
        summary.unchanged = unchanged.into_iter().map(|(_, name)| name).collect();
    }
    progress(Progress::Phase("apps"));
    progress(Progress::Apps {
        total: selected.len(),
    });
    let config = Arc::new(config.clone());
    let semaphore = Arc::new(tokio::sync::Semaphore::new(config.limits.concurrency));
    let sessions = Arc::new(AtomicUsize::new(0));
    let mut set = tokio::task::JoinSet::new();
    let mut crawled_ids = Vec::new();
    for app in selected {
        let permit = tokio::select! {
            p = Arc::clone(&semaphore).acquire_owned() => p.map_err(|_| CrawlError::Cancelled)?,
            _ = wait_cancel(&cancel) => break,
        };
        if cancel.load(Ordering::SeqCst) {
            break;
        }
        let (site, config, sink) = (Arc::clone(&site), Arc::clone(&config), Arc::clone(&sink));
        let sessions = Arc::clone(&sessions);
        set.spawn(async move {
            let _permit = permit;
            let name = app.name.clone();
            let id = app.id.clone();
            let result = retry(config.limits.retries, Duration::from_millis(200), || {
                sessions.fetch_add(1, Ordering::SeqCst);
                crawl_app(&site, &config, &app.id)
            })
            .await
            .and_then(|snap| {
                sink.app(&snap)?;
                Ok(snap.meta.owner.clone())
            });
            if let Err(e) = &result {
                sink.failed(&id, &name, &e.to_string());
            }
            (id, name, result)
        });
        // Collect finished apps as we go so memory stays flat.
        while let Some(done) = set.try_join_next() {
            record(done, &mut summary, &mut crawled_ids, progress);
        }
    }
    while let Some(done) = set.join_next().await {
        record(done, &mut summary, &mut crawled_ids, progress);
    }
    summary.cancelled = cancel.load(Ordering::SeqCst);
    summary.engine_sessions = sessions.load(Ordering::SeqCst);

    progress(Progress::Phase("site"));
    let site_file = super::site_file::site_file(
        &config,
        &site,
        users,
        &streams,
        &connections,
        &definitions,
        sink.owners(),
    );
    sink.site(&site_file)?;
    summary.crawled.sort();
    summary.unchanged.sort();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

async fn wait_cancel(cancel: &AtomicBool) {
    while !cancel.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

type Done = Result<(String, String, Result<String, CrawlError>), tokio::task::JoinError>;

fn record(
    done: Done,
    summary: &mut Summary,
    ids: &mut Vec<String>,
    progress: &(dyn Fn(Progress) + Sync),
) {
    match done {
        Ok((id, name, Ok(_))) => {
            ids.push(id);
            progress(Progress::AppDone {
                name: name.clone(),
                ok: true,
            });
            summary.crawled.push(name);
        }
        Ok((_, name, Err(e))) => {
            progress(Progress::AppDone {
                name: name.clone(),
                ok: false,
            });
            summary.failed.push((name, e.to_string()));
        }
        Err(join) => summary
            .failed
            .push(("(worker)".into(), format!("crashed: {join}"))),
    }
}

fn typed<T: serde::de::DeserializeOwned>(values: Vec<Value>) -> Vec<T> {
    values
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect()
}

fn user_name(u: &Option<qrs::UserCondensed>) -> Option<String> {
    u.as_ref().and_then(qrs::UserCondensed::qualified)
}

/// A date worth keeping, in the canonical form; "never" and empty are `None`.
fn known_date(text: &str) -> Option<String> {
    (!text.is_empty() && !date::is_never(text)).then(|| date::normalize(text))
}

/// One app: its QRS facts (entity, task, object rows), then the engine.
async fn crawl_app(
    site: &SiteClient,
    config: &Config,
    app_id: &str,
) -> Result<AppSnapshot, CrawlError> {
    let super::inventory::AppFacts { app, task, rows } =
        super::inventory::app_facts(site, app_id).await?;
    let task = task.as_ref();
    let script_log = match (task, config.crawl.script_logs) {
        (Some(t), true) => script_log(site, t).await,
        _ => None,
    }
    .or_else(|| {
        let logs = config.paths.logs.as_ref()?;
        super::disk_log::newest(&config.path(logs), app_id)
    });
    let engine = read_engine(site, config, app_id).await?;
    let owner = user_name(&app.owner)
        .or_else(|| site.identity.clone())
        .unwrap_or_else(|| "INTERNAL\\sa_repository".into());
    let reload = task.and_then(|t| {
        let last = t.operational.as_ref()?.last_execution_result.as_ref()?;
        Some(ReloadDef {
            status: u32::try_from(last.status).unwrap_or(0),
            start_time: date::normalize(&last.start_time),
            stop_time: date::normalize(&last.stop_time),
            task: Some(t.name.clone()),
        })
    });
    let mut custom_properties: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for cp in &app.custom_properties {
        custom_properties
            .entry(cp.definition.name.clone())
            .or_default()
            .push(cp.value.clone());
    }
    let meta = AppFile {
        id: app.entity.id.clone(),
        name: app.name.clone(),
        owner: owner.clone(),
        stream: if app.published {
            app.stream.as_ref().map(|s| s.name.clone())
        } else {
            None
        },
        published: app.published,
        publish_time: if app.published {
            known_date(&app.publish_time)
        } else {
            None
        },
        created_date: date::normalize(&app.entity.created_date),
        modified_date: date::normalize(&app.entity.modified_date),
        last_reload_time: known_date(&app.last_reload_time),
        description: app.description.clone(),
        tags: app.tags.iter().map(|t| t.name.clone()).collect(),
        file_size: u64::try_from(app.file_size).unwrap_or(0),
        has_section_access: engine
            .properties
            .get("qHasSectionAccess")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        custom_properties,
        reload,
    };
    let mut objects = Vec::new();
    let mut stems: Vec<String> = Vec::new();
    for (tree, script_created) in engine.objects {
        let info = tree.info();
        let row = rows.iter().find(|r| r.engine_object_id == info.id);
        let published = row.map(|r| r.published);
        let approved = row.map(|r| r.approved);
        if config.crawl.exclude_unpublished_sheets
            && info.kind == "sheet"
            && published == Some(false)
            && approved == Some(false)
        {
            continue;
        }
        let meta = ObjectMeta {
            owner: row.and_then(|r| user_name(&r.owner)),
            published,
            approved,
            created_date: row.map(|r| date::normalize(&r.entity.created_date)),
            modified_date: row.map(|r| date::normalize(&r.entity.modified_date)),
            script_created,
        };
        let mut stem = snapshot::file_stem(&info.id);
        let mut n = 2;
        while stems.contains(&stem) {
            stem = format!("{}-{n}", snapshot::file_stem(&info.id));
            n += 1;
        }
        stems.push(stem.clone());
        objects.push((
            stem,
            ObjectFile {
                property: tree.property,
                children: tree.children,
                meta,
            },
        ));
    }
    objects.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(AppSnapshot {
        meta,
        script: engine.script,
        objects,
        model: engine.model,
        lineage: engine.lineage,
        script_log,
        connections: engine.connections,
        fields: engine.fields,
    })
}

/// The last reload's log, by the newer route first (`scriptlogfile?executionResultId`, May
/// 2025 and later), then the older one (`scriptlog?fileReferenceId`). `None` when the server
/// offers neither: a missing log is not a failed app.
async fn script_log(site: &SiteClient, task: &qrs::ReloadTask) -> Option<String> {
    let last = task.operational.as_ref()?.last_execution_result.as_ref()?;
    let name = form_urlencoded::byte_serialize(task.name.as_bytes()).collect::<String>();
    if !last.id.is_empty() {
        let path = format!("reloadtask/{}/scriptlogfile", task.entity.id);
        if let Ok(v) = site
            .get::<qrs::ValueOf>(&path, &[("executionResultId", &last.id)])
            .await
        {
            if let Some(r) = v.value.as_str() {
                if let Ok(text) = site
                    .get_text(&format!("download/reloadtask/{r}/{name}.log"), &[])
                    .await
                {
                    return Some(text);
                }
            }
        }
    }
    if last.file_reference_id.is_empty() || last.file_reference_id == qrs::ZERO_GUID {
        return None;
    }
    let path = format!("reloadtask/{}/scriptlog", task.entity.id);
    let v = site
        .get::<qrs::ValueOf>(&path, &[("fileReferenceId", &last.file_reference_id)])
        .await
        .ok()?;
    let r = v.value.as_str()?.to_owned();
    site.get_text(&format!("download/reloadtask/{r}/scriptlog.txt"), &[])
        .await
        .ok()
}

/// What the engine gives for one app.
struct EngineRead {
    properties: Map<String, Value>,
    script: String,
    lineage: Vec<LineageEntry>,
    model: Option<ModelFile>,
    /// Persistent objects as property trees, with "made by the script" for variables.
    objects: Vec<(PropertyTree, bool)>,
    connections: Vec<AppConnectionDef>,
    fields: Vec<FieldListDef>,
}

async fn read_engine(
    site: &SiteClient,
    config: &Config,
    app_id: &str,
) -> Result<EngineRead, CrawlError> {
    let mut engine = EngineClient::open(site, app_id).await?;
    let result = read_doc(&mut engine, config, app_id).await;
    engine.close().await;
    result
}

fn ok(r: Result<Map<String, Value>, CrawlError>) -> Result<Map<String, Value>, CrawlError> {
    r
}

async fn read_doc(
    engine: &mut EngineClient,
    config: &Config,
    app_id: &str,
) -> Result<EngineRead, CrawlError> {
    let no_data = !config.crawl.data_model;
    let opened = engine
        .call(-1, "OpenDoc", json!([app_id, "", "", "", no_data]))
        .await?;
    let doc = handle_of("OpenDoc", &opened)?;
    // GetAllInfos names every persistent object in one call (fourteen fewer round trips per
    // app than one session list per type); the variable list adds "made by the script".
    let mut calls = vec![
        Call::new(doc, "GetAppProperties", json!([])),
        Call::new(doc, "GetScript", json!([])),
        Call::new(doc, "GetLineage", json!([])),
        Call::new(doc, "GetAllInfos", json!([])),
        Call::new(doc, "CreateSessionObject", json!([list_defs::variables()])),
        Call::new(doc, "GetConnections", json!([])),
    ];
    // The data model and the field list exist only when the app is opened with data.
    if !no_data {
        calls.push(Call::new(
            doc,
            "GetTablesAndKeys",
            json!([{"qcx": 0, "qcy": 0}, {"qcx": 0, "qcy": 0}, 0, false, false]),
        ));
        calls.push(Call::new(
            doc,
            "CreateSessionObject",
            json!([list_defs::fields()]),
        ));
    }
    let mut results = engine.batch(&calls).await?.into_iter();
    let mut next = || results.next().unwrap_or_else(|| Ok(Map::new()));
    let properties = member(&ok(next())?, "qProp")
        .as_object()
        .cloned()
        .unwrap_or_default();
    let script = member(&ok(next())?, "qScript")
        .as_str()
        .unwrap_or("")
        .to_owned();
    let lineage: Vec<LineageEntry> =
        serde_json::from_value(member(&ok(next())?, "qLineage")).unwrap_or_default();
    let infos: Vec<NxInfo> =
        serde_json::from_value(member(&ok(next())?, "qInfos")).unwrap_or_default();
    let variable_list = handle_of("CreateSessionObject", &ok(next())?)?;
    let connections: Vec<AppConnectionDef> = member(&ok(next())?, "qConnections")
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| serde_json::from_value::<Connection>(c.clone()).ok())
        .map(|c| AppConnectionDef::from_engine(&c))
        .collect();
    let (model, field_list) = if no_data {
        (None, None)
    } else {
        let model = model_from(&ok(next())?);
        (
            Some(model),
            Some(handle_of("CreateSessionObject", &ok(next())?)?),
        )
    };
    let fields: Vec<FieldListDef> = match field_list {
        Some(h) => member(&engine.call(h, "GetLayout", json!([])).await?, "qLayout")
            .pointer("/qFieldList/qItems")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|f| serde_json::from_value::<FieldListItem>(f.clone()).ok())
            .map(|f| FieldListDef::from_engine(&f))
            .collect(),
        None => Vec::new(),
    };
    let layout = member(
        &engine.call(variable_list, "GetLayout", json!([])).await?,
        "qLayout",
    );
    let script_created: Vec<String> = layout
        .pointer("/qVariableList/qItems")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|item| serde_json::from_value::<VariableListItem>(item).ok())
        .filter(|v| v.is_script_created)
        .map(|v| v.info.id)
        .collect();
    // Which object to fetch, and how: (id, getter, reader, script created). Charts and other
    // embedded children come inside their sheet's property tree.
    let mut wanted: Vec<(String, &'static str, &'static str, bool)> = Vec::new();
    for info in infos {
        let (getter, reader) = match info.kind.as_str() {
            "sheet" | "masterobject" | "story" => ("GetObject", "GetFullPropertyTree"),
            "measure" => ("GetMeasure", "GetProperties"),
            "dimension" => ("GetDimension", "GetProperties"),
            "variable" => ("GetVariableById", "GetProperties"),
            "bookmark" => ("GetBookmark", "GetProperties"),
            _ => continue,
        };
        if !info.id.is_empty() && !wanted.iter().any(|w| w.0 == info.id) {
            let made_by_script = script_created.contains(&info.id);
            wanted.push((info.id, getter, reader, made_by_script));
        }
    }
    let gets: Vec<Call> = wanted
        .iter()
        .map(|(id, getter, _, _)| Call::new(doc, getter, json!([id])))
        .collect();
    let handles = engine.batch(&gets).await?;
    let mut reads = Vec::new();
    let mut kept = Vec::new();
    for (w, h) in wanted.iter().zip(handles) {
        match h.and_then(|r| handle_of(w.1, &r)) {
            Ok(h) => {
                reads.push(Call::new(h, w.2, json!([])));
                kept.push(w);
            }
            // Gone between the list and the fetch, or hidden: not an app failure.
            Err(CrawlError::NotFound { .. }) => {}
            Err(CrawlError::Engine { error, .. }) if error.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    let trees = engine.batch(&reads).await?;
    let mut objects = Vec::new();
    for (w, r) in kept.into_iter().zip(trees) {
        let r = r?;
        let tree = if w.2 == "GetFullPropertyTree" {
            serde_json::from_value::<PropertyTree>(member(&r, "qPropEntry")).map_err(|e| {
                CrawlError::Json {
                    url: app_id.to_owned(),
                    what: "qPropEntry".into(),
                    message: e.to_string(),
                }
            })?
        } else {
            PropertyTree {
                property: member(&r, "qProp"),
                children: Vec::new(),
                embedded_snapshot_ref: None,
            }
        };
        objects.push((tree, w.3));
    }
    Ok(EngineRead {
        properties,
        script,
        lineage,
        model,
        objects,
        connections,
        fields,
    })
}

/// The data model from `GetTablesAndKeys`.
fn model_from(result: &Map<String, Value>) -> ModelFile {
    let tables = member(result, "qtr")
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|t| TableDef {
            name: t["qName"].as_str().unwrap_or("").to_owned(),
            rows: lenient::number(&t["qNoOfRows"]).unwrap_or(0.0) as u64,
            comment: t["qComment"].as_str().unwrap_or("").to_owned(),
            fields: t["qFields"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|f| FieldDef {
                    name: f["qName"].as_str().unwrap_or("").to_owned(),
                    distinct: lenient::number(&f["qnPresentDistinctValues"]).unwrap_or(0.0) as u64,
                    non_nulls: lenient::number(&f["qnNonNulls"]).unwrap_or(0.0) as u64,
                    tags: serde_json::from_value(f["qTags"].clone()).unwrap_or_default(),
                    comment: f["qComment"].as_str().unwrap_or("").to_owned(),
                })
                .collect(),
        })
        .collect();
    ModelFile { tables }
}
