//! `smevgate serve` as an operator runs it: a child process started in an
//! empty working folder with `fixtures/node.toml`, driven only through other
//! `smevgate` processes (`client`, `journal`) and plain HTTP, stopped with
//! SIGTERM. Once on the embedded SQLite store, once on a fresh PostgreSQL
//! schema; and the configuration mistakes that must exit 64.

#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;

/// The PostgreSQL the tests use (trust authentication).
const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// What the node logs once it is bound.
const LISTENING: &str = "smevgate listening on http://";

/// A `smevgate serve` child; killed if a test ends without stopping it.
struct Served {
    child: Option<Child>,
    addr: String,
    log: mpsc::Receiver<String>,
    seen: Vec<String>,
}

/// `key: value` lines printed by `smevgate client`.
#[derive(Debug)]
struct Fields(Vec<(String, String)>);

/// Ids met along the walkthrough.
struct Walk {
    request_id: String,
    status_id: String,
    response_id: String,
}

/// A PostgreSQL schema name for one test; dropped (with psql) at the end,
/// whether the test passed or not.
struct PgSchema(String);

// === impl Served ===

impl Served {
    /// Starts `serve --config CONFIG --listen 127.0.0.1:0 EXTRA…` in `dir`
    /// and waits for the line saying where it listens.
    fn start(dir: &Path, config: &Path, extra: &[&str]) -> Served {
        let mut command = smevgate_in(dir);
        command.arg("serve").arg("--config").arg(config);
        command.args(["--listen", "127.0.0.1:0"]).args(extra);
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("smevgate serve spawns");
        let log = forward_lines(child.stderr.take().expect("stderr piped"));
        let mut served = Served {
            child: Some(child),
            addr: String::new(),
            log,
            seen: Vec::new(),
        };
        let line = served.wait_for(LISTENING);
        let rest = &line[line.find(LISTENING).expect("found") + LISTENING.len()..];
        served.addr = rest.split('/').next().expect("address").to_owned();
        served
    }

