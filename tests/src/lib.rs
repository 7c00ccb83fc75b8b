//! Shared harness for the end-to-end tests: a node started in-process on
//! `127.0.0.1:0` with either store, the fixtures' information systems as
//! signing clients, and a raw SOAP poster.
//!
//! Every node stops when its [`TestNode`] is dropped; PostgreSQL nodes get
//! a fresh schema that is dropped with them. PostgreSQL tests fail (never
//! skip) when the database is unreachable.

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use time::OffsetDateTime;

/// The PostgreSQL the tests use.
pub const PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Namespace and roots of the fixtures' test ВС.
pub const ECHO_NS: &str = "urn://smevgate.test/echo/1.0.0";
/// Request root of the test ВС.
pub const ECHO_REQUEST: &str = "EchoRequest";
/// Mnemonic of the consumer system.
pub const CONSUMER: &str = "CONSUMER01";
/// Mnemonic of the provider system.
pub const PROVIDER: &str = "PROVIDER01";

/// Which store a test node runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file in a temporary folder.
    Sqlite,
    /// A fresh schema in [`PG_URL`].
    Postgres,
}

/// How to start a node.
#[derive(Clone)]
pub struct NodeOptions {
    /// The store.
    pub backend: Backend,
    /// Pin the node's clock; the system clock when `None`.
    pub clock: Option<OffsetDateTime>,
    /// A clock the test controls (over `clock`), e.g. one it moves forward.
    pub clock_source: Option<exchange::SharedClock>,
    /// Exchange rules.
    pub settings: exchange::Settings,
    /// Envelope limits.
    pub limits: wire::Limits,
    /// Share this PostgreSQL schema (a second node on one database);
    /// a fresh one when `None`.
    pub pg_schema: Option<String>,
    /// Run the auto-poll task (for `settings.auto_poll`) at this pace, as
    /// `smevgate serve` does; not at all when `None`.
    pub auto_poll_every: Option<std::time::Duration>,
    /// Run the push and upstream delivery workers with these settings.
    pub delivery: Option<delivery::DeliverySettings>,
    /// Serve HTTPS with this certificate chain and key (PEM files).
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// A running node; stops when dropped.
pub struct TestNode {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The node itself (store access for assertions).
    pub node: Arc<exchange::Node>,
    /// The PostgreSQL schema, for a second node on the same database.
    pub pg_schema: Option<String>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    stop_poll: Option<tokio::sync::oneshot::Sender<()>>,
    // Dropping it stops the delivery workers.
    _delivery_stop: Option<tokio::sync::watch::Sender<bool>>,
    _dir: Option<tempfile::TempDir>,
    owns_schema: bool,
}

/// An information system of the fixtures, able to sign requests.
pub struct Ims {
    /// Its mnemonic.
    pub mnemonic: &'static str,
    /// Its key.
    pub key: gost::SigningKey,
    /// Its certificate.
    pub cert: gost::Certificate,
}

/// An HTTP answer.
#[derive(Debug)]
pub struct HttpReply {
    /// Status code.
    pub status: u16,
    /// Content-Type.
    pub content_type: String,
    /// Body text (lossy UTF-8).
    pub body: String,
}

/// The repository's `fixtures/` folder.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

// === impl NodeOptions ===

impl NodeOptions {
    /// Defaults for `backend`.
    pub fn new(backend: Backend) -> NodeOptions {
        NodeOptions {
            backend,
            clock: None,
            clock_source: None,
            settings: exchange::Settings {
                node_id: "test-node".to_owned(),
                ..exchange::Settings::default()
            },
            limits: wire::Limits::default(),
            pg_schema: None,
            auto_poll_every: None,
            delivery: None,
            tls: None,
        }
    }
}

// === impl TestNode ===

impl TestNode {
    /// Starts a node with default options.
    pub async fn start(backend: Backend) -> TestNode {
        TestNode::start_with(NodeOptions::new(backend)).await
    }

