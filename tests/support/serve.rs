//! Starts `qlineage serve` on a free loopback port and stops it when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `qlineage serve`; killed (and reaped) on drop, so a failing test leaves nothing.
pub struct Served {
    child: Child,
    /// The server stops when this closes, so one held by a `static` (never dropped) still
    /// ends with the test process.
    _lifeline: std::process::ChildStdin,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `qlineage serve --bind 127.0.0.1:0 ARGS…`, run from the crate root (spans name files
/// relative to it), once it prints its address.
pub fn serve(args: &[&str]) -> Served {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .current_dir(root)
        .args(["serve", "--exit-with-stdin", "--bind", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("qlineage starts");
    let lifeline = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("serve prints its address");
    let base = line
        .trim()
        .strip_prefix("qlineage explorer on ")
        .unwrap_or_else(|| panic!("unexpected first line from serve: {line:?}"))
        .trim_end_matches('/')
        .to_string();
    Served {
        child,
        _lifeline: lifeline,
        base,
    }
}
