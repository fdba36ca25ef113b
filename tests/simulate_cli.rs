//! `qlineage simulate` as a process: the printed configuration and start-up errors.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn print_config_names_every_setting() {
    let certs = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args([
            "simulate",
            "--site",
            concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/site"),
            "--print-config",
            "--certs",
        ])
        .arg(certs.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Kill(child);
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let config: serde_json::Value = serde_json::from_str(&line).unwrap();
    for key in [
        "qrs_url",
        "engine_url",
        "proxy_url",
        "jwt_prefix",
        "header_prefix",
        "root_cert",
        "client_cert",
        "client_key",
        "jwt",
        "user_directory",
        "user_id",
        "windows_user",
        "windows_password",
    ] {
        assert!(
            config.get(key).is_some_and(|v| !v.is_null()),
            "{key} in {config}"
        );
    }
    assert!(config["qrs_url"]
        .as_str()
        .unwrap()
        .starts_with("https://127.0.0.1:"));
    assert!(config["engine_url"]
        .as_str()
        .unwrap()
        .starts_with("wss://127.0.0.1:"));
    for file in ["root_cert", "client_cert", "client_key"] {
        assert!(
            std::path::Path::new(config[file].as_str().unwrap()).exists(),
            "{file}"
        );
    }
}

#[test]
fn a_broken_site_is_a_usage_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.json"), "{\"name\": 3}").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args(["simulate", "--site"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("site.json:1:"), "{stderr}");
}

#[test]
fn a_faults_file_with_an_unknown_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let faults = dir.path().join("faults.json");
    std::fs::write(&faults, r#"{"latency": 10}"#).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .args([
            "simulate",
            "--site",
            concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/site"),
            "--faults",
        ])
        .arg(&faults)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("faults.json") && stderr.contains("latency"),
        "{stderr}"
    );
}
