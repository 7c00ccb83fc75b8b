//! Broken and hostile input over real HTTP: malformed or truncated XML,
//! wrong content types and SOAP versions, DTD tricks, oversized and deeply
//! nested bodies, foreign encodings, envelopes without header or body, and
//! the GET endpoints. Each refusal is pinned exactly, and after each one the
//! node must still serve a valid signed request.

mod common;

use common::envelopes::replace_once;
use common::faults::{assert_journaled, fault_of, read, SOAP11};
use smevgate_tests::*;
use time::OffsetDateTime;
use wire::{FaultCode, FaultKind, ReplyKind, SignatureFailure, Version};

/// faultstring of every input that is not a SOAP 1.1 envelope we can read.
const NOT_AN_ENVELOPE: &str = "Сообщение не является корректным SOAP-конвертом";
/// faultstring of a SOAP 1.2 envelope or content type.
const VERSION_MISMATCH: &str = "Неподдерживаемая версия SOAP: ожидается SOAP 1.1";

/// POSTs raw bytes to `/ws` with `content_type` and no SOAPAction.
async fn post_bytes(node: &TestNode, bytes: Vec<u8>, content_type: &str) -> HttpReply {
    post_raw(node.addr, "/ws", bytes, &[("content-type", content_type)]).await
}

/// A valid signed SendRequest of the consumer, fresh id.
fn valid_send_request() -> String {
    let id = message_id(OffsetDateTime::now_utc());
    Ims::consumer().send_request(Version::V1_3, &id, &echo_request())
}

/// The answer is a SOAP-level fault without detail, journaled.
async fn assert_refused(node: &TestNode, reply: &HttpReply, code: FaultCode, text: &str) {
    let fault = fault_of(reply);
    assert_eq!(fault.faultcode, code, "{}", reply.body);
    assert_eq!(fault.faultstring, text);
    assert_eq!(
        (fault.code.as_deref(), fault.description.as_deref()),
        (None, None)
    );
    assert!(!reply.body.contains("<detail>"), "{}", reply.body);
    let journal_code = format!("soap:{}", code.local_name());
    assert_journaled(&node.node, &journal_code, None).await;
}

/// The node still accepts and queues a valid request.
async fn assert_still_serves(node: &TestNode) {
    let reply = node.post(valid_send_request(), "urn:SendRequest").await;
    assert_eq!(reply.status, 200, "node stopped serving: {}", reply.body);
    assert_eq!(reply.content_type, SOAP11);
    assert!(
        matches!(read(&reply).kind, ReplyKind::Receipt { .. }),
        "{}",
        reply.body
    );
}

/// Sends each body as text/xml and expects a client fault for every one.
async fn assert_each_refused_as_client(node: &TestNode, bodies: Vec<Vec<u8>>) {
    for body in bodies {
        let shown = String::from_utf8_lossy(&body[..body.len().min(120)]).into_owned();
        let reply = post_bytes(node, body, SOAP11).await;
        assert_eq!(reply.status, 500, "{shown}: {}", reply.body);
        assert_refused(node, &reply, FaultCode::Client, NOT_AN_ENVELOPE).await;
        assert_still_serves(node).await;
    }
}

