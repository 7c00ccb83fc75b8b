//! One test per row of `exchange/src/fault_map.rs` that the wire can reach:
//! a real request over HTTP to an in-process node, then the exact answer —
//! HTTP status, content type, fault element, faultcode, Russian
//! faultstring, `Code` locator and `Description` catalogue prefix — read
//! back with `wire::read_reply`. Every refused SendRequest must leave the
//! provider's queue empty and a fault entry in the journal.

mod common;

use common::certs::{dated_ims, fresh_ims};
use common::envelopes::{
    get_request_for, get_request_stamped, plain_c14n_digest, replace_once, request_input,
    resigning, send_request, send_request_signed_with, unsigned_send_request,
};
use common::faults::{
    assert_journaled, assert_no_request_queued, assert_signature_fault, assert_soap_level,
    assert_typed, assert_void, fault_of, read,
};
use common::registry;
use smevgate_tests::*;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use wire::{FaultCode, FaultKind, ReplyKind, SignatureFailure, ValidationError, Version};

/// The faults namespace of 1.1, as B15 shows it.
const FAULTS_1_1: &str = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.1";

/// The instant CASES B17 pins the node clock to.
const B17_NOW: OffsetDateTime = datetime!(2024-03-01 10:00 UTC);

/// Posts a SendRequest and returns its fault, checking the queue stayed
/// empty and the journal holds `journal_code` for `message_id`.
async fn refused_send_request(
    node: &TestNode,
    version: Version,
    body: String,
    message_id: &str,
    journal_code: &str,
) -> wire::Fault {
    let reply = node.post(body, "urn:SendRequest").await;
    let fault = fault_of(&reply);
    assert_no_request_queued(node, &Ims::provider(), version, OffsetDateTime::now_utc()).await;
    assert_journaled(&node.node, journal_code, Some(message_id)).await;
    fault
}

/// Posts a valid echo SendRequest of `ims` and checks it was queued.
async fn accepted_send_request(node: &TestNode, ims: &Ims, version: Version, id: &str) {
    let reply = node
        .post(
            ims.send_request(version, id, &echo_request()),
            "urn:SendRequest",
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        matches!(read(&reply).kind, ReplyKind::Receipt { .. }),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn send_request_without_signature_gets_b15_no_signature_found() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let body = unsigned_send_request(Version::V1_1, &id, &echo_request());

    let reply = node.post(body.clone(), "urn:SendRequest").await;

    let fault = fault_of(&reply);
    assert_signature_fault(
        &fault,
        SignatureFailure::NoSignatureFound,
        "Отсутствует ЭП-ОВ",
    );
    let detail = format!(
        "<detail><ns3:SignatureVerificationFault xmlns:ns3=\"{FAULTS_1_1}\" xmlns:ns2=\"{}\" \
         xmlns=\"{}\"><Code>smevgate:test-node:SYNC:SIG</Code>\
         <Description>SMEV-100:Отсутствует ЭП-ОВ</Description>\
         <ns3:SignatureVerificationFault>NoSignatureFound</ns3:SignatureVerificationFault>\
         </ns3:SignatureVerificationFault></detail>",
        Version::V1_1.types_ns(),
        Version::V1_1.basic_ns(),
    );
    assert!(
        reply.body.contains(&detail),
        "B15 detail shape: {}",
        reply.body
    );
    assert!(
        reply.body.contains("<faultcode>soap:Server</faultcode>"),
        "{}",
        reply.body
    );
    let code = "SignatureVerificationFault:NoSignatureFound";
    refused_send_request(&node, Version::V1_1, body, &id, code).await;
}

#[tokio::test]
async fn get_request_get_response_and_ack_without_signature_get_no_signature_found() {
    let node = TestNode::start(Backend::Sqlite).await;
    let timestamp = xs_datetime(OffsetDateTime::now_utc());
    let selector = wire::SelectorInput {
        id: "SIGNED_BY_CALLER",
        message_type: None,
        timestamp: &timestamp,
        node_id: None,
    };
    let version = Version::V1_2;
    let id = message_id(OffsetDateTime::now_utc());
    let unsigned = [
        (
            wire::write_get_request_request(version, &selector, None),
            "urn:GetRequest",
        ),
        (
            wire::write_get_response_request(version, &selector, None),
            "urn:GetResponse",
        ),
        (
            wire::write_ack_request(version, "SIGNED_BY_CALLER", &id, true, None),
            "urn:Ack",
        ),
    ];
    for (body, action) in unsigned {
        let fault = fault_of(&node.post(body, action).await);
        assert_signature_fault(
            &fault,
            SignatureFailure::NoSignatureFound,
            "Отсутствует ЭП-ОВ",
        );
    }
    assert_journaled(
        &node.node,
        "SignatureVerificationFault:NoSignatureFound",
        Some(&id),
    )
    .await;
}

#[tokio::test]
async fn send_request_signing_another_id_gets_incorrect_signature_target() {
    let node = TestNode::start(Backend::Sqlite).await;
    let consumer = Ims::consumer();
    let id = message_id(OffsetDateTime::now_utc());
    let payload = echo_request();
    let other = r#"<o:Other xmlns:o="urn://smevgate.test/other" Id="OTHER">x</o:Other>"#;
    let sign = |_: &str, _: &str| consumer.sign(other, "OTHER");
    let body = send_request_signed_with(Version::V1_3, &request_input(&id, &payload), &sign);

    let code = "SignatureVerificationFault:IncorrectSignatureTarget";
    let fault = refused_send_request(&node, Version::V1_3, body, &id, code).await;

    let text = "ЭП-ОВ подписывает не тот элемент сообщения, который требует спецификация СМЭВ";
    assert_signature_fault(&fault, SignatureFailure::IncorrectSignatureTarget, text);
}

#[tokio::test]
async fn send_request_tampered_after_signing_gets_signature_is_invalid() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let signed = Ims::consumer().send_request(Version::V1_3, &id, &echo_request());
    let body = replace_once(&signed, ">12345678901<", ">12345678902<");

    let code = "SignatureVerificationFault:SignatureIsInvalid";
    let fault = refused_send_request(&node, Version::V1_3, body, &id, code).await;

    assert_signature_fault(
        &fault,
        SignatureFailure::SignatureIsInvalid,
        "ЭП-ОВ не прошла проверку",
    );
}

