//! `smevgate journal`: the journal filtered by period, type, status and
//! participant, as a table or as JSON lines.

use std::process::ExitCode;

use anyhow::Context;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::cli::JournalArgs;
use crate::config::Config;

/// Prints the matching journal entries.
pub async fn run(args: JournalArgs) -> anyhow::Result<ExitCode> {
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| config.database_url());
    let store = store::Store::open(&url)
        .await
        .with_context(|| format!("cannot open the store at {}", crate::node::redact(&url)))?;
    let filter = filter(&args)?;
    let records = store
        .query(&filter)
        .await
        .context("cannot read the journal")?;
    if args.json {
        for record in &records {
            out!("{}", to_json(record));
        }
    } else {
        print_table(&records);
    }
    Ok(ExitCode::SUCCESS)
}

fn filter(args: &JournalArgs) -> anyhow::Result<store::JournalFilter> {
    let instant = |text: &Option<String>, flag: &str| -> anyhow::Result<Option<OffsetDateTime>> {
        text.as_deref()
            .map(|t| OffsetDateTime::parse(t, &Rfc3339))
            .transpose()
            .with_context(|| format!("--{flag} is not an RFC 3339 instant"))
    };
    let message_kind =
        match args.message_type.as_deref() {
            None => None,
            Some(text) => Some(kind(text).with_context(|| {
                format!("--type {text:?}: expected REQUEST, RESPONSE or STATUS")
            })?),
        };
    Ok(store::JournalFilter {
        from: instant(&args.from, "from")?,
        until: instant(&args.to, "to")?,
        operation: args.operation.clone(),
        message_kind,
        status: args.status.clone(),
        participant: args.participant.clone(),
        message_id: args.message_id.clone(),
        limit: Some(args.limit),
    })
}

fn kind(text: &str) -> Option<store::MessageKind> {
    [
        store::MessageKind::Request,
        store::MessageKind::Response,
        store::MessageKind::Status,
    ]
    .into_iter()
    .find(|k| k.as_str().eq_ignore_ascii_case(text))
}

fn time_text(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.to_string())
}

fn print_table(records: &[store::JournalRecord]) {
    out!(
        "{:<30} {:<13} {:<8} {:<26} {:<36} {:<12} {:<12} fault",
        "time",
        "operation",
        "type",
        "status",
        "message id",
        "sender",
        "recipient"
    );
    for record in records {
        let e = &record.entry;
        out!(
            "{:<30} {:<13} {:<8} {:<26} {:<36} {:<12} {:<12} {}",
            time_text(e.at),
            e.operation,
            e.message_kind.map_or("", |k| k.as_str()),
            e.status.as_deref().unwrap_or(""),
            e.message_id.as_deref().unwrap_or(""),
            e.sender.as_deref().unwrap_or(""),
            e.recipient.as_deref().unwrap_or(""),
            e.fault_code.as_deref().unwrap_or(""),
        );
    }
    out!("({} entries)", records.len());
}

fn to_json(record: &store::JournalRecord) -> String {
    let e = &record.entry;
    serde_json::json!({
        "id": record.id,
        "time": time_text(e.at),
        "node": e.node_id,
        "operation": e.operation,
        "type": e.message_kind.map(|k| k.as_str()),
        "status": e.status,
        "message_id": e.message_id,
        "sender": e.sender,
        "recipient": e.recipient,
        "fault": e.fault_code,
        "detail": e.detail,
    })
    .to_string()
}
