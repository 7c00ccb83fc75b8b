//! Hostile and broken inputs: every one is refused with the right error
//! and fault, and nothing panics (CASES B13, B15, B20).

use wire::{
    read_envelope, read_reply, write_fault, EnvelopeError, Fault, FaultCode, FaultKind, Limits,
    ReplyError, ReplyKind, RetryDecision, SignatureFailure, Version,
};

const GET_REQUEST_1_1: &str =
    "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\
    <soap:Header/><soap:Body><t:GetRequestRequest \
    xmlns:t=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1\" \
    xmlns:b=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1\">\
    <b:MessageTypeSelector Id=\"S\"><b:Timestamp>2024-03-01T10:00:00Z</b:Timestamp>\
    </b:MessageTypeSelector></t:GetRequestRequest></soap:Body></soap:Envelope>";

fn refuse(bytes: &[u8]) -> EnvelopeError {
    read_envelope(bytes, &Limits::default()).expect_err("must be refused")
}

#[test]
fn billion_laughs_is_refused_as_doctype() {
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
        <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\
        <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\
        <soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\
        <soap:Body>&lol3;</soap:Body></soap:Envelope>";
    let error = refuse(bomb.as_bytes());
    assert_eq!(error, EnvelopeError::Doctype);
    assert_eq!(error.to_fault().kind, FaultKind::Client);
}

#[test]
fn external_entity_doctype_is_refused() {
    let xxe = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>";
    assert_eq!(refuse(xxe.as_bytes()), EnvelopeError::Doctype);
}

#[test]
fn deep_nesting_over_limit_is_refused() {
    let depth = 10_000;
    let body = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    let xml = GET_REQUEST_1_1.replace(
        "<soap:Header/>",
        &format!("<soap:Header>{body}</soap:Header>"),
    );
    assert_eq!(refuse(xml.as_bytes()), EnvelopeError::TooDeep { max: 256 });
}

#[test]
fn nesting_at_limit_is_accepted_and_one_more_is_refused() {
    // Envelope, Header, then `extra` levels: depth = 2 + extra.
    let nest = |extra: usize| {
        let body = format!("{}{}", "<a x='>'>".repeat(extra), "</a>".repeat(extra));
        GET_REQUEST_1_1.replace(
            "<soap:Header/>",
            &format!("<soap:Header>{body}</soap:Header>"),
        )
    };
    let limits = Limits {
        max_depth: 40,
        ..Limits::default()
    };
    assert!(read_envelope(nest(38).as_bytes(), &limits).is_ok());
    let error = read_envelope(nest(39).as_bytes(), &limits).expect_err("too deep");
    assert_eq!(error, EnvelopeError::TooDeep { max: 40 });
}

#[test]
fn oversize_message_is_refused_before_parsing() {
    let limits = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    let error = read_envelope(GET_REQUEST_1_1.as_bytes(), &limits).expect_err("too large");
    assert_eq!(
        error,
        EnvelopeError::TooLarge {
            size: GET_REQUEST_1_1.len(),
            max: 100
        }
    );
}

#[test]
fn invalid_utf8_is_refused() {
    let mut bytes = GET_REQUEST_1_1.as_bytes().to_vec();
    bytes.insert(120, 0xFF);
    assert_eq!(refuse(&bytes), EnvelopeError::NotUtf8);
}

#[test]
fn utf16_with_and_without_bom_is_refused() {
    let utf16: Vec<u8> = GET_REQUEST_1_1
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!(refuse(&utf16), EnvelopeError::NotUtf8);
    let with_bom: Vec<u8> = [0xFF, 0xFE].into_iter().chain(utf16).collect();
    assert_eq!(refuse(&with_bom), EnvelopeError::NotUtf8);
}

#[test]
fn declared_foreign_encoding_is_refused() {
    let xml = format!("<?xml version=\"1.0\" encoding=\"windows-1251\"?>{GET_REQUEST_1_1}");
    assert_eq!(refuse(xml.as_bytes()), EnvelopeError::NotUtf8);
}

