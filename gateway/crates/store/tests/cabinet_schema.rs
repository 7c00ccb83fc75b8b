//! Cabinet tables below the API: secrets are stored only as hashes, and the
//! audit journal refuses update and delete, on both backends.

mod cabinet_support;
mod support;

use cabinet::{AccessRequest, LockoutPolicy, Secret, SecretHash};
use cabinet_support::{admin, operator_form, PASSWORD};
use store::cabinet::{AuditFilter, LoginOutcome, SESSION_TTL};
use store::Store;
use support::{fresh_schema, open_pg, pg_url, T0};

/// Secrets handed out by a fresh store: (session secret, token secret).
async fn hand_out_secrets(store: &Store) -> (Secret, Secret) {
    let (form, context) = (operator_form("ivanov"), admin());
    let user = store.create_user(&form, PASSWORD, &context).await.unwrap();
    let request = AccessRequest {
        ip: "10.1.0.1".parse().unwrap(),
        at: T0,
    };
    let policy = LockoutPolicy::default();
    let login = store.authenticate("ivanov", PASSWORD, &request, &policy, SESSION_TTL);
    let LoginOutcome::Success { secret, .. } = login.await.unwrap() else {
        panic!("expected a session");
    };
    let issued = store.issue_api_token(user.id, "ИС", None, &context);
    let (token, _) = issued.await.unwrap();
    (secret, token)
}

/// The stored hashes are the hashes of the secrets, never the secrets.
fn check_only_hashes(session: &Secret, token: &Secret, stored: &[String; 2]) {
    let expected = [session, token].map(|s| SecretHash::of_presented(s.expose()).unwrap());
    assert_eq!(stored[0], expected[0].to_hex());
    assert_eq!(stored[1], expected[1].to_hex());
    for text in stored {
        assert!(!text.contains(session.expose()) && !text.contains(token.expose()));
    }
}

#[tokio::test]
async fn sqlite_secrets_are_stored_only_as_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.db");
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let (session, token) = hand_out_secrets(&store).await;

    let conn = rusqlite::Connection::open(&path).unwrap();
    let column = |sql: &str| {
        conn.query_row(sql, [], |row| row.get::<_, String>(0))
            .unwrap()
    };
    let stored = [
        column("SELECT secret_hash FROM sessions"),
        column("SELECT secret_hash FROM api_tokens"),
    ];

    check_only_hashes(&session, &token, &stored);
}

#[tokio::test]
async fn sqlite_audit_journal_update_and_delete_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("node.db");
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    hand_out_secrets(&store).await;

    let conn = rusqlite::Connection::open(&path).unwrap();
    let update = conn.execute("UPDATE audit_journal SET actor = 'someone else'", []);
    let delete = conn.execute("DELETE FROM audit_journal", []);

    for refused in [update, delete] {
        let message = refused.unwrap_err().to_string();
        assert!(
            message.contains("audit journal is append-only"),
            "{message}"
        );
    }
    let entries = store.audit_entries(&AuditFilter::default()).await.unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].entry.actor, "admin");
}

/// A raw client on `url` working in `schema`, for checks below the API.
async fn raw_client(url: &str, schema: &str) -> tokio_postgres::Client {
    let url = format!("{url}?options=-c%20search_path%3D{schema}");
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(connection);
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_secrets_are_stored_only_as_hashes() {
    let Some(url) = pg_url() else { return };
    let schema = fresh_schema();
    let store = open_pg(&url, &schema).await;
    let (session, token) = hand_out_secrets(&store).await;

    let client = raw_client(&url, &schema).await;
    let session_row = client
        .query_one("SELECT secret_hash FROM sessions", &[])
        .await;
    let token_row = client
        .query_one("SELECT secret_hash FROM api_tokens", &[])
        .await;
    drop(store);
    Store::drop_postgres_schema(&url, &schema).await.unwrap();

    let stored = [session_row.unwrap().get(0), token_row.unwrap().get(0)];
    check_only_hashes(&session, &token, &stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_audit_journal_update_and_delete_are_refused() {
    let Some(url) = pg_url() else { return };
    let schema = fresh_schema();
    let store = open_pg(&url, &schema).await;
    hand_out_secrets(&store).await;

    let client = raw_client(&url, &schema).await;
    let update = client
        .execute("UPDATE audit_journal SET actor = 'someone else'", &[])
        .await;
    let delete = client.execute("DELETE FROM audit_journal", &[]).await;
    let entries = store.audit_entries(&AuditFilter::default()).await;
    drop(store);
    Store::drop_postgres_schema(&url, &schema).await.unwrap();

    for refused in [update, delete] {
        let error = refused.unwrap_err();
        let message = error.as_db_error().map(|e| e.message().to_owned());
        assert_eq!(message.as_deref(), Some("audit journal is append-only"));
    }
    let entries = entries.unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].entry.actor, "admin");
}
