//! The `<LineageInfo>` entries of a QVD header, as Qlik wrote them.
//!
//! `qvd` keeps only the raw entries: what they name (files, connections, SQL tables, STOREs)
//! is lineage vocabulary and lives in [`crate::semantic::sources`], which reads the
//! statements with the script parser and the SQL analyser.

use serde::Serialize;

use super::header::LineageInfo;

/// One lineage entry of a QVD header: the discriminator (what the engine read or wrote) and
/// the statement that did it, both as Qlik wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineageEntry {
    pub discriminator: String,
    pub statement: String,
}

/// The header's lineage entries, in header order. (Named for the record builder that calls
/// it; classification is [`crate::semantic::sources::classify_lineage`].)
pub fn analyse_lineage(lineage: &[LineageInfo]) -> Vec<LineageEntry> {
    lineage
        .iter()
        .map(|info| LineageEntry {
            discriminator: info.discriminator.clone(),
            statement: info.statement.clone(),
        })
        .collect()
}
