//! Entries of the append-only audit journal: who changed what, from which
//! address, when, and the object before and after (as JSON text from
//! [`crate::snapshot`]).

use std::net::IpAddr;

use time::OffsetDateTime;

/// The administrative changes that are audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// The organisation card was filled in for the first time.
    OrganisationCreated,
    /// The organisation card was changed.
    OrganisationUpdated,
    /// A user was created.
    UserCreated,
    /// A user's profile, role or limits were changed.
    UserUpdated,
    /// A user was removed.
    UserDeleted,
    /// A user's password was set by an administrator.
    PasswordSet,
    /// A locked-out user was unlocked by an administrator.
    UserUnlocked,
    /// An API token was issued.
    ApiTokenIssued,
    /// An API token was revoked.
    ApiTokenRevoked,
    /// An information system was registered.
    SystemCreated,
    /// An information system's name or type was changed.
    SystemUpdated,
    /// An information system was removed with its certificates.
    SystemDeleted,
    /// A certificate was added to an information system.
    CertificateAdded,
    /// A certificate was removed from an information system.
    CertificateRemoved,
    /// A service was registered.
    ServiceCreated,
    /// A service's description was changed.
    ServiceUpdated,
    /// A service was removed.
    ServiceDeleted,
    /// A service's payload schema was uploaded.
    ServiceSchemaSet,
    /// An API client was created.
    ClientCreated,
    /// An API client's profile, scopes or limits were changed.
    ClientUpdated,
    /// An API client was removed.
    ClientDeleted,
    /// An API client's secret was replaced.
    ClientSecretRotated,
    /// An integration point was registered.
    PointCreated,
    /// An integration point was changed.
    PointUpdated,
    /// An integration point was removed.
    PointDeleted,
    /// A dead-letter message was sent back to its queue.
    MessageRedriven,
}

/// The kind of object an audit entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// The organisation card (one per node).
    Organisation,
    /// A user.
    User,
    /// An API token.
    ApiToken,
    /// A registered information system (ИС).
    InformationSystem,
    /// A certificate of an information system.
    Certificate,
    /// A registered service (ВС).
    Service,
    /// An API client of the integration API.
    ApiClient,
    /// An integration point of an information system.
    IntegrationPoint,
    /// A message of the exchange (re-driven from the dead letters).
    Message,
}

/// Who is making a change, from where, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    /// Login of the acting user (or a fixed name such as `setup`).
    pub actor: String,
    /// Address the change came from, when known.
    pub remote: Option<IpAddr>,
    /// When the change is made.
    pub at: OffsetDateTime,
}

/// One audit journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When the change was made.
    pub at: OffsetDateTime,
    /// Login of the acting user.
    pub actor: String,
    /// Address the change came from.
    pub remote: Option<IpAddr>,
    /// What was done.
    pub action: AuditAction,
    /// The kind of object changed.
    pub object_kind: ObjectKind,
    /// The id of the object changed.
    pub object_id: String,
    /// The object before the change, as JSON text; `None` when created.
    pub before: Option<String>,
    /// The object after the change, as JSON text; `None` when removed.
    pub after: Option<String>,
}

/// A stored audit entry with its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Increasing id, in write order.
    pub id: i64,
    /// The entry.
    pub entry: AuditEntry,
}

// === impl AuditAction ===

