//! Everything a node emits validates against the project's own SMEV XSDs:
//! each response of each operation in each version (with and without a
//! message, every delivered content kind), and every typed fault detail.
//! The answers come from real exchanges with a node over HTTP; the
//! schemas are `wire::names::v1_x::FILES`, compiled here independently of
//! the node.

mod common;

use common::certs::fresh_ims;
use common::envelopes::{
    get_request_for, get_request_stamped, queue_statistics_request, replace_once, request_input,
    send_request, unsigned_send_request,
};
use common::faults::read;
use smevgate_tests::*;
use time::{Duration, OffsetDateTime};
use wire::{Operation, ReplyKind, Version};

/// One answer and what produced it.
struct Emitted {
    label: String,
    reply: HttpReply,
}

/// Collects answers of one node under a label each.
#[derive(Default)]
struct Answers(Vec<Emitted>);

// === impl Answers ===

impl Answers {
    /// Posts `body` and keeps the answer under `label`.
    async fn post(
        &mut self,
        node: &TestNode,
        label: &str,
        body: String,
        action: &str,
    ) -> &HttpReply {
        let reply = node.post(body, action).await;
        self.0.push(Emitted {
            label: label.to_owned(),
            reply,
        });
        &self.0.last().expect("just pushed").reply
    }
}

/// The SMEV schemas of `version`, compiled from the embedded files.
fn schema(version: Version) -> xml::SchemaSet {
    let (entry, files) = match version {
        Version::V1_1 => (wire::names::v1_1::TYPES_FILE, wire::names::v1_1::FILES),
        Version::V1_2 => (wire::names::v1_2::TYPES_FILE, wire::names::v1_2::FILES),
        Version::V1_3 => (wire::names::v1_3::TYPES_FILE, wire::names::v1_3::FILES),
    };
    let resources: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec()))
        .collect();
    xml::SchemaSet::compile(entry, &resources).expect("embedded schemas compile")
}

/// Namespace and local name of the element under `soap:Body` (the detail
/// element for a typed fault).
fn emitted_element(version: Version, emitted: &Emitted) -> (&'static str, String) {
    let types = version.types_ns();
    let response = |operation: Operation| (types, operation.response_element().to_owned());
    match read(&emitted.reply).kind {
        ReplyKind::Fault(fault) => {
            let element = fault.kind.element_name().expect("a typed fault");
            (version.faults_ns(), element.to_owned())
        }
        ReplyKind::Receipt { operation, .. } | ReplyKind::EmptyQueue(operation) => {
            response(operation)
        }
        ReplyKind::Request(_) => response(Operation::GetRequest),
        ReplyKind::Response(_) => response(Operation::GetResponse),
        ReplyKind::Status(_) => response(Operation::GetStatus),
        ReplyKind::Acknowledged => response(Operation::Ack),
        ReplyKind::QueueStatistics(_) => response(Operation::GetIncomingQueueStatistics),
    }
}

/// Every collected answer validates; the failures are listed together.
fn assert_all_valid(version: Version, answers: &Answers) {
    let schema = schema(version);
    let mut failures = Vec::new();
    for emitted in &answers.0 {
        let (namespace, local) = emitted_element(version, emitted);
        let doc = xml::Document::parse(emitted.reply.body.as_bytes()).expect("well-formed");
        let target = xml::Target::nth(namespace, &local, 0);
        assert!(doc.count(&target) >= 1, "{}: no {local}", emitted.label);
        let violations = schema.validate(&doc, &target);
        if !violations.is_empty() {
            failures.push(format!("{} ({local}): {violations:?}", emitted.label));
        }
    }
    assert!(
        failures.is_empty(),
        "{version:?} emits invalid XML:\n{}",
        failures.join("\n")
    );
}

/// Request → GetRequest → Ack → SendResponse → GetResponse (status and
/// response) → GetStatus, plus every empty queue.
async fn collect_primary_flow(node: &TestNode, version: Version, answers: &mut Answers) {
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = OffsetDateTime::now_utc();
    let id = message_id(now);
    let send = consumer.send_request(version, &id, &echo_request());
    answers
        .post(node, "SendRequest receipt", send, "urn:SendRequest")
        .await;
    let got = answers
        .post(node, "GetRequest", provider.get_request(version, now), "")
        .await;
    let ReplyKind::Request(request) = read(got).kind else {
        panic!("request: {}", got.body)
    };
    let reply_to = request.reply_to.expect("ReplyTo");
    answers
        .post(node, "Ack", provider.ack(version, &id, true), "urn:Ack")
        .await;
    answers
        .post(
            node,
            "GetRequest empty",
            provider.get_request(version, now),
            "",
        )
        .await;

    let response_id = message_id(now);
    let answer = provider.send_response(version, &response_id, &reply_to, &echo_response());
    answers
        .post(node, "SendResponse receipt", answer, "urn:SendResponse")
        .await;
    take_responses(node, version, answers, 2).await;
    answers
        .post(
            node,
            "GetResponse empty",
            consumer.get_response(version, now),
            "",
        )
        .await;
    answers
        .post(node, "GetStatus", provider.get_status(version, now), "")
        .await;
    answers
        .post(
            node,
            "GetStatus empty",
            provider.get_status(version, now),
            "",
        )
        .await;
}

