//! Cabinet users: login, name, role, the services they work with, where
//! from and when they may come in, and whether an auditor sees message
//! bodies.
//!
//! A [`User`] exists only through [`UserForm::validate`]. Passwords and
//! failed-login counts are not part of it: they change without an
//! administrator and live next to it in the store.

use std::collections::BTreeSet;

use time::macros::format_description;
use time::Time;

use crate::access::{self, AccessRequest, AccessVerdict};
use crate::field_errors::FieldErrors;
use crate::ip_allow::IpAllowList;
use crate::role::{permits, Action, Role};
use crate::time_window::{TimeWindow, Zone};

/// Longest full name accepted, in characters.
const MAX_FULL_NAME: usize = 500;

/// A user as submitted, unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserForm {
    /// Login (`login`): 3–64 of `a-z 0-9 . _ -`.
    pub login: String,
    /// Full name (`full_name`).
    pub full_name: String,
    /// Role (`role`), as [`Role::as_str`].
    pub role: String,
    /// Services the user works with (`allowed_services[i]`).
    pub allowed_services: Vec<String>,
    /// Networks the user may come from (`ip_allow[i]`); empty for any.
    pub ip_allow: Vec<String>,
    /// Daily time window (`window.*`); `None` for any time.
    pub window: Option<WindowForm>,
    /// Whether an auditor may read message bodies (`message_bodies_granted`).
    pub message_bodies_granted: bool,
    /// Whether the account is disabled (`disabled`).
    pub disabled: bool,
}

/// A time window as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowForm {
    /// Local start, `HH:MM` (`window.start`).
    pub start: String,
    /// Local end, `HH:MM`, not included (`window.end`).
    pub end: String,
    /// IANA zone name or UTC offset (`window.zone`).
    pub zone: String,
}

/// A validated user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    login: String,
    full_name: String,
    role: Role,
    allowed_services: BTreeSet<String>,
    ip_allow: IpAllowList,
    window: Option<TimeWindow>,
    message_bodies_granted: bool,
    disabled: bool,
}

/// Longest service identifier accepted, in bytes.
const MAX_SERVICE: usize = 512;

// === impl UserForm ===

impl UserForm {
    /// Checks every field and builds the user.
    ///
    /// # Errors
    /// Every bad field, each with a Russian message.
    pub fn validate(&self) -> Result<User, FieldErrors> {
        let mut errors = FieldErrors::new();
        let login = self.login.trim();
        if !is_login(login) {
            let message = "Логин: от 3 до 64 символов — строчные латинские буквы, цифры, \
                           точка, дефис, подчёркивание";
            errors.push("login", message);
        }
        let full_name = self.full_name.trim();
        if full_name.is_empty() || full_name.chars().any(char::is_control) {
            errors.push("full_name", "Укажите ФИО пользователя");
        } else if full_name.chars().count() > MAX_FULL_NAME {
            errors.push("full_name", "ФИО длиннее 500 символов");
        }
        let role = Role::parse(&self.role);
        if role.is_none() {
            errors.push("role", "Выберите роль из списка");
        }
        let services = services(&mut errors, &self.allowed_services);
        let ip_allow = IpAllowList::parse("ip_allow", &self.ip_allow)
            .map_err(|bad| errors.extend(bad))
            .ok();
        let window = match &self.window {
            Some(form) => form.validate(&mut errors).map(Some),
            None => Some(None),
        };

        let (Some(role), Some(ip_allow), Some(window)) = (role, ip_allow, window) else {
            return Err(errors);
        };
        errors.into_result(|| User {
            login: login.to_owned(),
            full_name: full_name.to_owned(),
            role,
            allowed_services: services,
            ip_allow,
            window,
            message_bodies_granted: self.message_bodies_granted,
            disabled: self.disabled,
        })
    }
}

fn is_login(login: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b);
    (3..=64).contains(&login.len()) && login.bytes().all(allowed)
}

