//! Status messages the node itself produces when a message is acknowledged
//! (brief §1.7): the requester learns through GetResponse that its request
//! reached the provider, the provider learns through GetStatus that its
//! response reached the requester.

use time::OffsetDateTime;
use wire::{AsyncProcessingStatus, Version};

use super::journal;
use crate::message_id;
use crate::node::Node;

/// The Sender mnemonic of status messages the node produces itself, as SMEV
/// writes it (brief §1.7).
const SMEV: &str = "smev";

/// Category of a request the provider has taken (`accepted`) or refused
/// because ЭП-СМЭВ failed.
fn request_category(accepted: bool) -> &'static str {
    if accepted {
        "underProcessing"
    } else {
        "requestIsRejectedBySmev"
    }
}

/// Category of a response the requester has taken or refused.
fn response_category(version: Version, accepted: bool) -> &'static str {
    match (version, accepted) {
        (Version::V1_3, true) => "messageIsDelivered",
        (Version::V1_3, false) => "responseIsRejectedBySmev",
        (_, _) => "responseIsDelivered",
    }
}

/// The status to queue when `message` is acked, with its journal entry;
/// `None` for a status (statuses beget no statuses). Queued by the store in
/// the same transaction as the ack itself.
pub(crate) fn follow_up(
    node: &Node,
    message: &store::Message,
    accepted: bool,
    now: OffsetDateTime,
) -> Option<(store::Message, store::JournalEntry)> {
    match message.kind {
        store::MessageKind::Request => Some(request_taken(node, message, accepted, now)),
        store::MessageKind::Response => Some(response_taken(node, message, accepted, now)),
        store::MessageKind::Status => None,
    }
}

/// After the provider acked `request`: a signed status for the
/// requester's response queue.
fn request_taken(
    node: &Node,
    request: &store::Message,
    accepted: bool,
    now: OffsetDateTime,
) -> (store::Message, store::JournalEntry) {
    let version = Version::from_label(&request.schema_version).unwrap_or(Version::V1_3);
    let category = request_category(accepted);
    let details = if accepted {
        "Запрос получен поставщиком"
    } else {
        "Поставщик не принял запрос: ЭП-СМЭВ не прошла проверку"
    };
    let status = AsyncProcessingStatus {
        original_message_id: request.message_id.clone(),
        category: category.to_owned(),
        details: Some(details.to_owned()),
        fault: None,
    };
    let id = message_id::generate(now);
    let to = request.reply_to.clone().unwrap_or_default();
    let content = wire::write_async_status_data(version, &id, &to, &status);
    let signature = node.signer.sign(&content, wire::SMEV_ASYNC_ID);
    let about = StatusAbout {
        message: request,
        queue: store::QueueKind::Responses,
        category,
    };
    status_message(node, &about, id, content, Some(signature), now)
}

/// After an upstream node refused a forwarded `request` with `fault` (the
/// sender's fault): the status SMEV gives a consumer for an asynchronous
/// failure (brief §1.7, §1.9), `requestIsRejectedBySmev` with the typed
/// `SmevFault`, signed by this node, for the requester's response queue.
pub(crate) fn rejected_upstream(
    node: &Node,
    request: &store::Message,
    fault: &wire::Fault,
    now: OffsetDateTime,
) -> (store::Message, store::JournalEntry) {
    let version = Version::from_label(&request.schema_version).unwrap_or(Version::V1_3);
    let category = "requestIsRejectedBySmev";
    let details: String = fault.faultstring.chars().take(500).collect();
    let status = AsyncProcessingStatus {
        original_message_id: request.message_id.clone(),
        category: category.to_owned(),
        details: Some(details),
        fault: Some(fault.clone()),
    };
    let id = message_id::generate(now);
    let to = request.reply_to.clone().unwrap_or_default();
    let content = wire::write_async_status_data(version, &id, &to, &status);
    let signature = node.signer.sign(&content, wire::SMEV_ASYNC_ID);
    let about = StatusAbout {
        message: request,
        queue: store::QueueKind::Responses,
        category,
    };
    let (message, mut entry) = status_message(node, &about, id, content, Some(signature), now);
    entry.fault_code = fault.kind.element_name().map(str::to_owned);
    (message, entry)
}

/// After the requester acked `response`: a status for the provider's
/// status queue, read with GetStatus.
fn response_taken(
    node: &Node,
    response: &store::Message,
    accepted: bool,
    now: OffsetDateTime,
) -> (store::Message, store::JournalEntry) {
    let version = Version::from_label(&response.schema_version).unwrap_or(Version::V1_3);
    let category = response_category(version, accepted);
    let details = if accepted {
        "Ответ получен потребителем"
    } else {
        "Потребитель не принял ответ: ЭП-СМЭВ не прошла проверку"
    };
    let id = message_id::generate(now);
    let about = StatusAbout {
        message: response,
        queue: store::QueueKind::Statuses,
        category,
    };
    status_message(node, &about, id, details.to_owned(), None, now)
}

/// What a status is about: the acked message, which queue of its sender
/// the status goes to, and the category.
struct StatusAbout<'a> {
    message: &'a store::Message,
    queue: store::QueueKind,
    category: &'static str,
}

/// A status for the sender of `about.message`, and its journal entry.
fn status_message(
    node: &Node,
    about: &StatusAbout<'_>,
    id: String,
    content: String,
    signature: Option<String>,
    now: OffsetDateTime,
) -> (store::Message, store::JournalEntry) {
    let origin = about.message;
    let queue = store::QueueId::new(origin.sender.as_str(), about.queue);
    let kind = store::MessageKind::Status;
    let entry = journal(
        node,
        now,
        "Status",
        kind,
        about.category,
        &id,
        SMEV,
        &origin.sender,
    );
    let message = store::Message {
        message_id: id,
        kind,
        schema_version: origin.schema_version.clone(),
        queue,
        sender: SMEV.to_owned(),
        recipient: origin.sender.clone(),
        payload: origin.payload.clone(),
        reply_to: None,
        original_message_id: Some(origin.message_id.clone()),
        content,
        signature,
        status: about.category.to_owned(),
        test: origin.test,
        sent_at: now,
    };
    (message, entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_exist_in_their_versions() {
        assert_eq!(request_category(true), "underProcessing");
        assert_eq!(request_category(false), "requestIsRejectedBySmev");
        assert_eq!(
            response_category(Version::V1_1, true),
            "responseIsDelivered"
        );
        assert_eq!(response_category(Version::V1_3, true), "messageIsDelivered");
        for (version, values) in [
            (
                Version::V1_1,
                wire::names::v1_1::INTERACTION_STATUS_TYPE_VALUES,
            ),
            (
                Version::V1_2,
                wire::names::v1_2::INTERACTION_STATUS_TYPE_VALUES,
            ),
            (
                Version::V1_3,
                wire::names::v1_3::INTERACTION_STATUS_TYPE_VALUES,
            ),
        ] {
            for accepted in [true, false] {
                let category = response_category(version, accepted);
                assert!(values.contains(&category), "{category} in {version:?}");
                assert!(values.contains(&request_category(accepted)), "{version:?}");
            }
        }
    }
}