/// Takes and acks `count` messages of the consumer's response queue.
async fn take_responses(node: &TestNode, version: Version, answers: &mut Answers, count: usize) {
    let consumer = Ims::consumer();
    for n in 0..count {
        let body = consumer.get_response(version, OffsetDateTime::now_utc());
        let got = answers
            .post(node, &format!("GetResponse #{n}"), body, "")
            .await;
        let ReplyKind::Response(response) = read(got).kind else {
            panic!("response: {}", got.body)
        };
        let id = response.metadata.message_id.expect("MessageId");
        node.post(consumer.ack(version, &id, true), "urn:Ack").await;
    }
}

/// A request answered with `RequestRejected`, delivered to the consumer.
async fn collect_rejection(node: &TestNode, version: Version, answers: &mut Answers) {
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = OffsetDateTime::now_utc();
    let id = message_id(now);
    node.post(consumer.send_request(version, &id, &echo_request()), "")
        .await;
    let got = node.post(provider.get_request(version, now), "").await;
    let ReplyKind::Request(request) = read(&got).kind else {
        panic!("request: {}", got.body)
    };
    node.post(provider.ack(version, &id, true), "").await;
    let rejections = [wire::Rejection {
        code: "NO_DATA".to_owned(),
        description: "Сведения не найдены".to_owned(),
    }];
    let response_id = message_id(now);
    let input = wire::ResponseInput {
        id: "SIGNED_BY_CALLER",
        message_id: &response_id,
        to: request.reply_to.as_deref().expect("ReplyTo"),
        content: wire::ResponseInputContent::Rejected(&rejections),
    };
    let sign = |e: &str, i: &str| provider.sign(e, i);
    let body = wire::write_send_response_request(version, &input, &[], Some(&sign));
    answers
        .post(node, "SendResponse rejected", body, "urn:SendResponse")
        .await;
    take_responses(node, version, answers, 2).await;
}

/// GetIncomingQueueStatistics with and without pending messages (1.1/1.2).
async fn collect_statistics(node: &TestNode, version: Version, answers: &mut Answers) {
    if version == Version::V1_3 {
        return;
    }
    let now = OffsetDateTime::now_utc();
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    node.post(
        consumer.send_request(version, &message_id(now), &echo_request()),
        "",
    )
    .await;
    let full = queue_statistics_request(&provider, version, now);
    answers
        .post(node, "QueueStatistics with a queue", full, "")
        .await;
    let empty = queue_statistics_request(&consumer, version, now);
    answers.post(node, "QueueStatistics empty", empty, "").await;
}

