//! [`ApiError`]: every way an API request can fail, and the one place that
//! turns a failure into an HTTP answer — an RFC 9457 problem+json body with
//! `type`, `title`, `status`, `detail` (Russian, for people) and, for bad
//! fields, `errors: [{field, message}]`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cabinet::{AccessVerdict, Action, FieldErrors, ObjectKind, Role};
use serde::Serialize;
use store::cabinet::CabinetStoreError;

use crate::precondition;

/// Media type of problem answers.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The SMEV fault element of the node's own failures (answered with 503).
pub const SMEV_FAILURE: &str = "SMEVFailure";

/// Why an API request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No route has this path.
    #[error("no such route")]
    RouteNotFound,

    /// The path exists, the method does not.
    #[error("method not allowed, allowed: {allow}")]
    MethodNotAllowed {
        /// The methods the path has, for the `Allow` header.
        allow: String,
    },

    /// No bearer, or one that is unknown, expired or revoked.
    #[error("no valid bearer token")]
    Unauthenticated,

    /// Login or password wrong, or the login is locked out (deliberately
    /// not told apart).
    #[error("bad credentials")]
    BadCredentials,

    /// Too many failed logins from this address lately.
    #[error("too many failed logins, retry after {retry_after_secs}s")]
    TooManyLogins {
        /// Seconds until the address may try again (`Retry-After`).
        retry_after_secs: u64,
    },

    /// Too many failed client authentications at the token endpoint from
    /// this address lately (the same count as failed logins).
    #[error("too many failed client authentications, retry after {retry_after_secs}s")]
    TooManyClientFailures {
        /// Seconds until the address may try again (`Retry-After`).
        retry_after_secs: u64,
    },

    /// The change would leave the organisation without an enabled
    /// technical administrator.
    #[error("user {id} is the last active technical administrator")]
    LastAdministrator {
        /// The user's id.
        id: String,
    },

    /// The user may not come in from this address, at this time, or at all.
    #[error("access refused: {0:?}")]
    AccessRefused(AccessVerdict),

    /// The user's role may not do this.
    #[error("{role:?} may not {action:?}")]
    Forbidden {
        /// The user's role.
        role: Role,
        /// What the route needs.
        action: Action,
    },

    /// No such object.
    #[error("{kind:?} {id} not found")]
    NotFound {
        /// Its kind.
        kind: ObjectKind,
        /// Its id.
        id: String,
    },

    /// No integration request has this message id or client id (among
    /// those the caller may see).
    #[error("request {id} not found")]
    RequestNotFound {
        /// The id asked for.
        id: String,
    },

    /// An idempotency key already used with another payload (or another
    /// `test` flag).
    #[error("client id {client_id} was used with another payload")]
    KeyReused {
        /// The key.
        client_id: String,
    },

    /// The object exists already (a login, the organisation card).
    #[error("{kind:?} {id} already exists")]
    AlreadyExists {
        /// Its kind.
        kind: ObjectKind,
        /// Its id or login.
        id: String,
    },

    /// The body is not `application/json`.
    #[error("unsupported content type")]
    UnsupportedMediaType,

    /// The body is longer than the limit.
    #[error("body over {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },

    /// The body did not arrive in full within the read deadline.
    #[error("body not read within {seconds} s")]
    BodyTimeout {
        /// The deadline in seconds.
        seconds: u64,
    },

    /// The body is not JSON, or not JSON of the expected shape.
    #[error("malformed body: {reason}")]
    MalformedBody {
        /// The parser's words.
        reason: String,
    },

    /// A query parameter or header has a bad value.
    #[error("{0}")]
    BadRequest(FieldErrors),

    /// The submitted object has bad fields.
    #[error("{0}")]
    Invalid(FieldErrors),

    /// A change came without `If-Match`.
    #[error("If-Match required")]
    PreconditionRequired,

    /// A change named a version that is no longer current.
    #[error("{kind:?} {id} is at version {current}, not {expected}")]
    PreconditionFailed {
        /// Kind of the object.
        kind: ObjectKind,
        /// Its id.
        id: String,
        /// The version the caller named.
        expected: i64,
        /// The current one.
        current: i64,
    },

    /// The information system has no key configured, so the node cannot
    /// sign on its behalf.
    #[error("system {system} cannot sign: no key")]
    CannotSign {
        /// The system's mnemonic.
        system: String,
    },

    /// The node refused the request with a SMEV fault.
    #[error("smev fault {element}: {description}")]
    Refused {
        /// The fault element, e.g. `InvalidContent`; `SMEVFailure` for the
        /// node's own failures.
        element: String,
        /// The fault's `Description` (or faultstring).
        description: String,
    },

    /// The token endpoint refused (RFC 6749 §5.2); `error` is the RFC's
    /// error code, also in the problem body.
    #[error("oauth {}: {detail}", error.code())]
    OAuth {
        /// The RFC 6749 error.
        error: OAuthError,
        /// What was wrong, in Russian.
        detail: String,
    },

    /// An API client's token has no scope for the route's action (or the
    /// route is for users only).
    #[error("client lacks scope for {needed:?}")]
    ScopeMissing {
        /// The action the route needs; `None` for routes of users only.
        needed: Option<Action>,
    },

    /// An API client bound to an ИС asked to act as another one.
    #[error("client may not act as {system}")]
    SystemNotAllowed {
        /// The ИС asked for.
        system: String,
    },

    /// The client called faster than its rate.
    #[error("rate limited, retry after {retry_after} s")]
    RateLimited {
        /// Whole seconds until the next call is accepted.
        retry_after: u64,
    },

    /// The client sent its quota of messages for this period.
    #[error("message quota used up, retry after {retry_after} s")]
    QuotaExhausted {
        /// Whole seconds until the next period starts.
        retry_after: u64,
    },

    /// The node failed; the cause goes to the log, not to the caller.
    #[error("internal: {0}")]
    Internal(String),
}

