//! What a presented secret stands for: a cabinet [`Session`] after a login,
//! or an [`ApiToken`] for the integration API. Neither holds its secret;
//! the store finds them by [`crate::SecretHash`].

use std::net::IpAddr;

use time::OffsetDateTime;

/// A logged-in cabinet session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The user it belongs to.
    pub user_id: i64,
    /// When the login happened.
    pub created_at: OffsetDateTime,
    /// When it stops being accepted.
    pub expires_at: OffsetDateTime,
    /// Where the login came from.
    pub remote: Option<IpAddr>,
}

/// A token for the integration API, issued to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Its id, for listing and revoking.
    pub id: i64,
    /// The user it acts as.
    pub user_id: i64,
    /// What it is for, as its issuer described it.
    pub label: String,
    /// When it was issued.
    pub created_at: OffsetDateTime,
    /// When it stops being accepted, if ever.
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<OffsetDateTime>,
}

// === impl Session ===

impl Session {
    /// Whether the session is accepted at `now`.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}

// === impl ApiToken ===

impl ApiToken {
    /// Whether the token is accepted at `now`: not revoked, not expired.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        let expired = self.expires_at.is_some_and(|end| now >= end);
        self.revoked_at.is_none() && !expired
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use time::Duration;

    use super::*;

    const T0: OffsetDateTime = datetime!(2024-03-01 10:00 UTC);

    #[test]
    fn api_token_live_until_expiry_or_revocation() {
        let token = ApiToken {
            id: 1,
            user_id: 2,
            label: "ИС бухгалтерии".into(),
            created_at: T0,
            expires_at: Some(T0 + Duration::days(1)),
            revoked_at: None,
        };

        assert!(token.is_live(T0));
        assert!(!token.is_live(T0 + Duration::days(1)));
        let revoked = ApiToken {
            revoked_at: Some(T0),
            ..token.clone()
        };
        assert!(!revoked.is_live(T0));
        let forever = ApiToken {
            expires_at: None,
            ..token
        };
        assert!(forever.is_live(T0 + Duration::days(3650)));
    }

    #[test]
    fn session_live_until_expiry() {
        let session = Session {
            user_id: 1,
            created_at: T0,
            expires_at: T0 + Duration::hours(8),
            remote: None,
        };

        assert!(session.is_live(T0 + Duration::hours(7)));
        assert!(!session.is_live(T0 + Duration::hours(8)));
    }
}
