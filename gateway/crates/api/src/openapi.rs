//! The OpenAPI 3.1 document of the API, built from the route table
//! ([`crate::routes::ROUTES`]) so that every served route is described and
//! nothing else is. Every route that reads a JSON body declares its
//! `requestBody`, every answer with a body declares its content, and
//! numeric query parameters are integers.

use axum::http::StatusCode;
use axum::response::Response;
use cabinet::{permits, Role, Scope};
use serde_json::{json, Map, Value};

use crate::body::json as json_answer;
use crate::routes::{self, Access, Endpoint, Route, Verb, PREFIX};

/// `GET /openapi.json`.
pub async fn get() -> Response {
    json_answer(StatusCode::OK, &document())
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for path in routes::paths() {
        let mut item = Map::new();
        for route in routes::routes_of(path) {
            item.insert(route.verb.as_str().to_lowercase(), operation(route));
        }
        paths.insert(format!("{PREFIX}{path}"), Value::Object(item));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "smevgate: административный API личного кабинета участника",
            "version": "1.0.0",
            "description": "Ошибки возвращаются как application/problem+json (RFC 9457). \
                Изменения версионируемых объектов требуют If-Match со значением ETag."
        },
        "paths": paths,
        "components": components(),
    })
}

fn operation(route: &Route) -> Value {
    let mut op = json!({
        "operationId": operation_id(route.endpoint),
        "summary": route.summary,
        "responses": responses(route),
    });
    let parameters = parameters(route);
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = request_body(route.endpoint) {
        op["requestBody"] = body;
    }
    match route.access {
        Access::Public => op["security"] = json!([]),
        Access::Authenticated => {}
        Access::Requires(action) => {
            let roles: Vec<&str> = Role::ALL
                .into_iter()
                .filter(|role| permits(*role, action))
                .map(Role::as_str)
                .collect();
            op["x-required-action"] = json!(action.as_str());
            op["x-roles"] = json!(roles);
            let scopes = scopes_for(action);
            if !scopes.is_empty() {
                op["x-scopes"] = json!(scopes);
                op["security"] = json!([{ "bearer": [] }, { "oauth2": scopes }]);
            }
        }
    }
    op
}

/// The `requestBody` of an endpoint that reads one: JSON, the token
/// endpoint's form, or a certificate's bytes.
fn request_body(endpoint: Endpoint) -> Option<Value> {
    if let Some(schema) = request_schema(endpoint) {
        return Some(json!({
            "required": true,
            "content": { "application/json": { "schema": { "$ref": schema_ref(schema) } } }
        }));
    }
    match endpoint {
        Endpoint::IssueAccessToken => Some(json!({
            "required": true,
            "content": { "application/x-www-form-urlencoded": {
                "schema": { "$ref": schema_ref("TokenRequest") } } }
        })),
        Endpoint::AddCertificate => Some(json!({
            "required": true,
            "content": {
                "application/x-pem-file": { "schema": { "type": "string" } },
                "application/pkix-cert": {
                    "schema": { "type": "string", "contentMediaType": "application/pkix-cert" }
                }
            }
        })),
        _ => None,
    }
}

/// The scopes that let an API client call a route needing `action`.
fn scopes_for(action: cabinet::Action) -> Vec<&'static str> {
    let allows = |scope: &Scope| scope.actions().contains(&action);
    Scope::ALL
        .iter()
        .filter(|s| allows(s))
        .map(|s| s.as_str())
        .collect()
}

fn responses(route: &Route) -> Value {
    let (code, schema) = success(route.endpoint);
    let mut answers = Map::new();
    let ok = match schema {
        Some(schema) => json!({
            "description": "Успешно",
            "content": { "application/json": { "schema": { "$ref": schema_ref(schema) } } }
        }),
        None => json!({ "description": "Успешно, без тела" }),
    };
    answers.insert(code.to_string(), ok);
    for code in failures(route) {
        let schema = json!({ "$ref": schema_ref("Problem") });
        let problem = json!({
            "description": "Ошибка",
            "content": { "application/problem+json": { "schema": schema } }
        });
        answers.insert(code.to_string(), problem);
    }
    Value::Object(answers)
}

