//! `read_response_block`: a stored `SenderProvidedResponseData` read on
//! its own, each content choice, and the refusals for text that is not one.

use wire::{read_response_block, DataError, ResponseContent};

const TYPES: &str = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3";
const BASIC: &str = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3";

fn block(content: &str) -> String {
    format!(
        r#"<ns2:SenderProvidedResponseData xmlns:ns2="{TYPES}" xmlns="{BASIC}" Id="A"><ns2:MessageID>1</ns2:MessageID><ns2:To>t</ns2:To>{content}</ns2:SenderProvidedResponseData>"#
    )
}

#[test]
fn primary_content_payload_span_is_the_business_element() {
    let xml =
        block(r#"<MessagePrimaryContent><q:R xmlns:q="urn:q">1</q:R></MessagePrimaryContent>"#);

    let data = read_response_block(&xml).unwrap();

    let ResponseContent::Primary { payload, .. } = data.content else {
        panic!("{:?}", data.content)
    };
    assert_eq!(&xml[payload.span], r#"<q:R xmlns:q="urn:q">1</q:R>"#);
    assert_eq!(data.to, "t");
}

#[test]
fn rejections_and_status_are_read_in_order() {
    let rejected = block(concat!(
        "<ns2:RequestRejected><ns2:RejectionReasonCode>NO_DATA</ns2:RejectionReasonCode>",
        "<ns2:RejectionReasonDescription>нет</ns2:RejectionReasonDescription></ns2:RequestRejected>",
        "<ns2:RequestRejected><ns2:RejectionReasonCode>FAILURE</ns2:RejectionReasonCode>",
        "<ns2:RejectionReasonDescription>сбой</ns2:RejectionReasonDescription></ns2:RequestRejected>",
    ));
    let status = block(concat!(
        "<ns2:RequestStatus><ns2:StatusCode>7</ns2:StatusCode><ns2:StatusParameter>",
        "<ns2:Key>k</ns2:Key><ns2:Value>v</ns2:Value></ns2:StatusParameter>",
        "<ns2:StatusDescription>идёт</ns2:StatusDescription></ns2:RequestStatus>",
    ));

    let rejected = read_response_block(&rejected).unwrap().content;
    let status = read_response_block(&status).unwrap().content;

    let ResponseContent::Rejected(reasons) = rejected else {
        panic!("{rejected:?}")
    };
    let codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["NO_DATA", "FAILURE"]);
    let ResponseContent::Status(status) = status else {
        panic!("{status:?}")
    };
    assert_eq!(status.code, 7);
    assert_eq!(status.parameters, [("k".to_owned(), "v".to_owned())]);
}

#[test]
fn text_that_is_not_a_response_block_is_missing_it() {
    let missing = DataError::Missing {
        element: "SenderProvidedResponseData",
    };

    assert_eq!(read_response_block("not xml <").unwrap_err(), missing);
    assert_eq!(read_response_block("<Other/>").unwrap_err(), missing);
    assert!(matches!(
        read_response_block(&block("")),
        Err(DataError::Missing { .. })
    ));
}
