//! Auto-poll: for the information systems (ИС) flagged `auto_poll` whose
//! key the node holds, the node itself takes what arrives in the ИС's
//! response queue (responses, rejections, statuses), keeps it for the
//! integration REST API (`GET /api/v1/responses/{id}`) and acks it with the
//! same follow-up an `AckTargetMessage` from the ИС produces.
//!
//! Store, then ack: a crash between the two leaves the message leased, so
//! it is delivered again when the lease runs out; keeping it a second time
//! stores nothing (idempotent on the message id) and the ack follows. Takes
//! go through [`store::Store::take`], so two nodes on one PostgreSQL never
//! hold the same message at once.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use store::integration::{ReceivedResponse, ResponseKind};
use wire::ResponseContent;

use crate::error::ExchangeError;
use crate::node::Node;
use crate::ops;

/// Most messages one pass takes from one queue, so that a busy queue does
/// not starve the others or the shutdown check.
const MAX_PER_PASS: usize = 100;

// === impl Node ===

impl Node {
    /// The systems the node polls for: flagged in the settings, registered,
    /// and with a key the node holds.
    pub fn auto_poll_systems(&self) -> Vec<String> {
        let registry = self.registry();
        self.settings
            .auto_poll
            .iter()
            .filter(|m| registry.system(m).is_some_and(|s| s.signing.is_some()))
            .cloned()
            .collect()
    }

    /// One pass: for every auto-poll system, take, keep and ack what waits
    /// in its response queue; returns how many messages were settled. A
    /// failure ends the pass for that system and is remembered as the
    /// node's last error; the message is delivered again after its lease.
    pub async fn auto_poll_once(&self) -> usize {
        let mut settled = 0;
        for system in self.auto_poll_systems() {
            match self.drain_responses(&system).await {
                Ok(count) => settled += count,
                Err(error) => {
                    tracing::error!(%error, system = %system, "auto-poll failed");
                    self.remember_error(format!("auto-poll {system}: {error}"));
                }
            }
        }
        settled
    }

    /// Keeps `taken`, a message of `owner`'s response queue, for the
    /// integration API; `false` when it was kept before (a redelivery).
    ///
    /// # Errors
    /// [`ExchangeError::Store`] when the store fails.
    pub async fn keep_received(
        &self,
        owner: &str,
        taken: &store::StoredMessage,
    ) -> Result<bool, ExchangeError> {
        let received = received_response(owner, taken, self.clock.now());
        self.store
            .record_received_response(received)
            .await
            .map_err(ExchangeError::Store)
    }

    /// Acks `message_id` of `owner`'s queues as the ИС's own
    /// `AckTargetMessage` would: settled, with the same status for its
    /// sender queued in the same transaction.
    ///
    /// # Errors
    /// [`ExchangeError::TargetMessageIsNotFound`] for a message that is not
    /// `owner`'s, not delivered or already settled; a store failure.
    pub async fn ack_on_behalf(
        &self,
        owner: &str,
        message_id: &str,
        accepted: bool,
    ) -> Result<(), ExchangeError> {
        let target = self
            .store
            .get(message_id)
            .await
            .map_err(ExchangeError::Store)?;
        let now = self.clock.now();
        let outcome = ops::settle(self, owner, message_id, target.as_ref(), accepted, now).await?;
        match outcome {
            store::AckOutcome::Acked(_) => Ok(()),
            store::AckOutcome::NotFound => Err(ExchangeError::TargetMessageIsNotFound(
                message_id.to_owned(),
            )),
        }
    }

    async fn drain_responses(&self, system: &str) -> Result<usize, ExchangeError> {
        let queue = store::QueueId::new(system, store::QueueKind::Responses);
        let lease =
            Duration::try_from(self.settings.redelivery_after).unwrap_or(Duration::from_secs(300));
        let node_id = self.settings.node_id.as_str();
        let mut settled = 0;
        while settled < MAX_PER_PASS {
            let now = self.clock.now();
            let taken = self.store.take(&queue, None, now, lease, node_id).await;
            let Some(taken) = taken.map_err(ExchangeError::Store)? else {
                break;
            };
            let id = taken.message.message_id.clone();
            let fresh = self.keep_received(system, &taken).await?;
            tracing::debug!(message_id = %id, fresh, "auto-poll kept a message");
            self.ack_on_behalf(system, &id, true).await?;
            settled += 1;
        }
        Ok(settled)
    }
}

/// Polls every `every` until `shutdown` resolves; a pass in progress ends
/// first (it stops between messages, never between store and ack).
pub async fn run(node: Arc<Node>, every: Duration, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    tracing::info!(systems = ?node.auto_poll_systems(), "auto-poll started");
    loop {
        node.auto_poll_once().await;
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(every) => {}
        }
    }
    tracing::info!("auto-poll stopped");
}

/// What the API keeps of a taken message: its content choice read from the
/// stored `SenderProvidedResponseData`.
fn received_response(
    owner: &str,
    taken: &store::StoredMessage,
    now: time::OffsetDateTime,
) -> ReceivedResponse {
    let message = &taken.message;
    let mut received = ReceivedResponse {
        message_id: message.message_id.clone(),
        request_message_id: message.original_message_id.clone().unwrap_or_default(),
        system: owner.to_owned(),
        kind: ResponseKind::Status,
        status: None,
        description: None,
        payload: None,
        fields: Vec::new(),
        received_at: now,
    };
    match wire::read_response_block(&message.content) {
        Ok(data) => fill_content(&mut received, &message.content, data.content),
        Err(error) => {
            // Kept as it came rather than lost or redelivered forever.
            tracing::warn!(%error, message_id = %message.message_id, "unreadable response data");
            received.kind = ResponseKind::Response;
            received.description = Some(format!("unreadable response data: {error}"));
            received.payload = Some(message.content.clone());
        }
    }
    received
}

