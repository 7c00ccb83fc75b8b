//! What the node's delivery workers (crate `delivery`, issue #3) ask of the
//! exchange, so that no SMEV rule is written twice: the envelope a push
//! endpoint receives (the same GetRequestResponse/GetResponseResponse a
//! polling ИС gets), the Ack path with its follow-up status, and for an
//! upstream node the forwarded SendRequest, the settlement of a forwarded
//! or refused request, the signed GetResponse/Ack on behalf of an ИС, and
//! the filing of the answers it hands back.
//!
//! Forwarding signs the stored `SenderProvidedRequestData` again with the
//! sending ИС's key when the node holds it (`InformationSystem::signing`);
//! otherwise it forwards the stored ЭП-ОВ unchanged, which stays valid
//! because the fragment is stored in exclusive c14n and is self-contained.

use time::OffsetDateTime;
use wire::{Operation, Version};

use crate::error::ExchangeError;
use crate::node::Node;
use crate::ops::{self, status};

/// Journal operation of an answer filed from an upstream node.
pub const OP_UPSTREAM_ANSWER: &str = "UpstreamAnswer";

/// The version a stored message came in with.
fn version_of(message: &store::Message) -> Version {
    Version::from_label(&message.schema_version).unwrap_or(Version::V1_3)
}

// === impl Node ===

impl Node {
    /// The envelope that hands `stored` out, signed with ЭП-СМЭВ, in the
    /// version it came in with, and its SOAPAction: what the push worker
    /// POSTs to an ИС.
    pub fn delivery_envelope(&self, stored: &store::StoredMessage) -> (String, &'static str) {
        let version = version_of(&stored.message);
        let operation = match stored.message.kind {
            store::MessageKind::Request => Operation::GetRequest,
            _ => Operation::GetResponse,
        };
        let body = ops::delivered_envelope(self, stored, version);
        (body, operation.soap_action())
    }

    /// Settles `stored` as its owner's Ack would (`accepted`), with the
    /// same follow-up status in the same transaction.
    ///
    /// # Errors
    /// [`ExchangeError::Store`].
    pub async fn settle_delivered(
        &self,
        stored: &store::StoredMessage,
        accepted: bool,
    ) -> Result<store::AckOutcome, ExchangeError> {
        let message = &stored.message;
        let now = self.clock.now();
        let owner = message.queue.owner.as_str();
        ops::settle(
            self,
            owner,
            &message.message_id,
            Some(stored),
            accepted,
            now,
        )
        .await
    }

    /// The SendRequestRequest that forwards the stored request upstream.
    ///
    /// # Errors
    /// [`ExchangeError::Internal`] when the stored fragment has no `Id`, or
    /// neither a held key nor a stored signature can sign it.
    pub fn forward_envelope(&self, stored: &store::StoredMessage) -> Result<String, ExchangeError> {
        let message = &stored.message;
        let data = message.content.as_str();
        let id = fragment_id(data)?;
        let registry = self.registry();
        let held = registry
            .system(&message.sender)
            .and_then(|system| system.signing.clone());
        let signature = match held {
            Some(identity) => dsig::sign_element(data, &id, &identity.0, &identity.1)
                .map_err(|e| ExchangeError::Internal(format!("signing for upstream: {e}")))?,
            None => message.signature.clone().ok_or_else(|| {
                ExchangeError::Internal("no key and no stored signature to forward".into())
            })?,
        };
        let sign = move |_: &str, _: &str| signature.clone();
        Ok(wire::write_send_request_of(
            version_of(message),
            data,
            &id,
            Some(&sign),
        ))
    }

    /// After the upstream took a forwarded request: settles it here (no
    /// status follows: the upstream sends its own) and journals
    /// [`store::delivery::OP_FORWARDED`] with the upstream's address, in
    /// one store transaction.
    ///
    /// # Errors
    /// [`ExchangeError::Store`].
    pub async fn settle_forwarded(
        &self,
        stored: &store::StoredMessage,
        upstream: &str,
    ) -> Result<bool, ExchangeError> {
        let message = &stored.message;
        let now = self.clock.now();
        let mut entry = forward_entry(self, message, now, "requestIsQueued");
        entry.detail = format!("to {upstream}");
        self.settle_journaled(message, true, None, entry).await
    }

    /// After the upstream refused a forwarded request with a fault that is
    /// the sender's: rejects it here and, in the same transaction, queues a
    /// `requestIsRejectedBySmev` status with the typed `SmevFault` for the
    /// requester and journals the fault on the request.
    ///
    /// # Errors
    /// [`ExchangeError::Store`].
    pub async fn reject_forwarded(
        &self,
        stored: &store::StoredMessage,
        upstream: &str,
        fault: &wire::Fault,
    ) -> Result<bool, ExchangeError> {
        let message = &stored.message;
        let now = self.clock.now();
        let follow_up = status::rejected_upstream(self, message, fault, now);
        let mut entry = forward_entry(self, message, now, "requestIsRejectedBySmev");
        entry.fault_code = fault.kind.element_name().map(str::to_owned);
        entry.detail = format!("refused by {upstream}: {}", fault.faultstring);
        self.settle_journaled(message, false, Some(follow_up), entry)
            .await
    }

