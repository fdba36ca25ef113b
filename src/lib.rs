//! qlineage: a metadata catalog and data-lineage graph for Qlik Sense estates.
//!
//! Data flows one way: [`source`] → [`syntax`] → later stages; [`qvd`] sits at the edge and
//! uses [`syntax`] for the statements in QVD lineage. See ARCHITECTURE.md.

pub mod auth;
pub mod cli;
#[cfg(feature = "crawl")]
pub mod crawl;
pub mod diagnostics;
pub mod inputs;
pub mod qlik;
pub mod qvd;
#[cfg(feature = "simulate")]
pub mod simulate;
pub mod source;
pub mod syntax;
