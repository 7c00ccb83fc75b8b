//! API clients of the integration API: their rows, the secret check, the
//! message quota counted per period across every node on the database, and
//! the node's shared access-token signing key.
//!
//! Backends: `sqlite::clients` and `postgres::clients`.

use cabinet::audit::AuditContext;
use cabinet::{ApiClient, ClientForm, QuotaForm, RateForm, Secret, SecretHash, WindowForm};
use time::OffsetDateTime;

use crate::cabinet::rows::corrupt;
use crate::cabinet::{CabinetStoreError, Result};
use crate::error::StoreError;
use crate::Store;

/// Name of the access-token signing key in `node_keys`.
pub const TOKEN_KEY: &str = "oauth.hs256";

/// A stored API client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRecord {
    /// Row id, also the OAuth `client_id`.
    pub id: i64,
    /// Current version (the `ETag`).
    pub version: i64,
    /// The client.
    pub client: ApiClient,
    /// Up by one with every secret rotation; tokens carry it.
    pub secret_generation: i64,
    /// When the client was created.
    pub created_at: OffsetDateTime,
}

/// What reserving one message of a quota came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaReservation {
    /// One message reserved in the period starting at `period_start`;
    /// release it if the message is not sent.
    Reserved {
        /// Start of the period counted.
        period_start: OffsetDateTime,
    },
    /// The period's messages are used up until `until`.
    Exhausted {
        /// When the next period starts.
        until: OffsetDateTime,
    },
}

/// An api_clients row's columns, as written.
#[derive(Debug, Clone)]
pub(crate) struct ClientValues {
    pub name: String,
    pub system: Option<String>,
    pub scopes: String,
    pub allowed_services: String,
    pub ip_allow: String,
    pub window: [Option<String>; 3],
    pub rate: (i64, String, i64),
    pub quota: (Option<i64>, Option<String>),
    pub disabled: bool,
}

/// An administrative change to one client.
#[derive(Debug, Clone)]
pub(crate) enum ClientChange {
    Profile(Box<ApiClient>),
    Secret(SecretHash),
}

// === impl ClientValues ===

impl ClientValues {
    pub fn of(client: &ApiClient) -> Self {
        let form = client.to_form();
        let window = match form.window {
            Some(w) => [Some(w.start), Some(w.end), Some(w.zone)],
            None => [None, None, None],
        };
        let rate = form.rate.unwrap_or_default();
        let quota = match form.quota {
            Some(q) => (Some(i64::from(q.messages)), Some(q.per)),
            None => (None, None),
        };
        ClientValues {
            name: form.name,
            system: form.system,
            scopes: form.scopes.join("\n"),
            allowed_services: form.allowed_services.join("\n"),
            ip_allow: form.ip_allow.join("\n"),
            window,
            rate: (i64::from(rate.requests), rate.per, i64::from(rate.burst)),
            quota,
            disabled: form.disabled,
        }
    }

    /// The client these stored columns describe; a row that no longer
    /// validates is corrupt.
    pub fn decode(self) -> std::result::Result<ApiClient, StoreError> {
        let lines = |text: &str| text.lines().map(str::to_owned).collect();
        let count = |n: i64| u32::try_from(n).map_err(|_| corrupt("client limit"));
        let window = match self.window {
            [Some(start), Some(end), Some(zone)] => Some(WindowForm { start, end, zone }),
            _ => None,
        };
        let quota = match self.quota {
            (Some(messages), Some(per)) => Some(QuotaForm {
                messages: count(messages)?,
                per,
            }),
            _ => None,
        };
        let form = ClientForm {
            name: self.name,
            system: self.system,
            scopes: lines(&self.scopes),
            allowed_services: lines(&self.allowed_services),
            ip_allow: lines(&self.ip_allow),
            window,
            rate: Some(RateForm {
                requests: count(self.rate.0)?,
                per: self.rate.1,
                burst: count(self.rate.2)?,
            }),
            quota,
            disabled: self.disabled,
        };
        form.validate().map_err(|_| corrupt("api client"))
    }
}

// === impl Store ===

