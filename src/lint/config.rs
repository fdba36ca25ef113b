//! `qlineage.toml`: which rules run, at what severity, with which options, where; found from
//! the linted path upwards (like ruff and rustfmt), or named with `--config`.
//!
//! ```toml
//! [lint]
//! select = ["correctness", "QL3", "select-star"]   # codes, code prefixes, names, categories, "ALL"
//! ignore = ["QL604"]
//! preview = false                                  # also run preview rules
//! fail-on = "warning"                              # the least severity that fails (exit 1)
//!
//! [lint.rules.unused-variable]                     # per rule, by name or code
//! severity = "info"
//! ignore = ["vColor*"]                             # rule-specific options
//!
//! [[lint.overrides]]                               # per path (wildcards, relative to this file)
//! paths = ["legacy/*"]
//! ignore = ["QL604"]
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{all_rules, RuleMeta, Severity, Stability};

/// The file name looked for.
pub const FILE_NAME: &str = "qlineage.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{origin}: `{selector}` names no rule, code prefix or category")]
    UnknownSelector { origin: String, selector: String },
    #[error("{origin}: unknown severity `{value}` (error, warning or info)")]
    UnknownSeverity { origin: String, value: String },
}

#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    lint: Option<LintTable>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LintTable {
    select: Option<Vec<String>>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    preview: bool,
    fail_on: Option<String>,
    #[serde(default)]
    rules: HashMap<String, toml::Table>,
    #[serde(default)]
    overrides: Vec<OverrideTable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideTable {
    paths: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
}

/// The command line's say, which wins over the file.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `--select`: replaces the file's `select`.
    pub select: Option<Vec<String>>,
    /// `--ignore`: added to the file's `ignore`.
    pub ignore: Vec<String>,
    /// `--deny warnings`: warnings fail too.
    pub deny_warnings: bool,
    /// `--preview`.
    pub preview: bool,
}

#[derive(Debug)]
struct Override {
    patterns: Vec<String>,
    ignored: Vec<&'static str>,
}

/// The settled configuration: enabled rules, severities, options and path overrides.
#[derive(Debug)]
pub struct Config {
    /// The file read, if any.
    pub file: Option<PathBuf>,
    /// Folder override paths are relative to (the file's, else the current one).
    pub root: PathBuf,
    /// Codes of the enabled rules (looked up for every rule of every app linted).
    enabled: rustc_hash::FxHashSet<&'static str>,
    severities: HashMap<&'static str, Severity>,
    options: HashMap<&'static str, toml::Table>,
    overrides: Vec<Override>,
    /// The least severity that makes the run fail.
    pub fail_on: Severity,
}

fn parse_severity(value: &str, origin: &str) -> Result<Severity, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "error" => Ok(Severity::Error),
        "warning" | "warnings" => Ok(Severity::Warning),
        "info" => Ok(Severity::Info),
        _ => Err(ConfigError::UnknownSeverity {
            origin: origin.to_string(),
            value: value.to_string(),
        }),
    }
}

/// Rules a selector names: `ALL`, a code, a code prefix (`QL1`), a name or a category.
fn matching(selector: &str, origin: &str) -> Result<Vec<&'static RuleMeta>, ConfigError> {
    let s = selector.trim();
    let found: Vec<&'static RuleMeta> = all_rules()
        .filter(|r| {
            s.eq_ignore_ascii_case("all")
                || (s.len() >= 3
                    && r.code.len() >= s.len()
                    && r.code[..s.len()].eq_ignore_ascii_case(s))
                || r.name.eq_ignore_ascii_case(s)
                || r.category.as_str().eq_ignore_ascii_case(s)
        })
        .collect();
    if found.is_empty() {
        return Err(ConfigError::UnknownSelector {
            origin: origin.to_string(),
            selector: selector.to_string(),
        });
    }
    Ok(found)
}

/// True when the selector names this one rule exactly (by code or name).
fn names_exactly(selector: &str, rule: &RuleMeta) -> bool {
    rule.code.eq_ignore_ascii_case(selector.trim())
        || rule.name.eq_ignore_ascii_case(selector.trim())
}

/// The nearest `qlineage.toml` from `start` (a file or folder) upwards.
pub fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

impl Config {
    /// The defaults: every stable rule, errors fail.
    pub fn default_config() -> Config {
        Config::build(
            None,
            PathBuf::from("."),
            LintTable::default(),
            &Selection::default(),
        )
        .expect("the defaults name only known rules")
    }

    /// Reads `file` (or the defaults when `None`) and applies the command line's selection.
    pub fn load(file: Option<&Path>, selection: &Selection) -> Result<Config, ConfigError> {
        let Some(path) = file else {
            let root = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
            return Config::build(None, root, LintTable::default(), selection);
        };
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let parsed: File = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let root = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Config::build(
            Some(path.to_path_buf()),
            root,
            parsed.lint.unwrap_or_default(),
            selection,
        )
    }

