//! Helpers for black-box tests: a real `qe serve` on a free port with a fresh database.

pub mod binance_mock;
pub mod nats;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running `qe serve` and its temporary home; the process is killed on drop.
pub struct TestServer {
    pub base: String,
    pub home: tempfile::TempDir,
    process: ServerProcess,
}

impl TestServer {
    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        self.process.kill();
    }
}

/// A child process, killed (SIGKILL) and reaped on drop.
pub struct Process {
    child: Child,
}

impl Process {
    /// Takes ownership of `child`.
    pub fn new(child: Child) -> Process {
        Process { child }
    }

    /// Kills the process at once (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends `signal` (`STOP`, `CONT`, …) with the `kill` command.
    pub fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status();
    }

    /// Asks the process to stop (SIGTERM) and waits for it to exit; returns its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        self.child.wait().expect("wait for the process")
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `qe serve` process on a given home directory; killed on drop.
pub struct ServerProcess {
    pub base: String,
    process: Process,
}

impl ServerProcess {
    /// Kills the process at once (SIGKILL) and reaps it.
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// Asks the process to stop (SIGTERM) and waits for it to exit; returns its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        self.process.terminate()
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
    let process = spawn_server_at(home.path(), args, envs);
    TestServer {
        base: process.base.clone(),
        home,
        process,
    }
}

/// Starts `qe serve` on 127.0.0.1:0 with `home` as `QE_HOME` and as the data root (to restart a server on the
/// same state; `--data-root` in `args` overrides the root).
pub fn spawn_server_at(home: &std::path::Path, args: &[&str], envs: &[(&str, &str)]) -> ServerProcess {
    let mut cmd = serve_command(args);
    cmd.env("QE_HOME", home).env("QE_DATA_ROOT", home);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    start(cmd)
}

/// Starts `qe serve` as a newcomer would, in the folder `cwd` with every location at its default (`.qe/` home,
/// data root `.`).
pub fn spawn_server_in(cwd: &std::path::Path, args: &[&str], envs: &[(&str, &str)]) -> ServerProcess {
    let mut cmd = serve_command(args);
    cmd.current_dir(cwd).env_remove("QE_HOME").env_remove("QE_DATA_ROOT");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    start(cmd)
}

/// As [`spawn_server`], the binary started through `wrapper`, a program that ends by running its arguments (e.g.
/// `["prlimit", "--as=4294967296", "--"]`, which runs it under a 4 GiB address-space limit).
pub fn spawn_server_via(wrapper: &[&str], args: &[&str], envs: &[(&str, &str)]) -> TestServer {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = serve_command_via(wrapper, args);
    cmd.env("QE_HOME", home.path()).env("QE_DATA_ROOT", home.path());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let process = start(cmd);
    TestServer {
        base: process.base.clone(),
        home,
        process,
    }
}

fn serve_command(args: &[&str]) -> Command {
    serve_command_via(&[], args)
}

fn serve_command_via(wrapper: &[&str], args: &[&str]) -> Command {
    let mut cmd = match wrapper.split_first() {
        Some((program, rest)) => {
            let mut cmd = Command::new(program);
            cmd.args(rest).arg(qe_bin());
            cmd
        }
        None => Command::new(qe_bin()),
    };
    cmd.arg("serve").arg("--addr").arg("127.0.0.1:0").args(args);
    for var in [
        "QE_DB_URL",
        "DB_DSN",
        "QE_API_TOKEN",
        "QE_SPECS_DIR",
        "QE_MARKETDATA_MYSQL_URL",
        "QE_MARKETDATA_SOURCES",
        "QE_ALLOW_SPEC_URLS",
        "QE_MAX_JOB_MEMORY",
        "QE_MAX_BAR_TRIALS",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("QE_LOG", "warn");
    cmd
}

fn start(mut cmd: Command) -> ServerProcess {
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
    ServerProcess {
        base,
        process: Process::new(child),
    }
}

/// The repo's example specs (the original's among them) and their sample bars.
pub const SPECS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");

/// The original's recorded responses to real requests.
pub const RESPONSES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/responses");

/// A data root laid out as the original's checkout (`specs/examples/data/eurusd_m1_sample.json`), so the
/// reference specs' relative `dataset_path` resolves inside it.
pub fn reference_data_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("specs/examples/data");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let src = format!("{SPECS}/examples/data/eurusd_m1_sample.json");
    std::fs::copy(&src, dir.join("eurusd_m1_sample.json")).unwrap_or_else(|e| panic!("{src}: {e}"));
    root
}

