//! Every encoder, end to end: outputs pinned as golden files under
//! `tests/data/encode/`, read back with this crate's own readers, and
//! validated against the project's XSDs (`names::v1_x::FILES`).

mod golden;

use wire::{
    names, read_envelope, read_reply, write_ack_request, write_ack_response,
    write_async_status_data, write_fault, write_get_request_request, write_get_request_response,
    write_get_response_request, write_get_response_response, write_get_status_request,
    write_get_status_response, write_queue_statistics_response, write_send_request_request,
    write_send_request_response, write_send_response_request, write_send_response_response,
    AsyncProcessingStatus, AttachmentContent, AttachmentHeader, Fault, FaultKind, InboundRequest,
    Limits, MessageMetadata, MessageType, Operation, Party, QueueStatistics, Rejection, ReplyKind,
    RequestInput, RequestMessage, ResponseContent, ResponseInput, ResponseInputContent,
    ResponseMessage, SelectorInput, SignatureFailure, StatusMessage, ValidationError, Version,
    SMEV_ASYNC_ID,
};

const PAYLOAD: &str = "<q:Request xmlns:q=\"urn://example.invalid/fake-service/1.0.0\">\
                       <field>Иванов &amp; сын</field></q:Request>";

/// A stand-in signer: records what it was asked to sign in the value.
fn sign(xml: &str, id: &str) -> String {
    format!(
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\
         <ds:SignatureValue>{id}:{}</ds:SignatureValue></ds:Signature>",
        xml.len()
    )
}

fn metadata(version: Version, message_type: MessageType) -> MessageMetadata {
    MessageMetadata {
        message_id: Some("ac9fbf27-8b8c-11eb-9086-e2bf794ac2e9".to_owned()),
        sender: Some(Party {
            mnemonic: "77BD01".to_owned(),
            human_readable_name: None,
        }),
        recipient: Some(Party {
            mnemonic: "emu".to_owned(),
            human_readable_name: Some("Эмулятор \"ИС\"".to_owned()),
        }),
        status: Some(
            if version == Version::V1_3 {
                "messageIsDelivered"
            } else {
                "requestIsQueued"
            }
            .to_owned(),
        ),
        ..MessageMetadata::new(message_type, "2021-03-23T07:03:07.000+03:00")
    }
}

fn stored_request_data(version: Version) -> String {
    format!(
        "<ns2:SenderProvidedRequestData xmlns:ns2=\"{}\" Id=\"SIGNED_BY_CONSUMER\">\
         <ns2:MessageID>77419000-d7b2-11ee-8aaa-000000000001</ns2:MessageID>\
         <ns:MessagePrimaryContent xmlns:ns=\"{}\">{PAYLOAD}</ns:MessagePrimaryContent>\
         </ns2:SenderProvidedRequestData>",
        version.types_ns(),
        version.basic_ns()
    )
}

fn async_status() -> AsyncProcessingStatus {
    let error = ValidationError {
        message: "cvc-complex-type.2.4.b: 'doc' <incomplete>".to_owned(),
        position: -1,
    };
    AsyncProcessingStatus {
        original_message_id: "ac9fbf27-8b8c-11eb-9086-e2bf794ac2e9".to_owned(),
        category: "requestIsRejectedBySmev".to_owned(),
        details: Some("Бизнес-данные не соответствуют схеме".to_owned()),
        fault: Some(
            Fault::new(FaultKind::InvalidContent(vec![error])).with_code("gateway:N1:ASYNC:3"),
        ),
    }
}