/// Problem statuses a route can answer.
fn failures(route: &Route) -> Vec<u16> {
    let mut codes = vec![405];
    if route.access != Access::Public {
        codes.extend([401, 403]);
    }
    if route.endpoint == Endpoint::Login {
        codes.extend([401, 403, 429]);
    }
    if matches!(route.endpoint, Endpoint::PutUser | Endpoint::DeleteUser) {
        codes.push(409);
    }
    codes.extend(body_failures(route.endpoint));
    if let Access::Requires(action) = route.access {
        if !scopes_for(action).is_empty() {
            codes.push(429);
        }
    }
    let queried = matches!(
        route.endpoint,
        Endpoint::Audit
            | Endpoint::Journal
            | Endpoint::ListTokens
            | Endpoint::Logout
            | Endpoint::ListRequests
            | Endpoint::ListDeadLetters
    );
    if queried {
        codes.push(400);
    }
    if route.path.contains('{') {
        // A path parameter that cannot be read is a 400 naming it.
        codes.push(400);
    }
    if route.path.contains('{') || route.endpoint == Endpoint::GetOrganisation {
        codes.push(404);
    }
    if matches!(route.verb, Verb::Put | Verb::Delete) && route.endpoint != Endpoint::RevokeToken {
        codes.extend([412, 428]);
    }
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// Problem statuses of reading an endpoint's body and of what it sends.
fn body_failures(endpoint: Endpoint) -> Vec<u16> {
    let mut codes = Vec::new();
    if request_schema(endpoint).is_some() {
        codes.extend([400, 408, 413, 415, 422]);
    }
    match endpoint {
        Endpoint::IssueAccessToken => codes.extend([400, 401, 408, 413, 415, 429]),
        Endpoint::SendRequest => codes.push(409),
        Endpoint::AddCertificate => codes.extend([408, 413, 422]),
        _ => {}
    }
    codes
}

fn parameters(route: &Route) -> Vec<Value> {
    let mut parameters = Vec::new();
    if route.path.contains("{id}") {
        // Requests and responses are found by message id or client id.
        let by_text = route.path.starts_with("/requests/") || route.path.starts_with("/responses/");
        let kind = if by_text { "string" } else { "integer" };
        parameters.push(json!({
            "name": "id", "in": "path", "required": true, "schema": { "type": kind }
        }));
    }
    for name in ["mnemonic", "fingerprint", "message_id"] {
        if route.path.contains(&format!("{{{name}}}")) {
            parameters.push(json!({
                "name": name, "in": "path", "required": true, "schema": { "type": "string" }
            }));
        }
    }
    if matches!(route.verb, Verb::Put | Verb::Delete) && route.endpoint != Endpoint::RevokeToken {
        parameters.push(json!({
            "name": "If-Match", "in": "header", "required": true,
            "description": "Версия объекта из его ETag", "schema": { "type": "string" }
        }));
    }
    for name in query_parameters(route.endpoint) {
        let kind = match *name {
            "limit" | "user_id" => "integer",
            _ => "string",
        };
        let schema = match kind {
            "integer" => json!({ "type": kind, "minimum": 1 }),
            _ => json!({ "type": kind }),
        };
        parameters.push(json!({ "name": name, "in": "query", "schema": schema }));
    }
    parameters
}

/// The query parameters an endpoint reads.
fn query_parameters(endpoint: Endpoint) -> &'static [&'static str] {
    match endpoint {
        Endpoint::Audit => &["since", "until", "actor", "object", "limit"],
        Endpoint::Journal => &[
            "since",
            "until",
            "operation",
            "message_kind",
            "status",
            "participant",
            "message_id",
            "limit",
        ],
        Endpoint::ListTokens => &["user_id"],
        Endpoint::ListRequests => &["since", "until", "status", "service", "limit", "cursor"],
        Endpoint::ListDeadLetters => &["limit"],
        _ => &[],
    }
}

