//! The driver: resolve the apps once (keeping their trees), build each app's view, run the
//! enabled rules over each app in one pass (apps in parallel), then the estate rules, then
//! severities, path overrides and suppressions.

use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;

use super::registry::{entries, Check, Entry};
use super::rules::{unused_suppression, Sink};
use super::{suppress, AppView, Config, Finding};
use crate::semantic::{self, AppInput, ResolveOptions};
use crate::source::SourceFile;

/// What a lint run found.
#[derive(Debug)]
pub struct LintRun {
    /// Sorted by path, position and code; duplicates (an include shared by apps) removed.
    pub findings: Vec<Finding>,
    /// The files read, by path: the renderers quote them.
    pub sources: BTreeMap<String, SourceFile>,
    pub apps: usize,
}

impl LintRun {
    /// True when a finding is at or above the configuration's failing severity.
    pub fn fails(&self, config: &Config) -> bool {
        self.findings.iter().any(|f| config.fails(f.severity))
    }
}

/// Where a lint run is, for a progress display (`qlineage lint` on a terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LintProgress {
    /// Resolving the apps (one step for the whole estate).
    Resolving { apps: usize },
    /// One more app's rules have run.
    Linted { done: usize, apps: usize },
}

/// Lints the apps as one estate.
pub fn lint(inputs: &[AppInput], options: &ResolveOptions, config: &Config) -> LintRun {
    lint_with_progress(inputs, options, config, &|_| {})
}

/// [`lint`], telling `progress` where it is (called from worker threads).
pub fn lint_with_progress(
    inputs: &[AppInput],
    options: &ResolveOptions,
    config: &Config,
    progress: &(dyn Fn(LintProgress) + Sync),
) -> LintRun {
    let options = ResolveOptions {
        keep_syntax: true,
        ..options.clone()
    };
    progress(LintProgress::Resolving { apps: inputs.len() });
    let resolved = if inputs.len() > 1 {
        semantic::resolve_estate(inputs, &options)
    } else {
        inputs
            .iter()
            .map(|input| semantic::resolve(input, &options))
            .collect()
    };
    let views: Vec<AppView> = resolved
        .iter()
        .zip(inputs)
        .map(|(r, input)| AppView::new(r, input))
        .collect();
    // The enabled rules and their options, looked up once per run rather than per app.
    let plan: Vec<(&Entry, Option<&toml::Table>)> = entries()
        .iter()
        .filter(|e| config.is_enabled(e.meta))
        .map(|e| (e, config.options(e.meta)))
        .collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let lint_one = |me: usize| {
        let findings = lint_app(&views, me, config, &plan);
        let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(LintProgress::Linted {
            done,
            apps: views.len(),
        });
        findings
    };
    // One app (the common case in CI and the corpus) runs on this thread: handing a single
    // job to the rayon pool and waiting for it costs more than small apps' rules.
    let per_app: Vec<Vec<Finding>> = if views.len() > 1 {
        (0..views.len()).into_par_iter().map(lint_one).collect()
    } else {
        (0..views.len()).map(lint_one).collect()
    };
    drop(views);
    // The files move out of the models (no copy of their text).
    let mut sources = BTreeMap::new();
    for r in resolved {
        for f in r.model.files {
            sources.entry(f.source.path.clone()).or_insert(f.source);
        }
    }
    let mut findings: Vec<Finding> = per_app.into_iter().flatten().collect();
    findings.sort_by(|a, b| {
        (
            a.path.as_str(),
            a.span.start,
            a.rule.code,
            a.span.end,
            a.message.as_str(),
        )
            .cmp(&(
                b.path.as_str(),
                b.span.start,
                b.rule.code,
                b.span.end,
                b.message.as_str(),
            ))
    });
    let mut seen = HashSet::new();
    findings.retain(|f| {
        seen.insert((
            f.path.clone(),
            f.span.start,
            f.span.end,
            f.rule.code,
            f.message.clone(),
        ))
    });
    LintRun {
        findings,
        sources,
        apps: inputs.len(),
    }
}

/// One app: every enabled rule (`plan`, in registry order), then configuration and
/// suppressions.
fn lint_app(
    views: &[AppView],
    me: usize,
    config: &Config,
    plan: &[(&Entry, Option<&toml::Table>)],
) -> Vec<Finding> {
    let view = &views[me];
    let mut findings = Vec::new();
    for &(entry, options) in plan {
        let mut sink = Sink::new(entry.meta, options, &mut findings);
        match entry.check {
            Check::App(check) => check(view, &mut sink),
            Check::Estate(check) => check(views, me, &mut sink),
        }
    }
    let path_of = |file: u32| {
        view.model
            .files
            .get(file as usize)
            .map(|f| f.source.path.clone())
            .unwrap_or_else(|| view.model.path.clone())
    };
    for f in &mut findings {
        f.app = view.model.path.clone();
        f.path = path_of(f.file);
        f.severity = if f.severity == f.rule.severity {
            config.severity(f.rule)
        } else {
            f.severity
        };
    }
    findings.retain(|f| config.applies_to(f.rule, &f.path));
    let mut suppressions = suppress::collect(view);
    suppress::apply(&mut findings, &mut suppressions);
    let rule = &unused_suppression::RULE;
    if config.is_enabled(rule) {
        for s in &suppressions {
            for (entry, used) in &s.entries {
                if *used {
                    continue;
                }
                let known = super::all_rules().find(|r| {
                    r.code.eq_ignore_ascii_case(entry) || r.name.eq_ignore_ascii_case(entry)
                });
                let message = match known {
                    None => format!("`{entry}` names no rule: this suppression suppresses nothing"),
                    Some(r) if !config.is_enabled(r) => continue,
                    Some(r) => format!("suppression of {} ({}) is unused", r.code, r.name),
                };
                let path = path_of(s.file);
                if !config.applies_to(rule, &path) {
                    continue;
                }
                let mut sink_findings = Vec::new();
                Sink::new(rule, None, &mut sink_findings)
                    .report(s.file, s.span, message)
                    .help("delete it, or correct the code it names");
                for mut f in sink_findings {
                    f.app = view.model.path.clone();
                    f.path = path.clone();
                    f.severity = config.severity(rule);
                    findings.push(f);
                }
            }
        }
    }
    findings
}
