//! One engine session: the handles it has given out and the document it opened, and the
//! methods of each class (Global, Doc, GenericObject, GenericMeasure, GenericDimension,
//! GenericVariable, GenericBookmark). Pure and synchronous; the WebSocket transport around it
//! adds notifications, latency and drops.

use super::layout::{self, Ctx};
use super::rpc::{code, Outcome, Request, RpcError};
use crate::simulate::access::Identity;
use crate::simulate::faults::FaultPlan;
use crate::simulate::qrs::entities;
use crate::simulate::site::model::ObjectNode;
use crate::simulate::site::{q_id, q_type, App, Site};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const ENGINE_VERSION: &str = "12.1306.0";

/// What a handle points at.
#[derive(Debug, Clone)]
enum Target {
    Doc,
    /// A persistent object (`path` empty) or one of its embedded children.
    Object {
        root: String,
        path: Vec<usize>,
    },
    Session {
        props: Value,
    },
    Measure(String),
    Dimension(String),
    Variable(String),
    Bookmark(String),
}

struct OpenDoc {
    app: usize,
    no_data: bool,
}

pub struct Session {
    site: Arc<Site>,
    who: Identity,
    faults: Arc<FaultPlan>,
    doc: Option<OpenDoc>,
    handles: BTreeMap<i64, Target>,
    next_handle: i64,
    session_objects: u64,
}

/// What the transport should do with one answer.
pub struct Reply {
    pub message: Value,
    /// Wait this long before sending (slow OpenDoc).
    pub delay_ms: u64,
}

type R = Result<Outcome, RpcError>;

fn not_found(what: &str) -> RpcError {
    RpcError::new(code::PERSISTENCE_NOT_FOUND, what)
}

impl Session {
    pub fn new(site: Arc<Site>, who: Identity, faults: Arc<FaultPlan>) -> Session {
        Session {
            site,
            who,
            faults,
            doc: None,
            handles: BTreeMap::new(),
            next_handle: 1,
            session_objects: 0,
        }
    }

    pub fn identity(&self) -> &Identity {
        &self.who
    }

    /// Answers one text frame.
    pub fn handle_text(&mut self, text: &str) -> Reply {
        let request = match Request::parse(text) {
            Ok(r) => r,
            Err(boxed) => {
                let (id, error) = *boxed;
                return Reply {
                    message: super::rpc::response(&id, Err(error), false),
                    delay_ms: 0,
                };
            }
        };
        let mut delay_ms = 0;
        if request.method == "OpenDoc" && request.handle == -1 {
            delay_ms = self.faults.faults.slow_open_doc_ms;
        }
        let mut outcome = self.dispatch(&request);
        if self.site.legacy_shapes {
            // Older engines answer a missing object with a null interface, not an error.
            if let Err(e) = &outcome {
                if e.code == code::PERSISTENCE_NOT_FOUND && request.method.starts_with("Get") {
                    outcome = Ok(Outcome::one(
                        "qReturn",
                        json!({"qType": null, "qHandle": null, "qGenericType": null, "qGenericId": null}),
                    ));
                }
            }
        }
        if let Ok(o) = &mut outcome {
            // A freshly opened document reports itself changed, as the engine does after
            // OpenDoc; clients must accept `change` beside `result`.
            if request.method == "OpenDoc" && o.change.is_empty() {
                o.change.push(1);
            }
        }
        Reply {
            message: super::rpc::response(&request.id, outcome, request.delta),
            delay_ms,
        }
    }

    /// The handle for a target: the one given out before for the same object, as the engine
    /// keeps one handle per object and session, else a new one. Session objects always get a
    /// new handle (each CreateSessionObject makes a new object).
    fn new_handle(&mut self, target: Target) -> i64 {
        if !matches!(target, Target::Session { .. }) {
            if let Some((h, _)) = self.handles.iter().find(|(_, t)| same_target(t, &target)) {
                return *h;
            }
        }
        let h = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(h, target);
        h
    }

    fn app(&self) -> Option<&App> {
        self.doc.as_ref().map(|d| &self.site.apps[d.app])
    }