/// Every response the node emits: (case name, version, envelope).
fn responses() -> Vec<(&'static str, Version, String)> {
    let mut out = Vec::new();
    for version in Version::ALL {
        let v = version.as_str().replace('.', "_");
        let md = metadata(version, MessageType::Request);
        out.push((
            leak(format!("send_request_response_{v}")),
            version,
            write_send_request_response(version, &md, &sign),
        ));
        let md = metadata(version, MessageType::Response);
        out.push((
            leak(format!("send_response_response_{v}")),
            version,
            write_send_response_response(version, &md, &sign),
        ));
        out.push((
            leak(format!("get_request_response_empty_{v}")),
            version,
            write_get_request_response(version, None, &sign),
        ));
        out.push((
            leak(format!("get_response_response_empty_{v}")),
            version,
            write_get_response_response(version, None, &sign),
        ));
        out.push((
            leak(format!("get_status_response_empty_{v}")),
            version,
            write_get_status_response(version, None, &sign),
        ));
        out.push((
            leak(format!("ack_response_{v}")),
            version,
            write_ack_response(version),
        ));
        out.push((
            leak(format!("get_request_response_{v}")),
            version,
            request_message(version),
        ));
        out.push((
            leak(format!("get_response_response_async_{v}")),
            version,
            async_response(version),
        ));
        let status = async_status();
        let message = StatusMessage {
            id: "SIGNED_BY_SMEV",
            status: &status,
        };
        out.push((
            leak(format!("get_status_response_{v}")),
            version,
            write_get_status_response(version, Some(&message), &sign),
        ));
    }
    let queues = [QueueStatistics {
        queue_name: "requests:q&1".to_owned(),
        pending_messages: 42,
    }];
    out.push((
        "queue_statistics_response_1_1",
        Version::V1_1,
        write_queue_statistics_response(Version::V1_1, &queues),
    ));
    out
}

fn request_message(version: Version) -> String {
    let data = stored_request_data(version);
    let md = MessageMetadata {
        id: None,
        ..metadata(version, MessageType::Request)
    };
    let signature = sign(&data, "SIGNED_BY_CONSUMER");
    let message = RequestMessage {
        id: "SIGNED_BY_SMEV",
        request_data: &data,
        metadata: &md,
        reply_to: Some("eyJzaWQiOjF9"),
        sender_signature: Some(&signature),
    };
    write_get_request_response(version, Some(&message), &sign)
}

fn async_response(version: Version) -> String {
    let data = write_async_status_data(
        version,
        "ad1d4183-8b8c-11eb-9ae4-fa163e6269f4",
        "eyJ0byI6MX0=",
        &async_status(),
    );
    let signature = sign(&data, SMEV_ASYNC_ID);
    let md = metadata(version, MessageType::Response);
    let message = ResponseMessage {
        id: "SIGNED_BY_SMEV",
        original_message_id: Some("ac9fbf27-8b8c-11eb-9086-e2bf794ac2e9"),
        response_data: &data,
        metadata: &md,
        sender_signature: Some(&signature),
    };
    write_get_response_response(version, Some(&message), &sign)
}

/// Every request our client sends: (case name, version, envelope).
fn requests() -> Vec<(&'static str, Version, String)> {
    let headers = [AttachmentHeader {
        content_id: "att1",
        mime_type: "application/pdf",
        signature_pkcs7: None,
    }];
    let input = RequestInput {
        id: "SIGNED_BY_CONSUMER",
        message_id: "77419000-d7b2-11ee-8aaa-000000000001",
        reference_message_id: None,
        transaction_code: Some("tx<1>"),
        node_id: None,
        eol: Some("2024-03-02T10:00:00Z"),
        payload: PAYLOAD,
        personal_signature: None,
        attachment_headers: &headers,
        test_message: true,
    };
    let contents = [AttachmentContent {
        id: "att1",
        content_base64: "QUJD",
    }];
    let rejections = [Rejection {
        code: "NO_DATA".to_owned(),
        description: "нет данных".to_owned(),
    }];
    let response = ResponseInput {
        id: "SIGNED_BY_CALLER",
        message_id: "8ac9a002-c751-11eb-bc0d-001a4a165f5b",
        to: "eyJzaWQiOjF9",
        content: ResponseInputContent::Rejected(&rejections),
    };
    let selector = SelectorInput {
        id: "SIGNED_BY_CALLER",
        message_type: Some(("urn://example.invalid/fake-service/1.0.0", "Request")),
        timestamp: "2024-03-01T10:00:00.000+03:00",
        node_id: None,
    };
    let any = SelectorInput {
        message_type: None,
        node_id: Some("n1"),
        ..selector
    };
    vec![
        (
            "send_request_request_1_2",
            Version::V1_2,
            write_send_request_request(Version::V1_2, &input, &contents, Some(&sign)),
        ),
        (
            "send_request_request_unsigned_1_3",
            Version::V1_3,
            write_send_request_request(Version::V1_3, &input, &contents, None),
        ),
        (
            "send_response_request_1_1",
            Version::V1_1,
            write_send_response_request(Version::V1_1, &response, &[], Some(&sign)),
        ),
        (
            "get_request_request_1_3",
            Version::V1_3,
            write_get_request_request(Version::V1_3, &selector, Some(&sign)),
        ),
        (
            "get_response_request_1_2",
            Version::V1_2,
            write_get_response_request(Version::V1_2, &any, Some(&sign)),
        ),
        (
            "ack_request_1_1",
            Version::V1_1,
            write_ack_request(
                Version::V1_1,
                "SIGNED_BY_CALLER",
                "ac9fbf27-8b8c-11eb-9086-e2bf794ac2e9",
                false,
                Some(&sign),
            ),
        ),
        (
            "get_status_request_1_3",
            Version::V1_3,
            write_get_status_request(
                Version::V1_3,
                "SIGNED_BY_CALLER",
                "2024-03-01T10:00:00Z",
                Some(&sign),
            ),
        ),
    ]
}