    /// Blocks until a log line contains `needle`; panics with the log if
    /// the process ends first.
    fn wait_for(&mut self, needle: &str) -> String {
        loop {
            let Ok(line) = self.log.recv() else {
                panic!(
                    "serve ended before logging {needle:?}:\n{}",
                    self.seen.join("\n")
                );
            };
            self.seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }

    fn url(&self) -> String {
        format!("http://{}/ws", self.addr)
    }

    /// Sends SIGTERM and waits for the exit; returns the status and the
    /// rest of the log.
    fn terminate(mut self) -> (ExitStatus, Vec<String>) {
        let mut child = self.child.take().expect("running");
        let pid = child.id().to_string();
        let killed = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(killed.expect("kill runs").success());
        let status = child.wait().expect("serve exits");
        let mut lines = std::mem::take(&mut self.seen);
        lines.extend(self.log.iter());
        (status, lines)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// === impl Fields ===

impl Fields {
    fn parse(stdout: &str) -> Fields {
        let pairs = stdout
            .lines()
            .filter_map(|line| line.split_once(": "))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Fields(pairs)
    }

    fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no `{key}` in {self:?}"))
    }
}

// === impl PgSchema ===

impl PgSchema {
    fn fresh() -> PgSchema {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_nanos();
        PgSchema(format!("serve_{}_{nanos}", std::process::id()))
    }

    /// Drops the schema now; the psql output, for the caller to check.
    fn drop_now(&self) -> Output {
        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.0);
        Command::new("psql")
            .args([PG_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c", &drop])
            .output()
            .expect("psql runs")
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let _ = self.drop_now();
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .canonicalize()
        .expect("fixtures folder")
}

fn node_toml() -> PathBuf {
    fixtures().join("node.toml")
}

fn smevgate_in(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smevgate"));
    command.current_dir(dir).env("NO_COLOR", "1");
    command
}

/// Sends every stderr line, without terminal colours, down a channel.
fn forward_lines(stderr: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if send.send(strip_ansi(&line)).is_err() {
                break;
            }
        }
    });
    receive
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for end in chars.by_ref() {
                if end.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs one `smevgate client` operation as `system`; requires exit 0.
fn client(served: &Served, dir: &Path, version: &str, system: &str, operation: &[&str]) -> Fields {
    let output = client_output(served, dir, version, system, operation);
    assert!(
        output.status.success(),
        "client {operation:?}: {}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    Fields::parse(&text(&output.stdout))
}

/// Runs one `smevgate client` operation speaking schema `version`.
fn client_output(
    served: &Served,
    dir: &Path,
    version: &str,
    system: &str,
    operation: &[&str],
) -> Output {
    let config = node_toml();
    smevgate_in(dir)
        .arg("client")
        .arg("--config")
        .arg(&config)
        .args([
            "--as",
            system,
            "--target",
            &served.url(),
            "--version",
            version,
        ])
        .args(operation)
        .output()
        .expect("client runs")
}

/// `GET path` over a raw HTTP/1.1 connection; returns status and body.
fn http_get(addr: &str, path: &str) -> (u16, String) {
    http_exchange(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n"),
        "",
    )
}

/// POSTs a SOAP 1.1 envelope to `/ws`; returns status and body.
fn http_post_soap(addr: &str, action: &str, envelope: &str) -> (u16, String) {
    let head = format!(
        "POST /ws HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml; charset=utf-8\r\n\
         SOAPAction: \"{action}\"\r\nContent-Length: {}\r\n",
        envelope.len()
    );
    http_exchange(addr, &head, envelope)
}

/// Writes `head` (request line and headers), `Connection: close` and
/// `body`; reads the whole answer.
fn http_exchange(addr: &str, head: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connects");
    let request = format!("{head}Connection: close\r\n\r\n{body}");
    stream.write_all(request.as_bytes()).expect("writes");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("reads");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {answer}"));
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    (status, body.to_owned())
}

/// The consumer's request reaches the provider and is acked; a second ack
/// of it is refused.
fn request_leg(served: &Served, dir: &Path, version: &str) -> (String, String) {
    let payload = fixtures().join("payloads/echo-request.xml");
    let payload = payload.to_str().expect("utf-8 path");
    let sent = client(
        served,
        dir,
        version,
        "CONSUMER01",
        &["send-request", "--payload", payload],
    );
    assert_eq!(sent.get("message-type"), "REQUEST");
    assert_eq!(sent.get("sender"), "CONSUMER01");
    assert_eq!(sent.get("recipient"), "PROVIDER01");
    assert_eq!(sent.get("status"), "requestIsQueued");
    let request_id = sent.get("message-id").to_owned();

    let got = client(served, dir, version, "PROVIDER01", &["get-request"]);
    assert_eq!(got.get("message-id"), request_id);
    assert_eq!(got.get("request-message-id"), request_id);
    assert_eq!(
        got.get("payload"),
        "{urn://smevgate.test/echo/1.0.0}EchoRequest"
    );
    assert_eq!(got.get("signature SMEVSignature"), "valid");
    assert_eq!(
        got.get("signature SenderInformationSystemSignature"),
        "valid"
    );
    let reply_to = got.get("reply-to").to_owned();

    let acked = client(served, dir, version, "PROVIDER01", &["ack", &request_id]);
    assert_eq!(acked.get("ack"), "ok");
    let again = client_output(served, dir, version, "PROVIDER01", &["ack", &request_id]);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        Fields::parse(&text(&again.stdout)).get("fault"),
        "TargetMessageIsNotFound"
    );
    (request_id, reply_to)
}

/// The provider answers; the consumer gets a status, then the response.
fn response_leg(
    served: &Served,
    dir: &Path,
    version: &str,
    request_id: &str,
    reply_to: &str,
) -> Walk {
    let payload = fixtures().join("payloads/echo-response.xml");
    let payload = payload.to_str().expect("utf-8 path");
    let answer = ["send-response", "--to", reply_to, "--payload", payload];
    let answered = client(served, dir, version, "PROVIDER01", &answer);
    assert_eq!(answered.get("message-type"), "RESPONSE");
    let response_id = answered.get("message-id").to_owned();

    let status = client(served, dir, version, "CONSUMER01", &["get-response"]);
    assert_eq!(status.get("original-message-id"), request_id);
    assert_eq!(status.get("async-status"), "underProcessing");
    assert_eq!(status.get("signature SMEVSignature"), "valid");
    let status_id = status.get("message-id").to_owned();
    client(served, dir, version, "CONSUMER01", &["ack", &status_id]);

    let response = client(served, dir, version, "CONSUMER01", &["get-response"]);
    assert_eq!(response.get("message-id"), response_id);
    assert_eq!(response.get("original-message-id"), request_id);
    assert_eq!(response.get("sender"), "PROVIDER01");
    assert_eq!(
        response.get("payload"),
        "{urn://smevgate.test/echo/1.0.0}EchoResponse"
    );
    assert_eq!(response.get("signature SMEVSignature"), "valid");
    client(served, dir, version, "CONSUMER01", &["ack", &response_id]);

    let empty = client(served, dir, version, "CONSUMER01", &["get-response"]);
    assert_eq!(empty.get("queue"), "empty");
    let delivered = client(served, dir, version, "PROVIDER01", &["get-status"]);
    assert_eq!(delivered.get("original-message-id"), response_id);
    assert_eq!(delivered.get("status"), delivered_status(version));
    Walk {
        request_id: request_id.to_owned(),
        status_id,
        response_id,
    }
}

/// The interaction status of a delivered response: 1.3 renamed it.
fn delivered_status(version: &str) -> &'static str {
    match version {
        "1.3" => "messageIsDelivered",
        _ => "responseIsDelivered",
    }
}

fn walkthrough(served: &Served, dir: &Path, version: &str) -> Walk {
    let (request_id, reply_to) = request_leg(served, dir, version);
    response_leg(served, dir, version, &request_id, &reply_to)
}

/// `smevgate journal --json` with `args`, one JSON object per line.
fn journal(dir: &Path, args: &[&str]) -> Vec<serde_json::Value> {
    let output = smevgate_in(dir)
        .arg("journal")
        .args(args)
        .arg("--json")
        .output()
        .expect("journal runs");
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("json line"))
        .collect()
}

fn field<'a>(entry: &'a serde_json::Value, key: &str) -> &'a str {
    entry[key].as_str().unwrap_or("")
}

