//! Report preview: a faithful wireframe of each sheet of an app, drawn from the sheet's grid
//! (`columns`, `rows`, cells with `col`/`row`/`colspan`/`rowspan` or `bounds`) with every
//! visual object where Qlik draws it: its title, visualization type, dimensions and measures
//! (master items resolved), and a link that opens the sheet on the site.
//!
//! In pipeline order: a [`SheetSource`] yields an [`AppView`] ([`site_dir`] reads a site
//! directory through [`build`]; the catalog will be another source); [`link`] adds the
//! site address; [`svg`] and [`html`] draw it. Nothing here knows where the sheets came
//! from, and every name is escaped on the way out ([`escape`]).

pub mod build;
#[cfg(feature = "catalog")]
pub mod catalog_source;
pub mod escape;
pub mod html;
pub mod link;
pub mod model;
pub mod site_dir;
pub mod svg;

use std::path::PathBuf;

pub use link::SiteLink;
pub use model::{AppView, SheetView};
pub use site_dir::SiteDirectory;

/// Where sheets come from: a site directory or the catalog. One app at a time, all its
/// sheets.
pub trait SheetSource {
    /// The app named by id (or another unambiguous name the source knows it by).
    fn app(&self, app: &str) -> Result<AppView, PreviewError>;
}

/// Why a preview cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
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
    #[error("{0}: not a site directory (no apps/ folder; see docs/site-format.md)")]
    NotASite(PathBuf),
    #[error("no app `{app}` (known: {})", known.join(", "))]
    AppNotFound { app: String, known: Vec<String> },
    #[error("several apps are called `{app}`; give its id: {}", ids.join(", "))]
    AppAmbiguous { app: String, ids: Vec<String> },
    #[error("app `{app}` has no sheet `{sheet}` (its sheets: {})", known.join(", "))]
    SheetNotFound {
        app: String,
        sheet: String,
        known: Vec<String>,
    },
    #[error("app `{0}` has no sheets")]
    NoSheets(String),
    #[error("{0}")]
    Catalog(String),
}

/// The app's sheets to draw: all of them, or the one `sheet` names (by id, or by title when
/// only one sheet has it), each with its site link when `link` is given.
pub fn select(
    mut app: AppView,
    sheet: Option<&str>,
    link: Option<&SiteLink>,
) -> Result<Vec<SheetView>, PreviewError> {
    if app.sheets.is_empty() {
        return Err(PreviewError::NoSheets(app.id));
    }
    if let Some(wanted) = sheet {
        let by_id = app.sheets.iter().position(|s| s.id == wanted);
        let by_title: Vec<usize> = (0..app.sheets.len())
            .filter(|&i| app.sheets[i].title == wanted)
            .collect();
        let index = by_id.or(match by_title.as_slice() {
            [one] => Some(*one),
            _ => None,
        });
        let Some(index) = index else {
            return Err(PreviewError::SheetNotFound {
                app: app.id,
                sheet: wanted.to_string(),
                known: app
                    .sheets
                    .iter()
                    .map(|s| format!("{} ({})", s.id, s.title))
                    .collect(),
            });
        };
        let chosen = app.sheets.swap_remove(index);
        app.sheets = vec![chosen];
    }
    if let Some(link) = link {
        for s in &mut app.sheets {
            s.link = Some(link.sheet_url(&s.app_id, &s.id));
        }
    }
    Ok(app.sheets)
}
