//! A shim for code that still asks the CLI for script files. Discovery (which files a folder
//! holds, links, unreadable entries) lives in [`crate::inputs`]; use that instead.

use std::path::PathBuf;

pub use crate::inputs::is_script_file;

/// The script files under `inputs`, or the first entry that could not be read as an
/// `io::Error` naming it. Kept for the `syntax` unit tests until they call
/// [`crate::inputs::script_files`] directly.
pub fn collect(inputs: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    crate::inputs::script_files(inputs)
        .into_result()
        .map_err(|error| std::io::Error::other(error.to_string()))
}
