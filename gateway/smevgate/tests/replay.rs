//! `smevgate replay` end to end: the built binary serves
//! `fixtures/node.toml` on a free 127.0.0.1 port (SQLite in a temporary
//! folder, or a fresh PostgreSQL schema) and replays `fixtures/cases`
//! against it twice, which must give no difference either time. The check
//! itself must be able to fail: a broken `expected.xml` is a difference,
//! and an unreachable node stops the run.

#![forbid(unsafe_code)]

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

const BIN: &str = env!("CARGO_BIN_EXE_smevgate");

/// The PostgreSQL the tests use (as in the `smevgate-tests` harness).
const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Connection attempts while a node starts (100 ms apart).
const START_ATTEMPTS: usize = 600;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

fn cases_dir() -> PathBuf {
    fixtures().join("cases")
}

/// A fresh, empty folder under the system temp folder; removed on drop.
struct TempDir(PathBuf);

/// A `smevgate serve` child process; killed on drop.
struct Served {
    child: Child,
    addr: SocketAddr,
    dir: TempDir,
}

// === impl TempDir ===

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("smevgate-replay-{}-{tag}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// === impl Served ===

impl Served {
    /// Starts a node of `fixtures/node.toml`; waits until it accepts.
    fn start(database_url: Option<&str>) -> Served {
        let dir = TempDir::new("node");
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let log = std::fs::File::create(dir.0.join("serve.log")).expect("log file");
        let mut command = Command::new(BIN);
        command
            .arg("serve")
            .arg("--config")
            .arg(fixtures().join("node.toml"))
            .arg("--listen")
            .arg(addr.to_string())
            .current_dir(&dir.0)
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(url) = database_url {
            command.arg("--database-url").arg(url);
        }
        let child = command.spawn().expect("smevgate serve starts");
        let mut served = Served { child, addr, dir };
        served.wait_ready();
        served
    }

    fn wait_ready(&mut self) {
        for _ in 0..START_ATTEMPTS {
            if TcpStream::connect(self.addr).is_ok() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("smevgate serve exited with {status}: {}", self.log());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!(
            "smevgate serve never listened on {}: {}",
            self.addr,
            self.log()
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.0.join("serve.log")).unwrap_or_default()
    }

    fn url(&self) -> String {
        format!("http://{}/ws", self.addr)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Runs `smevgate replay DIR --target URL` (never in record mode).
fn replay(dir: &Path, url: &str) -> Output {
    Command::new(BIN)
        .arg("replay")
        .arg(dir)
        .arg("--target")
        .arg(url)
        .env_remove("REPLAY_RECORD")
        .output()
        .expect("smevgate replay runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn case_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .expect("cases")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().join("case.toml").is_file())
        })
        .count()
}

/// Replays the fixtures twice against `served`; both runs must be clean.
fn assert_fixtures_replay_clean(served: &Served) {
    let total = case_count(&cases_dir());
    assert!(total >= 100, "only {total} cases");
    let summary = format!("replay: {total} cases, {total} ok, 0 different, 0 broken");
    for run in 1..=2 {
        let output = replay(&cases_dir(), &served.url());
        let text = stdout(&output);
        assert!(
            output.status.success() && text.contains(&summary),
            "run {run}:\n{text}\n{}\nnode log:\n{}",
            String::from_utf8_lossy(&output.stderr),
            served.log()
        );
    }
}

#[test]
fn replay_fixtures_on_sqlite_twice_have_no_differences() {
    let served = Served::start(None);
    assert_fixtures_replay_clean(&served);
}

#[test]
fn replay_fixtures_on_postgres_twice_have_no_differences() {
    let schema = format!(
        "replay_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros())
    );
    let served = Served::start(Some(&format!("{PG_URL}?schema={schema}")));
    assert_fixtures_replay_clean(&served);
    drop(served);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime
        .block_on(store::Store::drop_postgres_schema(PG_URL, &schema))
        .expect("schema dropped");
}

/// A suite of copies of fixture cases (`(source, name)`), signed by the
/// fixtures' systems given by absolute path.
fn suite_of(cases: &[(&str, &str)]) -> TempDir {
    let suite = TempDir::new("suite");
    let keys = fixtures().join("keys");
    let mut signers = String::new();
    for (name, folder) in [("CONSUMER01", "consumer"), ("PROVIDER01", "provider")] {
        signers.push_str(&format!(
            "[signers.{name}]\nkey = {:?}\ncert = {:?}\n",
            keys.join(folder).join("key.pem"),
            keys.join(folder).join("cert.pem")
        ));
    }
    std::fs::write(suite.0.join("replay.toml"), signers).expect("replay.toml");
    for (source, name) in cases {
        let (source, target) = (cases_dir().join(source), suite.0.join(name));
        std::fs::create_dir_all(&target).expect("case dir");
        for file in ["case.toml", "request.xml", "expected.xml"] {
            std::fs::copy(source.join(file), target.join(file)).expect("copy");
        }
    }
    suite
}

/// Two copies of one stateless case, the second with a wrong expectation.
fn suite_with_broken_expectation() -> TempDir {
    let source = "320-v13-no-signature";
    let suite = suite_of(&[(source, "a-as-recorded"), (source, "b-broken")]);
    let expected = suite.0.join("b-broken/expected.xml");
    let text = std::fs::read_to_string(&expected).expect("expected.xml");
    assert!(text.contains(">NoSignatureFound<"), "{text}");
    let broken = text.replace(">NoSignatureFound<", ">SignatureIsInvalid<");
    std::fs::write(&expected, broken).expect("broken expected.xml");
    suite
}

#[test]
fn replay_after_an_interrupted_run_drains_its_leftovers() {
    let served = Served::start(None);
    // Stopped right after a SendRequest: one request left in PROVIDER01's queue.
    let interrupted = suite_of(&[("300-v13-send-request", "1-send")]);
    let output = replay(&interrupted.0, &served.url());
    assert!(output.status.success(), "{}", stdout(&output));
    let output = replay(&cases_dir(), &served.url());
    let text = stdout(&output);
    assert!(output.status.success(), "{text}");
    // The prologue takes and acks the request, then the status that Ack made.
    let drained = [
        "ok        000-drain-provider-requests (drained 1)\n",
        "ok        001-drain-consumer-responses (drained 1)\n",
        "ok        002-drain-provider-statuses\n",
    ];
    for line in drained {
        assert!(text.contains(line), "{line}: {text}");
    }
}

#[test]
fn replay_broken_expected_file_is_reported_as_difference() {
    let served = Served::start(None);
    let suite = suite_with_broken_expectation();
    let output = replay(&suite.0, &served.url());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("ok        a-as-recorded\n"), "{text}");
    assert!(text.contains("DIFF      b-broken: "), "{text}");
    let removed =
        "-          <SignatureVerificationFault>SignatureIsInvalid</SignatureVerificationFault>";
    let added =
        "+          <SignatureVerificationFault>NoSignatureFound</SignatureVerificationFault>";
    assert!(text.contains(removed) && text.contains(added), "{text}");
    assert!(
        text.contains("replay: 2 cases, 1 ok, 1 different, 0 broken"),
        "{text}"
    );
}

#[test]
fn replay_missing_expected_file_is_broken() {
    let served = Served::start(None);
    let suite = suite_with_broken_expectation();
    std::fs::remove_file(suite.0.join("a-as-recorded/expected.xml")).expect("remove");
    let output = replay(&suite.0, &served.url());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("BROKEN    a-as-recorded: no expected.xml"),
        "{text}"
    );
}

#[test]
fn replay_unreachable_node_stops_the_run() {
    let url = format!("http://127.0.0.1:{}/ws", free_port());
    let output = replay(&cases_dir(), &url);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("case 000-drain-provider-requests stopped the run"),
        "{stderr}"
    );
    assert!(
        !stdout(&output).contains("replay: "),
        "no summary after a stop"
    );
}
