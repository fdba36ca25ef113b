//! The Qlik wire, one definition for both sides: the shapes the QRS REST API, the engine's
//! JSON-RPC and a site directory carry. The simulator serves these types and the crawler reads
//! them, so the two cannot drift apart. Compiled without any cargo feature: no I/O here.
//!
//! Real servers vary by version (Qlik Sense 3.x to current): readers here tolerate unknown
//! members, missing optional ones, `null` where a value was expected and numbers sent as
//! strings. [`lenient`] holds the serde helpers that make that so.

pub mod date;
pub mod engine;
pub mod lenient;
pub mod lineage;
pub mod qrs;
pub mod rpc;
pub mod script_log;
pub mod site_format;
