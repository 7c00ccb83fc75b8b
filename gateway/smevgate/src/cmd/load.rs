//! `smevgate load`: signed SendRequest throughput and latency against a
//! node.
//!
//! All envelopes are built and signed (ЭП-ОВ, a fresh UUID v1 MessageID
//! each) before the clock starts, so the run measures the node, not our
//! signer. Then `clients` tasks share one keep-alive connection pool and
//! take envelopes from a common queue until it is empty. The run is bounded
//! by the request count and by [`DEADLINE`]; requests still in flight at the
//! deadline are reported as unfinished.

mod report;

use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

/// The envelopes not yet sent, shared by the client tasks.
type Queue = Arc<Mutex<Vec<String>>>;

/// Prepares, runs and reports one load.
pub async fn run(args: LoadArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(args.clients > 0, "--clients must be at least 1");
    let config = Config::load(&args.config)?;
    let identity = Identity::load(&config, &args.system)?;
    let client = SoapClient::new(&args.target)?;

    let prepare_start = Instant::now();
    let envelopes = prepare(identity, args.payload.clone(), args.requests).await?;
    eprintln!(
        "smevgate load: {} envelopes signed in {:.1} s; sending with {} clients to {}",
        envelopes.len(),
        prepare_start.elapsed().as_secs_f64(),
        args.clients,
        args.target
    );

    let (samples, elapsed) = drive(client, envelopes, args.clients).await;
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
    envelopes: Vec<String>,
    clients: usize,
) -> (Vec<Sample>, Duration) {
    let queue: Queue = Arc::new(Mutex::new(envelopes));
    let results = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();

    let mut tasks = JoinSet::new();
    for _ in 0..clients {
        tasks.spawn(send_loop(client.clone(), queue.clone(), results.clone()));
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

/// One client: takes envelopes until the queue is empty.
async fn send_loop(client: SoapClient, queue: Queue, results: Arc<Mutex<Vec<Sample>>>) {
    let action = wire::Operation::SendRequest.soap_action();
    loop {
        let Some(envelope) = lock(&queue).pop() else {
            return;
        };
        let sent = Instant::now();
        let outcome = match client.post(envelope, action).await {
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

/// Locks a mutex, ignoring poisoning: the data are plain lists.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
