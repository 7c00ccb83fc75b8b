//! `/organisation`: the participant's organisation card, one per node,
//! versioned (`ETag`), replaced with `If-Match` or created once with
//! `If-None-Match: *`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use cabinet::{ObjectKind, Organisation, OrganisationForm};
use serde::{Deserialize, Serialize};
use store::cabinet::Versioned;

use crate::auth::Caller;
use crate::body::{json, JsonBody};
use crate::precondition::{self, with_etag};
use crate::problem::ApiError;
use crate::state::ApiState;

/// The organisation card as submitted; a missing field counts as empty and
/// is reported by validation.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrganisationFormJson {
    /// Full name.
    pub full_name: String,
    /// Short name.
    pub short_name: String,
    /// ИНН: 10 digits.
    pub inn: String,
    /// ОГРН: 13 digits.
    pub ogrn: String,
    /// КПП: 9 characters.
    pub kpp: String,
    /// Postal address.
    pub address: String,
    /// Contact e-mail.
    pub email: String,
    /// Contact phone, may be empty.
    pub phone: String,
    /// `applicant`, `active`, `suspended` or `terminated`.
    pub status: String,
}

/// The organisation card as answered.
#[derive(Debug, Serialize)]
pub struct OrganisationJson {
    /// Current version (also the `ETag`).
    pub version: i64,
    /// Full name.
    pub full_name: String,
    /// Short name.
    pub short_name: String,
    /// ИНН.
    pub inn: String,
    /// ОГРН.
    pub ogrn: String,
    /// КПП.
    pub kpp: String,
    /// Postal address.
    pub address: String,
    /// Contact e-mail.
    pub email: String,
    /// Contact phone.
    pub phone: String,
    /// Participation status.
    pub status: String,
    /// Participation status in Russian.
    pub status_title: String,
}

// === impl OrganisationFormJson ===

impl OrganisationFormJson {
    fn into_form(self) -> OrganisationForm {
        OrganisationForm {
            full_name: self.full_name,
            short_name: self.short_name,
            inn: self.inn,
            ogrn: self.ogrn,
            kpp: self.kpp,
            address: self.address,
            email: self.email,
            phone: self.phone,
            status: self.status,
        }
    }
}

// === impl OrganisationJson ===

impl OrganisationJson {
    fn from_versioned(stored: &Versioned<Organisation>) -> Self {
        let organisation = &stored.value;
        let form = organisation.to_form();
        OrganisationJson {
            version: stored.version,
            full_name: form.full_name,
            short_name: form.short_name,
            inn: form.inn,
            ogrn: form.ogrn,
            kpp: form.kpp,
            address: form.address,
            email: form.email,
            phone: form.phone,
            status: form.status,
            status_title: organisation.status().title().to_owned(),
        }
    }
}

/// `GET /organisation`.
pub async fn get(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let stored = state.store().organisation().await?;
    let stored = stored.ok_or(ApiError::NotFound {
        kind: ObjectKind::Organisation,
        id: "1".to_owned(),
    })?;
    Ok(answer(StatusCode::OK, &stored))
}

/// `PUT /organisation`: replace (`If-Match`) or create (`If-None-Match: *`).
pub async fn put(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<OrganisationFormJson>,
) -> Result<Response, ApiError> {
    let form = body.into_form();
    let context = caller.audit_context();
    let store = state.store();
    if precondition::if_none_match_any(&headers) {
        let created = store.create_organisation(&form, &context).await?;
        return Ok(answer(StatusCode::CREATED, &created));
    }
    let expected = precondition::if_match(&headers)?;
    let updated = store.update_organisation(&form, expected, &context).await?;
    Ok(answer(StatusCode::OK, &updated))
}

fn answer(status: StatusCode, stored: &Versioned<Organisation>) -> Response {
    let body = OrganisationJson::from_versioned(stored);
    with_etag(json(status, &body), stored.version)
}