fn leak(name: String) -> &'static str {
    Box::leak(name.into_boxed_str())
}

#[test]
fn encoded_envelopes_match_golden_files() {
    for (name, _, xml) in responses().into_iter().chain(requests()) {
        let path = golden::data_dir()
            .join("encode")
            .join(format!("{name}.xml"));
        golden::check(&path, &xml);
    }
}

#[test]
fn encoded_responses_read_back_as_their_operation() {
    for (name, version, xml) in responses() {
        let reply = read_reply(200, "text/xml; charset=utf-8", xml.as_bytes())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(reply.version, Some(version), "{name}");
        let ok = match &reply.kind {
            ReplyKind::Receipt {
                metadata,
                smev_signature,
                ..
            } => metadata.id.as_deref() == Some("SIGNED_BY_SMEV") && smev_signature.is_some(),
            ReplyKind::EmptyQueue(_) => name.contains("empty"),
            ReplyKind::Acknowledged => name.starts_with("ack"),
            ReplyKind::QueueStatistics(q) => {
                q[0].queue_name == "requests:q&1" && q[0].pending_messages == 42
            }
            ReplyKind::Request(r) => {
                r.data.payload.local_name == "Request"
                    && r.reply_to.as_deref() == Some("eyJzaWQiOjF9")
                    && reply.xml[r.data.span.clone()] == stored_request_data(version)
            }
            ReplyKind::Response(r) => {
                r.data.id.as_deref() == Some(SMEV_ASYNC_ID)
                    && matches!(&r.data.content, ResponseContent::AsyncStatus(s) if *s == async_status())
            }
            ReplyKind::Status(s) => s.status == async_status(),
            ReplyKind::Fault(_) => false,
        };
        assert!(ok, "{name}: {:?}", reply.kind);
    }
}