/// The journal shows every step of the walkthrough, and its filters work.
fn assert_journal(dir: &Path, source: &[&str], walk: &Walk) {
    let all = journal(dir, source);
    let steps: Vec<(&str, &str)> = all
        .iter()
        .map(|e| (field(e, "operation"), field(e, "message_id")))
        .collect();
    for step in [
        ("SendRequest", walk.request_id.as_str()),
        ("delivered", walk.request_id.as_str()),
        ("acked", walk.request_id.as_str()),
        ("Ack", walk.request_id.as_str()),
        ("Status", walk.status_id.as_str()),
        ("acked", walk.status_id.as_str()),
        ("SendResponse", walk.response_id.as_str()),
        ("delivered", walk.response_id.as_str()),
        ("acked", walk.response_id.as_str()),
    ] {
        assert!(steps.contains(&step), "journal lacks {step:?}: {steps:?}");
    }
    let fault = all
        .iter()
        .find(|e| field(e, "operation") == "Ack")
        .expect("ack fault");
    assert_eq!(field(fault, "fault"), "TargetMessageIsNotFound");

    let requests = journal(dir, &[source, &["--type", "REQUEST"]].concat());
    let request_ops: Vec<&str> = requests.iter().map(|e| field(e, "operation")).collect();
    assert_eq!(request_ops, ["SendRequest", "delivered", "acked"]);
    assert!(requests
        .iter()
        .all(|e| field(e, "message_id") == walk.request_id));

    let provider = journal(dir, &[source, &["--participant", "PROVIDER01"]].concat());
    assert!(provider.len() < all.len());
    for entry in &provider {
        let involved = [field(entry, "sender"), field(entry, "recipient")];
        assert!(involved.contains(&"PROVIDER01"), "{entry}");
    }
    assert!(!provider
        .iter()
        .any(|e| field(e, "message_id") == walk.status_id));
    assert_narrow_filters(dir, source, walk);
}

