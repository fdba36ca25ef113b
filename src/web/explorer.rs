//! The explorer's data layer: one read-only index over an estate's lineage, built once, that
//! every view (search, node facts, neighbourhoods, impact, app badges, script excerpts) reads.
//!
//! It is deliberately neutral about where the lineage came from: today it is built from the
//! same inputs as `qlineage lineage` ([`Explorer::from_lineage`]) or from the catalog
//! ([`Explorer::from_catalog`]). What a data source cannot tell
//! (crawl history, sheet previews) is said by [`Capabilities`], never invented.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Serialize;

use crate::lineage::export::Membership;
use crate::lineage::{LineageGraph, Node, NodeKind};

/// Script text kept for excerpts is capped per file and in total, so a huge estate cannot
/// make the server hold gigabytes; a file over the cap is listed as missing, with why.
const MAX_SOURCE_FILE_BYTES: u64 = 8 << 20;
const MAX_SOURCE_TOTAL_BYTES: u64 = 256 << 20;

/// Where the lineage came from, and what that source can answer.
#[derive(Debug, Clone, Serialize)]
pub struct Origin {
    /// `lineage-inputs` (scripts, app folders, site snapshots) or `catalog`.
    pub source: &'static str,
    /// When this index was built (RFC 3339, UTC).
    pub built_at: String,
    /// The last crawl the data comes from, when the source records it (the catalog does;
    /// lineage inputs do not).
    pub last_crawl: Option<String>,
    pub capabilities: Capabilities,
}

/// Views a data source may lack; the API answers 501 for a missing one.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Capabilities {
    /// The `changes` report between crawls (the catalog keeps crawl history).
    pub changes: bool,
    /// Sheet previews (rendered from the catalog's sheet view models).
    pub previews: bool,
}

/// A script file's text, split in lines, or why it is not available.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum SourceText {
    Lines { lines: Vec<String> },
    Missing { missing: String },
}

/// Why the explorer could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ExplorerError {
    #[error("--db {path}: this qlineage is built without the catalog (feature `catalog`); give the lineage inputs (scripts, app folders, site snapshots) instead")]
    CatalogNotBuiltIn { path: String },
    #[error("--db {path}: {message}")]
    Catalog { path: String, message: String },
}

/// The index. Read-only after construction; shared between requests.
#[derive(Debug)]
pub struct Explorer {
    lineage: LineageGraph,
    /// Node id → the id of the app node it belongs to.
    app_of: HashMap<String, String>,
    /// Nodes in id order with their lower-cased name and id, for search.
    search: Vec<SearchEntry>,
    sources: BTreeMap<String, SourceText>,
    origin: Origin,
    /// The catalog file behind this index, for the views read per request (changes,
    /// previews); `None` for lineage inputs.
    catalog: Option<std::path::PathBuf>,
}

#[derive(Debug)]
struct SearchEntry {
    id: String,
    name_lower: String,
    id_lower: String,
}

impl Explorer {
    /// The index over a lineage graph built from lineage inputs; the script files its edges
    /// name are read (relative to the working directory, as the spans give them) for excerpts.
    pub fn from_lineage(lineage: LineageGraph) -> Explorer {
        let sources = read_sources(&lineage);
        Explorer::with_sources(lineage, sources, lineage_inputs_origin())
    }

    /// The index over the catalog's last lineage build, with the apps' scripts for
    /// excerpts, the last crawl's time, and the catalog's changes and previews.
    #[cfg(feature = "catalog")]
    pub fn from_catalog(path: &Path) -> Result<Explorer, ExplorerError> {
        let data = super::catalog_source::read(path)?;
        let mut explorer = Explorer::with_sources(
            data.lineage,
            data.sources,
            origin("catalog", data.last_crawl, true, true),
        );
        explorer.catalog = Some(path.to_path_buf());
        Ok(explorer)
    }

    /// Without the catalog feature there is no catalog to read.
    #[cfg(not(feature = "catalog"))]
    pub fn from_catalog(path: &Path) -> Result<Explorer, ExplorerError> {
        Err(ExplorerError::CatalogNotBuiltIn {
            path: path.display().to_string(),
        })
    }

    /// The index with script texts given by the caller (tests, the catalog).
    pub fn with_sources(
        lineage: LineageGraph,
        sources: BTreeMap<String, SourceText>,
        origin: Origin,
    ) -> Explorer {
        let membership = Membership::of(&lineage.graph);
        let nodes = lineage.graph.nodes();
        let mut app_of = HashMap::new();
        let mut search = Vec::with_capacity(nodes.len());
        for node in &nodes {
            if let Some(app) = membership.app_of(&node.id) {
                app_of.insert(node.id.clone(), app.id.clone());
            }
            search.push(SearchEntry {
                id: node.id.clone(),
                name_lower: node.name.to_lowercase(),
                id_lower: node.id.to_lowercase(),
            });
        }
        Explorer {
            lineage,
            app_of,
            search,
            sources,
            origin,
            catalog: None,
        }
    }

    /// The catalog file this index was built from, if any.
    pub fn catalog_path(&self) -> Option<&Path> {
        self.catalog.as_deref()
    }

    pub fn lineage(&self) -> &LineageGraph {
        &self.lineage
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.lineage.graph.node(id)
    }