#[tokio::test]
async fn send_request_digest_over_plain_c14n_gets_b04_signature_is_invalid() {
    let node = TestNode::start(Backend::Sqlite).await;
    let consumer = Ims::consumer();
    let id = message_id(OffsetDateTime::now_utc());
    let payload = echo_request();
    let sign = resigning(&consumer, |signed_info: &str, element: &str| {
        let digest = common::envelopes::between(signed_info, "<ds:DigestValue>", "<");
        replace_once(signed_info, digest, &plain_c14n_digest(element))
    });
    let body = send_request_signed_with(Version::V1_3, &request_input(&id, &payload), &sign);

    let code = "SignatureVerificationFault:SignatureIsInvalid";
    let fault = refused_send_request(&node, Version::V1_3, body, &id, code).await;

    assert_signature_fault(
        &fault,
        SignatureFailure::SignatureIsInvalid,
        "ЭП-ОВ не прошла проверку",
    );
}

#[tokio::test]
async fn send_request_with_transforms_reversed_gets_b04_signature_is_invalid() {
    let node = TestNode::start(Backend::Sqlite).await;
    let consumer = Ims::consumer();
    let id = message_id(OffsetDateTime::now_utc());
    let payload = echo_request();
    let c14n =
        r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:Transform>"#;
    let smevt = r#"<ds:Transform Algorithm="urn://smev-gov-ru/xmldsig/transform"></ds:Transform>"#;
    let sign = resigning(&consumer, |signed_info: &str, _: &str| {
        replace_once(
            signed_info,
            &format!("{c14n}{smevt}"),
            &format!("{smevt}{c14n}"),
        )
    });
    let body = send_request_signed_with(Version::V1_3, &request_input(&id, &payload), &sign);

    let code = "SignatureVerificationFault:SignatureIsInvalid";
    let fault = refused_send_request(&node, Version::V1_3, body, &id, code).await;

    assert_signature_fault(
        &fault,
        SignatureFailure::SignatureIsInvalid,
        "ЭП-ОВ не прошла проверку",
    );
}