fn operation_id(endpoint: Endpoint) -> String {
    let name = format!("{endpoint:?}");
    let mut id = String::new();
    for (index, c) in name.chars().enumerate() {
        match index == 0 {
            true => id.extend(c.to_lowercase()),
            false => id.push(c),
        }
    }
    id
}

/// The success status and answer schema of an endpoint; `None` for the
/// 204s, which have no body (every other answer is JSON).
fn success(endpoint: Endpoint) -> (u16, Option<&'static str>) {
    match endpoint {
        Endpoint::Login => (201, Some("Session")),
        Endpoint::Logout | Endpoint::DeleteUser | Endpoint::RevokeToken => (204, None),
        Endpoint::GetOrganisation | Endpoint::PutOrganisation => (200, Some("Organisation")),
        Endpoint::ListUsers => (200, Some("UserList")),
        Endpoint::CreateUser => (201, Some("User")),
        Endpoint::GetUser | Endpoint::PutUser => (200, Some("User")),
        Endpoint::SetPassword | Endpoint::UnlockUser => (200, Some("User")),
        Endpoint::ListTokens => (200, Some("TokenList")),
        Endpoint::IssueToken => (201, Some("IssuedToken")),
        Endpoint::Audit => (200, Some("AuditList")),
        Endpoint::Journal => (200, Some("JournalList")),
        Endpoint::OpenApi => (200, Some("OpenApiDocument")),
        Endpoint::ListSystems => (200, Some("SystemList")),
        Endpoint::ListServices => (200, Some("ServiceList")),
        Endpoint::CreateSystem | Endpoint::AddCertificate => (201, Some("System")),
        Endpoint::GetSystem | Endpoint::PutSystem | Endpoint::RemoveCertificate => {
            (200, Some("System"))
        }
        Endpoint::CreateService => (201, Some("Service")),
        Endpoint::GetService | Endpoint::PutService | Endpoint::PutServiceSchema => {
            (200, Some("Service"))
        }
        Endpoint::DeleteSystem | Endpoint::DeleteService => (204, None),
        Endpoint::SendRequest => (201, Some("Request")),
        Endpoint::GetRequest => (200, Some("Request")),
        Endpoint::ListRequests => (200, Some("RequestPage")),
        Endpoint::GetResponses => (200, Some("Responses")),
        Endpoint::NodeStatus => (200, Some("NodeStatus")),
        Endpoint::IssueAccessToken => (200, Some("AccessToken")),
        Endpoint::ListClients => (200, Some("ClientList")),
        Endpoint::CreateClient => (201, Some("IssuedClient")),
        Endpoint::RotateClientSecret => (200, Some("IssuedClient")),
        Endpoint::GetClient | Endpoint::PutClient => (200, Some("Client")),
        Endpoint::DeleteClient => (204, None),
        Endpoint::ListPoints => (200, Some("PointList")),
        Endpoint::ListDeadLetters => (200, Some("DeadLetterList")),
        Endpoint::CreatePoint => (201, Some("Point")),
        Endpoint::GetPoint | Endpoint::PutPoint => (200, Some("Point")),
        Endpoint::RedriveDeadLetter => (200, Some("DeadLetter")),
        Endpoint::DeletePoint => (204, None),
    }
}

/// The JSON request body schema of an endpoint, if it reads one.
fn request_schema(endpoint: Endpoint) -> Option<&'static str> {
    match endpoint {
        Endpoint::Login => Some("Login"),
        Endpoint::PutOrganisation => Some("OrganisationForm"),
        Endpoint::CreateUser | Endpoint::PutUser => Some("UserForm"),
        Endpoint::SetPassword => Some("Password"),
        Endpoint::IssueToken => Some("NewToken"),
        Endpoint::CreateClient | Endpoint::PutClient => Some("ClientForm"),
        Endpoint::CreateSystem | Endpoint::PutSystem => Some("SystemForm"),
        Endpoint::CreateService | Endpoint::PutService => Some("ServiceForm"),
        Endpoint::PutServiceSchema => Some("SchemaUpload"),
        Endpoint::SendRequest => Some("SendRequest"),
        Endpoint::CreatePoint | Endpoint::PutPoint => Some("PointForm"),
        _ => None,
    }
}

