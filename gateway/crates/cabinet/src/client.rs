//! API clients of the integration API (OAuth2 client credentials, RFC 6749
//! §4.4): the software of an information system that calls the node on its
//! own, without a person. A client has scopes (which map onto the same
//! [`Action`]s users are checked against), the services it works with, the
//! networks and hours it may call from, a request rate and a message quota.
//!
//! An [`ApiClient`] exists only through [`ClientForm::validate`], which
//! reports every bad field. Its secret is not part of it: the store keeps
//! only the secret's hash, next to it.

use std::collections::BTreeSet;

use time::macros::format_description;
use time::{Duration, OffsetDateTime, Time};

use crate::access::{self, AccessRequest, AccessVerdict};
use crate::field_errors::FieldErrors;
use crate::ip_allow::IpAllowList;
use crate::role::Action;
use crate::time_window::TimeWindow;
use crate::user::WindowForm;

/// What a client's token may be used for (RFC 6749 §3.3 scope tokens).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// `requests:send`: send requests through the integration API.
    RequestsSend,
    /// `requests:read`: read the requests it may see, with their contents.
    RequestsRead,
    /// `journal:read`: read the exchange journal.
    JournalRead,
}

/// A client as submitted, unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientForm {
    /// What the client is (`name`).
    pub name: String,
    /// Mnemonic of the ИС it acts for (`system`); any when `None`.
    pub system: Option<String>,
    /// Scopes (`scopes[i]`), as [`Scope::as_str`].
    pub scopes: Vec<String>,
    /// Services it works with (`allowed_services[i]`).
    pub allowed_services: Vec<String>,
    /// Networks it may call from (`ip_allow[i]`); empty for any.
    pub ip_allow: Vec<String>,
    /// Daily time window (`window.*`); `None` for any time.
    pub window: Option<WindowForm>,
    /// Request rate (`rate.*`); [`RateLimit::DEFAULT`] when `None`.
    pub rate: Option<RateForm>,
    /// Message quota (`quota.*`); unlimited when `None`.
    pub quota: Option<QuotaForm>,
    /// Whether the client is disabled (`disabled`).
    pub disabled: bool,
}

/// A request rate as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateForm {
    /// Requests per period (`rate.requests`).
    pub requests: u32,
    /// `second` or `minute` (`rate.per`).
    pub per: String,
    /// Requests allowed at once after a quiet spell (`rate.burst`).
    pub burst: u32,
}

/// A message quota as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuotaForm {
    /// Messages per period (`quota.messages`).
    pub messages: u32,
    /// `hour` or `day` (`quota.per`), UTC boundaries.
    pub per: String,
}

/// A validated API client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    name: String,
    system: Option<String>,
    scopes: BTreeSet<Scope>,
    allowed_services: BTreeSet<String>,
    ip_allow: IpAllowList,
    window: Option<TimeWindow>,
    rate: RateLimit,
    quota: Option<MessageQuota>,
    disabled: bool,
}

/// How often a client may call: a token bucket of `burst` tokens refilled
/// at `requests` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per period.
    pub requests: u32,
    /// The period.
    pub per: RatePeriod,
    /// Bucket size.
    pub burst: u32,
}

/// The period of a [`RateLimit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatePeriod {
    /// Per second.
    Second,
    /// Per minute.
    Minute,
}

/// How many messages a client may send per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageQuota {
    /// Messages per period.
    pub messages: u32,
    /// The period.
    pub per: QuotaPeriod,
}

/// The period of a [`MessageQuota`], on UTC boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaPeriod {
    /// A clock hour.
    Hour,
    /// A UTC day.
    Day,
}

/// Longest client name, in characters.
const MAX_NAME: usize = 200;
/// Largest rate, burst or quota accepted.
const MAX_COUNT: u32 = 1_000_000;

// === impl Scope ===

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 3] = [Scope::RequestsSend, Scope::RequestsRead, Scope::JournalRead];

    /// The spelling in forms and in the OAuth `scope` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::RequestsSend => "requests:send",
            Scope::RequestsRead => "requests:read",
            Scope::JournalRead => "journal:read",
        }
    }

    /// The scope spelled `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// A space-separated scope list (RFC 6749 §3.3); `None` when a token
    /// names no scope.
    pub fn parse_list(text: &str) -> Option<BTreeSet<Scope>> {
        text.split(' ')
            .filter(|token| !token.is_empty())
            .map(Scope::parse)
            .collect()
    }

    /// `scopes` space-separated, in order.
    pub fn join(scopes: &BTreeSet<Scope>) -> String {
        let texts: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
        texts.join(" ")
    }

    /// The actions this scope allows: the same actions the role table
    /// decides for users.
    pub fn actions(self) -> &'static [Action] {
        match self {
            Scope::RequestsSend => &[Action::SendRequest],
            Scope::RequestsRead => &[Action::ReadMessages, Action::ReadMessageBodies],
            Scope::JournalRead => &[Action::ReadJournal],
        }
    }

    /// Whether one of `scopes` allows `action`.
    pub fn allows(scopes: &BTreeSet<Scope>, action: Action) -> bool {
        scopes.iter().any(|s| s.actions().contains(&action))
    }
}

