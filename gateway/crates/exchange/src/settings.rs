//! Tunable rules of the exchange: time windows, quotas, redelivery.

use time::Duration;

/// How the node judges time-dependent input and paces its queues.
#[derive(Debug, Clone)]
pub struct Settings {
    /// This node's name in the journal and in fault `Code` locators.
    pub node_id: String,
    /// A MessageID whose embedded instant is older than this is stale
    /// (`StaleMessageId`). SMEV's own wording implies about two days.
    pub stale_message_id_after: Duration,
    /// Selector and status `Timestamp`s further than this from now, either
    /// way, are refused with `InvalidContent`.
    pub timestamp_window: Duration,
    /// Pending messages one queue may hold (`DestinationOverflow` beyond).
    pub queue_quota: u64,
    /// A taken but unacknowledged message is delivered again after this.
    pub redelivery_after: Duration,
    /// `DestinationName` written into 1.1/1.2 MessageMetadata.
    pub destination_name: String,
    /// Mnemonics of the systems whose response queue the node polls and
    /// acks itself (see [`crate::auto_poll`]); only those with a key count.
    pub auto_poll: Vec<String>,
}

// === impl Settings ===

impl Default for Settings {
    fn default() -> Self {
        Settings {
            node_id: "smevgate".to_owned(),
            stale_message_id_after: Duration::days(2),
            timestamp_window: Duration::minutes(10),
            queue_quota: 1000,
            redelivery_after: Duration::minutes(5),
            destination_name: "unknown".to_owned(),
            auto_poll: Vec::new(),
        }
    }
}
