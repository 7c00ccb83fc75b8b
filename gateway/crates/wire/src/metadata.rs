//! `MessageMetadata`, the routing block SMEV fills in and signs (brief
//! §1.8): one type for what we write as a node and what we read as a
//! client. Its shape differs per version: 1.1 and 1.2 require
//! `DestinationName` and `SupplementaryData`, 1.3 has neither.

use roxmltree::Node;

use crate::data::{attr, child, required_text, text, DataError};
use crate::version::Version;
use crate::writer::XmlWriter;

/// The `DestinationName` written when none is known (as SMEV's emulators do).
pub const UNKNOWN_DESTINATION: &str = "unknown";

/// `MessageMetadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMetadata {
    /// `@Id`, the ЭП-СМЭВ reference target when this block is signed alone.
    pub id: Option<String>,
    /// `MessageId`: the sender's MessageID.
    pub message_id: Option<String>,
    /// `MessageType`.
    pub message_type: MessageType,
    /// `Sender`.
    pub sender: Option<Party>,
    /// `SendingTimestamp` (xs:dateTime text).
    pub sending_timestamp: String,
    /// `MessageBroker` (1.1 only).
    pub message_broker: Option<String>,
    /// `DestinationName` (1.1/1.2; written as [`UNKNOWN_DESTINATION`] when
    /// absent, never written in 1.3).
    pub destination_name: Option<String>,
    /// `Recipient` (absent for broadcasts).
    pub recipient: Option<Party>,
    /// `SupplementaryData/InteractionType` (1.1/1.2; `NotDetected` when
    /// absent, never written in 1.3).
    pub interaction_type: Option<String>,
    /// `DeliveryTimestamp`.
    pub delivery_timestamp: Option<String>,
    /// `Status`, e.g. `requestIsQueued`.
    pub status: Option<String>,
}

/// `Sender` or `Recipient`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    /// `Mnemonic`.
    pub mnemonic: String,
    /// `HumanReadableName` (required by the 1.1 and 1.3 schemas; the
    /// mnemonic is written when absent).
    pub human_readable_name: Option<String>,
}

/// `MessageType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// `REQUEST`.
    Request,
    /// `BROADCAST`.
    Broadcast,
    /// `RESPONSE`.
    Response,
    /// `CANCEL` (1.1/1.2).
    Cancel,
}

// === impl MessageType ===

impl MessageType {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Request => "REQUEST",
            MessageType::Broadcast => "BROADCAST",
            MessageType::Response => "RESPONSE",
            MessageType::Cancel => "CANCEL",
        }
    }

    /// Parses a wire value.
    pub fn parse(text: &str) -> Option<MessageType> {
        [
            MessageType::Request,
            MessageType::Broadcast,
            MessageType::Response,
            MessageType::Cancel,
        ]
        .into_iter()
        .find(|t| t.as_str() == text.trim())
    }
}

// === impl MessageMetadata ===

impl MessageMetadata {
    /// Metadata with the required fields only.
    pub fn new(message_type: MessageType, sending_timestamp: impl Into<String>) -> Self {
        MessageMetadata {
            id: None,
            message_id: None,
            message_type,
            sender: None,
            sending_timestamp: sending_timestamp.into(),
            message_broker: None,
            destination_name: None,
            recipient: None,
            interaction_type: None,
            delivery_timestamp: None,
            status: None,
        }
    }
}

/// Writes `ns2:MessageMetadata`; `xmlns` are extra attributes put first
/// (namespace declarations when the element is signed standalone).
pub(crate) fn write_metadata(
    w: &mut XmlWriter,
    version: Version,
    md: &MessageMetadata,
    xmlns: &[(&str, &str)],
) {
    let mut attrs = xmlns.to_vec();
    if let Some(id) = &md.id {
        attrs.push(("Id", id));
    }
    w.open("ns2:MessageMetadata", &attrs);
    w.leaf_opt("ns2:MessageId", md.message_id.as_deref());
    w.leaf("ns2:MessageType", md.message_type.as_str());
    if let Some(sender) = &md.sender {
        write_party(w, "ns2:Sender", sender);
    }
    w.leaf("ns2:SendingTimestamp", &md.sending_timestamp);
    if version == Version::V1_1 {
        w.leaf_opt("ns2:MessageBroker", md.message_broker.as_deref());
    }
    if version.has_destination_name() {
        let destination = md
            .destination_name
            .as_deref()
            .unwrap_or(UNKNOWN_DESTINATION);
        w.leaf("ns2:DestinationName", destination);
    }
    if let Some(recipient) = &md.recipient {
        write_party(w, "ns2:Recipient", recipient);
    }
    if version.has_destination_name() {
        let interaction = md.interaction_type.as_deref().unwrap_or("NotDetected");
        w.open("ns2:SupplementaryData", &[]);
        w.leaf("ns2:InteractionType", interaction);
        w.close("ns2:SupplementaryData");
    }
    w.leaf_opt("ns2:DeliveryTimestamp", md.delivery_timestamp.as_deref());
    w.leaf_opt("ns2:Status", md.status.as_deref());
    w.close("ns2:MessageMetadata");
}

fn write_party(w: &mut XmlWriter, name: &str, party: &Party) {
    w.open(name, &[]);
    w.leaf("ns2:Mnemonic", &party.mnemonic);
    let human = party
        .human_readable_name
        .as_deref()
        .unwrap_or(&party.mnemonic);
    w.leaf("ns2:HumanReadableName", human);
    w.close(name);
}

/// Reads `MessageMetadata` leniently (real 1.2 traffic omits fields the
/// schema calls required).
pub(crate) fn read_metadata(node: Node<'_, '_>) -> Result<MessageMetadata, DataError> {
    let type_text = required_text(node, "MessageType")?;
    let message_type = MessageType::parse(&type_text).ok_or(DataError::BadValue {
        element: "MessageType",
        value: type_text,
    })?;
    let interaction_type =
        child(node, "SupplementaryData").and_then(|s| text(s, "InteractionType"));
    Ok(MessageMetadata {
        id: attr(node, "Id"),
        message_id: text(node, "MessageId"),
        message_type,
        sender: child(node, "Sender").map(read_party),
        sending_timestamp: text(node, "SendingTimestamp").unwrap_or_default(),
        message_broker: text(node, "MessageBroker"),
        destination_name: text(node, "DestinationName"),
        recipient: child(node, "Recipient").map(read_party),
        interaction_type,
        delivery_timestamp: text(node, "DeliveryTimestamp"),
        status: text(node, "Status"),
    })
}

fn read_party(node: Node<'_, '_>) -> Party {
    Party {
        mnemonic: text(node, "Mnemonic").unwrap_or_default(),
        human_readable_name: text(node, "HumanReadableName"),
    }
}
