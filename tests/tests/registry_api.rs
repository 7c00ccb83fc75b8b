//! Information systems, certificates and services registered through the
//! API take effect on the SOAP side at once, without restarting the node:
//! a new ИС with a fresh GOST certificate sends a request of a new ВС (its
//! XSD uploaded with an import) and the provider receives it; removing the
//! certificate makes the next request `SenderIsNotRegistered`. Uploads that
//! must not be stored (a schema that does not compile, a non-GOST or an
//! expired certificate) are 422 and leave nothing behind; operators and
//! auditors get 403. SQLite throughout, the main flow on PostgreSQL too.

#[allow(dead_code)]
mod api {
    pub mod client;
    pub mod fixture;
    pub mod matrix;
}

use api::client::{Answer, Call};
use api::fixture::{Cabinet, Subject};
use serde_json::{json, Value};
use smevgate_tests::{message_id, Backend, Ims, NodeOptions, TestNode, PROVIDER};
use time::OffsetDateTime;

const P: &str = ::api::PREFIX;

/// Namespace of the ВС registered at run time.
const LOOKUP_NS: &str = "urn://smevgate.test/lookup/1.0.0";

/// Its entry schema: the request element uses a type of the imported file.
const LOOKUP_XSD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:t="urn://smevgate.test/lookup-types/1.0.0"
           targetNamespace="urn://smevgate.test/lookup/1.0.0" elementFormDefault="qualified">
  <xs:import namespace="urn://smevgate.test/lookup-types/1.0.0" schemaLocation="types.xsd"/>
  <xs:element name="LookupRequest">
    <xs:complexType><xs:sequence><xs:element name="Code" type="t:CodeType"/></xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"#;

/// The imported file.
const TYPES_XSD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           targetNamespace="urn://smevgate.test/lookup-types/1.0.0">
  <xs:simpleType name="CodeType">
    <xs:restriction base="xs:string"><xs:pattern value="[0-9]{4}"/></xs:restriction>
  </xs:simpleType>
</xs:schema>
"#;

/// An EC P-256 certificate (made with OpenSSL for these tests): not GOST.
const P256_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBmTCCAT+gAwIBAgIUTqlHCDyHpveAGKQyvZdweg87pmwwCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWc21ldmdhdGUgdGVzdCBub3QgZ29zdDAgFw0yNjEyMDQxNjUy
MjBaGA8yMTI2MTExMDE2NTIyMFowITEfMB0GA1UEAwwWc21ldmdhdGUgdGVzdCBu
b3QgZ29zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDuDspPk6Cz64SYCs86U
FKraku44pey/cQ7ri6Aw8kX+UOcejA5yv6YRTJjZ7DYtcp+YI/mjXv1EloXMH2f/
nG2jUzBRMB0GA1UdDgQWBBSFftb1bRfNxlfvBq9jU8QALC7ZMzAfBgNVHSMEGDAW
gBSFftb1bRfNxlfvBq9jU8QALC7ZMzAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49
BAMCA0gAMEUCIAlZBZLACvtCkUMHbD0IbBKqOmCfocOgTEllalXf/w5OAiEAtfHT
l9JPgONXvDoUFozWHnh+Qv+Ad+OeSI3UUOfIe7c=
-----END CERTIFICATE-----
";