    /// Starts a node on `127.0.0.1:0`.
    ///
    /// # Panics
    /// When the store cannot be opened (PostgreSQL down included).
    pub async fn start_with(options: NodeOptions) -> TestNode {
        let (store, dir, pg_schema, owns_schema) = open_store(&options).await;
        let clock: exchange::SharedClock = match (&options.clock_source, options.clock) {
            (Some(source), _) => Arc::clone(source),
            (None, Some(at)) => Arc::new(exchange::FixedClock(at)),
            (None, None) => Arc::new(exchange::SystemClock),
        };
        let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
        let cert = gost::self_signed(&key, "smevgate test node", None, 30);
        let parts = exchange::NodeParts {
            registry: fixtures_registry(),
            store,
            signer: exchange::NodeSigner::new(key, cert),
            clock,
            settings: options.settings.clone(),
            limits: options.limits,
        };
        let node = Arc::new(exchange::Node::new(parts).expect("node builds"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = node.clone();
        let tls = options
            .tls
            .as_ref()
            .map(|(cert, key)| server::load_tls(cert, key).expect("test tls loads"));
        tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            let _ = server::run(listener, serving, tls, shutdown).await;
        });
        let delivery_stop = options.delivery.clone().map(|settings| {
            let (sender, stopped) = tokio::sync::watch::channel(false);
            delivery::start(node.clone(), settings, stopped).expect("delivery workers start");
            sender
        });
        let stop_poll = options.auto_poll_every.map(|every| {
            let (stop_poll, poll_stopped) = tokio::sync::oneshot::channel::<()>();
            let shutdown = async {
                let _ = poll_stopped.await;
            };
            tokio::spawn(exchange::auto_poll::run(node.clone(), every, shutdown));
            stop_poll
        });
        TestNode {
            addr,
            node,
            pg_schema,
            stop: Some(stop),
            stop_poll,
            _delivery_stop: delivery_stop,
            _dir: dir,
            owns_schema,
        }
    }

    /// The SOAP endpoint URL.
    pub fn url(&self) -> String {
        format!("http://{}/ws", self.addr)
    }

    /// POSTs `body` as `text/xml` with SOAPAction `action`.
    pub async fn post(&self, body: impl Into<String>, action: &str) -> HttpReply {
        let headers = [
            ("content-type", "text/xml; charset=utf-8"),
            ("soapaction", action),
        ];
        post_raw(self.addr, "/ws", body.into().into_bytes(), &headers).await
    }

    /// Stops the node and drops its PostgreSQL schema (if it made one).
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stop) = self.stop_poll.take() {
            let _ = stop.send(());
        }
        if let (true, Some(schema)) = (self.owns_schema, self.pg_schema.take()) {
            let _ = store::Store::drop_postgres_schema(PG_URL, &schema).await;
        }
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stop) = self.stop_poll.take() {
            let _ = stop.send(());
        }
        // A schema this node made is dropped even when the test never
        // called `stop` (a panic, an early return), on a thread of its own
        // because Drop cannot await.
        if let (true, Some(schema)) = (self.owns_schema, self.pg_schema.take()) {
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    let _ = runtime.block_on(store::Store::drop_postgres_schema(PG_URL, &schema));
                }
            })
            .join();
        }
    }
}

