//! The route table: every path, method, endpoint and access rule of the
//! API in one list, [`ROUTES`]. The axum router ([`build`]) and the OpenAPI
//! document ([`crate::openapi`]) are both made from it, so they cannot
//! drift apart.

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::Router;
use cabinet::Action;

use crate::problem::{ApiError, NodeFailure};
use crate::state::ApiState;
use crate::{
    audit, auth, clients, journal, oauth, openapi, organisation, points, requests, responses,
    services, session, status, systems, tokens, users,
};

/// Prefix of every API path.
pub const PREFIX: &str = "/api/v1";

/// An HTTP method the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without a token.
    Public,
    /// Any user with a valid token, from an allowed address and time (no
    /// API client).
    Authenticated,
    /// As [`Access::Authenticated`], and the user's role permits the action;
    /// or an API client whose token has a scope that allows it.
    Requires(Action),
}

/// What a route does; each has one handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// Log in: login and password for a session token.
    Login,
    /// End the presented session.
    Logout,
    /// The organisation card.
    GetOrganisation,
    /// Create or replace the organisation card.
    PutOrganisation,
    /// Every user.
    ListUsers,
    /// Create a user.
    CreateUser,
    /// One user.
    GetUser,
    /// Replace a user's profile.
    PutUser,
    /// Remove a user.
    DeleteUser,
    /// Set a user's password.
    SetPassword,
    /// Clear a user's lock-out.
    UnlockUser,
    /// A user's API tokens.
    ListTokens,
    /// Issue an API token.
    IssueToken,
    /// Revoke an API token.
    RevokeToken,
    /// The audit journal.
    Audit,
    /// The message journal.
    Journal,
    /// This API's OpenAPI document.
    OpenApi,
    /// Every stored information system.
    ListSystems,
    /// Register an information system.
    CreateSystem,
    /// One information system.
    GetSystem,
    /// Replace an information system's name and kind.
    PutSystem,
    /// Remove an information system.
    DeleteSystem,
    /// Upload a certificate of an information system.
    AddCertificate,
    /// Remove a certificate of an information system.
    RemoveCertificate,
    /// Every stored service.
    ListServices,
    /// Register a service.
    CreateService,
    /// One service.
    GetService,
    /// Replace a service's description.
    PutService,
    /// Remove a service.
    DeleteService,
    /// Upload a service's payload schema.
    PutServiceSchema,
    /// Send a request through the integration API.
    SendRequest,
    /// One request sent through the integration API.
    GetRequest,
    /// A page of the requests sent through the integration API.
    ListRequests,
    /// The responses, rejections and statuses received for a request.
    GetResponses,
    /// The node's status: version, store, queues, last error, uptime.
    NodeStatus,
    /// An API client's access token (OAuth2 client credentials).
    IssueAccessToken,
    /// Every API client.
    ListClients,
    /// Create an API client.
    CreateClient,
    /// One API client.
    GetClient,
    /// Replace an API client.
    PutClient,
    /// Remove an API client.
    DeleteClient,
    /// Replace an API client's secret.
    RotateClientSecret,
    /// The integration points of an information system.
    ListPoints,
    /// Register an integration point.
    CreatePoint,
    /// One integration point.
    GetPoint,
    /// Replace an integration point.
    PutPoint,
    /// Remove an integration point.
    DeletePoint,
    /// Messages given up after their delivery attempts.
    ListDeadLetters,
    /// Send a dead letter back to its queue.
    RedriveDeadLetter,
}

/// One route: method and path (under [`PREFIX`]), what it does, who may.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// Method.
    pub verb: Verb,
    /// Path under [`PREFIX`], axum syntax (`/users/{id}`).
    pub path: &'static str,
    /// What it does.
    pub endpoint: Endpoint,
    /// Who may call it.
    pub access: Access,
    /// One line in Russian, for the document.
    pub summary: &'static str,
}