fn fill_content(received: &mut ReceivedResponse, xml: &str, content: ResponseContent) {
    match content {
        ResponseContent::Primary { payload, .. } => {
            received.kind = ResponseKind::Response;
            received.payload = xml.get(payload.span).map(str::to_owned);
        }
        ResponseContent::Rejected(rejections) => {
            received.kind = ResponseKind::Rejection;
            received.status = rejections.first().map(|r| r.code.clone());
            received.description = rejections.first().map(|r| r.description.clone());
            received.fields = rejections
                .into_iter()
                .map(|r| (r.code, r.description))
                .collect();
        }
        ResponseContent::Status(status) => {
            received.status = Some(status.code.to_string());
            received.description = Some(status.description);
            received.fields = status.parameters;
        }
        ResponseContent::AsyncStatus(status) => {
            received.status = Some(status.category);
            received.description = status.details;
            if let Some(fault) = status.fault {
                let element = fault.kind.element_name().unwrap_or("SmevFault").to_owned();
                received.fields.push(("fault".to_owned(), element));
                if let Some(description) = fault.description {
                    received
                        .fields
                        .push(("fault_description".to_owned(), description));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: time::OffsetDateTime = datetime!(2024-03-01 10:00 UTC);

    fn taken(content: &str) -> store::StoredMessage {
        let message = store::Message {
            message_id: "m-1".into(),
            kind: store::MessageKind::Status,
            schema_version: "1.3".into(),
            queue: store::QueueId::new("CONSUMER01", store::QueueKind::Responses),
            sender: "smev".into(),
            recipient: "CONSUMER01".into(),
            payload: store::PayloadName::new("urn:q", "Q"),
            reply_to: None,
            original_message_id: Some("r-1".into()),
            content: content.into(),
            signature: None,
            status: "underProcessing".into(),
            test: false,
            sent_at: NOW,
        };
        let delivery = store::Delivery {
            delivered_at: Some(NOW),
            attempts: 1,
            lease_until: Some(NOW),
            state: store::MessageState::Pending,
        };
        store::StoredMessage { message, delivery }
    }

    fn block(content: &str) -> String {
        format!(
            "<ns2:SenderProvidedResponseData xmlns:ns2=\"urn://x-artefacts-smev-gov-ru/\
             services/message-exchange/types/1.3\" Id=\"A\"><ns2:MessageID>1</ns2:MessageID>\
             <ns2:To>t</ns2:To>{content}</ns2:SenderProvidedResponseData>"
        )
    }

    #[test]
    fn async_status_with_fault_keeps_category_details_and_fault() {
        let xml = block(concat!(
            "<ns2:AsyncProcessingStatus><ns2:OriginalMessageId>r-1</ns2:OriginalMessageId>",
            "<ns2:StatusCategory>requestIsRejectedBySmev</ns2:StatusCategory>",
            "<ns2:StatusDetails>отклонён</ns2:StatusDetails>",
            "<ns2:SmevFault><Code>SMEV-403</Code><Description>плохо</Description></ns2:SmevFault>",
            "</ns2:AsyncProcessingStatus>",
        ));

        let received = received_response("CONSUMER01", &taken(&xml), NOW);

        assert_eq!(received.kind, ResponseKind::Status);
        assert_eq!(received.status.as_deref(), Some("requestIsRejectedBySmev"));
        assert_eq!(received.description.as_deref(), Some("отклонён"));
        assert_eq!(received.fields[0].0, "fault");
        assert_eq!(received.request_message_id, "r-1");
        assert_eq!(received.system, "CONSUMER01");
        assert_eq!(received.payload, None);
    }

    #[test]
    fn business_status_keeps_code_description_and_parameters() {
        let xml = block(concat!(
            "<ns2:RequestStatus><ns2:StatusCode>3</ns2:StatusCode><ns2:StatusParameter>",
            "<ns2:Key>этап</ns2:Key><ns2:Value>2</ns2:Value></ns2:StatusParameter>",
            "<ns2:StatusDescription>в работе</ns2:StatusDescription></ns2:RequestStatus>",
        ));

        let received = received_response("CONSUMER01", &taken(&xml), NOW);

        assert_eq!(received.kind, ResponseKind::Status);
        assert_eq!(received.status.as_deref(), Some("3"));
        assert_eq!(received.description.as_deref(), Some("в работе"));
        assert_eq!(received.fields, [("этап".to_owned(), "2".to_owned())]);
    }

    #[test]
    fn unreadable_content_is_kept_as_it_came() {
        let received = received_response("CONSUMER01", &taken("Ответ получен"), NOW);

        assert_eq!(received.kind, ResponseKind::Response);
        assert_eq!(received.payload.as_deref(), Some("Ответ получен"));
        let description = received.description.unwrap();
        assert!(
            description.starts_with("unreadable response data"),
            "{description}"
        );
    }
}
