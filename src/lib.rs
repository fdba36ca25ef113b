//! qlineage: a metadata catalog and data-lineage graph for Qlik Sense estates.
//!
//! Data flows one way: [`source`] → [`syntax`] → [`semantic`] → later stages; [`qvd`] sits at
//! the edge (raw headers), and [`semantic`] classifies QVD lineage. See ARCHITECTURE.md.

pub mod auth;
#[cfg(feature = "catalog")]
pub mod catalog;
pub mod cli;
#[cfg(feature = "crawl")]
pub mod crawl;
pub mod diagnostics;
pub mod inputs;
pub mod lineage;
pub mod lint;
pub mod preview;
#[cfg(feature = "crawl")]
pub mod push;
pub mod qlik;
pub mod qvd;
pub mod semantic;
#[cfg(feature = "simulate")]
pub mod simulate;
pub mod source;
pub mod syntax;
pub mod web;
pub mod wildcard;