#[tokio::test]
async fn send_request_with_2001_uri_and_2012_key_gets_b05_signature_is_invalid() {
    let node = TestNode::start(Backend::Sqlite).await;
    let consumer = Ims::consumer();
    let sig_2012 = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256";
    let uris_2001 = [
        "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102001-gostr3411",
        "http://www.w3.org/2001/04/xmldsig-more#gostr34102001-gostr3411",
    ];
    for uri in uris_2001 {
        let id = message_id(OffsetDateTime::now_utc());
        let payload = echo_request();
        let sign = resigning(&consumer, |signed_info: &str, _: &str| {
            replace_once(signed_info, sig_2012, uri)
        });
        let body = send_request_signed_with(Version::V1_3, &request_input(&id, &payload), &sign);

        let code = "SignatureVerificationFault:SignatureIsInvalid";
        let fault = refused_send_request(&node, Version::V1_3, body, &id, code).await;

        let text = "ЭП-ОВ не прошла проверку";
        assert_signature_fault(&fault, SignatureFailure::SignatureIsInvalid, text);
    }
}

#[tokio::test]
async fn send_request_with_expired_certificate_gets_certificate_is_expired() {
    let node = TestNode::start(Backend::Sqlite).await;
    let expired = dated_ims(
        "EXPIRED01",
        datetime!(2020-01-01 00:00 UTC),
        datetime!(2021-01-01 00:00 UTC),
    );
    let extra = vec![registry::system("EXPIRED01", &expired.cert)];
    node.node.replace_registry(registry::extended(&[], extra));
    let id = message_id(OffsetDateTime::now_utc());
    let body = expired.send_request(Version::V1_3, &id, &echo_request());

    let code = "SignatureVerificationFault:CertificateIsExpired";
    let fault = refused_send_request(&node, Version::V1_3, body, &id, code).await;

    let text = "Срок действия сертификата ЭП-ОВ истёк";
    assert_signature_fault(&fault, SignatureFailure::CertificateIsExpired, text);
}

#[tokio::test]
async fn send_request_from_unregistered_key_gets_sender_is_not_registered() {
    let node = TestNode::start(Backend::Sqlite).await;
    let stranger = fresh_ims("STRANGER01");
    let id = message_id(OffsetDateTime::now_utc());
    let body = stranger.send_request(Version::V1_3, &id, &echo_request());

    let fault =
        refused_send_request(&node, Version::V1_3, body, &id, "SenderIsNotRegistered").await;

    let text = "Отправитель не зарегистрирован в СМЭВ";
    assert_void(&fault, &FaultKind::SenderIsNotRegistered, text);
}

#[tokio::test]
async fn send_request_breaking_envelope_xsd_gets_one_validation_error_per_violation() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc()).to_uppercase();
    let payload = echo_request();
    let node_id = "N".repeat(60);
    let input = wire::RequestInput {
        node_id: Some(&node_id),
        ..request_input(&id, &payload)
    };
    let signed = send_request(&Ims::consumer(), Version::V1_3, &input, &[]);
    let body = replace_once(&signed, "<ns2:NodeID>", "\n\n<ns2:NodeID>");

    let fault = refused_send_request(&node, Version::V1_3, body, &id, "InvalidContent").await;

    let FaultKind::InvalidContent(errors) = &fault.kind else {
        panic!("InvalidContent: {fault:?}")
    };
    let text = "Сообщение не соответствует XML-схеме";
    assert_typed(&fault, &fault.kind, text, "SMEV-403", "XSD");
    let positions: Vec<i32> = errors.iter().map(|e| e.position).collect();
    assert_eq!(positions, [1, 3], "{errors:?}");
    assert!(errors[0].message.contains("MessageID"), "{errors:?}");
    assert!(errors[1].message.contains("NodeID"), "{errors:?}");
}

#[tokio::test]
async fn send_request_with_uppercase_message_id_gets_b17_xsd_invalid_content() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = "77419000-D7B2-11EE-8AAA-000000000001";
    let body = Ims::consumer().send_request(Version::V1_1, id, &echo_request());

    let fault = refused_send_request(&node, Version::V1_1, body, id, "InvalidContent").await;

    let FaultKind::InvalidContent(errors) = &fault.kind else {
        panic!("InvalidContent: {fault:?}")
    };
    assert_typed(
        &fault,
        &fault.kind,
        "Сообщение не соответствует XML-схеме",
        "SMEV-403",
        "XSD",
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("MessageID"), "{errors:?}");
    assert!(errors[0].message.contains(id), "{errors:?}");
}