fn schema_ref(name: &str) -> String {
    format!("#/components/schemas/{name}")
}

/// An object schema whose properties are all of the given types.
fn object(properties: &[(&str, &str)], required: &[&str]) -> Value {
    let mut props = Map::new();
    for (name, kind) in properties {
        props.insert((*name).to_owned(), json!({ "type": kind }));
    }
    json!({
        "type": "object", "properties": props, "required": required,
        "additionalProperties": false
    })
}

fn list_of(item: &str) -> Value {
    json!({
        "type": "object", "required": ["items"],
        "properties": { "items": { "type": "array", "items": { "$ref": schema_ref(item) } } }
    })
}

/// Fields of the organisation card form.
const ORGANISATION_FORM: &[(&str, &str)] = &[
    ("full_name", "string"),
    ("short_name", "string"),
    ("inn", "string"),
    ("ogrn", "string"),
    ("kpp", "string"),
    ("address", "string"),
    ("email", "string"),
    ("phone", "string"),
    ("status", "string"),
];

/// Fields of the user form (`password` on creation only).
const USER_FORM: &[(&str, &str)] = &[
    ("login", "string"),
    ("full_name", "string"),
    ("role", "string"),
    ("allowed_services", "array"),
    ("ip_allow", "array"),
    ("window", "object"),
    ("message_bodies_granted", "boolean"),
    ("disabled", "boolean"),
    ("password", "string"),
];

/// Fields a stored user adds to its form.
const USER_STORED: &[(&str, &str)] = &[
    ("id", "integer"),
    ("version", "integer"),
    ("role_title", "string"),
    ("failed_logins", "integer"),
    ("locked_until", "string"),
    ("created_at", "string"),
];

const TOKEN: &[(&str, &str)] = &[
    ("id", "integer"),
    ("user_id", "integer"),
    ("label", "string"),
    ("created_at", "string"),
    ("expires_at", "string"),
    ("revoked_at", "string"),
];

const AUDIT: &[(&str, &str)] = &[
    ("id", "integer"),
    ("at", "string"),
    ("actor", "string"),
    ("remote", "string"),
    ("action", "string"),
    ("object_kind", "string"),
    ("object_id", "string"),
    ("before", "object"),
    ("after", "object"),
];

const JOURNAL: &[(&str, &str)] = &[
    ("id", "integer"),
    ("at", "string"),
    ("node_id", "string"),
    ("operation", "string"),
    ("message_kind", "string"),
    ("status", "string"),
    ("message_id", "string"),
    ("sender", "string"),
    ("recipient", "string"),
    ("fault_code", "string"),
    ("detail", "string"),
];

/// Fields of the API client form.
const CLIENT_FORM: &[(&str, &str)] = &[
    ("name", "string"),
    ("system", "string"),
    ("scopes", "array"),
    ("allowed_services", "array"),
    ("ip_allow", "array"),
    ("window", "object"),
    ("rate", "object"),
    ("quota", "object"),
    ("disabled", "boolean"),
];

const TOKEN_REQUEST: &[(&str, &str)] = &[
    ("grant_type", "string"),
    ("scope", "string"),
    ("client_id", "string"),
    ("client_secret", "string"),
];

const ACCESS_TOKEN: &[(&str, &str)] = &[
    ("access_token", "string"),
    ("token_type", "string"),
    ("expires_in", "integer"),
    ("scope", "string"),
];

const SYSTEM_FORM: &[(&str, &str)] = &[
    ("mnemonic", "string"),
    ("name", "string"),
    ("kind", "string"),
    ("auto_poll", "boolean"),
];

