//! `/services`: services (ВС) registered at run time — list, register,
//! read, replace (`If-Match`), remove (`If-Match`), and upload the payload
//! schema (a set of XSD files with imports, compiled before it is stored;
//! a schema that does not compile is refused with libxml2's messages).
//! A service joins the exchange once its schema is uploaded; every change
//! is applied to the node's registry at once.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use base64::Engine;
use cabinet::{FieldErrors, ObjectKind, SchemaFiles, ServiceForm};
use exchange::registry_source::compile_schema;
use serde::{Deserialize, Serialize};
use store::registry::{ServiceChange, ServiceRecord};

use crate::auth::Caller;
use crate::body::{json, located, JsonBody};
use crate::instant;
use crate::path::Path;
use crate::precondition::{self, with_etag};
use crate::problem::ApiError;
use crate::state::ApiState;
use crate::systems::reload;
use crate::users::ListJson;

/// A service as submitted; missing fields count as empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceFormJson {
    /// Namespace URI of the request root element.
    pub namespace: String,
    /// Local name of the request root element.
    pub root: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Regulation, as text.
    pub regulation_text: String,
    /// Regulation, as a link.
    pub regulation_link: String,
    /// Mnemonic of the providing ИС.
    pub provider: String,
    /// Message format, e.g. `XML`.
    pub format: String,
    /// Whether requests need a personal signature (ЭП-СП).
    pub personal_signature_required: bool,
    /// Whether attachments must be signed.
    pub attachment_signature_required: bool,
}

/// `PUT /services/{id}/schema` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaJson {
    /// File name of the entry schema.
    pub entry: String,
    /// Every file of the set.
    pub files: Vec<SchemaFileJson>,
}

/// One schema file, base64.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaFileJson {
    /// File name, as imports name it.
    pub name: String,
    /// Content, base64.
    pub content_base64: String,
}

/// A service as answered.
#[derive(Debug, Serialize)]
pub struct ServiceJson {
    /// Id.
    pub id: i64,
    /// Current version (also the `ETag`).
    pub version: i64,
    /// Namespace URI of the request root element.
    pub namespace: String,
    /// Local name of the request root element.
    pub root: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Regulation, as text.
    pub regulation_text: String,
    /// Regulation, as a link.
    pub regulation_link: String,
    /// Mnemonic of the providing ИС.
    pub provider: String,
    /// Message format.
    pub format: String,
    /// Whether requests need a personal signature (ЭП-СП).
    pub personal_signature_required: bool,
    /// Whether attachments must be signed.
    pub attachment_signature_required: bool,
    /// Entry file and file names of the uploaded schema, if any.
    pub schema: Option<SchemaSummaryJson>,
    /// When it was registered.
    pub created_at: String,
}

/// The uploaded schema, without contents.
#[derive(Debug, Serialize)]
pub struct SchemaSummaryJson {
    /// Entry file.
    pub entry: String,
    /// Every file name.
    pub files: Vec<String>,
}

// === impl ServiceFormJson ===

impl ServiceFormJson {
    fn into_form(self) -> ServiceForm {
        ServiceForm {
            namespace: self.namespace,
            root: self.root,
            name: self.name,
            description: self.description,
            regulation_text: self.regulation_text,
            regulation_link: self.regulation_link,
            provider: self.provider,
            format: self.format,
            personal_signature_required: self.personal_signature_required,
            attachment_signature_required: self.attachment_signature_required,
        }
    }
}

// === impl ServiceJson ===

impl ServiceJson {
    /// The answer for a stored service.
    pub fn from_record(record: &ServiceRecord) -> Self {
        let form = record.form.clone();
        let schema = record.schema.as_ref().map(|s| SchemaSummaryJson {
            entry: s.entry.clone(),
            files: s.files.iter().map(|(name, _)| name.clone()).collect(),
        });
        ServiceJson {
            id: record.id,
            version: record.version,
            namespace: form.namespace,
            root: form.root,
            name: form.name,
            description: form.description,
            regulation_text: form.regulation_text,
            regulation_link: form.regulation_link,
            provider: form.provider,
            format: form.format,
            personal_signature_required: form.personal_signature_required,
            attachment_signature_required: form.attachment_signature_required,
            schema,
            created_at: instant::to_text(record.created_at),
        }
    }
}

/// `GET /services`: the stored services (configured ones are not listed).
pub async fn list(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let stored = state.store().stored_registry().await?;
    let items = stored
        .services
        .iter()
        .map(ServiceJson::from_record)
        .collect();
    Ok(json(StatusCode::OK, &ListJson { items }))
}

/// `POST /services`: 201 with the service, its `ETag` and `Location`.
pub async fn create(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<ServiceFormJson>,
) -> Result<Response, ApiError> {
    let form = body.into_form();
    check_against_registry(&state, &form)?;
    let context = caller.audit_context();
    let record = state.store().create_service(&form, &context).await?;
    reload(&state).await?;
    Ok(located(
        answer(StatusCode::CREATED, &record),
        &format!("/services/{}", record.id),
    ))
}

