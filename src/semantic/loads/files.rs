//! Paths (`lib://`, DIRECTORY), headers read from disk inside the allowed roots, and STORE.

use super::*;

impl Machine<'_> {
    pub(in crate::semantic) fn resolve(&self, written: &str) -> ResolvedPath {
        resolve_path(
            written,
            self.state.directory.as_deref(),
            self.connections,
            self.app_dir.as_deref(),
        )
    }

    /// Reports a path that is not determined; true when it is.
    pub(super) fn report_path(
        &mut self,
        res: &ResolvedPath,
        written: &str,
        location: Location,
    ) -> bool {
        if res.resolved.is_some() && res.problem.is_none() && !written.contains(['*', '?']) {
            return true;
        }
        if res.resolved.is_some() && res.problem.is_none() {
            self.unresolved(
                location,
                written,
                "the path holds a wildcard: every matching file is read",
                false,
            );
            return false;
        }
        let runtime = self.runtime_within(location);
        let reason = res
            .problem
            .clone()
            .unwrap_or_else(|| "path not determined".into());
        self.unresolved(location, written, &reason, runtime);
        res.resolved.is_some() && !written.contains("$(")
    }

    /// Field names from a QVD header, when the file can be read inside the allowed roots.
    pub(super) fn qvd_fields(&mut self, res: &ResolvedPath, written: &str) -> Option<Vec<String>> {
        let mut candidates: Vec<PathBuf> = res.disk.iter().cloned().collect();
        let tail = written
            .strip_prefix("lib://")
            .or_else(|| written.strip_prefix("LIB://"))
            .and_then(|r| r.split_once(['/', '\\']).map(|(_, t)| t.to_string()));
        let file_name = written
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(written)
            .to_string();
        for dir in &self.options.qvd_dirs {
            if let Some(tail) = &tail {
                let mut p = dir.clone();
                for part in tail.split(['/', '\\']).filter(|p| !p.is_empty()) {
                    p.push(part);
                }
                candidates.push(p);
            }
            candidates.push(dir.join(&file_name));
        }
        for candidate in candidates {
            if let Ok(real) = self.qvd_roots.check(&candidate) {
                if let Some(cached) = self.qvd_cache.get(&real) {
                    return cached.clone();
                }
                let fields = crate::qvd::read_header(&real).ok().map(|h| {
                    h.fields
                        .into_iter()
                        .map(|f| f.field_name)
                        .collect::<Vec<_>>()
                });
                self.qvd_cache.insert(real, fields.clone());
                if fields.is_some() {
                    return fields;
                }
            }
        }
        None
    }

    /// The header line of a delimited text file with embedded labels, when readable.
    pub(super) fn text_file_fields(
        &mut self,
        res: &ResolvedPath,
        format: Option<&FormatSpec>,
    ) -> Option<Vec<String>> {
        let items = format.map(|f| f.items.as_slice()).unwrap_or(&[]);
        let txt = items
            .iter()
            .any(|i| matches!(i, FormatItem::FileType(w) if w.word == FileType::Txt));
        let embedded = items
            .iter()
            .any(|i| matches!(i, FormatItem::Labels(w) if w.word == Labels::Embedded));
        if !txt || !embedded {
            return None;
        }
        let real = self.qvd_roots.check(res.disk.as_ref()?).ok()?;
        use std::io::{BufRead, Read};
        let file = std::fs::File::open(real).ok()?;
        let mut line = String::new();
        std::io::BufReader::new(file.take(64 * 1024))
            .read_line(&mut line)
            .ok()?;
        let delimiter = delimiter_of(format);
        Some(split_header(
            line.trim_start_matches('\u{feff}').trim_end(),
            &delimiter,
        ))
    }

    pub(in crate::semantic) fn exec_store(
        &mut self,
        store: &StmtStore,
        span: Span,
        origin: Origin,
    ) {
        let location = origin.loc(span);
        let table = store
            .tables
            .first()
            .map(|t| t.text.as_str().to_owned())
            .unwrap_or_default();
        let found = self.state.tables.find_any(&table);
        let table_fields: Vec<String> = found
            .map(|i| {
                self.state.tables.tables[i]
                    .table
                    .fields
                    .iter()
                    .map(|f| f.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        if found.is_none() {
            if table.contains("$(") {
                let runtime = self.runtime_within(location);
                self.unresolved(
                    location,
                    &table,
                    "STORE names a table through a $(…) whose value is unknown",
                    runtime,
                );
            } else if !self.is_conditional() {
                self.unknown_table(location, &table, "STORE");
                self.unresolved(
                    location,
                    &table,
                    "STORE of a table that does not exist at this point",
                    false,
                );
            }
        }
        let mut fields = Vec::new();
        for f in &store.fields {
            match f {
                StoreField::All(_) => fields.extend(table_fields.iter().cloned()),
                StoreField::Field { name, alias } => {
                    fields.push(alias.as_ref().unwrap_or(name).text.as_str().to_owned())
                }
            }
        }
        if store.fields.is_empty() {
            fields = table_fields;
        }
        let written = store.path.text.clone();
        let res = self.resolve(&written);
        let path_ok = self.report_path(&res, &written, origin.loc(store.path.span));
        let format = format_word(store.format.as_ref()).unwrap_or_else(|| {
            let lower = written.to_ascii_lowercase();
            if lower.ends_with(".csv") || lower.ends_with(".txt") {
                "txt".into()
            } else if lower.ends_with(".parquet") {
                "parquet".into()
            } else {
                "qvd".into()
            }
        });
        let conditional = self.is_conditional();
        self.push_store(Store {
            location,
            table,
            fields,
            path: written,
            resolved_path: res.resolved,
            format,
            resolved: path_ok && found.is_some(),
            conditional,
        });
    }
}
