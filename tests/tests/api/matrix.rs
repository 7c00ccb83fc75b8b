//! The role matrix: every route of the API against every [`Subject`], each
//! with a request that would succeed for a permitted caller, and the exact
//! status each subject must get: users by role, API clients by scope.

use serde_json::json;
use time::OffsetDateTime;

use super::client::Call;
use super::fixture::{organisation_json, user_form, Cabinet, Subject, LOGIN_USER, PASSWORD};

/// (method, path under /api/v1, administrator, operator, auditor).
pub const MATRIX: &[(&str, &str, u16, u16, u16)] = &[
    ("POST", "/session", 201, 201, 201),
    ("DELETE", "/session", 204, 204, 204),
    ("GET", "/organisation", 200, 200, 200),
    ("PUT", "/organisation", 200, 403, 403),
    ("GET", "/users", 200, 403, 403),
    ("POST", "/users", 201, 403, 403),
    ("GET", "/users/{id}", 200, 403, 403),
    ("PUT", "/users/{id}", 200, 403, 403),
    ("DELETE", "/users/{id}", 204, 403, 403),
    ("POST", "/users/{id}/password", 200, 403, 403),
    ("POST", "/users/{id}/unlock", 200, 403, 403),
    ("GET", "/tokens", 200, 403, 403),
    ("POST", "/tokens", 201, 403, 403),
    ("DELETE", "/tokens/{id}", 204, 403, 403),
    ("GET", "/audit", 200, 403, 200),
    ("GET", "/journal", 200, 403, 200),
    ("GET", "/systems", 200, 403, 403),
    ("POST", "/systems", 201, 403, 403),
    ("GET", "/systems/{mnemonic}", 200, 403, 403),
    ("PUT", "/systems/{mnemonic}", 200, 403, 403),
    ("DELETE", "/systems/{mnemonic}", 204, 403, 403),
    ("POST", "/systems/{mnemonic}/certificates", 201, 403, 403),
    (
        "DELETE",
        "/systems/{mnemonic}/certificates/{fingerprint}",
        200,
        403,
        403,
    ),
    ("GET", "/services", 200, 403, 403),
    ("POST", "/services", 201, 403, 403),
    ("GET", "/services/{id}", 200, 403, 403),
    ("PUT", "/services/{id}", 200, 403, 403),
    ("DELETE", "/services/{id}", 204, 403, 403),
    ("PUT", "/services/{id}/schema", 200, 403, 403),
    ("POST", "/requests", 201, 201, 403),
    ("GET", "/requests", 200, 200, 200),
    ("GET", "/requests/{id}", 200, 200, 200),
    ("GET", "/responses/{id}", 200, 200, 200),
    ("GET", "/status", 200, 200, 200),
    ("POST", "/oauth/token", 200, 200, 200),
    ("GET", "/clients", 200, 403, 403),
    ("POST", "/clients", 201, 403, 403),
    ("GET", "/clients/{id}", 200, 403, 403),
    ("PUT", "/clients/{id}", 200, 403, 403),
    ("DELETE", "/clients/{id}", 204, 403, 403),
    ("POST", "/clients/{id}/secret", 200, 403, 403),
    ("GET", "/systems/{mnemonic}/points", 200, 403, 403),
    ("POST", "/systems/{mnemonic}/points", 201, 403, 403),
    ("GET", "/systems/{mnemonic}/points/{id}", 200, 403, 403),
    ("PUT", "/systems/{mnemonic}/points/{id}", 200, 403, 403),
    ("DELETE", "/systems/{mnemonic}/points/{id}", 204, 403, 403),
    ("GET", "/dead-letters", 200, 403, 200),
    ("POST", "/dead-letters/{message_id}/redrive", 200, 403, 403),
    ("GET", "/openapi.json", 200, 200, 200),
];

/// The routes API clients may call: (method, path, client with every
/// scope, client with `journal:read` only). Every other non-public route
/// answers clients 403.
pub const CLIENT_MATRIX: &[(&str, &str, u16, u16)] = &[
    ("POST", "/requests", 201, 403),
    ("GET", "/requests", 200, 403),
    ("GET", "/requests/{id}", 200, 403),
    ("GET", "/responses/{id}", 200, 403),
    ("GET", "/journal", 200, 200),
    ("GET", "/dead-letters", 200, 200),
];

/// Routes anyone may call without a token.
const PUBLIC: [&str; 3] = ["/session", "/openapi.json", "/oauth/token"];

