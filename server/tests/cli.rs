//! The `qe` binary's basic commands, run as a user would run them.

use std::process::Command;

fn qe(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qe"));
    cmd.env("QE_HOME", home).env_remove("QE_DB_URL").env_remove("DB_DSN");
    cmd
}

#[test]
fn version_prints_the_package_version() {
    let home = tempfile::tempdir().unwrap();
    let out = qe(home.path()).arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("qe {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn migrate_creates_the_sqlite_database_under_qe_home() {
    let home = tempfile::tempdir().unwrap();
    let out = qe(home.path()).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(home.path().join("quant.db").exists());
}

#[test]
fn an_unknown_database_scheme_is_refused_with_its_name() {
    let home = tempfile::tempdir().unwrap();
    let out = qe(home.path())
        .args(["--db-url", "postgres://x/y", "migrate"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database \"postgres\""));
}

#[test]
fn synth_is_deterministic_and_registers_the_series() {
    let home = tempfile::tempdir().unwrap();
    let run = |dir: &str| {
        let out = qe(home.path())
            .args(["data", "synth", "--days", "10", "--register", "--out", dir])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let a = home.path().join("a");
    let b = home.path().join("b");
    let out = run(a.to_str().unwrap());
    run(b.to_str().unwrap());
    assert!(out.contains("registered 3 series"), "{out}");
    for f in ["demo.csv", "demo.parquet"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    let csv = std::fs::read_to_string(a.join("demo.csv")).unwrap();
    assert!(
        csv.starts_with("ts,symbol,open,high,low,close,volume\n2024-01-01T00:00:00Z,"),
        "{}",
        &csv[..80]
    );
}

#[test]
fn a_closed_output_pipe_ends_a_command_quietly() {
    let home = tempfile::tempdir().unwrap();
    let mut child = qe(home.path())
        .args(["examples", "seasonality_run"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Closing the reading end first, as `qe … | head -0` does: every write then fails with a broken pipe.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
