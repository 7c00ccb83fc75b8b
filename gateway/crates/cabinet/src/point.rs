//! Integration points (issue #3): for one information system (ИС), and
//! optionally one of its services (ВС), who takes its inbound messages out
//! of the node — the ИС itself by polling (`queue`), the node's push worker
//! (`push`: POST to the ИС's HTTP(S) endpoint) or its upstream worker
//! (`upstream`: forward to another SMEV-compatible node's SOAP endpoint).
//!
//! A point without a service covers every service of its ИС; a point with a
//! service wins over it ([`PointService::specificity`]). Forms are validated
//! here with every bad field reported; the audit snapshot lives here too.

use serde_json::json;

use crate::field_errors::FieldErrors;
use crate::registry::is_mnemonic;

/// Most delivery attempts a point may allow.
pub const MAX_ATTEMPTS: u32 = 100;
/// Longest URL accepted.
pub const MAX_URL: usize = 2000;
/// Longest backoff cap or timeout accepted: one day, in milliseconds.
pub const MAX_MILLIS: u64 = 86_400_000;

/// Who takes messages out of a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PointKind {
    /// The ИС polls with GetRequest/GetResponse (the default).
    Queue,
    /// The node POSTs each message to the ИС's endpoint; 2xx is the Ack.
    Push,
    /// The node forwards each request to another node's `/ws`.
    Upstream,
}

/// The service a point is limited to: the request root QName of a ВС.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PointService {
    /// Namespace URI of the request root element.
    pub namespace: String,
    /// Local name of the request root element.
    pub root: String,
}

/// An integration point as submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointForm {
    /// Mnemonic of the ИС whose queues it covers.
    pub system: String,
    /// The one service it covers; every service of the ИС when `None`.
    pub service: Option<PointService>,
    /// Who takes the messages out.
    pub kind: PointKind,
    /// `http://` or `https://` endpoint (push: the ИС; upstream: the
    /// other node's `/ws`); empty for `queue`.
    pub url: String,
    /// Attempts before a message becomes a dead letter, 1..=100.
    pub max_attempts: u32,
    /// First backoff, milliseconds (≥ 1).
    pub backoff_base_ms: u64,
    /// Largest backoff, milliseconds (≥ base, ≤ one day).
    pub backoff_cap_ms: u64,
    /// Timeout of one attempt, milliseconds (1..=one day).
    pub timeout_ms: u64,
}

// === impl PointKind ===

impl PointKind {
    /// Every kind.
    pub const ALL: [PointKind; 3] = [PointKind::Queue, PointKind::Push, PointKind::Upstream];

    /// The stored and submitted spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PointKind::Queue => "queue",
            PointKind::Push => "push",
            PointKind::Upstream => "upstream",
        }
    }

    /// The kind spelled `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

// === impl PointService ===

impl PointService {
    /// How specific a point of this service is: a named service (1) wins
    /// over "every service" (0).
    pub fn specificity(service: Option<&PointService>) -> u8 {
        u8::from(service.is_some())
    }
}

// === impl PointForm ===

impl PointForm {
    /// A form of `kind` for `system` with the default retry policy
    /// (10 attempts, 1 s base, 5 min cap, 30 s timeout).
    pub fn new(system: impl Into<String>, kind: PointKind, url: impl Into<String>) -> Self {
        PointForm {
            system: system.into(),
            service: None,
            kind,
            url: url.into(),
            max_attempts: 10,
            backoff_base_ms: 1_000,
            backoff_cap_ms: 300_000,
            timeout_ms: 30_000,
        }
    }

    /// Whether this point covers a message of `system` whose payload root
    /// is `{namespace}root`.
    pub fn covers(&self, system: &str, namespace: &str, root: &str) -> bool {
        let service_ok = self
            .service
            .as_ref()
            .is_none_or(|s| s.namespace == namespace && s.root == root);
        self.system == system && service_ok
    }

    /// Checks every field.
    ///
    /// # Errors
    /// Every bad field, with a Russian message.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if !is_mnemonic(&self.system) {
            errors.push(
                "system",
                "Мнемоника ИС: от 1 до 100 символов A-Z, a-z, 0-9, _",
            );
        }
        if let Some(service) = &self.service {
            check_service(&mut errors, service);
        }
        check_url(&mut errors, self.kind, &self.url);
        if !(1..=MAX_ATTEMPTS).contains(&self.max_attempts) {
            errors.push(
                "max_attempts",
                format!("Число попыток: от 1 до {MAX_ATTEMPTS}"),
            );
        }
        if !(1..=MAX_MILLIS).contains(&self.backoff_base_ms) {
            errors.push("backoff_base_ms", "Начальная пауза: от 1 мс до суток");
        }
        let cap_ok = self.backoff_cap_ms >= self.backoff_base_ms;
        if !cap_ok || self.backoff_cap_ms > MAX_MILLIS {
            errors.push(
                "backoff_cap_ms",
                "Наибольшая пауза: не меньше начальной и не больше суток",
            );
        }
        if !(1..=MAX_MILLIS).contains(&self.timeout_ms) {
            errors.push("timeout_ms", "Тайм-аут попытки: от 1 мс до суток");
        }
        errors.into_result(|| ())
    }
}

