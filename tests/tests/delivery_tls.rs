//! Upstream delivery over HTTPS (issue #3): the upstream node serves TLS
//! with a certificate issued by a test CA made here with OpenSSL (ECDSA
//! P-256, IP name 127.0.0.1); the first node trusts that CA through
//! `delivery.ca_bundle` and forwards, while a node trusting another CA
//! refuses the handshake and dead-letters the request.
//!
//! The transport is not a store feature, so these run on SQLite only.

#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cabinet::{PointForm, PointKind};
use smevgate_tests::*;
use store::MessageState;
use time::OffsetDateTime;

const VERSION: wire::Version = wire::Version::V1_2;
const DEADLINE: Duration = Duration::from_secs(60);

/// Runs `openssl` with `args` in `dir`; panics with its stderr on failure.
fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "openssl {args:?}: {stderr}");
}

/// A CA (`<name>-ca.pem`) and a server certificate for 127.0.0.1 it
/// issued (`<name>-leaf.pem`, `<name>-leaf.key`).
fn issue(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let file = |suffix: &str| format!("{name}-{suffix}");
    let (ca, ca_key) = (file("ca.pem"), file("ca.key"));
    let (leaf, leaf_key, csr) = (file("leaf.pem"), file("leaf.key"), file("leaf.csr"));
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut make_ca = vec!["req", "-x509"];
    make_ca.extend(ec);
    make_ca.extend([
        "-keyout",
        &ca_key,
        "-out",
        &ca,
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
    ]);
    make_ca.extend(["-addext", "basicConstraints=critical,CA:TRUE"]);
    make_ca.extend(["-addext", "keyUsage=critical,keyCertSign"]);
    openssl(dir, &make_ca);
    let mut request = vec!["req"];
    request.extend(ec);
    request.extend(["-keyout", &leaf_key, "-out", &csr, "-subj", "/CN=127.0.0.1"]);
    openssl(dir, &request);
    let ext = dir.join(file("ext"));
    let names = "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
    std::fs::write(&ext, names).unwrap();
    let ext = ext.display().to_string();
    let sign = [
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca,
        "-CAkey",
        &ca_key,
        "-CAcreateserial",
        "-out",
        &leaf,
        "-days",
        "2",
        "-extfile",
        &ext,
    ];
    openssl(dir, &sign);
    (dir.join(ca), dir.join(leaf), dir.join(leaf_key))
}

/// A node forwarding to `upstream` (an `https` URL), trusting `ca`.
async fn forwarding_node(ca: &Path, upstream: &str) -> TestNode {
    let mut options = NodeOptions::new(Backend::Sqlite);
    options.delivery = Some(delivery::DeliverySettings {
        poll_interval: Duration::from_millis(20),
        ca_bundle: Some(ca.to_owned()),
        ..delivery::DeliverySettings::default()
    });
    let node = TestNode::start_with(options).await;
    let form = PointForm {
        max_attempts: 2,
        backoff_base_ms: 10,
        backoff_cap_ms: 20,
        timeout_ms: 10_000,
        ..PointForm::new(PROVIDER, PointKind::Upstream, upstream)
    };
    let context = cabinet::audit::AuditContext {
        actor: "setup".into(),
        remote: None,
        at: OffsetDateTime::now_utc(),
    };
    node.node
        .store()
        .create_point(&form, &context)
        .await
        .expect("point");
    node.node.reload_registry().await.expect("reload");
    node
}

async fn tls_upstream(leaf: PathBuf, key: PathBuf) -> TestNode {
    let mut options = NodeOptions::new(Backend::Sqlite);
    options.tls = Some((leaf, key));
    TestNode::start_with(options).await
}

async fn send_request(node: &TestNode) -> String {
    let id = message_id(OffsetDateTime::now_utc());
    let envelope = Ims::consumer().send_request(VERSION, &id, &echo_request());
    let reply = node.post(envelope, "urn:SendRequest").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    id
}

async fn wait_for_state(node: &TestNode, id: &str, state: MessageState) -> store::StoredMessage {
    let started = tokio::time::Instant::now();
    loop {
        let stored = node.node.store().get(id).await.unwrap().expect("stored");
        if stored.delivery.state == state {
            return stored;
        }
        assert!(started.elapsed() < DEADLINE, "{id} never became {state:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_over_https_with_trusted_ca_forwards() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, leaf, key) = issue(dir.path(), "good");
    let upstream = tls_upstream(leaf, key).await;
    let url = format!("https://127.0.0.1:{}/ws", upstream.addr.port());
    let node = forwarding_node(&ca, &url).await;

    let id = send_request(&node).await;
    wait_for_state(&node, &id, MessageState::Acked).await;

    let arrived = upstream.node.store().get(&id).await.unwrap();
    let arrived = arrived.expect("the request reached the upstream over TLS");
    assert_eq!(arrived.message.queue.owner, PROVIDER);
    node.stop().await;
    upstream.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upstream_over_https_with_untrusted_certificate_is_dead_lettered() {
    let dir = tempfile::tempdir().unwrap();
    let (_, leaf, key) = issue(dir.path(), "served");
    let (other_ca, _, _) = issue(dir.path(), "other");
    let upstream = tls_upstream(leaf, key).await;
    let url = format!("https://127.0.0.1:{}/ws", upstream.addr.port());
    let node = forwarding_node(&other_ca, &url).await;

    let id = send_request(&node).await;
    wait_for_state(&node, &id, MessageState::Dead).await;

    let letters = node.node.store().dead_letters(10).await.unwrap();
    let error = letters[0].last_error.clone().unwrap_or_default();
    assert!(error.starts_with("tls with 127.0.0.1"), "{error}");
    assert!(
        upstream.node.store().get(&id).await.unwrap().is_none(),
        "never reached it"
    );
    node.stop().await;
    upstream.stop().await;
}
