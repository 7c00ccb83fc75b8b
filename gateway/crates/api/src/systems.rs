//! `/systems`: information systems (ИС) registered at run time — list,
//! register, read, replace (`If-Match`), remove (`If-Match`), and their
//! certificates: upload (PEM or DER body; GOST R 34.10-2012 256 and valid
//! now, else 422) and removal. Every change is applied to the node's
//! registry at once (no restart): the handler reloads it after the store
//! committed.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use cabinet::{CertificateFacts, FieldErrors, ObjectKind, SystemForm};
use exchange::registry_source::check_certificate;
use exchange::CertificateRefusal;
use serde::{Deserialize, Serialize};
use store::registry::SystemRecord;

use crate::auth::Caller;
use crate::body::{json, located, JsonBody, RawBody};
use crate::instant;
use crate::path::Path;
use crate::precondition::{self, with_etag};
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::users::ListJson;

/// An information system as submitted; missing fields count as empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SystemFormJson {
    /// SMEV mnemonic (`PUT`: must equal the path's, or be empty).
    pub mnemonic: String,
    /// Name.
    pub name: String,
    /// Kind of system, free text.
    pub kind: String,
    /// Auto-poll (`PUT` only): only `false` is accepted for a stored system.
    pub auto_poll: Option<bool>,
}

/// An information system as answered.
#[derive(Debug, Serialize)]
pub struct SystemJson {
    /// Mnemonic.
    pub mnemonic: String,
    /// Current version (also the `ETag`).
    pub version: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Certificates, oldest first.
    pub certificates: Vec<CertificateJson>,
    /// When it was registered.
    pub created_at: String,
}

/// A certificate as answered (no bytes).
#[derive(Debug, Serialize)]
pub struct CertificateJson {
    /// Lowercase hex of Streebog-256 over the DER.
    pub fingerprint: String,
    /// Subject.
    pub subject: String,
    /// Start of validity.
    pub not_before: String,
    /// End of validity.
    pub not_after: String,
}

// === impl SystemJson ===

impl SystemJson {
    /// The answer for a stored system.
    pub fn from_record(record: &SystemRecord) -> Self {
        SystemJson {
            mnemonic: record.form.mnemonic.clone(),
            version: record.version,
            name: record.form.name.clone(),
            kind: record.form.kind.clone(),
            certificates: record.certificates.iter().map(certificate_json).collect(),
            created_at: instant::to_text(record.created_at),
        }
    }
}

fn certificate_json(cert: &CertificateFacts) -> CertificateJson {
    CertificateJson {
        fingerprint: cert.fingerprint.clone(),
        subject: cert.subject.clone(),
        not_before: instant::to_text(cert.not_before),
        not_after: instant::to_text(cert.not_after),
    }
}

/// `GET /systems`: the stored systems (configured ones are not listed).
pub async fn list(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let stored = state.store().stored_registry().await?;
    let items = stored.systems.iter().map(SystemJson::from_record).collect();
    Ok(json(StatusCode::OK, &ListJson { items }))
}

/// `POST /systems`: 201 with the system, its `ETag` and `Location`.
pub async fn create(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<SystemFormJson>,
) -> Result<Response, ApiError> {
    let form = SystemForm {
        mnemonic: body.mnemonic,
        name: body.name,
        kind: body.kind,
    };
    if state
        .node()
        .base_registry()
        .system(&form.mnemonic)
        .is_some()
    {
        let (kind, id) = (ObjectKind::InformationSystem, form.mnemonic);
        return Err(ApiError::AlreadyExists { kind, id });
    }
    let record = state
        .store()
        .create_system(&form, &caller.audit_context())
        .await?;
    reload(&state).await?;
    Ok(located(
        answer(StatusCode::CREATED, &record),
        &format!("/systems/{}", record.form.mnemonic),
    ))
}

/// `GET /systems/{mnemonic}`.
pub async fn get(
    State(state): State<ApiState>,
    Path(mnemonic): Path<String>,
) -> Result<Response, ApiError> {
    let record = find(&state, &mnemonic).await?;
    Ok(answer(StatusCode::OK, &record))
}

