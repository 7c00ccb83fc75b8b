//! The upstream worker: for every provider ИС and service whose
//! integration point is `upstream`, it takes each request from the
//! provider's queue here and sends it to the other node's `/ws` as a
//! SendRequest (re-signed with the sending ИС's key the node holds, or with
//! the stored ЭП-ОВ forwarded unchanged; see `exchange::outbound`).
//!
//! - MessageMetadata back (or `MessageIsAlreadySent`: an earlier attempt
//!   got through): settled here, journaled `forwarded`.
//! - A fault that is the sender's (InvalidContent, AccessDenied, a
//!   signature fault, ...): recorded, and mapped back to the consumer as a
//!   `requestIsRejectedBySmev` status with the typed `SmevFault`.
//! - SMEVFailure, DestinationOverflow, a bare `soap:Server`, a non-SOAP
//!   answer (a 5xx page) or a transport error: retried with backoff, then a
//!   dead letter.
//!
//! Then the answers: for each upstream address and each ИС whose key the
//! node holds, GetResponse on its behalf; each Response or status is filed
//! in the ИС's local response queue and only then Acked upstream.
//!
//! FIXME(#3): the upstream's ЭП-СМЭВ on what it hands back is not verified
//! (that needs the upstream's certificate in the point); right is a
//! `certificate` per upstream point checked like a node's own.

use std::time::Duration;

use cabinet::PointKind;
use store::delivery::AttemptFailure;
use store::{QueueKind, StoredMessage};
use wire::{FaultKind, ReplyKind};

use crate::client::HttpAnswer;
use crate::worker::{chain, failure, Route, Stop, Worker};

/// What one forwarding attempt came to.
enum Outcome {
    /// The upstream has it.
    Forwarded,
    /// The upstream refused it for good: the sender's fault.
    Refused(wire::Fault),
    /// Try again later.
    Failed(AttemptFailure),
}

/// Runs until `stop`.
pub(crate) async fn run(mut worker: Worker, mut stop: Stop) {
    tracing::info!("upstream worker started");
    loop {
        worker.node.refresh_registry_if_due().await;
        for route in worker.routes(PointKind::Upstream, &[QueueKind::Requests]) {
            drain(&mut worker, &route, &stop).await;
        }
        poll_answers(&worker).await;
        if !worker.pause(&mut stop).await {
            break;
        }
    }
    tracing::info!("upstream worker stopped");
}

/// Forwards up to one batch of `route`'s requests.
async fn drain(worker: &mut Worker, route: &Route, stop: &Stop) {
    for _ in 0..worker.settings.batch {
        if Worker::stopping(stop) {
            return;
        }
        let Some(stored) = worker.take(route).await else {
            return;
        };
        forward(worker, route, &stored).await;
    }
}

/// One SendRequest to the upstream.
async fn forward(worker: &mut Worker, route: &Route, stored: &StoredMessage) {
    let message_id = stored.message.message_id.as_str();
    let url = route.point.url.as_str();
    let envelope = match worker.node.forward_envelope(stored) {
        Ok(envelope) => envelope,
        Err(error) => {
            // Nothing to retry: the stored message cannot be forwarded.
            let mut point = route.point.clone();
            point.max_attempts = 0;
            worker.fail(stored, &point, failure(chain(&error))).await;
            return;
        }
    };
    let timeout = Duration::from_millis(route.point.timeout_ms);
    let answer = worker
        .client
        .post_soap(url, "urn:SendRequest", envelope, timeout)
        .await;
    let outcome = match answer {
        Ok(answer) => classify(&answer),
        Err(error) => Outcome::Failed(failure(chain(&error))),
    };
    let settled = match outcome {
        Outcome::Forwarded => worker.node.settle_forwarded(stored, url).await,
        Outcome::Refused(fault) => {
            tracing::info!(message_id, fault = ?fault.kind.element_name(), "upstream refused");
            worker.node.reject_forwarded(stored, url, &fault).await
        }
        Outcome::Failed(failed) => {
            worker.fail(stored, &route.point, failed).await;
            return;
        }
    };
    if let Err(error) = settled {
        tracing::error!(%error, message_id, "forwarded but not settled");
    }
}

