//! Helpers shared by the integration tests: the binary in a sealed
//! environment, and a moto_server of its own per test.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The rotdoctor binary with an environment of its own: fake credentials, a
/// region, no instance-metadata probing, and no AWS config files of the
/// machine's. Nothing it does can reach beyond 127.0.0.1.
pub fn rotdoctor() -> assert_cmd::Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("rotdoctor"));
    sealed(&mut command);
    command
        .env("AWS_REGION", "us-east-1")
        // moto answers what it lacks (CloudTrail LookupEvents) with HTTP 500,
        // which the SDK would retry with backoff: one attempt is the answer.
        .env("AWS_MAX_ATTEMPTS", "1")
        // Nothing listens on port 1: a test that forgets its endpoint fails fast.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:1");
    assert_cmd::Command::from_std(command)
}

/// The environment the real AWS CLI runs in here: fake credentials, a
/// region, no AWS config files of the machine's, every call to `endpoint`.
pub fn aws_cli_environment(command: &mut Command, endpoint: &str) {
    sealed(command);
    command
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint);
}

/// No variable of the machine's, no AWS config file, fake credentials and
/// no instance-metadata probing: what every AWS client here runs with.
fn sealed(command: &mut Command) {
    command
        .env_clear()
        .env("HOME", env!("CARGO_TARGET_TMPDIR"))
        .env("AWS_CONFIG_FILE", "/nonexistent/rotdoctor-test/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/rotdoctor-test/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
}

/// Runs a validator or other tool the tests rely on, failing the test with
/// everything it printed unless it succeeds.
pub fn succeeds(command: &mut Command, what: &str) -> std::process::Output {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("{what} could not start: {error}"));
    succeeded(output, what)
}

/// The decision of the independent IAM simulator (`tests/iam/simulate.mjs`,
/// @cloud-copilot/iam-simulate) on each request: `Allowed`,
/// `ImplicitlyDenied` or `ExplicitlyDenied`, in order.
pub fn simulated_decisions(requests: &[serde_json::Value]) -> Vec<String> {
    let mut simulator = Command::new("node");
    simulator.arg(repo().join("tests/iam/simulate.mjs"));
    let input = serde_json::Value::Array(requests.to_vec()).to_string();
    let output = succeeds_with_input(
        &mut simulator,
        &input,
        "the IAM simulator (node, with tests/iam/node_modules: scripts/test installs it)",
    );
    serde_json::from_slice(&output.stdout).expect("the simulator answers a JSON list")
}

/// [`succeeds`], with `input` on the tool's standard input.
pub fn succeeds_with_input(command: &mut Command, input: &str, what: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{what} could not start: {error}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    succeeded(child.wait_with_output().unwrap(), what)
}