async fn open_store(
    options: &NodeOptions,
) -> (
    store::Store,
    Option<tempfile::TempDir>,
    Option<String>,
    bool,
) {
    match options.backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("node.db").display());
            let store = store::Store::open(&url).await.expect("sqlite store opens");
            (store, Some(dir), None, false)
        }
        Backend::Postgres => {
            let (schema, owns) = match &options.pg_schema {
                Some(schema) => (schema.clone(), false),
                None => (format!("e2e_{:016x}", rand::random::<u64>()), true),
            };
            let store = store::Store::open_postgres_schema(PG_URL, &schema)
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL at {PG_URL} is needed by this test ({e}); start it with \
                         `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
                    )
                });
            (store, None, Some(schema), owns)
        }
    }
}

/// The registry of `fixtures/node.toml`: two systems and the echo ВС.
pub fn fixtures_registry() -> exchange::Registry {
    let systems = [CONSUMER, PROVIDER]
        .into_iter()
        .map(|mnemonic| {
            let ims = Ims::load(mnemonic);
            exchange::InformationSystem {
                mnemonic: mnemonic.to_owned(),
                name: format!("test {mnemonic}"),
                certificates: vec![ims.cert.clone()],
                signing: Some(Arc::new((ims.key, ims.cert))),
            }
        })
        .collect();
    let schema_dir = fixtures_dir().join("schemas");
    let schema = xml::SchemaSet::compile_dir(&schema_dir, "echo-1.0.0.xsd").expect("echo xsd");
    let service = exchange::Service {
        name: "echo".to_owned(),
        namespace: ECHO_NS.to_owned(),
        root: ECHO_REQUEST.to_owned(),
        provider: PROVIDER.to_owned(),
        schema: Arc::new(schema),
        personal_signature_required: false,
    };
    exchange::Registry::new(systems, vec![service]).expect("registry")
}

// === impl Ims ===

impl Ims {
    /// The consumer system of the fixtures.
    pub fn consumer() -> Ims {
        Ims::load(CONSUMER)
    }

    /// The provider system of the fixtures.
    pub fn provider() -> Ims {
        Ims::load(PROVIDER)
    }

    fn load(mnemonic: &str) -> Ims {
        let folder = match mnemonic {
            CONSUMER => "consumer",
            PROVIDER => "provider",
            other => panic!("no fixtures keys for {other}"),
        };
        let dir = fixtures_dir().join("keys").join(folder);
        let key = std::fs::read_to_string(dir.join("key.pem")).expect("key.pem");
        let cert = std::fs::read_to_string(dir.join("cert.pem")).expect("cert.pem");
        Ims {
            mnemonic: if mnemonic == CONSUMER {
                CONSUMER
            } else {
                PROVIDER
            },
            key: gost::SigningKey::from_pkcs8_pem(&key).expect("key"),
            cert: gost::Certificate::from_pem(&cert).expect("cert"),
        }
    }

    /// Signs a standalone element (for the wire request builders).
    pub fn sign(&self, element: &str, id: &str) -> String {
        dsig::sign_element(element, id, &self.key, &self.cert).expect("signing works")
    }

    /// A signed SendRequestRequest carrying `payload`.
    pub fn send_request(&self, version: wire::Version, message_id: &str, payload: &str) -> String {
        let input = wire::RequestInput {
            id: "SIGNED_BY_CALLER",
            message_id,
            reference_message_id: None,
            transaction_code: None,
            node_id: None,
            eol: None,
            payload,
            personal_signature: None,
            attachment_headers: &[],
            test_message: false,
        };
        let sign = |e: &str, id: &str| self.sign(e, id);
        wire::write_send_request_request(version, &input, &[], Some(&sign))
    }

    /// A signed GetRequestRequest (any type) stamped `now`.
    pub fn get_request(&self, version: wire::Version, now: OffsetDateTime) -> String {
        let timestamp = xs_datetime(now);
        let input = wire::SelectorInput {
            id: "SIGNED_BY_CALLER",
            message_type: None,
            timestamp: &timestamp,
            node_id: None,
        };
        let sign = |e: &str, id: &str| self.sign(e, id);
        wire::write_get_request_request(version, &input, Some(&sign))
    }

    /// A signed GetResponseRequest (any type) stamped `now`.
    pub fn get_response(&self, version: wire::Version, now: OffsetDateTime) -> String {
        let timestamp = xs_datetime(now);
        let input = wire::SelectorInput {
            id: "SIGNED_BY_CALLER",
            message_type: None,
            timestamp: &timestamp,
            node_id: None,
        };
        let sign = |e: &str, id: &str| self.sign(e, id);
        wire::write_get_response_request(version, &input, Some(&sign))
    }

    /// A signed AckRequest.
    pub fn ack(&self, version: wire::Version, message_id: &str, accepted: bool) -> String {
        let sign = |e: &str, id: &str| self.sign(e, id);
        wire::write_ack_request(
            version,
            "SIGNED_BY_CALLER",
            message_id,
            accepted,
            Some(&sign),
        )
    }

    /// A signed SendResponseRequest answering `to` with `payload`.
    pub fn send_response(
        &self,
        version: wire::Version,
        message_id: &str,
        to: &str,
        payload: &str,
    ) -> String {
        let input = wire::ResponseInput {
            id: "SIGNED_BY_CALLER",
            message_id,
            to,
            content: wire::ResponseInputContent::Primary {
                payload,
                personal_signature: None,
                attachment_headers: &[],
            },
        };
        let sign = |e: &str, id: &str| self.sign(e, id);
        wire::write_send_response_request(version, &input, &[], Some(&sign))
    }

    /// A signed GetStatusRequest stamped `now`.
    pub fn get_status(&self, version: wire::Version, now: OffsetDateTime) -> String {
        let sign = |e: &str, id: &str| self.sign(e, id);
        let timestamp = xs_datetime(now);
        wire::write_get_status_request(version, "SIGNED_BY_CALLER", &timestamp, Some(&sign))
    }
}

/// A valid echo request payload.
pub fn echo_request() -> String {
    format!(r#"<q:EchoRequest xmlns:q="{ECHO_NS}"><q:Snils>12345678901</q:Snils></q:EchoRequest>"#)
}

/// A valid echo response payload.
pub fn echo_response() -> String {
    format!(
        r#"<q:EchoResponse xmlns:q="{ECHO_NS}"><q:Snils>12345678901</q:Snils><q:Found>true</q:Found></q:EchoResponse>"#
    )
}

/// xs:dateTime of an instant (UTC, milliseconds).
pub fn xs_datetime(at: OffsetDateTime) -> String {
    use time::macros::format_description;
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.format(&format).expect("formats")
}

/// A fresh lowercase UUID v1 for `now`.
pub fn message_id(now: OffsetDateTime) -> String {
    exchange::message_id::generate(now)
}

/// POSTs raw bytes with the given headers to `path` on `addr`.
pub async fn post_raw(
    addr: SocketAddr,
    path: &str,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> HttpReply {
    let mut request = hyper::Request::post(format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(request.body(Full::new(Bytes::from(body))).expect("request")).await
}

/// GETs `path` on `addr`.
pub async fn get(addr: SocketAddr, path: &str) -> HttpReply {
    let request = hyper::Request::get(format!("http://{addr}{path}"));
    send(request.body(Full::new(Bytes::new())).expect("request")).await
}

async fn send(request: hyper::Request<Full<Bytes>>) -> HttpReply {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let response = client.request(request).await.expect("node answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    HttpReply {
        status,
        content_type,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// What a REST API call answered.
#[derive(Debug)]
pub struct ApiReply {
    /// Status code.
    pub status: u16,
    /// Content-Type.
    pub content_type: String,
    /// `ETag`, when sent.
    pub etag: Option<String>,
    /// The JSON body (`Null` when empty or not JSON).
    pub json: serde_json::Value,
}

/// One call of the REST API under `/api/v1` with a bearer, an optional
/// `If-Match` version and an optional JSON body.
pub async fn api_call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    bearer: &str,
    if_match: Option<i64>,
    body: Option<&serde_json::Value>,
) -> ApiReply {
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(format!("http://{addr}/api/v1{path}"))
        .header("authorization", format!("Bearer {bearer}"));
    if let Some(version) = if_match {
        request = request.header("if-match", format!("\"{version}\""));
    }
    let bytes = match body {
        Some(json) => {
            request = request.header("content-type", "application/json");
            Bytes::from(json.to_string())
        }
        None => Bytes::new(),
    };
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let request = request.body(Full::new(bytes)).expect("request");
    let response = client.request(request).await.expect("node answers");
    let header = |name| {
        let value = response.headers().get(name).and_then(|v| v.to_str().ok());
        value.map(str::to_owned)
    };
    let (content_type, etag) = (header("content-type").unwrap_or_default(), header("etag"));
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let json = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    ApiReply {
        status,
        content_type,
        etag,
        json,
    }
}

/// A bearer (API token) of a new user of `role` on `node`.
pub async fn token_of_role(node: &TestNode, login: &str, role: &str) -> String {
    let store = node.node.store();
    let context = cabinet::audit::AuditContext {
        actor: "setup".into(),
        remote: None,
        at: OffsetDateTime::now_utc(),
    };
    let form = cabinet::UserForm {
        login: login.into(),
        full_name: format!("Пользователь {login}"),
        role: role.into(),
        ..cabinet::UserForm::default()
    };
    let user = store
        .create_user(&form, "длинный-пароль-2024", &context)
        .await
        .expect("user");
    let issued = store.issue_api_token(user.id, "тест", None, &context).await;
    let (secret, _) = issued.expect("token");
    secret.expose().to_owned()
}
