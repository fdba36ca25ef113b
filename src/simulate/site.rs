//! A site directory, loaded and checked: the estate the simulator serves.
//!
//! Loading reads every file up front and checks cross-references (owners, streams, master
//! items), so a broken site fails at start-up with the file named, never mid-request.

/// The site directory format, shared with the crawler that writes it.
pub use crate::qlik::site_format as model;

use model::{
    AppConnectionDef, AppFile, ConnectionDef, FieldListDef, LineageEntry, ModelFile, ObjectFile,
    ObjectNode, SiteFile, StreamDef,
};
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a site directory cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// A Qlik user, `DIRECTORY\id`; compared case-insensitively as Qlik does.
#[derive(Debug, Clone, Eq)]
pub struct UserId {
    pub directory: String,
    pub id: String,
}

impl UserId {
    pub fn new(directory: &str, id: &str) -> UserId {
        UserId {
            directory: directory.to_owned(),
            id: id.to_owned(),
        }
    }

    /// Parses `DIR\id`.
    pub fn parse(text: &str) -> Option<UserId> {
        let (dir, id) = text.split_once('\\')?;
        (!dir.is_empty() && !id.is_empty()).then(|| UserId::new(dir, id))
    }

    /// Parses an `X-Qlik-User` value: `UserDirectory=X; UserId=Y` (either order, any spacing,
    /// values possibly URL-encoded as enigma examples send them).
    pub fn from_qlik_user_header(value: &str) -> Option<UserId> {
        let mut dir = None;
        let mut id = None;
        for part in value.split(';') {
            if part.trim().is_empty() {
                continue;
            }
            let (k, v) = part.split_once('=')?;
            let v = percent_decode(v.trim());
            match k.trim().to_ascii_lowercase().as_str() {
                "userdirectory" => dir = Some(v),
                "userid" => id = Some(v),
                _ => {}
            }
        }
        let (dir, id) = (dir?, id?);
        (!dir.is_empty() && !id.is_empty()).then_some(UserId { directory: dir, id })
    }

    /// The repository's built-in service accounts act with full rights.
    pub fn is_internal_service(&self) -> bool {
        self.directory.eq_ignore_ascii_case("INTERNAL")
            && self.id.to_ascii_lowercase().starts_with("sa_")
    }
}

