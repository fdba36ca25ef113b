//! Sheets read from the catalog (`qlineage crawl --db`): the app's objects as the last crawl
//! stored them, drawn by the same builder as a site directory's.

use super::build::{app_view, AppRef};
use super::model::AppView;
use super::{PreviewError, SheetSource, SiteLink};
use crate::catalog::{App, Catalog};

/// A catalog as a source of sheets.
pub struct CatalogSource {
    catalog: Catalog,
}

impl CatalogSource {
    /// Opens the catalog read-only: a preview never changes it, nor waits for a crawl.
    pub fn open(path: &std::path::Path) -> Result<CatalogSource, PreviewError> {
        let catalog = Catalog::open_read_only(path).map_err(catalog_error)?;
        Ok(CatalogSource { catalog })
    }

    /// The link to the app's site as the catalog recorded it (address, alias host, virtual
    /// proxy), when the crawl knew the address; imported snapshots have none.
    pub fn site_link(&self, app: &str) -> Result<Option<SiteLink>, PreviewError> {
        let app = self.find(app)?;
        let sites = self.catalog.sites().map_err(catalog_error)?;
        let Some(site) = sites.into_iter().find(|s| s.id == app.site_id) else {
            return Ok(None);
        };
        let Some(url) = site.base_url.as_deref() else {
            return Ok(None);
        };
        let prefix = (!site.virtual_proxy.is_empty()).then_some(site.virtual_proxy.as_str());
        Ok(SiteLink::new(url, prefix, site.alias_host.as_deref()).ok())
    }

    /// The live app matched by id, then by name (which must be unique).
    fn find(&self, wanted: &str) -> Result<App, PreviewError> {
        if let Some(app) = self.catalog.app(wanted).map_err(catalog_error)? {
            if app.deleted_run.is_none() {
                return Ok(app);
            }
        }
        let apps = self.catalog.apps().map_err(catalog_error)?;
        let by_name: Vec<&App> = apps.iter().filter(|a| a.name == wanted).collect();
        match by_name.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(PreviewError::AppNotFound {
                app: wanted.to_string(),
                known: apps
                    .iter()
                    .map(|a| format!("{} ({})", a.id, a.name))
                    .collect(),
            }),
            many => Err(PreviewError::AppAmbiguous {
                app: wanted.to_string(),
                ids: many.iter().map(|a| a.id.clone()).collect(),
            }),
        }
    }
}

impl SheetSource for CatalogSource {
    fn app(&self, wanted: &str) -> Result<AppView, PreviewError> {
        let app = self.find(wanted)?;
        let snapshot = self
            .catalog
            .app_snapshot(&app.id)
            .map_err(catalog_error)?
            .ok_or_else(|| PreviewError::AppNotFound {
                app: wanted.to_string(),
                known: Vec::new(),
            })?;
        let objects: Vec<_> = snapshot.objects.into_iter().map(|(_, o)| o).collect();
        Ok(app_view(
            AppRef {
                id: &app.id,
                name: &app.name,
            },
            &objects,
        ))
    }
}

fn catalog_error(e: crate::catalog::CatalogError) -> PreviewError {
    PreviewError::Catalog(e.to_string())
}
