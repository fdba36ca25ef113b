//! Writing the graph in the formats people and catalogs read. Every writer is deterministic
//! (nodes and edges sorted by id), so outputs diff cleanly between runs.

pub mod json;

/// The output formats of `qlineage lineage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
}

/// Writes the graph in `format`.
pub fn write(
    lineage: &super::LineageGraph,
    format: ExportFormat,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        ExportFormat::Json => {
            json::write(lineage, &mut *out).map_err(std::io::Error::other)?;
            writeln!(out)
        }
    }
}
