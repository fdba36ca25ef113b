//! Scan files and folders for QVDs and describe each one as a [`QvdRecord`].
//!
//! Folders are walked recursively for `*.qvd` (any case) by the shared walker in
//! [`crate::inputs`]; files named on the command line are read whatever their extension. Files are read in parallel with rayon; results come back
//! sorted by path so output is deterministic. One bad file never stops the scan: its error is
//! returned in its place.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use super::error::{QvdError, QvdWarning};
use super::file::QvdFile;
use super::header::{NumberFormat, QvdHeader};
use super::lineage::{analyse_lineage, LineageEntry};
use super::profile::{profile, ProfileOptions, TableProfile};
use crate::inputs;

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

/// Finds the QVDs under `paths` (see [`crate::inputs`] for which files, links and errors) and
/// reads them in parallel, sorted by path. An entry the walk could not read comes back as an
/// `Io` error in its place.
pub fn scan(paths: &[PathBuf], options: &ScanOptions) -> Vec<ScannedFile> {
    let found = inputs::qvd_files(paths);
    let mut scanned: Vec<ScannedFile> = found
        .files
        .par_iter()
        .map(|path| ScannedFile {
            path: path.clone(),
            result: read_record(path, options),
        })
        .collect();
    scanned.extend(found.errors.into_iter().map(|error| ScannedFile {
        path: error.path.clone(),
        result: Err(QvdError::Io {
            path: error.path,
            source: error.problem.into_io_error(),
        }),
    }));
    scanned.sort_by(|a, b| a.path.cmp(&b.path));
    scanned
}
