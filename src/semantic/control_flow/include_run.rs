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
        if !self.can_look_at(&path) || candidates.is_empty() {
            self.unread_include.get_or_insert_with(|| path.clone());
        }
        if candidates.is_empty() {
            let reason = if path.contains("$(") {
                format!("{level} path not determined: it holds a $(…) whose value is unknown")
            } else {
                match resolve_path(&path, None, self.connections, None).resolved {
                    Some(server) if server != path => format!(
                        "{level} not read: `{server}` has no local copy here (map its folder with --mount SERVER=LOCAL)"
                    ),
                    _ => format!(
                        "{level} not read: no local copy of its folder (map it with --mount SERVER=LOCAL)"
                    ),
                }
            };
            self.unresolved(location, &path, &reason, false);
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
                self.unread_include.get_or_insert_with(|| path.clone());
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

    /// Whether a `lib://` or absolute include path has a local copy to look at. When it has
    /// not (a server share this machine does not see), a missing file proves nothing about
    /// the server, where the include may well exist.
    fn can_look_at(&self, path: &str) -> bool {
        let lower = path.to_ascii_lowercase();
        let rooted = lower.starts_with("lib://")
            || path.starts_with(['/', '\\'])
            || path.as_bytes().get(1) == Some(&b':');
        !rooted
            || resolve_path(path, None, self.connections, None)
                .disk
                .is_some()
    }

    /// Local files an include path may mean: through a folder connection, against DIRECTORY,
    /// against the including file's folder.
    pub(super) fn include_candidates(&self, path: &str, from: FileId) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let direct = resolve_path(path, None, self.connections, None);
        let lib = path.to_ascii_lowercase().starts_with("lib://");
        if let Some(disk) = direct.disk {
            if std::path::Path::new(path).is_absolute() || lib {
                out.push(disk);
                return out;
            }
        }
        if !self.can_look_at(path) {
            // A server path: only the folders the user named for include scripts can hold it.
            let unified = path.replace('\\', "/");
            let under_connection = unified
                .get(6..)
                .filter(|_| lib)
                .and_then(|rest| rest.split_once('/'))
                .map(|(_, tail)| tail.to_string());
            let file_name = unified.rsplit('/').next().unwrap_or(&unified).to_string();
            for dir in &self.options.include_dirs {
                if let Some(tail) = &under_connection {
                    out.push(join_parts(dir, tail));
                }
                out.push(dir.join(&file_name));
            }
            return out;
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
        if let Some(root) = self.root_path.take() {
            if let Ok(root) = std::fs::canonicalize(root) {
                self.include_stack.insert(0, root);
            }
        }
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

fn join_parts(dir: &std::path::Path, tail: &str) -> PathBuf {
    let mut p = dir.to_path_buf();
    for part in tail.split('/').filter(|p| !p.is_empty() && *p != ".") {
        p.push(part);
    }
    p
}
