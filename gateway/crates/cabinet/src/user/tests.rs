//! Tests of user validation, per-user permissions and access checks.

use std::net::IpAddr;

use time::macros::datetime;

use super::*;

fn operator_form() -> UserForm {
    UserForm {
        login: "ivanov.ii".into(),
        full_name: "Иванов Иван Иванович".into(),
        role: "request_operator".into(),
        allowed_services: vec!["urn://x-artefacts-fns/1.0:FnsRequest".into()],
        ip_allow: vec!["10.1.0.0/16".into(), "2001:db8::/32".into()],
        window: Some(WindowForm {
            start: "09:00".into(),
            end: "18:00".into(),
            zone: "Europe/Moscow".into(),
        }),
        message_bodies_granted: false,
        disabled: false,
    }
}

fn request(ip: &str, at: time::OffsetDateTime) -> AccessRequest {
    AccessRequest {
        ip: ip.parse::<IpAddr>().unwrap(),
        at,
    }
}

#[test]
fn user_good_form_validates_and_round_trips() {
    let user = operator_form().validate().unwrap();

    assert_eq!(user.login(), "ivanov.ii");
    assert_eq!(user.role(), Role::RequestOperator);
    assert_eq!(user.to_form(), operator_form());
}

#[test]
fn user_every_bad_field_is_reported() {
    let form = UserForm {
        login: "Иванов".into(),
        full_name: "  ".into(),
        role: "root".into(),
        allowed_services: vec!["ok".into(), "with space".into()],
        ip_allow: vec!["10.0.0.0/40".into()],
        window: Some(WindowForm {
            start: "9".into(),
            end: "25:00".into(),
            zone: "Mars/Olympus".into(),
        }),
        message_bodies_granted: false,
        disabled: false,
    };

    let errors = form.validate().unwrap_err();

    let expected = [
        "login",
        "full_name",
        "role",
        "allowed_services[1]",
        "ip_allow[0]",
        "window.start",
        "window.end",
        "window.zone",
    ];
    assert_eq!(errors.fields(), expected);
}

#[test]
fn user_window_with_equal_ends_is_refused() {
    let form = UserForm {
        window: Some(WindowForm {
            start: "09:00".into(),
            end: "09:00".into(),
            zone: "+03:00".into(),
        }),
        ..operator_form()
    };

    let errors = form.validate().unwrap_err();

    assert_eq!(errors.fields(), ["window.end"]);
}

#[test]
fn user_access_allowed_from_listed_network_in_window() {
    let user = operator_form().validate().unwrap();

    // 07:00 UTC is 10:00 in Moscow.
    let verdict = user.check_access(&request("10.1.2.3", datetime!(2024-03-01 07:00 UTC)));

    assert_eq!(verdict, AccessVerdict::Allowed);
}

#[test]
fn user_access_refused_from_other_network() {
    let user = operator_form().validate().unwrap();

    let verdict = user.check_access(&request("10.2.0.1", datetime!(2024-03-01 07:00 UTC)));

    assert_eq!(verdict, AccessVerdict::AddressNotAllowed);
}

#[test]
fn user_access_refused_outside_window() {
    let user = operator_form().validate().unwrap();

    // 16:00 UTC is 19:00 in Moscow.
    let verdict = user.check_access(&request("2001:db8::5", datetime!(2024-03-01 16:00 UTC)));

    assert_eq!(verdict, AccessVerdict::OutsideWindow);
}

#[test]
fn user_access_refused_when_disabled() {
    let form = UserForm {
        disabled: true,
        ..operator_form()
    };
    let user = form.validate().unwrap();

    let verdict = user.check_access(&request("10.1.2.3", datetime!(2024-03-01 07:00 UTC)));

    assert_eq!(verdict, AccessVerdict::Disabled);
}

#[test]
fn user_without_limits_is_allowed_anywhere_anytime() {
    let form = UserForm {
        ip_allow: Vec::new(),
        window: None,
        ..operator_form()
    };
    let user = form.validate().unwrap();

    let verdict = user.check_access(&request("203.0.113.1", datetime!(2024-03-01 23:59 UTC)));

    assert_eq!(verdict, AccessVerdict::Allowed);
}

#[test]
fn auditor_reads_message_bodies_only_when_granted() {
    let auditor = |granted| {
        let form = UserForm {
            role: "auditor".into(),
            message_bodies_granted: granted,
            ..operator_form()
        };
        form.validate().unwrap()
    };

    assert!(!auditor(false).may(Action::ReadMessageBodies));
    assert!(auditor(true).may(Action::ReadMessageBodies));
    assert!(
        !auditor(true).may(Action::SendRequest),
        "a grant adds bodies only"
    );
}

#[test]
fn operator_uses_allowed_services_only() {
    let operator = operator_form().validate().unwrap();
    let admin = UserForm {
        role: "technical_administrator".into(),
        allowed_services: Vec::new(),
        ..operator_form()
    };
    let admin = admin.validate().unwrap();

    assert!(operator.may_use_service("urn://x-artefacts-fns/1.0:FnsRequest"));
    assert!(!operator.may_use_service("urn://other/1.0:Other"));
    assert!(admin.may_use_service("urn://other/1.0:Other"));
}

#[test]
fn user_full_name_past_500_characters_is_refused() {
    let fits = UserForm {
        full_name: "Ж".repeat(500),
        ..operator_form()
    };
    let long = UserForm {
        full_name: "Ж".repeat(501),
        ..operator_form()
    };

    assert!(fits.validate().is_ok());
    assert_eq!(long.validate().unwrap_err().fields(), vec!["full_name"]);
}