fn lookup_request(code: &str) -> String {
    format!(r#"<l:LookupRequest xmlns:l="{LOOKUP_NS}"><l:Code>{code}</l:Code></l:LookupRequest>"#)
}

/// A new ИС with a freshly generated key and a 30-day certificate.
fn fresh_ims(mnemonic: &'static str, valid_days: u32) -> Ims {
    let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
    let cert = gost::self_signed(&key, mnemonic, Some("smevgate tests"), valid_days);
    Ims {
        mnemonic,
        key,
        cert,
    }
}

fn base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn schema_body(entry_xsd: &str) -> Value {
    json!({
        "entry": "lookup.xsd",
        "files": [
            { "name": "lookup.xsd", "content_base64": base64(entry_xsd) },
            { "name": "types.xsd", "content_base64": base64(TYPES_XSD) },
        ],
    })
}

fn service_body() -> Value {
    json!({
        "namespace": LOOKUP_NS, "root": "LookupRequest", "name": "Поиск по коду",
        "description": "Тестовый вид сведений", "regulation_text": "Регламент 1",
        "regulation_link": "https://example.invalid/reg", "provider": PROVIDER,
        "format": "XML", "personal_signature_required": false,
    })
}

async fn as_subject(cabinet: &Cabinet, subject: Subject, call: Call) -> Answer {
    let call = Call {
        path: format!("{P}{}", call.path),
        ..call
    };
    let call = call.bearer(cabinet.bearer(subject).unwrap());
    call.send(cabinet.addr()).await
}

async fn admin(cabinet: &Cabinet, call: Call) -> Answer {
    as_subject(cabinet, Subject::Admin, call).await
}

/// Registers system `mnemonic` with `ims`'s certificate.
async fn register_system(cabinet: &Cabinet, ims: &Ims) {
    let body = json!({ "mnemonic": ims.mnemonic, "name": "Новая ИС", "kind": "ИС потребителя" });
    let created = admin(cabinet, Call::new("POST", "/systems").json(&body)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.header("etag"), "\"1\"");
    let path = format!("/systems/{}/certificates", ims.mnemonic);
    let uploaded = admin(cabinet, Call::new("POST", path).raw(ims.cert.to_pem())).await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text);
    let fingerprint = &uploaded.json()["certificates"][0]["fingerprint"];
    assert_eq!(fingerprint, &json!(ims.cert.fingerprint()));
    assert_eq!(uploaded.json()["version"], 2);
}

/// Registers the lookup ВС and uploads its schema; its id.
async fn register_service(cabinet: &Cabinet) -> i64 {
    let created = admin(
        cabinet,
        Call::new("POST", "/services").json(&service_body()),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json()["id"].as_i64().unwrap();
    let path = format!("/services/{id}/schema");
    let schema = admin(
        cabinet,
        Call::new("PUT", path).json(&schema_body(LOOKUP_XSD)),
    )
    .await;
    assert_eq!(schema.status, 200, "{}", schema.text);
    assert_eq!(
        schema.json()["schema"]["files"],
        json!(["lookup.xsd", "types.xsd"])
    );
    assert_eq!(schema.json()["version"], 2);
    id
}

async fn send_lookup(cabinet: &Cabinet, ims: &Ims, code: &str) -> smevgate_tests::HttpReply {
    let now = OffsetDateTime::now_utc();
    let envelope = ims.send_request(wire::Version::V1_3, &message_id(now), &lookup_request(code));
    cabinet.node.post(envelope, "urn:SendRequest").await
}

async fn registered_at_run_time_reaches_the_provider_until_the_cert_is_removed(backend: Backend) {
    let cabinet = Cabinet::start(backend).await;
    let ims = fresh_ims("NEWCONSUMER01", 30);
    register_system(&cabinet, &ims).await;
    register_service(&cabinet).await;

    let sent = send_lookup(&cabinet, &ims, "4242").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("requestIsQueued"), "{}", sent.body);

    let provider = Ims::provider();
    let now = OffsetDateTime::now_utc();
    let delivered = cabinet
        .node
        .post(
            provider.get_request(wire::Version::V1_3, now),
            "urn:GetRequest",
        )
        .await;
    assert_eq!(delivered.status, 200, "{}", delivered.body);
    assert!(
        delivered.body.contains("<l:Code>4242</l:Code>"),
        "{}",
        delivered.body
    );
    assert!(
        delivered.body.contains("NEWCONSUMER01"),
        "{}",
        delivered.body
    );

    let path = format!(
        "/systems/NEWCONSUMER01/certificates/{}",
        ims.cert.fingerprint()
    );
    let removed = admin(&cabinet, Call::new("DELETE", path)).await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(removed.json()["certificates"], json!([]));

    let refused = send_lookup(&cabinet, &ims, "4243").await;
    assert_eq!(refused.status, 500, "{}", refused.body);
    assert!(
        refused.body.contains("SenderIsNotRegistered"),
        "{}",
        refused.body
    );

    let filter = store::cabinet::AuditFilter {
        object_kind: Some(cabinet::ObjectKind::InformationSystem),
        ..Default::default()
    };
    let audit = cabinet.store().audit_entries(&filter).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|r| r.entry.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "information_system.create",
            "information_system.certificate_add",
            "information_system.certificate_remove"
        ]
    );
}

