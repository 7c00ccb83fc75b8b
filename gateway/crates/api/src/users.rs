//! `/users`: cabinet users — list, create (with a first password), read,
//! replace (`If-Match`), delete (`If-Match`), set a password, clear a
//! lock-out. Passwords never appear in answers.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use cabinet::{FieldErrors, ObjectKind, UserForm, WindowForm};
use serde::{Deserialize, Serialize};
use store::cabinet::UserRecord;

use crate::auth::Caller;
use crate::body::{json, located, JsonBody};
use crate::instant;
use crate::known;
use crate::path::Path;
use crate::precondition::{self, with_etag};
use crate::problem::ApiError;
use crate::state::ApiState;

/// A user as submitted to `POST /users` (with `password`) or
/// `PUT /users/{id}` (without). Missing fields count as empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserFormJson {
    /// Login: 3–64 of `a-z 0-9 . _ -`.
    pub login: String,
    /// Full name.
    pub full_name: String,
    /// `technical_administrator`, `request_operator` or `auditor`.
    pub role: String,
    /// Services the user works with.
    pub allowed_services: Vec<String>,
    /// Networks (CIDR) the user may come from; empty for any.
    pub ip_allow: Vec<String>,
    /// Daily time window; absent for any time.
    pub window: Option<WindowJson>,
    /// Whether an auditor may read message bodies.
    pub message_bodies_granted: bool,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// The first password (`POST` only).
    pub password: Option<String>,
}

/// A daily time window.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct WindowJson {
    /// Local start, `HH:MM`.
    pub start: String,
    /// Local end, `HH:MM`, not included.
    pub end: String,
    /// IANA zone or UTC offset.
    pub zone: String,
}

/// `POST /users/{id}/password` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordJson {
    /// The new password.
    pub password: String,
}

/// A user as answered.
#[derive(Debug, Serialize)]
pub struct UserJson {
    /// Id.
    pub id: i64,
    /// Current version (also the `ETag`).
    pub version: i64,
    /// Login.
    pub login: String,
    /// Full name.
    pub full_name: String,
    /// Role.
    pub role: String,
    /// Role in Russian.
    pub role_title: String,
    /// Services the user works with.
    pub allowed_services: Vec<String>,
    /// Networks the user may come from; empty for any.
    pub ip_allow: Vec<String>,
    /// Daily time window, if limited.
    pub window: Option<WindowJson>,
    /// Whether an auditor may read message bodies.
    pub message_bodies_granted: bool,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// Failed logins counted towards the lock-out.
    pub failed_logins: u32,
    /// Until when logins are refused, if locked.
    pub locked_until: Option<String>,
    /// When the user was created.
    pub created_at: String,
}

/// A list answer.
#[derive(Debug, Serialize)]
pub struct ListJson<T> {
    /// The items.
    pub items: Vec<T>,
}

// === impl UserFormJson ===

impl UserFormJson {
    fn into_form(self) -> (UserForm, Option<String>) {
        let window = self.window.map(|w| WindowForm {
            start: w.start,
            end: w.end,
            zone: w.zone,
        });
        let form = UserForm {
            login: self.login,
            full_name: self.full_name,
            role: self.role,
            allowed_services: self.allowed_services,
            ip_allow: self.ip_allow,
            window,
            message_bodies_granted: self.message_bodies_granted,
            disabled: self.disabled,
        };
        (form, self.password)
    }
}

// === impl UserJson ===

impl UserJson {
    /// The answer for a stored user.
    pub fn from_record(record: &UserRecord) -> Self {
        let user = &record.user;
        let form = user.to_form();
        UserJson {
            id: record.id,
            version: record.version,
            login: form.login,
            full_name: form.full_name,
            role: form.role,
            role_title: user.role().title().to_owned(),
            allowed_services: form.allowed_services,
            ip_allow: form.ip_allow,
            window: form.window.map(|w| WindowJson {
                start: w.start,
                end: w.end,
                zone: w.zone,
            }),
            message_bodies_granted: form.message_bodies_granted,
            disabled: form.disabled,
            failed_logins: record.login_state.failures,
            locked_until: record.login_state.locked_until.map(instant::to_text),
            created_at: instant::to_text(record.created_at),
        }
    }
}