/// The errors of the token endpoint: RFC 6749 §5.2 codes, and the body
/// refusals the endpoint shares with the rest of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthError {
    /// A parameter missing, repeated, unknown or malformed.
    InvalidRequest,
    /// The body is not `application/x-www-form-urlencoded` (415).
    UnsupportedMediaType,
    /// The body is over the limit (413).
    PayloadTooLarge,
    /// Unknown client, wrong secret, or no client authentication (401).
    InvalidClient,
    /// The client may not get tokens now (disabled, address, time).
    UnauthorizedClient,
    /// A grant other than `client_credentials`.
    UnsupportedGrantType,
    /// A scope unknown or beyond the client's.
    InvalidScope,
}

/// The problem+json body.
#[derive(Debug, Serialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<ProblemField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    current_version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    smev_fault: Option<String>,
    /// The RFC 6749 §5.2 error code of token endpoint refusals.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

/// One bad field in a problem body.
#[derive(Debug, Serialize)]
struct ProblemField {
    field: String,
    message: String,
}

// === impl ApiError ===

impl ApiError {
    /// The HTTP status of this failure.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::RouteNotFound
            | ApiError::NotFound { .. }
            | ApiError::RequestNotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unauthenticated | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::AccessRefused(_) | ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ApiError::AlreadyExists { .. }
            | ApiError::LastAdministrator { .. }
            | ApiError::KeyReused { .. } => StatusCode::CONFLICT,
            ApiError::TooManyLogins { .. } | ApiError::TooManyClientFailures { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::BodyTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            ApiError::MalformedBody { .. } | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::CannotSign { .. } => StatusCode::CONFLICT,
            ApiError::Refused { element, .. } if element == SMEV_FAILURE => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            ApiError::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::OAuth { error, .. } => error.status(),
            ApiError::ScopeMissing { .. } | ApiError::SystemNotAllowed { .. } => {
                StatusCode::FORBIDDEN
            }
            ApiError::RateLimited { .. } | ApiError::QuotaExhausted { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem `type` slug and Russian title.
    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::RouteNotFound => ("route-not-found", "Адрес не найден"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Метод не поддерживается"),
            ApiError::Unauthenticated => ("unauthenticated", "Требуется вход"),
            ApiError::BadCredentials => ("bad-credentials", "Вход не выполнен"),
            ApiError::AccessRefused(_) => ("access-refused", "Доступ запрещён"),
            ApiError::Forbidden { .. } => ("forbidden", "Недостаточно прав"),
            ApiError::NotFound { .. } | ApiError::RequestNotFound { .. } => {
                ("not-found", "Объект не найден")
            }
            ApiError::AlreadyExists { .. } => ("already-exists", "Объект уже существует"),
            ApiError::KeyReused { .. } => ("key-reused", "Ключ идемпотентности уже использован"),
            ApiError::TooManyLogins { .. } => ("too-many-logins", "Слишком много попыток входа"),
            ApiError::TooManyClientFailures { .. } => (
                "too-many-client-failures",
                "Слишком много попыток аутентификации клиента",
            ),
            ApiError::LastAdministrator { .. } => {
                ("last-administrator", "Последний технический администратор")
            }
            ApiError::UnsupportedMediaType => {
                ("unsupported-media-type", "Неверный тип содержимого")
            }
            ApiError::PayloadTooLarge { .. } => ("payload-too-large", "Слишком большой запрос"),
            ApiError::BodyTimeout { .. } => ("body-timeout", "Тело запроса не получено"),
            ApiError::MalformedBody { .. } => ("malformed-body", "Тело запроса не разобрано"),
            ApiError::BadRequest(_) => ("bad-request", "Неверные параметры запроса"),
            ApiError::Invalid(_) => ("validation", "Данные не прошли проверку"),
            ApiError::PreconditionRequired => ("precondition-required", "Нужен заголовок If-Match"),
            ApiError::PreconditionFailed { .. } => ("conflict", "Объект уже изменён"),
            ApiError::CannotSign { .. } => ("cannot-sign", "ИС не может подписывать"),
            ApiError::Refused { .. } => ("smev-fault", "Запрос отклонён узлом СМЭВ"),
            ApiError::OAuth { error, .. } => error.slug_and_title(),
            ApiError::ScopeMissing { .. } => ("insufficient-scope", "Недостаточно прав клиента"),
            ApiError::SystemNotAllowed { .. } => ("system-not-allowed", "Чужая ИС"),
            ApiError::RateLimited { .. } => ("rate-limited", "Слишком частые запросы"),
            ApiError::QuotaExhausted { .. } => ("quota-exhausted", "Исчерпана квота сообщений"),
            ApiError::Internal(_) => ("internal", "Внутренняя ошибка узла"),
        }
    }

    /// What happened, in Russian, for the person.
    fn detail(&self) -> String {
        match self {
            ApiError::RouteNotFound => "Такого адреса в API нет".to_owned(),
            ApiError::MethodNotAllowed { allow } => {
                format!("Для этого адреса допустимы методы: {allow}")
            }
            ApiError::Unauthenticated => {
                "Предъявите действующий токен в заголовке Authorization: Bearer".to_owned()
            }
            ApiError::BadCredentials => "Неверный логин или пароль".to_owned(),
            ApiError::AccessRefused(verdict) => verdict.message().to_owned(),
            ApiError::Forbidden { role, action } => format!(
                "Роли «{}» не разрешено действие {}",
                role.title(),
                action.as_str()
            ),
            ApiError::NotFound { kind, id } => format!("Не найдено: {} {id}", kind_title(*kind)),
            ApiError::RequestNotFound { id } => format!("Запрос {id} не найден"),
            ApiError::AlreadyExists { kind, id } => {
                format!("{} {id} уже существует", kind_title(*kind))
            }
            ApiError::KeyReused { client_id } => format!(
                "С ключом {client_id} уже отправлен запрос с другим содержимым; \
                 для нового запроса укажите новый client_id"
            ),
            ApiError::UnsupportedMediaType => {
                "Тело запроса передаётся как application/json".to_owned()
            }
            ApiError::TooManyLogins { retry_after_secs } => format!(
                "С этого адреса слишком много неудачных попыток входа; \
                 повторите через {retry_after_secs} с"
            ),
            ApiError::TooManyClientFailures { retry_after_secs } => format!(
                "С этого адреса слишком много неудачных попыток аутентификации \
                 API-клиента; повторите через {retry_after_secs} с"
            ),
            ApiError::LastAdministrator { id } => format!(
                "Пользователь {id} — последний действующий технический администратор: \
                 в организации должен остаться хотя бы один. Сначала назначьте другого"
            ),
            ApiError::PayloadTooLarge { limit } => {
                format!("Тело запроса длиннее {limit} байт")
            }
            ApiError::BodyTimeout { seconds } => {
                format!("Тело запроса не получено целиком за {seconds} с")
            }
            ApiError::MalformedBody { reason } => format!("Ошибка разбора JSON: {reason}"),
            ApiError::BadRequest(_) => "Исправьте параметры, указанные в errors".to_owned(),
            ApiError::Invalid(_) => "Исправьте поля, указанные в errors".to_owned(),
            ApiError::PreconditionRequired => {
                "Изменение требует заголовка If-Match с версией из ETag".to_owned()
            }
            ApiError::PreconditionFailed {
                kind,
                id,
                expected,
                current,
            } => format!(
                "Объект «{} {id}» изменён другим пользователем: ваша версия {expected}, \
                 текущая {current}. Загрузите объект заново",
                kind_title(*kind)
            ),
            ApiError::CannotSign { system } => {
                format!("ИС не может подписывать: ключ не задан (ИС {system})")
            }
            ApiError::Refused {
                element,
                description,
            } => format!("{element}: {description}"),
            ApiError::OAuth { .. }
            | ApiError::ScopeMissing { .. }
            | ApiError::SystemNotAllowed { .. }
            | ApiError::RateLimited { .. }
            | ApiError::QuotaExhausted { .. } => self.client_detail(),
            ApiError::Internal(_) => "Запрос не выполнен из-за ошибки узла".to_owned(),
        }
    }

    /// [`ApiError::detail`] of the API clients' refusals.
    fn client_detail(&self) -> String {
        match self {
            ApiError::OAuth { detail, .. } => detail.clone(),
            ApiError::ScopeMissing {
                needed: Some(action),
            } => format!(
                "Токену клиента не выдана область доступа для действия {}",
                action.as_str()
            ),
            ApiError::ScopeMissing { needed: None } => {
                "Этот адрес доступен только пользователям кабинета, не API-клиентам".to_owned()
            }
            ApiError::SystemNotAllowed { system } => {
                format!("Клиент не может действовать от имени ИС {system}")
            }
            ApiError::RateLimited { retry_after } => {
                format!("Превышена частота запросов клиента; повторите через {retry_after} с")
            }
            ApiError::QuotaExhausted { retry_after } => format!(
                "Квота сообщений клиента на текущий период исчерпана; \
                 новый период начнётся через {retry_after} с"
            ),
            _ => String::new(),
        }
    }

    fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let reused;
        let fields = match self {
            ApiError::BadRequest(errors) | ApiError::Invalid(errors) => errors.errors(),
            ApiError::KeyReused { .. } => {
                let mut errors = FieldErrors::new();
                errors.push("client_id", "Ключ уже использован с другим содержимым");
                reused = errors;
                reused.errors()
            }
            _ => &[],
        };
        let versions = match self {
            ApiError::PreconditionFailed {
                expected, current, ..
            } => (Some(*expected), Some(*current)),
            _ => (None, None),
        };
        Problem {
            kind: format!("urn:smevgate:problem:{slug}"),
            title,
            status: self.status().as_u16(),
            detail: self.detail(),
            errors: fields
                .iter()
                .map(|e| ProblemField {
                    field: e.field.clone(),
                    message: e.message.clone(),
                })
                .collect(),
            expected_version: versions.0,
            current_version: versions.1,
            smev_fault: match self {
                ApiError::Refused { element, .. } => Some(element.clone()),
                _ => None,
            },
            error: match self {
                ApiError::OAuth { error, .. } => Some(error.code()),
                _ => None,
            },
        }
    }

