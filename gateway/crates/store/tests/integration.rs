//! The integration API's storage on both backends: who sent a request and
//! from where, the request page (filters, stable cursor), and received
//! responses stored once per message id with their fields in order.

#[macro_use]
mod support;

use store::integration::{
    IntegrationRequest, ReceivedResponse, RequestCursor, RequestFilter, ResponseKind,
};
use store::{PayloadName, StoredMessage};
use support::{put, request, TestStore, T0};
use time::Duration;

on_both_backends!(
    request_page_filters_by_time_status_service_and_resumes_after_the_cursor,
    received_response_is_stored_once_with_its_fields_in_order,
    request_records_sender_and_address,
    request_keeps_its_payload_digest_and_an_old_row_has_none,
);

async fn send(h: &TestStore, n: i64, client_id: &str) -> IntegrationRequest {
    let mut message = request("PROVIDER01", T0 + Duration::seconds(n));
    if n % 2 == 0 {
        message.payload = PayloadName::new("urn://test/other", "OtherRequest");
        message.status = "underProcessing".into();
    }
    put(&h.store, &message).await;
    let recorded = IntegrationRequest {
        system: "CONSUMER01".into(),
        client_id: client_id.into(),
        message_id: message.message_id.clone(),
        created_at: T0 + Duration::seconds(n),
        sent_by: "operator".into(),
        remote: Some("192.0.2.7".parse().unwrap()),
        payload_digest: (n % 3 != 0).then(|| format!("sha256:{n:064}")),
    };
    assert!(h
        .store
        .record_integration_request(recorded.clone())
        .await
        .unwrap());
    recorded
}

async fn page(h: &TestStore, filter: RequestFilter) -> Vec<String> {
    let rows = h.store.integration_request_page(&filter).await.unwrap();
    rows.into_iter().map(|r| r.request.client_id).collect()
}

async fn request_page_filters_by_time_status_service_and_resumes_after_the_cursor(h: &TestStore) {
    let mut sent = Vec::new();
    for n in 1..=5 {
        sent.push(send(h, n, &format!("c-{n}")).await);
    }
    let all = |limit| RequestFilter {
        limit,
        ..RequestFilter::default()
    };
    let third = &sent[2];
    let after_third = RequestFilter {
        after: Some(RequestCursor {
            created_at: third.created_at,
            message_id: third.message_id.clone(),
        }),
        ..all(10)
    };
    let window = RequestFilter {
        since: Some(T0 + Duration::seconds(2)),
        until: Some(T0 + Duration::seconds(4)),
        ..all(10)
    };
    let processing = RequestFilter {
        status: Some("underProcessing".into()),
        ..all(10)
    };
    let other = RequestFilter {
        service: Some(PayloadName::new("urn://test/other", "OtherRequest")),
        ..all(10)
    };

    assert_eq!(page(h, all(2)).await, ["c-1", "c-2"]);
    assert_eq!(page(h, after_third).await, ["c-4", "c-5"]);
    assert_eq!(page(h, window).await, ["c-2", "c-3"]);
    assert_eq!(page(h, processing).await, ["c-2", "c-4"]);
    assert_eq!(page(h, other).await, ["c-2", "c-4"]);
    let rows = h.store.integration_request_page(&all(1)).await.unwrap();
    assert_eq!(rows[0].status, "requestIsQueued");
    assert_eq!(rows[0].state, store::MessageState::Pending);
    assert_eq!(rows[0].sent_at, T0 + Duration::seconds(1));
    assert_eq!(rows[0].delivered_at, None);
}

fn rejection(message_id: &str, request_id: &str) -> ReceivedResponse {
    ReceivedResponse {
        message_id: message_id.into(),
        request_message_id: request_id.into(),
        system: "CONSUMER01".into(),
        kind: ResponseKind::Rejection,
        status: Some("NO_DATA".into()),
        description: Some("нет".into()),
        payload: None,
        fields: vec![
            ("NO_DATA".into(), "нет".into()),
            ("FAILURE".into(), "сбой".into()),
            ("ACCESS_DENIED".into(), "нельзя".into()),
        ],
        received_at: T0,
    }
}

async fn received_response_is_stored_once_with_its_fields_in_order(h: &TestStore) {
    let store = &h.store;
    let status = ReceivedResponse {
        kind: ResponseKind::Status,
        status: Some("underProcessing".into()),
        fields: Vec::new(),
        ..rejection("m-status", "r-1")
    };
    let response = ReceivedResponse {
        kind: ResponseKind::Response,
        payload: Some("<q:Answer xmlns:q=\"urn:q\">1</q:Answer>".into()),
        received_at: T0 + Duration::seconds(1),
        ..rejection("m-response", "r-1")
    };

    assert!(store
        .record_received_response(status.clone())
        .await
        .unwrap());
    assert!(store
        .record_received_response(rejection("m-reject", "r-1"))
        .await
        .unwrap());
    assert!(store
        .record_received_response(response.clone())
        .await
        .unwrap());
    let again = ReceivedResponse {
        description: Some("другое".into()),
        ..rejection("m-reject", "r-1")
    };
    assert!(!store.record_received_response(again).await.unwrap());

    let kept = store.received_responses("r-1").await.unwrap();
    assert_eq!(kept, vec![status, rejection("m-reject", "r-1"), response]);
    assert!(store.received_responses("r-2").await.unwrap().is_empty());
}

async fn request_records_sender_and_address(h: &TestStore) {
    let sent = send(h, 1, "who").await;

    let found = h
        .store
        .integration_request("CONSUMER01", "who")
        .await
        .unwrap();
    let stored: Option<StoredMessage> = h.store.get(&sent.message_id).await.unwrap();

    assert_eq!(found, Some(sent));
    assert!(stored.is_some());
}

async fn request_keeps_its_payload_digest_and_an_old_row_has_none(h: &TestStore) {
    let with_digest = send(h, 1, "digest").await;
    let without = send(h, 3, "old-row").await;

    let found = h.store.integration_request("CONSUMER01", "digest").await;
    let old = h.store.integration_requests_by_client("old-row").await;
    let everything = RequestFilter {
        limit: 10,
        ..RequestFilter::default()
    };
    let page = h.store.integration_request_page(&everything).await;

    let found = found.unwrap().unwrap();
    assert_eq!(found.payload_digest, Some(format!("sha256:{:064}", 1)));
    assert_eq!(found, with_digest);
    assert_eq!(old.unwrap(), vec![without.clone()]);
    assert_eq!(without.payload_digest, None);
    let page = page.unwrap();
    let digests: Vec<_> = page
        .iter()
        .map(|r| r.request.payload_digest.clone())
        .collect();
    assert_eq!(digests, vec![with_digest.payload_digest, None]);
}