    /// The app node a node belongs to (an app belongs to itself).
    pub fn app_of(&self, id: &str) -> Option<&Node> {
        let node = self.node(id)?;
        if node.kind == NodeKind::App {
            return Some(node);
        }
        self.app_of.get(id).and_then(|a| self.node(a))
    }

    pub fn sources(&self) -> &BTreeMap<String, SourceText> {
        &self.sources
    }

    /// The text of a script file an edge names (None for any other path).
    pub fn source_lines(&self, file: &str) -> Option<&SourceText> {
        self.sources.get(file)
    }

    /// Nodes whose name or id holds every word of the query, best first: exact name, name
    /// prefix, a word of the name starting with the query, name substring, then id substring;
    /// ties go to the kinds people look for first (apps, sheets, datasets), then shorter names.
    pub fn search(&self, query: &str, kind: Option<NodeKind>, limit: usize) -> Vec<Hit<'_>> {
        let query = query.trim().to_lowercase();
        let words: Vec<&str> = query.split_whitespace().collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<(u8, u8, usize, &str)> = Vec::new();
        for entry in &self.search {
            if !words
                .iter()
                .all(|w| entry.name_lower.contains(w) || entry.id_lower.contains(w))
            {
                continue;
            }
            let Some(node) = self.node(&entry.id) else {
                continue;
            };
            if kind.is_some_and(|k| k != node.kind) {
                continue;
            }
            let name = &entry.name_lower;
            let class = if *name == query {
                0
            } else if name.starts_with(&query) {
                1
            } else if name
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| w.starts_with(words[0]))
            {
                2
            } else if name.contains(&query) {
                3
            } else {
                4
            };
            hits.push((class, kind_rank(node.kind), name.len(), &entry.id));
        }
        hits.sort();
        hits.into_iter()
            .take(limit)
            .filter_map(|(class, _, _, id)| {
                let node = self.node(id)?;
                Some(Hit {
                    id: &node.id,
                    kind: node.kind,
                    name: &node.name,
                    app: self.app_of(id).filter(|a| a.id != node.id).map(AppRef::of),
                    matched: match class {
                        0 => "name",
                        1 => "name_prefix",
                        2 => "word_prefix",
                        3 => "name_substring",
                        _ => "id_substring",
                    },
                })
            })
            .collect()
    }
}

/// A search result.
#[derive(Debug, Serialize)]
pub struct Hit<'e> {
    pub id: &'e str,
    pub kind: NodeKind,
    pub name: &'e str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app: Option<AppRef<'e>>,
    /// How the query matched (the rank class).
    pub matched: &'static str,
}

/// An app named beside a node.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AppRef<'e> {
    pub id: &'e str,
    pub name: &'e str,
}

impl<'e> AppRef<'e> {
    pub fn of(node: &'e Node) -> AppRef<'e> {
        AppRef {
            id: &node.id,
            name: &node.name,
        }
    }
}

/// Which kinds come first among equally good matches.
fn kind_rank(kind: NodeKind) -> u8 {
    match kind {
        NodeKind::App => 0,
        NodeKind::Sheet => 1,
        NodeKind::VisualObject | NodeKind::MasterVisualization => 2,
        NodeKind::MasterMeasure | NodeKind::MasterDimension => 3,
        NodeKind::Qvd | NodeKind::DbTable | NodeKind::File => 4,
        NodeKind::Database | NodeKind::DataConnection => 5,
        NodeKind::AppTable | NodeKind::InlineTable => 6,
        NodeKind::DbColumn | NodeKind::QvdField | NodeKind::FileField => 7,
        NodeKind::AppField => 8,
        _ => 9,
    }
}

fn origin(
    source: &'static str,
    last_crawl: Option<String>,
    changes: bool,
    previews: bool,
) -> Origin {
    Origin {
        source,
        built_at: now_rfc3339(),
        last_crawl,
        capabilities: Capabilities { changes, previews },
    }
}

/// The origin of an index built from lineage inputs (no crawl history, no previews).
pub fn lineage_inputs_origin() -> Origin {
    origin("lineage-inputs", None, false, false)
}

fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Reads every script file an edge's span names, within the caps.
fn read_sources(lineage: &LineageGraph) -> BTreeMap<String, SourceText> {
    let mut files: Vec<&str> = lineage
        .graph
        .edges()
        .iter()
        .filter_map(|e| e.edge.span.as_ref().map(|s| s.file.as_str()))
        .collect();
    files.sort_unstable();
    files.dedup();
    let mut total = 0u64;
    let mut out = BTreeMap::new();
    for file in files {
        let text = match std::fs::metadata(file) {
            Ok(meta) if meta.len() > MAX_SOURCE_FILE_BYTES => SourceText::Missing {
                missing: format!("larger than {} MiB", MAX_SOURCE_FILE_BYTES >> 20),
            },
            Ok(meta) if total + meta.len() > MAX_SOURCE_TOTAL_BYTES => SourceText::Missing {
                missing: "over the server's total script budget".into(),
            },
            Ok(meta) => match std::fs::read(file) {
                Ok(bytes) => {
                    total += meta.len();
                    let decoded = crate::source::SourceFile::decode(file, &bytes);
                    SourceText::Lines {
                        lines: decoded.text.lines().map(str::to_string).collect(),
                    }
                }
                Err(e) => SourceText::Missing {
                    missing: e.to_string(),
                },
            },
            Err(e) => SourceText::Missing {
                missing: e.to_string(),
            },
        };
        out.insert(file.to_string(), text);
    }
    out
}