/// `GET /users`.
pub async fn list(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let users = state.store().users().await?;
    let items = users.iter().map(UserJson::from_record).collect();
    Ok(json(StatusCode::OK, &ListJson { items }))
}

/// `POST /users`: 201 with the user, its `ETag` and `Location`.
pub async fn create(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<UserFormJson>,
) -> Result<Response, ApiError> {
    let (form, password) = body.into_form();
    let Some(password) = password else {
        let mut errors = FieldErrors::new();
        errors.push("password", "Задайте пароль нового пользователя");
        if let Err(bad) = form.validate() {
            errors.extend(bad);
        }
        return Err(ApiError::Invalid(errors));
    };
    known::refuse_unknown(&state, form.validate().err(), None, &form.allowed_services)?;
    let context = caller.audit_context();
    let record = state
        .store()
        .create_user(&form, &password, &context)
        .await?;
    Ok(located(
        answer(StatusCode::CREATED, &record),
        &format!("/users/{}", record.id),
    ))
}

/// `GET /users/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let record = find(&state, &id).await?;
    Ok(answer(StatusCode::OK, &record))
}

/// `PUT /users/{id}`: replace the profile; needs `If-Match`.
pub async fn put(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<UserFormJson>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = precondition::if_match(&headers)?;
    let (form, password) = body.into_form();
    if password.is_some() {
        let mut errors = FieldErrors::new();
        errors.push(
            "password",
            "Пароль меняется отдельно: POST /api/v1/users/{id}/password",
        );
        return Err(ApiError::Invalid(errors));
    }
    known::refuse_unknown(&state, form.validate().err(), None, &form.allowed_services)?;
    let context = caller.audit_context();
    let store = state.store();
    let record = store.update_user(id, &form, expected, &context).await?;
    Ok(answer(StatusCode::OK, &record))
}

/// `DELETE /users/{id}`: needs `If-Match`; nobody deletes themselves, and
/// the store refuses to remove the last technical administrator (409).
pub async fn delete(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    let expected = precondition::if_match(&headers)?;
    if id == caller.user()?.id {
        let message = "Нельзя удалить собственную учётную запись";
        return Err(ApiError::bad_parameter("id", message));
    }
    let context = caller.audit_context();
    state.store().delete_user(id, expected, &context).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /users/{id}/password`: `If-Match` optional (the current version
/// otherwise: a password does not overwrite anyone's edits).
///
/// FIXME(#3): this is the administrator's route; users other than
/// administrators cannot change their own password yet (a self-service
/// route that asks for the old password is missing).
pub async fn set_password(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PasswordJson>,
) -> Result<Response, ApiError> {
    let current = find(&state, &id).await?;
    let expected = precondition::optional_if_match(&headers)?.unwrap_or(current.version);
    let context = caller.audit_context();
    let store = state.store();
    let record = store
        .set_password(current.id, &body.password, expected, &context)
        .await?;
    Ok(answer(StatusCode::OK, &record))
}

/// `POST /users/{id}/unlock`: `If-Match` optional, as for the password.
pub async fn unlock(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let current = find(&state, &id).await?;
    let expected = precondition::optional_if_match(&headers)?.unwrap_or(current.version);
    let context = caller.audit_context();
    let store = state.store();
    let record = store.unlock_user(current.id, expected, &context).await?;
    Ok(answer(StatusCode::OK, &record))
}

async fn find(state: &ApiState, id: &str) -> Result<UserRecord, ApiError> {
    let record = state.store().user(parse_id(id)?).await?;
    record.ok_or_else(|| not_found(id))
}

/// A path id; anything but a positive number names no user.
fn parse_id(text: &str) -> Result<i64, ApiError> {
    let id = text.parse::<i64>().ok().filter(|id| *id > 0);
    id.ok_or_else(|| not_found(text))
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound {
        kind: ObjectKind::User,
        id: id.to_owned(),
    }
}

fn answer(status: StatusCode, record: &UserRecord) -> Response {
    with_etag(json(status, &UserJson::from_record(record)), record.version)
}
