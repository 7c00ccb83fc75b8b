//! The real SMEV 3 replies of `tests/data/real/` (Smev3Sharp test data,
//! schema 1.2, 2021; see the README there) read with `read_reply`.

mod golden;

use wire::{
    read_reply, FaultCode, FaultKind, MessageType, Operation, ReplyKind, ResponseContent,
    RetryDecision, SignatureFailure, Version,
};

const XML: &str = "text/xml; charset=utf-8";

fn real(name: &str) -> Vec<u8> {
    std::fs::read(golden::data_dir().join("real").join(name)).expect("real capture")
}

#[test]
fn real_send_request_response_gives_receipt_with_metadata() {
    let reply = read_reply(200, XML, &real("SendRequestResponce.xml")).expect("reply");
    assert_eq!(reply.version, Some(Version::V1_2));
    let ReplyKind::Receipt {
        operation,
        metadata,
        smev_signature,
    } = reply.kind
    else {
        panic!("not a receipt")
    };
    assert_eq!(operation, Operation::SendRequest);
    assert_eq!(metadata.id.as_deref(), Some("SIGNED_BY_SMEV"));
    assert_eq!(
        metadata.message_id.as_deref(),
        Some("ac9fbf27-8b8c-11eb-9086-e2bf794ac2e9")
    );
    assert_eq!(metadata.message_type, MessageType::Request);
    assert_eq!(
        metadata.sender.as_ref().map(|s| s.mnemonic.as_str()),
        Some("77BD01")
    );
    assert_eq!(
        metadata.recipient.as_ref().map(|s| s.mnemonic.as_str()),
        Some("emu")
    );
    assert_eq!(metadata.sending_timestamp, "2021-03-23T07:03:07.000+03:00");
    assert_eq!(metadata.status.as_deref(), Some("requestIsQueued"));
    assert_eq!(metadata.destination_name, None);
    let signature = &reply.xml[smev_signature.expect("SMEVSignature")];
    assert!(signature.starts_with("<ns2:SMEVSignature>"));
    assert!(signature.contains("f4DoL3jU/jXkk8hjAgbvDQD7dHsTrp9c2YcTulP0cNM="));
}

#[test]
fn real_empty_queue_plain_and_multipart_are_empty() {
    let plain = read_reply(200, XML, &real("GetResponseResponce_EmptyQueue.xml")).expect("plain");
    assert_eq!(plain.kind, ReplyKind::EmptyQueue(Operation::GetResponse));
    let content_type = "multipart/related; type=\"application/xop+xml\"; \
        boundary=\"f438a15e-9b5b-491f-9b47-aba4d00b8837\"; \
        start=\"<root.message@cxf.apache.org>\"; start-info=\"text/xml\"";
    let body = real("GetResponseResponce_MultipartEmptyQueue.xml");
    let multipart = read_reply(200, content_type, &body).expect("multipart");
    assert_eq!(
        multipart.kind,
        ReplyKind::EmptyQueue(Operation::GetResponse)
    );
    assert_eq!(multipart.version, Some(Version::V1_2));
    assert!(
        multipart.xml.starts_with("<soap:Envelope") && multipart.xml.ends_with("</soap:Envelope>")
    );
}