const SERVICE_FORM: &[(&str, &str)] = &[
    ("namespace", "string"),
    ("root", "string"),
    ("name", "string"),
    ("description", "string"),
    ("regulation_text", "string"),
    ("regulation_link", "string"),
    ("provider", "string"),
    ("format", "string"),
    ("personal_signature_required", "boolean"),
    ("attachment_signature_required", "boolean"),
];

const SEND_REQUEST: &[(&str, &str)] = &[
    ("system", "string"),
    ("client_id", "string"),
    ("payload", "string"),
    ("test", "boolean"),
];

const REQUEST: &[(&str, &str)] = &[
    ("message_id", "string"),
    ("client_id", "string"),
    ("system", "string"),
    ("service", "string"),
    ("status", "string"),
    ("state", "string"),
    ("sent_at", "string"),
    ("delivered_at", "string"),
    ("sent_by", "string"),
    ("remote", "string"),
];

const POINT_FORM: &[(&str, &str)] = &[
    ("service", "object"),
    ("kind", "string"),
    ("url", "string"),
    ("max_attempts", "integer"),
    ("backoff_base_ms", "integer"),
    ("backoff_cap_ms", "integer"),
    ("timeout_ms", "integer"),
];

const PROBLEM: &[(&str, &str)] = &[
    ("type", "string"),
    ("title", "string"),
    ("status", "integer"),
    ("detail", "string"),
    ("errors", "array"),
    ("expected_version", "integer"),
    ("current_version", "integer"),
    ("error", "string"),
];

fn components() -> Value {
    let mut organisation = ORGANISATION_FORM.to_vec();
    organisation.extend([("version", "integer"), ("status_title", "string")]);
    let mut user = USER_FORM[..8].to_vec();
    user.extend_from_slice(USER_STORED);
    let session = [
        ("token", "string"),
        ("expires_at", "string"),
        ("user", "object"),
    ];
    let new_token = [
        ("label", "string"),
        ("user_id", "integer"),
        ("expires_at", "string"),
    ];
    let issued = [("token", "object"), ("secret", "string")];
    let mut document = json!({
        "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer" },
            "oauth2": oauth2_scheme(),
        },
        "schemas": {
            "Problem": object(PROBLEM, &["type", "title", "status", "detail"]),
            "Login": object(&[("login", "string"), ("password", "string")], &["login", "password"]),
            "Session": object(&session, &["token", "expires_at", "user"]),
            "OrganisationForm": object(ORGANISATION_FORM, &[]),
            "Organisation": object(&organisation, &["version"]),
            "UserForm": object(USER_FORM, &[]),
            "User": object(&user, &["id", "version", "login", "role"]),
            "UserList": list_of("User"),
            "Password": object(&[("password", "string")], &["password"]),
            "NewToken": object(&new_token, &["label"]),
            "Token": object(TOKEN, &["id", "user_id", "label", "created_at"]),
            "TokenList": list_of("Token"),
            "IssuedToken": object(&issued, &["token", "secret"]),
            "Audit": object(AUDIT, &["id", "at", "actor", "action"]),
            "AuditList": list_of("Audit"),
            "JournalEntry": object(JOURNAL, &["id", "at", "operation"]),
            "JournalList": list_of("JournalEntry"),
        },
    });
    if let Some(schemas) = document["schemas"].as_object_mut() {
        schemas.extend(client_schemas());
        schemas.extend(registry_schemas());
    }
    document
}