/// `--message-id`, `--operation`, `--status`, `--from` and the table form.
fn assert_narrow_filters(dir: &Path, source: &[&str], walk: &Walk) {
    let by_id = journal(
        dir,
        &[source, &["--message-id", &walk.response_id]].concat(),
    );
    let ops: Vec<&str> = by_id.iter().map(|e| field(e, "operation")).collect();
    assert_eq!(ops, ["SendResponse", "delivered", "acked"]);

    let sends = journal(dir, &[source, &["--operation", "SendResponse"]].concat());
    assert_eq!(sends.len(), 1);
    assert_eq!(field(&sends[0], "sender"), "PROVIDER01");
    assert_eq!(field(&sends[0], "recipient"), "CONSUMER01");

    let delivered = journal(dir, &[source, &["--status", "messageIsDelivered"]].concat());
    assert!(!delivered.is_empty());
    assert!(delivered.iter().all(|e| field(e, "type") == "status"));

    let future = journal(dir, &[source, &["--from", "2999-01-01T00:00:00Z"]].concat());
    assert!(future.is_empty(), "{future:?}");

    let table = smevgate_in(dir)
        .arg("journal")
        .args(source)
        .args(["--type", "REQUEST"])
        .output()
        .expect("journal runs");
    let table = text(&table.stdout);
    assert!(table.starts_with("time "), "{table}");
    assert!(table.ends_with("(3 entries)\n"), "{table}");
}

fn assert_stops_on_sigterm(served: Served) {
    let (status, log) = served.terminate();
    assert_eq!(status.code(), Some(0), "{log:?}");
    assert!(log.iter().any(|l| l.ends_with("stopped")), "{log:?}");
}

#[test]
fn serve_on_sqlite_runs_the_walkthrough_journals_it_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let served = Served::start(dir.path(), &node_toml(), &[]);

    assert!(served.addr.starts_with("127.0.0.1:"), "{}", served.addr);
    assert!(dir.path().join("var/smevgate.db").is_file());
    let keys = dir.path().join("var/keys/node");
    assert!(keys.join("cert.pem").is_file());
    let key_mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(keys.join("key.pem"))
            .expect("key.pem")
            .permissions(),
    );
    assert_eq!(key_mode & 0o777, 0o600);
    assert_eq!(http_get(&served.addr, "/healthz"), (200, "ok\n".to_owned()));
    assert_eq!(
        http_get(&served.addr, "/readyz"),
        (200, "ready\n".to_owned())
    );

    let walk = walkthrough(&served, dir.path(), "1.3");
    let config = node_toml();
    let config = config.to_str().expect("utf-8 path");
    assert_journal(dir.path(), &["--config", config], &walk);
    assert_stops_on_sigterm(served);
}

#[test]
fn serve_on_postgres_schema_runs_the_walkthrough_and_journals_it() {
    let schema = PgSchema::fresh();
    let url = format!("{PG_URL}?schema={}", schema.0);
    let dir = tempfile::tempdir().expect("temp dir");

    let served = Served::start(dir.path(), &node_toml(), &["--database-url", &url]);
    assert_eq!(
        http_get(&served.addr, "/readyz"),
        (200, "ready\n".to_owned())
    );
    let walk = walkthrough(&served, dir.path(), "1.3");
    assert_journal(dir.path(), &["--database-url", &url], &walk);
    assert_stops_on_sigterm(served);

    assert!(!dir.path().join("var/smevgate.db").exists());
    let dropped = schema.drop_now();
    assert!(dropped.status.success(), "{}", text(&dropped.stderr));
}

/// Runs `serve` with `config` in `dir`; returns exit code and stderr.
fn serve_refused(dir: &Path, config: &str) -> (Option<i32>, String) {
    let output = smevgate_in(dir)
        .args(["serve", "--config", config, "--listen", "127.0.0.1:0"])
        .output()
        .expect("serve runs");
    (output.status.code(), text(&output.stderr))
}

#[test]
fn serve_with_unknown_config_key_exits_64_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.toml"), "[node]\nlisten_port = 7575\n").expect("writes");

    let (code, stderr) = serve_refused(dir.path(), "bad.toml");

    assert_eq!(code, Some(64), "{stderr}");
    assert!(stderr.contains("unknown field `listen_port`"), "{stderr}");
}

#[test]
fn serve_with_missing_config_file_exits_64_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");

    let (code, stderr) = serve_refused(dir.path(), "absent.toml");

    assert_eq!(code, Some(64), "{stderr}");
    assert!(
        stderr.contains("cannot read config file absent.toml"),
        "{stderr}"
    );
}