#[tokio::test]
async fn send_request_breaking_payload_xsd_gets_smev_403_invalid_content() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let payload =
        format!(r#"<q:EchoRequest xmlns:q="{ECHO_NS}"><q:Snils>abc</q:Snils></q:EchoRequest>"#);
    let body = Ims::consumer().send_request(Version::V1_3, &id, &payload);

    let fault = refused_send_request(&node, Version::V1_3, body, &id, "InvalidContent").await;

    let FaultKind::InvalidContent(errors) = &fault.kind else {
        panic!("InvalidContent: {fault:?}")
    };
    assert_typed(
        &fault,
        &fault.kind,
        "Сообщение не соответствует XML-схеме",
        "SMEV-403",
        "XSD",
    );
    assert!(!errors.is_empty());
    for error in errors {
        assert!(error.message.contains("Snils"), "{errors:?}");
        assert_eq!(error.position, 1, "{errors:?}");
    }
}

#[tokio::test]
async fn send_request_for_unknown_root_gets_business_data_type_is_not_supported() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let payload = r#"<x:Unknown xmlns:x="urn://nowhere.test/1.0">1</x:Unknown>"#;
    let body = Ims::consumer().send_request(Version::V1_3, &id, payload);

    let code = "BusinessDataTypeIsNotSupported";
    let fault = refused_send_request(&node, Version::V1_3, body, &id, code).await;

    let kind = FaultKind::BusinessDataTypeIsNotSupported {
        local_name: "Unknown".to_owned(),
        namespace: "urn://nowhere.test/1.0".to_owned(),
    };
    let text = "Вид сведений с таким корневым элементом не зарегистрирован в СМЭВ";
    assert_typed(&fault, &kind, text, "SMEV-403", "EXCHANGE");
}

#[tokio::test]
async fn send_request_with_v4_message_id_gets_invalid_message_id_format() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = "0a1b2c3d-1111-4aaa-8aaa-000000000002";
    let body = Ims::consumer().send_request(Version::V1_3, id, &echo_request());

    let fault =
        refused_send_request(&node, Version::V1_3, body, id, "InvalidMessageIdFormat").await;

    let text = "Идентификатор сообщения не является UUID версии 1";
    assert_void(&fault, &FaultKind::InvalidMessageIdFormat, text);
}

/// The fixtures' systems with extra keys valid through 2024, so a node
/// pinned to B17's instant accepts their signatures.
fn b17_parties(node: &TestNode) -> (Ims, Ims) {
    let (from, until) = (
        datetime!(2024-01-01 00:00 UTC),
        datetime!(2025-01-01 00:00 UTC),
    );
    let mut consumer = dated_ims(CONSUMER, from, until);
    consumer.mnemonic = CONSUMER;
    let mut provider = dated_ims(PROVIDER, from, until);
    provider.mnemonic = PROVIDER;
    let extra = [
        (CONSUMER, consumer.cert.clone()),
        (PROVIDER, provider.cert.clone()),
    ];
    node.node
        .replace_registry(registry::extended(&extra, Vec::new()));
    (consumer, provider)
}

