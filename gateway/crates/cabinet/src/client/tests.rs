//! Tests of API client forms, scopes, access and quota periods.

use std::collections::BTreeSet;

use time::macros::datetime;

use super::*;

fn form() -> ClientForm {
    ClientForm {
        name: "ИС бухгалтерии".into(),
        system: Some("CONSUMER01".into()),
        scopes: vec!["requests:send".into(), "requests:read".into()],
        allowed_services: vec!["echo".into()],
        ..ClientForm::default()
    }
}

#[test]
fn client_form_valid_builds_with_default_rate() {
    let client = form().validate().unwrap();

    assert_eq!(client.name(), "ИС бухгалтерии");
    assert_eq!(client.system(), Some("CONSUMER01"));
    assert_eq!(client.rate(), RateLimit::DEFAULT);
    assert_eq!(client.quota(), None);
    let scopes: Vec<Scope> = client.scopes().iter().copied().collect();
    assert_eq!(scopes, [Scope::RequestsSend, Scope::RequestsRead]);
}

#[test]
fn client_form_every_bad_field_is_reported() {
    let bad = ClientForm {
        name: " ".into(),
        system: Some("НЕ ЛАТИНИЦА".into()),
        scopes: vec!["requests:send".into(), "admin".into()],
        allowed_services: vec!["a b".into()],
        ip_allow: vec!["10.0.0.0/33".into()],
        window: Some(WindowForm {
            start: "25:00".into(),
            end: "10:00".into(),
            zone: "Europe/Moscow".into(),
        }),
        rate: Some(RateForm {
            requests: 0,
            per: "hour".into(),
            burst: 0,
        }),
        quota: Some(QuotaForm {
            messages: 0,
            per: "week".into(),
        }),
        disabled: false,
    };

    let errors = bad.validate().unwrap_err();

    assert_eq!(
        errors.fields(),
        [
            "name",
            "system",
            "scopes[1]",
            "allowed_services[0]",
            "ip_allow[0]",
            "window.start",
            "rate.requests",
            "rate.per",
            "rate.burst",
            "quota.messages",
            "quota.per",
        ]
    );
}

#[test]
fn client_form_without_scopes_is_refused() {
    let errors = ClientForm {
        scopes: vec![],
        ..form()
    }
    .validate()
    .unwrap_err();
    assert_eq!(errors.fields(), ["scopes"]);
}

#[test]
fn client_to_form_validates_back_to_the_same_client() {
    let full = ClientForm {
        ip_allow: vec!["10.1.0.0/16".into()],
        window: Some(WindowForm {
            start: "09:00".into(),
            end: "18:00".into(),
            zone: "Europe/Moscow".into(),
        }),
        rate: Some(RateForm {
            requests: 5,
            per: "minute".into(),
            burst: 2,
        }),
        quota: Some(QuotaForm {
            messages: 100,
            per: "day".into(),
        }),
        ..form()
    };
    let client = full.validate().unwrap();

    assert_eq!(client.to_form().validate().unwrap(), client);
}

#[test]
fn scope_list_parses_space_separated_known_scopes_only() {
    let parsed = Scope::parse_list("requests:send  journal:read").unwrap();
    let want: BTreeSet<Scope> = [Scope::RequestsSend, Scope::JournalRead].into();

    assert_eq!(parsed, want);
    assert_eq!(Scope::join(&parsed), "requests:send journal:read");
    assert_eq!(Scope::parse_list("requests:send users:manage"), None);
    assert_eq!(Scope::parse_list(""), Some(BTreeSet::new()));
}

#[test]
fn scope_allows_only_its_actions() {
    let send: BTreeSet<Scope> = [Scope::RequestsSend].into();
    let read: BTreeSet<Scope> = [Scope::RequestsRead].into();

    assert!(Scope::allows(&send, Action::SendRequest));
    assert!(!Scope::allows(&send, Action::ReadMessages));
    assert!(Scope::allows(&read, Action::ReadMessages));
    for action in Action::ALL {
        let any: BTreeSet<Scope> = Scope::ALL.into();
        let client_action = matches!(
            action,
            Action::SendRequest
                | Action::ReadMessages
                | Action::ReadMessageBodies
                | Action::ReadJournal
        );
        assert_eq!(Scope::allows(&any, action), client_action, "{action:?}");
    }
}

#[test]
fn client_bound_to_a_system_sends_only_as_it() {
    let bound = form().validate().unwrap();
    let free = ClientForm {
        system: None,
        ..form()
    }
    .validate()
    .unwrap();

    assert!(bound.may_send_as("CONSUMER01"));
    assert!(!bound.may_send_as("PROVIDER01"));
    assert!(free.may_send_as("PROVIDER01"));
}

#[test]
fn client_access_checks_disabled_address_and_window() {
    let limited = ClientForm {
        ip_allow: vec!["10.0.0.0/8".into()],
        window: Some(WindowForm {
            start: "09:00".into(),
            end: "18:00".into(),
            zone: "+00:00".into(),
        }),
        ..form()
    }
    .validate()
    .unwrap();
    let at = datetime!(2024-03-01 10:00 UTC);
    let inside = AccessRequest {
        ip: "10.2.3.4".parse().unwrap(),
        at,
    };

    assert_eq!(limited.check_access(&inside), AccessVerdict::Allowed);
    let elsewhere = AccessRequest {
        ip: "192.0.2.1".parse().unwrap(),
        at,
    };
    assert_eq!(
        limited.check_access(&elsewhere),
        AccessVerdict::AddressNotAllowed
    );
    let night = AccessRequest {
        at: datetime!(2024-03-01 20:00 UTC),
        ..inside
    };
    assert_eq!(limited.check_access(&night), AccessVerdict::OutsideWindow);
    let disabled = ClientForm {
        disabled: true,
        ..form()
    }
    .validate()
    .unwrap();
    assert_eq!(disabled.check_access(&inside), AccessVerdict::Disabled);
}

#[test]
fn quota_period_is_the_utc_hour_or_day() {
    let hourly = MessageQuota {
        messages: 1,
        per: QuotaPeriod::Hour,
    };
    let daily = MessageQuota {
        messages: 1,
        per: QuotaPeriod::Day,
    };
    let at = datetime!(2024-03-01 13:45:10 +03:00);

    assert_eq!(
        hourly.period_of(at),
        (
            datetime!(2024-03-01 10:00 UTC),
            datetime!(2024-03-01 11:00 UTC)
        )
    );
    assert_eq!(
        daily.period_of(at),
        (
            datetime!(2024-03-01 00:00 UTC),
            datetime!(2024-03-02 00:00 UTC)
        )
    );
}

#[test]
fn rate_per_second_follows_the_period() {
    let per_minute = RateLimit {
        requests: 30,
        per: RatePeriod::Minute,
        burst: 1,
    };
    assert_eq!(per_minute.per_second(), 0.5);
    assert_eq!(RateLimit::DEFAULT.per_second(), 10.0);
}
