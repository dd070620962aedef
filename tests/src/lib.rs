//! Helpers for black-box tests: a real `qe serve` on a free port with a fresh database.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running `qe serve` and its temporary home; the process is killed on drop.
pub struct TestServer {
    pub base: String,
    pub home: tempfile::TempDir,
    child: Child,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Path of the `qe` binary: `QE_BIN`, else `target/<profile>/qe` next to this test executable.
pub fn qe_bin() -> PathBuf {
    if let Ok(p) = std::env::var("QE_BIN") {
        return PathBuf::from(p);
    }
    // Test executables live in target/<profile>/deps/.
    let exe = std::env::current_exe().expect("current exe");
    let bin = exe.parent().and_then(|d| d.parent()).expect("target dir").join("qe");
    assert!(
        bin.exists(),
        "{} not found: build it first (cargo build -p server) or set QE_BIN",
        bin.display()
    );
    bin
}

/// Starts `qe serve` on 127.0.0.1:0 with a fresh SQLite home and the given extra arguments and variables.
pub fn spawn_server(args: &[&str], envs: &[(&str, &str)]) -> TestServer {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(qe_bin());
    cmd.arg("serve").arg("--addr").arg("127.0.0.1:0").args(args);
    cmd.env("QE_HOME", home.path())
        .env_remove("QE_DB_URL")
        .env_remove("DB_DSN")
        .env("QE_LOG", "warn");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn qe serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the listening line");
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    TestServer { base, home, child }
}