const fn route(
    verb: Verb,
    path: &'static str,
    endpoint: Endpoint,
    access: Access,
    summary: &'static str,
) -> Route {
    Route {
        verb,
        path,
        endpoint,
        access,
        summary,
    }
}

/// Every route of the API.
pub const ROUTES: &[Route] = &[
    route(
        Verb::Post,
        "/session",
        Endpoint::Login,
        Access::Public,
        "Вход: логин и пароль в обмен на токен сессии",
    ),
    route(
        Verb::Delete,
        "/session",
        Endpoint::Logout,
        Access::Authenticated,
        "Выход: завершить сессию",
    ),
    route(
        Verb::Get,
        "/organisation",
        Endpoint::GetOrganisation,
        Access::Requires(Action::ViewOrganisation),
        "Карточка организации",
    ),
    route(
        Verb::Put,
        "/organisation",
        Endpoint::PutOrganisation,
        Access::Requires(Action::EditOrganisation),
        "Заполнить или изменить карточку организации",
    ),
    route(
        Verb::Get,
        "/users",
        Endpoint::ListUsers,
        Access::Requires(Action::ManageUsers),
        "Список пользователей",
    ),
    route(
        Verb::Post,
        "/users",
        Endpoint::CreateUser,
        Access::Requires(Action::ManageUsers),
        "Создать пользователя",
    ),
    route(
        Verb::Get,
        "/users/{id}",
        Endpoint::GetUser,
        Access::Requires(Action::ManageUsers),
        "Пользователь",
    ),
    route(
        Verb::Put,
        "/users/{id}",
        Endpoint::PutUser,
        Access::Requires(Action::ManageUsers),
        "Изменить пользователя",
    ),
    route(
        Verb::Delete,
        "/users/{id}",
        Endpoint::DeleteUser,
        Access::Requires(Action::ManageUsers),
        "Удалить пользователя",
    ),
    route(
        Verb::Post,
        "/users/{id}/password",
        Endpoint::SetPassword,
        Access::Requires(Action::ManageUsers),
        "Задать пароль пользователя",
    ),
    route(
        Verb::Post,
        "/users/{id}/unlock",
        Endpoint::UnlockUser,
        Access::Requires(Action::ManageUsers),
        "Снять блокировку входа",
    ),
    route(
        Verb::Get,
        "/tokens",
        Endpoint::ListTokens,
        Access::Requires(Action::ManageApiTokens),
        "API-токены пользователя",
    ),
    route(
        Verb::Post,
        "/tokens",
        Endpoint::IssueToken,
        Access::Requires(Action::ManageApiTokens),
        "Выпустить API-токен",
    ),
    route(
        Verb::Delete,
        "/tokens/{id}",
        Endpoint::RevokeToken,
        Access::Requires(Action::ManageApiTokens),
        "Отозвать API-токен",
    ),
    route(
        Verb::Get,
        "/audit",
        Endpoint::Audit,
        Access::Requires(Action::ReadAuditJournal),
        "Журнал аудита административных изменений",
    ),
    route(
        Verb::Get,
        "/journal",
        Endpoint::Journal,
        Access::Requires(Action::ReadJournal),
        "Журнал обмена сообщениями (без содержимого)",
    ),
    route(
        Verb::Get,
        "/systems",
        Endpoint::ListSystems,
        Access::Requires(Action::ManageInformationSystems),
        "Информационные системы",
    ),
    route(
        Verb::Post,
        "/systems",
        Endpoint::CreateSystem,
        Access::Requires(Action::ManageInformationSystems),
        "Зарегистрировать информационную систему",
    ),
    route(
        Verb::Get,
        "/systems/{mnemonic}",
        Endpoint::GetSystem,
        Access::Requires(Action::ManageInformationSystems),
        "Информационная система",
    ),
    route(
        Verb::Put,
        "/systems/{mnemonic}",
        Endpoint::PutSystem,
        Access::Requires(Action::ManageInformationSystems),
        "Изменить информационную систему",
    ),
    route(
        Verb::Delete,
        "/systems/{mnemonic}",
        Endpoint::DeleteSystem,
        Access::Requires(Action::ManageInformationSystems),
        "Удалить информационную систему",
    ),
    route(
        Verb::Post,
        "/systems/{mnemonic}/certificates",
        Endpoint::AddCertificate,
        Access::Requires(Action::ManageInformationSystems),
        "Загрузить сертификат ИС (PEM или DER)",
    ),
    route(
        Verb::Delete,
        "/systems/{mnemonic}/certificates/{fingerprint}",
        Endpoint::RemoveCertificate,
        Access::Requires(Action::ManageInformationSystems),
        "Удалить сертификат ИС",
    ),
    route(
        Verb::Get,
        "/services",
        Endpoint::ListServices,
        Access::Requires(Action::ManageServices),
        "Виды сведений",
    ),
    route(
        Verb::Post,
        "/services",
        Endpoint::CreateService,
        Access::Requires(Action::ManageServices),
        "Зарегистрировать вид сведений",
    ),
    route(
        Verb::Get,
        "/services/{id}",
        Endpoint::GetService,
        Access::Requires(Action::ManageServices),
        "Вид сведений",
    ),
    route(
        Verb::Put,
        "/services/{id}",
        Endpoint::PutService,
        Access::Requires(Action::ManageServices),
        "Изменить вид сведений",
    ),
    route(
        Verb::Delete,
        "/services/{id}",
        Endpoint::DeleteService,
        Access::Requires(Action::ManageServices),
        "Удалить вид сведений",
    ),
    route(
        Verb::Put,
        "/services/{id}/schema",
        Endpoint::PutServiceSchema,
        Access::Requires(Action::ManageServices),
        "Загрузить XSD-схему вида сведений",
    ),
    route(
        Verb::Post,
        "/requests",
        Endpoint::SendRequest,
        Access::Requires(Action::SendRequest),
        "Отправить запрос ИС (ключ идемпотентности client_id)",
    ),
    route(
        Verb::Get,
        "/requests",
        Endpoint::ListRequests,
        Access::Requires(Action::ReadMessages),
        "Страница запросов (since, until, status, service, limit, cursor)",
    ),
    route(
        Verb::Get,
        "/requests/{id}",
        Endpoint::GetRequest,
        Access::Requires(Action::ReadMessages),
        "Статус запроса по идентификатору сообщения или client_id",
    ),
    route(
        Verb::Post,
        "/oauth/token",
        Endpoint::IssueAccessToken,
        Access::Public,
        "Токен доступа API-клиента (OAuth 2.0 client credentials)",
    ),
    route(
        Verb::Get,
        "/clients",
        Endpoint::ListClients,
        Access::Requires(Action::ManageApiClients),
        "API-клиенты",
    ),
    route(
        Verb::Post,
        "/clients",
        Endpoint::CreateClient,
        Access::Requires(Action::ManageApiClients),
        "Создать API-клиента (секрет показывается один раз)",
    ),
    route(
        Verb::Get,
        "/clients/{id}",
        Endpoint::GetClient,
        Access::Requires(Action::ManageApiClients),
        "API-клиент",
    ),
    route(
        Verb::Put,
        "/clients/{id}",
        Endpoint::PutClient,
        Access::Requires(Action::ManageApiClients),
        "Изменить API-клиента",
    ),
    route(
        Verb::Delete,
        "/clients/{id}",
        Endpoint::DeleteClient,
        Access::Requires(Action::ManageApiClients),
        "Удалить API-клиента",
    ),
    route(
        Verb::Post,
        "/clients/{id}/secret",
        Endpoint::RotateClientSecret,
        Access::Requires(Action::ManageApiClients),
        "Выпустить новый секрет API-клиента (показывается один раз)",
    ),
    route(
        Verb::Get,
        "/responses/{id}",
        Endpoint::GetResponses,
        Access::Requires(Action::ReadMessages),
        "Ответы, отказы и статусы по запросу (идентификатор сообщения или client_id)",
    ),
    route(
        Verb::Get,
        "/status",
        Endpoint::NodeStatus,
        Access::Authenticated,
        "Состояние узла: версия, хранилище, очереди, последняя ошибка, время работы",
    ),
    route(
        Verb::Get,
        "/systems/{mnemonic}/points",
        Endpoint::ListPoints,
        Access::Requires(Action::ManageIntegrationPoints),
        "Точки интеграции ИС",
    ),
    route(
        Verb::Post,
        "/systems/{mnemonic}/points",
        Endpoint::CreatePoint,
        Access::Requires(Action::ManageIntegrationPoints),
        "Зарегистрировать точку интеграции (queue, push, upstream)",
    ),
    route(
        Verb::Get,
        "/systems/{mnemonic}/points/{id}",
        Endpoint::GetPoint,
        Access::Requires(Action::ManageIntegrationPoints),
        "Точка интеграции",
    ),
    route(
        Verb::Put,
        "/systems/{mnemonic}/points/{id}",
        Endpoint::PutPoint,
        Access::Requires(Action::ManageIntegrationPoints),
        "Изменить точку интеграции",
    ),
    route(
        Verb::Delete,
        "/systems/{mnemonic}/points/{id}",
        Endpoint::DeletePoint,
        Access::Requires(Action::ManageIntegrationPoints),
        "Удалить точку интеграции",
    ),
    route(
        Verb::Get,
        "/dead-letters",
        Endpoint::ListDeadLetters,
        Access::Requires(Action::ReadJournal),
        "Недоставленные сообщения (без содержимого)",
    ),
    route(
        Verb::Post,
        "/dead-letters/{message_id}/redrive",
        Endpoint::RedriveDeadLetter,
        Access::Requires(Action::ManageIntegrationPoints),
        "Вернуть недоставленное сообщение в очередь",
    ),
    route(
        Verb::Get,
        "/openapi.json",
        Endpoint::OpenApi,
        Access::Public,
        "Описание API в формате OpenAPI 3.1",
    ),
];

