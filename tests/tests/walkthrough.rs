//! The README walkthrough as a test, on both stores: SendRequest →
//! GetRequest → Ack → SendResponse → GetResponse (status, then response)
//! → Ack → GetStatus, every answer signed by the node and read back.

use smevgate_tests::*;
use time::OffsetDateTime;
use wire::{ReplyKind, Version};

fn read(reply: &HttpReply) -> wire::Reply {
    wire::read_reply(reply.status, &reply.content_type, reply.body.as_bytes())
        .unwrap_or_else(|e| panic!("unreadable reply {e}: {}", reply.body))
}

/// Every signature in the reply verifies.
fn assert_signed(reply: &HttpReply) {
    let bytes = reply.body.as_bytes();
    let signatures = dsig::find_signatures(bytes).expect("signatures");
    assert!(
        !signatures.is_empty(),
        "reply carries no signature: {}",
        reply.body
    );
    let doc = xml::Document::parse(bytes).expect("parses");
    for signature in &signatures {
        let verdict = dsig::verify(&doc, signature, None, None);
        assert_eq!(
            verdict.outcome,
            dsig::Outcome::Valid,
            "{:?}",
            signature.wrapper
        );
    }
}

async fn walkthrough(backend: Backend, version: Version) {
    let node = TestNode::start(backend).await;
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = OffsetDateTime::now_utc();
    let request_id = message_id(now);

    let sent = node
        .post(
            consumer.send_request(version, &request_id, &echo_request()),
            "urn:SendRequest",
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert_signed(&sent);
    let ReplyKind::Receipt { metadata, .. } = read(&sent).kind else {
        panic!("receipt")
    };
    assert_eq!(metadata.message_id.as_deref(), Some(request_id.as_str()));
    assert_eq!(metadata.status.as_deref(), Some("requestIsQueued"));

    let got = node
        .post(provider.get_request(version, now), "urn:GetRequest")
        .await;
    assert_signed(&got);
    let ReplyKind::Request(request) = read(&got).kind else {
        panic!("request: {}", got.body)
    };
    assert_eq!(request.data.message_id, request_id);
    let reply_to = request.reply_to.clone().expect("ReplyTo");
    let acked = node
        .post(provider.ack(version, &request_id, true), "urn:Ack")
        .await;
    assert!(
        matches!(read(&acked).kind, ReplyKind::Acknowledged),
        "{}",
        acked.body
    );

    let response_id = message_id(OffsetDateTime::now_utc());
    let answer = provider.send_response(version, &response_id, &reply_to, &echo_response());
    let answered = node.post(answer, "urn:SendResponse").await;
    assert_eq!(answered.status, 200, "{}", answered.body);

    let status = node
        .post(consumer.get_response(version, now), "urn:GetResponse")
        .await;
    assert_signed(&status);
    let ReplyKind::Response(status) = read(&status).kind else {
        panic!("status")
    };
    assert!(matches!(
        status.data.content,
        wire::ResponseContent::AsyncStatus(_)
    ));
    let status_id = status.metadata.message_id.clone().expect("status id");
    node.post(consumer.ack(version, &status_id, true), "urn:Ack")
        .await;

    let response = node
        .post(consumer.get_response(version, now), "urn:GetResponse")
        .await;
    assert_signed(&response);
    let ReplyKind::Response(response) = read(&response).kind else {
        panic!("response")
    };
    assert_eq!(
        response.original_message_id.as_deref(),
        Some(request_id.as_str())
    );
    assert_eq!(response.data.message_id, response_id);
    node.post(consumer.ack(version, &response_id, true), "urn:Ack")
        .await;

    let empty = node
        .post(consumer.get_response(version, now), "urn:GetResponse")
        .await;
    assert!(
        matches!(read(&empty).kind, ReplyKind::EmptyQueue(_)),
        "{}",
        empty.body
    );
    let status = node
        .post(provider.get_status(version, now), "urn:GetStatus")
        .await;
    let ReplyKind::Status(status) = read(&status).kind else {
        panic!("status: {}", status.body)
    };
    assert_eq!(status.status.original_message_id, response_id);

    let journal = node
        .node
        .store()
        .query(&store::JournalFilter::default())
        .await
        .unwrap();
    let ops: Vec<&str> = journal.iter().map(|r| r.entry.operation.as_str()).collect();
    for op in [
        "SendRequest",
        "delivered",
        "acked",
        "SendResponse",
        "Status",
    ] {
        assert!(ops.contains(&op), "journal lacks {op}: {ops:?}");
    }
    node.stop().await;
}

#[tokio::test]
async fn walkthrough_sqlite_1_3_delivers_and_journals_every_step() {
    walkthrough(Backend::Sqlite, Version::V1_3).await;
}

#[tokio::test]
async fn walkthrough_sqlite_1_2_delivers_and_journals_every_step() {
    walkthrough(Backend::Sqlite, Version::V1_2).await;
}

#[tokio::test]
async fn walkthrough_sqlite_1_1_delivers_and_journals_every_step() {
    walkthrough(Backend::Sqlite, Version::V1_1).await;
}

#[tokio::test]
async fn walkthrough_postgres_1_3_delivers_and_journals_every_step() {
    walkthrough(Backend::Postgres, Version::V1_3).await;
}