/// The status `subject` must get on a matrix row.
pub fn expected(row: &(&str, &str, u16, u16, u16), subject: Subject) -> u16 {
    let (method, path, admin, operator, auditor) = *row;
    let public = method != "DELETE" && PUBLIC.contains(&path);
    let client_row = CLIENT_MATRIX
        .iter()
        .find(|(m, p, ..)| (*m, *p) == (method, path));
    match subject {
        Subject::Admin => admin,
        Subject::Operator => operator,
        Subject::Auditor => auditor,
        _ if public => admin,
        Subject::NoToken | Subject::ExpiredToken | Subject::RevokedToken => 401,
        Subject::OutsideIp | Subject::OutsideWindow => 403,
        Subject::ClientExpired => 401,
        Subject::ClientOutsideIp | Subject::ClientOutsideWindow => 403,
        Subject::Client => client_row.map_or(403, |row| row.2),
        Subject::ClientWithoutScope => client_row.map_or(403, |row| row.3),
    }
}

/// A request for the row that a permitted `subject` would carry out; `seq`
/// keeps created names apart.
pub async fn call_for(
    cabinet: &Cabinet,
    method: &'static str,
    path: &str,
    subject: Subject,
    seq: usize,
) -> Call {
    let target = cabinet.ids["target.user"];
    let (path, call) = match (method, path) {
        ("POST", "/session") => {
            let body = json!({ "login": LOGIN_USER, "password": PASSWORD });
            (path.to_owned(), Call::new(method, "").json(&body))
        }
        ("PUT", "/organisation") => {
            let version = cabinet.organisation_version().await;
            let call = Call::new(method, "")
                .if_match(version)
                .json(&organisation_json());
            (path.to_owned(), call)
        }
        ("POST", "/users") => {
            let body = json!({
                "login": format!("new.user.{seq}"), "full_name": "Новый пользователь",
                "role": "auditor", "password": PASSWORD,
            });
            (path.to_owned(), Call::new(method, "").json(&body))
        }
        ("PUT", "/users/{id}") => {
            let version = cabinet.user_version(target).await;
            let body = json!({
                "login": "target.user", "full_name": "Изменённое имя", "role": "request_operator",
            });
            let call = Call::new(method, "").if_match(version).json(&body);
            (path.replace("{id}", &target.to_string()), call)
        }
        ("DELETE", "/users/{id}") => {
            let victim = cabinet
                .create_user(&user_form(&format!("victim.{seq}"), "auditor"))
                .await;
            let call = Call::new(method, "").if_match(victim.version);
            (path.replace("{id}", &victim.id.to_string()), call)
        }
        ("POST", "/users/{id}/password") => {
            let body = json!({ "password": "другой-длинный-пароль" });
            (
                path.replace("{id}", &target.to_string()),
                Call::new(method, "").json(&body),
            )
        }
        ("POST", "/tokens") => {
            let body = json!({ "label": format!("ИС {seq}") });
            (path.to_owned(), Call::new(method, "").json(&body))
        }
        ("DELETE", "/tokens/{id}") => {
            let store = cabinet.store();
            let context = super::fixture::setup_context();
            let (_, token) = store
                .issue_api_token(target, "жертва", None, &context)
                .await
                .unwrap();
            (
                path.replace("{id}", &token.id.to_string()),
                Call::new(method, ""),
            )
        }
        (_, p) if p.contains("/points") => point_call(cabinet, method, path, seq).await,
        (_, p) if p.contains("/redrive") => dead_letter_call(cabinet, method, path).await,
        (_, p) if p.starts_with("/systems") || p.starts_with("/services") => {
            registry_call(cabinet, method, path, seq).await
        }
        (_, p) if p.starts_with("/requests/") || p.starts_with("/responses/") => {
            request_call(cabinet, method, path, seq).await
        }
        (_, "/requests") if method == "POST" => request_call(cabinet, method, path, seq).await,
        ("POST", "/oauth/token") => {
            let (id, secret) = &cabinet.client;
            let form =
                format!("grant_type=client_credentials&client_id={id}&client_secret={secret}");
            let call = Call::new(method, "")
                .header("content-type", "application/x-www-form-urlencoded")
                .raw(form);
            (path.to_owned(), call)
        }
        (_, p) if p.starts_with("/clients") => client_call(cabinet, method, path, seq).await,
        _ => (
            path.replace("{id}", &target.to_string()),
            Call::new(method, ""),
        ),
    };
    let call = Call {
        path: format!("{}{path}", api::PREFIX),
        ..call
    };
    match bearer_for(cabinet, method, &path, subject).await {
        Some(token) => call.bearer(&token),
        None => call,
    }
}