/// Typed faults raised before any store work.
async fn collect_check_faults(node: &TestNode, version: Version, answers: &mut Answers) {
    let consumer = Ims::consumer();
    let now = OffsetDateTime::now_utc();
    let echo = echo_request();
    let unsigned = unsigned_send_request(version, &message_id(now), &echo);
    answers.post(node, "NoSignatureFound", unsigned, "").await;
    let signed = consumer.send_request(version, &message_id(now), &echo);
    let no_header = replace_once(&signed, "<soap:Header/>", "");
    answers
        .post(node, "PoorSOAPEnvelopeFormat", no_header, "")
        .await;
    let stranger = fresh_ims("STRANGER01").send_request(version, &message_id(now), &echo);
    answers
        .post(node, "SenderIsNotRegistered", stranger, "")
        .await;
    let snils =
        format!(r#"<q:EchoRequest xmlns:q="{ECHO_NS}"><q:Snils>x</q:Snils></q:EchoRequest>"#);
    let bad_payload = consumer.send_request(version, &message_id(now), &snils);
    answers
        .post(node, "InvalidContent payload", bad_payload, "")
        .await;
    let unknown = r#"<x:Unknown xmlns:x="urn://nowhere.test/1.0">1</x:Unknown>"#;
    let unknown = consumer.send_request(version, &message_id(now), unknown);
    answers
        .post(node, "BusinessDataTypeIsNotSupported", unknown, "")
        .await;
    let v4 = consumer.send_request(version, "0a1b2c3d-1111-4aaa-8aaa-000000000002", &echo);
    answers.post(node, "InvalidMessageIdFormat", v4, "").await;
    let id = message_id(now);
    let eol = wire::RequestInput {
        eol: Some("2020-01-01T00:00:00Z"),
        ..request_input(&id, &echo)
    };
    let eol = send_request(&consumer, version, &eol, &[]);
    answers.post(node, "EndOfLifeReached", eol, "").await;
    let stamp = xs_datetime(now - Duration::hours(1));
    let stale = get_request_stamped(&Ims::provider(), version, &stamp);
    answers
        .post(node, "InvalidContent timestamp", stale, "")
        .await;
}

/// Typed faults raised by the operations.
async fn collect_operation_faults(node: &TestNode, version: Version, answers: &mut Answers) {
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = OffsetDateTime::now_utc();
    let id = message_id(now);
    let echo = echo_request();
    node.post(consumer.send_request(version, &id, &echo), "")
        .await;
    let again = consumer.send_request(version, &id, &echo);
    answers.post(node, "MessageIsAlreadySent", again, "").await;
    let foreign = get_request_for(&consumer, version, now, ECHO_NS, ECHO_REQUEST);
    answers.post(node, "UnknownMessageType", foreign, "").await;
    let ack = provider.ack(version, &message_id(now), true);
    answers.post(node, "TargetMessageIsNotFound", ack, "").await;
    let to_nobody = provider.send_response(version, &message_id(now), "bm9ib2R5", &echo_response());
    answers
        .post(node, "RecipientIsNotFound", to_nobody, "")
        .await;
    let request_as_response = provider.send_response(version, &message_id(now), "eA==", &echo);
    answers
        .post(
            node,
            "IncorrectResponseContentType",
            request_as_response,
            "",
        )
        .await;
    let headers = [wire::AttachmentHeader {
        content_id: "att-1",
        mime_type: "application/zip",
        signature_pkcs7: None,
    }];
    let id = message_id(now);
    let input = wire::RequestInput {
        attachment_headers: &headers,
        ..request_input(&id, &echo)
    };
    let contents = [wire::AttachmentContent {
        id: "att-2",
        content_base64: "AAAA",
    }];
    let miscoordinated = send_request(&consumer, version, &input, &contents);
    answers
        .post(node, "AttachmentContentMiscoordination", miscoordinated, "")
        .await;
}

/// Collects every kind of answer of `version` from one node and validates.
async fn check_version(version: Version) {
    let node = TestNode::start(Backend::Sqlite).await;
    let mut answers = Answers::default();
    collect_primary_flow(&node, version, &mut answers).await;
    collect_rejection(&node, version, &mut answers).await;
    collect_statistics(&node, version, &mut answers).await;
    collect_check_faults(&node, version, &mut answers).await;
    collect_operation_faults(&node, version, &mut answers).await;
    let faults = answers.0.iter().filter(|e| e.reply.status == 500).count();
    assert_eq!(faults, 14, "every fault case drew a fault");
    assert_all_valid(version, &answers);
}

#[tokio::test]
async fn every_answer_of_1_1_validates_against_its_xsd() {
    check_version(Version::V1_1).await;
}

#[tokio::test]
async fn every_answer_of_1_2_validates_against_its_xsd() {
    check_version(Version::V1_2).await;
}

#[tokio::test]
async fn every_answer_of_1_3_validates_against_its_xsd() {
    check_version(Version::V1_3).await;
}

#[tokio::test]
async fn destination_overflow_fault_validates_in_every_version() {
    let mut options = NodeOptions::new(Backend::Sqlite);
    options.settings.queue_quota = 0;
    let node = TestNode::start_with(options).await;
    for version in [Version::V1_1, Version::V1_2, Version::V1_3] {
        let mut answers = Answers::default();
        let body = Ims::consumer().send_request(
            version,
            &message_id(OffsetDateTime::now_utc()),
            &echo_request(),
        );
        let reply = answers.post(&node, "DestinationOverflow", body, "").await;
        assert!(reply.body.contains("DestinationOverflow"), "{}", reply.body);
        assert_all_valid(version, &answers);
    }
}

/// `Code` is `string-50` in 1.1/1.2 and `string-100` in 1.3, whatever the
/// node is called: the locator must fit it.
#[tokio::test]
async fn faults_of_a_node_with_a_long_node_id_validate() {
    let mut options = NodeOptions::new(Backend::Sqlite);
    options.settings.node_id = "smevgate-node-moscow-datacenter-rack-0001".to_owned();
    let node = TestNode::start_with(options).await;
    for version in [Version::V1_1, Version::V1_2, Version::V1_3] {
        let mut answers = Answers::default();
        let id = message_id(OffsetDateTime::now_utc());
        let unsigned = unsigned_send_request(version, &id, &echo_request());
        answers.post(&node, "NoSignatureFound", unsigned, "").await;
        assert_all_valid(version, &answers);
    }
}

/// Signed data cannot change namespace, so a poller of another version must
/// get either nothing or a valid envelope, never the sender's data in a
/// foreign namespace. Fails today: `ops/get_message.rs` hands any stored
/// message to any version's GetRequest.
#[tokio::test]
async fn messages_sent_in_one_version_and_polled_in_another_validate() {
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let pairs = [
        (Version::V1_3, Version::V1_1),
        (Version::V1_1, Version::V1_3),
    ];
    for (sent_in, polled_in) in pairs {
        let node = TestNode::start(Backend::Sqlite).await;
        let now = OffsetDateTime::now_utc();
        let id = message_id(now);
        let sent = node
            .post(consumer.send_request(sent_in, &id, &echo_request()), "")
            .await;
        assert_eq!(sent.status, 200, "{}", sent.body);
        let mut answers = Answers::default();
        let label = format!("sent in {sent_in:?}, polled in {polled_in:?}");
        let got = answers
            .post(&node, &label, provider.get_request(polled_in, now), "")
            .await;
        assert_eq!(got.status, 200, "{}", got.body);
        assert_all_valid(polled_in, &answers);
    }
}