#[test]
fn serve_with_missing_certificate_file_exits_64_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = "[[systems]]\nmnemonic = \"A01\"\ncertificates = [\"keys/none/cert.pem\"]\n";
    std::fs::write(dir.path().join("bad.toml"), config).expect("writes");

    let (code, stderr) = serve_refused(dir.path(), "bad.toml");

    assert_eq!(code, Some(64), "{stderr}");
    assert!(
        stderr.contains("invalid config value `systems[0].certificates`"),
        "{stderr}"
    );
    assert!(stderr.contains("keys/none/cert.pem"), "{stderr}");
}

#[test]
fn serve_with_auto_poll_but_no_key_exits_64_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cert = fixtures().join("keys/consumer/cert.pem");
    let config = format!(
        "[[systems]]\nmnemonic = \"CONSUMER01\"\ncertificates = [{cert:?}]\nauto_poll = true\n"
    );
    std::fs::write(dir.path().join("bad.toml"), config).expect("writes");

    let (code, stderr) = serve_refused(dir.path(), "bad.toml");

    assert_eq!(code, Some(64), "{stderr}");
    assert!(
        stderr.contains("invalid config value `systems[0].auto_poll`"),
        "{stderr}"
    );
    assert!(stderr.contains("key"), "{stderr}");
}

#[test]
fn serve_with_auto_poll_pace_out_of_range_exits_64_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("bad.toml"),
        "[exchange]\nauto_poll_every_ms = 10\n",
    )
    .expect("writes");

    let (code, stderr) = serve_refused(dir.path(), "bad.toml");

    assert_eq!(code, Some(64), "{stderr}");
    assert!(
        stderr.contains("invalid config value `exchange.auto_poll_every_ms`"),
        "{stderr}"
    );
}

/// A config in `dir` with the provider of the fixtures and one ВС whose
/// schema is `schema` (relative to the config).
fn write_service_config(dir: &Path, schema: &str) {
    let cert = fixtures().join("keys/provider/cert.pem");
    let config = format!(
        "[[systems]]\nmnemonic = \"PROVIDER01\"\ncertificates = [{cert:?}]\n\n\
         [[services]]\nnamespace = \"urn://smevgate.test/echo/1.0.0\"\n\
         root = \"EchoRequest\"\nprovider = \"PROVIDER01\"\nschema = {schema:?}\n"
    );
    std::fs::write(dir.join("node.toml"), config).expect("writes");
}

#[test]
fn serve_with_unresolved_type_in_service_schema_exits_64_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("schemas")).expect("mkdir");
    let xsd = concat!(
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" "#,
        r#"xmlns:q="urn://smevgate.test/echo/1.0.0" "#,
        r#"targetNamespace="urn://smevgate.test/echo/1.0.0" elementFormDefault="qualified">"#,
        r#"<xs:element name="EchoRequest" type="q:NoSuchType"/></xs:schema>"#
    );
    std::fs::write(dir.path().join("schemas/bad.xsd"), xsd).expect("writes");
    write_service_config(dir.path(), "schemas/bad.xsd");

    let (code, stderr) = serve_refused(dir.path(), "node.toml");

    assert_eq!(code, Some(64), "{stderr}");
    assert!(
        stderr.contains("invalid config value `services[0].schema`"),
        "{stderr}"
    );
    assert!(stderr.contains("NoSuchType"), "{stderr}");
}

/// Regression: the schema folder was "" here and did not compile.
#[test]
fn serve_with_schema_beside_a_bare_config_name_starts() {
    let dir = tempfile::tempdir().expect("temp dir");
    let echo = fixtures().join("schemas/echo-1.0.0.xsd");
    std::fs::copy(echo, dir.path().join("echo-1.0.0.xsd")).expect("copies");
    write_service_config(dir.path(), "echo-1.0.0.xsd");

    let served = Served::start(dir.path(), Path::new("node.toml"), &[]);

    assert_eq!(http_get(&served.addr, "/healthz").0, 200);
    assert_stops_on_sigterm(served);
}

#[test]
fn serve_on_a_taken_port_exits_1_naming_the_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let addr = taken.local_addr().expect("address").to_string();

    let output = smevgate_in(dir.path())
        .arg("serve")
        .arg("--config")
        .arg(node_toml())
        .args(["--listen", &addr])
        .output()
        .expect("serve runs");

    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}