/// What the upstream's answer to a SendRequest means.
fn classify(answer: &HttpAnswer) -> Outcome {
    let reply = match wire::read_reply(answer.status, &answer.content_type, &answer.body) {
        Ok(reply) => reply,
        Err(error) => return Outcome::Failed(failure(format!("http {}: {error}", answer.status))),
    };
    match reply.kind {
        ReplyKind::Receipt { .. } => Outcome::Forwarded,
        ReplyKind::Fault(fault) => classify_fault(fault),
        _ => Outcome::Failed(failure(format!("http {}: not a receipt", answer.status))),
    }
}

/// SMEV's retry rules for a SendRequest fault (brief §1.9).
fn classify_fault(fault: wire::Fault) -> Outcome {
    match fault.kind {
        FaultKind::MessageIsAlreadySent => Outcome::Forwarded,
        FaultKind::SmevFailure | FaultKind::DestinationOverflow { .. } | FaultKind::Server => {
            let code = fault.kind.element_name().map_or("soap:Server", |name| name);
            Outcome::Failed(AttemptFailure {
                error: format!("upstream fault {code}"),
                fault_code: Some(code.to_owned()),
            })
        }
        _ => Outcome::Refused(fault),
    }
}

/// For each upstream address and each ИС with a held key: GetResponse,
/// file, Ack, until the upstream queue is empty or one batch is done.
async fn poll_answers(worker: &Worker) {
    let registry = worker.node.registry();
    let mut upstreams: Vec<(String, u64)> = registry
        .points()
        .iter()
        .filter(|p| p.kind == PointKind::Upstream)
        .map(|p| (p.url.clone(), p.timeout_ms))
        .collect();
    upstreams.sort();
    upstreams.dedup_by(|a, b| a.0 == b.0);
    for (url, timeout_ms) in &upstreams {
        let timeout = Duration::from_millis(*timeout_ms);
        for system in worker.node.systems_with_keys() {
            for _ in 0..worker.settings.batch {
                if !answer_once(worker, url, &system, timeout).await {
                    break;
                }
            }
        }
    }
}

/// One GetResponse for `system` at `url`; `true` when a message was filed
/// (so there may be more).
async fn answer_once(worker: &Worker, url: &str, system: &str, timeout: Duration) -> bool {
    let version = worker.settings.upstream_version;
    let node = &worker.node;
    let Ok(envelope) = node.upstream_poll_envelope(system, version) else {
        return false;
    };
    let answer = worker
        .client
        .post_soap(url, "urn:GetResponse", envelope, timeout)
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => {
            tracing::warn!(error = %chain(&error), url, system, "upstream poll failed");
            return false;
        }
    };
    let reply = match wire::read_reply(answer.status, &answer.content_type, &answer.body) {
        Ok(reply) => reply,
        Err(error) => {
            tracing::warn!(%error, url, system, "upstream poll answer unreadable");
            return false;
        }
    };
    if let ReplyKind::Fault(fault) = &reply.kind {
        tracing::warn!(fault = ?fault.kind.element_name(), url, system, "upstream poll refused");
        return false;
    }
    let ack_id = match node.file_upstream_answer(system, &reply).await {
        Ok(Some(id)) => id,
        Ok(None) => return false,
        Err(error) => {
            tracing::error!(%error, url, system, "upstream answer not filed");
            return false;
        }
    };
    ack(worker, url, system, &ack_id, timeout).await
}

/// Acks a filed answer upstream; `false` when the Ack did not go through
/// (the upstream hands the answer out again; filing it twice is refused
/// as a duplicate and it is Acked then).
async fn ack(
    worker: &Worker,
    url: &str,
    system: &str,
    message_id: &str,
    timeout: Duration,
) -> bool {
    let version = worker.settings.upstream_version;
    let Ok(envelope) = worker
        .node
        .upstream_ack_envelope(system, version, message_id)
    else {
        return false;
    };
    let answer = worker
        .client
        .post_soap(url, "urn:Ack", envelope, timeout)
        .await;
    match answer {
        Ok(answer) if answer.status == 200 => true,
        Ok(answer) => {
            tracing::warn!(
                status = answer.status,
                url,
                message_id,
                "upstream ack refused"
            );
            false
        }
        Err(error) => {
            tracing::warn!(error = %chain(&error), url, message_id, "upstream ack failed");
            false
        }
    }
}