    /// A 400 naming one bad query parameter or header.
    pub fn bad_parameter(field: &str, message: &str) -> Self {
        let mut errors = FieldErrors::new();
        errors.push(field, message);
        ApiError::BadRequest(errors)
    }
}

/// The cause of a request that failed on the node, carried from the answer
/// to the router's layer that remembers it for the node's status.
#[derive(Debug, Clone)]
pub struct NodeFailure(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let failure = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "api request failed");
                Some(NodeFailure(cause.clone()))
            }
            _ => None,
        };
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        if let Some(failure) = failure {
            response.extensions_mut().insert(failure);
        }
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        match &self {
            ApiError::MethodNotAllowed { allow } => {
                if let Ok(value) = HeaderValue::from_str(allow) {
                    headers.insert(header::ALLOW, value);
                }
            }
            ApiError::Unauthenticated => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::TooManyLogins { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            ApiError::TooManyClientFailures { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            }
            ApiError::PreconditionFailed { current, .. } => {
                headers.insert(header::ETAG, precondition::etag(*current));
            }
            ApiError::OAuth { error, .. } => {
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                if *error == OAuthError::InvalidClient {
                    let challenge = HeaderValue::from_static("Basic realm=\"smevgate\"");
                    headers.insert(header::WWW_AUTHENTICATE, challenge);
                }
            }
            ApiError::ScopeMissing { .. } => {
                let challenge = HeaderValue::from_static("Bearer error=\"insufficient_scope\"");
                headers.insert(header::WWW_AUTHENTICATE, challenge);
            }
            ApiError::RateLimited { retry_after } | ApiError::QuotaExhausted { retry_after } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
            }
            _ => {}
        }
        response
    }
}