/// `GET /services/{id}`.
pub async fn get(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let record = state.store().stored_service(id).await?;
    let record = record.ok_or_else(|| not_found(id))?;
    Ok(answer(StatusCode::OK, &record))
}

/// `PUT /services/{id}`: replace the description; needs `If-Match`.
pub async fn put(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<ServiceFormJson>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = precondition::if_match(&headers)?;
    let form = body.into_form();
    check_against_registry(&state, &form)?;
    let change = ServiceChange::Describe(form);
    change_and_answer(&state, &caller, id, change, Some(expected)).await
}

/// `DELETE /services/{id}`: needs `If-Match`.
pub async fn delete(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    let expected = precondition::if_match(&headers)?;
    let context = caller.audit_context();
    let store = state.store();
    store
        .change_service(id, ServiceChange::Delete, Some(expected), &context)
        .await?;
    reload(&state).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /services/{id}/schema`: compile, then store; `If-Match` optional.
///
/// FIXME(#3): the JSON body limit (`MAX_BODY_BYTES`, 64 KiB) also caps a
/// schema set, base64 included; large ВС schemas need a higher limit here.
/// The OpenAPI document still calls `If-Match` required on this route.
pub async fn put_schema(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<SchemaJson>,
) -> Result<Response, ApiError> {
    let id = parse_id(&id)?;
    let expected = precondition::optional_if_match(&headers)?;
    let files = decode_files(body)?;
    if let Err(messages) = compile_schema(&files) {
        let mut errors = FieldErrors::new();
        for message in messages {
            errors.push("files", format!("Схема не компилируется: {message}"));
        }
        return Err(ApiError::Invalid(errors));
    }
    let change = ServiceChange::Schema(files);
    change_and_answer(&state, &caller, id, change, expected).await
}

async fn change_and_answer(
    state: &ApiState,
    caller: &Caller,
    id: i64,
    change: ServiceChange,
    expected: Option<i64>,
) -> Result<Response, ApiError> {
    let context = caller.audit_context();
    let store = state.store();
    let record = store
        .change_service(id, change, expected, &context)
        .await?
        .ok_or_else(|| not_found(id))?;
    reload(state).await?;
    Ok(answer(StatusCode::OK, &record))
}

/// A schema file's name as imports name it: a relative path whose segments
/// are plain names (sets often keep shared types in a folder), never
/// absolute, never `.` or `..`, no backslashes.
fn is_plain_file_name(name: &str) -> bool {
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '.' | '-' | '_');
    let segment_ok = |s: &str| !s.is_empty() && s != "." && s != ".." && s.chars().all(allowed);
    name.len() <= 200 && name.split('/').all(segment_ok)
}

/// The files of `body`, decoded; every bad one named.
fn decode_files(body: SchemaJson) -> Result<SchemaFiles, ApiError> {
    let mut errors = FieldErrors::new();
    let mut files = Vec::with_capacity(body.files.len());
    let engine = base64::engine::general_purpose::STANDARD;
    for (index, file) in body.files.into_iter().enumerate() {
        if !is_plain_file_name(&file.name) {
            let message = "Имя файла: относительный путь из букв, цифр, точек, дефисов и \
                           подчёркиваний, без «..»";
            errors.push(format!("files[{index}].name"), message);
        }
        match engine.decode(file.content_base64.trim()) {
            Ok(bytes) => files.push((file.name, bytes)),
            Err(_) => errors.push(format!("files[{index}]"), "Содержимое не в base64"),
        }
    }
    if !files.iter().any(|(name, _)| *name == body.entry) {
        errors.push("entry", "Главный файл схемы должен быть среди files");
    }
    let entry = body.entry;
    errors
        .into_result(|| SchemaFiles { entry, files })
        .map_err(ApiError::Invalid)
}

/// The provider must be a known ИС, and the root QName no configured ВС.
fn check_against_registry(state: &ApiState, form: &ServiceForm) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    if state.node().registry().system(&form.provider).is_none() {
        errors.push("provider", "ИС с такой мнемоникой не зарегистрирована");
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let configured = state.node().base_registry();
    if configured.service(&form.namespace, &form.root).is_some() {
        let id = format!("{{{}}}{}", form.namespace, form.root);
        return Err(ApiError::AlreadyExists {
            kind: ObjectKind::Service,
            id,
        });
    }
    Ok(())
}

fn parse_id(text: &str) -> Result<i64, ApiError> {
    let id = text.parse::<i64>().ok().filter(|id| *id > 0);
    id.ok_or_else(|| ApiError::NotFound {
        kind: ObjectKind::Service,
        id: text.to_owned(),
    })
}

fn not_found(id: i64) -> ApiError {
    ApiError::NotFound {
        kind: ObjectKind::Service,
        id: id.to_string(),
    }
}

fn answer(status: StatusCode, record: &ServiceRecord) -> Response {
    with_etag(
        json(status, &ServiceJson::from_record(record)),
        record.version,
    )
}
