//! HTTP framing at the SOAP edge: a body cut short is reported as such (not
//! as "too large"), an oversized declared length is refused before any body
//! is read, and an element with thousands of attributes never reaches the
//! XML parsers.

use std::time::Duration;

use smevgate_tests::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Writes `head` and `body` on a fresh connection, half-closes it, and
/// reads the whole answer (bounded by a timeout).
async fn raw_exchange(node: &TestNode, head: &str, body: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(node.addr)
        .await
        .expect("connects");
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(body).await.expect("body");
    stream.shutdown().await.expect("half-close");
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer));
    read.await.expect("node answers in time").expect("reads");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn body_shorter_than_its_length_gets_unreadable_body_fault() {
    let node = TestNode::start(Backend::Sqlite).await;
    let head = "POST /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n\
                Content-Length: 1000\r\nConnection: close\r\n\r\n";
    let answer = raw_exchange(&node, head, b"<a>").await;
    assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
    assert!(
        answer.contains("Тело запроса получено не полностью"),
        "{answer}"
    );
    assert!(
        !answer.contains("превышает"),
        "a cut body is not an oversized one: {answer}"
    );
}

#[tokio::test]
async fn declared_length_over_the_limit_is_refused_before_reading() {
    let node = TestNode::start(Backend::Sqlite).await;
    let head = "POST /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n\
                Content-Length: 99999999999\r\nConnection: close\r\n\r\n";
    let answer = raw_exchange(&node, head, b"").await;
    assert!(answer.starts_with("HTTP/1.1 500"), "{answer}");
    assert!(answer.contains("превышает допустимый"), "{answer}");
}

#[tokio::test]
async fn element_with_thousands_of_attributes_is_refused_quickly() {
    let node = TestNode::start(Backend::Sqlite).await;
    let attributes: String = (0..50_000).map(|i| format!(" a{i}=\"1\"")).collect();
    let body = format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Header/>\
         <soap:Body><x{attributes}/></soap:Body></soap:Envelope>"
    );
    let reply = node.post(body, "urn:SendRequest").await;
    assert_eq!(reply.status, 500, "{}", reply.body);
    assert!(reply.body.contains("soap:Client"), "{}", reply.body);
    let health = get(node.addr, "/healthz").await;
    assert_eq!(health.status, 200);
}