// === impl OAuthError ===

impl OAuthError {
    /// The RFC 6749 §5.2 `error` code.
    pub fn code(self) -> &'static str {
        match self {
            OAuthError::InvalidRequest
            | OAuthError::UnsupportedMediaType
            | OAuthError::PayloadTooLarge => "invalid_request",
            OAuthError::InvalidClient => "invalid_client",
            OAuthError::UnauthorizedClient => "unauthorized_client",
            OAuthError::UnsupportedGrantType => "unsupported_grant_type",
            OAuthError::InvalidScope => "invalid_scope",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            OAuthError::InvalidClient => StatusCode::UNAUTHORIZED,
            OAuthError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            OAuthError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn slug_and_title(self) -> (&'static str, &'static str) {
        match self {
            OAuthError::InvalidRequest => ("oauth-invalid-request", "Неверный запрос токена"),
            OAuthError::UnsupportedMediaType => {
                ("unsupported-media-type", "Неверный тип содержимого")
            }
            OAuthError::PayloadTooLarge => ("payload-too-large", "Слишком большой запрос"),
            OAuthError::InvalidClient => ("oauth-invalid-client", "Клиент не опознан"),
            OAuthError::UnauthorizedClient => {
                ("oauth-unauthorized-client", "Клиенту не выдаются токены")
            }
            OAuthError::UnsupportedGrantType => (
                "oauth-unsupported-grant-type",
                "Тип гранта не поддерживается",
            ),
            OAuthError::InvalidScope => ("oauth-invalid-scope", "Недопустимая область доступа"),
        }
    }
}

impl From<CabinetStoreError> for ApiError {
    fn from(error: CabinetStoreError) -> Self {
        match error {
            CabinetStoreError::Invalid(errors) => ApiError::Invalid(errors),
            CabinetStoreError::Conflict {
                kind,
                id,
                expected,
                current,
            } => ApiError::PreconditionFailed {
                kind,
                id,
                expected,
                current,
            },
            CabinetStoreError::NotFound { kind, id } => ApiError::NotFound { kind, id },
            CabinetStoreError::AlreadyExists { kind, id } => ApiError::AlreadyExists { kind, id },
            CabinetStoreError::LastAdministrator { id } => ApiError::LastAdministrator { id },
            other => ApiError::Internal(error_chain(&other)),
        }
    }
}

impl From<store::StoreError> for ApiError {
    fn from(error: store::StoreError) -> Self {
        ApiError::Internal(error_chain(&error))
    }
}

/// The object kind in Russian, capitalised, for details.
fn kind_title(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Organisation => "Карточка организации",
        ObjectKind::User => "Пользователь",
        ObjectKind::ApiToken => "API-токен",
        ObjectKind::InformationSystem => "Информационная система",
        ObjectKind::Certificate => "Сертификат",
        ObjectKind::Service => "Вид сведений",
        ObjectKind::ApiClient => "API-клиент",
        ObjectKind::IntegrationPoint => "Точка интеграции",
        ObjectKind::Message => "Сообщение",
    }
}

/// `error` and its sources, joined, for the log.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_timeout_is_408_problem() {
        let response = ApiError::BodyTimeout { seconds: 30 }.into_response();

        assert_eq!(response.status(), StatusCode::REQUEST_TIMEOUT);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }

    #[test]
    fn key_reused_is_409_naming_client_id() {
        let error = ApiError::KeyReused {
            client_id: "order-1".to_owned(),
        };

        let problem = error.problem();

        assert_eq!(error.status(), StatusCode::CONFLICT);
        assert_eq!(problem.errors.len(), 1);
        assert_eq!(problem.errors[0].field, "client_id");
        assert!(problem.detail.contains("order-1"), "{}", problem.detail);
    }

    #[test]
    fn too_many_client_failures_is_429_with_retry_after_and_no_store() {
        let error = ApiError::TooManyClientFailures {
            retry_after_secs: 42,
        };

        let response = error.into_response();

        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "42");
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    }
}
