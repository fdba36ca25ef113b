//! The crawler: reads a Qlik Sense Enterprise on Windows site through QRS and the engine and
//! writes what it read as a site directory (docs/site-format.md), the format the simulator
//! serves, so a production crawl can be replayed offline.
//!
//! In pipeline order: [`config`] and [`secret`] (what to connect to, secrets by reference),
//! [`tls`] (trust and client certificates), [`site_client`] (login and QRS), [`engine_client`]
//! (JSON-RPC over WebSocket), [`polite`] (retries, rate limit), [`run`] (the crawl),
//! [`snapshot`] (atomic writes), [`validate`] (step-by-step connection checks).

pub mod config;
mod disk_log;
pub mod engine_client;
pub mod error;
pub mod inventory;
pub mod one_connection;
pub mod polite;
pub mod run;
pub mod secret;
pub mod site_client;
pub mod site_file;
pub mod snapshot;
pub mod tls;
pub mod validate;

pub use config::{AuthMethod, Config};
pub use error::CrawlError;
pub use run::{crawl, crawl_into, Delta, FolderSink, Progress, Sink, Summary, Tee};
