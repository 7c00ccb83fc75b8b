//! `smevgate load`: signed SendRequest throughput and latency against a
//! node, over SOAP or through the integration REST API.
//!
//! Over SOAP, all envelopes are built and signed (ЭП-ОВ, a fresh UUID v1
//! MessageID each) before the clock starts, so the run measures the node,
//! not our signer. Through the REST API (`--api-token`), each request is a
//! `POST /api/v1/requests` JSON body with a fresh `client_id`, and the node
//! itself builds and signs the SendRequest with the ИС key it holds, so
//! the run measures that signing too. Either way `clients` tasks share one
//! keep-alive connection pool and take bodies from a common queue until it
//! is empty. The run is bounded by the request count and by [`DEADLINE`];
//! requests still in flight at the deadline are reported as unfinished.

mod report;

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::task::JoinSet;

use super::client::{self, Identity};
use crate::cli::{ClientOperation, LoadArgs};
use crate::config::Config;
use crate::soap_client::{HttpReply, SoapClient};
use report::{Outcome, Report, Sample};

/// Longest a whole run may take once the clock has started.
const DEADLINE: Duration = Duration::from_secs(300);

/// Schema version the load speaks.
const VERSION: wire::Version = wire::Version::V1_3;

/// Path of the integration API's send route under the node's base URL.
const REST_SEND_PATH: &str = "/api/v1/requests";

/// The bodies not yet sent, shared by the client tasks.
type Queue = Arc<Mutex<Vec<String>>>;

/// Where the load goes.
#[derive(Clone)]
enum Channel {
    /// Signed SendRequest envelopes to the SOAP endpoint.
    Soap,
    /// JSON bodies to `POST /api/v1/requests` with this bearer token.
    Rest { token: Arc<str> },
}

/// Prepares, runs and reports one load.
pub async fn run(args: LoadArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.clients > 0, "--clients must be at least 1");
    let prepare_start = Instant::now();
    let (client, channel, bodies) = match &args.api_token {
        None => {
            let config = Config::load(&args.config)?;
            let identity = Identity::load(&config, &args.system)?;
            let client = SoapClient::new(&args.target)?;
            let envelopes = prepare(identity, args.payload.clone(), args.requests).await?;
            (client, Channel::Soap, envelopes)
        }
        Some(token) => {
            let target = format!("{}{REST_SEND_PATH}", args.target.trim_end_matches('/'));
            let client = SoapClient::new(&target)?;
            let token = Arc::from(token.as_str());
            let bodies = rest_bodies(&args)?;
            (client, Channel::Rest { token }, bodies)
        }
    };
    eprintln!(
        "smevgate load: {} requests prepared in {:.1} s; sending with {} clients to {}",
        bodies.len(),
        prepare_start.elapsed().as_secs_f64(),
        args.clients,
        args.target
    );

    let (samples, elapsed) = drive(client, channel, bodies, args.clients).await;
    let report = Report::new(args.requests, &samples, elapsed);
    out!("{report}");
    Ok(if report.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Builds and signs `count` SendRequest envelopes on every core.
async fn prepare(
    identity: Identity,
    payload: std::path::PathBuf,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let work = move || {
        let operation = ClientOperation::SendRequest {
            payload,
            test: false,
        };
        let share = count.div_ceil(threads.max(1));
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|i| {
                    let n = share.min(count.saturating_sub(i * share));
                    let (operation, identity) = (&operation, &identity);
                    scope.spawn(move || build_many(operation, identity, n))
                })
                .collect();
            let mut envelopes = Vec::with_capacity(count);
            for worker in workers {
                let built = worker
                    .join()
                    .map_err(|_| anyhow::anyhow!("signer panicked"))?;
                envelopes.extend(built?);
            }
            Ok(envelopes)
        })
    };
    tokio::task::spawn_blocking(work).await?
}