#[tokio::test]
async fn malformed_truncated_and_empty_bodies_get_client_fault() {
    let node = TestNode::start(Backend::Sqlite).await;
    let valid = valid_send_request();
    let soap = wire::SOAP_ENV;
    let bodies = vec![
        format!(r#"<soap:Envelope xmlns:soap="{soap}"><soap:Header/><soap:Body><a></b>"#),
        valid[..valid.len() / 2].to_owned(),
        String::new(),
        "not xml at all".to_owned(),
        format!(r#"<soap:Envelope xmlns:soap="{soap}"><soap:Header/></soap:Envelope>"#),
        format!(r#"<soap:Envelope xmlns:soap="{soap}"><soap:Header/><soap:Body/></soap:Envelope>"#),
        "<root/>".to_owned(),
    ];
    assert_each_refused_as_client(&node, bodies.into_iter().map(String::into_bytes).collect())
        .await;
}

#[tokio::test]
async fn json_content_type_gets_client_fault_naming_it() {
    let node = TestNode::start(Backend::Sqlite).await;

    let reply = post_bytes(&node, valid_send_request().into_bytes(), "application/json").await;

    let text = "Неподдерживаемый тип содержимого: application/json";
    assert_refused(&node, &reply, FaultCode::Client, text).await;
    assert_still_serves(&node).await;
}

#[tokio::test]
async fn soap12_content_type_gets_version_mismatch() {
    let node = TestNode::start(Backend::Sqlite).await;
    let content_type = "application/soap+xml; charset=utf-8";

    let reply = post_bytes(&node, valid_send_request().into_bytes(), content_type).await;

    assert_refused(&node, &reply, FaultCode::VersionMismatch, VERSION_MISMATCH).await;
    assert_eq!(fault_of(&reply).kind, FaultKind::VersionMismatch);
    assert_still_serves(&node).await;
}

#[tokio::test]
async fn soap12_envelope_namespace_gets_b13_version_mismatch() {
    let node = TestNode::start(Backend::Sqlite).await;
    let body = valid_send_request().replace(wire::SOAP_ENV, wire::SOAP12_ENV);

    let reply = post_bytes(&node, body.into_bytes(), SOAP11).await;

    assert_refused(&node, &reply, FaultCode::VersionMismatch, VERSION_MISMATCH).await;
    assert_still_serves(&node).await;
}

#[tokio::test]
async fn envelope_without_namespace_gets_version_mismatch() {
    let node = TestNode::start(Backend::Sqlite).await;
    let body = b"<Envelope><Header/><Body/></Envelope>".to_vec();

    let reply = post_bytes(&node, body, SOAP11).await;

    // SOAP 1.1 section 4.4.1: a wrong envelope namespace is VersionMismatch.
    assert_refused(&node, &reply, FaultCode::VersionMismatch, VERSION_MISMATCH).await;
    assert_still_serves(&node).await;
}

#[tokio::test]
async fn unknown_operation_element_gets_client_fault() {
    let node = TestNode::start(Backend::Sqlite).await;
    let in_body = |element: String| {
        let soap = wire::SOAP_ENV;
        format!(
            "<soap:Envelope xmlns:soap=\"{soap}\"><soap:Header/><soap:Body>{element}\
             </soap:Body></soap:Envelope>"
        )
    };
    let types = Version::V1_3.types_ns();
    let bodies = [
        in_body(format!(r#"<t:CancelEverythingRequest xmlns:t="{types}"/>"#)),
        in_body(r#"<x:SendRequestRequest xmlns:x="urn://not-smev/1.0"/>"#.to_owned()),
    ];
    assert_each_refused_as_client(&node, bodies.into_iter().map(String::into_bytes).collect())
        .await;
}

#[tokio::test]
async fn doctype_entities_billion_laughs_and_xxe_are_refused() {
    let node = TestNode::start(Backend::Sqlite).await;
    let valid = valid_send_request();
    let with_doctype = |doctype: &str, entity: &str| {
        let body = replace_once(&valid, ">12345678901<", &format!(">{entity}<"));
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{doctype}{body}")
    };
    let laughs: String = (1..10)
        .map(|n| {
            format!(
                "<!ENTITY l{n} \"&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};&l{p};\">",
                p = n - 1
            )
        })
        .collect();
    let bodies = vec![
        with_doctype(
            r#"<!DOCTYPE soap:Envelope [<!ENTITY s "12345678901">]>"#,
            "&s;",
        ),
        with_doctype(
            &format!(r#"<!DOCTYPE soap:Envelope [<!ENTITY l0 "lol">{laughs}]>"#),
            "&l9;",
        ),
        with_doctype(
            r#"<!DOCTYPE soap:Envelope [<!ENTITY x SYSTEM "file:///nonexistent/smevgate-xxe">]>"#,
            "&x;",
        ),
        with_doctype(
            r#"<!DOCTYPE soap:Envelope SYSTEM "http://127.0.0.1:9/smevgate.dtd">"#,
            "12345678901",
        ),
        with_doctype(
            "<!-- a comment first --><!DOCTYPE soap:Envelope>",
            "12345678901",
        ),
    ];
    assert_each_refused_as_client(&node, bodies.into_iter().map(String::into_bytes).collect())
        .await;
}

#[tokio::test]
async fn body_over_size_limit_gets_client_fault_naming_the_limit() {
    let mut options = NodeOptions::new(Backend::Sqlite);
    options.limits.max_bytes = 16 * 1024;
    let node = TestNode::start_with(options).await;
    let padding = format!("<!--{}-->", "x".repeat(64 * 1024));
    let body = valid_send_request().replacen("<soap:Body>", &format!("{padding}<soap:Body>"), 1);

    let reply = post_bytes(&node, body.into_bytes(), SOAP11).await;

    let text = "Размер сообщения превышает допустимый (16384 байт)";
    assert_refused(&node, &reply, FaultCode::Client, text).await;
    assert_still_serves(&node).await;
}

#[tokio::test]
async fn nesting_over_max_depth_gets_client_fault() {
    let node = TestNode::start(Backend::Sqlite).await;
    let levels = 20_000;
    let deep = format!(
        "{}{}",
        "<q:Comment>".repeat(levels),
        "</q:Comment>".repeat(levels)
    );
    let body = replace_once(
        &valid_send_request(),
        "</q:Snils>",
        &format!("</q:Snils>{deep}"),
    );

    assert_each_refused_as_client(&node, vec![body.into_bytes()]).await;
}

#[tokio::test]
async fn non_utf8_and_utf16_bodies_get_client_fault() {
    let node = TestNode::start(Backend::Sqlite).await;
    let valid = valid_send_request();
    let mut broken = valid.clone().into_bytes();
    let at = broken
        .windows(11)
        .position(|w| w == b"12345678901")
        .expect("snils");
    broken[at] = 0xff;
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(valid.encode_utf16().flat_map(u16::to_le_bytes));
    let declared_latin1 = format!("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>{valid}");

    let bodies = vec![broken, utf16, declared_latin1.into_bytes()];
    assert_each_refused_as_client(&node, bodies).await;
}

#[tokio::test]
async fn utf8_bom_before_declaration_is_accepted() {
    let node = TestNode::start(Backend::Sqlite).await;
    let id = message_id(OffsetDateTime::now_utc());
    let envelope = Ims::consumer().send_request(Version::V1_3, &id, &echo_request());
    let mut body = b"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>".to_vec();
    body.extend_from_slice(envelope.as_bytes());

    let reply = post_bytes(&node, body, SOAP11).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let ReplyKind::Receipt { metadata, .. } = read(&reply).kind else {
        panic!("receipt: {}", reply.body)
    };
    assert_eq!(metadata.message_id.as_deref(), Some(id.as_str()));
    let provider = Ims::provider();
    let now = OffsetDateTime::now_utc();
    let got = node
        .post(provider.get_request(Version::V1_3, now), "urn:GetRequest")
        .await;
    let ReplyKind::Request(request) = read(&got).kind else {
        panic!("queued: {}", got.body)
    };
    assert_eq!(request.data.message_id, id);
}

#[tokio::test]
async fn missing_soap_header_gets_poor_soap_envelope_format() {
    let node = TestNode::start(Backend::Sqlite).await;
    let body = replace_once(&valid_send_request(), "<soap:Header/>", "");

    let reply = post_bytes(&node, body.into_bytes(), SOAP11).await;

    let fault = fault_of(&reply);
    let text = "Недопустимый формат SOAP-конверта: отсутствует soap:Header";
    let kind = FaultKind::SignatureVerification(SignatureFailure::PoorSoapEnvelopeFormat);
    assert_eq!(fault.kind, kind);
    assert_eq!(fault.faultstring, text);
    assert_eq!(fault.code.as_deref(), Some("smevgate:test-node:SYNC:SOAP"));
    let description = format!("SMEV-100:{text}");
    assert_eq!(fault.description.as_deref(), Some(description.as_str()));
    assert_journaled(
        &node.node,
        "SignatureVerificationFault:PoorSOAPEnvelopeFormat",
        None,
    )
    .await;
    assert_still_serves(&node).await;
}

#[tokio::test]
async fn get_ws_without_wsdl_query_is_method_not_allowed() {
    let node = TestNode::start(Backend::Sqlite).await;

    let reply = get(node.addr, "/ws").await;

    assert_eq!(reply.status, 405);
    assert_eq!(
        reply.body,
        "GET needs ?wsdl; SOAP requests are POSTed here\n"
    );
    assert_still_serves(&node).await;
}

#[tokio::test]
async fn get_wsdl_serves_each_version_with_the_node_address() {
    let node = TestNode::start(Backend::Sqlite).await;
    let address = format!("location=\"http://{}/ws\"", node.addr);
    let cases = [
        ("/ws?wsdl", Version::V1_3),
        ("/ws/1.1?wsdl", Version::V1_1),
        ("/ws/1.2?wsdl", Version::V1_2),
        ("/ws/1.3?wsdl", Version::V1_3),
    ];
    for (path, version) in cases {
        let reply = get(node.addr, path).await;

        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.content_type, SOAP11, "{path}");
        assert!(reply.body.contains(&address), "{path}: {}", reply.body);
        assert!(!reply.body.contains("localhost:7575"), "{path}");
        let tns = format!(
            "urn://x-artefacts-smev-gov-ru/services/message-exchange/{}",
            version.as_str()
        );
        assert!(
            reply.body.contains(&format!("targetNamespace=\"{tns}\"")),
            "{path}"
        );
        xml::Document::parse(reply.body.as_bytes()).expect("the WSDL is well-formed");
    }
    assert_eq!(get(node.addr, "/ws/9.9?wsdl").await.status, 404);
}

#[tokio::test]
async fn health_and_readiness_probes_answer_ok() {
    let node = TestNode::start(Backend::Sqlite).await;

    let health = get(node.addr, "/healthz").await;
    let ready = get(node.addr, "/readyz").await;

    assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
    assert_eq!((ready.status, ready.body.as_str()), (200, "ready\n"));
}

#[tokio::test]
async fn soap_action_with_markup_is_escaped_in_the_fault() {
    let node = TestNode::start(Backend::Sqlite).await;
    let action = r#"urn:<b>&amp;'x'"#;

    let reply = node.post(valid_send_request(), action).await;

    let text = format!("SOAPAction {action} не соответствует операции в теле сообщения");
    assert_refused(&node, &reply, FaultCode::Client, &text).await;
    assert!(!reply.body.contains("<b>"), "{}", reply.body);
    assert_still_serves(&node).await;
}

#[tokio::test]
async fn soap_action_in_quotes_and_content_type_in_capitals_are_accepted() {
    let node = TestNode::start(Backend::Sqlite).await;
    let headers = [
        ("content-type", "TEXT/XML; charset=UTF-8"),
        ("soapaction", "\"urn:SendRequest\""),
    ];

    let reply = post_raw(
        node.addr,
        "/ws",
        valid_send_request().into_bytes(),
        &headers,
    )
    .await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        matches!(read(&reply).kind, ReplyKind::Receipt { .. }),
        "{}",
        reply.body
    );
}

/// Every signature in an answer verifies (the node's and the sender's).
fn assert_every_signature_verifies(reply: &HttpReply) {
    let bytes = reply.body.as_bytes();
    let signatures = dsig::find_signatures(bytes).expect("signatures");
    assert_eq!(signatures.len(), 2, "sender's and node's: {}", reply.body);
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

#[tokio::test]
async fn pretty_printed_commented_and_cdata_signed_data_is_accepted_and_verifiable() {
    let node = TestNode::start(Backend::Sqlite).await;
    let provider = Ims::provider();
    let variants: [fn(&str) -> String; 3] = [
        |body| {
            body.replace("><ns", ">\n    <ns")
                .replace("><q:", ">\n      <q:")
        },
        |body| replace_once(body, "<ns2:MessageID>", "<!-- traced --><ns2:MessageID>"),
        |body| replace_once(body, ">12345678901<", "><![CDATA[12345678901]]><"),
    ];
    for variant in variants {
        let id = message_id(OffsetDateTime::now_utc());
        let signed = Ims::consumer().send_request(Version::V1_3, &id, &echo_request());
        let body = variant(&signed);
        assert_ne!(body, signed);

        let reply = post_bytes(&node, body.into_bytes(), SOAP11).await;

        assert_eq!(reply.status, 200, "{}", reply.body);
        let now = OffsetDateTime::now_utc();
        let got = node
            .post(provider.get_request(Version::V1_3, now), "urn:GetRequest")
            .await;
        let ReplyKind::Request(request) = read(&got).kind else {
            panic!("delivered: {}", got.body)
        };
        assert_eq!(request.data.message_id, id);
        assert_every_signature_verifies(&got);
        node.post(provider.ack(Version::V1_3, &id, true), "urn:Ack")
            .await;
    }
}

/// The Host header is the client's text: it must be refused (400) or never
/// reach the WSDL as markup. Fails today: `server/src/wsdl.rs` `serve` puts
/// it into the address unchecked and `Node::wsdl` does not escape it.
#[tokio::test]
async fn wsdl_address_from_a_hostile_host_header_stays_well_formed() {
    let node = TestNode::start(Backend::Sqlite).await;
    let request = b"GET /ws?wsdl HTTP/1.1\r\nHost: x\"/><evil a=\"&\r\nConnection: close\r\n\r\n";

    let answer = common::own_node::raw_http(node.addr, request).await;

    let (head, body) = answer.split_once("\r\n\r\n").expect("head and body");
    if head.starts_with("HTTP/1.1 200") {
        assert!(
            !body.contains("<evil"),
            "markup from Host reached the WSDL: {body}"
        );
        xml::Document::parse(body.as_bytes()).expect("the WSDL stays well-formed");
    } else {
        assert!(head.starts_with("HTTP/1.1 400"), "{head}");
    }
    assert_still_serves(&node).await;
}

/// SOAP 1.1 section 4.2.3: a header entry with `mustUnderstand="1"` that the
/// node does not obey must fail the message with `soap:MustUnderstand`.
/// Fails today: `wire::read_envelope` never looks inside `soap:Header`.
#[tokio::test]
async fn header_entry_with_must_understand_gets_must_understand_fault() {
    let node = TestNode::start(Backend::Sqlite).await;
    let entry =
        r#"<x:Security xmlns:x="urn://smevgate.test/unknown-header" soap:mustUnderstand="1"/>"#;
    let header = format!("<soap:Header>{entry}</soap:Header>");
    let body = replace_once(&valid_send_request(), "<soap:Header/>", &header);

    let reply = post_bytes(&node, body.into_bytes(), SOAP11).await;

    assert_eq!(
        reply.status, 500,
        "an unobeyed mandatory header was ignored: {}",
        reply.body
    );
    let fault = fault_of(&reply);
    assert_eq!(fault.faultcode, FaultCode::MustUnderstand, "{}", reply.body);
    let now = OffsetDateTime::now_utc();
    common::faults::assert_no_request_queued(&node, &Ims::provider(), Version::V1_3, now).await;
    assert_still_serves(&node).await;
}

#[tokio::test]
async fn body_of_exactly_the_size_limit_is_accepted_and_one_byte_more_is_not() {
    let fitting = valid_send_request();
    let over = format!("{} ", valid_send_request());
    let mut options = NodeOptions::new(Backend::Sqlite);
    options.limits.max_bytes = fitting.len();
    let node = TestNode::start_with(options).await;
    assert_eq!(over.len(), fitting.len() + 1, "ids have one length");

    let accepted = post_bytes(&node, fitting.into_bytes(), SOAP11).await;
    let refused = post_bytes(&node, over.into_bytes(), SOAP11).await;

    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let text = format!(
        "Размер сообщения превышает допустимый ({} байт)",
        node.node.max_body_bytes()
    );
    assert_refused(&node, &refused, FaultCode::Client, &text).await;
}
