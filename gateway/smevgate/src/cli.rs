//! Command-line surface of the `smevgate` binary.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// SMEV 3 gateway node and tools.
#[derive(Debug, Parser)]
#[command(name = "smevgate", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a node: SOAP endpoint, queues, journal.
    Serve(ServeArgs),
    /// Key and certificate tools.
    Keys {
        /// What to do with keys.
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Check every signature in an envelope and print a verdict for each.
    Verify(VerifyArgs),
    /// Print exclusive c14n + SMEV transform of one element.
    Transform(TransformArgs),
    /// Add the ЭП-ОВ (CallerInformationSystemSignature) to an envelope.
    Sign(SignArgs),
    /// Show the journal.
    Journal(JournalArgs),
    /// Send the fixtures to a node and compare its answers.
    Replay(ReplayArgs),
    /// Act as an information system against a node.
    Client(ClientArgs),
    /// Measure signed SendRequest throughput and latency against a node.
    Load(LoadArgs),
    /// Cabinet administration from the command line.
    Admin {
        /// What to do.
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// `smevgate admin …`
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a cabinet user (the first administrator); the password is
    /// read from the first line of standard input.
    CreateUser(CreateUserArgs),
}

/// `smevgate admin create-user`
#[derive(Debug, clap::Args)]
pub struct CreateUserArgs {
    /// Configuration file, for the database location.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Database URL (overrides the configuration).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Login: 3–64 of a-z 0-9 . _ -
    #[arg(long)]
    pub login: String,
    /// technical-administrator, request-operator or auditor.
    #[arg(long)]
    pub role: String,
    /// Full name.
    #[arg(long)]
    pub full_name: String,
}

/// `smevgate serve`
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Configuration file (TOML); defaults apply without one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Address to listen on (overrides `node.listen`).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// `postgres://…` or `sqlite://PATH` (overrides `node.database_url`).
    #[arg(long)]
    pub database_url: Option<String>,
}

/// `smevgate keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Generate a GOST R 34.10-2012 key and a self-signed certificate.
    Generate {
        /// Folder to write `key.pem` and `cert.pem` into.
        #[arg(long)]
        out: PathBuf,
        /// Common name of the certificate.
        #[arg(long, default_value = "smevgate development key")]
        cn: String,
        /// Validity in days (1 to 36500).
        #[arg(long, default_value_t = 3650, value_parser = clap::value_parser!(u32).range(1..=36500))]
        days: u32,
        /// Replace a key that is already in the folder.
        #[arg(long)]
        force: bool,
    },
}

/// `smevgate verify`
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The envelope (or any XML document) to check.
    pub file: PathBuf,
    /// Also require certificates to be valid at this RFC 3339 instant.
    #[arg(long)]
    pub at: Option<String>,
}

/// `smevgate transform`
#[derive(Debug, clap::Args)]
pub struct TransformArgs {
    /// The XML document.
    pub file: PathBuf,
    /// The `Id` of the element; the document element when absent.
    #[arg(long)]
    pub id: Option<String>,
}

/// `smevgate sign`
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The unsigned envelope.
    pub file: PathBuf,
    /// PKCS#8 PEM private key of the information system.
    #[arg(long)]
    pub key: PathBuf,
    /// PEM certificate of the information system.
    #[arg(long)]
    pub cert: PathBuf,
}

/// `smevgate journal`
#[derive(Debug, clap::Args)]
pub struct JournalArgs {
    /// Configuration file, for the database location.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Database URL (overrides the configuration).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Entries at or after this RFC 3339 instant.
    #[arg(long)]
    pub from: Option<String>,
    /// Entries before this RFC 3339 instant.
    #[arg(long)]
    pub to: Option<String>,
    /// Message type (REQUEST, RESPONSE, STATUS).
    #[arg(long = "type")]
    pub message_type: Option<String>,
    /// Status or outcome.
    #[arg(long)]
    pub status: Option<String>,
    /// Sender or recipient mnemonic.
    #[arg(long)]
    pub participant: Option<String>,
    /// Operation (SendRequest, Ack, …).
    #[arg(long)]
    pub operation: Option<String>,
    /// Message id.
    #[arg(long)]
    pub message_id: Option<String>,
    /// At most this many entries.
    #[arg(long, default_value_t = 200)]
    pub limit: u32,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// `smevgate replay`
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The fixtures folder.
    pub dir: PathBuf,
    /// The node's SOAP endpoint, e.g. http://127.0.0.1:7575/ws
    #[arg(long)]
    pub target: String,
}

/// `smevgate client …`
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// Configuration file naming the systems and their keys.
    #[arg(long)]
    pub config: PathBuf,
    /// Mnemonic of the system to act as.
    #[arg(long = "as")]
    pub system: String,
    /// The node's SOAP endpoint.
    #[arg(long, default_value = "http://127.0.0.1:7575/ws")]
    pub target: String,
    /// Schema version to speak (1.1, 1.2, 1.3).
    #[arg(long, default_value = "1.3")]
    pub version: String,
    /// Print the raw reply envelope too.
    #[arg(long)]
    pub raw: bool,
    /// The operation.
    #[command(subcommand)]
    pub operation: ClientOperation,
}

/// One client operation.
#[derive(Debug, Subcommand)]
pub enum ClientOperation {
    /// Send a request with a business payload.
    SendRequest {
        /// The payload XML (one element).
        #[arg(long)]
        payload: PathBuf,
        /// Mark as a test message.
        #[arg(long)]
        test: bool,
    },
    /// Take the next request from this system's queue.
    GetRequest {
        /// Namespace of the wanted type.
        #[arg(long)]
        namespace: Option<String>,
        /// Root element of the wanted type.
        #[arg(long)]
        root: Option<String>,
    },
    /// Send a response to a request.
    SendResponse {
        /// The request's ReplyTo token, as received.
        #[arg(long)]
        to: String,
        /// The payload XML (one element).
        #[arg(long)]
        payload: Option<PathBuf>,
        /// Reject instead: the reason code (NO_DATA, ACCESS_DENIED, …).
        #[arg(long)]
        reject: Option<String>,
        /// Rejection description.
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Take the next response or status from this system's queue.
    GetResponse {
        /// Namespace of the wanted type.
        #[arg(long)]
        namespace: Option<String>,
        /// Root element of the wanted type.
        #[arg(long)]
        root: Option<String>,
    },
    /// Acknowledge a received message.
    Ack {
        /// MessageMetadata/MessageId of the received message.
        message_id: String,
        /// Report that ЭП-СМЭВ failed (accepted="false").
        #[arg(long)]
        rejected: bool,
    },
    /// Take the next status of this system's sent responses.
    GetStatus,
}

/// `smevgate load`
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// Configuration naming the consumer system and its key.
    #[arg(long)]
    pub config: PathBuf,
    /// Mnemonic of the sending system.
    #[arg(long = "as")]
    pub system: String,
    /// The payload XML.
    #[arg(long)]
    pub payload: PathBuf,
    /// The node's SOAP endpoint; with `--api-token`, its base URL
    /// (`http://127.0.0.1:7575`), and the load goes to
    /// `POST /api/v1/requests`.
    #[arg(long, default_value = "http://127.0.0.1:7575/ws")]
    pub target: String,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    pub clients: usize,
    /// Requests in all (signed before the clock starts).
    #[arg(long, default_value_t = 5000)]
    pub requests: usize,
    /// Send through the integration REST API with this bearer token (an
    /// API token, a session or an OAuth2 access token) instead of SOAP: the
    /// node then builds and signs each SendRequest with the ИС key it holds.
    #[arg(long, env = "SMEVGATE_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,
}