    /// Settles `message` with `follow_up` and `entry` in one transaction;
    /// `false` when it was no longer pending.
    async fn settle_journaled(
        &self,
        message: &store::Message,
        accepted: bool,
        follow_up: Option<(store::Message, store::JournalEntry)>,
        entry: store::JournalEntry,
    ) -> Result<bool, ExchangeError> {
        let (owner, id) = (message.queue.owner.as_str(), message.message_id.as_str());
        let node_id = self.settings.node_id.as_str();
        let now = entry.at;
        let outcome = self
            .store
            .ack_journaled(owner, id, accepted, now, node_id, follow_up, entry)
            .await
            .map_err(ExchangeError::Store)?;
        let settled = matches!(outcome, store::AckOutcome::Acked(_));
        if settled {
            self.quota.release(&message.queue);
        }
        Ok(settled)
    }

    /// A GetResponseRequest (any type) signed with `system`'s key, to poll
    /// an upstream node on its behalf.
    ///
    /// # Errors
    /// [`ExchangeError::Internal`] when the node holds no key of `system`.
    pub fn upstream_poll_envelope(
        &self,
        system: &str,
        version: Version,
    ) -> Result<String, ExchangeError> {
        let timestamp = ops::xs_datetime(self.clock.now());
        let input = wire::SelectorInput {
            id: "SIGNED_BY_CALLER",
            message_type: None,
            timestamp: &timestamp,
            node_id: None,
        };
        let identity = self.signing_identity(system)?;
        let sign = |xml: &str, id: &str| sign_as(&identity, xml, id);
        Ok(wire::write_get_response_request(
            version,
            &input,
            Some(&sign),
        ))
    }

    /// An AckRequest for `message_id`, signed with `system`'s key.
    ///
    /// # Errors
    /// [`ExchangeError::Internal`] when the node holds no key of `system`.
    pub fn upstream_ack_envelope(
        &self,
        system: &str,
        version: Version,
        message_id: &str,
    ) -> Result<String, ExchangeError> {
        let identity = self.signing_identity(system)?;
        let sign = |xml: &str, id: &str| sign_as(&identity, xml, id);
        let id = "SIGNED_BY_CALLER";
        Ok(wire::write_ack_request(
            version,
            id,
            message_id,
            true,
            Some(&sign),
        ))
    }

    /// The systems whose key the node holds: those it polls upstream for.
    pub fn systems_with_keys(&self) -> Vec<String> {
        let registry = self.registry();
        let held = registry.systems().iter().filter(|s| s.signing.is_some());
        held.map(|s| s.mnemonic.clone()).collect()
    }

    fn signing_identity(
        &self,
        system: &str,
    ) -> Result<std::sync::Arc<crate::SigningIdentity>, ExchangeError> {
        let registry = self.registry();
        let found = registry.system(system).and_then(|s| s.signing.clone());
        found.ok_or_else(|| ExchangeError::Internal(format!("no key of `{system}` is held")))
    }

    /// Files a Response (or status) an upstream node handed `system` in its
    /// local response queue, as an answer to the original request (same
    /// original message id), so GetResponse here hands it out. Returns the
    /// id to Ack upstream: only once it is stored (or was already). An
    /// answer to no request this node forwarded for `system` is not ours:
    /// `None`, and it stays upstream, unacked, for whoever polls there.
    ///
    /// # Errors
    /// [`ExchangeError::Store`], or [`ExchangeError::Internal`] for a reply
    /// that cannot be canonicalised.
    pub async fn file_upstream_answer(
        &self,
        system: &str,
        reply: &wire::Reply,
    ) -> Result<Option<String>, ExchangeError> {
        let wire::ReplyKind::Response(response) = &reply.kind else {
            return Ok(None);
        };
        let Some(ack_id) = response.metadata.message_id.clone() else {
            return Err(ExchangeError::Internal(
                "upstream answer without MessageId".into(),
            ));
        };
        let original = match &response.original_message_id {
            Some(id) => self.store.get(id).await.map_err(ExchangeError::Store)?,
            None => None,
        };
        let Some(original) = original.filter(|o| o.message.sender == system) else {
            tracing::warn!(message_id = %ack_id, system, "upstream answer to an unknown request left upstream");
            return Ok(None);
        };
        let now = self.clock.now();
        let message = answer_message(self, system, reply, response, &original.message, now)?;
        let mut entry = forward_entry(self, &message, now, &message.status.clone());
        entry.operation = OP_UPSTREAM_ANSWER.to_owned();
        entry.detail = format!("answers {}", original.message.message_id);
        match self.store.enqueue(message, entry, u64::MAX).await {
            Ok(()) | Err(store::StoreError::Duplicate { .. }) => Ok(Some(ack_id)),
            Err(error) => Err(ExchangeError::Store(error)),
        }
    }
}