// === impl ClientForm ===

impl ClientForm {
    /// Checks every field and builds the client.
    ///
    /// # Errors
    /// Every bad field, each with a Russian message.
    pub fn validate(&self) -> Result<ApiClient, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim();
        let bad_name = name.is_empty()
            || name.chars().count() > MAX_NAME
            || name.chars().any(char::is_control);
        if bad_name {
            errors.push("name", "Укажите название клиента, не длиннее 200 символов");
        }
        let system = self.system.as_deref().map(str::trim);
        if system.is_some_and(|s| !is_mnemonic(s)) {
            errors.push("system", "Мнемоника ИС: латинские буквы, цифры, _ и -");
        }
        let scopes = scopes(&mut errors, &self.scopes);
        let services = services(&mut errors, &self.allowed_services);
        let ip_allow = IpAllowList::parse("ip_allow", &self.ip_allow)
            .map_err(|bad| errors.extend(bad))
            .ok();
        let window = match &self.window {
            Some(form) => form.validate(&mut errors).map(Some),
            None => Some(None),
        };
        let rate = match &self.rate {
            Some(form) => form.validate(&mut errors),
            None => Some(RateLimit::DEFAULT),
        };
        let quota = match &self.quota {
            Some(form) => form.validate(&mut errors).map(Some),
            None => Some(None),
        };

        let (Some(ip_allow), Some(window), Some(rate), Some(quota)) =
            (ip_allow, window, rate, quota)
        else {
            return Err(errors);
        };
        errors.into_result(|| ApiClient {
            name: name.to_owned(),
            system: system.map(str::to_owned),
            scopes,
            allowed_services: services,
            ip_allow,
            window,
            rate,
            quota,
            disabled: self.disabled,
        })
    }
}

fn is_mnemonic(text: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || b"_-".contains(&b);
    (1..=100).contains(&text.len()) && text.bytes().all(allowed)
}

fn scopes(errors: &mut FieldErrors, given: &[String]) -> BTreeSet<Scope> {
    let mut scopes = BTreeSet::new();
    for (index, text) in given.iter().enumerate() {
        match Scope::parse(text.trim()) {
            Some(scope) => {
                scopes.insert(scope);
            }
            None => errors.push(
                format!("scopes[{index}]"),
                "Область доступа: requests:send, requests:read или journal:read",
            ),
        }
    }
    if given.is_empty() {
        errors.push("scopes", "Укажите хотя бы одну область доступа");
    }
    scopes
}

fn services(errors: &mut FieldErrors, given: &[String]) -> BTreeSet<String> {
    let mut services = BTreeSet::new();
    for (index, service) in given.iter().enumerate() {
        let service = service.trim();
        let bad = service.is_empty()
            || service.len() > 512
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

fn in_range(value: u32) -> bool {
    (1..=MAX_COUNT).contains(&value)
}

// === impl RateForm ===

impl RateForm {
    fn validate(&self, errors: &mut FieldErrors) -> Option<RateLimit> {
        if !in_range(self.requests) {
            errors.push("rate.requests", "Укажите число запросов от 1 до 1000000");
        }
        let per = match self.per.trim() {
            "second" => Some(RatePeriod::Second),
            "minute" => Some(RatePeriod::Minute),
            _ => None,
        };
        if per.is_none() {
            errors.push("rate.per", "Период: second или minute");
        }
        if !in_range(self.burst) {
            errors.push("rate.burst", "Укажите запас запросов от 1 до 1000000");
        }
        let valid = in_range(self.requests) && in_range(self.burst);
        valid.then_some(RateLimit {
            requests: self.requests,
            per: per?,
            burst: self.burst,
        })
    }
}

// === impl QuotaForm ===

impl QuotaForm {
    fn validate(&self, errors: &mut FieldErrors) -> Option<MessageQuota> {
        if !in_range(self.messages) {
            errors.push("quota.messages", "Укажите число сообщений от 1 до 1000000");
        }
        let per = match self.per.trim() {
            "hour" => Some(QuotaPeriod::Hour),
            "day" => Some(QuotaPeriod::Day),
            _ => None,
        };
        if per.is_none() {
            errors.push("quota.per", "Период: hour или day");
        }
        in_range(self.messages).then_some(MessageQuota {
            messages: self.messages,
            per: per?,
        })
    }
}

// === impl RateLimit ===

impl RateLimit {
    /// The rate of a client created without one: 10 a second, 20 at once.
    pub const DEFAULT: RateLimit = RateLimit {
        requests: 10,
        per: RatePeriod::Second,
        burst: 20,
    };

    /// Tokens added per second.
    pub fn per_second(&self) -> f64 {
        let seconds = match self.per {
            RatePeriod::Second => 1.0,
            RatePeriod::Minute => 60.0,
        };
        f64::from(self.requests) / seconds
    }
}

// === impl RatePeriod ===

impl RatePeriod {
    /// The spelling in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            RatePeriod::Second => "second",
            RatePeriod::Minute => "minute",
        }
    }
}

