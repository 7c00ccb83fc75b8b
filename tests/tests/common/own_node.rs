//! A node the test builds itself, for what the harness's `TestNode` does
//! not offer: a clock the test moves forward, and a store opened on a file
//! the test keeps (to start a second node on it after the first stopped).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use smevgate_tests::{post_raw, HttpReply};
use time::{Duration, OffsetDateTime};

/// A clock that stands still until the test moves it.
#[derive(Debug)]
pub struct StepClock(Mutex<OffsetDateTime>);

/// A running node built by the test; stops when dropped.
pub struct OwnNode {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The node (store access for assertions).
    pub node: Arc<exchange::Node>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
}

// === impl StepClock ===

impl StepClock {
    /// A clock standing at `at`.
    pub fn at(at: OffsetDateTime) -> Arc<StepClock> {
        Arc::new(StepClock(Mutex::new(at)))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().expect("clock lock");
        *now += by;
    }
}

impl exchange::Clock for StepClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().expect("clock lock")
    }
}

// === impl OwnNode ===

impl OwnNode {
    /// Opens the SQLite store at `path` (created when missing).
    pub async fn sqlite_store(path: &Path) -> store::Store {
        let url = format!("sqlite://{}", path.display());
        store::Store::open(&url).await.expect("sqlite store opens")
    }

    /// Starts a node on `127.0.0.1:0` with the fixtures' registry.
    pub async fn start(
        store: store::Store,
        clock: exchange::SharedClock,
        settings: exchange::Settings,
    ) -> OwnNode {
        let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
        let cert = gost::self_signed(&key, "smevgate own test node", None, 30);
        let parts = exchange::NodeParts {
            registry: smevgate_tests::fixtures_registry(),
            store,
            signer: exchange::NodeSigner::new(key, cert),
            clock,
            settings,
            limits: wire::Limits::default(),
        };
        let node = Arc::new(exchange::Node::new(parts).expect("node builds"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = node.clone();
        let served = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            server::run(listener, serving, None, shutdown)
                .await
                .expect("serves");
        });
        OwnNode {
            addr,
            node,
            stop: Some(stop),
            served: Some(served),
        }
    }

    /// POSTs `body` as `text/xml` with SOAPAction `action`.
    pub async fn post(&self, body: impl Into<String>, action: &str) -> HttpReply {
        let headers = [
            ("content-type", "text/xml; charset=utf-8"),
            ("soapaction", action),
        ];
        post_raw(self.addr, "/ws", body.into().into_bytes(), &headers).await
    }

    /// Stops serving and waits until the server task is over.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            served.await.expect("server task ends cleanly");
        }
    }
}

impl Drop for OwnNode {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Sends `request` (raw HTTP/1.1 bytes, `Connection: close`) to `addr` and
/// returns the whole raw answer.
pub async fn raw_http(addr: SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    stream.write_all(request).await.expect("writes");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("reads");
    String::from_utf8_lossy(&answer).into_owned()
}