// A log piped to a file or journald carries no ANSI colour codes: colours
// are for terminals only.
#[test]
fn serve_log_to_a_pipe_has_no_terminal_colours() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = "[[systems]]\nmnemonic = \"A01\"\ncertificates = [\"none.pem\"]\n";
    std::fs::write(dir.path().join("bad.toml"), config).expect("writes");

    let output = Command::new(env!("CARGO_BIN_EXE_smevgate"))
        .current_dir(dir.path())
        .env_remove("NO_COLOR")
        .args(["serve", "--config", "bad.toml", "--listen", "127.0.0.1:0"])
        .output()
        .expect("serve runs");

    let stderr = text(&output.stderr);
    assert!(stderr.contains("generated a development key"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn envelope_signed_by_sign_command_is_accepted_by_the_node() {
    let dir = tempfile::tempdir().expect("temp dir");
    let served = Served::start(dir.path(), &node_toml(), &[]);
    let id = exchange::message_id::generate(time::OffsetDateTime::now_utc());
    std::fs::write(dir.path().join("unsigned.xml"), unsigned_send_request(&id)).expect("writes");
    let keys = fixtures().join("keys/consumer");

    let signed = smevgate_in(dir.path())
        .args(["sign", "unsigned.xml", "--key"])
        .arg(keys.join("key.pem"))
        .arg("--cert")
        .arg(keys.join("cert.pem"))
        .output()
        .expect("sign runs");
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    let (status, body) = http_post_soap(&served.addr, "urn:SendRequest", &text(&signed.stdout));

    assert_eq!(status, 200, "{body}");
    assert!(body.contains("requestIsQueued"), "{body}");
    let got = client(&served, dir.path(), "1.3", "PROVIDER01", &["get-request"]);
    assert_eq!(got.get("request-message-id"), id);
    assert_eq!(got.get("sender"), "CONSUMER01");
    assert_stops_on_sigterm(served);
}

/// A 1.3 SendRequest envelope for the echo ВС, without its ЭП-ОВ.
fn unsigned_send_request(message_id: &str) -> String {
    let types = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3";
    let basic = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3";
    format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\
         <soap:Header/><soap:Body><t:SendRequestRequest xmlns:t=\"{types}\">\
         <t:SenderProvidedRequestData Id=\"SIGNED_BY_CALLER\">\
         <t:MessageID>{message_id}</t:MessageID>\
         <b:MessagePrimaryContent xmlns:b=\"{basic}\">\
         <q:EchoRequest xmlns:q=\"urn://smevgate.test/echo/1.0.0\">\
         <q:Snils>12345678901</q:Snils></q:EchoRequest></b:MessagePrimaryContent>\
         </t:SenderProvidedRequestData></t:SendRequestRequest></soap:Body></soap:Envelope>"
    )
}

#[test]
fn serve_restart_keeps_the_node_key_and_the_queued_request() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cert_path = dir.path().join("var/keys/node/cert.pem");
    let payload = fixtures().join("payloads/echo-request.xml");
    let payload = payload.to_str().expect("utf-8 path");

    let first = Served::start(dir.path(), &node_toml(), &[]);
    let cert = std::fs::read_to_string(&cert_path).expect("node cert");
    let sent = client(
        &first,
        dir.path(),
        "1.3",
        "CONSUMER01",
        &["send-request", "--payload", payload],
    );
    assert_stops_on_sigterm(first);
    let second = Served::start(dir.path(), &node_toml(), &[]);
    let raw = client_output(
        &second,
        dir.path(),
        "1.3",
        "PROVIDER01",
        &["--raw", "get-request"],
    );
    let got = Fields::parse(&text(&raw.stdout));

    assert_eq!(
        std::fs::read_to_string(&cert_path).expect("node cert"),
        cert
    );
    let cert_base64: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
    let raw = text(&raw.stdout);
    let smev_signature = &raw[raw.find("SMEVSignature>").expect("ЭП-СМЭВ")..];
    assert!(smev_signature.contains(&cert_base64), "{smev_signature}");
    assert!(!second
        .seen
        .iter()
        .any(|l| l.contains("generated a development key")));
    assert_eq!(got.get("request-message-id"), sent.get("message-id"));
    assert_eq!(got.get("signature SMEVSignature"), "valid");
    assert_stops_on_sigterm(second);
}

