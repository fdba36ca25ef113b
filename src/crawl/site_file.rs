//! `site.json` of a snapshot, from the QRS inventory: users (no passwords: QRS has none),
//! streams, connections, custom property definitions, the default Windows virtual proxy and
//! the crawl's identity as demo user. Every owner the apps name becomes a user, so the
//! snapshot always loads as a site.

use super::config::Config;
use super::site_client::SiteClient;
use crate::qlik::date;
use crate::qlik::qrs;
use crate::qlik::site_format::{
    ConnectionDef, CustomPropertyDef, SiteFile, StreamDef, UserDef, VirtualProxyDef,
};
use serde_json::Value;
use std::path::Path;

fn user_name(u: &Option<qrs::UserCondensed>) -> Option<String> {
    u.as_ref().and_then(qrs::UserCondensed::qualified)
}

/// `site.json` for the snapshot: no passwords (QRS never gives them), the default Windows
/// virtual proxy (QRS proxy configs are not crawled), the crawl's identity as demo user.
pub fn site_file(
    config: &Config,
    site: &SiteClient,
    users: Vec<qrs::User>,
    streams: &[qrs::Stream],
    connections: &[qrs::DataConnection],
    definitions: &[qrs::CustomPropertyDefinition],
    known_owners: Vec<String>,
) -> SiteFile {
    let mut user_defs: Vec<UserDef> = users
        .into_iter()
        .filter(|u| !u.user_id.is_empty())
        .map(|u| UserDef {
            user: format!("{}\\{}", u.user_directory, u.user_id),
            name: u.name,
            password: None,
            root_admin: u.roles.iter().any(|r| r.eq_ignore_ascii_case("RootAdmin")),
            streams: Vec::new(),
        })
        .collect();
    // Every owner must be a user of the site: add those QRS did not list.
    let mut owners: Vec<String> = streams
        .iter()
        .filter_map(|s| user_name(&s.owner))
        .chain(connections.iter().filter_map(|c| user_name(&c.owner)))
        .collect();
    owners.extend(known_owners);
    owners.extend(site.identity.clone());
    for o in owners {
        if !user_defs.iter().any(|u| u.user.eq_ignore_ascii_case(&o)) {
            let root_admin = site.identity.as_deref() == Some(o.as_str());
            user_defs.push(UserDef {
                name: o.rsplit('\\').next().unwrap_or(&o).to_owned(),
                user: o,
                password: None,
                root_admin,
                streams: Vec::new(),
            });
        }
    }
    user_defs.sort_by_key(|a| a.user.to_lowercase());
    let demo_user = site
        .identity
        .clone()
        .filter(|i| user_defs.iter().any(|u| u.user.eq_ignore_ascii_case(i)))
        .or_else(|| {
            user_defs
                .iter()
                .find(|u| u.root_admin)
                .map(|u| u.user.clone())
        })
        .or_else(|| user_defs.first().map(|u| u.user.clone()))
        .unwrap_or_default();
    let mut stream_defs: Vec<StreamDef> = streams
        .iter()
        .map(|s| StreamDef {
            id: s.entity.id.clone(),
            name: s.name.clone(),
            owner: user_name(&s.owner).unwrap_or_else(|| demo_user.clone()),
            created: date::normalize(&s.entity.created_date),
            modified: date::normalize(&s.entity.modified_date),
            tags: s.tags.iter().map(|t| t.name.clone()).collect(),
        })
        .collect();
    stream_defs.sort_by(|a, b| a.id.cmp(&b.id));
    let mut connection_defs: Vec<ConnectionDef> = connections
        .iter()
        .map(|c| ConnectionDef {
            id: c.entity.id.clone(),
            name: c.name.clone(),
            kind: c.kind.clone(),
            connectionstring: c.connection_string.clone(),
            username: c.username.clone(),
            owner: user_name(&c.owner).unwrap_or_else(|| demo_user.clone()),
            created: date::normalize(&c.entity.created_date),
            modified: date::normalize(&c.entity.modified_date),
        })
        .collect();
    connection_defs.sort_by(|a, b| a.id.cmp(&b.id));
    let mut custom_properties: Vec<CustomPropertyDef> = definitions
        .iter()
        .map(|d| CustomPropertyDef {
            name: d.name.clone(),
            value_type: if d.value_type.is_empty() {
                "Text".into()
            } else {
                d.value_type.clone()
            },
            choice_values: d.choice_values.clone(),
            object_types: d.object_types.clone(),
            description: d.description.clone(),
        })
        .collect();
    custom_properties.sort_by(|a, b| a.name.cmp(&b.name));
    SiteFile {
        name: config.server.site_name.clone(),
        users: user_defs,
        streams: stream_defs,
        data_connections: connection_defs,
        virtual_proxies: vec![VirtualProxyDef {
            prefix: String::new(),
            method: "windows".into(),
            session_cookie: "X-Qlik-Session".into(),
            windows_pattern: None,
            jwt_certificate: None,
            jwt_user_id: None,
            jwt_user_directory: None,
            jwt_audience: None,
            header_name: None,
            user_directory: None,
        }],
        demo_user,
        jwt_signing_key: None,
        custom_properties,
        legacy_shapes: false,
    }
}

/// Owners named in the app and object files written so far (apps from earlier crawls into the
/// same folder included), so `site.json` knows them all.
pub fn app_owners(out: &Path) -> Vec<String> {
    let mut owners = Vec::new();
    let Ok(entries) = std::fs::read_dir(out.join("apps")) else {
        return owners;
    };
    for entry in entries.flatten() {
        let dir = entry.path();
        if !dir.is_dir() || entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if let Ok(bytes) = std::fs::read(dir.join("app.json")) {
            if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                owners.extend(v["owner"].as_str().map(str::to_owned));
            }
        }
        if let Ok(objects) = std::fs::read_dir(dir.join("objects")) {
            for o in objects.flatten() {
                if let Ok(bytes) = std::fs::read(o.path()) {
                    if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                        owners.extend(
                            v.pointer("/meta/owner")
                                .and_then(Value::as_str)
                                .map(str::to_owned),
                        );
                    }
                }
            }
        }
    }
    owners
}
