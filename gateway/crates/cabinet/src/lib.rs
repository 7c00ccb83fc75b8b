//! The participant's cabinet, as a domain without I/O: the organisation and
//! its requisites, users and their roles, who may do what, from where and
//! when, passwords, lock-out, session and API token secrets, and the entries
//! of the audit journal.
//!
//! Storage lives in the `store` crate (`store::cabinet`); HTTP lives at the
//! REST edge. Nothing here reads a clock, a socket or a file: times and
//! addresses come in as arguments.
//!
//! # Layout
//!
//! - [`field_errors`] — every bad field of a form, with a Russian message.
//! - [`requisites`] — ИНН, ОГРН and КПП with their check digits.
//! - [`organisation`] — the participant organisation and its form.
//! - [`role`] — roles, actions and the one permission table.
//! - [`user`] — users and their form.
//! - [`client`] — API clients of the integration API: scopes, limits, quota.
//! - [`ip_allow`], [`time_window`], [`access`] — where from and when.
//! - [`password`], [`lockout`] — argon2id hashes and failed-login lock-out.
//! - [`secret`], [`credential`] — session and API token secrets, kept as hashes.
//! - [`point`] — integration points: queue, push or upstream per ИС and ВС.
//! - [`audit`], [`snapshot`] — audit journal entries and their before/after text.
//! - [`error`] — [`CabinetError`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod access;
pub mod audit;
pub mod client;
pub mod credential;
pub mod error;
pub mod field_errors;
pub mod ip_allow;
pub mod lockout;
pub mod organisation;
pub mod password;
pub mod point;
pub mod registry;
pub mod requisites;
pub mod role;
pub mod secret;
pub mod snapshot;
pub mod time_window;
pub mod user;

pub use crate::access::{AccessRequest, AccessVerdict};
pub use crate::audit::{AuditAction, AuditEntry, AuditRecord, ObjectKind};
pub use crate::client::{
    ApiClient, ClientForm, MessageQuota, QuotaForm, QuotaPeriod, RateForm, RateLimit, RatePeriod,
    Scope,
};
pub use crate::credential::{ApiToken, Session};
pub use crate::error::CabinetError;
pub use crate::field_errors::{FieldError, FieldErrors};
pub use crate::ip_allow::IpAllowList;
pub use crate::lockout::{LockoutPolicy, LoginState};
pub use crate::organisation::{Organisation, OrganisationForm, ParticipationStatus};
pub use crate::password::PasswordHash;
pub use crate::point::{PointForm, PointKind, PointService};
pub use crate::registry::{CertificateFacts, SchemaFiles, ServiceForm, SystemForm};
pub use crate::requisites::{Inn, Kpp, Ogrn, RequisiteError};
pub use crate::role::{permits, Action, Role};
pub use crate::secret::{Secret, SecretHash};
pub use crate::time_window::{TimeWindow, Zone};
pub use crate::user::{User, UserForm, WindowForm};