fn check_service(errors: &mut FieldErrors, service: &PointService) {
    let namespace = &service.namespace;
    if !namespace.contains(':') || namespace.chars().any(char::is_whitespace) {
        errors.push("service.namespace", "Пространство имён: URI без пробелов");
    }
    let root_ok = !service.root.is_empty()
        && !service.root.contains(':')
        && !service.root.chars().any(char::is_whitespace);
    if !root_ok {
        errors.push("service.root", "Корневой элемент: имя XML без префикса");
    }
}

fn check_url(errors: &mut FieldErrors, kind: PointKind, url: &str) {
    if kind == PointKind::Queue {
        if !url.is_empty() {
            errors.push("url", "У точки типа queue нет адреса");
        }
        return;
    }
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    let host_ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if !host_ok || !clean || url.len() > MAX_URL {
        errors.push(
            "url",
            "Адрес: http:// или https:// с именем узла, без пробелов",
        );
        return;
    }
    // Credentials in the address would travel into logs, the journal and
    // the audit snapshot; the endpoint must authenticate the node otherwise.
    let authority = rest.unwrap_or_default().split(['/', '?', '#']).next();
    if authority.is_some_and(|a| a.contains('@')) {
        errors.push(
            "url",
            "Адрес не должен содержать имя пользователя или пароль",
        );
    }
}

/// An integration point as JSON text, for the audit journal.
pub fn point_snapshot(form: &PointForm) -> String {
    let service = form
        .service
        .as_ref()
        .map(|s| json!({ "namespace": s.namespace, "root": s.root }));
    json!({
        "system": form.system,
        "service": service,
        "kind": form.kind.as_str(),
        "url": form.url,
        "max_attempts": form.max_attempts,
        "backoff_base_ms": form.backoff_base_ms,
        "backoff_cap_ms": form.backoff_cap_ms,
        "timeout_ms": form.timeout_ms,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push() -> PointForm {
        PointForm::new("PROVIDER01", PointKind::Push, "https://is.example/smev")
    }

    #[test]
    fn point_form_defaults_are_accepted() {
        assert_eq!(push().validate(), Ok(()));
        let queue = PointForm::new("PROVIDER01", PointKind::Queue, "");
        assert_eq!(queue.validate(), Ok(()));
    }

    #[test]
    fn point_form_bad_fields_are_all_reported() {
        let form = PointForm {
            system: "не мнемоника".into(),
            service: Some(PointService {
                namespace: "no-colon".into(),
                root: "p:Root".into(),
            }),
            url: "ftp://is.example".into(),
            max_attempts: 0,
            backoff_base_ms: 0,
            backoff_cap_ms: MAX_MILLIS + 1,
            timeout_ms: 0,
            ..push()
        };
        let errors = form.validate().unwrap_err();
        assert_eq!(
            errors.fields(),
            vec![
                "system",
                "service.namespace",
                "service.root",
                "url",
                "max_attempts",
                "backoff_base_ms",
                "backoff_cap_ms",
                "timeout_ms"
            ]
        );
    }

    #[test]
    fn point_form_attempts_bounds_are_one_and_a_hundred() {
        for (attempts, ok) in [(1, true), (100, true), (101, false)] {
            let form = PointForm {
                max_attempts: attempts,
                ..push()
            };
            assert_eq!(form.validate().is_ok(), ok, "{attempts}");
        }
    }

    #[test]
    fn point_form_url_without_host_or_with_space_is_refused() {
        for url in ["http://", "https:///x", "http://a b", "", "mailto:x@y"] {
            let form = PointForm {
                url: url.into(),
                ..push()
            };
            assert_eq!(form.validate().unwrap_err().fields(), vec!["url"], "{url}");
        }
        let queue_with_url = PointForm::new("PROVIDER01", PointKind::Queue, "http://x");
        assert_eq!(queue_with_url.validate().unwrap_err().fields(), vec!["url"]);
    }

    #[test]
    fn point_form_url_with_credentials_is_refused_but_at_in_path_is_not() {
        for url in [
            "http://u:p@127.0.0.1:1/x",
            "https://user@is.example",
            "http://@h/",
        ] {
            let form = PointForm {
                url: url.into(),
                ..push()
            };
            let errors = form.validate().unwrap_err();
            assert_eq!(errors.fields(), vec!["url"], "{url}");
        }
        let form = PointForm {
            url: "https://is.example/inbox/a@b?x=@".into(),
            ..push()
        };
        assert!(form.validate().is_ok());
    }

    #[test]
    fn point_form_cap_below_base_is_refused() {
        let form = PointForm {
            backoff_base_ms: 500,
            backoff_cap_ms: 100,
            ..push()
        };
        assert_eq!(
            form.validate().unwrap_err().fields(),
            vec!["backoff_cap_ms"]
        );
    }

    #[test]
    fn covers_service_point_only_its_service() {
        let mut form = push();
        assert!(form.covers("PROVIDER01", "urn:a", "A"));
        form.service = Some(PointService {
            namespace: "urn:a".into(),
            root: "A".into(),
        });
        assert!(form.covers("PROVIDER01", "urn:a", "A"));
        assert!(!form.covers("PROVIDER01", "urn:b", "B"));
        assert!(!form.covers("OTHER", "urn:a", "A"));
    }

    #[test]
    fn point_kind_spellings_round_trip() {
        for kind in PointKind::ALL {
            assert_eq!(PointKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(PointKind::parse("Push"), None);
    }
}