#[test]
fn serve_speaks_1_1_and_1_2_clients_through_the_walkthrough() {
    let dir = tempfile::tempdir().expect("temp dir");
    let served = Served::start(dir.path(), &node_toml(), &[]);

    let walks = ["1.1", "1.2"].map(|version| walkthrough(&served, dir.path(), version));

    let config = node_toml();
    let config = config.to_str().expect("utf-8 path");
    let all = journal(dir.path(), &["--config", config]);
    for walk in &walks {
        let sends = all
            .iter()
            .filter(|e| field(e, "message_id") == walk.request_id);
        assert_eq!(
            sends
                .filter(|e| field(e, "operation") == "SendRequest")
                .count(),
            1
        );
    }
    assert_stops_on_sigterm(served);
}

// A malformed database URL or schema name is a configuration mistake (exit 64
// naming `node.database_url`); only an unreachable database exits 1.
#[test]
fn serve_with_malformed_database_url_exits_64() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = node_toml();
    let config = config.to_str().expect("utf-8 path");
    let schema_url = format!("{PG_URL}?schema=Bad-Name");

    for url in ["mysql://127.0.0.1/test", schema_url.as_str()] {
        let output = smevgate_in(dir.path())
            .args(["serve", "--config", config, "--listen", "127.0.0.1:0"])
            .args(["--database-url", url])
            .output()
            .expect("serve runs");

        let stderr = text(&output.stderr);
        assert!(stderr.contains("invalid"), "{stderr}");
        assert_eq!(output.status.code(), Some(64), "{url}: {stderr}");
    }
}

/// A config in `dir`: the fixtures' systems and ВС (absolute paths), fast
/// delivery looks, and `points` appended as they are.
fn write_points_config(dir: &Path, points: &str) {
    let base = std::fs::read_to_string(node_toml()).expect("node.toml");
    let fixtures = fixtures();
    let absolute = |text: String, folder: &str| {
        let path = fixtures.join(folder);
        text.replace(&format!("\"{folder}"), &format!("\"{}", path.display()))
    };
    let config = absolute(absolute(base, "keys/"), "schemas/");
    let config = format!("{config}\n[delivery]\npoll_interval_ms = 20\n\n{points}");
    std::fs::write(dir.join("points.toml"), config).expect("writes");
}

/// A push endpoint on 127.0.0.1:0 answering 200 to every POST; each body
/// comes down the channel.
fn push_endpoint() -> (String, mpsc::Receiver<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binds");
    let url = format!("http://{}/inbox", listener.local_addr().expect("addr"));
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let body = read_http_body(&mut stream);
            let answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            let _ = stream.write_all(answer.as_bytes());
            if send.send(body).is_err() {
                break;
            }
        }
    });
    (url, receive)
}

/// The body of one HTTP/1.1 request with a Content-Length.
fn read_http_body(stream: &mut TcpStream) -> String {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    text(&body)
}

#[test]
fn serve_with_push_point_in_config_pushes_the_request_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, pushed) = push_endpoint();
    let point = format!("[[points]]\nsystem = \"PROVIDER01\"\nkind = \"push\"\nurl = {url:?}\n");
    write_points_config(dir.path(), &point);
    let served = Served::start(dir.path(), Path::new("points.toml"), &[]);

    let payload = fixtures().join("payloads/echo-request.xml");
    let payload = payload.to_str().expect("utf-8 path");
    let sent = client(
        &served,
        dir.path(),
        "1.2",
        "CONSUMER01",
        &["send-request", "--payload", payload],
    );
    let id = sent.get("message-id").to_owned();
    let body = pushed
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the push endpoint got the request");

    assert!(body.contains("GetRequestResponse"), "{body}");
    assert!(body.contains(&id), "{body}");
    assert_stops_on_sigterm(served);
}

#[test]
fn serve_with_bad_point_exits_64_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let point = "[[points]]\nsystem = \"PROVIDER01\"\nkind = \"push\"\nurl = \"ftp://x\"\n";
    write_points_config(dir.path(), point);

    let (code, stderr) = serve_refused(dir.path(), "points.toml");

    assert_eq!(code, Some(64), "{stderr}");
    assert!(
        stderr.contains("invalid config value `points[0].url`"),
        "{stderr}"
    );
}
