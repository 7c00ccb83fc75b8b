//! The before/after text of audit entries: each audited object rendered as
//! a JSON object with sorted keys.
//!
//! This is the audit journal's own wire format, so it lives here as plain
//! functions rather than as serde derives on the domain types. Secrets and
//! password hashes are never part of a snapshot.

use serde_json::{json, Value};

use crate::client::ApiClient;
use crate::credential::ApiToken;
use crate::organisation::Organisation;
use crate::user::User;

/// The organisation card as JSON text.
pub fn organisation(organisation: &Organisation) -> String {
    let form = organisation.to_form();
    json!({
        "full_name": form.full_name,
        "short_name": form.short_name,
        "inn": form.inn,
        "ogrn": form.ogrn,
        "kpp": form.kpp,
        "address": form.address,
        "email": form.email,
        "phone": form.phone,
        "status": form.status,
    })
    .to_string()
}

/// A user's profile as JSON text (no password).
pub fn user(user: &User) -> String {
    let form = user.to_form();
    let window = match form.window {
        Some(window) => json!({"start": window.start, "end": window.end, "zone": window.zone}),
        None => Value::Null,
    };
    json!({
        "login": form.login,
        "full_name": form.full_name,
        "role": form.role,
        "allowed_services": form.allowed_services,
        "ip_allow": form.ip_allow,
        "window": window,
        "message_bodies_granted": form.message_bodies_granted,
        "disabled": form.disabled,
    })
    .to_string()
}

/// An API token's description as JSON text (no secret, no hash).
pub fn api_token(token: &ApiToken) -> String {
    let when = |at: Option<time::OffsetDateTime>| at.map(|at| at.unix_timestamp());
    json!({
        "id": token.id,
        "user_id": token.user_id,
        "label": token.label,
        "created_at": token.created_at.unix_timestamp(),
        "expires_at": when(token.expires_at),
        "revoked_at": when(token.revoked_at),
    })
    .to_string()
}

/// An API client's profile and limits as JSON text (no secret, no hash).
pub fn api_client(client: &ApiClient) -> String {
    let form = client.to_form();
    let window = form
        .window
        .map(|w| json!({"start": w.start, "end": w.end, "zone": w.zone}));
    let rate = form
        .rate
        .map(|r| json!({"requests": r.requests, "per": r.per, "burst": r.burst}));
    let quota = form
        .quota
        .map(|q| json!({"messages": q.messages, "per": q.per}));
    json!({
        "name": form.name,
        "system": form.system,
        "scopes": form.scopes,
        "allowed_services": form.allowed_services,
        "ip_allow": form.ip_allow,
        "window": window,
        "rate": rate,
        "quota": quota,
        "disabled": form.disabled,
    })
    .to_string()
}

/// A marker for a change whose content must not be recorded, such as a new
/// password: `{"password": "changed"}`.
pub fn password_changed() -> String {
    json!({"password": "changed"}).to_string()
}

/// The marker of a replaced client secret: `{"secret": "rotated"}`.
pub fn secret_rotated() -> String {
    json!({"secret": "rotated"}).to_string()
}

#[cfg(test)]
mod tests {
    use crate::user::UserForm;

    #[test]
    fn user_snapshot_lists_profile_fields_sorted() {
        let form = UserForm {
            login: "auditor1".into(),
            full_name: "Петрова Анна".into(),
            role: "auditor".into(),
            ..UserForm::default()
        };
        let user = form.validate().unwrap();

        let text = super::user(&user);

        let expected = r#"{"allowed_services":[],"disabled":false,"full_name":"Петрова Анна","ip_allow":[],"login":"auditor1","message_bodies_granted":false,"role":"auditor","window":null}"#;
        assert_eq!(text, expected);
    }
}
