//! Finding input files: the one walker every command, test and bench uses, so they all agree on
//! which files a folder holds, how links are treated and what happens when an entry cannot be
//! read.
//!
//! Policy, the same for scripts and QVDs:
//! - A path named as an input is taken whatever its name if it is a file, and walked if it is a
//!   folder (a symbolic link is looked through in both cases).
//! - Inside folders, files are kept when the caller's predicate accepts their path. Symbolic
//!   links are followed, because Qlik estates often link shared `lib` or `include` folders into
//!   each app's folder; a link back to one of its own ancestors is reported as a loop instead
//!   of being walked forever.
//! - An entry that cannot be read (a folder that cannot be listed, a link whose target cannot be
//!   read) is reported with its path, never skipped. The one exception is a dangling link whose
//!   own name the predicate rejects: it cannot be a wanted file, and its target is gone.
//! - Files come back sorted by path and without duplicates, so output is deterministic.
//!
//! Built on `walkdir`, which does the loop detection with same-file identity checks.

use std::io;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// The files found under some inputs, and every entry that could not be read.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Sorted, without duplicates.
    pub files: Vec<PathBuf>,
    /// In the order found.
    pub errors: Vec<InputError>,
}

impl Inputs {
    /// The files, or the first error when there is one.
    pub fn into_result(self) -> Result<Vec<PathBuf>, InputError> {
        match self.errors.into_iter().next() {
            Some(error) => Err(error),
            None => Ok(self.files),
        }
    }
}

/// An input entry that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct InputError {
    pub path: PathBuf,
    #[source]
    pub problem: InputProblem,
}

/// Why an entry could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputProblem {
    #[error("{0}")]
    Io(io::Error),
    /// A symbolic link leads back to the folder `ancestor`, which holds it.
    #[error("symbolic link loops back to {}", .0.display())]
    Loop(PathBuf),
}

impl InputProblem {
    /// The problem as an `io::Error`, for callers whose error types carry one.
    pub fn into_io_error(self) -> io::Error {
        match self {
            InputProblem::Io(error) => error,
            loop_problem @ InputProblem::Loop(_) => io::Error::other(loop_problem),
        }
    }
}

/// Finds the files under `inputs` that `wanted` accepts (named files are always taken).
pub fn discover(inputs: &[PathBuf], wanted: impl Fn(&Path) -> bool) -> Inputs {
    let mut found = Inputs::default();
    for input in inputs {
        match std::fs::metadata(input) {
            Ok(metadata) if metadata.is_dir() => walk(input, &wanted, &mut found),
            Ok(_) => found.files.push(input.clone()),
            Err(error) => found.errors.push(InputError {
                path: input.clone(),
                problem: InputProblem::Io(error),
            }),
        }
    }
    found.files.sort();
    found.files.dedup();
    found
}

fn walk(dir: &Path, wanted: &impl Fn(&Path) -> bool, found: &mut Inputs) {
    let entries = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter();
    for entry in entries {
        match entry {
            Ok(entry) => {
                if entry.file_type().is_file() && wanted(entry.path()) {
                    found.files.push(entry.into_path());
                }
            }
            Err(error) => {
                let path = error.path().unwrap_or(dir).to_path_buf();
                if let Some(ancestor) = error.loop_ancestor() {
                    let ancestor = ancestor.to_path_buf();
                    found.errors.push(InputError {
                        path,
                        problem: InputProblem::Loop(ancestor),
                    });
                    continue;
                }
                if is_dangling_link(&path) && !wanted(&path) {
                    continue;
                }
                let io_error = error
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("cannot be read"));
                found.errors.push(InputError {
                    path,
                    problem: InputProblem::Io(io_error),
                });
            }
        }
    }
}

fn is_dangling_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink())
        && std::fs::metadata(path).is_err()
}

/// True for the files `parse` picks up inside folders: `*.qvs`, `*.qvs.txt`, `*.inc`, and
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

/// True for `*.qvd` in any case.
pub fn is_qvd_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("qvd"))
}

/// The script files under `inputs`, as `qlineage parse` reads them.
pub fn script_files(inputs: &[PathBuf]) -> Inputs {
    discover(inputs, is_script_file)
}

