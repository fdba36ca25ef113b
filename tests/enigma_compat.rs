//! Compatibility of `qlineage simulate` with Qlik's own JavaScript client, enigma.js.
//!
//! Starts the simulator binary on the demo site (`corpus/site`, or `QLINEAGE_SITE`), installs
//! enigma.js and ws once into `<CARGO_TARGET_TMPDIR>/enigma-node/`, and runs
//! `tests/enigma/compat.js` against it over both the certificate and the JWT connection modes.
//!
//! Needs Node.js and npm (and the npm registry on first run). Without `node` the test fails,
//! unless `QLINEAGE_SKIP_ENIGMA=1` is set.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const NODE_TIMEOUT: Duration = Duration::from_secs(60);
const NPM_TIMEOUT: Duration = Duration::from_secs(300);

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn site_dir() -> PathBuf {
    match std::env::var_os("QLINEAGE_SITE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => manifest_dir().join("corpus/site"),
    }
}

fn npm_program() -> &'static str {
    if cfg!(windows) {
        "npm.cmd"
    } else {
        "npm"
    }
}

/// `program --version`, or None when it cannot be run.
fn version_of(program: &str) -> Option<String> {
    let out = Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Kills (and reaps) a child process when dropped, so a panicking test leaves nothing behind.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits for a child up to `limit`; kills it and returns None on timeout.
fn wait_with_timeout(child: &mut KillOnDrop, limit: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.0.try_wait().expect("waiting for a child process") {
            return Some(status);
        }
        if start.elapsed() > limit {
            let _ = child.0.kill();
            let _ = child.0.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read_lossy(path: &Path) -> String {
    fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Installs the pinned npm packages into `<CARGO_TARGET_TMPDIR>/enigma-node/` unless the
/// installation there was made from the same package.json.
fn npm_cache(source_dir: &Path) -> PathBuf {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("enigma-node");
    fs::create_dir_all(&cache).unwrap();
    let package = fs::read(source_dir.join("package.json")).expect("tests/enigma/package.json");
    let stamp = cache.join(".installed-package.json");
    let installed = cache.join("node_modules/enigma.js/package.json").is_file()
        && cache.join("node_modules/ws/package.json").is_file()
        && fs::read(&stamp).ok().as_deref() == Some(package.as_slice());
    if installed {
        return cache;
    }
    let _ = fs::remove_file(&stamp);
    let _ = fs::remove_dir_all(cache.join("node_modules"));
    let _ = fs::remove_file(cache.join("package-lock.json"));
    fs::write(cache.join("package.json"), &package).unwrap();
    eprintln!("installing enigma.js and ws into {}", cache.display());
    let log = cache.join("npm-install.log");
    let child = Command::new(npm_program())
        .args(["install", "--no-audit", "--no-fund", "--silent"])
        .current_dir(&cache)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&log).unwrap())
        .stderr(fs::File::create(cache.join("npm-install.err")).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", npm_program()));
    let mut child = KillOnDrop(child);
    let status = wait_with_timeout(&mut child, NPM_TIMEOUT);
    let output = format!(
        "{}{}",
        read_lossy(&log),
        read_lossy(&cache.join("npm-install.err"))
    );
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!(
            "`npm install` in {} failed ({s}):\n{output}",
            cache.display()
        ),
        None => panic!(
            "`npm install` in {} took more than {NPM_TIMEOUT:?}:\n{output}",
            cache.display()
        ),
    }
    fs::write(&stamp, &package).unwrap();
    cache
}

/// Starts `qlineage simulate --print-config` and returns it with its first stdout line.
fn start_simulator(site: &Path, certs: &Path, stderr_log: &Path) -> (KillOnDrop, String) {
    let child = Command::new(env!("CARGO_BIN_EXE_qlineage"))
        .arg("simulate")
        .arg("--site")
        .arg(site)
        .arg("--print-config")
        .arg("--certs")
        .arg(certs)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(fs::File::create(stderr_log).unwrap())
        .spawn()
        .expect("cannot start the qlineage binary");
    let mut sim = KillOnDrop(child);
    let mut stdout = BufReader::new(sim.0.stdout.take().unwrap());
    let mut line = String::new();
    let read = stdout.read_line(&mut line);
    if !matches!(read, Ok(n) if n > 0) || !line.trim_start().starts_with('{') {
        let _ = sim.0.kill();
        let _ = sim.0.wait();
        panic!(
            "the simulator printed no config line (read {read:?}, line {line:?}); stderr:\n{}",
            read_lossy(stderr_log)
        );
    }
    // Keep draining stdout so the simulator never blocks on a full pipe.
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut stdout, &mut std::io::sink());
    });
    (sim, line.trim().to_owned())
}

#[test]
fn enigma_js_talks_to_the_simulated_engine() {
    let Some(node_version) = version_of("node") else {
        if std::env::var("QLINEAGE_SKIP_ENIGMA").as_deref() == Ok("1") {
            eprintln!("notice: `node` not found; enigma.js compatibility test skipped (QLINEAGE_SKIP_ENIGMA=1)");
            return;
        }
        panic!(
            "`node` (Node.js) was not found on PATH; the enigma.js compatibility test needs Node.js \
             and npm. Install them, or set QLINEAGE_SKIP_ENIGMA=1 to skip this test."
        );
    };
    assert!(
        version_of(npm_program()).is_some(),
        "`node` {node_version} was found but `{}` was not; the enigma.js test installs its packages with npm",
        npm_program()
    );

    let site = site_dir();
    assert!(
        site.join("site.json").is_file(),
        "no site at {} (set QLINEAGE_SITE to a site directory)",
        site.display()
    );

    let source = manifest_dir().join("tests/enigma");
    let cache = npm_cache(&source);
    fs::copy(source.join("compat.js"), cache.join("compat.js")).unwrap();

    let work = tempfile::tempdir().unwrap();
    let certs = work.path().join("certs");
    fs::create_dir_all(&certs).unwrap();
    let sim_log = work.path().join("simulator.err");
    let (sim, config) = start_simulator(&site, &certs, &sim_log);
    let config_file = work.path().join("config.json");
    fs::write(&config_file, &config).unwrap();

    let node_out = work.path().join("node.out");
    let node_err = work.path().join("node.err");
    let node = Command::new("node")
        .arg("compat.js")
        .arg(&config_file)
        .arg(&site)
        .current_dir(&cache)
        .env("NODE_PATH", cache.join("node_modules"))
        .stdin(Stdio::null())
        .stdout(fs::File::create(&node_out).unwrap())
        .stderr(fs::File::create(&node_err).unwrap())
        .spawn()
        .expect("cannot run node");
    let mut node = KillOnDrop(node);
    let status = wait_with_timeout(&mut node, NODE_TIMEOUT);
    drop(sim);

    let stdout = read_lossy(&node_out);
    let stderr = read_lossy(&node_err);
    print!("{stdout}");
    let report = || {
        format!(
            "--- node stdout ---\n{stdout}--- node stderr ---\n{stderr}--- simulator stderr ---\n{}",
            read_lossy(&sim_log)
        )
    };
    match status {
        Some(s) if s.success() => {}
        Some(s) => panic!("enigma.js compatibility check failed ({s})\n{}", report()),
        None => panic!(
            "enigma.js compatibility check did not finish within {NODE_TIMEOUT:?}\n{}",
            report()
        ),
    }
}