#[tokio::test]
async fn b17_message_ids_at_pinned_clock_get_their_faults() {
    let node = TestNode::start_with(NodeOptions {
        clock: Some(B17_NOW),
        ..NodeOptions::new(Backend::Sqlite)
    })
    .await;
    let (consumer, provider) = b17_parties(&node);
    let send = |id: &str| consumer.send_request(Version::V1_1, id, &echo_request());
    let first = "77419000-d7b2-11ee-8aaa-000000000001";

    let accepted = node.post(send(first), "urn:SendRequest").await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let v4 = fault_of(
        &node
            .post(
                send("0a1b2c3d-1111-4aaa-8aaa-000000000002"),
                "urn:SendRequest",
            )
            .await,
    );
    let upper = fault_of(
        &node
            .post(
                send("77419000-D7B2-11EE-8AAA-000000000001"),
                "urn:SendRequest",
            )
            .await,
    );
    let stale = fault_of(
        &node
            .post(
                send("20fc4000-9149-11e4-8aaa-000000000001"),
                "urn:SendRequest",
            )
            .await,
    );
    let again = fault_of(&node.post(send(first), "urn:SendRequest").await);

    let text = "Идентификатор сообщения не является UUID версии 1";
    assert_void(&v4, &FaultKind::InvalidMessageIdFormat, text);
    assert!(
        matches!(upper.kind, FaultKind::InvalidContent(ref e) if e.len() == 1),
        "{upper:?}"
    );
    let text = "Идентификатор сообщения содержит устаревшую метку времени";
    assert_void(&stale, &FaultKind::StaleMessageId, text);
    let text = "Сообщение с таким MessageID уже было отправлено";
    assert_void(&again, &FaultKind::MessageIsAlreadySent, text);
    assert_eq!(again.retry(true), wire::RetryDecision::Delivered);
    assert_journaled(
        &node.node,
        "StaleMessageId",
        Some("20fc4000-9149-11e4-8aaa-000000000001"),
    )
    .await;
    assert_journaled(&node.node, "MessageIsAlreadySent", Some(first)).await;

    let got = node
        .post(
            provider.get_request(Version::V1_1, B17_NOW),
            "urn:GetRequest",
        )
        .await;
    let ReplyKind::Request(request) = read(&got).kind else {
        panic!("the accepted request: {}", got.body)
    };
    assert_eq!(request.data.message_id, first);
    assert_no_request_queued(&node, &provider, Version::V1_1, B17_NOW).await;
}

#[tokio::test]
async fn send_request_past_eol_gets_end_of_life_reached_in_each_version_shape() {
    let node = TestNode::start(Backend::Sqlite).await;
    let text = "Истекло время жизни сообщения";
    for version in [Version::V1_1, Version::V1_2, Version::V1_3] {
        let id = message_id(OffsetDateTime::now_utc());
        let payload = echo_request();
        let input = wire::RequestInput {
            eol: Some("2020-01-01T00:00:00Z"),
            ..request_input(&id, &payload)
        };
        let body = send_request(&Ims::consumer(), version, &input, &[]);

        let fault = refused_send_request(&node, version, body, &id, "EndOfLifeReached").await;

        if version == Version::V1_3 {
            assert_typed(
                &fault,
                &FaultKind::EndOfLifeReached,
                text,
                "SMEV-300",
                "EXCHANGE",
            );
        } else {
            assert_void(&fault, &FaultKind::EndOfLifeReached, text);
        }
    }
}

#[tokio::test]
async fn get_request_for_foreign_or_unknown_type_gets_unknown_message_type() {
    let node = TestNode::start(Backend::Sqlite).await;
    let now = OffsetDateTime::now_utc();
    let consumer = Ims::consumer();
    let asks = [
        get_request_for(&consumer, Version::V1_3, now, ECHO_NS, ECHO_REQUEST),
        get_request_for(
            &Ims::provider(),
            Version::V1_3,
            now,
            "urn://nowhere.test/1.0",
            "X",
        ),
    ];
    for body in asks {
        let fault = fault_of(&node.post(body, "urn:GetRequest").await);
        let text = "Тип сообщения не зарегистрирован в СМЭВ";
        assert_void(&fault, &FaultKind::UnknownMessageType, text);
    }
    assert_journaled(&node.node, "UnknownMessageType", None).await;
}

#[tokio::test]
async fn second_ack_of_one_message_gets_b09_target_message_is_not_found() {
    let node = TestNode::start(Backend::Sqlite).await;
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = OffsetDateTime::now_utc();
    let id = message_id(now);
    accepted_send_request(&node, &consumer, Version::V1_1, &id).await;
    let got = node
        .post(provider.get_request(Version::V1_1, now), "urn:GetRequest")
        .await;
    assert!(
        matches!(read(&got).kind, ReplyKind::Request(_)),
        "{}",
        got.body
    );

    let first = node
        .post(provider.ack(Version::V1_1, &id, true), "urn:Ack")
        .await;
    let second = node
        .post(provider.ack(Version::V1_1, &id, true), "urn:Ack")
        .await;
    let unknown = node
        .post(
            provider.ack(Version::V1_1, &message_id(now), true),
            "urn:Ack",
        )
        .await;

    assert!(
        matches!(read(&first).kind, ReplyKind::Acknowledged),
        "{}",
        first.body
    );
    let text = "Неподтверждённое сообщение с таким ID не найдено";
    for reply in [&second, &unknown] {
        assert_void(&fault_of(reply), &FaultKind::TargetMessageIsNotFound, text);
    }
    assert_journaled(&node.node, "TargetMessageIsNotFound", Some(&id)).await;
}

