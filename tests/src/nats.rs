//! A real `nats-server -js` per test on a free port with a temporary store, and `qe worker` processes.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A running `nats-server` with JetStream; killed (and its store removed) on drop.
pub struct NatsServer {
    pub url: String,
    _process: crate::Process,
    _store: tempfile::TempDir,
}

/// The `nats-server` binary: `QE_NATS_SERVER`, else on `PATH`, else Debian's `/usr/sbin/nats-server`.
fn nats_server_bin() -> PathBuf {
    if let Ok(p) = std::env::var("QE_NATS_SERVER") {
        return PathBuf::from(p);
    }
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("nats-server"))
        .find(|p| p.exists());
    on_path.unwrap_or_else(|| PathBuf::from("/usr/sbin/nats-server"))
}

impl NatsServer {
    /// Starts `nats-server -js` on 127.0.0.1 and a free port; waits until it accepts connections.
    pub fn start() -> NatsServer {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let store = tempfile::tempdir().expect("tempdir");
        let bin = nats_server_bin();
        let child = Command::new(&bin)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} (scripts/setup.sh installs it): {e}", bin.display()));
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "nats-server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        NatsServer {
            url: format!("nats://127.0.0.1:{port}"),
            _process: crate::Process::new(child),
            _store: store,
        }
    }
}

/// A `qe worker` process; killed on drop.
pub struct Worker {
    pub name: String,
    process: crate::Process,
}

impl Worker {
    /// Starts `qe worker --nats URL --name NAME` with the given extra variables.
    pub fn start(nats: &NatsServer, name: &str, envs: &[(&str, &str)]) -> Worker {
        let mut cmd = Command::new(crate::qe_bin());
        cmd.args(["worker", "--nats", &nats.url, "--name", name])
            .env("QE_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        Worker {
            name: name.to_string(),
            process: crate::Process::new(cmd.spawn().expect("spawn qe worker")),
        }
    }

    /// Kills the worker at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// Freezes the worker (SIGSTOP): it holds its task without finishing or acknowledging it.
    pub fn pause(&self) {
        self.process.signal("STOP");
    }

    /// Lets a paused worker go on (SIGCONT).
    pub fn resume(&self) {
        self.process.signal("CONT");
    }

    /// Sends SIGTERM and waits for the worker to exit; returns its exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        self.process.terminate()
    }
}