#[test]
fn bom_and_declaration_are_accepted_with_spans_in_original_bytes() {
    let xml = format!("\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{GET_REQUEST_1_1}");
    let inbound = read_envelope(xml.as_bytes(), &Limits::default()).expect("accepted");
    assert_eq!(inbound.version, Version::V1_1);
    let target = inbound.request.signed_target();
    assert_eq!(target.id, Some("S"));
    assert!(xml[target.span.clone()].starts_with("<b:MessageTypeSelector Id=\"S\">"));
}

#[test]
fn soap12_envelope_gets_version_mismatch_fault() {
    let xml = GET_REQUEST_1_1.replace(
        "http://schemas.xmlsoap.org/soap/envelope/",
        "http://www.w3.org/2003/05/soap-envelope",
    );
    let error = refuse(xml.as_bytes());
    let fault = error.to_fault();
    assert_eq!(fault.faultcode, FaultCode::VersionMismatch);
    let written = write_fault(error.version(), &fault);
    assert!(written.contains("<faultcode>soap:VersionMismatch</faultcode>"));
    assert!(!written.contains("<detail>"));
}

#[test]
fn missing_header_gets_poor_envelope_format_fault() {
    let xml = GET_REQUEST_1_1.replace("<soap:Header/>", "");
    let error = refuse(xml.as_bytes());
    assert_eq!(
        error,
        EnvelopeError::NoHeader {
            version: Some(Version::V1_1)
        }
    );
    let fault = error.to_fault();
    let expected = FaultKind::SignatureVerification(SignatureFailure::PoorSoapEnvelopeFormat);
    assert_eq!(fault.kind, expected);
    let written = write_fault(error.version(), &fault);
    assert!(written.contains(
        "<ns3:SignatureVerificationFault>PoorSOAPEnvelopeFormat</ns3:SignatureVerificationFault>"
    ));
}

#[test]
fn truncated_and_garbage_inputs_are_refused_without_panic() {
    let inputs: [&[u8]; 6] = [
        b"",
        b"<",
        b"\xEF\xBB\xBF",
        b"<soap:Envelope",
        b"not xml",
        b"<a></b>",
    ];
    for input in inputs {
        let error = refuse(input);
        assert_eq!(error.to_fault().kind, FaultKind::Client, "{error}");
    }
    for cut in (0..GET_REQUEST_1_1.len()).step_by(7) {
        assert!(read_envelope(&GET_REQUEST_1_1.as_bytes()[..cut], &Limits::default()).is_err());
        let _ = read_reply(200, "text/xml", &GET_REQUEST_1_1.as_bytes()[..cut]);
    }
}

#[test]
fn no_signature_fault_matches_cases_b15_shape() {
    let fault =
        Fault::signature(SignatureFailure::NoSignatureFound).with_code("gateway:FAKE-NODE:SYNC:1");
    let xml = write_fault(Some(Version::V1_1), &fault);
    let expected = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\
        <soap:Body><soap:Fault><faultcode>soap:Server</faultcode>\
        <faultstring>Отсутствует ЭП-ОВ</faultstring><detail>\
        <ns3:SignatureVerificationFault \
        xmlns:ns3=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/faults/1.1\" \
        xmlns:ns2=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1\" \
        xmlns=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1\">\
        <Code>gateway:FAKE-NODE:SYNC:1</Code><Description>SMEV-100:Отсутствует ЭП-ОВ</Description>\
        <ns3:SignatureVerificationFault>NoSignatureFound</ns3:SignatureVerificationFault>\
        </ns3:SignatureVerificationFault></detail></soap:Fault></soap:Body></soap:Envelope>";
    assert_eq!(xml, expected);
    assert_eq!(
        (fault.http_status(), fault.content_type()),
        (500, "text/xml; charset=utf-8")
    );
}