#[tokio::test]
async fn send_response_to_unknown_reply_to_gets_recipient_is_not_found() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let body =
        Ims::provider().send_response(Version::V1_3, &id, "bm8tc3VjaC10b2tlbg==", &echo_response());

    let fault = fault_of(&node.post(body, "urn:SendResponse").await);

    assert_void(
        &fault,
        &FaultKind::RecipientIsNotFound,
        "Получатель ответа не найден",
    );
    assert_journaled(&node.node, "RecipientIsNotFound", Some(&id)).await;
}

#[tokio::test]
async fn send_response_with_request_payload_gets_incorrect_response_content_type() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let body = Ims::provider().send_response(Version::V1_3, &id, "dG9rZW4=", &echo_request());

    let fault = fault_of(&node.post(body, "urn:SendResponse").await);

    let text = "Через метод SendResponse передан запрос, а не ответ";
    assert_void(&fault, &FaultKind::IncorrectResponseContentType, text);
    assert_journaled(&node.node, "IncorrectResponseContentType", Some(&id)).await;
}

#[tokio::test]
async fn send_request_with_b11_miscoordinated_attachments_gets_attachment_fault() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let payload = echo_request();
    let headers = [wire::AttachmentHeader {
        content_id: "att-1",
        mime_type: "application/zip",
        signature_pkcs7: None,
    }];
    let input = wire::RequestInput {
        attachment_headers: &headers,
        ..request_input(&id, &payload)
    };
    let contents = [wire::AttachmentContent {
        id: "att-2",
        content_base64: "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==",
    }];
    let body = send_request(&Ims::consumer(), Version::V1_3, &input, &contents);

    let code = "AttachmentContentMiscoordination";
    let fault = refused_send_request(&node, Version::V1_3, body, &id, code).await;

    let text = "Заголовки вложений не соответствуют содержимому вложений";
    assert_void(&fault, &FaultKind::AttachmentContentMiscoordination, text);
}

#[tokio::test]
async fn get_request_with_timestamp_out_of_window_gets_invalid_content() {
    let node = TestNode::start(Backend::Sqlite).await;
    for offset in [Duration::hours(-1), Duration::hours(1)] {
        let stamp = xs_datetime(OffsetDateTime::now_utc() + offset);
        let body = get_request_stamped(&Ims::provider(), Version::V1_3, &stamp);

        let fault = fault_of(&node.post(body, "urn:GetRequest").await);

        let error = ValidationError {
            message: format!("Время {stamp} вне допустимого интервала"),
            position: -1,
        };
        let kind = FaultKind::InvalidContent(vec![error]);
        let text = "Сообщение не соответствует XML-схеме";
        assert_typed(&fault, &kind, text, "SMEV-403", "EXCHANGE");
    }
    assert_journaled(&node.node, "InvalidContent", None).await;
}

#[tokio::test]
async fn send_request_under_another_soap_action_gets_client_fault() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let body = Ims::consumer().send_request(Version::V1_3, &id, &echo_request());

    let reply = node.post(body, "urn:GetRequest").await;

    let fault = fault_of(&reply);
    let text = "SOAPAction urn:GetRequest не соответствует операции в теле сообщения";
    assert_soap_level(&fault, FaultCode::Client, text);
    assert!(!reply.body.contains("<detail>"), "{}", reply.body);
    assert_no_request_queued(
        &node,
        &Ims::provider(),
        Version::V1_3,
        OffsetDateTime::now_utc(),
    )
    .await;
    assert_journaled(&node.node, "soap:Client", None).await;
}

