//! The `GetLineage` entry: one data source or STORE of the app's last reload, the same pair
//! the QVD header's `LineageInfo` holds.

use serde::{Deserialize, Serialize};

/// One lineage entry as the engine reports it: a discriminator (a resolved path, `{Conn};`,
/// `RESIDENT T;`, `INLINE;`, a STORE…) and, for database reads, the statement text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LineageEntry {
    #[serde(rename = "qDiscriminator", default)]
    pub discriminator: String,
    #[serde(rename = "qStatement", default)]
    pub statement: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_defaults_to_empty_and_round_trips() {
        let e: LineageEntry = serde_json::from_str(r#"{"qDiscriminator":"INLINE;"}"#).unwrap();
        assert_eq!(e.discriminator, "INLINE;");
        assert_eq!(e.statement, "");
        let back = serde_json::to_string(&e).unwrap();
        assert_eq!(back, r#"{"qDiscriminator":"INLINE;","qStatement":""}"#);
    }
}