    fn build(
        file: Option<PathBuf>,
        root: PathBuf,
        table: LintTable,
        selection: &Selection,
    ) -> Result<Config, ConfigError> {
        let origin = file
            .as_ref()
            .map_or_else(|| "defaults".to_string(), |p| p.display().to_string());
        let (select, select_origin) = match &selection.select {
            Some(s) => (Some(s.clone()), "--select".to_string()),
            None => (table.select.clone(), origin.clone()),
        };
        let preview = table.preview || selection.preview;
        let mut enabled: Vec<&'static str> = Vec::new();
        match &select {
            None => enabled.extend(
                all_rules()
                    .filter(|r| r.stability == Stability::Stable || preview)
                    .map(|r| r.code),
            ),
            Some(selectors) => {
                for selector in selectors {
                    for rule in matching(selector, &select_origin)? {
                        let wanted = rule.stability == Stability::Stable
                            || preview
                            || names_exactly(selector, rule);
                        if wanted && !enabled.contains(&rule.code) {
                            enabled.push(rule.code);
                        }
                    }
                }
            }
        }
        for (selector, origin) in table
            .ignore
            .iter()
            .map(|s| (s, origin.as_str()))
            .chain(selection.ignore.iter().map(|s| (s, "--ignore")))
        {
            let ignored = matching(selector, origin)?;
            enabled.retain(|code| !ignored.iter().any(|r| r.code == *code));
        }
        let mut severities = HashMap::new();
        let mut options = HashMap::new();
        for (key, mut settings) in table.rules {
            let rules = matching(&key, &origin)?;
            let [rule] = rules[..] else {
                return Err(ConfigError::UnknownSelector {
                    origin: format!("{origin} [lint.rules]"),
                    selector: key,
                });
            };
            if let Some(value) = settings.remove("severity") {
                let text = value.as_str().unwrap_or_default().to_string();
                severities.insert(rule.code, parse_severity(&text, &origin)?);
            }
            options.insert(rule.code, settings);
        }
        let mut overrides = Vec::new();
        for o in table.overrides {
            let mut ignored = Vec::new();
            for selector in &o.ignore {
                ignored.extend(matching(selector, &origin)?.iter().map(|r| r.code));
            }
            overrides.push(Override {
                patterns: o.paths,
                ignored,
            });
        }
        let fail_on = if selection.deny_warnings {
            Severity::Warning
        } else {
            match &table.fail_on {
                Some(v) => parse_severity(v, &origin)?,
                None => Severity::Error,
            }
        };
        Ok(Config {
            file,
            root,
            enabled: enabled.into_iter().collect(),
            severities,
            options,
            overrides,
            fail_on,
        })
    }

    pub fn is_enabled(&self, rule: &RuleMeta) -> bool {
        self.enabled.contains(&rule.code)
    }

    /// The rule's severity after `[lint.rules.<rule>] severity`.
    pub fn severity(&self, rule: &RuleMeta) -> Severity {
        self.severities
            .get(rule.code)
            .copied()
            .unwrap_or(rule.severity)
    }

    pub fn options(&self, rule: &RuleMeta) -> Option<&toml::Table> {
        self.options.get(rule.code)
    }

    /// False when a path override turns the rule off for this file.
    pub fn applies_to(&self, rule: &RuleMeta, path: &str) -> bool {
        if self.overrides.is_empty() {
            return true;
        }
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| PathBuf::from(path));
        let root = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        let relative = absolute
            .strip_prefix(&root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| path.replace('\\', "/"));
        !self.overrides.iter().any(|o| {
            o.ignored.contains(&rule.code)
                && o.patterns
                    .iter()
                    .any(|p| crate::wildcard::matches(p, &relative))
        })
    }

    /// Whether a finding of this severity fails the run.
    pub fn fails(&self, severity: Severity) -> bool {
        // `Severity` orders Error < Warning < Info.
        severity <= self.fail_on
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(text: &str, selection: Selection) -> Result<Config, ConfigError> {
        let parsed: File = toml::from_str(text).unwrap();
        Config::build(
            None,
            PathBuf::from("."),
            parsed.lint.unwrap_or_default(),
            &selection,
        )
    }

    #[test]
    fn selectors_by_code_prefix_name_and_category() {
        let c = build(
            "[lint]\nselect = [\"QL1\", \"select-star\", \"security\"]\nignore = [\"QL101\"]",
            Selection::default(),
        )
        .unwrap();
        let on = |code: &str| c.is_enabled(super::super::rule_by_code(code).unwrap());
        assert!(on("QL106") && on("QL302") && on("QL401"));
        assert!(!on("QL101") && !on("QL205"));
    }

    #[test]
    fn preview_rules_need_naming_or_preview() {
        let unused = super::super::rule_by_code("QL201").unwrap();
        assert!(!build("", Selection::default()).unwrap().is_enabled(unused));
        assert!(
            build("[lint]\nselect=[\"unused-variable\"]", Selection::default())
                .unwrap()
                .is_enabled(unused)
        );
        assert!(build("[lint]\npreview=true", Selection::default())
            .unwrap()
            .is_enabled(unused));
    }

    #[test]
    fn command_line_wins_and_errors_name_the_selector() {
        let c = build(
            "[lint]\nselect=[\"QL1\"]",
            Selection {
                select: Some(vec!["QL302".into()]),
                deny_warnings: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(!c.is_enabled(super::super::rule_by_code("QL101").unwrap()));
        assert_eq!(c.fail_on, Severity::Warning);
        let e = build("[lint]\nignore=[\"QL999\"]", Selection::default()).unwrap_err();
        assert!(e.to_string().contains("QL999"), "{e}");
        assert!(toml::from_str::<File>("[lint]\nselct=[]").is_err());
    }

    #[test]
    fn rule_severity_and_options() {
        let c = build(
            "[lint.rules.unused-variable]\nseverity=\"info\"\nignore=[\"v*\"]",
            Selection::default(),
        )
        .unwrap();
        let rule = super::super::rule_by_code("QL201").unwrap();
        assert_eq!(c.severity(rule), Severity::Info);
        assert!(c.options(rule).unwrap().contains_key("ignore"));
    }
}
