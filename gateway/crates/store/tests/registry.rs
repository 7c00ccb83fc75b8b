//! Run-time registry storage on both backends: systems with certificates
//! and services with schema files, versions and conflicts, the one-owner
//! rule for certificates, audit entries and the `registry_version` counter.

#[macro_use]
mod support;

use cabinet::audit::AuditContext;
use cabinet::{CertificateFacts, ObjectKind, SchemaFiles, ServiceForm, SystemForm};
use store::cabinet::{AuditFilter, CabinetStoreError};
use store::registry::ServiceChange;
use support::{TestStore, T0};

on_both_backends!(
    system_changes_bump_versions_and_audit_each_step,
    certificate_of_another_system_is_already_exists,
    service_root_is_unique_and_schema_is_stored,
);

fn admin() -> AuditContext {
    AuditContext {
        actor: "admin".into(),
        remote: None,
        at: T0,
    }
}

fn system(mnemonic: &str) -> SystemForm {
    SystemForm {
        mnemonic: mnemonic.into(),
        name: "ИС".into(),
        kind: "ИС потребителя".into(),
    }
}

fn certificate(fingerprint: &str) -> CertificateFacts {
    CertificateFacts {
        fingerprint: fingerprint.into(),
        der: vec![0x30, 0x03, 0x02, 0x01, 0x01],
        subject: "CN=test".into(),
        not_before: T0,
        not_after: T0 + time::Duration::days(30),
    }
}

fn service(root: &str) -> ServiceForm {
    ServiceForm {
        namespace: "urn://test/registry".into(),
        root: root.into(),
        name: "ВС".into(),
        provider: "PROVIDER01".into(),
        format: "XML".into(),
        ..ServiceForm::default()
    }
}

async fn system_changes_bump_versions_and_audit_each_step(h: &TestStore) {
    let store = &h.store;
    assert_eq!(store.registry_version().await.unwrap(), 0);

    let created = store
        .create_system(&system("IS01"), &admin())
        .await
        .unwrap();
    let with_cert = store
        .add_certificate("IS01", certificate("aa"), &admin())
        .await
        .unwrap();
    let again = store
        .add_certificate("IS01", certificate("aa"), &admin())
        .await
        .unwrap();
    let renamed = SystemForm {
        name: "Новое имя".into(),
        ..system("IS01")
    };
    let stale = store.update_system("IS01", &renamed, 1, &admin()).await;
    let updated = store
        .update_system("IS01", &renamed, 2, &admin())
        .await
        .unwrap();
    let unknown = store.remove_certificate("IS01", "bb", &admin()).await;
    let removed = store
        .remove_certificate("IS01", "aa", &admin())
        .await
        .unwrap();

    assert_eq!(
        (created.version, with_cert.version, again.version),
        (1, 2, 2)
    );
    assert!(matches!(
        stale,
        Err(CabinetStoreError::Conflict { current: 2, .. })
    ));
    assert_eq!(updated.unwrap().form.name, "Новое имя");
    let not_found = matches!(
        unknown,
        Err(CabinetStoreError::NotFound {
            kind: ObjectKind::Certificate,
            ..
        })
    );
    assert!(not_found, "{unknown:?}");
    assert_eq!((removed.version, removed.certificates.len()), (4, 0));
    store.delete_system("IS01", 4, &admin()).await.unwrap();
    assert_eq!(store.stored_system("IS01").await.unwrap(), None);
    assert_eq!(store.registry_version().await.unwrap(), 5);
    let filter = AuditFilter {
        object_kind: Some(ObjectKind::InformationSystem),
        ..AuditFilter::default()
    };
    assert_eq!(store.audit_entries(&filter).await.unwrap().len(), 5);
}

async fn certificate_of_another_system_is_already_exists(h: &TestStore) {
    let store = &h.store;
    store
        .create_system(&system("IS01"), &admin())
        .await
        .unwrap();
    store
        .create_system(&system("IS02"), &admin())
        .await
        .unwrap();
    store
        .add_certificate("IS01", certificate("aa"), &admin())
        .await
        .unwrap();

    let taken = store
        .add_certificate("IS02", certificate("aa"), &admin())
        .await;

    let refused = matches!(
        taken,
        Err(CabinetStoreError::AlreadyExists {
            kind: ObjectKind::Certificate,
            ..
        })
    );
    assert!(refused, "{taken:?}");
    let second = store.stored_system("IS02").await.unwrap().unwrap();
    assert_eq!((second.version, second.certificates.len()), (1, 0));
    assert_eq!(store.registry_version().await.unwrap(), 3);
}

async fn service_root_is_unique_and_schema_is_stored(h: &TestStore) {
    let store = &h.store;
    let created = store.create_service(&service("A"), &admin()).await.unwrap();
    let twin = store.create_service(&service("A"), &admin()).await;
    let files = SchemaFiles {
        entry: "a.xsd".into(),
        files: vec![
            ("a.xsd".into(), b"<a/>".to_vec()),
            ("b.xsd".into(), b"<b/>".to_vec()),
        ],
    };
    let change = ServiceChange::Schema(files.clone());
    let with_schema = store
        .change_service(created.id, change, Some(1), &admin())
        .await;
    let stale = store
        .change_service(created.id, ServiceChange::Delete, Some(1), &admin())
        .await;

    assert!(
        matches!(twin, Err(CabinetStoreError::AlreadyExists { .. })),
        "{twin:?}"
    );
    let with_schema = with_schema.unwrap().unwrap();
    assert_eq!(
        (with_schema.version, &with_schema.schema),
        (2, &Some(files))
    );
    assert!(
        matches!(stale, Err(CabinetStoreError::Conflict { .. })),
        "{stale:?}"
    );
    let stored = store.stored_registry().await.unwrap();
    assert_eq!((stored.version, stored.services.len()), (2, 1));
    assert_eq!(stored.services[0], with_schema);
}