impl PartialEq for UserId {
    fn eq(&self, other: &UserId) -> bool {
        self.directory.eq_ignore_ascii_case(&other.directory)
            && self.id.eq_ignore_ascii_case(&other.id)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\\{}", self.directory, self.id)
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Some(b) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub password: Option<String>,
    pub root_admin: bool,
    pub streams: Vec<String>,
}

/// How a virtual proxy authenticates.
#[derive(Debug, Clone)]
pub enum ProxyAuth {
    /// Windows (NTLM) through the authentication module; browsers without the pattern in their
    /// User-Agent get the forms page.
    Windows { pattern: String },
    Jwt {
        certificate_pem: Vec<u8>,
        user_id_claim: String,
        user_directory_claim: String,
        audience: Option<String>,
    },
    Header {
        header_name: String,
        user_directory: String,
    },
}

#[derive(Debug, Clone)]
pub struct VirtualProxy {
    /// Empty for the default virtual proxy.
    pub prefix: String,
    pub session_cookie: String,
    pub auth: ProxyAuth,
}

/// One persistent engine object with its embedded children, as the site stores it.
#[derive(Debug, Clone)]
pub struct Object {
    pub file: ObjectFile,
}

impl Object {
    pub fn id(&self) -> &str {
        q_id(&self.file.property)
    }
    pub fn kind(&self) -> &str {
        q_type(&self.file.property)
    }
}

/// `qInfo.qId` of a property set ("" when absent).
pub fn q_id(property: &Value) -> &str {
    property
        .pointer("/qInfo/qId")
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// `qInfo.qType` of a property set ("" when absent).
pub fn q_type(property: &Value) -> &str {
    property
        .pointer("/qInfo/qType")
        .and_then(Value::as_str)
        .unwrap_or("")
}

#[derive(Debug, Clone)]
pub struct App {
    pub meta: AppFile,
    pub owner: UserId,
    pub folder: PathBuf,
    pub script: String,
    pub objects: Vec<Object>,
    pub model: ModelFile,
    pub lineage: Vec<LineageEntry>,
    /// `scriptlog.txt`: the last reload's log as a crawl captured it; without it the
    /// simulator writes one from the script.
    pub script_log: Option<String>,
    /// `connections.json`: the crawled `GetConnections` answer; without it the simulator
    /// derives one from the site's connections.
    pub connections: Option<Vec<AppConnectionDef>>,
    /// `fields.json`: the crawled field list; without it the simulator derives one from the
    /// model.
    pub fields: Option<Vec<FieldListDef>>,
}

impl App {
    pub fn object(&self, id: &str) -> Option<&Object> {
        self.objects.iter().find(|o| o.id() == id)
    }

    /// Finds a persistent object or an embedded child anywhere in a tree.
    pub fn find_node(&self, id: &str) -> Option<(&Object, Vec<usize>)> {
        for object in &self.objects {
            if object.id() == id {
                return Some((object, Vec::new()));
            }
            let mut path = Vec::new();
            if find_child(&object.file.children, id, &mut path) {
                return Some((object, path));
            }
        }
        None
    }
}

fn find_child(children: &[ObjectNode], id: &str, path: &mut Vec<usize>) -> bool {
    for (i, child) in children.iter().enumerate() {
        path.push(i);
        if q_id(&child.property) == id || find_child(&child.children, id, path) {
            return true;
        }
        path.pop();
    }
    false
}

/// The loaded site.
#[derive(Debug, Clone)]
pub struct Site {
    pub root: PathBuf,
    pub name: String,
    pub users: Vec<User>,
    pub streams: Vec<StreamDef>,
    pub connections: Vec<ConnectionDef>,
    pub proxies: Vec<VirtualProxy>,
    pub apps: Vec<App>,
    pub demo_user: UserId,
    pub jwt_signing_key: Option<Vec<u8>>,
    pub custom_properties: Vec<model::CustomPropertyDef>,
    /// Serve Qlik Sense 3.x shapes (`site.json` `legacy_shapes`).
    pub legacy_shapes: bool,
}

impl Site {
    pub fn user(&self, id: &UserId) -> Option<&User> {
        self.users.iter().find(|u| &u.id == id)
    }
    pub fn app(&self, id: &str) -> Option<&App> {
        self.apps
            .iter()
            .find(|a| a.meta.id.eq_ignore_ascii_case(id))
    }
    pub fn stream_by_name(&self, name: &str) -> Option<&StreamDef> {
        self.streams
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }
    pub fn proxy(&self, prefix: &str) -> Option<&VirtualProxy> {
        self.proxies
            .iter()
            .find(|p| p.prefix.eq_ignore_ascii_case(prefix))
    }

    /// Reads `dir/files/<Connection>/<rest>` for `lib://<Connection>/<rest>`, as Qlik resolves
    /// lib:// only through an existing connection (names case-insensitive). `None` when the
    /// path is not a lib:// path, names no connection, or any part could leave the folder.
    pub fn read_lib_file(&self, lib_path: &str) -> Option<Vec<u8>> {
        let rest = lib_path
            .get(..6)
            .filter(|p| p.eq_ignore_ascii_case("lib://"))
            .map(|_| &lib_path[6..])?;
        let (connection, file) = rest.split_once(['/', '\\'])?;
        let connection = self
            .connections
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(connection))?;
        let safe =
            |part: &str| !part.is_empty() && part != "." && part != ".." && !part.contains(':');
        if !safe(&connection.name) || connection.name.contains(['/', '\\']) {
            return None;
        }
        let mut path = self.root.join("files").join(&connection.name);
        for part in file.split(['/', '\\']) {
            if !safe(part) {
                return None;
            }
            path.push(part);
        }
        std::fs::read(path).ok()
    }

    /// Multiplies the apps to `n` for benchmarks: copies of the site's apps with their own ids
    /// and names, cycling through streams and alternating published and unpublished copies
    /// so the estate keeps its variety. `n` below the app count keeps the first `n`.
    pub fn scale_to(&mut self, n: usize) {
        let originals = std::mem::take(&mut self.apps);
        if originals.is_empty() {
            return;
        }
        for i in 0..n {
            let mut app = originals[i % originals.len()].clone();
            let round = i / originals.len();
            if round > 0 {
                app.meta.id =
                    crate::simulate::qrs::entities::guid(&format!("scale:{round}:{}", app.meta.id));
                app.meta.name = format!("{} #{round}", app.meta.name);
                if round % 3 == 2 && app.meta.published {
                    app.meta.published = false;
                    app.meta.stream = None;
                } else if app.meta.published && !self.streams.is_empty() {
                    app.meta.stream =
                        Some(self.streams[(i + round) % self.streams.len()].name.clone());
                }
            }
            self.apps.push(app);
        }
    }

    /// Loads and checks a site directory.
    pub fn load(root: &Path) -> Result<Site, SiteError> {
        let site_path = root.join("site.json");
        let file: SiteFile = read_json(&site_path)?;
        let invalid = |message: String| SiteError::Invalid {
            path: site_path.clone(),
            message,
        };
        let mut users = Vec::new();
        for def in &file.users {
            let id = UserId::parse(&def.user)
                .ok_or_else(|| invalid(format!("user `{}` is not DIRECTORY\\id", def.user)))?;
            users.push(User {
                id,
                name: def.name.clone(),
                password: def.password.clone(),
                root_admin: def.root_admin,
                streams: def.streams.clone(),
            });
        }
        let known_user = |text: &str, what: &str| -> Result<UserId, SiteError> {
            let id = UserId::parse(text)
                .ok_or_else(|| invalid(format!("{what}: `{text}` is not DIRECTORY\\id")))?;
            if users.iter().any(|u| u.id == id) {
                Ok(id)
            } else {
                Err(invalid(format!("{what}: unknown user `{text}`")))
            }
        };
        for stream in &file.streams {
            known_user(&stream.owner, &format!("stream `{}` owner", stream.name))?;
        }
        for c in &file.data_connections {
            known_user(&c.owner, &format!("data connection `{}` owner", c.name))?;
        }
        let demo_user = known_user(&file.demo_user, "demo_user")?;
        let mut proxies = Vec::new();
        for def in &file.virtual_proxies {
            let need = |v: &Option<String>, key: &str| {
                v.clone()
                    .ok_or_else(|| invalid(format!("virtual proxy `{}` needs `{key}`", def.prefix)))
            };
            let auth = match def.method.as_str() {
                "windows" => ProxyAuth::Windows {
                    pattern: def
                        .windows_pattern
                        .clone()
                        .unwrap_or_else(|| "Windows".into()),
                },
                "jwt" => {
                    let cert = need(&def.jwt_certificate, "jwt_certificate")?;
                    let cert_path = root.join(&cert);
                    let certificate_pem =
                        std::fs::read(&cert_path).map_err(|source| SiteError::Io {
                            path: cert_path.clone(),
                            source,
                        })?;
                    ProxyAuth::Jwt {
                        certificate_pem,
                        user_id_claim: need(&def.jwt_user_id, "jwt_user_id")?,
                        user_directory_claim: need(&def.jwt_user_directory, "jwt_user_directory")?,
                        audience: def.jwt_audience.clone(),
                    }
                }
                "header" => ProxyAuth::Header {
                    header_name: need(&def.header_name, "header_name")?,
                    user_directory: need(&def.user_directory, "user_directory")?,
                },
                other => {
                    return Err(invalid(format!(
                        "virtual proxy `{}`: unknown method `{other}` (windows, jwt, header)",
                        def.prefix
                    )))
                }
            };
            if proxies.iter().any(|p: &VirtualProxy| {
                p.prefix.eq_ignore_ascii_case(&def.prefix) || p.session_cookie == def.session_cookie
            }) {
                return Err(invalid(format!(
                    "virtual proxy `{}`: prefix or session cookie used twice",
                    def.prefix
                )));
            }
            if def.prefix.contains('/') {
                return Err(invalid(format!(
                    "virtual proxy prefix `{}` contains `/`",
                    def.prefix
                )));
            }
            proxies.push(VirtualProxy {
                prefix: def.prefix.clone(),
                session_cookie: def.session_cookie.clone(),
                auth,
            });
        }
        let jwt_signing_key = match &file.jwt_signing_key {
            Some(p) => {
                let path = root.join(p);
                Some(std::fs::read(&path).map_err(|source| SiteError::Io { path, source })?)
            }
            None => None,
        };

        let mut apps = Vec::new();
        let apps_dir = root.join("apps");
        let mut folders: Vec<PathBuf> = read_dir_sorted(&apps_dir)?
            .into_iter()
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            let app = load_app(&folder, &|text, what| known_user(text, what))?;
            if let Some(stream) = &app.meta.stream {
                if !file
                    .streams
                    .iter()
                    .any(|s| s.name.eq_ignore_ascii_case(stream))
                {
                    return Err(SiteError::Invalid {
                        path: folder.join("app.json"),
                        message: format!("unknown stream `{stream}`"),
                    });
                }
            }
            if apps
                .iter()
                .any(|a: &App| a.meta.id.eq_ignore_ascii_case(&app.meta.id))
            {
                return Err(SiteError::Invalid {
                    path: folder.join("app.json"),
                    message: format!("app id {} used twice", app.meta.id),
                });
            }
            apps.push(app);
        }
        Ok(Site {
            root: root.to_path_buf(),
            name: file.name,
            users,
            streams: file.streams,
            connections: file.data_connections,
            proxies,
            apps,
            demo_user,
            jwt_signing_key,
            custom_properties: file.custom_properties,
            legacy_shapes: file.legacy_shapes,
        })
    }
}

