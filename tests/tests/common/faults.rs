//! Reading a node's answer and asserting the exact SMEV fault in it, plus
//! the follow-up checks every refusal needs: the journal entry and an
//! untouched queue.

use smevgate_tests::{HttpReply, Ims, TestNode};
use time::OffsetDateTime;
use wire::{Fault, FaultCode, FaultKind, ReplyKind, Version};

/// Content type of every SOAP 1.1 answer the node writes.
pub const SOAP11: &str = "text/xml; charset=utf-8";

/// The `Code` locator of a fault raised at `stage` by the harness's node.
pub fn locator(stage: &str) -> String {
    format!("smevgate:test-node:SYNC:{stage}")
}

/// Reads any answer with the client-side reader.
pub fn read(reply: &HttpReply) -> wire::Reply {
    wire::read_reply(reply.status, &reply.content_type, reply.body.as_bytes())
        .unwrap_or_else(|e| panic!("unreadable reply ({e}): {}", reply.body))
}

/// The fault of an answer that must be one: HTTP 500, SOAP 1.1 content type.
pub fn fault_of(reply: &HttpReply) -> Fault {
    assert_eq!(
        reply.status, 500,
        "a fault travels with HTTP 500: {}",
        reply.body
    );
    assert_eq!(reply.content_type, SOAP11, "{}", reply.body);
    match read(reply).kind {
        ReplyKind::Fault(fault) => fault,
        other => panic!("expected a fault, got {other:?}"),
    }
}

/// A typed fault with `Code` and `Description`: faultcode `soap:Server`,
/// the exact Russian faultstring, the locator of `stage` and a Description
/// that is `catalogue:faultstring`.
pub fn assert_typed(fault: &Fault, kind: &FaultKind, text: &str, catalogue: &str, stage: &str) {
    assert_eq!(&fault.kind, kind);
    assert_eq!(fault.faultcode, FaultCode::Server);
    assert_eq!(fault.faultstring, text);
    assert_eq!(fault.code.as_deref(), Some(locator(stage).as_str()));
    let description = format!("{catalogue}:{text}");
    assert_eq!(fault.description.as_deref(), Some(description.as_str()));
}

/// A `basic:Void` fault element: faultcode `soap:Server`, the faultstring,
/// and an empty detail element (no `Code`, no `Description`).
pub fn assert_void(fault: &Fault, kind: &FaultKind, text: &str) {
    assert_eq!(&fault.kind, kind);
    assert_eq!(fault.faultcode, FaultCode::Server);
    assert_eq!(fault.faultstring, text);
    assert_eq!(fault.code, None);
    assert_eq!(fault.description, None);
}

/// A SOAP-level fault without detail.
pub fn assert_soap_level(fault: &Fault, code: FaultCode, text: &str) {
    assert_eq!(fault.faultcode, code);
    assert_eq!(fault.faultstring, text);
    assert_eq!(fault.code, None);
    assert_eq!(fault.description, None);
    let kind = match code {
        FaultCode::VersionMismatch => FaultKind::VersionMismatch,
        FaultCode::Client => FaultKind::Client,
        _ => FaultKind::Server,
    };
    assert_eq!(fault.kind, kind);
}

/// The signature fault `value` with its catalogue text, as SMEV-100.
pub fn assert_signature_fault(fault: &Fault, value: wire::SignatureFailure, text: &str) {
    let kind = FaultKind::SignatureVerification(value);
    assert_typed(fault, &kind, text, "SMEV-100", "SIG");
}

/// The journal holds a `fault` entry with this fault code (and message id,
/// when given).
pub async fn assert_journaled(node: &exchange::Node, fault_code: &str, message_id: Option<&str>) {
    let filter = store::JournalFilter {
        status: Some("fault".to_owned()),
        ..store::JournalFilter::default()
    };
    let entries = node.store().query(&filter).await.expect("journal reads");
    let found = entries.iter().any(|record| {
        let entry = &record.entry;
        entry.fault_code.as_deref() == Some(fault_code)
            && message_id.is_none_or(|id| entry.message_id.as_deref() == Some(id))
    });
    let codes: Vec<_> = entries
        .iter()
        .map(|r| (&r.entry.fault_code, &r.entry.message_id))
        .collect();
    assert!(
        found,
        "no journaled fault {fault_code} ({message_id:?}) in {codes:?}"
    );
}

/// The provider's request queue holds nothing: a GetRequest at `now` (the
/// node's time) finds it empty.
pub async fn assert_no_request_queued(
    node: &TestNode,
    provider: &Ims,
    version: Version,
    now: OffsetDateTime,
) {
    let got = node
        .post(provider.get_request(version, now), "urn:GetRequest")
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let kind = read(&got).kind;
    assert!(
        matches!(kind, ReplyKind::EmptyQueue(wire::Operation::GetRequest)),
        "the refused request was queued: {kind:?}"
    );
}