/// The schemas of systems, services, requests and integration points.
/// Answers described only as objects are FIXME(#3): their fields are not
/// listed yet.
fn registry_schemas() -> Map<String, Value> {
    let file = [("name", "string"), ("content_base64", "string")];
    let any_object = json!({ "type": "object" });
    let page = json!({
        "type": "object", "required": ["items", "next"],
        "properties": {
            "items": { "type": "array", "items": { "$ref": schema_ref("Request") } },
            "next": { "type": ["string", "null"] }
        }
    });
    let schemas = json!({
        "SystemForm": object(SYSTEM_FORM, &[]),
        "System": any_object,
        "SystemList": list_of("System"),
        "ServiceForm": object(SERVICE_FORM, &[]),
        "Service": any_object,
        "ServiceList": list_of("Service"),
        "SchemaUpload": {
            "type": "object", "required": ["entry", "files"], "additionalProperties": false,
            "properties": {
                "entry": { "type": "string" },
                "files": { "type": "array", "items": object(&file, &["name", "content_base64"]) }
            }
        },
        "SendRequest": object(SEND_REQUEST, &["client_id", "payload"]),
        "Request": object(REQUEST, &["message_id", "client_id", "system", "service", "status"]),
        "RequestPage": page,
        "Responses": any_object,
        "NodeStatus": any_object,
        "PointForm": object(POINT_FORM, &["kind"]),
        "Point": any_object,
        "PointList": list_of("Point"),
        "DeadLetter": any_object,
        "DeadLetterList": list_of("DeadLetter"),
        "OpenApiDocument": any_object,
    });
    match schemas {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The OAuth 2.0 client credentials scheme of API clients.
fn oauth2_scheme() -> Value {
    let scopes: Map<String, Value> = Scope::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), json!(s.as_str())))
        .collect();
    json!({ "type": "oauth2", "flows": { "clientCredentials": {
        "tokenUrl": format!("{PREFIX}/oauth/token"), "scopes": scopes } } })
}

/// The schemas of the token endpoint and of `/clients`.
fn client_schemas() -> Map<String, Value> {
    let mut client = CLIENT_FORM.to_vec();
    client.extend([
        ("client_id", "string"),
        ("version", "integer"),
        ("created_at", "string"),
    ]);
    let issued = [("client", "object"), ("client_secret", "string")];
    let schemas = json!({
        "TokenRequest": object(TOKEN_REQUEST, &["grant_type"]),
        "AccessToken": object(ACCESS_TOKEN, &["access_token", "token_type", "expires_in"]),
        "ClientForm": object(CLIENT_FORM, &[]),
        "Client": object(&client, &["client_id", "version", "name", "scopes"]),
        "ClientList": list_of("Client"),
        "IssuedClient": object(&issued, &["client", "client_secret"]),
    });
    match schemas {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operations(document: &Value) -> Vec<(String, &Value)> {
        let mut found = Vec::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                found.push((format!("{method} {path}"), op));
            }
        }
        found
    }

    #[test]
    fn openapi_every_answer_but_204_declares_json_content() {
        let document = document();
        for (name, op) in operations(&document) {
            for (code, answer) in op["responses"].as_object().unwrap() {
                let declared = answer.get("content").is_some();
                assert_eq!(declared, code != "204", "{name} {code}: {answer}");
            }
        }
    }

    #[test]
    fn openapi_every_referenced_schema_exists() {
        let document = document();
        let text = document.to_string();
        let schemas = document["components"]["schemas"].as_object().unwrap();
        for reference in text.split("#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "{name}");
        }
    }

    #[test]
    fn openapi_numeric_query_parameters_are_integers() {
        let document = document();
        for (name, op) in operations(&document) {
            let parameters = op["parameters"].as_array().cloned().unwrap_or_default();
            for parameter in parameters {
                let numeric = ["limit", "user_id"].contains(&parameter["name"].as_str().unwrap());
                if numeric {
                    assert_eq!(parameter["schema"]["type"], "integer", "{name}");
                }
            }
        }
    }

    #[test]
    fn openapi_post_and_put_of_json_routes_declare_a_json_request_body() {
        let document = document();
        for route in routes::ROUTES {
            let op = &document["paths"][format!("{PREFIX}{}", route.path)]
                [route.verb.as_str().to_lowercase()];
            let json_body = &op["requestBody"]["content"]["application/json"]["schema"];
            match request_schema(route.endpoint) {
                Some(_) => assert!(json_body["$ref"].is_string(), "{:?}", route.endpoint),
                None => assert!(json_body.is_null(), "{:?}", route.endpoint),
            }
        }
    }
}