// === impl Verb ===

impl Verb {
    /// Upper-case name, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Delete => "DELETE",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Put => MethodFilter::PUT,
            Verb::Delete => MethodFilter::DELETE,
        }
    }
}

// === impl Endpoint ===

impl Endpoint {
    /// The handler of this endpoint, answering `verb`.
    fn method_router(self, verb: Verb) -> MethodRouter<ApiState> {
        let filter = verb.filter();
        match self {
            Endpoint::Login => on(filter, session::login),
            Endpoint::Logout => on(filter, session::logout),
            Endpoint::GetOrganisation => on(filter, organisation::get),
            Endpoint::PutOrganisation => on(filter, organisation::put),
            Endpoint::ListUsers => on(filter, users::list),
            Endpoint::CreateUser => on(filter, users::create),
            Endpoint::GetUser => on(filter, users::get),
            Endpoint::PutUser => on(filter, users::put),
            Endpoint::DeleteUser => on(filter, users::delete),
            Endpoint::SetPassword => on(filter, users::set_password),
            Endpoint::UnlockUser => on(filter, users::unlock),
            Endpoint::ListTokens => on(filter, tokens::list),
            Endpoint::IssueToken => on(filter, tokens::issue),
            Endpoint::RevokeToken => on(filter, tokens::revoke),
            Endpoint::Audit => on(filter, audit::list),
            Endpoint::Journal => on(filter, journal::list),
            Endpoint::OpenApi => on(filter, openapi::get),
            Endpoint::ListSystems => on(filter, systems::list),
            Endpoint::CreateSystem => on(filter, systems::create),
            Endpoint::GetSystem => on(filter, systems::get),
            Endpoint::PutSystem => on(filter, systems::put),
            Endpoint::DeleteSystem => on(filter, systems::delete),
            Endpoint::AddCertificate => on(filter, systems::add_certificate),
            Endpoint::RemoveCertificate => on(filter, systems::remove_certificate),
            Endpoint::ListServices => on(filter, services::list),
            Endpoint::CreateService => on(filter, services::create),
            Endpoint::GetService => on(filter, services::get),
            Endpoint::PutService => on(filter, services::put),
            Endpoint::DeleteService => on(filter, services::delete),
            Endpoint::PutServiceSchema => on(filter, services::put_schema),
            Endpoint::SendRequest => on(filter, requests::send),
            Endpoint::GetRequest => on(filter, requests::get),
            Endpoint::ListRequests => on(filter, requests::list),
            Endpoint::GetResponses => on(filter, responses::get),
            Endpoint::NodeStatus => on(filter, status::get),
            Endpoint::IssueAccessToken => on(filter, oauth::token),
            Endpoint::ListClients => on(filter, clients::list),
            Endpoint::CreateClient => on(filter, clients::create),
            Endpoint::GetClient => on(filter, clients::get),
            Endpoint::PutClient => on(filter, clients::put),
            Endpoint::DeleteClient => on(filter, clients::delete),
            Endpoint::RotateClientSecret => on(filter, clients::rotate_secret),
            Endpoint::ListPoints => on(filter, points::list),
            Endpoint::CreatePoint => on(filter, points::create),
            Endpoint::GetPoint => on(filter, points::get),
            Endpoint::PutPoint => on(filter, points::put),
            Endpoint::DeletePoint => on(filter, points::delete),
            Endpoint::ListDeadLetters => on(filter, points::dead_letters),
            Endpoint::RedriveDeadLetter => on(filter, points::redrive),
        }
    }
}

