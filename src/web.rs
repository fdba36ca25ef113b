//! The lineage explorer: a local web app over an estate's lineage (`qlineage serve`), the
//! same app as one self-contained file (`qlineage lineage --format html`), and the JSON API
//! the app and the browser extension (`extension/`) read (`docs/api.md`).
//!
//! - [`explorer`]: the read-only index every view reads (built from lineage inputs today,
//!   from the catalog through [`explorer::Explorer::from_catalog`] later).
//! - [`views`]: node facts, neighbourhoods, impact, app badges, script excerpts.
//! - [`api`]: request → response as a pure function (routing, validation, headers).
//! - [`assets`]: the front end (`web/`), compiled in.
//! - [`html_file`]: the self-contained file.
//! - [`server`]: hyper around [`api::handle`] (feature `serve`).

pub mod api;
pub mod assets;
#[cfg(feature = "catalog")]
pub mod catalog_source;
pub mod explorer;
pub mod html_file;
#[cfg(feature = "serve")]
pub mod server;
pub mod views;

pub use explorer::{Explorer, ExplorerError};