#[tokio::test]
async fn registry_sqlite_new_system_and_service_work_without_restart() {
    registered_at_run_time_reaches_the_provider_until_the_cert_is_removed(Backend::Sqlite).await;
}

#[tokio::test]
async fn registry_postgres_new_system_and_service_work_without_restart() {
    registered_at_run_time_reaches_the_provider_until_the_cert_is_removed(Backend::Postgres).await;
}

/// A node sharing the PostgreSQL schema notices the change through
/// `registry_version` on its next SOAP request.
#[tokio::test]
async fn registry_postgres_other_node_accepts_a_system_registered_elsewhere() {
    let cabinet = Cabinet::start(Backend::Postgres).await;
    let other = TestNode::start_with(NodeOptions {
        pg_schema: cabinet.node.pg_schema.clone(),
        ..NodeOptions::new(Backend::Postgres)
    })
    .await;
    let ims = fresh_ims("ELSEWHERE01", 30);
    register_system(&cabinet, &ims).await;
    register_service(&cabinet).await;

    let now = OffsetDateTime::now_utc();
    let envelope = ims.send_request(wire::Version::V1_3, &message_id(now), &lookup_request("7"));
    let sent = other.post(envelope, "urn:SendRequest").await;

    assert_eq!(
        sent.status, 500,
        "the code must be four digits: {}",
        sent.body
    );
    assert!(sent.body.contains("InvalidContent"), "{}", sent.body);
    let envelope = ims.send_request(
        wire::Version::V1_3,
        &message_id(now),
        &lookup_request("0007"),
    );
    let sent = other.post(envelope, "urn:SendRequest").await;
    assert_eq!(sent.status, 200, "{}", sent.body);
}

#[tokio::test]
async fn schema_with_unresolved_type_is_422_naming_it_and_not_stored() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let created = admin(
        &cabinet,
        Call::new("POST", "/services").json(&service_body()),
    )
    .await;
    let id = created.json()["id"].as_i64().unwrap();
    let broken = LOOKUP_XSD.replace("t:CodeType", "t:MissingCodeType");

    let path = format!("/services/{id}/schema");
    let refused = admin(&cabinet, Call::new("PUT", path).json(&schema_body(&broken))).await;

    refused.assert_problem(422);
    assert_eq!(refused.problem_fields()[0], "files");
    assert!(refused.text.contains("MissingCodeType"), "{}", refused.text);
    let stored = admin(&cabinet, Call::new("GET", format!("/services/{id}"))).await;
    assert_eq!(stored.json()["schema"], Value::Null);
    assert_eq!(stored.json()["version"], 1);
}

#[tokio::test]
async fn non_gost_and_expired_certificates_are_422_and_not_stored() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let body = json!({ "mnemonic": "CERTCHECK01", "name": "ИС", "kind": "ИС потребителя" });
    admin(&cabinet, Call::new("POST", "/systems").json(&body)).await;
    let path = "/systems/CERTCHECK01/certificates";
    let expired = fresh_ims("CERTCHECK01", 0).cert.to_der();

    let not_gost = admin(&cabinet, Call::new("POST", path).raw(P256_CERT)).await;
    let too_old = admin(&cabinet, Call::new("POST", path).raw(expired)).await;
    let garbage = admin(&cabinet, Call::new("POST", path).raw("не сертификат")).await;

    not_gost.assert_problem(422);
    assert!(
        not_gost.text.contains("ГОСТ Р 34.10-2012 256"),
        "{}",
        not_gost.text
    );
    too_old.assert_problem(422);
    assert!(too_old.text.contains("истёк"), "{}", too_old.text);
    garbage.assert_problem(422);
    assert!(garbage.text.contains("разобрать"), "{}", garbage.text);
    let system = admin(&cabinet, Call::new("GET", "/systems/CERTCHECK01")).await;
    assert_eq!(system.json()["certificates"], json!([]));
    assert_eq!(system.json()["version"], 1);
}