    fn ctx(&self) -> Option<Ctx<'_>> {
        let doc = self.doc.as_ref()?;
        Some(Ctx {
            site: &self.site,
            app: &self.site.apps[doc.app],
            who: &self.who,
            no_data: doc.no_data,
        })
    }

    fn dispatch(&mut self, req: &Request) -> R {
        if req.handle == -1 {
            return self.global(req);
        }
        let Some(target) = self.handles.get(&req.handle).cloned() else {
            return Err(RpcError::new(
                code::RPC_INVALID_PARAMETERS,
                format!("Invalid handle {}", req.handle),
            ));
        };
        if let Some(app) = self.app() {
            if let Some(code) = self.faults.engine_error(&app.meta.id) {
                return Err(RpcError::new(code, "injected fault"));
            }
        }
        match target {
            Target::Doc => self.doc_method(req),
            Target::Object { root, path } => self.object_method(req, &root, &path),
            Target::Session { props } => self.session_object_method(req, props),
            Target::Measure(id) => self.library_method(req, &id, "measure"),
            Target::Dimension(id) => self.library_method(req, &id, "dimension"),
            Target::Variable(id) => self.library_method(req, &id, "variable"),
            Target::Bookmark(id) => self.library_method(req, &id, "bookmark"),
        }
    }

    // ----- Global -------------------------------------------------------------------------

    fn global(&mut self, req: &Request) -> R {
        let site = Arc::clone(&self.site);
        match req.method.as_str() {
            "OpenDoc" => self.open_doc(req),
            "GetActiveDoc" => match &self.doc {
                Some(d) => Ok(Outcome::one(
                    "qReturn",
                    doc_interface(&site.apps[d.app].meta.id),
                )),
                // What real engines answer when the session has no (valid) document.
                None => Err(RpcError::new(code::APP_INVALID, "No active document")),
            },
            "GetDocList" => {
                let list: Vec<Value> = site
                    .apps
                    .iter()
                    .filter(|a| self.who.can_see_app(&site, a))
                    .map(|a| doc_list_entry(&site, a))
                    .collect();
                Ok(Outcome::one("qDocList", Value::Array(list)))
            }
            "EngineVersion" => Ok(Outcome::one(
                "qVersion",
                json!({"qComponentVersion": ENGINE_VERSION}),
            )),
            "ProductVersion" => Ok(Outcome::one("qReturn", json!(ENGINE_VERSION))),
            "QTProduct" => Ok(Outcome::one("qReturn", json!("Qlik Sense"))),
            "OSName" => Ok(Outcome::one("qReturn", json!("windows"))),
            "IsDesktopMode" => Ok(Outcome::one("qReturn", json!(false))),
            "IsPersonalMode" => Ok(Outcome::one("qReturn", json!(false))),
            "GetUniqueID" => Ok(Outcome::one(
                "qUniqueID",
                json!(entities::guid(&format!("unique:{}", self.next_handle))),
            )),
            "GetAuthenticatedUser" => {
                let u = self.who.user_id();
                Ok(Outcome::one(
                    "qReturn",
                    json!(format!("UserDirectory={}; UserId={}", u.directory, u.id)),
                ))
            }
            "GetStreamList" => {
                let list: Vec<Value> = site
                    .streams
                    .iter()
                    .filter(|s| self.who.can_see_stream(&site, &s.name))
                    .map(|s| json!({"qId": s.id, "qName": s.name}))
                    .collect();
                Ok(Outcome::one("qStreamList", Value::Array(list)))
            }
            other => Err(RpcError::new(code::RPC_METHOD_NOT_FOUND, other)),
        }
    }

    fn open_doc(&mut self, req: &Request) -> R {
        let name = req.str_param(0, "qDocName")?;
        let no_data = req.bool_param(4, "qNoData", false);
        let site = Arc::clone(&self.site);
        let Some(index) = site
            .apps
            .iter()
            .position(|a| a.meta.id.eq_ignore_ascii_case(name))
        else {
            return Err(RpcError::new(code::APP_NOT_FOUND, name));
        };
        let app = &site.apps[index];
        if !self.who.can_see_app(&site, app) {
            return Err(RpcError::new(code::ACCESS_DENIED, name));
        }
        if let Some(code) = self.faults.engine_error(&app.meta.id) {
            return Err(RpcError::new(code, "injected fault"));
        }
        if let Some(open) = &self.doc {
            let code = if open.app == index && open.no_data != no_data {
                1009 // ALREADY_OPEN_IN_DIFFERENT_MODE
            } else {
                code::APP_ALREADY_OPEN
            };
            return Err(RpcError::new(code, name));
        }
        self.doc = Some(OpenDoc {
            app: index,
            no_data,
        });
        self.handles.insert(1, Target::Doc);
        self.next_handle = self.next_handle.max(2);
        Ok(Outcome::one("qReturn", doc_interface(&app.meta.id)))
    }

    // ----- Doc ----------------------------------------------------------------------------

    fn doc_method(&mut self, req: &Request) -> R {
        let site = Arc::clone(&self.site);
        let doc_no_data = self.doc.as_ref().is_some_and(|d| d.no_data);
        let Some(ctx) = self.ctx() else {
            return Err(RpcError::new(code::APP_NOT_OPEN, ""));
        };
        let app = ctx.app;
        match req.method.as_str() {
            "GetAppLayout" => Ok(Outcome::one("qLayout", app_layout(&site, app, doc_no_data))),
            "GetAppProperties" => Ok(Outcome::one(
                "qProp",
                json!({
                    "qTitle": app.meta.name,
                    "qLastReloadTime": app.meta.last_reload_time.clone().unwrap_or_default(),
                    "qMigrationHash": "9f3c6d4a1e8b7f2c5d0a3b6e9c2f5a8d1b4e7c0a",
                    "qSavedInProductVersion": ENGINE_VERSION,
                    "qThumbnail": {"qUrl": ""},
                    "qHasSectionAccess": app.meta.has_section_access,
                    "qUsage": "ANALYTICS",
                    "description": app.meta.description,
                    "sheetTitleBgColor": "#F2F2F2",
                }),
            )),
            "GetScript" => Ok(Outcome::one("qScript", json!(app.script))),
            "GetScriptEx" => Ok(Outcome::one(
                "qScript",
                json!({"qScript": app.script, "qMeta": {"privileges": ["read"]}, "qIsLocked": false}),
            )),
            "GetLineage" => Ok(Outcome::one(
                "qLineage",
                serde_json::to_value(&app.lineage).unwrap_or(json!([])),
            )),
            "GetConnections" => Ok(Outcome::one(
                "qConnections",
                Value::Array(connections(&site, app, &self.who)),
            )),
            "GetConnection" => {
                let id = req.str_param(0, "qConnectionId")?;
                connections(&site, app, &self.who)
                    .into_iter()
                    .find(|c| {
                        c["qId"]
                            .as_str()
                            .is_some_and(|i| i.eq_ignore_ascii_case(id))
                    })
                    .map(|c| Outcome::one("qConnection", c))
                    .ok_or_else(|| RpcError::new(code::NOT_FOUND, id))
            }
            "GetTablesAndKeys" => {
                let (tables, keys) = tables_and_keys(app, ctx.no_data);
                let mut out = Outcome::one("qtr", tables);
                out.result.insert("qk".into(), keys);
                Ok(out)
            }
            "GetAllInfos" => {
                let mut infos = Vec::new();
                for o in app
                    .objects
                    .iter()
                    .filter(|o| self.who.can_see_object_in_engine(app, o))
                {
                    infos.push(layout::info(&o.file.property));
                    collect_child_infos(&o.file.children, &mut infos);
                }
                Ok(Outcome::one("qInfos", Value::Array(infos)))
            }
            "GetObjects" => {
                let options = req.param(0, "qOptions").cloned().unwrap_or(json!({}));
                let types = layout::string_list(&options, "qTypes");
                let wanted = |kind: &str| types.is_empty() || types.iter().any(|t| t == kind);
                let mut list = Vec::new();
                for o in app
                    .objects
                    .iter()
                    .filter(|o| self.who.can_see_object_in_engine(app, o))
                {
                    if wanted(o.kind()) {
                        list.push(json!({
                            "qInfo": layout::info(&o.file.property),
                            "qMeta": layout::object_meta(&ctx, o),
                            "qData": layout::list_data(&options, &o.file.property),
                        }));
                    }
                    // Charts are objects too: they live as the children of sheets.
                    let mut stack: Vec<&ObjectNode> = o.file.children.iter().collect();
                    while let Some(child) = stack.pop() {
                        if wanted(q_type(&child.property)) {
                            list.push(json!({
                                "qInfo": layout::info(&child.property),
                                "qMeta": child.property.get("qMetaDef").cloned().unwrap_or(json!({})),
                                "qData": layout::list_data(&options, &child.property),
                            }));
                        }
                        stack.extend(child.children.iter());
                    }
                }
                Ok(Outcome::one("qList", Value::Array(list)))
            }
            "GetObject" => {
                let id = req.str_param(0, "qId")?.to_owned();
                let (root, path) = self.find_generic(&id)?;
                let kind = self.node_type(&root, &path);
                let h = self.new_handle(Target::Object { root, path });
                Ok(Outcome::one(
                    "qReturn",
                    object_interface("GenericObject", h, &kind, &id),
                ))
            }
            "GetMeasure" => self.library_handle(req, "measure", "GenericMeasure"),
            "GetDimension" => self.library_handle(req, "dimension", "GenericDimension"),
            "GetBookmark" => self.library_handle(req, "bookmark", "GenericBookmark"),
            "GetVariableById" => self.library_handle(req, "variable", "GenericVariable"),
            "GetVariableByName" => {
                let name = req.str_param(0, "qName")?;
                let id = app
                    .objects
                    .iter()
                    .find(|o| {
                        o.kind() == "variable"
                            && o.file
                                .property
                                .get("qName")
                                .and_then(Value::as_str)
                                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                    })
                    .map(|o| o.id().to_owned())
                    .ok_or_else(|| not_found(name))?;
                let h = self.new_handle(Target::Variable(id.clone()));
                Ok(Outcome::one(
                    "qReturn",
                    object_interface("GenericVariable", h, "variable", &id),
                ))
            }
            "GetVariables" => {
                let def = req.param(0, "qListDef").cloned().unwrap_or(json!({}));
                Ok(Outcome::one(
                    "qList",
                    Value::Array(layout::variable_items(&ctx, &def)),
                ))
            }
            "GetFieldDescription" => {
                let name = req.str_param(0, "qFieldName")?;
                field_description(app, name, ctx.no_data)
                    .map(|d| Outcome::one("qReturn", d))
                    .ok_or_else(|| RpcError::new(code::NOT_FOUND, name))
            }
            "GetIncludeFileContent" => {
                let path = req.str_param(0, "qPath")?;
                match site.read_lib_file(path) {
                    Some(bytes) => {
                        let text = crate::source::SourceFile::decode(path.to_owned(), &bytes).text;
                        Ok(Outcome::one("qContent", json!(text)))
                    }
                    None => Err(RpcError::new(code::INVALID_PATH, path)),
                }
            }
            "CheckScriptSyntax" => Ok(Outcome::one("qErrors", check_script_syntax(&app.script))),
            "CreateSessionObject" => {
                let mut props = req
                    .param(0, "qProp")
                    .cloned()
                    .filter(Value::is_object)
                    .ok_or_else(|| RpcError::new(code::RPC_INVALID_PARAMETERS, "qProp"))?;
                self.session_objects += 1;
                if q_id(&props).is_empty() {
                    let kind = q_type(&props).to_owned();
                    props["qInfo"] =
                        json!({"qId": format!("session-{}", self.session_objects), "qType": kind});
                }
                let id = q_id(&props).to_owned();
                let kind = q_type(&props).to_owned();
                let h = self.new_handle(Target::Session { props });
                Ok(Outcome::one(
                    "qReturn",
                    object_interface("GenericObject", h, &kind, &id),
                ))
            }
            "DestroySessionObject" => {
                let id = req.str_param(0, "qId")?;
                let handles: Vec<i64> = self
                    .handles
                    .iter()
                    .filter(|(_, t)| matches!(t, Target::Session { props } if q_id(props) == id))
                    .map(|(h, _)| *h)
                    .collect();
                for h in &handles {
                    self.handles.remove(h);
                }
                let mut out = Outcome::one("qSuccess", json!(!handles.is_empty()));
                out.close = handles;
                Ok(out)
            }
            other => Err(RpcError::new(code::RPC_METHOD_NOT_FOUND, other)),
        }
    }

    /// Finds a generic object (sheet, chart, master visualization…) the identity may see.
    fn find_generic(&self, id: &str) -> Result<(String, Vec<usize>), RpcError> {
        let app = self
            .app()
            .ok_or_else(|| RpcError::new(code::APP_NOT_OPEN, ""))?;
        let (object, path) = app.find_node(id).ok_or_else(|| not_found(id))?;
        if path.is_empty()
            && matches!(
                object.kind(),
                "measure" | "dimension" | "variable" | "bookmark"
            )
        {
            return Err(not_found(id));
        }
        if !self.who.can_see_object_in_engine(app, object) {
            return Err(RpcError::new(code::ACCESS_DENIED, id));
        }
        Ok((object.id().to_owned(), path))
    }

    fn node_type(&self, root: &str, path: &[usize]) -> String {
        self.node(root, path)
            .map(|(p, _)| q_type(p).to_owned())
            .unwrap_or_default()
    }

    /// The properties and children of a tree node.
    fn node(&self, root: &str, path: &[usize]) -> Option<(&Value, &[ObjectNode])> {
        let object = self.app()?.object(root)?;
        let mut props = &object.file.property;
        let mut children: &[ObjectNode] = &object.file.children;
        for &i in path {
            let child = children.get(i)?;
            props = &child.property;
            children = &child.children;
        }
        Some((props, children))
    }

    fn library_handle(&mut self, req: &Request, kind: &str, interface: &str) -> R {
        let id = req.str_param(0, "qId")?.to_owned();
        let app = self
            .app()
            .ok_or_else(|| RpcError::new(code::APP_NOT_OPEN, ""))?;
        let object = app
            .object(&id)
            .filter(|o| o.kind() == kind)
            .ok_or_else(|| not_found(&id))?;
        if !self.who.can_see_object_in_engine(app, object) {
            return Err(RpcError::new(code::ACCESS_DENIED, id));
        }
        let target = match kind {
            "measure" => Target::Measure(id.clone()),
            "dimension" => Target::Dimension(id.clone()),
            "variable" => Target::Variable(id.clone()),
            _ => Target::Bookmark(id.clone()),
        };
        let h = self.new_handle(target);
        Ok(Outcome::one(
            "qReturn",
            object_interface(interface, h, kind, &id),
        ))
    }

    // ----- GenericObject ------------------------------------------------------------------

    fn object_method(&mut self, req: &Request, root: &str, path: &[usize]) -> R {
        let ctx = self
            .ctx()
            .ok_or_else(|| RpcError::new(code::APP_NOT_OPEN, ""))?;
        let app = ctx.app;
        let object = app.object(root).ok_or_else(|| not_found(root))?;
        let (props, children) = self.node(root, path).ok_or_else(|| not_found(root))?;
        let id = q_id(props).to_owned();
        match req.method.as_str() {
            "GetLayout" => {
                let effective = effective_properties(app, props);
                let meta = if path.is_empty() {
                    layout::object_meta(&ctx, object)
                } else {
                    effective.get("qMetaDef").cloned().unwrap_or(json!({}))
                };
                Ok(Outcome::one(
                    "qLayout",
                    layout::layout(&ctx, &effective, meta, children),
                ))
            }
            "GetProperties" => Ok(Outcome::one("qProp", props.clone())),
            "GetEffectiveProperties" => Ok(Outcome::one("qProp", effective_properties(app, props))),
            "GetFullPropertyTree" => Ok(Outcome::one("qPropEntry", property_tree(props, children))),
            "GetInfo" => Ok(Outcome::one("qInfo", layout::info(props))),
            "GetChildInfos" => Ok(Outcome::one(
                "qInfos",
                Value::Array(children.iter().map(|c| layout::info(&c.property)).collect()),
            )),
            "GetChild" => {
                let child_id = req.str_param(0, "qId")?;
                let index = children
                    .iter()
                    .position(|c| q_id(&c.property) == child_id)
                    .ok_or_else(|| not_found(child_id))?;
                let kind = q_type(&children[index].property).to_owned();
                let child_id = child_id.to_owned();
                let mut child_path = path.to_vec();
                child_path.push(index);
                let h = self.new_handle(Target::Object {
                    root: root.to_owned(),
                    path: child_path,
                });
                Ok(Outcome::one(
                    "qReturn",
                    object_interface("GenericObject", h, &kind, &child_id),
                ))
            }
            "GetParent" => {
                if path.is_empty() {
                    return Err(not_found(&id));
                }
                let parent = path[..path.len() - 1].to_vec();
                let kind = self.node_type(root, &parent);
                let parent_id = self
                    .node(root, &parent)
                    .map(|(p, _)| q_id(p).to_owned())
                    .unwrap_or_default();
                let h = self.new_handle(Target::Object {
                    root: root.to_owned(),
                    path: parent,
                });
                Ok(Outcome::one(
                    "qReturn",
                    object_interface("GenericObject", h, &kind, &parent_id),
                ))
            }
            "GetLinkedObjects" => Ok(Outcome::one("qItems", linked_objects(app, &id))),
            "GetSnapshotObject" => Err(not_found(&id)),
            other => Err(RpcError::new(code::RPC_METHOD_NOT_FOUND, other)),
        }
    }

    fn session_object_method(&mut self, req: &Request, props: Value) -> R {
        let ctx = self
            .ctx()
            .ok_or_else(|| RpcError::new(code::APP_NOT_OPEN, ""))?;
        match req.method.as_str() {
            "GetLayout" => Ok(Outcome::one(
                "qLayout",
                layout::layout(
                    &ctx,
                    &props,
                    props.get("qMetaDef").cloned().unwrap_or(json!({})),
                    &[],
                ),
            )),
            "GetProperties" | "GetEffectiveProperties" => Ok(Outcome::one("qProp", props)),
            "GetFullPropertyTree" => Ok(Outcome::one("qPropEntry", property_tree(&props, &[]))),
            "GetInfo" => Ok(Outcome::one("qInfo", layout::info(&props))),
            "GetChildInfos" => Ok(Outcome::one("qInfos", json!([]))),
            "SetProperties" => {
                let mut new = req
                    .param(0, "qProp")
                    .cloned()
                    .filter(Value::is_object)
                    .ok_or_else(|| RpcError::new(code::RPC_INVALID_PARAMETERS, "qProp"))?;
                new["qInfo"] = props.get("qInfo").cloned().unwrap_or(Value::Null);
                if let Some(Target::Session { props: stored }) = self.handles.get_mut(&req.handle) {
                    *stored = new;
                }
                // The engine tells the client the object changed, so it fetches the layout again.
                Ok(Outcome {
                    change: vec![req.handle],
                    ..Outcome::default()
                })
            }
            other => Err(RpcError::new(code::RPC_METHOD_NOT_FOUND, other)),
        }
    }

    // ----- GenericMeasure / GenericDimension / GenericVariable / GenericBookmark ----------

    fn library_method(&mut self, req: &Request, id: &str, kind: &str) -> R {
        let ctx = self
            .ctx()
            .ok_or_else(|| RpcError::new(code::APP_NOT_OPEN, ""))?;
        let app = ctx.app;
        let object = app.object(id).ok_or_else(|| not_found(id))?;
        let props = &object.file.property;
        let meta = layout::object_meta(&ctx, object);
        let info = layout::info(props);
        match (kind, req.method.as_str()) {
            (_, "GetProperties") => Ok(Outcome::one("qProp", props.clone())),
            (_, "GetInfo") => Ok(Outcome::one("qInfo", info)),
            (_, "GetLinkedObjects") => Ok(Outcome::one("qItems", linked_objects(app, id))),
            ("measure", "GetLayout") => Ok(Outcome::one(
                "qLayout",
                json!({"qInfo": info, "qMeasure": props.get("qMeasure").cloned().unwrap_or(json!({})), "qMeta": meta}),
            )),
            ("measure", "GetMeasure") => Ok(Outcome::one(
                "qMeasure",
                props.get("qMeasure").cloned().unwrap_or(json!({})),
            )),
            ("dimension", "GetLayout") => {
                let dim = props.get("qDim").cloned().unwrap_or(json!({}));
                let infos: Vec<Value> = dim
                    .get("qFieldDefs")
                    .and_then(Value::as_array)
                    .map(|defs| {
                        defs.iter()
                            .filter_map(Value::as_str)
                            .map(|f| {
                                let card = if ctx.no_data { 0 } else { layout::field_cardinal(app, f) };
                                json!({"qFallbackTitle": f.trim_start_matches('='), "qCardinal": card, "qTags": [], "qIsSemantic": false, "qAndMode": false})
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Ok(Outcome::one(
                    "qLayout",
                    json!({"qInfo": info, "qMeta": meta, "qDim": dim, "qDimInfos": infos}),
                ))
            }
            ("dimension", "GetDimension") => Ok(Outcome::one(
                "qDim",
                props.get("qDim").cloned().unwrap_or(json!({})),
            )),
            ("variable", "GetLayout") => {
                let definition = props
                    .get("qDefinition")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let mut layout = json!({"qInfo": info, "qMeta": meta, "qText": definition, "qIsScriptCreated": object.file.meta.script_created});
                if let Ok(n) = definition.trim().parse::<f64>() {
                    layout["qNum"] = json!(n);
                }
                Ok(Outcome::one("qLayout", layout))
            }
            ("variable", "GetRawContent") => Ok(Outcome::one(
                "qReturn",
                props.get("qDefinition").cloned().unwrap_or(json!("")),
            )),
            ("bookmark", "GetLayout") => Ok(Outcome::one(
                "qLayout",
                json!({"qInfo": info, "qMeta": meta, "qBookmark": {
                    "qStateData": props.pointer("/qBookmark/qStateData").cloned().unwrap_or(json!([])),
                    "qUtcModifyTime": 0, "qUtcRecallTime": 0, "qPatches": []}}),
            )),
            (_, other) => Err(RpcError::new(code::RPC_METHOD_NOT_FOUND, other)),
        }
    }
}

fn same_target(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Object { root: r1, path: p1 }, Target::Object { root: r2, path: p2 }) => {
            r1 == r2 && p1 == p2
        }
        (Target::Measure(x), Target::Measure(y))
        | (Target::Dimension(x), Target::Dimension(y))
        | (Target::Variable(x), Target::Variable(y))
        | (Target::Bookmark(x), Target::Bookmark(y)) => x == y,
        _ => false,
    }
}

fn doc_interface(app_id: &str) -> Value {
    json!({"qType": "Doc", "qHandle": 1, "qGenericId": app_id})
}

fn object_interface(kind: &str, handle: i64, generic_type: &str, id: &str) -> Value {
    json!({"qType": kind, "qHandle": handle, "qGenericType": generic_type, "qGenericId": id})
}

fn collect_child_infos(children: &[ObjectNode], out: &mut Vec<Value>) {
    for c in children {
        out.push(layout::info(&c.property));
        collect_child_infos(&c.children, out);
    }
}

fn property_tree(props: &Value, children: &[ObjectNode]) -> Value {
    json!({
        "qProperty": props,
        "qChildren": children.iter().map(|c| {
            let mut tree = property_tree(&c.property, &c.children);
            tree["qEmbeddedSnapshotRef"] = c.embedded_snapshot_ref.clone().unwrap_or(Value::Null);
            tree
        }).collect::<Vec<_>>(),
        "qEmbeddedSnapshotRef": null,
    })
}

/// Properties with a master visualization merged in (`qExtendsId`): the master's members,
/// overridden by the linked object's own `qInfo` and `qExtendsId`.
fn effective_properties(app: &App, props: &Value) -> Value {
    let extends = props
        .get("qExtendsId")
        .and_then(Value::as_str)
        .unwrap_or("");
    if extends.is_empty() {
        return props.clone();
    }
    let Some(master) = app.object(extends) else {
        return props.clone();
    };
    let mut merged = master.file.property.clone();
    if let (Some(m), Some(own)) = (merged.as_object_mut(), props.as_object()) {
        for (k, v) in own {
            m.insert(k.clone(), v.clone());
        }
    }
    merged
}

/// Objects that use `id`: linked visualizations (`qExtendsId`) and charts referring to a
/// master measure or dimension (`qLibraryId`).
fn linked_objects(app: &App, id: &str) -> Value {
    fn uses(props: &Value, id: &str) -> bool {
        if props.get("qExtendsId").and_then(Value::as_str) == Some(id) {
            return true;
        }
        let refers = |list: &str| {
            props
                .pointer(&format!("/qHyperCubeDef/{list}"))
                .and_then(Value::as_array)
                .is_some_and(|a| {
                    a.iter()
                        .any(|d| d.get("qLibraryId").and_then(Value::as_str) == Some(id))
                })
        };
        refers("qDimensions")
            || refers("qMeasures")
            || props
                .pointer("/qListObjectDef/qLibraryId")
                .and_then(Value::as_str)
                == Some(id)
    }
    fn walk(root: &str, nodes: &[ObjectNode], id: &str, out: &mut Vec<Value>) {
        for n in nodes {
            if uses(&n.property, id) {
                out.push(json!({"qRootId": root, "qInfo": layout::info(&n.property)}));
            }
            walk(root, &n.children, id, out);
        }
    }
    let mut out = Vec::new();
    for o in &app.objects {
        if uses(&o.file.property, id) {
            out.push(json!({"qRootId": o.id(), "qInfo": layout::info(&o.file.property)}));
        }
        walk(o.id(), &o.file.children, id, &mut out);
    }
    Value::Array(out)
}

fn doc_list_entry(site: &Site, app: &App) -> Value {
    let full = entities::app_full(site, app);
    json!({
        "qDocName": app.meta.name,
        "qConnectedUsers": 0,
        "qFileTime": 0,
        "qFileSize": 0,
        "qDocId": app.meta.id,
        "qMeta": {
            "createdDate": app.meta.created_date,
            "modifiedDate": app.meta.modified_date,
            "published": app.meta.published,
            "publishTime": full["publishTime"],
            "privileges": ["read", "exportappdata"],
            "description": app.meta.description,
            "qStaticByteSize": app.meta.file_size / 4,
            "dynamicColor": "",
            "create": null,
            "stream": full["stream"],
            "canCreateDataConnections": true,
        },
        "qLastReloadTime": app.meta.last_reload_time.clone().unwrap_or_default(),
        "qReadOnly": false,
        "qTitle": app.meta.name,
        "qThumbnail": {"qUrl": ""},
        "qHasSectionAccess": app.meta.has_section_access,
        "qIsDirectQueryMode": false,
        "qUsage": "ANALYTICS",
    })
}

fn app_layout(site: &Site, app: &App, no_data: bool) -> Value {
    let full = entities::app_full(site, app);
    json!({
        "qTitle": app.meta.name,
        "qFileName": app.meta.id,
        "qLastReloadTime": app.meta.last_reload_time.clone().unwrap_or_default(),
        "qModified": false,
        "qHasScript": !app.script.is_empty(),
        "qStateNames": [],
        "qMeta": {
            "createdDate": app.meta.created_date,
            "modifiedDate": app.meta.modified_date,
            "published": app.meta.published,
            "publishTime": full["publishTime"],
            "privileges": ["read", "exportappdata"],
            "description": app.meta.description,
            "stream": full["stream"],
            "qStaticByteSize": app.meta.file_size / 4,
        },
        "qLocaleInfo": {
            "qDecimalSep": ".", "qThousandSep": ",", "qListSep": ",", "qMoneyDecimalSep": ".",
            "qMoneyThousandSep": ",", "qCurrentYear": 2026, "qMoneyFmt": "$#,##0.00;-$#,##0.00",
            "qTimeFmt": "h:mm:ss TT", "qDateFmt": "M/D/YYYY", "qTimestampFmt": "M/D/YYYY h:mm:ss[.fff] TT",
            "qCalendarStrings": {
                "qDayNames": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
                "qMonthNames": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
                "qLongDayNames": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
                "qLongMonthNames": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
            },
            "qFirstWeekDay": 6, "qBrokenWeeks": true, "qReferenceDay": 0, "qFirstMonthOfYear": 1,
            "qCollationLocale": "en-US",
            "qNumericalAbbreviation": "3:k;6:M;9:G;12:T;15:P;18:E;21:Z;24:Y;-3:m;-6:μ;-9:n;-12:p;-15:f;-18:a;-21:z;-24:y"
        },
        "qHasData": !no_data && !app.model.tables.is_empty(),
        "qReadOnly": false,
        "qIsOpenedWithoutData": no_data,
        "qIsSessionApp": false,
        "qProhibitBinaryLoad": false,
        "qThumbnail": {"qUrl": ""},
        "qIsBDILiveMode": false,
        "qIsDirectQueryMode": false,
        "qUnsupportedFeatures": [],
        "qUsage": "ANALYTICS",
        "description": app.meta.description,
        "published": app.meta.published,
        "stream": full["stream"],
    })
}

/// The app's connections as the engine lists them for a user (the repository's rules: an
/// administrator sees all, others what they own), AttachedFiles included.
fn connections(site: &Site, app: &App, who: &Identity) -> Vec<Value> {
    if let Some(crawled) = &app.connections {
        return crawled
            .iter()
            .map(|c| {
                let mut v = serde_json::to_value(c.to_engine()).unwrap_or(json!({}));
                v["qMeta"] = json!({"qName": c.name});
                v
            })
            .collect();
    }
    let mut out: Vec<Value> = site
        .connections
        .iter()
        .filter(|c| {
            who.can_see_all_connections(site)
                || crate::simulate::site::UserId::parse(&c.owner).is_some_and(|o| &o == who.user_id())
        })
        .map(|c| {
            json!({
                "qId": c.id, "qName": c.name, "qConnectionString": c.connectionstring, "qType": c.kind,
                "qUserName": c.username, "qModifiedDate": c.modified, "qMeta": {"qName": c.name},
                "qLogOn": "LOG_ON_SERVICE_USER",
            })
        })
        .collect();
    out.push(json!({
        "qId": entities::guid(&format!("attachedfiles:{}", app.meta.id)),
        "qName": "AttachedFiles",
        "qConnectionString": format!("\\\\fileserver\\qliksense\\StaticContent\\AppContent\\{}\\", app.meta.id),
        "qType": "folder",
        "qUserName": "",
        "qModifiedDate": app.meta.modified_date,
        "qMeta": {"qName": "AttachedFiles"},
        "qLogOn": "LOG_ON_SERVICE_USER",
    }));
    out
}

/// `qtr` and `qk` from the model: a field in two or more tables is a key.
fn tables_and_keys(app: &App, no_data: bool) -> (Value, Value) {
    if no_data {
        return (json!([]), json!([]));
    }
    let tables = &app.model.tables;
    let holders = |name: &str| -> Vec<String> {
        tables
            .iter()
            .filter(|t| t.fields.iter().any(|f| f.name == name))
            .map(|t| t.name.clone())
            .collect()
    };
    let mut qtr = Vec::new();
    let mut keys: Vec<(String, Vec<String>)> = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let fields: Vec<Value> = t
            .fields
            .iter()
            .map(|f| {
                let tables_with = holders(&f.name);
                let total: u64 = tables
                    .iter()
                    .flat_map(|t| &t.fields)
                    .filter(|g| g.name == f.name)
                    .map(|g| g.distinct)
                    .max()
                    .unwrap_or(f.distinct);
                let key_type = if tables_with.len() < 2 {
                    "NOT_KEY"
                } else if f.distinct == t.rows && f.non_nulls == t.rows {
                    "PRIMARY_KEY"
                } else {
                    "ANY_KEY"
                };
                if tables_with.len() >= 2 && !keys.iter().any(|(k, _)| k == &f.name) {
                    keys.push((f.name.clone(), tables_with.clone()));
                }
                json!({
                    "qName": f.name, "qOriginalFields": [], "qPresent": true,
                    "qHasNull": f.non_nulls < t.rows, "qHasWild": false,
                    "qHasDuplicates": f.distinct < f.non_nulls, "qIsSynthetic": false,
                    "qInformationDensity": if t.rows == 0 { 0.0 } else { f.non_nulls as f64 / t.rows as f64 },
                    "qnNonNulls": f.non_nulls, "qnRows": t.rows,
                    "qSubsetRatio": if total == 0 { 0.0 } else { f.distinct as f64 / total as f64 },
                    "qnTotalDistinctValues": total, "qnPresentDistinctValues": f.distinct,
                    "qKeyType": key_type, "qComment": f.comment, "qTags": f.tags,
                    "qDerivedFields": [], "qIsFieldOnTheFly": false, "qReadableName": f.name,
                })
            })
            .collect();
        qtr.push(json!({
            "qName": t.name, "qLoose": false, "qNoOfRows": t.rows, "qFields": fields,
            "qPos": {"qx": (i % 4) * 300, "qy": (i / 4) * 250}, "qComment": t.comment,
            "qIsDirectDiscovery": false, "qIsSynthetic": false, "qTableTags": [], "qProfilingData": {},
        }));
    }
    let qk: Vec<Value> = keys
        .into_iter()
        .map(|(name, tables)| json!({"qKeyFields": [name], "qTables": tables}))
        .collect();
    (Value::Array(qtr), Value::Array(qk))
}