/// A reference spec as JSON.
pub fn reference_spec(name: &str) -> serde_json::Value {
    let path = format!("{SPECS}/{name}");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))).unwrap()
}

/// A recorded response of the original (`responses/<prefix>_*.json`, by its two-digit number).
pub fn recorded(number: u32) -> serde_json::Value {
    let prefix = format!("{number:02}_");
    let dir = RESPONSES.to_string();
    let entry = std::fs::read_dir(&dir)
        .expect("responses dir")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .unwrap_or_else(|| panic!("no recorded response {prefix}*"));
    serde_json::from_str(&std::fs::read_to_string(entry.path()).unwrap()).unwrap()
}

/// A fresh, empty MariaDB database URL for a server under test, created through the `mariadb` client from
/// `QE_TEST_MYSQL_URL`; None when that is unset (a failure instead when `QE_REQUIRE_MYSQL=1`).
pub fn fresh_mysql_url() -> Option<String> {
    let Ok(base) = std::env::var("QE_TEST_MYSQL_URL") else {
        assert!(
            std::env::var("QE_REQUIRE_MYSQL").as_deref() != Ok("1"),
            "QE_REQUIRE_MYSQL=1 but QE_TEST_MYSQL_URL is unset"
        );
        return None;
    };
    let rest = base
        .strip_prefix("mysql://")
        .expect("QE_TEST_MYSQL_URL must be mysql://user[:pw]@host[:port]/db");
    let (auth, hostpart) = rest.split_once('@').expect("user@host in QE_TEST_MYSQL_URL");
    let (user, pw) = auth.split_once(':').unwrap_or((auth, ""));
    let host_port = hostpart.split('/').next().unwrap_or(hostpart);
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "3306"));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("qe_bb_{nanos:x}_{}", std::process::id());
    let mut cmd = Command::new("mariadb");
    cmd.args(["-h", host, "-P", port, "-u", user]);
    if !pw.is_empty() {
        cmd.arg(format!("-p{pw}"));
    }
    let out = cmd
        .args(["-e", &format!("CREATE DATABASE {name}")])
        .output()
        .expect("run the mariadb client");
    assert!(
        out.status.success(),
        "CREATE DATABASE failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(format!("mysql://{auth}@{host_port}/{name}"))
}

/// Checks that `ours` has every key of `recorded` with a compatible JSON type, recursively (arrays element by
/// element up to the shorter length); recorded nulls match anything. Returns the mismatching paths.
pub fn shape_mismatches(recorded: &serde_json::Value, ours: &serde_json::Value) -> Vec<String> {
    fn walk(path: &str, r: &serde_json::Value, o: &serde_json::Value, out: &mut Vec<String>) {
        use serde_json::Value::*;
        match (r, o) {
            (Null, _) => {}
            (Object(rm), Object(om)) => {
                for (k, rv) in rm {
                    match om.get(k) {
                        Some(ov) => walk(&format!("{path}.{k}"), rv, ov, out),
                        None => out.push(format!("{path}.{k}: missing")),
                    }
                }
            }
            (Array(ra), Array(oa)) => {
                for (i, (rv, ov)) in ra.iter().zip(oa).enumerate() {
                    walk(&format!("{path}[{i}]"), rv, ov, out);
                }
            }
            (Number(_), Number(_)) | (String(_), String(_)) | (Bool(_), Bool(_)) => {}
            (r, Null) if !r.is_object() && !r.is_array() => {}
            _ => out.push(format!("{path}: recorded {r} vs ours {o}")),
        }
    }
    let mut out = Vec::new();
    walk("$", recorded, ours, &mut out);
    out
}

