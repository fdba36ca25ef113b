//! Command-line commands. Minimal in the `qvd` branch: only `qvd` is wired here.

pub mod qvd_command;