impl AuditAction {
    /// Every action.
    pub const ALL: [AuditAction; 26] = [
        AuditAction::OrganisationCreated,
        AuditAction::OrganisationUpdated,
        AuditAction::UserCreated,
        AuditAction::UserUpdated,
        AuditAction::UserDeleted,
        AuditAction::PasswordSet,
        AuditAction::UserUnlocked,
        AuditAction::ApiTokenIssued,
        AuditAction::ApiTokenRevoked,
        AuditAction::SystemCreated,
        AuditAction::SystemUpdated,
        AuditAction::SystemDeleted,
        AuditAction::CertificateAdded,
        AuditAction::CertificateRemoved,
        AuditAction::ServiceCreated,
        AuditAction::ServiceUpdated,
        AuditAction::ServiceDeleted,
        AuditAction::ServiceSchemaSet,
        AuditAction::ClientCreated,
        AuditAction::ClientUpdated,
        AuditAction::ClientDeleted,
        AuditAction::ClientSecretRotated,
        AuditAction::PointCreated,
        AuditAction::PointUpdated,
        AuditAction::PointDeleted,
        AuditAction::MessageRedriven,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::OrganisationCreated => "organisation.create",
            AuditAction::OrganisationUpdated => "organisation.update",
            AuditAction::UserCreated => "user.create",
            AuditAction::UserUpdated => "user.update",
            AuditAction::UserDeleted => "user.delete",
            AuditAction::PasswordSet => "user.password",
            AuditAction::UserUnlocked => "user.unlock",
            AuditAction::ApiTokenIssued => "api_token.issue",
            AuditAction::ApiTokenRevoked => "api_token.revoke",
            AuditAction::SystemCreated => "information_system.create",
            AuditAction::SystemUpdated => "information_system.update",
            AuditAction::SystemDeleted => "information_system.delete",
            AuditAction::CertificateAdded => "information_system.certificate_add",
            AuditAction::CertificateRemoved => "information_system.certificate_remove",
            AuditAction::ServiceCreated => "service.create",
            AuditAction::ServiceUpdated => "service.update",
            AuditAction::ServiceDeleted => "service.delete",
            AuditAction::ServiceSchemaSet => "service.schema",
            AuditAction::ClientCreated => "api_client.create",
            AuditAction::ClientUpdated => "api_client.update",
            AuditAction::ClientDeleted => "api_client.delete",
            AuditAction::ClientSecretRotated => "api_client.secret",
            AuditAction::PointCreated => "integration_point.create",
            AuditAction::PointUpdated => "integration_point.update",
            AuditAction::PointDeleted => "integration_point.delete",
            AuditAction::MessageRedriven => "message.redrive",
        }
    }

    /// The action spelled `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == text)
    }

    /// The kind of object this action changes.
    pub fn object_kind(self) -> ObjectKind {
        match self {
            AuditAction::OrganisationCreated | AuditAction::OrganisationUpdated => {
                ObjectKind::Organisation
            }
            AuditAction::ApiTokenIssued | AuditAction::ApiTokenRevoked => ObjectKind::ApiToken,
            AuditAction::SystemCreated
            | AuditAction::SystemUpdated
            | AuditAction::SystemDeleted
            | AuditAction::CertificateAdded
            | AuditAction::CertificateRemoved => ObjectKind::InformationSystem,
            AuditAction::ServiceCreated
            | AuditAction::ServiceUpdated
            | AuditAction::ServiceDeleted
            | AuditAction::ServiceSchemaSet => ObjectKind::Service,
            AuditAction::ClientCreated
            | AuditAction::ClientUpdated
            | AuditAction::ClientDeleted
            | AuditAction::ClientSecretRotated => ObjectKind::ApiClient,
            AuditAction::PointCreated | AuditAction::PointUpdated | AuditAction::PointDeleted => {
                ObjectKind::IntegrationPoint
            }
            AuditAction::MessageRedriven => ObjectKind::Message,
            _ => ObjectKind::User,
        }
    }
}

// === impl ObjectKind ===

impl ObjectKind {
    /// Every kind.
    pub const ALL: [ObjectKind; 9] = [
        ObjectKind::Organisation,
        ObjectKind::User,
        ObjectKind::ApiToken,
        ObjectKind::InformationSystem,
        ObjectKind::Certificate,
        ObjectKind::Service,
        ObjectKind::ApiClient,
        ObjectKind::IntegrationPoint,
        ObjectKind::Message,
    ];

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Organisation => "organisation",
            ObjectKind::User => "user",
            ObjectKind::ApiToken => "api_token",
            ObjectKind::InformationSystem => "information_system",
            ObjectKind::Certificate => "certificate",
            ObjectKind::Service => "service",
            ObjectKind::ApiClient => "api_client",
            ObjectKind::IntegrationPoint => "integration_point",
            ObjectKind::Message => "message",
        }
    }

    /// The kind spelled `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

// === impl AuditEntry ===

impl AuditEntry {
    /// The entry for `action` on object `object_id`, made in `context`.
    pub fn new(
        context: &AuditContext,
        action: AuditAction,
        object_id: impl Into<String>,
        before: Option<String>,
        after: Option<String>,
    ) -> Self {
        AuditEntry {
            at: context.at,
            actor: context.actor.clone(),
            remote: context.remote,
            action,
            object_kind: action.object_kind(),
            object_id: object_id.into(),
            before,
            after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_action_spellings_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            let kind = action.object_kind();
            assert!(action.as_str().starts_with(kind.as_str()), "{action:?}");
        }
    }

    #[test]
    fn object_kind_spellings_round_trip() {
        for kind in ObjectKind::ALL {
            assert_eq!(ObjectKind::parse(kind.as_str()), Some(kind));
        }
    }
}
