//! SMEV 3 SOAP envelopes and faults on the wire.
//!
//! Node side: [`read_envelope`] decodes what participants send us, the
//! `write_*_response` functions encode what we answer, and
//! [`write_fault`] encodes refusals. Client side: the `write_*_request`
//! builders write what we send to SMEV, and [`read_reply`] reads what it
//! answers (plain or MTOM/XOP multipart), including typed faults and the
//! retry decision for them.
//!
//! # Layout
//!
//! - `version`, `operation`: the protocol versions and the closed set of
//!   operations.
//! - `envelope`: safe decoding of inbound requests.
//! - `data`, `metadata`: the data blocks both sides share.
//! - `fault`: fault kinds, catalogue, encoder and reader.
//! - `response`, `request`: the encoders.
//! - `multipart`, `reply`: reading SMEV's answers.
//!
//! Signing is injected: encoders hand each element to sign, as a
//! standalone string with its own namespace declarations, to a [`Signer`]
//! and embed the `ds:Signature` it returns.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod data;
mod envelope;
mod fault;
mod metadata;
mod multipart;
pub mod names;
mod operation;
mod reply;
mod request;
mod response;
mod version;
mod writer;

pub use data::{
    read_response_block, AckTargetMessage, AsyncProcessingStatus, DataError, MessageTypeSelector,
    Payload, Rejection, RequestData, RequestStatus, ResponseContent, ResponseData, Span, Timestamp,
};
pub use envelope::{
    check_depth, read_envelope, AckRequest, EnvelopeError, GetMessageRequest, GetStatusRequest,
    Inbound, InboundRequest, Limits, QueueStatisticsRequest, SendRequestRequest,
    SendResponseRequest, SignedTarget, MAX_ATTRIBUTES,
};
pub use fault::{
    write_fault, Fault, FaultCode, FaultKind, RetryDecision, SignatureFailure, ValidationError,
    FAULT_HTTP_STATUS, SOAP11_CONTENT_TYPE,
};
pub use metadata::{MessageMetadata, MessageType, Party, UNKNOWN_DESTINATION};
pub use multipart::MultipartError;
pub use operation::Operation;
pub use reply::{
    read_reply, ReceivedRequest, ReceivedResponse, ReceivedStatus, Reply, ReplyError, ReplyKind,
};
pub use request::{
    write_ack_request, write_get_request_request, write_get_response_request,
    write_get_status_request, write_send_request_of, write_send_request_request,
    write_send_response_request, AttachmentContent, AttachmentHeader, RequestInput, ResponseInput,
    ResponseInputContent, SelectorInput,
};
pub use response::{
    write_ack_response, write_async_status_data, write_get_request_response,
    write_get_response_response, write_get_status_response, write_queue_statistics_response,
    write_send_request_response, write_send_response_response, QueueStatistics, RequestMessage,
    ResponseMessage, Signer, StatusMessage, SMEV_ASYNC_ID, SMEV_SIGNED_ID,
};
pub use version::{Version, SOAP12_ENV, SOAP_ENV, XMLDSIG, XSI};
