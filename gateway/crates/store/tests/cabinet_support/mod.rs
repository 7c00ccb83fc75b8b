//! Shared fixtures of the cabinet tests: an administrator's audit context,
//! a valid organisation form, operator forms and a strong password.

#![allow(dead_code)]

use cabinet::audit::AuditContext;
use cabinet::{OrganisationForm, UserForm};

use crate::support::T0;

/// An administrator changing things from 192.0.2.10 at T0.
pub fn admin() -> AuditContext {
    AuditContext {
        actor: "admin".into(),
        remote: Some("192.0.2.10".parse().unwrap()),
        at: T0,
    }
}

pub fn organisation_form() -> OrganisationForm {
    OrganisationForm {
        full_name: "Публичное акционерное общество «Сбербанк России»".into(),
        short_name: "ПАО Сбербанк".into(),
        inn: "7707083893".into(),
        ogrn: "1027700132195".into(),
        kpp: "773601001".into(),
        address: "117997, г. Москва, ул. Вавилова, д. 19".into(),
        email: "smev@example.ru".into(),
        phone: "+7 495 500-55-50".into(),
        status: "applicant".into(),
    }
}

pub fn operator_form(login: &str) -> UserForm {
    UserForm {
        login: login.into(),
        full_name: "Иванов Иван Иванович".into(),
        role: "request_operator".into(),
        allowed_services: vec!["urn://x-artefacts-fns/1.0:FnsRequest".into()],
        ip_allow: vec!["10.1.0.0/16".into()],
        window: None,
        message_bodies_granted: false,
        disabled: false,
    }
}

pub const PASSWORD: &str = "correct horse battery staple";