fn succeeded(output: std::process::Output, what: &str) -> std::process::Output {
    assert!(
        output.status.success(),
        "{what} failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A moto_server on a free port of 127.0.0.1, stopped when dropped.
pub struct Moto {
    child: Child,
    pub endpoint: String,
    python: PathBuf,
}

impl Moto {
    /// Starts moto. Fails the test, loudly, when moto is not installed:
    /// `scripts/test` installs it into `.venv`.
    pub fn start() -> Moto {
        let server = std::env::var_os("MOTO_SERVER")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo().join(".venv/bin/moto_server"));
        assert!(
            server.exists(),
            "moto_server not found at {}: run scripts/test (it installs moto into .venv), \
             or set MOTO_SERVER",
            server.display()
        );
        let python = server.with_file_name("python");
        // A port found free can be taken before moto binds it; a moto that
        // could not bind exits, and another free port is tried.
        for _ in 0..5 {
            let port = free_port();
            let child = Command::new(&server)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|error| panic!("cannot start {}: {error}", server.display()));
            let mut moto = Moto {
                child,
                endpoint: format!("http://127.0.0.1:{port}"),
                python: python.clone(),
            };
            if moto.wait_until_ready(port) {
                return moto;
            }
        }
        panic!("moto_server did not start on any of 5 free ports");
    }

    /// Whether this moto listens on `port`: the port answers and the
    /// process still runs (someone else's server may answer otherwise).
    fn wait_until_ready(&mut self, port: u16) -> bool {
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(200));
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Seeds one scenario of `tests/moto/seed.py`; returns what it created.
    pub fn seed(&self, scenario: &str) -> serde_json::Value {
        let output = Command::new(&self.python)
            .arg(repo().join("tests/moto/seed.py"))
            .args([&self.endpoint, scenario])
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("python from the moto venv");
        assert!(
            output.status.success(),
            "seeding {scenario} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).expect("seed.py prints JSON")
    }

    /// The AWS CLI from `.venv`, pointed at this moto.
    pub fn aws_cli(&self) -> Command {
        let aws = repo().join(".venv/bin/aws");
        assert!(
            aws.exists(),
            "{} not found: run scripts/test",
            aws.display()
        );
        let mut command = Command::new(aws);
        aws_cli_environment(&mut command, &self.endpoint);
        command
    }

    /// The findings this moto's Security Hub holds (for the caller of
    /// `aws`, an AWS CLI pointed at it).
    pub fn security_hub_findings(mut aws: Command) -> Vec<serde_json::Value> {
        let output = succeeds(
            aws.args(["securityhub", "get-findings", "--output", "json"]),
            "aws securityhub get-findings",
        );
        let held: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("get-findings prints JSON");
        held["Findings"].as_array().cloned().unwrap_or_default()
    }

    /// rotdoctor pointed at this moto.
    pub fn rotdoctor(&self) -> assert_cmd::Command {
        let mut command = rotdoctor();
        command.env("AWS_ENDPOINT_URL", &self.endpoint);
        command
    }

    /// A CloudTrail that answers LookupEvents, which moto lacks, from the
    /// recorded events in `tests/moto/cloudtrail/<events>` about `secret_arn`.
    pub fn cloudtrail(&self, events: &str, secret_arn: &str) -> CloudTrail {
        let mut command = Command::new(&self.python);
        command
            .arg(repo().join("tests/moto/cloudtrail.py"))
            .arg(repo().join("tests/moto/cloudtrail").join(events))
            .arg(secret_arn);
        let (child, endpoint) = listening(command, "cloudtrail.py");
        CloudTrail { child, endpoint }
    }
}

impl Moto {
    /// `tests/moto/faults.py` in front of this moto (CloudTrail's requests
    /// to `cloudtrail` when given), injecting the faults `rules` name.
    pub fn faults(&self, rules: &serde_json::Value, cloudtrail: Option<&CloudTrail>) -> Faults {
        let mut command = Command::new(&self.python);
        command
            .arg(repo().join("tests/moto/faults.py"))
            .arg(&self.endpoint)
            .arg(rules.to_string());
        if let Some(cloudtrail) = cloudtrail {
            command.arg(&cloudtrail.endpoint);
        }
        let (child, endpoint) = listening(command, "faults.py");
        Faults { child, endpoint }
    }
}

/// `tests/moto/faults.py`, stopped when dropped.
pub struct Faults {
    child: Child,
    pub endpoint: String,
}

impl Faults {
    /// rotdoctor pointed at the proxy, every service through it.
    pub fn rotdoctor(&self) -> assert_cmd::Command {
        let mut command = rotdoctor();
        command.env("AWS_ENDPOINT_URL", &self.endpoint);
        command
    }
}

impl Drop for Faults {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tests/moto/cloudtrail.py`, stopped when dropped.
pub struct CloudTrail {
    child: Child,
    pub endpoint: String,
}

impl Drop for CloudTrail {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts a helper server that prints its port once it listens on 127.0.0.1.
fn listening(mut command: Command, name: &str) -> (Child, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .expect("python from the moto venv");
    let mut port = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut port,
    )
    .unwrap_or_else(|error| panic!("{name} prints its port: {error}"));
    (child, format!("http://127.0.0.1:{}", port.trim()))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port on 127.0.0.1")
}