#[test]
fn real_async_reject_gives_typed_smev_fault() {
    let reply =
        read_reply(200, XML, &real("GetResponseResponce_InvalidContent.xml")).expect("reply");
    let ReplyKind::Response(response) = reply.kind else {
        panic!("not a response")
    };
    assert_eq!(response.id.as_deref(), Some("SIGNED_BY_SMEV"));
    assert_eq!(
        response.original_message_id.as_deref(),
        Some("ac9fbf27-8b8c-11eb-9086-e2bf794ac2e9")
    );
    assert_eq!(response.data.id.as_deref(), Some("SIGNED_ASYNC_BY_SMEV"));
    assert_eq!(
        response.data.message_id,
        "ad1d4183-8b8c-11eb-9ae4-fa163e6269f4"
    );
    assert!(response.data.to.starts_with("eyJzaWQiOjE2NjAyNSwi"));
    assert_eq!(
        response.metadata.message_id.as_deref(),
        Some("ad1d4183-8b8c-11eb-9ae4-fa163e6269f4")
    );
    assert_eq!(
        response
            .metadata
            .sender
            .as_ref()
            .map(|s| s.mnemonic.as_str()),
        Some("smev")
    );
    let ResponseContent::AsyncStatus(status) = &response.data.content else {
        panic!("not an async status")
    };
    assert_eq!(status.category, "requestIsRejectedBySmev");
    let fault = status.fault.as_ref().expect("SmevFault");
    assert_eq!(
        fault.code.as_deref(),
        Some("tsmev3:P:TSMEV3_ASYNC_CORE1:TR:ASYNC:PP:BSV:3")
    );
    assert!(fault
        .description
        .as_deref()
        .is_some_and(|d| d.starts_with("SMEV-403:")));
    let FaultKind::InvalidContent(errors) = &fault.kind else {
        panic!("not InvalidContent")
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].position, -1);
    assert!(errors[0]
        .message
        .starts_with("cvc-complex-type.2.4.b: The content of element 'doc'"));
    let data = &reply.xml[response.data.span.clone()];
    assert!(data.starts_with("<ns2:SenderProvidedResponseData Id=\"SIGNED_ASYNC_BY_SMEV\">"));
    assert!(response.sender_signature.is_some() && response.smev_signature.is_some());
}

#[test]
fn real_provider_response_exposes_payload_qname() {
    let reply =
        read_reply(200, XML, &real("GetResponseResponse_ValidResponse.xml")).expect("reply");
    let ReplyKind::Response(response) = reply.kind else {
        panic!("not a response")
    };
    assert_eq!(response.data.id.as_deref(), Some("SIGNED_BY_CALLER"));
    assert_eq!(
        response.metadata.status.as_deref(),
        Some("messageIsDelivered")
    );
    let ResponseContent::Primary {
        payload,
        personal_signature,
        ..
    } = &response.data.content
    else {
        panic!("not a primary content")
    };
    assert_eq!(payload.namespace, "urn://fake-smev-service-response");
    assert_eq!(payload.local_name, "FakeSmevServiceResponse");
    assert!(personal_signature.is_none());
    assert!(reply.xml[payload.span.clone()].ends_with("</FakeSmevServiceResponse>"));
}

#[test]
fn real_signature_fault_with_http_500_is_typed_and_not_retried() {
    let body = real("SoapFaultResponse_SignatureVerificationFault.xml");
    let reply = read_reply(500, XML, &body).expect("reply");
    let ReplyKind::Fault(fault) = reply.kind else {
        panic!("not a fault")
    };
    assert_eq!(fault.faultcode, FaultCode::Server);
    assert_eq!(
        fault.kind,
        FaultKind::SignatureVerification(SignatureFailure::CertificateIsExpired)
    );
    assert_eq!(
        fault.code.as_deref(),
        Some("tsmev3:PRODUCTION_AREA:TSMEV3_CORE2 : TR:SYNC:SPS:4")
    );
    assert!(fault
        .faultstring
        .starts_with("Срок действия сертификата ЭП-ОВ истёк"));
    assert!(fault
        .description
        .as_deref()
        .is_some_and(|d| d.starts_with("SMEV-100:")));
    assert_eq!(fault.retry(false), RetryDecision::GiveUp);
}

#[test]
fn real_bare_fault_is_server_kind_and_retried() {
    let reply = read_reply(500, XML, &real("SoapFaultResponse.xml")).expect("reply");
    let ReplyKind::Fault(fault) = reply.kind else {
        panic!("not a fault")
    };
    assert_eq!(fault.kind, FaultKind::Server);
    assert_eq!(fault.faultstring, "Сообщение об ошибке");
    assert_eq!((fault.code, fault.description), (None, None));
    assert_eq!(reply.version, None);
}
