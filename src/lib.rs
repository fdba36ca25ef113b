//! qlineage: a metadata catalog and data-lineage graph for Qlik Sense estates.
//!
//! Data flows one way: [`source`] → [`syntax`] → later stages. See ARCHITECTURE.md.

pub mod diagnostics;
pub mod source;
pub mod syntax;
pub mod cli;