impl Store {
    /// Creates an API client; its secret is returned once.
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`] with every bad field, or a backend
    /// or randomness error.
    pub async fn create_client(
        &self,
        form: &ClientForm,
        context: &AuditContext,
    ) -> Result<(Secret, ClientRecord)> {
        let client = form.validate().map_err(CabinetStoreError::Invalid)?;
        let (secret, hash) = Secret::generate()?;
        let context = context.clone();
        let record = match self {
            Store::Sqlite(store) => store.create_client(client, hash, context).await?,
            Store::Postgres(store) => store.create_client(client, hash, context).await?,
        };
        Ok((secret, record))
    }

    /// The client with this id.
    ///
    /// # Errors
    /// A backend error.
    pub async fn client(&self, id: i64) -> Result<Option<ClientRecord>> {
        let found = self.stored_client(id).await?;
        Ok(found.map(|(record, _)| record))
    }

    /// Every client, by id.
    ///
    /// # Errors
    /// A backend error.
    pub async fn clients(&self) -> Result<Vec<ClientRecord>> {
        match self {
            Store::Sqlite(store) => store.clients().await,
            Store::Postgres(store) => store.clients().await,
        }
    }

    /// Replaces client `id`, if it is still at `expected_version`.
    ///
    /// # Errors
    /// [`CabinetStoreError::Invalid`], [`CabinetStoreError::NotFound`],
    /// [`CabinetStoreError::Conflict`], or a backend error.
    pub async fn update_client(
        &self,
        id: i64,
        form: &ClientForm,
        expected_version: i64,
        context: &AuditContext,
    ) -> Result<ClientRecord> {
        let client = form.validate().map_err(CabinetStoreError::Invalid)?;
        let change = ClientChange::Profile(Box::new(client));
        self.change_client(id, change, expected_version, context)
            .await
    }

    /// Replaces client `id`'s secret (tokens issued for the old one stop
    /// working); the new secret is returned once.
    ///
    /// # Errors
    /// As [`Store::update_client`], and a randomness error.
    pub async fn rotate_client_secret(
        &self,
        id: i64,
        expected_version: i64,
        context: &AuditContext,
    ) -> Result<(Secret, ClientRecord)> {
        let (secret, hash) = Secret::generate()?;
        let change = ClientChange::Secret(hash);
        let record = self
            .change_client(id, change, expected_version, context)
            .await?;
        Ok((secret, record))
    }

    async fn change_client(
        &self,
        id: i64,
        change: ClientChange,
        expected: i64,
        context: &AuditContext,
    ) -> Result<ClientRecord> {
        let context = context.clone();
        match self {
            Store::Sqlite(store) => store.change_client(id, change, expected, context).await,
            Store::Postgres(store) => store.change_client(id, change, expected, context).await,
        }
    }

    /// Removes client `id` with its usage counts, if it is still at
    /// `expected_version`.
    ///
    /// # Errors
    /// [`CabinetStoreError::NotFound`], [`CabinetStoreError::Conflict`], or
    /// a backend error.
    pub async fn delete_client(
        &self,
        id: i64,
        expected_version: i64,
        context: &AuditContext,
    ) -> Result<()> {
        let context = context.clone();
        match self {
            Store::Sqlite(store) => store.delete_client(id, expected_version, context).await,
            Store::Postgres(store) => store.delete_client(id, expected_version, context).await,
        }
    }

    /// Client `id` when `presented` is its current secret; `None` for an
    /// unknown client or a wrong secret (not told apart).
    ///
    /// # Errors
    /// A backend error.
    pub async fn client_by_secret(&self, id: i64, presented: &str) -> Result<Option<ClientRecord>> {
        let Some((record, stored)) = self.stored_client(id).await? else {
            return Ok(None);
        };
        let presented = SecretHash::of_presented(presented);
        let matches = presented.is_some_and(|hash| same_bytes(hash.as_bytes(), stored.as_bytes()));
        Ok(matches.then_some(record))
    }

    async fn stored_client(&self, id: i64) -> Result<Option<(ClientRecord, SecretHash)>> {
        match self {
            Store::Sqlite(store) => store.stored_client(id).await,
            Store::Postgres(store) => store.stored_client(id).await,
        }
    }

    /// Reserves one message of client `id`'s `quota` for the period `at`
    /// falls in, atomically across every node on the database.
    ///
    /// # Errors
    /// A backend error.
    pub async fn reserve_message(
        &self,
        id: i64,
        quota: cabinet::MessageQuota,
        at: OffsetDateTime,
    ) -> std::result::Result<QuotaReservation, StoreError> {
        let (start, end) = quota.period_of(at);
        let limit = i64::from(quota.messages);
        let reserved = match self {
            Store::Sqlite(store) => store.reserve_message(id, start, limit).await?,
            Store::Postgres(store) => store.reserve_message(id, start, limit).await?,
        };
        Ok(match reserved {
            true => QuotaReservation::Reserved {
                period_start: start,
            },
            false => QuotaReservation::Exhausted { until: end },
        })
    }

    /// Gives back a message reserved in the period starting at
    /// `period_start` (the send was refused or failed).
    ///
    /// # Errors
    /// A backend error.
    pub async fn release_message(
        &self,
        id: i64,
        period_start: OffsetDateTime,
    ) -> std::result::Result<(), StoreError> {
        match self {
            Store::Sqlite(store) => store.release_message(id, period_start).await,
            Store::Postgres(store) => store.release_message(id, period_start).await,
        }
    }

    /// Messages client `id` used in the period of `quota` that `at` falls in.
    ///
    /// # Errors
    /// A backend error.
    pub async fn messages_used(
        &self,
        id: i64,
        quota: cabinet::MessageQuota,
        at: OffsetDateTime,
    ) -> std::result::Result<u32, StoreError> {
        let (start, _) = quota.period_of(at);
        let used = match self {
            Store::Sqlite(store) => store.messages_used(id, start).await?,
            Store::Postgres(store) => store.messages_used(id, start).await?,
        };
        u32::try_from(used).map_err(|_| corrupt("quota usage"))
    }

    /// The node key `name`: the stored one, or `candidate` stored now when
    /// there is none yet (the first node to ask wins; every node then reads
    /// the same key).
    ///
    /// # Errors
    /// A backend error.
    pub async fn node_key(
        &self,
        name: &str,
        candidate: [u8; 32],
        at: OffsetDateTime,
    ) -> std::result::Result<[u8; 32], StoreError> {
        let name = name.to_owned();
        let text = match self {
            Store::Sqlite(store) => store.node_key(name, hex_of(&candidate), at).await?,
            Store::Postgres(store) => store.node_key(name, hex_of(&candidate), at).await?,
        };
        key_of_hex(&text).ok_or_else(|| corrupt("node key"))
    }
}

/// `a == b` in time independent of where they differ.
fn same_bytes(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn key_of_hex(text: &str) -> Option<[u8; 32]> {
    let digits = text.as_bytes();
    if digits.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut key = [0u8; 32];
    for (byte, pair) in key.iter_mut().zip(digits.chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(key)
}

fn hex_of(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
