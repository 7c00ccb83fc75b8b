//! MessageMetadata the node writes: in receipts and in delivered messages.

use time::OffsetDateTime;
use wire::{MessageMetadata, MessageType, Party};

use super::xs_datetime;
use crate::node::Node;

/// Metadata of a SendRequest/SendResponse receipt.
pub(crate) fn receipt_metadata(
    node: &Node,
    message_type: MessageType,
    message_id: &str,
    sender: &str,
    recipient: &str,
    now: OffsetDateTime,
    status: &str,
) -> MessageMetadata {
    let mut metadata = MessageMetadata::new(message_type, xs_datetime(now));
    metadata.message_id = Some(message_id.to_owned());
    metadata.sender = Some(party(node, sender));
    metadata.recipient = Some(party(node, recipient));
    metadata.destination_name = Some(node.settings.destination_name.clone());
    metadata.interaction_type = Some("NotDetected".to_owned());
    metadata.status = Some(status.to_owned());
    metadata
}

/// Metadata of a message handed out by GetRequest/GetResponse.
pub(crate) fn delivery_metadata(node: &Node, stored: &store::StoredMessage) -> MessageMetadata {
    let message = &stored.message;
    let message_type = match message.kind {
        store::MessageKind::Request => MessageType::Request,
        store::MessageKind::Response | store::MessageKind::Status => MessageType::Response,
    };
    let mut metadata = receipt_metadata(
        node,
        message_type,
        &message.message_id,
        &message.sender,
        &message.recipient,
        message.sent_at,
        &message.status,
    );
    metadata.delivery_timestamp = stored.delivery.delivered_at.map(xs_datetime);
    metadata
}

fn party(node: &Node, mnemonic: &str) -> Party {
    let name = node
        .registry()
        .system(mnemonic)
        .map(|s| s.name.clone())
        .filter(|n| !n.is_empty());
    Party {
        mnemonic: mnemonic.to_owned(),
        human_readable_name: name,
    }
}