fn load_app(
    folder: &Path,
    known_user: &dyn Fn(&str, &str) -> Result<UserId, SiteError>,
) -> Result<App, SiteError> {
    let app_path = folder.join("app.json");
    let meta: AppFile = read_json(&app_path)?;
    let owner = known_user(&meta.owner, &format!("app `{}` owner", meta.name))?;
    let script_path = folder.join("script.qvs");
    let script = match std::fs::read(&script_path) {
        Ok(bytes) => {
            crate::source::SourceFile::decode(script_path.display().to_string(), &bytes).text
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(SiteError::Io {
                path: script_path,
                source,
            })
        }
    };
    let mut objects = Vec::new();
    let objects_dir = folder.join("objects");
    if objects_dir.is_dir() {
        for path in read_dir_sorted(&objects_dir)? {
            if path.extension().is_some_and(|e| e == "json") {
                let file: ObjectFile = read_json(&path)?;
                let object = Object { file };
                if object.id().is_empty() || object.kind().is_empty() {
                    return Err(SiteError::Invalid {
                        path,
                        message: "qProperty.qInfo needs qId and qType".into(),
                    });
                }
                if let Some(owner) = &object.file.meta.owner {
                    known_user(owner, "object owner")?;
                }
                if objects.iter().any(|o: &Object| o.id() == object.id()) {
                    return Err(SiteError::Invalid {
                        path,
                        message: format!("object id `{}` used twice in this app", object.id()),
                    });
                }
                objects.push(object);
            }
        }
    }
    let model_path = folder.join("model.json");
    let model = if model_path.exists() {
        read_json(&model_path)?
    } else {
        ModelFile::default()
    };
    let lineage_path = folder.join("lineage.json");
    let lineage = if lineage_path.exists() {
        read_json(&lineage_path)?
    } else {
        Vec::new()
    };
    let connections_path = folder.join("connections.json");
    let connections = if connections_path.exists() {
        Some(read_json(&connections_path)?)
    } else {
        None
    };
    let fields_path = folder.join("fields.json");
    let fields = if fields_path.exists() {
        Some(read_json(&fields_path)?)
    } else {
        None
    };
    let log_path = folder.join("scriptlog.txt");
    let script_log = match std::fs::read(&log_path) {
        Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(SiteError::Io {
                path: log_path,
                source,
            })
        }
    };
    Ok(App {
        meta,
        owner,
        folder: folder.to_path_buf(),
        script,
        objects,
        model,
        lineage,
        script_log,
        connections,
        fields,
    })
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<PathBuf>, SiteError> {
    let io = |source| SiteError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        out.push(entry.map_err(io)?.path());
    }
    out.sort();
    Ok(out)
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, SiteError> {
    let bytes = std::fs::read(path).map_err(|source| SiteError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| SiteError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qlik_user_header_forms() {
        let want = UserId::new("INTERNAL", "sa_api");
        for text in [
            "UserDirectory=INTERNAL; UserId=sa_api",
            "UserDirectory=INTERNAL;UserId=sa_api",
            "userid=sa_api; userdirectory=internal",
            "UserDirectory=INTERNAL; UserId=sa%5Fapi",
            "UserDirectory=INTERNAL; UserId=sa_api;",
        ] {
            assert_eq!(
                UserId::from_qlik_user_header(text),
                Some(want.clone()),
                "{text}"
            );
        }
        assert_eq!(UserId::from_qlik_user_header("UserId=x"), None);
        assert_eq!(UserId::from_qlik_user_header("garbage"), None);
        assert!(want.is_internal_service());
    }
}

#[cfg(test)]
mod load_tests {
    use super::*;

    fn site_with(site_json: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("site.json"), site_json).unwrap();
        std::fs::create_dir(dir.path().join("apps")).unwrap();
        dir
    }

    const MINIMAL: &str = r#"{"name": "t", "users": [{"user": "D\\a", "root_admin": true}], "streams": [],
        "virtual_proxies": [{"prefix": "", "method": "windows", "session_cookie": "X-Qlik-Session"}], "demo_user": "D\\a"}"#;

    #[test]
    fn a_minimal_site_loads() {
        let dir = site_with(MINIMAL);
        let site = Site::load(dir.path()).unwrap();
        assert_eq!(site.demo_user, UserId::new("d", "A"));
        assert!(site.apps.is_empty());
    }

    #[test]
    fn errors_name_the_file_and_place() {
        let dir = site_with(&MINIMAL.replace("\"name\": \"t\"", "\"name\": \"t\", \"nmae\": 1"));
        let e = Site::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("site.json:1:") && e.contains("nmae"), "{e}");

        let dir = site_with(&MINIMAL.replace(
            "\"demo_user\": \"D\\\\a\"",
            "\"demo_user\": \"D\\\\nobody\"",
        ));
        let e = Site::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("site.json") && e.contains("unknown user"), "{e}");

        let dir = site_with(MINIMAL);
        let app = dir.path().join("apps/x");
        std::fs::create_dir_all(app.join("objects")).unwrap();
        std::fs::write(
            app.join("app.json"),
            r#"{"id": "a1", "name": "X", "owner": "D\\a", "stream": "Nope", "published": true,
                "createdDate": "2026-01-01T00:00:00.000Z", "modifiedDate": "2026-01-01T00:00:00.000Z"}"#,
        )
        .unwrap();
        let e = Site::load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("app.json") && e.contains("unknown stream `Nope`"),
            "{e}"
        );

        std::fs::write(
            app.join("app.json"),
            r#"{"id": "a1", "name": "X", "owner": "D\\a", "createdDate": "2026-01-01T00:00:00.000Z",
                "modifiedDate": "2026-01-01T00:00:00.000Z"}"#,
        )
        .unwrap();
        std::fs::write(
            app.join("objects/s.json"),
            r#"{"qProperty": {"qInfo": {"qType": "sheet"}}}"#,
        )
        .unwrap();
        let e = Site::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("s.json") && e.contains("qId"), "{e}");
        std::fs::write(app.join("objects/s.json"), "{ broken").unwrap();
        let e = Site::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("s.json:1:"), "{e}");
    }

    #[test]
    fn lib_paths_stay_inside_the_site() {
        let dir = site_with(MINIMAL);
        std::fs::create_dir_all(dir.path().join("files/Scripts")).unwrap();
        let json = MINIMAL.replace(
            "\"streams\": []",
            r#""streams": [], "data_connections": [{"id": "c1", "name": "Scripts", "type": "folder",
               "connectionstring": "\\\\fs\\scripts\\", "owner": "D\\a", "created": "2026-01-01T00:00:00.000Z",
               "modified": "2026-01-01T00:00:00.000Z"}]"#,
        );
        std::fs::write(dir.path().join("site.json"), json).unwrap();
        std::fs::write(dir.path().join("files/Scripts/a.qvs"), "LET x = 1;").unwrap();
        let site = Site::load(dir.path()).unwrap();
        assert_eq!(
            site.read_lib_file("lib://Scripts/a.qvs").as_deref(),
            Some(&b"LET x = 1;"[..])
        );
        assert_eq!(
            site.read_lib_file("LIB://scripts\\a.qvs").as_deref(),
            Some(&b"LET x = 1;"[..])
        );
        assert!(site.read_lib_file("lib://../site.json").is_none());
        assert!(site.read_lib_file("lib://Other/a.qvs").is_none());
        assert!(site
            .read_lib_file("lib://Scripts/../../site.json")
            .is_none());
        assert!(site.read_lib_file("c:/windows/win.ini").is_none());
    }
}