/// Checks that the keys `ours` shares with `recorded` come in the recorded order, recursively (arrays element by
/// element up to the shorter length). Returns the objects whose shared keys are out of order.
pub fn key_order_mismatches(recorded: &serde_json::Value, ours: &serde_json::Value) -> Vec<String> {
    fn walk(path: &str, r: &serde_json::Value, o: &serde_json::Value, out: &mut Vec<String>) {
        use serde_json::Value::*;
        match (r, o) {
            (Object(rm), Object(om)) => {
                let theirs: Vec<&std::string::String> = rm.keys().filter(|k| om.contains_key(*k)).collect();
                let mine: Vec<&std::string::String> = om.keys().filter(|k| rm.contains_key(*k)).collect();
                if theirs != mine {
                    out.push(format!("{path}: recorded {theirs:?} vs ours {mine:?}"));
                }
                for (k, rv) in rm {
                    if let Some(ov) = om.get(k) {
                        walk(&format!("{path}.{k}"), rv, ov, out);
                    }
                }
            }
            (Array(ra), Array(oa)) => {
                for (i, (rv, ov)) in ra.iter().zip(oa).enumerate() {
                    walk(&format!("{path}[{i}]"), rv, ov, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk("$", recorded, ours, &mut out);
    out
}

/// `v` without the given keys at any depth (ids and timestamps that differ between systems).
pub fn without_keys(v: &serde_json::Value, keys: &[&str]) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .map(|(k, x)| (k.clone(), without_keys(x, keys)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| without_keys(x, keys)).collect()),
        other => other.clone(),
    }
}

/// Equality of JSON documents with numbers compared to a relative tolerance of 1e-9.
pub fn approx_eq(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| approx_eq(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| approx_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Like [`approx_eq`], but objects in `actual` may hold keys `expected` lacks (our added metrics).
pub fn approx_contains(expected: &serde_json::Value, actual: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (expected, actual) {
        (Value::Object(x), Value::Object(y)) => x.iter().all(|(k, v)| y.get(k).is_some_and(|w| approx_contains(v, w))),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| approx_contains(p, q)),
        _ => approx_eq(expected, actual),
    }
}

/// A JSON client of a test server: every call answers the status and the body as JSON (null when it is not).
pub struct Api {
    pub base: String,
    http: reqwest::blocking::Client,
}

impl Api {
    /// A client of the server at `base`, waiting up to five minutes for a synchronous job's answer.
    pub fn new(base: &str) -> Api {
        let http = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(300))
            .build()
            .expect("http client");
        Api {
            base: base.to_string(),
            http,
        }
    }

    /// `GET base + path`.
    pub fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let res = self.http.get(format!("{}{path}", self.base)).send().expect("GET");
        (res.status().as_u16(), res.json().unwrap_or(serde_json::Value::Null))
    }

    /// `POST base + path` with `body` as JSON and `Prefer: respond-async`; returns the queued job's id.
    pub fn submit_async(&self, path: &str, body: &serde_json::Value) -> String {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("Prefer", "respond-async")
            .json(body)
            .send()
            .expect("POST");
        assert_eq!(res.status().as_u16(), 202, "{path} did not queue the job");
        let body: serde_json::Value = res.json().expect("JSON");
        body["id"].as_str().expect("job id").to_string()
    }

    /// Polls `GET path` (every 50 ms, at most `limit`) until `done` holds for its body, which is returned.
    pub fn wait_until(
        &self,
        path: &str,
        limit: std::time::Duration,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let start = std::time::Instant::now();
        loop {
            let (_, body) = self.get(path);
            if done(&body) {
                return body;
            }
            assert!(start.elapsed() < limit, "timed out waiting on {path}: {body}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// `POST base + path` with `body` as JSON.
    pub fn post(&self, path: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .expect("POST");
        (res.status().as_u16(), res.json().unwrap_or(serde_json::Value::Null))
    }
}

/// A GET answer as sent: status, headers and raw bytes (no decompression).
pub struct RawAnswer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl RawAnswer {
    /// A header's text, empty when absent.
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

/// GET `base + path` with the given request headers.
pub fn get_raw(base: &str, path: &str, headers: &[(&str, &str)]) -> RawAnswer {
    let mut req = reqwest::blocking::Client::new().get(format!("{base}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().expect("GET");
    let (status, headers) = (res.status().as_u16(), res.headers().clone());
    RawAnswer {
        status,
        headers,
        body: res.bytes().expect("body").to_vec(),
    }
}

/// Writes the demo bars (EURUSD, ES, BTCUSD; 5-minute bars from 2024-01-01) for `days` days into `dir/demo.csv`
/// (and `demo.parquet`), with `qe data synth`.
pub fn synth(dir: &std::path::Path, days: u32) {
    let out = Command::new(qe_bin())
        .args(["data", "synth", "--days", &days.to_string(), "--out"])
        .arg(dir)
        .env("QE_HOME", dir)
        .output()
        .expect("run qe data synth");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
