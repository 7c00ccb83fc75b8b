//! One handler per SMEV operation, each in its own file. A handler gets a
//! request that passed every synchronous check (`check.rs`) and does the
//! routing, the store work and the signed answer.

mod ack;
mod deliver;
mod get_message;
mod get_status;
mod queue_statistics;
mod send_request;
mod send_response;
pub(crate) mod status;

use time::OffsetDateTime;

pub(crate) use ack::{ack, settle};
pub(crate) use get_message::{delivered_envelope, get_request, get_response};
pub(crate) use get_status::get_status;
pub(crate) use queue_statistics::queue_statistics;
pub(crate) use send_request::send_request;
pub(crate) use send_response::send_response;

use crate::error::ExchangeError;
use crate::node::{Answer, Node};

/// A handler's result: the answer, or the error with the message id it
/// concerned (for the journal).
pub(crate) type OpResult = Result<Answer, (ExchangeError, Option<String>)>;

/// The store's typed refusals, as exchange errors.
fn store_error(
    error: store::StoreError,
    message_id: &str,
    queue: &store::QueueId,
) -> ExchangeError {
    match error {
        store::StoreError::Duplicate { .. } => {
            ExchangeError::MessageIsAlreadySent(message_id.to_owned())
        }
        store::StoreError::QueueFull { .. } => {
            ExchangeError::DestinationOverflow(queue_name(queue))
        }
        other => ExchangeError::Store(other),
    }
}

/// The queue name SMEV-style statistics and faults show.
fn queue_name(queue: &store::QueueId) -> String {
    format!("{}:{}", queue.owner, queue.kind.as_str())
}

/// A journal entry of this node at `now`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn journal(
    node: &Node,
    now: OffsetDateTime,
    operation: &str,
    kind: store::MessageKind,
    status: &str,
    message_id: &str,
    sender: &str,
    recipient: &str,
) -> store::JournalEntry {
    store::JournalEntry {
        at: now,
        node_id: node.settings.node_id.clone(),
        operation: operation.to_owned(),
        message_kind: Some(kind),
        status: Some(status.to_owned()),
        message_id: Some(message_id.to_owned()),
        sender: Some(sender.to_owned()),
        recipient: Some(recipient.to_owned()),
        fault_code: None,
        detail: String::new(),
    }
}

/// xs:dateTime text of an instant, as SMEV writes it (milliseconds, zone).
pub(crate) fn xs_datetime(at: OffsetDateTime) -> String {
    use time::macros::format_description;
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// The node's signer as the encoder's injected signing function.
pub(crate) fn signer(node: &Node) -> impl Fn(&str, &str) -> String + '_ {
    move |xml, id| node.signer.sign(xml, id)
}