/// The bearer `subject` presents; logging out needs a session of its own.
async fn bearer_for(
    cabinet: &Cabinet,
    method: &str,
    path: &str,
    subject: Subject,
) -> Option<String> {
    let login = match subject {
        Subject::Admin => "admin",
        Subject::Operator => "operator",
        Subject::Auditor => "auditor",
        _ => return cabinet.bearer(subject).map(str::to_owned),
    };
    if (method, path) == ("DELETE", "/session") {
        return Some(cabinet.session_for(login, OffsetDateTime::now_utc()).await);
    }
    cabinet.bearer(subject).map(str::to_owned)
}

/// A request for a `/systems` or `/services` row, on objects made for it
/// through the store (`seq` keeps their names apart).
async fn registry_call(
    cabinet: &Cabinet,
    method: &'static str,
    path: &str,
    seq: usize,
) -> (String, Call) {
    let store = cabinet.store();
    let context = super::fixture::setup_context();
    let mnemonic = format!("MATRIX_{seq}");
    let system = cabinet::SystemForm {
        mnemonic: mnemonic.clone(),
        name: "ИС матрицы".to_owned(),
        kind: "ИС потребителя".to_owned(),
    };
    let service = cabinet::ServiceForm {
        namespace: format!("urn://smevgate.test/matrix/{seq}"),
        root: "MatrixRequest".to_owned(),
        name: "ВС матрицы".to_owned(),
        provider: smevgate_tests::PROVIDER.to_owned(),
        format: "XML".to_owned(),
        ..cabinet::ServiceForm::default()
    };
    let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
    let cert = gost::self_signed(&key, &mnemonic, None, 30);
    let call = Call::new(method, "");
    if path.starts_with("/systems") && path != "/systems" {
        store.create_system(&system, &context).await.unwrap();
    }
    if path.starts_with("/services/") {
        let id = store.create_service(&service, &context).await.unwrap().id;
        let path = path.replace("{id}", &id.to_string());
        return match method {
            "PUT" if path.ends_with("/schema") => (path, call.json(&matrix_schema(seq))),
            "PUT" => (path, call.if_match(1).json(&service_json(&service))),
            "DELETE" => (path, call.if_match(1)),
            _ => (path, call),
        };
    }
    let path = path.replace("{mnemonic}", &mnemonic);
    match (method, path.as_str()) {
        ("POST", "/systems") => {
            let body = json!({ "mnemonic": mnemonic, "name": "ИС", "kind": "ИС потребителя" });
            (path, call.json(&body))
        }
        ("POST", "/services") => (path, call.json(&service_json(&service))),
        ("PUT", _) => {
            let body = json!({ "name": "Новое имя", "kind": "ИС поставщика" });
            (path, call.if_match(1).json(&body))
        }
        ("DELETE", p) if p.contains("/certificates/") => {
            let facts = exchange::registry_source::check_certificate(
                cert.as_der(),
                OffsetDateTime::now_utc(),
            )
            .unwrap();
            store
                .add_certificate(&mnemonic, facts, &context)
                .await
                .unwrap();
            (path.replace("{fingerprint}", &cert.fingerprint()), call)
        }
        ("DELETE", _) => (path, call.if_match(1)),
        ("POST", _) => (path, call.raw(cert.to_pem())),
        _ => (path, call),
    }
}

/// A request for a `/requests` row: a new echo request to send, or one
/// sent over SOAP and recorded with a client id to read back.
async fn request_call(
    cabinet: &Cabinet,
    method: &'static str,
    path: &str,
    seq: usize,
) -> (String, Call) {
    let client_id = format!("matrix-{seq}");
    if method == "POST" {
        let body = json!({
            "system": smevgate_tests::CONSUMER, "client_id": client_id,
            "payload": smevgate_tests::echo_request(),
        });
        return (path.to_owned(), Call::new(method, "").json(&body));
    }
    let now = OffsetDateTime::now_utc();
    let message_id = smevgate_tests::message_id(now);
    let consumer = smevgate_tests::Ims::consumer();
    let envelope = consumer.send_request(
        wire::Version::V1_3,
        &message_id,
        &smevgate_tests::echo_request(),
    );
    let reply = cabinet.node.post(envelope, "urn:SendRequest").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let request = store::integration::IntegrationRequest {
        system: smevgate_tests::CONSUMER.to_owned(),
        client_id,
        message_id: message_id.clone(),
        created_at: now,
        sent_by: "setup".to_owned(),
        remote: None,
        payload_digest: None,
    };
    let recorded = cabinet.store().record_integration_request(request).await;
    assert!(recorded.unwrap());
    (path.replace("{id}", &message_id), Call::new(method, ""))
}