/// `count` JSON bodies for `POST /api/v1/requests`, each with a fresh
/// idempotency key, so that every one becomes a new message.
fn rest_bodies(args: &LoadArgs) -> anyhow::Result<Vec<String>> {
    let payload = std::fs::read_to_string(&args.payload)
        .with_context(|| format!("cannot read {}", args.payload.display()))?;
    let run = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let bodies = (0..args.requests)
        .map(|i| {
            serde_json::json!({
                "system": args.system,
                "client_id": format!("load-{run}-{i}"),
                "payload": payload,
            })
            .to_string()
        })
        .collect();
    Ok(bodies)
}

fn build_many(
    operation: &ClientOperation,
    identity: &Identity,
    n: usize,
) -> anyhow::Result<Vec<String>> {
    (0..n)
        .map(|_| {
            let (envelope, _) = client::build(operation, VERSION, identity)?;
            anyhow::ensure!(!envelope.is_empty(), "the envelope could not be signed");
            Ok(envelope)
        })
        .collect()
}

/// Sends every envelope with `clients` concurrent tasks; returns the
/// samples and the wall time of the run.
async fn drive(
    client: SoapClient,
    channel: Channel,
    bodies: Vec<String>,
    clients: usize,
) -> (Vec<Sample>, Duration) {
    let queue: Queue = Arc::new(Mutex::new(bodies));
    let results = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();

    let mut tasks = JoinSet::new();
    for _ in 0..clients {
        let (client, channel) = (client.clone(), channel.clone());
        tasks.spawn(send_loop(client, channel, queue.clone(), results.clone()));
    }
    let finished = tokio::time::timeout(DEADLINE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        eprintln!("smevgate load: deadline of {DEADLINE:?} reached; stopping");
        tasks.abort_all();
    }
    let elapsed = start.elapsed();

    let samples = std::mem::take(&mut *lock(&results));
    (samples, elapsed)
}

/// One client: takes bodies until the queue is empty.
async fn send_loop(
    client: SoapClient,
    channel: Channel,
    queue: Queue,
    results: Arc<Mutex<Vec<Sample>>>,
) {
    let action = wire::Operation::SendRequest.soap_action();
    loop {
        let Some(body) = lock(&queue).pop() else {
            return;
        };
        let sent = Instant::now();
        let reply = match &channel {
            Channel::Soap => client.post(body, action).await,
            Channel::Rest { token } => client.post_json(body, token).await,
        };
        let outcome = match reply {
            Ok(reply) if matches!(channel, Channel::Rest { .. }) => classify_rest(&reply),
            Ok(reply) => classify(&reply),
            Err(error) => {
                tracing::debug!(error = format!("{error:#}"), "transport error");
                Outcome::Transport
            }
        };
        let sample = Sample {
            outcome,
            latency: sent.elapsed(),
        };
        lock(&results).push(sample);
    }
}

/// Reads the node's answer far enough to tell a receipt from a fault.
fn classify(reply: &HttpReply) -> Outcome {
    let Ok(parsed) = wire::read_reply(reply.status, &reply.content_type, &reply.body) else {
        return Outcome::Unreadable;
    };
    match parsed.kind {
        wire::ReplyKind::Receipt { .. } => Outcome::Ok,
        wire::ReplyKind::Fault(fault) => {
            let code = fault.faultcode.local_name();
            Outcome::Fault(fault.kind.element_name().unwrap_or(code).to_owned())
        }
        _ => Outcome::Unreadable,
    }
}

/// A new message (201) is a success; anything else is named by its HTTP
/// status and, for a refusal the node relays, the SMEV fault element.
fn classify_rest(reply: &HttpReply) -> Outcome {
    if reply.status == 201 {
        return Outcome::Ok;
    }
    let problem: Option<serde_json::Value> = serde_json::from_slice(&reply.body).ok();
    let fault = problem
        .as_ref()
        .and_then(|p| p.get("smev_fault"))
        .and_then(serde_json::Value::as_str);
    match fault {
        Some(fault) => Outcome::Fault(format!("HTTP {} {fault}", reply.status)),
        None => Outcome::Fault(format!("HTTP {}", reply.status)),
    }
}

/// Locks a mutex, ignoring poisoning: the data are plain lists.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