/// The QVD files under `inputs`, as `qlineage qvd` reads them.
pub fn qvd_files(inputs: &[PathBuf]) -> Inputs {
    discover(inputs, is_qvd_file)
}

/// Every file under `dir`, for tests and benches that filter for themselves.
pub fn all_files(dir: &Path) -> Inputs {
    discover(&[dir.to_path_buf()], |_| true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn picks_script_files() {
        assert!(is_script_file(Path::new("a/b.qvs")));
        assert!(is_script_file(Path::new("a/b.QVS.txt")));
        assert!(is_script_file(Path::new("a/b.inc")));
        assert!(is_script_file(Path::new("a/Sales-prj/LoadScript.txt")));
        assert!(!is_script_file(Path::new("a/LoadScript.txt")));
        assert!(!is_script_file(Path::new("a/b.qvd")));
        assert!(is_qvd_file(Path::new("a/b.QVD")) && !is_qvd_file(Path::new("a/qvd")));
    }

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::create_dir_all(root.join("b/deep")).unwrap();
        fs::create_dir_all(root.join("a")).unwrap();
        for file in [
            "b/deep/z.qvs",
            "b/x.qvs",
            "a/y.QVS",
            "a/notes.txt",
            "top.qvd",
        ] {
            fs::write(root.join(file), "x").unwrap();
        }
        dir
    }

    #[test]
    fn files_come_back_sorted_filtered_and_once() {
        let dir = tree();
        let root = dir.path();
        let named = root.join("a/notes.txt");
        let found = script_files(&[named.clone(), root.to_path_buf(), root.join("b")]);
        assert!(found.errors.is_empty(), "{:?}", found.errors);
        let relative: Vec<PathBuf> = found
            .files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
            .collect();
        let expected: Vec<PathBuf> = ["a/notes.txt", "a/y.QVS", "b/deep/z.qvs", "b/x.qvs"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(relative, expected);
        assert_eq!(
            qvd_files(&[root.to_path_buf()]).files,
            [root.join("top.qvd")]
        );
    }

    #[test]
    fn a_missing_input_is_an_error_with_its_path() {
        let dir = tree();
        let missing = dir.path().join("missing");
        let found = script_files(&[missing.clone(), dir.path().to_path_buf()]);
        assert_eq!(found.files.len(), 3);
        assert_eq!(found.errors.len(), 1);
        assert_eq!(found.errors[0].path, missing);
        assert!(matches!(found.errors[0].problem, InputProblem::Io(_)));
        assert!(found.into_result().is_err());
    }

    #[cfg(unix)]
    #[test]
    fn links_are_followed_loops_and_dangling_wanted_links_reported() {
        use std::os::unix::fs::symlink;
        let dir = tree();
        let root = dir.path();
        // A shared folder linked into another, a loop, and two dangling links.
        symlink(root.join("b"), root.join("a/shared")).unwrap();
        symlink(root, root.join("b/deep/up")).unwrap();
        symlink(root.join("gone.qvs"), root.join("a/dangling.qvs")).unwrap();
        symlink(root.join("gone.txt"), root.join("a/dangling.txt")).unwrap();
        let found = script_files(&[root.join("a")]);
        let relative: Vec<PathBuf> = found
            .files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            relative,
            [
                PathBuf::from("a/shared/deep/z.qvs"),
                PathBuf::from("a/shared/x.qvs"),
                PathBuf::from("a/y.QVS"),
            ]
        );
        let problems: Vec<String> = found
            .errors
            .iter()
            .map(|e| {
                let path = e.path.strip_prefix(root).unwrap().display().to_string();
                match &e.problem {
                    InputProblem::Loop(_) => format!("loop {path}"),
                    InputProblem::Io(_) => format!("io {path}"),
                }
            })
            .collect();
        assert!(
            problems.contains(&"io a/dangling.qvs".to_string()),
            "{problems:?}"
        );
        // `up` leads back above the walk: reported once, not walked again.
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("loop a/shared/deep/up")),
            "{problems:?}"
        );
        assert!(
            !problems.iter().any(|p| p.contains("dangling.txt")),
            "{problems:?}"
        );
    }
}