/// The distinct paths of [`ROUTES`], in table order.
pub fn paths() -> Vec<&'static str> {
    let mut paths: Vec<&'static str> = Vec::new();
    for route in ROUTES {
        if !paths.contains(&route.path) {
            paths.push(route.path);
        }
    }
    paths
}

/// The routes of `path`, in table order.
pub fn routes_of(path: &str) -> impl Iterator<Item = &'static Route> + '_ {
    ROUTES.iter().filter(move |r| r.path == path)
}

/// The router of [`ROUTES`] (paths without [`PREFIX`]): each route behind
/// its access guard, a 405 problem for other methods of a known path, a
/// 404 problem for unknown paths.
pub fn build<S: Clone + Send + Sync + 'static>(state: ApiState) -> Router<S> {
    let mut router = Router::new();
    for path in paths() {
        let mut methods = MethodRouter::new();
        let mut allow = Vec::new();
        for route in routes_of(path) {
            methods = methods.merge(guarded(route, &state));
            allow.push(route.verb.as_str());
        }
        let allow = allow.join(", ");
        methods = methods.fallback(move || {
            let allow = allow.clone();
            async move { ApiError::MethodNotAllowed { allow } }
        });
        router = router.route(path, methods);
    }
    let remember = middleware::map_response_with_state(state.clone(), remember_failure);
    router
        .fallback(|| async { ApiError::RouteNotFound })
        .layer(remember)
        .with_state(state)
}

/// Hands the cause of an answer that failed on the node to the node's
/// status (`GET /status`, `last_error`).
async fn remember_failure(State(state): State<ApiState>, response: Response) -> Response {
    if let Some(failure) = response.extensions().get::<NodeFailure>() {
        state.node().remember_error(format!("api: {}", failure.0));
    }
    response
}

/// `route`'s handler behind the guard of its access rule.
fn guarded(route: &Route, state: &ApiState) -> MethodRouter<ApiState> {
    let methods = route.endpoint.method_router(route.verb);
    let access = route.access;
    if access == Access::Public {
        return methods;
    }
    let guard = move |State(state): State<ApiState>, request: Request, next: Next| {
        auth::guard(state, access, request, next)
    };
    methods.route_layer(middleware::from_fn_with_state(state.clone(), guard))
}