/// A journal entry about `message` at `now` with `status`.
fn forward_entry(
    node: &Node,
    message: &store::Message,
    now: OffsetDateTime,
    status: &str,
) -> store::JournalEntry {
    let operation = store::delivery::OP_FORWARDED;
    ops::journal(
        node,
        now,
        operation,
        message.kind,
        status,
        &message.message_id,
        &message.sender,
        &message.recipient,
    )
}

/// The local copy of an upstream answer to `original`.
fn answer_message(
    node: &Node,
    system: &str,
    reply: &wire::Reply,
    response: &wire::ReceivedResponse,
    original: &store::Message,
    now: OffsetDateTime,
) -> Result<store::Message, ExchangeError> {
    let version = reply.version.unwrap_or(Version::V1_3);
    let content = canonical_data(reply, version)?;
    let is_status = matches!(response.data.content, wire::ResponseContent::AsyncStatus(_));
    let (kind, signature) = if is_status {
        let signature = node.signer.sign(&content, wire::SMEV_ASYNC_ID);
        (store::MessageKind::Status, Some(signature))
    } else {
        let signature = sender_signature(reply, response)?;
        (store::MessageKind::Response, signature)
    };
    let metadata = &response.metadata;
    let sender = metadata
        .sender
        .as_ref()
        .map_or("smev", |p| p.mnemonic.as_str());
    Ok(store::Message {
        message_id: response.data.message_id.clone(),
        kind,
        schema_version: version.as_str().to_owned(),
        queue: store::QueueId::new(system, store::QueueKind::Responses),
        sender: sender.to_owned(),
        recipient: system.to_owned(),
        payload: original.payload.clone(),
        reply_to: None,
        original_message_id: Some(original.message_id.clone()),
        content,
        signature,
        status: metadata
            .status
            .clone()
            .unwrap_or_else(|| "responseIsAcceptedBySmev".into()),
        test: original.test,
        sent_at: now,
    })
}

/// `SenderProvidedResponseData` of the reply in exclusive c14n.
fn canonical_data(reply: &wire::Reply, version: Version) -> Result<String, ExchangeError> {
    let target = xml::Target::nth(version.types_ns(), "SenderProvidedResponseData", 0);
    canonical(&reply.xml, &target)
}

/// The `ds:Signature` inside `SenderInformationSystemSignature`, if any,
/// in exclusive c14n.
fn sender_signature(
    reply: &wire::Reply,
    response: &wire::ReceivedResponse,
) -> Result<Option<String>, ExchangeError> {
    let Some(span) = &response.sender_signature else {
        return Ok(None);
    };
    let document = roxmltree::Document::parse(&reply.xml)
        .map_err(|e| ExchangeError::Internal(format!("upstream reply: {e}")))?;
    let index = document
        .descendants()
        .filter(|n| n.has_tag_name((wire::XMLDSIG, "Signature")))
        .position(|n| span.contains(&n.range().start));
    let Some(index) = index else {
        return Ok(None);
    };
    let target = xml::Target::nth(wire::XMLDSIG, "Signature", index);
    canonical(&reply.xml, &target).map(Some)
}

fn canonical(text: &str, target: &xml::Target) -> Result<String, ExchangeError> {
    let internal = |what: &str| ExchangeError::Internal(format!("upstream reply: {what}"));
    let document = xml::Document::parse(text.as_bytes()).map_err(|e| internal(&e.to_string()))?;
    let bytes = document
        .exc_c14n(target, &[])
        .map_err(|e| internal(&e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| internal("c14n is not utf-8"))
}

/// The `Id` of a stored signed fragment's root element.
fn fragment_id(fragment: &str) -> Result<String, ExchangeError> {
    let document = roxmltree::Document::parse(fragment)
        .map_err(|e| ExchangeError::Internal(format!("stored fragment: {e}")))?;
    let id = document.root_element().attribute("Id");
    id.map(str::to_owned)
        .ok_or_else(|| ExchangeError::Internal("stored fragment has no Id".into()))
}

fn sign_as(identity: &crate::SigningIdentity, xml: &str, id: &str) -> String {
    // Signing our own well-formed element cannot fail but for a bug; an
    // empty signature then makes the upstream refuse it visibly.
    dsig::sign_element(xml, id, &identity.0, &identity.1).unwrap_or_default()
}