fn services(errors: &mut FieldErrors, given: &[String]) -> BTreeSet<String> {
    let mut services = BTreeSet::new();
    for (index, service) in given.iter().enumerate() {
        let service = service.trim();
        let bad = service.is_empty()
            || service.len() > MAX_SERVICE
            || service.chars().any(|c| c.is_whitespace() || c.is_control());
        if bad {
            let message = "Идентификатор сервиса не может быть пустым или содержать пробелы";
            errors.push(format!("allowed_services[{index}]"), message);
            continue;
        }
        services.insert(service.to_owned());
    }
    services
}

// === impl WindowForm ===

impl WindowForm {
    /// Checks the window, recording bad fields as `window.*`.
    pub(crate) fn validate(&self, errors: &mut FieldErrors) -> Option<TimeWindow> {
        let format = format_description!("[hour]:[minute]");
        let start = Time::parse(self.start.trim(), &format).ok();
        if start.is_none() {
            errors.push("window.start", "Укажите время начала в виде ЧЧ:ММ");
        }
        let end = Time::parse(self.end.trim(), &format).ok();
        if end.is_none() {
            errors.push("window.end", "Укажите время окончания в виде ЧЧ:ММ");
        }
        let zone = Zone::parse(&self.zone);
        if zone.is_none() {
            let message = "Укажите часовой пояс IANA (например, Europe/Moscow) \
                           или смещение от UTC (например, +03:00)";
            errors.push("window.zone", message);
        }

        let window = TimeWindow::new(start?, end?, zone?).ok();
        if window.is_none() {
            errors.push(
                "window.end",
                "Время окончания должно отличаться от времени начала",
            );
        }
        window
    }
}

// === impl User ===

impl User {
    /// Login.
    pub fn login(&self) -> &str {
        &self.login
    }

    /// Full name.
    pub fn full_name(&self) -> &str {
        &self.full_name
    }

    /// Role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Services the user works with.
    pub fn allowed_services(&self) -> &BTreeSet<String> {
        &self.allowed_services
    }

    /// Networks the user may come from.
    pub fn ip_allow(&self) -> &IpAllowList {
        &self.ip_allow
    }

    /// Daily time window, if limited.
    pub fn window(&self) -> Option<&TimeWindow> {
        self.window.as_ref()
    }

    /// Whether message bodies were granted beyond the role.
    pub fn message_bodies_granted(&self) -> bool {
        self.message_bodies_granted
    }

    /// Whether the account is disabled.
    pub fn disabled(&self) -> bool {
        self.disabled
    }

    /// Whether this user is an enabled technical administrator: the
    /// organisation must always keep at least one.
    pub fn is_active_administrator(&self) -> bool {
        self.role == Role::TechnicalAdministrator && !self.disabled
    }

    /// Whether this user may do `action`: the role's permission, or message
    /// bodies granted to this user.
    pub fn may(&self, action: Action) -> bool {
        let granted = action == Action::ReadMessageBodies && self.message_bodies_granted;
        permits(self.role, action) || granted
    }

    /// Whether this user works with `service`: an administrator with every
    /// service, anyone else with the services allowed to them.
    pub fn may_use_service(&self, service: &str) -> bool {
        self.role == Role::TechnicalAdministrator || self.allowed_services.contains(service)
    }

    /// Whether this user may come in from `request.ip` at `request.at`.
    pub fn check_access(&self, request: &AccessRequest) -> AccessVerdict {
        access::check(self, request)
    }

    /// The form that validates back to this user, for editing.
    pub fn to_form(&self) -> UserForm {
        let format = format_description!("[hour]:[minute]");
        let hhmm = |t: Time| t.format(&format).unwrap_or_default();
        UserForm {
            login: self.login.clone(),
            full_name: self.full_name.clone(),
            role: self.role.as_str().to_owned(),
            allowed_services: self.allowed_services.iter().cloned().collect(),
            ip_allow: self.ip_allow.to_strings(),
            window: self.window.map(|w| WindowForm {
                start: hhmm(w.start()),
                end: hhmm(w.end()),
                zone: w.zone().to_string(),
            }),
            message_bodies_granted: self.message_bodies_granted,
            disabled: self.disabled,
        }
    }
}

#[cfg(test)]
mod tests;