/// `PUT /systems/{mnemonic}`: replace name and kind; needs `If-Match`.
pub async fn put(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(mnemonic): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<SystemFormJson>,
) -> Result<Response, ApiError> {
    let expected = precondition::if_match(&headers)?;
    // FIXME(#3): stored systems have certificates but no key, and auto-poll
    // needs the key (the node acts for the ИС only when trusted with it), so
    // it is set in `[[systems]] auto_poll` for configured systems only. Once
    // a key can be stored for a system, keep the flag on its row here.
    if body.auto_poll == Some(true) {
        let mut errors = FieldErrors::new();
        errors.push(
            "auto_poll",
            "Узел не хранит ключ этой ИС: автоопрос включается в конфигурации ([[systems]] auto_poll) для ИС с ключом",
        );
        return Err(ApiError::Invalid(errors));
    }
    if !body.mnemonic.is_empty() && body.mnemonic != mnemonic {
        let mut errors = FieldErrors::new();
        errors.push(
            "mnemonic",
            "Мнемоника ИС не меняется: зарегистрируйте новую ИС",
        );
        return Err(ApiError::Invalid(errors));
    }
    let form = SystemForm {
        mnemonic: mnemonic.clone(),
        name: body.name,
        kind: body.kind,
    };
    let context = caller.audit_context();
    let store = state.store();
    let record = store
        .update_system(&mnemonic, &form, expected, &context)
        .await?
        .ok_or_else(|| not_found(&mnemonic))?;
    reload(&state).await?;
    Ok(answer(StatusCode::OK, &record))
}

/// `DELETE /systems/{mnemonic}`: needs `If-Match`; refused while the
/// system provides a service.
pub async fn delete(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(mnemonic): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let expected = precondition::if_match(&headers)?;
    let stored = state.store().stored_registry().await?;
    let configured = state.node().base_registry();
    let provides = stored.services.iter().any(|s| s.form.provider == mnemonic)
        || configured.services().any(|s| s.provider == mnemonic);
    if provides {
        let mut errors = FieldErrors::new();
        errors.push(
            "mnemonic",
            "ИС — поставщик вида сведений: сначала удалите его",
        );
        return Err(ApiError::Invalid(errors));
    }
    let context = caller.audit_context();
    state
        .store()
        .delete_system(&mnemonic, expected, &context)
        .await?;
    reload(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /systems/{mnemonic}/certificates`: the body is the certificate,
/// PEM or DER; 201 with the system.
pub async fn add_certificate(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(mnemonic): Path<String>,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let facts = check_certificate(&body, state.now()).map_err(refusal)?;
    let registry = state.node().registry();
    let owner = registry.system_by_certificate(&facts.der);
    if owner.is_some_and(|owner| owner.mnemonic != mnemonic) {
        let (kind, id) = (ObjectKind::Certificate, facts.fingerprint);
        return Err(ApiError::AlreadyExists { kind, id });
    }
    let context = caller.audit_context();
    let store = state.store();
    let record = store.add_certificate(&mnemonic, facts, &context).await?;
    reload(&state).await?;
    Ok(answer(StatusCode::CREATED, &record))
}

/// `DELETE /systems/{mnemonic}/certificates/{fingerprint}`: 200 with the
/// system; messages signed with it are refused from now on.
pub async fn remove_certificate(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path((mnemonic, fingerprint)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let context = caller.audit_context();
    let store = state.store();
    let record = store
        .remove_certificate(&mnemonic, &fingerprint, &context)
        .await?;
    reload(&state).await?;
    Ok(answer(StatusCode::OK, &record))
}

/// Applies the stored registry to the node at once.
///
/// FIXME(#3): the change is committed before the reload; if the rebuilt
/// registry is refused (say a configured ИС now clashes with a stored one)
/// the caller gets a 500 while the node keeps the old registry. Every
/// reload also recompiles every stored schema; cache them by service
/// version when ВС get many.
pub(crate) async fn reload(state: &ApiState) -> Result<(), ApiError> {
    let reloaded = state.node().reload_registry().await;
    reloaded.map_err(|error| ApiError::Internal(format!("registry reload: {error:?}")))
}

/// A 422 naming why the certificate is refused.
fn refusal(refusal: CertificateRefusal) -> ApiError {
    let message = match refusal {
        CertificateRefusal::Unparsable(why) => {
            format!("Не удалось разобрать сертификат X.509 (PEM или DER): {why}")
        }
        CertificateRefusal::NotGost256(algorithm) => {
            format!("Ключ сертификата не ГОСТ Р 34.10-2012 256 бит: {algorithm}")
        }
        CertificateRefusal::Expired(at) => {
            format!("Срок действия сертификата истёк {}", instant::to_text(at))
        }
        CertificateRefusal::NotYetValid(at) => {
            format!("Сертификат действует только с {}", instant::to_text(at))
        }
    };
    let mut errors = FieldErrors::new();
    errors.push("certificate", message);
    ApiError::Invalid(errors)
}

async fn find(state: &ApiState, mnemonic: &str) -> Result<SystemRecord, ApiError> {
    let record = state.store().stored_system(mnemonic).await?;
    record.ok_or_else(|| not_found(mnemonic))
}

fn not_found(mnemonic: &str) -> ApiError {
    ApiError::NotFound {
        kind: ObjectKind::InformationSystem,
        id: mnemonic.to_owned(),
    }
}

fn answer(status: StatusCode, record: &SystemRecord) -> Response {
    with_etag(
        json(status, &SystemJson::from_record(record)),
        record.version,
    )
}
