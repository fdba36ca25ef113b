//! Scan files and folders for QVDs and describe each one as a [`QvdRecord`].
//!
//! Folders are walked recursively for `*.qvd` (any case); files named on the command line are
//! read whatever their extension. Files are read in parallel with rayon; results come back
//! sorted by path so output is deterministic. One bad file never stops the scan: its error is
//! returned in its place.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::error::{QvdError, QvdWarning};
use super::file::QvdFile;
use super::header::{NumberFormat, QvdHeader};
use super::lineage::{analyse_lineage, LineageEntry};
use super::profile::{profile, ProfileOptions, TableProfile};

/// What to read besides the header.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScanOptions {
    /// Profile symbol tables (and count NULLs if asked); `None` reads headers only.
    pub profile: Option<ProfileOptions>,
}

/// One QVD as the catalog and the `qlineage qvd` JSON output see it. Field names are stable.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QvdRecord {
    pub path: String,
    pub table_name: String,
    pub no_of_records: u64,
    pub creator_doc: String,
    pub create_utc_time: String,
    pub fields: Vec<FieldRecord>,
    pub lineage: Vec<LineageEntry>,
    /// Present when profiling was asked for.
    pub profile: Option<TableProfile>,
    /// Problems that did not stop the read; the CLI renders them as diagnostics.
    #[serde(skip)]
    pub warnings: Vec<QvdWarning>,
}

/// One field of a [`QvdRecord`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldRecord {
    pub name: String,
    pub no_of_symbols: u64,
    pub bit_width: u32,
    pub bias: i32,
    pub number_format: NumberFormat,
    pub tags: Vec<String>,
    pub comment: String,
}

impl QvdRecord {
    /// Builds the record from a header, classifying its lineage.
    pub fn from_header(
        path: &Path,
        header: QvdHeader,
        warnings: Vec<QvdWarning>,
        profile: Option<TableProfile>,
    ) -> QvdRecord {
        QvdRecord {
            path: path.display().to_string(),
            lineage: analyse_lineage(&header.lineage),
            fields: header
                .fields
                .into_iter()
                .map(|field| FieldRecord {
                    name: field.field_name,
                    no_of_symbols: field.no_of_symbols,
                    bit_width: field.bit_width,
                    bias: field.bias,
                    number_format: field.number_format,
                    tags: field.tags,
                    comment: field.comment,
                })
                .collect(),
            table_name: header.table_name,
            no_of_records: header.no_of_records,
            creator_doc: header.creator_doc,
            create_utc_time: header.create_utc_time,
            profile,
            warnings,
        }
    }
}

/// The outcome for one file.
#[derive(Debug)]
pub struct ScannedFile {
    pub path: PathBuf,
    pub result: Result<QvdRecord, QvdError>,
}

/// Reads one QVD: header always, profile if asked.
pub fn read_record(path: &Path, options: &ScanOptions) -> Result<QvdRecord, QvdError> {
    let file = QvdFile::open(path)?;
    let profile = match &options.profile {
        Some(profile_options) => Some(profile(&file, profile_options)?),
        None => None,
    };
    let (header, warnings) = file.into_parts();
    Ok(QvdRecord::from_header(path, header, warnings, profile))
}

/// Finds the QVDs under `paths` and reads them in parallel, sorted by path.
pub fn scan(paths: &[PathBuf], options: &ScanOptions) -> Vec<ScannedFile> {
    let mut files = Vec::new();
    let mut walk_errors = Vec::new();
    for path in paths {
        collect_files(path, true, &mut files, &mut walk_errors);
    }
    files.sort();
    files.dedup();
    let mut scanned: Vec<ScannedFile> = files
        .par_iter()
        .map(|path| ScannedFile {
            path: path.clone(),
            result: read_record(path, options),
        })
        .collect();
    scanned.extend(walk_errors);
    scanned.sort_by(|a, b| a.path.cmp(&b.path));
    scanned
}

/// Adds `path` if it is a file (named explicitly, or a `.qvd` found in a folder), or walks it if
/// it is a folder. Symbolic links to folders are not followed, so link cycles cannot loop.
fn collect_files(
    path: &Path,
    named: bool,
    files: &mut Vec<PathBuf>,
    errors: &mut Vec<ScannedFile>,
) {
    let io_error = |source| ScannedFile {
        path: path.to_path_buf(),
        result: Err(QvdError::Io {
            path: path.to_path_buf(),
            source,
        }),
    };
    let metadata = match fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) => return errors.push(io_error(error)),
    };
    let is_dir = metadata.is_dir() || (named && metadata.is_symlink() && path.is_dir());
    if !is_dir {
        if named || (is_qvd_name(path) && path.is_file()) {
            files.push(path.to_path_buf());
        }
        return;
    }
    let entries = match fs::read_dir(path) {
        Ok(entries) => entries,
        Err(error) => return errors.push(io_error(error)),
    };
    for entry in entries {
        match entry {
            Ok(entry) => collect_files(&entry.path(), false, files, errors),
            Err(error) => errors.push(io_error(error)),
        }
    }
}

fn is_qvd_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("qvd"))
}