/// A request for a `/clients` row, on a client made for it through the
/// store (never the matrix's own clients).
async fn client_call(
    cabinet: &Cabinet,
    method: &'static str,
    path: &str,
    seq: usize,
) -> (String, Call) {
    let form = super::fixture::client_form(&format!("Клиент матрицы {seq}"));
    let body = json!({
        "name": form.name, "system": form.system, "scopes": form.scopes,
        "allowed_services": form.allowed_services,
    });
    if path == "/clients" {
        let call = Call::new(method, "");
        return match method {
            "POST" => (path.to_owned(), call.json(&body)),
            _ => (path.to_owned(), call),
        };
    }
    let (_, victim) = cabinet.create_client(&form).await;
    let path = path.replace("{id}", &victim.id.to_string());
    let call = Call::new(method, "");
    match method {
        "PUT" => (path, call.if_match(1).json(&body)),
        "DELETE" => (path, call.if_match(1)),
        _ => (path, call),
    }
}

/// A request for a `/systems/{mnemonic}/points` row on the configured
/// provider, with a point of a service of its own per `seq`.
async fn point_call(
    cabinet: &Cabinet,
    method: &'static str,
    path: &str,
    seq: usize,
) -> (String, Call) {
    let provider = smevgate_tests::PROVIDER;
    let service = cabinet::PointService {
        namespace: format!("urn://smevgate.test/matrix/{seq}"),
        root: "MatrixRequest".to_owned(),
    };
    let body = json!({
        "kind": "push", "url": "http://127.0.0.1:9/push",
        "service": { "namespace": service.namespace, "root": service.root },
    });
    let path = path.replace("{mnemonic}", provider);
    let call = Call::new(method, "");
    if !path.contains("{id}") {
        return match method {
            "POST" => (path, call.json(&body)),
            _ => (path, call),
        };
    }
    let form = cabinet::PointForm {
        service: Some(service),
        ..cabinet::PointForm::new(provider, cabinet::PointKind::Push, "http://127.0.0.1:9/p")
    };
    let context = super::fixture::setup_context();
    let point = cabinet.store().create_point(&form, &context).await.unwrap();
    let path = path.replace("{id}", &point.id.to_string());
    match method {
        "PUT" => (path, call.if_match(1).json(&body)),
        "DELETE" => (path, call.if_match(1)),
        _ => (path, call),
    }
}

/// A request for the re-drive row: an echo request sent over SOAP, taken
/// and given up through the store, so there is a dead letter to re-drive.
async fn dead_letter_call(cabinet: &Cabinet, method: &'static str, path: &str) -> (String, Call) {
    let now = OffsetDateTime::now_utc();
    let message_id = smevgate_tests::message_id(now);
    let consumer = smevgate_tests::Ims::consumer();
    let payload = smevgate_tests::echo_request();
    let envelope = consumer.send_request(wire::Version::V1_3, &message_id, &payload);
    let reply = cabinet.node.post(envelope, "urn:SendRequest").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let store = cabinet.store();
    let queue = store::QueueId::new(smevgate_tests::PROVIDER, store::QueueKind::Requests);
    let lease = std::time::Duration::from_secs(60);
    let taken = store
        .take(&queue, None, now, lease, "matrix")
        .await
        .unwrap();
    assert!(taken.is_some());
    let failure = store::delivery::AttemptFailure {
        error: "matrix".to_owned(),
        fault_code: None,
    };
    let buried = store
        .dead_letter(&message_id, &failure, now, "matrix")
        .await;
    assert!(buried.unwrap());
    (
        path.replace("{message_id}", &message_id),
        Call::new(method, ""),
    )
}

fn service_json(form: &cabinet::ServiceForm) -> serde_json::Value {
    json!({
        "namespace": form.namespace, "root": form.root, "name": form.name,
        "provider": form.provider, "format": form.format,
    })
}

fn matrix_schema(seq: usize) -> serde_json::Value {
    use base64::Engine;
    let xsd = format!(
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
             targetNamespace="urn://smevgate.test/matrix/{seq}">
             <xs:element name="MatrixRequest" type="xs:string"/></xs:schema>"#
    );
    let content = base64::engine::general_purpose::STANDARD.encode(xsd);
    json!({ "entry": "m.xsd", "files": [{ "name": "m.xsd", "content_base64": content }] })
}
