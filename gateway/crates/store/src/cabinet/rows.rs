//! Rows of the cabinet tables as both backends read and write them, and
//! their conversion to and from the domain types.
//!
//! Stored rows are decoded through the same forms users fill in, so a row
//! that no longer validates is reported as corrupt rather than trusted.

use cabinet::password::PasswordHash;
use cabinet::{LoginState, Organisation, OrganisationForm, User, UserForm, WindowForm};
use time::OffsetDateTime;

use crate::cabinet::{UserRecord, Versioned, ORGANISATION_ID};
use crate::error::StoreError;

/// The organisation row: its columns as text, and its version.
#[derive(Debug, Clone)]
pub(crate) struct OrganisationRow {
    pub form: OrganisationForm,
    pub version: i64,
}

/// A user's columns as written by a profile change.
#[derive(Debug, Clone)]
pub(crate) struct UserValues {
    pub login: String,
    pub full_name: String,
    pub role: &'static str,
    pub allowed_services: String,
    pub ip_allow: String,
    pub window_start: Option<String>,
    pub window_end: Option<String>,
    pub window_zone: Option<String>,
    pub message_bodies_granted: bool,
    pub disabled: bool,
}

/// A users row as read.
#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub id: i64,
    pub version: i64,
    pub values: UserForm,
    pub password_hash: String,
    pub failed_logins: i64,
    pub first_failure_at: Option<OffsetDateTime>,
    pub locked_until: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

/// A user with the password hash, which only the login path needs.
#[derive(Debug, Clone)]
pub(crate) struct StoredUser {
    pub record: UserRecord,
    pub password: PasswordHash,
}

// === impl OrganisationRow ===

impl OrganisationRow {
    pub fn decode(self) -> Result<Versioned<Organisation>, StoreError> {
        let organisation = self.form.validate().map_err(|_| corrupt("organisation"))?;
        Ok(Versioned {
            id: ORGANISATION_ID,
            version: self.version,
            value: organisation,
        })
    }
}

// === impl UserValues ===

impl UserValues {
    pub fn of(user: &User) -> Self {
        let form = user.to_form();
        let (window_start, window_end, window_zone) = match form.window {
            Some(w) => (Some(w.start), Some(w.end), Some(w.zone)),
            None => (None, None, None),
        };
        UserValues {
            login: form.login,
            full_name: form.full_name,
            role: user.role().as_str(),
            allowed_services: form.allowed_services.join("\n"),
            ip_allow: form.ip_allow.join("\n"),
            window_start,
            window_end,
            window_zone,
            message_bodies_granted: form.message_bodies_granted,
            disabled: form.disabled,
        }
    }
}

/// The user form of stored columns: `[login, full_name, role]`,
/// `[allowed_services, ip_allow]` (one entry per line), `[window_start,
/// window_end, window_zone]`, `[message_bodies_granted, disabled]`.
pub(crate) fn user_form(
    [login, full_name, role]: [String; 3],
    [allowed_services, ip_allow]: [&str; 2],
    window: [Option<String>; 3],
    [message_bodies_granted, disabled]: [bool; 2],
) -> UserForm {
    let lines = |text: &str| text.lines().map(str::to_owned).collect();
    let window = match window {
        [Some(start), Some(end), Some(zone)] => Some(WindowForm { start, end, zone }),
        _ => None,
    };
    UserForm {
        login,
        full_name,
        role,
        allowed_services: lines(allowed_services),
        ip_allow: lines(ip_allow),
        window,
        message_bodies_granted,
        disabled,
    }
}

// === impl UserRow ===

impl UserRow {
    pub fn decode(self) -> Result<StoredUser, StoreError> {
        let user = self.values.validate().map_err(|_| corrupt("user"))?;
        let password =
            PasswordHash::from_phc(&self.password_hash).ok_or_else(|| corrupt("password hash"))?;
        let failures = u32::try_from(self.failed_logins).map_err(|_| corrupt("failed logins"))?;
        let login_state = LoginState {
            failures,
            first_failure_at: self.first_failure_at,
            locked_until: self.locked_until,
        };
        let record = UserRecord {
            id: self.id,
            version: self.version,
            user,
            login_state,
            created_at: self.created_at,
        };
        Ok(StoredUser { record, password })
    }
}

pub(crate) fn corrupt(what: &'static str) -> StoreError {
    StoreError::Corrupt { what }
}
