//! The push worker: for every ИС and service whose integration point is
//! `push`, it takes each message of the ИС's request and response queues
//! with a lease, POSTs to the ИС's endpoint exactly the envelope a
//! GetRequest/GetResponse would have handed out (ЭП-СМЭВ included), and
//! treats a 2xx as the Ack (accepted), with the same follow-up status. Any
//! other status, a timeout or a refused connection is a failed attempt.

use std::time::Duration;

use cabinet::PointKind;
use store::{QueueKind, StoredMessage};

use crate::worker::{chain, failure, Route, Stop, Worker};

/// The queues a push endpoint receives: what GetRequest and GetResponse
/// read (statuses of responses stay for GetStatus).
const QUEUES: [QueueKind; 2] = [QueueKind::Requests, QueueKind::Responses];

/// Runs until `stop`.
pub(crate) async fn run(mut worker: Worker, mut stop: Stop) {
    tracing::info!("push worker started");
    loop {
        worker.node.refresh_registry_if_due().await;
        for route in worker.routes(PointKind::Push, &QUEUES) {
            drain(&mut worker, &route, &stop).await;
        }
        if !worker.pause(&mut stop).await {
            break;
        }
    }
    tracing::info!("push worker stopped");
}

/// Delivers up to one batch of `route`'s messages.
async fn drain(worker: &mut Worker, route: &Route, stop: &Stop) {
    for _ in 0..worker.settings.batch {
        if Worker::stopping(stop) {
            return;
        }
        let Some(stored) = worker.take(route).await else {
            return;
        };
        attempt(worker, route, &stored).await;
    }
}

/// One POST of one message.
async fn attempt(worker: &mut Worker, route: &Route, stored: &StoredMessage) {
    let message_id = stored.message.message_id.as_str();
    let (body, action) = worker.node.delivery_envelope(stored);
    let timeout = Duration::from_millis(route.point.timeout_ms);
    let url = route.point.url.as_str();
    let answer = worker.client.post_soap(url, action, body, timeout).await;
    let failed = match answer {
        Ok(answer) if (200..300).contains(&answer.status) => {
            match worker.node.settle_delivered(stored, true).await {
                Ok(_) => tracing::info!(message_id, "pushed"),
                Err(error) => tracing::error!(%error, message_id, "pushed but not settled"),
            }
            return;
        }
        Ok(answer) => failure(format!("http {}", answer.status)),
        Err(error) => failure(chain(&error)),
    };
    worker.fail(stored, &route.point, failed).await;
}