#[tokio::test]
async fn certificate_of_another_system_is_409() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let body = json!({ "mnemonic": "THIEF01", "name": "ИС", "kind": "ИС потребителя" });
    admin(&cabinet, Call::new("POST", "/systems").json(&body)).await;
    let consumer_cert = Ims::consumer().cert.to_pem();

    let taken = admin(
        &cabinet,
        Call::new("POST", "/systems/THIEF01/certificates").raw(consumer_cert),
    )
    .await;

    taken.assert_problem(409);
}

#[tokio::test]
async fn operator_and_auditor_may_not_change_the_registry() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let body = json!({ "mnemonic": "ROLECHECK01", "name": "ИС", "kind": "ИС потребителя" });
    for subject in [Subject::Operator, Subject::Auditor] {
        let call = Call::new("POST", "/systems").json(&body);
        as_subject(&cabinet, subject, call)
            .await
            .assert_problem(403);
        let call = Call::new("POST", "/services").json(&service_body());
        as_subject(&cabinet, subject, call)
            .await
            .assert_problem(403);
        let listed = as_subject(&cabinet, subject, Call::new("GET", "/systems")).await;
        listed.assert_problem(403);
    }
    let listed = admin(&cabinet, Call::new("GET", "/systems")).await;
    assert_eq!(listed.json()["items"], json!([]));
}

#[tokio::test]
async fn service_requiring_personal_signature_refuses_a_request_without_one_at_once() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let ims = fresh_ims("NEWCONSUMER01", 30);
    register_system(&cabinet, &ims).await;
    let id = register_service(&cabinet).await;
    assert_eq!(send_lookup(&cabinet, &ims, "4242").await.status, 200);

    let mut body = service_body();
    body["personal_signature_required"] = json!(true);
    let put = Call::new("PUT", format!("/services/{id}"))
        .json(&body)
        .header("if-match", "\"2\"");
    let changed = admin(&cabinet, put).await;
    assert_eq!(changed.status, 200, "{}", changed.text);

    let refused = send_lookup(&cabinet, &ims, "4243").await;
    assert_eq!(refused.status, 500, "{}", refused.body);
    assert!(refused.body.contains("InvalidContent"), "{}", refused.body);
    assert!(
        refused.body.contains("Отсутствует ЭП-СП"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn schema_file_names_climbing_out_or_absolute_are_422_naming_each() {
    let cabinet = Cabinet::start(Backend::Sqlite).await;
    let created = admin(
        &cabinet,
        Call::new("POST", "/services").json(&service_body()),
    )
    .await;
    let id = created.json()["id"].as_i64().unwrap();
    let content = base64(LOOKUP_XSD);
    let body = json!({
        "entry": "lookup.xsd",
        "files": [
            { "name": "lookup.xsd", "content_base64": content },
            { "name": "../x.xsd", "content_base64": content },
            { "name": "/etc/x.xsd", "content_base64": content },
            { "name": "common\\types.xsd", "content_base64": content },
        ],
    });

    let path = format!("/services/{id}/schema");
    let refused = admin(&cabinet, Call::new("PUT", path).json(&body)).await;

    refused.assert_problem(422);
    assert_eq!(
        refused.problem_fields(),
        ["files[1].name", "files[2].name", "files[3].name"]
    );
    let stored = admin(&cabinet, Call::new("GET", format!("/services/{id}"))).await;
    assert_eq!(stored.json()["schema"], Value::Null);
}
