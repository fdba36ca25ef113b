//! Expanding command-line paths into the script files to read.

use std::path::{Path, PathBuf};

/// True for files `parse` picks up inside directories: `*.qvs`, `*.qvs.txt`, `*.inc`, and
/// `LoadScript.txt` in a QlikView `-prj` folder.
pub fn is_script_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.ends_with(".qvs") || name.ends_with(".qvs.txt") || name.ends_with(".inc") {
        return true;
    }
    name == "loadscript.txt"
        && path
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.to_ascii_lowercase().ends_with("-prj"))
}

/// Files named on the command line are taken whatever their extension; directories are walked
/// recursively (sorted, so output order is stable) for script files.
pub fn collect(inputs: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for input in inputs {
        let meta = std::fs::metadata(input)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", input.display())))?;
        if meta.is_dir() {
            walk(input, &mut out)?;
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(&path, out)?;
        } else if is_script_file(&path) {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_script_files() {
        assert!(is_script_file(Path::new("a/b.qvs")));
        assert!(is_script_file(Path::new("a/b.QVS.txt")));
        assert!(is_script_file(Path::new("a/b.inc")));
        assert!(is_script_file(Path::new("a/Sales-prj/LoadScript.txt")));
        assert!(!is_script_file(Path::new("a/LoadScript.txt")));
        assert!(!is_script_file(Path::new("a/b.qvd")));
    }
}
