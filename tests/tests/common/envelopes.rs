//! Envelopes the harness's builders do not make: requests with chosen
//! fields, unsigned or oddly signed ones, GetIncomingQueueStatistics, and
//! signatures re-made over an edited SignedInfo (so only the edited part
//! is wrong, never the SignatureValue).

use smevgate_tests::{xs_datetime, Ims};
use time::OffsetDateTime;
use wire::{RequestInput, Version};

use super::certs::base64;

/// Namespace of XMLDSig.
const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

/// A `RequestInput` with only `MessageID` and the payload set.
pub fn request_input<'a>(message_id: &'a str, payload: &'a str) -> RequestInput<'a> {
    RequestInput {
        id: "SIGNED_BY_CALLER",
        message_id,
        reference_message_id: None,
        transaction_code: None,
        node_id: None,
        eol: None,
        payload,
        personal_signature: None,
        attachment_headers: &[],
        test_message: false,
    }
}

/// A SendRequestRequest from `input`, signed by `ims`.
pub fn send_request(
    ims: &Ims,
    version: Version,
    input: &RequestInput<'_>,
    attachments: &[wire::AttachmentContent<'_>],
) -> String {
    let sign = |e: &str, id: &str| ims.sign(e, id);
    wire::write_send_request_request(version, input, attachments, Some(&sign))
}

/// A SendRequestRequest whose signature `sign` makes from the data and Id.
pub fn send_request_signed_with(
    version: Version,
    input: &RequestInput<'_>,
    sign: &dyn Fn(&str, &str) -> String,
) -> String {
    wire::write_send_request_request(version, input, &[], Some(sign))
}

/// A SendRequestRequest without `CallerInformationSystemSignature`.
pub fn unsigned_send_request(version: Version, message_id: &str, payload: &str) -> String {
    wire::write_send_request_request(version, &request_input(message_id, payload), &[], None)
}

/// A GetRequestRequest whose selector names `{namespace}root`.
pub fn get_request_for(
    ims: &Ims,
    version: Version,
    now: OffsetDateTime,
    namespace: &str,
    root: &str,
) -> String {
    let timestamp = xs_datetime(now);
    let input = wire::SelectorInput {
        id: "SIGNED_BY_CALLER",
        message_type: Some((namespace, root)),
        timestamp: &timestamp,
        node_id: None,
    };
    let sign = |e: &str, id: &str| ims.sign(e, id);
    wire::write_get_request_request(version, &input, Some(&sign))
}

/// A GetResponseRequest whose selector names `{namespace}root`.
pub fn get_response_for(
    ims: &Ims,
    version: Version,
    now: OffsetDateTime,
    namespace: &str,
    root: &str,
) -> String {
    let timestamp = xs_datetime(now);
    let input = wire::SelectorInput {
        id: "SIGNED_BY_CALLER",
        message_type: Some((namespace, root)),
        timestamp: &timestamp,
        node_id: None,
    };
    let sign = |e: &str, id: &str| ims.sign(e, id);
    wire::write_get_response_request(version, &input, Some(&sign))
}

/// A GetRequestRequest stamped `timestamp` (any text).
pub fn get_request_stamped(ims: &Ims, version: Version, timestamp: &str) -> String {
    let input = wire::SelectorInput {
        id: "SIGNED_BY_CALLER",
        message_type: None,
        timestamp,
        node_id: None,
    };
    let sign = |e: &str, id: &str| ims.sign(e, id);
    wire::write_get_request_request(version, &input, Some(&sign))
}

/// A signed GetIncomingQueueStatisticsRequest (1.1/1.2) stamped `now`.
pub fn queue_statistics_request(ims: &Ims, version: Version, now: OffsetDateTime) -> String {
    let (types, basic) = (version.types_ns(), version.basic_ns());
    let timestamp = format!(
        r#"<ns1:Timestamp xmlns:ns1="{basic}" Id="SIGNED_BY_CALLER">{}</ns1:Timestamp>"#,
        xs_datetime(now)
    );
    let signature = ims.sign(&timestamp, "SIGNED_BY_CALLER");
    let soap = wire::SOAP_ENV;
    let operation = format!(
        r#"<ns2:GetIncomingQueueStatisticsRequest xmlns:ns1="{basic}" xmlns:ns2="{types}">"#
    );
    let wrapper = "ns2:CallerInformationSystemSignature";
    format!(
        "<soap:Envelope xmlns:soap=\"{soap}\"><soap:Header/><soap:Body>{operation}{timestamp}\
         <{wrapper}>{signature}</{wrapper}></ns2:GetIncomingQueueStatisticsRequest>\
         </soap:Body></soap:Envelope>"
    )
}

/// `text` with the one occurrence of `from` replaced by `to`.
///
/// # Panics
/// When `from` does not occur exactly once.
pub fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} must occur once in {text}"
    );
    text.replacen(from, to, 1)
}

/// A signer that signs with `ims`, lets `edit` change SignedInfo, and then
/// computes a SignatureValue that is right for the edited SignedInfo.
pub fn resigning<'a>(
    ims: &'a Ims,
    edit: impl Fn(&str, &str) -> String + 'a,
) -> impl Fn(&str, &str) -> String + 'a {
    move |element: &str, id: &str| {
        let signature = ims.sign(element, id);
        let (start, end) = signed_info_bounds(&signature);
        let signed_info = edit(&signature[start..end], element);
        let standalone = signed_info.replacen(
            "<ds:SignedInfo>",
            &format!(r#"<ds:SignedInfo xmlns:ds="{DSIG}">"#),
            1,
        );
        let canonical = xml::exc_c14n_bytes(standalone.as_bytes()).expect("signed info c14n");
        let value = base64(&ims.key.sign_digest(&gost::streebog256(&canonical)));
        let old_value = between(&signature, "<ds:SignatureValue>", "</ds:SignatureValue>");
        let resigned = format!("{}{signed_info}{}", &signature[..start], &signature[end..]);
        resigned.replacen(old_value, &value, 1)
    }
}

/// Base64 Streebog-256 of the plain exclusive c14n of a standalone element,
/// without the SMEV transform (the B04 client mistake).
pub fn plain_c14n_digest(element: &str) -> String {
    let canonical = xml::exc_c14n_bytes(element.as_bytes()).expect("element c14n");
    base64(&gost::streebog256(&canonical))
}

/// The text between `open` and `close`.
pub fn between<'t>(text: &'t str, open: &str, close: &str) -> &'t str {
    let start = text.find(open).expect("open tag") + open.len();
    let end = start + text[start..].find(close).expect("close tag");
    &text[start..end]
}

/// Byte range of `<ds:SignedInfo>…</ds:SignedInfo>` in a signature.
fn signed_info_bounds(signature: &str) -> (usize, usize) {
    let start = signature.find("<ds:SignedInfo>").expect("SignedInfo");
    let close = "</ds:SignedInfo>";
    let end = signature.find(close).expect("SignedInfo end") + close.len();
    (start, end)
}
