//! `$(Include=…)` and `$(Must_Include=…)` run: candidates in the allowed roots, cycles and
//! depth caught, the included file's statements executed in place.

use super::*;

impl Machine<'_> {
    pub(super) fn exec_include(
        &mut self,
        include: &crate::syntax::ast::StmtInclude,
        span: Span,
        origin: Origin,
    ) -> Flow {
        let location = origin.loc(span);
        let mut path = include.path.trim().to_string();
        if path.contains("$(") && !origin.expanded() {
            // The path sits inside the `$(…)` token: expand it on its own.
            let expansion = self.expand_text(&path, include.expansion.span, origin);
            path = expansion.text.trim().to_string();
        }
        let path = unquote(&path).to_string();
        let (code, level) = if include.must {
            (Code::MustIncludeMissing, "Must_Include")
        } else {
            (Code::IncludeMissing, "Include")
        };
        let candidates = self.include_candidates(&path, origin.file);
        if candidates.is_empty() {
            self.unresolved(
                location,
                &path,
                &format!(
                    "{level} path not determined: {}",
                    if path.contains("$(") {
                        "it holds a $(…) whose value is unknown"
                    } else {
                        "no local file for it"
                    }
                ),
                false,
            );
            return Flow::Normal;
        }
        let mut refusal = ReadRefusal::Missing;
        for candidate in &candidates {
            match self.include_roots.check(candidate) {
                Ok(real) => return self.run_include(real, candidate, location, &path),
                Err(ReadRefusal::OutsideRoots) => refusal = ReadRefusal::OutsideRoots,
                Err(ReadRefusal::Missing) => {}
            }
        }
        match refusal {
            ReadRefusal::OutsideRoots => {
                self.diagnostic(
                    location,
                    Diagnostic::new(
                        Code::IncludeOutsideRoots,
                        location.span,
                        format!("{level} `{path}` is outside the allowed include roots: not read"),
                    )
                    .with_help("allow its folder with --include-root DIR"),
                );
                self.unresolved(
                    location,
                    &path,
                    "include refused: outside the allowed include roots",
                    false,
                );
            }
            ReadRefusal::Missing => {
                self.diagnostic(
                    location,
                    Diagnostic::new(
                        code,
                        location.span,
                        format!("{level} file `{path}` not found"),
                    )
                    .with_note(if include.must {
                        "Must_Include fails the reload when the file is missing"
                    } else {
                        "Include of a missing file is silently nothing in Qlik"
                    }),
                );
                self.unresolved(location, &path, &format!("{level} file not found"), false);
            }
        }
        Flow::Normal
    }

    /// Local files an include path may mean: through a folder connection, against DIRECTORY,
    /// against the including file's folder.
    pub(super) fn include_candidates(&self, path: &str, from: FileId) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let direct = resolve_path(path, None, self.connections, None);
        if let Some(disk) = direct.disk {
            if std::path::Path::new(path).is_absolute()
                || path.to_ascii_lowercase().starts_with("lib://")
            {
                out.push(disk);
                return out;
            }
        }
        if let Some(dir) = &self.state.directory {
            if let Some(disk) =
                resolve_path(path, Some(dir), self.connections, self.app_dir.as_deref()).disk
            {
                out.push(disk);
            }
        }
        let including = std::path::Path::new(&self.files[from as usize].source.path)
            .parent()
            .map(|p| p.to_path_buf());
        if let Some(dir) = including.or_else(|| self.app_dir.clone()) {
            let mut p = dir;
            for part in path.split(['/', '\\']).filter(|p| !p.is_empty()) {
                p.push(part);
            }
            out.push(p);
        }
        out
    }

    /// Runs an include file; `real` is its canonical path (for cycles), `shown` the path as
    /// found (for output, so it stays relative when the input was).
    pub(super) fn run_include(
        &mut self,
        real: PathBuf,
        shown: &std::path::Path,
        location: Location,
        written: &str,
    ) -> Flow {
        if self.include_stack.contains(&real) {
            self.diagnostic(
                location,
                Diagnostic::new(
                    Code::IncludeCycle,
                    location.span,
                    format!(
                        "`{written}` includes itself (through {} files)",
                        self.include_stack.len()
                    ),
                ),
            );
            self.unresolved(location, written, "include cycle: not read again", false);
            return Flow::Normal;
        }
        if self.include_stack.len() >= MAX_INCLUDE_DEPTH {
            self.diagnostic(
                location,
                Diagnostic::new(
                    Code::IncludeTooDeep,
                    location.span,
                    format!("includes nested {MAX_INCLUDE_DEPTH} deep"),
                ),
            );
            self.unresolved(location, written, "includes nested too deep", false);
            return Flow::Normal;
        }
        let bytes = match std::fs::read(&real) {
            Ok(b) => b,
            Err(e) => {
                self.unresolved(
                    location,
                    written,
                    &format!("include not readable: {e}"),
                    false,
                );
                return Flow::Normal;
            }
        };
        let source = SourceFile::decode(shown.display().to_string(), &bytes);
        let (file, script) = self.add_file(source, Some(location));
        let text = self.text_of(file);
        let origin = Origin {
            file,
            text: &text,
            map: None,
        };
        self.include_stack.push(real);
        self.collect_subs(&script.statements, origin, None);
        let flow = self.exec_block(&script.statements, origin);
        self.include_stack.pop();
        match flow {
            Flow::ExitScript => Flow::ExitScript,
            _ => Flow::Normal,
        }
    }
}