#[test]
fn b20_signature_invalid_fault_is_not_retried() {
    let fault = Fault::signature(SignatureFailure::SignatureIsInvalid);
    let xml = write_fault(Some(Version::V1_1), &fault);
    let reply = read_reply(500, "text/xml; charset=utf-8", xml.as_bytes()).expect("fault");
    let ReplyKind::Fault(read) = reply.kind else {
        panic!("not a fault")
    };
    assert_eq!(
        read.kind,
        FaultKind::SignatureVerification(SignatureFailure::SignatureIsInvalid)
    );
    assert_eq!(read.retry(false), RetryDecision::GiveUp);
    assert_eq!(reply.xml, xml);
}

#[test]
fn b20_smev_failure_is_retried_and_duplicate_on_resend_is_delivered() {
    for (kind, first, resent) in [
        (
            FaultKind::SmevFailure,
            RetryDecision::Retry,
            RetryDecision::Retry,
        ),
        (
            FaultKind::DestinationOverflow {
                broker: "b".into(),
                destination: "d".into(),
            },
            RetryDecision::Retry,
            RetryDecision::Retry,
        ),
        (
            FaultKind::EndOfLifeReached,
            RetryDecision::Retry,
            RetryDecision::Retry,
        ),
        (
            FaultKind::MessageIsAlreadySent,
            RetryDecision::GiveUp,
            RetryDecision::Delivered,
        ),
        (
            FaultKind::StaleMessageId,
            RetryDecision::GiveUp,
            RetryDecision::GiveUp,
        ),
    ] {
        let xml = write_fault(Some(Version::V1_2), &Fault::new(kind.clone()));
        let reply = read_reply(500, "text/xml", xml.as_bytes()).expect("fault");
        let ReplyKind::Fault(read) = reply.kind else {
            panic!("not a fault")
        };
        assert_eq!(read.kind, kind);
        assert_eq!(
            (read.retry(false), read.retry(true)),
            (first, resent),
            "{kind:?}"
        );
    }
}

#[test]
fn b20_http_502_html_is_transport_error_and_retried() {
    let html = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let error = read_reply(502, "text/html", html).expect_err("not soap");
    assert!(matches!(error, ReplyError::NotSoap { status: 502, .. }));
    assert_eq!(error.retry(), RetryDecision::Retry);
    let error = read_reply(502, "text/xml", html).expect_err("not soap either");
    assert!(
        matches!(error, ReplyError::NotSoap { status: 502, .. }),
        "{error}"
    );
}

#[test]
fn b13_crlf_multipart_empty_get_response_is_empty_queue() {
    let body = "--bnd1\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"text/xml\"\r\n\
        Content-Transfer-Encoding: binary\r\nContent-ID: <root@fake>\r\n\r\n\
        <soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
        <t:GetResponseResponse xmlns:t=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.2\"/>\
        </soap:Body></soap:Envelope>\r\n--bnd1--\r\n";
    let content_type = "multipart/related; type=\"application/xop+xml\"; boundary=\"bnd1\"; \
        start=\"<root@fake>\"; start-info=\"text/xml\"";
    let reply = read_reply(200, content_type, body.as_bytes()).expect("reply");
    assert_eq!(
        reply.kind,
        ReplyKind::EmptyQueue(wire::Operation::GetResponse)
    );
}

#[test]
fn b13_empty_get_request_response_is_empty_queue() {
    let xml = "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>\
        <t:GetRequestResponse xmlns:t=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1\"/>\
        </soap:Body></soap:Envelope>";
    let reply = read_reply(200, "text/xml", xml.as_bytes()).expect("reply");
    assert_eq!(
        reply.kind,
        ReplyKind::EmptyQueue(wire::Operation::GetRequest)
    );
    assert_eq!(reply.version, Some(Version::V1_1));
}
