//! Roles, the actions of the cabinet and the integration API, and the one
//! table saying which role may do what ([`permits`]).
//!
//! Per-user refinements sit on top of this table in [`crate::User::may`]:
//! an auditor may be granted message bodies, and a request operator works
//! only with the services allowed to them.

/// What a user is in the cabinet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Technical administrator: everything.
    TechnicalAdministrator,
    /// Request operator: sends requests and reads the exchange of the services
    /// allowed to them.
    RequestOperator,
    /// Auditor: reads the journals and reports.
    Auditor,
}

/// Everything a user can ask the cabinet or the integration API to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the organisation card.
    ViewOrganisation,
    /// Change the organisation card.
    EditOrganisation,
    /// See the node settings.
    ViewSettings,
    /// Change the node settings.
    EditSettings,
    /// Register, change and remove information systems (ИС) and their keys.
    ManageInformationSystems,
    /// Register, change and remove services (ВС) and their schemas.
    ManageServices,
    /// Register, change and remove integration points.
    ManageIntegrationPoints,
    /// Create, change, lock and remove users, set their passwords.
    ManageUsers,
    /// Issue and revoke API tokens.
    ManageApiTokens,
    /// Create, change and remove API clients, rotate their secrets.
    ManageApiClients,
    /// Send a request through the integration API.
    SendRequest,
    /// List requests and responses and their statuses.
    ReadMessages,
    /// Read the contents of requests and responses.
    ReadMessageBodies,
    /// Read the exchange journal.
    ReadJournal,
    /// Read reports and statistics.
    ReadReports,
    /// Read the audit journal of administrative changes.
    ReadAuditJournal,
}

// === impl Role ===

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [
        Role::TechnicalAdministrator,
        Role::RequestOperator,
        Role::Auditor,
    ];

    /// The stored and submitted spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::TechnicalAdministrator => "technical_administrator",
            Role::RequestOperator => "request_operator",
            Role::Auditor => "auditor",
        }
    }

    /// The role spelled `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// The role in Russian, for people.
    pub fn title(self) -> &'static str {
        match self {
            Role::TechnicalAdministrator => "Технический администратор",
            Role::RequestOperator => "Оператор запросов",
            Role::Auditor => "Аудитор",
        }
    }
}

// === impl Action ===

impl Action {
    /// Every action.
    pub const ALL: [Action; 16] = [
        Action::ViewOrganisation,
        Action::EditOrganisation,
        Action::ViewSettings,
        Action::EditSettings,
        Action::ManageInformationSystems,
        Action::ManageServices,
        Action::ManageIntegrationPoints,
        Action::ManageUsers,
        Action::ManageApiTokens,
        Action::ManageApiClients,
        Action::SendRequest,
        Action::ReadMessages,
        Action::ReadMessageBodies,
        Action::ReadJournal,
        Action::ReadReports,
        Action::ReadAuditJournal,
    ];

    /// A stable spelling, for logs and error bodies.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewOrganisation => "view_organisation",
            Action::EditOrganisation => "edit_organisation",
            Action::ViewSettings => "view_settings",
            Action::EditSettings => "edit_settings",
            Action::ManageInformationSystems => "manage_information_systems",
            Action::ManageServices => "manage_services",
            Action::ManageIntegrationPoints => "manage_integration_points",
            Action::ManageUsers => "manage_users",
            Action::ManageApiTokens => "manage_api_tokens",
            Action::ManageApiClients => "manage_api_clients",
            Action::SendRequest => "send_request",
            Action::ReadMessages => "read_messages",
            Action::ReadMessageBodies => "read_message_bodies",
            Action::ReadJournal => "read_journal",
            Action::ReadReports => "read_reports",
            Action::ReadAuditJournal => "read_audit_journal",
        }
    }
}

/// Whether `role` may do `action`: the one permission table.
pub fn permits(role: Role, action: Action) -> bool {
    use Action::*;

    match role {
        Role::TechnicalAdministrator => true,
        Role::RequestOperator => matches!(
            action,
            ViewOrganisation | SendRequest | ReadMessages | ReadMessageBodies
        ),
        Role::Auditor => matches!(
            action,
            ViewOrganisation
                | ViewSettings
                | ReadMessages
                | ReadJournal
                | ReadReports
                | ReadAuditJournal
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole table, row by row: (action, administrator, operator, auditor).
    const TABLE: [(Action, bool, bool, bool); 16] = [
        (Action::ViewOrganisation, true, true, true),
        (Action::EditOrganisation, true, false, false),
        (Action::ViewSettings, true, false, true),
        (Action::EditSettings, true, false, false),
        (Action::ManageInformationSystems, true, false, false),
        (Action::ManageServices, true, false, false),
        (Action::ManageIntegrationPoints, true, false, false),
        (Action::ManageUsers, true, false, false),
        (Action::ManageApiTokens, true, false, false),
        (Action::ManageApiClients, true, false, false),
        (Action::SendRequest, true, true, false),
        (Action::ReadMessages, true, true, true),
        (Action::ReadMessageBodies, true, true, false),
        (Action::ReadJournal, true, false, true),
        (Action::ReadReports, true, false, true),
        (Action::ReadAuditJournal, true, false, true),
    ];

    #[test]
    fn permission_table_pins_every_row() {
        let actions: Vec<Action> = TABLE.iter().map(|row| row.0).collect();
        assert_eq!(
            actions,
            Action::ALL,
            "the table lists every action once, in order"
        );

        for (action, administrator, operator, auditor) in TABLE {
            assert_eq!(
                permits(Role::TechnicalAdministrator, action),
                administrator,
                "{action:?}"
            );
            assert_eq!(
                permits(Role::RequestOperator, action),
                operator,
                "{action:?}"
            );
            assert_eq!(permits(Role::Auditor, action), auditor, "{action:?}");
        }
    }

    #[test]
    fn role_spellings_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn action_spellings_are_distinct() {
        let spellings: std::collections::HashSet<&str> =
            Action::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(spellings.len(), Action::ALL.len());
    }
}