fn field_description(app: &App, name: &str, no_data: bool) -> Option<Value> {
    if no_data {
        return None;
    }
    let mut tables = Vec::new();
    let mut card = 0;
    let mut tags = Vec::new();
    let mut comment = String::new();
    let mut canonical = None;
    for t in &app.model.tables {
        for f in t
            .fields
            .iter()
            .filter(|f| f.name.eq_ignore_ascii_case(name))
        {
            tables.push(t.name.clone());
            card = card.max(f.distinct);
            tags = f.tags.clone();
            comment = f.comment.clone();
            canonical.get_or_insert(f.name.clone());
        }
    }
    let canonical = canonical?;
    Some(json!({
        "qInternalNumber": 0, "qName": canonical, "qSrcTables": tables, "qIsSemantic": false,
        "qIsHidden": false, "qIsSystem": false, "qAndMode": false, "qCardinal": card, "qTags": tags,
        "qIsDefinitionOnly": false, "qByteSize": 0, "qComment": comment, "qIsDetail": false,
        "qIsImplicit": false, "qReadableName": canonical,
    }))
}

/// CheckScriptSyntax with our parser: one ScriptSyntaxError per error diagnostic, positioned
/// by tab (`///$tab` sections) and line within the tab, as the engine reports them.
pub fn check_script_syntax(script: &str) -> Value {
    let parsed = crate::syntax::parse_str(script);
    let tab_starts: Vec<usize> = {
        let mut starts = vec![0usize];
        let mut offset = 0;
        for line in script.split_inclusive('\n') {
            if offset > 0 && line.trim_start().starts_with("///$tab") {
                starts.push(offset);
            }
            offset += line.len();
        }
        starts
    };
    let errors: Vec<Value> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let pos = (d.span.start as usize).min(script.len());
            let tab = tab_starts.iter().rposition(|s| *s <= pos).unwrap_or(0);
            let tab_start = tab_starts[tab];
            let before = &script[tab_start..pos];
            let line_in_tab = before.matches('\n').count();
            let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
            let col = before[line_start..].chars().count();
            json!({
                "qErrLen": script
                    .get(pos..(d.span.end as usize).min(script.len()))
                    .map_or(1, |t| t.chars().count().max(1)),
                "qTabIx": tab,
                "qLineInTab": line_in_tab,
                "qColInLine": col,
                "qTextPos": script[..pos].chars().count(),
                "qSecondaryFailure": false,
            })
        })
        .collect();
    Value::Array(errors)
}