// === impl MessageQuota ===

impl MessageQuota {
    /// The period `at` falls in: `[start, end)`, UTC boundaries.
    pub fn period_of(&self, at: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
        let at = at.to_offset(time::UtcOffset::UTC);
        let (start, length) = match self.per {
            QuotaPeriod::Hour => (at.replace_time(Time::MIDNIGHT) + hours(at.hour()), 1),
            QuotaPeriod::Day => (at.replace_time(Time::MIDNIGHT), 24),
        };
        (start, start + Duration::hours(length))
    }
}

fn hours(hour: u8) -> Duration {
    Duration::hours(i64::from(hour))
}

// === impl QuotaPeriod ===

impl QuotaPeriod {
    /// The spelling in forms.
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaPeriod::Hour => "hour",
            QuotaPeriod::Day => "day",
        }
    }
}

// === impl ApiClient ===

impl ApiClient {
    /// What the client is.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The ИС it acts for, if bound to one.
    pub fn system(&self) -> Option<&str> {
        self.system.as_deref()
    }

    /// Its scopes.
    pub fn scopes(&self) -> &BTreeSet<Scope> {
        &self.scopes
    }

    /// Services it works with.
    pub fn allowed_services(&self) -> &BTreeSet<String> {
        &self.allowed_services
    }

    /// Networks it may call from.
    pub fn ip_allow(&self) -> &IpAllowList {
        &self.ip_allow
    }

    /// Daily window, if limited.
    pub fn window(&self) -> Option<&TimeWindow> {
        self.window.as_ref()
    }

    /// Its request rate.
    pub fn rate(&self) -> RateLimit {
        self.rate
    }

    /// Its message quota, if limited.
    pub fn quota(&self) -> Option<MessageQuota> {
        self.quota
    }

    /// Whether it is disabled.
    pub fn disabled(&self) -> bool {
        self.disabled
    }

    /// Whether it works with `service` (a service name or namespace).
    pub fn may_use_service(&self, service: &str) -> bool {
        self.allowed_services.contains(service)
    }

    /// Whether it may send as ИС `mnemonic`: any when unbound.
    pub fn may_send_as(&self, mnemonic: &str) -> bool {
        self.system.as_deref().is_none_or(|bound| bound == mnemonic)
    }

    /// Whether it may call from `request.ip` at `request.at`.
    pub fn check_access(&self, request: &AccessRequest) -> AccessVerdict {
        access::check_limits(self.disabled, &self.ip_allow, self.window.as_ref(), request)
    }

    /// The form that validates back to this client, for editing.
    pub fn to_form(&self) -> ClientForm {
        let format = format_description!("[hour]:[minute]");
        let hhmm = |t: Time| t.format(&format).unwrap_or_default();
        ClientForm {
            name: self.name.clone(),
            system: self.system.clone(),
            scopes: self.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
            allowed_services: self.allowed_services.iter().cloned().collect(),
            ip_allow: self.ip_allow.to_strings(),
            window: self.window.map(|w| WindowForm {
                start: hhmm(w.start()),
                end: hhmm(w.end()),
                zone: w.zone().to_string(),
            }),
            rate: Some(RateForm {
                requests: self.rate.requests,
                per: self.rate.per.as_str().to_owned(),
                burst: self.rate.burst,
            }),
            quota: self.quota.map(|q| QuotaForm {
                messages: q.messages,
                per: q.per.as_str().to_owned(),
            }),
            disabled: self.disabled,
        }
    }
}

#[cfg(test)]
mod tests;