#[tokio::test]
async fn send_request_over_queue_quota_gets_destination_overflow() {
    let mut options = NodeOptions::new(Backend::Sqlite);
    options.settings.queue_quota = 2;
    let node = TestNode::start_with(options).await;
    let consumer = Ims::consumer();
    let now = OffsetDateTime::now_utc();
    let ids: Vec<String> = (0..3).map(|_| message_id(now)).collect();
    accepted_send_request(&node, &consumer, Version::V1_3, &ids[0]).await;
    accepted_send_request(&node, &consumer, Version::V1_3, &ids[1]).await;

    let body = consumer.send_request(Version::V1_3, &ids[2], &echo_request());
    let fault = fault_of(&node.post(body, "urn:SendRequest").await);

    let kind = FaultKind::DestinationOverflow {
        broker: "smevgate".to_owned(),
        destination: "PROVIDER01:requests".to_owned(),
    };
    let text = "Входящая очередь получателя переполнена";
    assert_typed(&fault, &kind, text, "SMEV-413", "EXCHANGE");
    assert_eq!(fault.retry(false), wire::RetryDecision::Retry);
    assert_journaled(&node.node, "DestinationOverflow", Some(&ids[2])).await;
    let provider = Ims::provider();
    for expected in &ids[..2] {
        let got = node
            .post(provider.get_request(Version::V1_3, now), "urn:GetRequest")
            .await;
        let ReplyKind::Request(request) = read(&got).kind else {
            panic!("a queued request: {}", got.body)
        };
        assert_eq!(&request.data.message_id, expected);
    }
    assert_no_request_queued(&node, &provider, Version::V1_3, now).await;
}

#[tokio::test]
async fn resigning_without_edit_is_accepted_so_the_b04_b05_refusals_are_not_vacuous() {
    let node = TestNode::start(Backend::Sqlite).await;
    let consumer = Ims::consumer();
    let id = message_id(OffsetDateTime::now_utc());
    let payload = echo_request();
    let sign = resigning(&consumer, |signed_info: &str, _: &str| {
        signed_info.to_owned()
    });
    let body = send_request_signed_with(Version::V1_3, &request_input(&id, &payload), &sign);

    let reply = node.post(body, "urn:SendRequest").await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        matches!(read(&reply).kind, ReplyKind::Receipt { .. }),
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn signature_of_a_stranger_key_with_a_registered_certificate_is_invalid() {
    let node = TestNode::start(Backend::Sqlite).await;
    let (consumer, stranger) = (Ims::consumer(), fresh_ims("STRANGER01"));
    let id = message_id(OffsetDateTime::now_utc());
    let payload = echo_request();
    let consumer_cert = common::certs::base64(consumer.cert.as_der());
    let sign = |element: &str, target: &str| {
        let signature = stranger.sign(element, target);
        let cert =
            common::envelopes::between(&signature, "<ds:X509Certificate>", "</ds:X509Certificate>")
                .to_owned();
        replace_once(&signature, &cert, &consumer_cert)
    };
    let body = send_request_signed_with(Version::V1_3, &request_input(&id, &payload), &sign);

    let code = "SignatureVerificationFault:SignatureIsInvalid";
    let fault = refused_send_request(&node, Version::V1_3, body, &id, code).await;

    let text = "ЭП-ОВ не прошла проверку";
    assert_signature_fault(&fault, SignatureFailure::SignatureIsInvalid, text);
}

#[tokio::test]
async fn signed_data_copied_into_the_header_does_not_cover_a_tampered_body() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let signed = Ims::consumer().send_request(Version::V1_3, &id, &echo_request());
    // The data element declares its own namespaces, so it stands alone.
    let start = signed.find("<ns2:SenderProvidedRequestData").expect("data");
    let close = "</ns2:SenderProvidedRequestData>";
    let end = signed.find(close).expect("data end") + close.len();
    let data = &signed[start..end];
    let wrapped = replace_once(
        &signed,
        "<soap:Header/>",
        &format!("<soap:Header>{data}</soap:Header>"),
    );
    let body = wrapped
        .replacen(">12345678901<", ">12345678902<", 2)
        .replacen(">12345678902<", ">12345678901<", 1);
    assert_eq!(
        body.matches(">12345678902<").count(),
        1,
        "only the body copy is tampered"
    );

    let reply = node.post(body, "urn:SendRequest").await;

    assert_eq!(
        reply.status, 500,
        "a tampered body must not be accepted: {}",
        reply.body
    );
    let fault = fault_of(&reply);
    assert!(
        matches!(fault.kind, FaultKind::SignatureVerification(_)),
        "a signature fault: {fault:?}"
    );
    assert_no_request_queued(
        &node,
        &Ims::provider(),
        Version::V1_3,
        OffsetDateTime::now_utc(),
    )
    .await;
}

