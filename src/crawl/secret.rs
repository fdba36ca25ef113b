//! Secrets by reference only: a configuration names where a password, token or key password
//! lives (`env:NAME`, `file:PATH`, `cmd:COMMAND`), never the value. The value is a [`Secret`]
//! whose `Debug` and `Display` print `[redacted]`, so it cannot reach a log, an error or a
//! snapshot by accident; only [`Secret::expose`] gives it out, at the point of use.

use std::fmt;
use std::path::{Path, PathBuf};

/// A secret value. Compare and print it only through [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Where a secret lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// An environment variable.
    Env(String),
    /// A file (relative to the configuration file); one trailing newline is dropped.
    File(PathBuf),
    /// A command whose standard output is the secret, as git credential helpers work, so any
    /// vault's command line fits.
    Command(String),
}

/// Why a secret cannot be had. Never holds the value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    #[error("`{0}` is not a secret reference: write env:NAME, file:PATH or cmd:COMMAND (a secret is never written in the configuration itself)")]
    NotAReference(String),
    #[error("environment variable {0} is not set")]
    EnvMissing(String),
    #[error("cannot read secret file {path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("secret command `{command}` failed: {message}")]
    Command { command: String, message: String },
    #[error("the secret from {0} is empty")]
    Empty(String),
}

impl SecretRef {
    /// Parses `env:NAME`, `file:PATH` or `cmd:COMMAND`.
    pub fn parse(text: &str) -> Result<SecretRef, SecretError> {
        let (scheme, rest) = text
            .split_once(':')
            .ok_or_else(|| SecretError::NotAReference(redact_hint(text)))?;
        let rest = rest.trim();
        if rest.is_empty() {
            return Err(SecretError::NotAReference(redact_hint(text)));
        }
        match scheme.trim().to_ascii_lowercase().as_str() {
            "env" => Ok(SecretRef::Env(rest.to_owned())),
            "file" => Ok(SecretRef::File(PathBuf::from(rest))),
            "cmd" => Ok(SecretRef::Command(rest.to_owned())),
            _ => Err(SecretError::NotAReference(redact_hint(text))),
        }
    }

    /// Reads the secret; relative files are taken from `base` (the configuration's folder).
    pub fn resolve(&self, base: &Path) -> Result<Secret, SecretError> {
        let (value, origin) = match self {
            SecretRef::Env(name) => (
                std::env::var(name).map_err(|_| SecretError::EnvMissing(name.clone()))?,
                format!("env:{name}"),
            ),
            SecretRef::File(path) => {
                let full = if path.is_absolute() {
                    path.clone()
                } else {
                    base.join(path)
                };
                let text = std::fs::read_to_string(&full).map_err(|e| SecretError::File {
                    path: full.clone(),
                    message: e.to_string(),
                })?;
                (text, format!("file:{}", path.display()))
            }
            SecretRef::Command(command) => {
                let output = shell(command)
                    .current_dir(base)
                    .stdin(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .output()
                    .map_err(|e| SecretError::Command {
                        command: command.clone(),
                        message: e.to_string(),
                    })?;
                if !output.status.success() {
                    return Err(SecretError::Command {
                        command: command.clone(),
                        message: format!("exited with {}", output.status),
                    });
                }
                (
                    String::from_utf8_lossy(&output.stdout).into_owned(),
                    format!("cmd:{command}"),
                )
            }
        };
        let value = value
            .strip_suffix("\r\n")
            .or_else(|| value.strip_suffix('\n'))
            .unwrap_or(&value)
            .to_owned();
        if value.is_empty() {
            return Err(SecretError::Empty(origin));
        }
        Ok(Secret(value))
    }
}

impl fmt::Display for SecretRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretRef::Env(n) => write!(f, "env:{n}"),
            SecretRef::File(p) => write!(f, "file:{}", p.display()),
            SecretRef::Command(c) => write!(f, "cmd:{c}"),
        }
    }
}

/// What an error may say about text that should have been a reference but may be the secret
/// itself: its length only.
fn redact_hint(text: &str) -> String {
    format!("<{} characters>", text.chars().count())
}

#[cfg(unix)]
fn shell(command: &str) -> std::process::Command {
    let mut c = std::process::Command::new("sh");
    c.arg("-c").arg(command);
    c
}

#[cfg(not(unix))]
fn shell(command: &str) -> std::process::Command {
    let mut c = std::process::Command::new("cmd");
    c.arg("/C").arg(command);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("hunter2-very-secret");
        assert!(!format!("{s:?} {s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-very-secret");
    }

    #[test]
    fn references_resolve_from_env_file_and_command() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pw.txt"), "from-file\n").unwrap();
        let s = SecretRef::parse("file:pw.txt")
            .unwrap()
            .resolve(dir.path())
            .unwrap();
        assert_eq!(s.expose(), "from-file");
        std::env::set_var("QLINEAGE_TEST_SECRET_X", "from-env");
        let s = SecretRef::parse("env:QLINEAGE_TEST_SECRET_X")
            .unwrap()
            .resolve(dir.path())
            .unwrap();
        assert_eq!(s.expose(), "from-env");
        #[cfg(unix)]
        {
            let s = SecretRef::parse("cmd:printf 'from-cmd\\n'")
                .unwrap()
                .resolve(dir.path())
                .unwrap();
            assert_eq!(s.expose(), "from-cmd");
            let e = SecretRef::parse("cmd:exit 3")
                .unwrap()
                .resolve(dir.path())
                .unwrap_err();
            assert!(matches!(e, SecretError::Command { .. }), "{e}");
        }
        let e = SecretRef::parse("env:QLINEAGE_TEST_SECRET_UNSET_Y")
            .unwrap()
            .resolve(dir.path())
            .unwrap_err();
        assert_eq!(
            e,
            SecretError::EnvMissing("QLINEAGE_TEST_SECRET_UNSET_Y".into())
        );
    }

    #[test]
    fn a_plain_value_is_refused_without_echoing_it() {
        for text in ["hunter2", "password:hunter2", "env:", "ftp:hunter2"] {
            let e = SecretRef::parse(text).unwrap_err().to_string();
            assert!(!e.contains("hunter2"), "{e}");
            assert!(e.contains("env:NAME"), "{e}");
        }
    }
}