#[test]
fn encoded_requests_read_back_with_read_envelope() {
    for (name, version, xml) in requests() {
        let inbound = read_envelope(xml.as_bytes(), &Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(inbound.version, version, "{name}");
        let signed = inbound.request.signed_target();
        assert!(
            signed.id.is_some_and(|id| id.starts_with("SIGNED_BY_")),
            "{name}"
        );
        let signature_expected = !name.contains("unsigned");
        assert_eq!(
            inbound.request.caller_signature().is_some(),
            signature_expected,
            "{name}"
        );
        match &inbound.request {
            InboundRequest::SendRequest(r) => {
                assert_eq!(r.data.transaction_code.as_deref(), Some("tx<1>"));
                assert_eq!(r.data.attachment_header_content_ids, ["att1"]);
                assert_eq!(r.attachment_content_ids, ["att1"]);
                assert_eq!(&xml[r.data.payload.span.clone()], PAYLOAD);
                assert!(r.data.test_message);
            }
            InboundRequest::Ack(a) => assert_eq!(a.target.accepted, Some(false)),
            InboundRequest::SendResponse(r) => {
                assert!(
                    matches!(&r.data.content, ResponseContent::Rejected(list) if list[0].code == "NO_DATA")
                );
            }
            InboundRequest::GetResponse(r) => assert_eq!(r.selector.node_id.as_deref(), Some("n1")),
            _ => {}
        }
    }
}

fn all_faults() -> Vec<Fault> {
    let mut kinds = vec![
        FaultKind::BusinessDataTypeIsNotSupported {
            local_name: "Req".to_owned(),
            namespace: "urn:x".to_owned(),
        },
        FaultKind::InvalidContent(vec![ValidationError {
            message: "bad <x>".to_owned(),
            position: 12,
        }]),
        FaultKind::UnknownMessageType,
        FaultKind::TransactionCodeInvalid,
        FaultKind::MessageIsAlreadySent,
        FaultKind::InvalidMessageIdFormat,
        FaultKind::StaleMessageId,
        FaultKind::AttachmentContentMiscoordination,
        FaultKind::AttachmentSizeLimitExceeded {
            permitted: 5_242_880,
            real: 6_000_000,
        },
        FaultKind::QuoteLimitExceeded {
            remained: 10,
            real: 20,
        },
        FaultKind::AccessDenied,
        FaultKind::SmevFailure,
        FaultKind::IncorrectResponseContentType,
        FaultKind::RecipientIsNotFound,
        FaultKind::SenderIsNotRegistered,
        FaultKind::RequestIsNotFound,
        FaultKind::TargetMessageIsNotFound,
        FaultKind::DestinationOverflow {
            broker: "mq://b".to_owned(),
            destination: "q1".to_owned(),
        },
        FaultKind::EndOfLifeReached,
    ];
    kinds.extend(SignatureFailure::ALL.map(FaultKind::SignatureVerification));
    kinds
        .into_iter()
        .map(|k| Fault::new(k).with_code("gateway:FAKE-NODE:SYNC:1"))
        .collect()
}

#[test]
fn every_fault_reads_back_as_itself() {
    for version in Version::ALL {
        for fault in all_faults() {
            let xml = write_fault(Some(version), &fault);
            let reply =
                read_reply(500, "text/xml; charset=utf-8", xml.as_bytes()).expect("fault envelope");
            let ReplyKind::Fault(read) = reply.kind else {
                panic!("not a fault: {xml}")
            };
            assert_eq!(read.kind, fault.kind, "{xml}");
            assert_eq!(read.faultstring, fault.faultstring);
            if fault.kind.is_void(version) {
                assert_eq!((read.code, read.description), (None, None), "{xml}");
            } else {
                assert_eq!(
                    (read.code, read.description),
                    (fault.code.clone(), fault.description.clone())
                );
            }
        }
    }
}

#[test]
fn faults_1_1_match_golden_file() {
    let rendered: String = all_faults()
        .iter()
        .map(|f| format!("{}\n", write_fault(Some(Version::V1_1), f)))
        .collect();
    golden::check(
        &golden::data_dir().join("encode/faults_1_1.expected"),
        &rendered,
    );
}

fn schema(version: Version, entry: &str) -> xml::SchemaSet {
    let files = match version {
        Version::V1_1 => names::v1_1::FILES,
        Version::V1_2 => names::v1_2::FILES,
        Version::V1_3 => names::v1_3::FILES,
    };
    let resources: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec()))
        .collect();
    let entry = files
        .iter()
        .map(|(n, _)| *n)
        .find(|n| n.contains(entry))
        .expect("entry file");
    xml::SchemaSet::compile(entry, &resources).expect("project xsds compile")
}

/// The local name of the body's element; the envelopes here are compact
/// and written by us, so a text search is exact.
fn body_element(envelope: &str) -> String {
    let body = envelope.find("Body>").expect("body") + "Body>".len();
    let rest = &envelope[body..];
    let name_end = rest.find([' ', '>', '/']).expect("element name");
    rest[1..name_end]
        .rsplit(':')
        .next()
        .expect("local name")
        .to_owned()
}

#[test]
fn every_encoded_envelope_validates_against_project_xsds() {
    for (name, version, envelope) in responses().into_iter().chain(requests()) {
        let set = schema(version, "types");
        let doc = xml::Document::parse(envelope.as_bytes()).expect("parsable");
        let local = body_element(&envelope);
        let known = Operation::ALL
            .iter()
            .any(|op| op.request_element() == local || op.response_element() == local);
        assert!(known, "{name}: body element {local}");
        let target = xml::Target::nth(version.types_ns(), &local, 0);
        let violations = set.validate(&doc, &target);
        assert!(violations.is_empty(), "{name}: {violations:?}\n{envelope}");
    }
}

#[test]
fn every_fault_detail_validates_against_project_xsds() {
    for version in Version::ALL {
        let set = schema(version, "faults");
        for fault in all_faults() {
            let envelope = write_fault(Some(version), &fault);
            let doc = xml::Document::parse(envelope.as_bytes()).expect("parsable");
            let local = fault.kind.element_name().expect("typed");
            let target = xml::Target::nth(version.faults_ns(), local, 0);
            let violations = set.validate(&doc, &target);
            assert!(
                violations.is_empty(),
                "{local} {version}: {violations:?}\n{envelope}"
            );
        }
    }
}