#[tokio::test]
async fn consumer_cannot_ack_or_answer_the_providers_request() {
    let node = TestNode::start(Backend::Sqlite).await;
    let (consumer, provider) = (Ims::consumer(), Ims::provider());
    let now = OffsetDateTime::now_utc();
    let id = message_id(now);
    accepted_send_request(&node, &consumer, Version::V1_3, &id).await;
    let got = node
        .post(provider.get_request(Version::V1_3, now), "urn:GetRequest")
        .await;
    let ReplyKind::Request(request) = read(&got).kind else {
        panic!("request: {}", got.body)
    };
    let reply_to = request.reply_to.expect("ReplyTo");

    let foreign_ack = node
        .post(consumer.ack(Version::V1_3, &id, true), "urn:Ack")
        .await;
    let answer =
        consumer.send_response(Version::V1_3, &message_id(now), &reply_to, &echo_response());
    let foreign_answer = node.post(answer, "urn:SendResponse").await;
    let own_ack = node
        .post(provider.ack(Version::V1_3, &id, true), "urn:Ack")
        .await;

    let text = "Неподтверждённое сообщение с таким ID не найдено";
    assert_void(
        &fault_of(&foreign_ack),
        &FaultKind::TargetMessageIsNotFound,
        text,
    );
    let text = "Получатель ответа не найден";
    assert_void(
        &fault_of(&foreign_answer),
        &FaultKind::RecipientIsNotFound,
        text,
    );
    assert!(
        matches!(read(&own_ack).kind, ReplyKind::Acknowledged),
        "{}",
        own_ack.body
    );
}

/// The fixtures' registry with the echo ВС requiring ЭП-СП.
fn registry_requiring_personal_signature() -> exchange::Registry {
    let base = fixtures_registry();
    let services = base
        .services()
        .cloned()
        .map(|service| exchange::Service {
            personal_signature_required: true,
            ..service
        })
        .collect();
    exchange::Registry::new(base.systems().to_vec(), services).expect("registry")
}

#[tokio::test]
async fn send_request_without_required_personal_signature_gets_invalid_content() {
    let node = TestNode::start(Backend::Sqlite).await;
    node.node
        .replace_registry(registry_requiring_personal_signature());
    let id = message_id(OffsetDateTime::now_utc());
    let body = Ims::consumer().send_request(Version::V1_3, &id, &echo_request());

    let fault = refused_send_request(&node, Version::V1_3, body, &id, "InvalidContent").await;

    let FaultKind::InvalidContent(errors) = &fault.kind else {
        panic!("InvalidContent: {fault:?}")
    };
    assert_typed(
        &fault,
        &fault.kind,
        "Сообщение не соответствует XML-схеме",
        "SMEV-403",
        "XSD",
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].message.starts_with("Отсутствует ЭП-СП"),
        "{errors:?}"
    );
    assert!(errors[0].message.contains(ECHO_NS), "{errors:?}");
}

#[tokio::test]
async fn send_request_with_required_personal_signature_is_queued() {
    let node = TestNode::start(Backend::Sqlite).await;
    node.node
        .replace_registry(registry_requiring_personal_signature());
    let consumer = Ims::consumer();
    let id = message_id(OffsetDateTime::now_utc());
    let payload = echo_request();
    // Only its presence is checked: verifying ЭП-СП is FIXME(#2).
    let signed = r#"<s:Statement xmlns:s="urn://smevgate.test/statement" Id="PERSONAL_SIGNATURE">заявление</s:Statement>"#;
    let personal = consumer.sign(signed, "PERSONAL_SIGNATURE");
    let input = wire::RequestInput {
        personal_signature: Some(&personal),
        ..request_input(&id, &payload)
    };
    let body = send_request(&consumer, Version::V1_3, &input, &[]);

    let reply = node.post(body, "urn:SendRequest").await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        matches!(read(&reply).kind, ReplyKind::Receipt { .. }),
        "{}",
        reply.body
    );
}
