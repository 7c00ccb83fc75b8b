//! The participant's registry entries as the cabinet edits them: information
//! systems (ИС) with their certificates and services (ВС) with their payload
//! schema files. Forms are validated here, every bad field reported at once;
//! the audit snapshots of these objects live here too.
//!
//! Boundary: certificates and schemas arrive already checked (parsed, GOST,
//! compiled) by the exchange side; here they are plain bytes and facts.

use serde_json::json;
use time::OffsetDateTime;

use crate::field_errors::FieldErrors;

/// Longest name, type, description or regulation text accepted.
pub const MAX_TEXT: usize = 2000;

/// An information system as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemForm {
    /// The SMEV mnemonic: 1–100 of `A-Z a-z 0-9 _`.
    pub mnemonic: String,
    /// Human-readable name.
    pub name: String,
    /// What kind of system it is (free text, e.g. «ИС потребителя»).
    pub kind: String,
}

/// A certificate of an information system, already parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    /// Lowercase hex of Streebog-256 over the DER.
    pub fingerprint: String,
    /// The DER bytes.
    pub der: Vec<u8>,
    /// Subject, as one line.
    pub subject: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
}

/// A service (ВС) as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceForm {
    /// Namespace URI of the request root element.
    pub namespace: String,
    /// Local name of the request root element.
    pub root: String,
    /// Human-readable name.
    pub name: String,
    /// Free description.
    pub description: String,
    /// The regulation, as text.
    pub regulation_text: String,
    /// The regulation, as a link (`http(s)://`), or empty.
    pub regulation_link: String,
    /// Mnemonic of the providing system.
    pub provider: String,
    /// Message format (free text, e.g. `XML`).
    pub format: String,
    /// Whether requests must carry a personal signature (ЭП-СП).
    pub personal_signature_required: bool,
    /// Whether attachments must be signed.
    pub attachment_signature_required: bool,
}

/// The payload schema of a service: its files and which one is the entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaFiles {
    /// File name of the entry schema.
    pub entry: String,
    /// Every file, `(name, bytes)`.
    pub files: Vec<(String, Vec<u8>)>,
}

// === impl SystemForm ===

impl SystemForm {
    /// Checks every field.
    ///
    /// # Errors
    /// Every bad field, with a Russian message.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if !is_mnemonic(&self.mnemonic) {
            errors.push(
                "mnemonic",
                "Мнемоника: от 1 до 100 символов A-Z, a-z, 0-9, _",
            );
        }
        required(&mut errors, "name", &self.name);
        required(&mut errors, "kind", &self.kind);
        errors.into_result(|| ())
    }
}

// === impl ServiceForm ===

impl ServiceForm {
    /// Checks every field.
    ///
    /// # Errors
    /// Every bad field, with a Russian message.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let namespace = &self.namespace;
        if !namespace.contains(':') || namespace.len() > MAX_TEXT || has_space(namespace) {
            errors.push(
                "namespace",
                "Пространство имён: URI без пробелов, например urn:x",
            );
        }
        if !is_ncname(&self.root) {
            errors.push("root", "Корневой элемент: имя XML без префикса (NCName)");
        }
        required(&mut errors, "name", &self.name);
        required(&mut errors, "format", &self.format);
        for (field, text) in [
            ("description", &self.description),
            ("regulation_text", &self.regulation_text),
        ] {
            if text.chars().count() > MAX_TEXT {
                errors.push(field, format!("Не длиннее {MAX_TEXT} символов"));
            }
        }
        let link = &self.regulation_link;
        let web = link.starts_with("https://") || link.starts_with("http://");
        if !link.is_empty() && (!web || has_space(link)) {
            errors.push(
                "regulation_link",
                "Ссылка на регламент: адрес http:// или https://",
            );
        }
        if !is_mnemonic(&self.provider) {
            errors.push(
                "provider",
                "Мнемоника ИС поставщика: от 1 до 100 символов A-Z, a-z, 0-9, _",
            );
        }
        errors.into_result(|| ())
    }
}

/// An information system and its certificate fingerprints as JSON text.
pub fn system_snapshot(form: &SystemForm, fingerprints: &[String]) -> String {
    json!({
        "mnemonic": form.mnemonic,
        "name": form.name,
        "kind": form.kind,
        "certificates": fingerprints,
    })
    .to_string()
}

/// A service, and its schema file names when uploaded, as JSON text.
pub fn service_snapshot(form: &ServiceForm, schema: Option<&SchemaFiles>) -> String {
    let schema = schema.map(|s| {
        let names: Vec<&str> = s.files.iter().map(|(name, _)| name.as_str()).collect();
        json!({ "entry": s.entry, "files": names })
    });
    json!({
        "namespace": form.namespace,
        "root": form.root,
        "name": form.name,
        "description": form.description,
        "regulation_text": form.regulation_text,
        "regulation_link": form.regulation_link,
        "provider": form.provider,
        "format": form.format,
        "personal_signature_required": form.personal_signature_required,
        "attachment_signature_required": form.attachment_signature_required,
        "schema": schema,
    })
    .to_string()
}

/// Whether `text` is a mnemonic: 1–100 ASCII letters, digits or `_`.
pub fn is_mnemonic(text: &str) -> bool {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_';
    (1..=100).contains(&text.len()) && text.chars().all(ok)
}

fn is_ncname(text: &str) -> bool {
    let mut chars = text.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    first_ok && rest_ok && text.len() <= 255
}

fn has_space(text: &str) -> bool {
    text.chars().any(char::is_whitespace)
}

fn required(errors: &mut FieldErrors, field: &str, text: &str) {
    if text.trim().is_empty() {
        errors.push(field, "Обязательное поле");
    } else if text.chars().count() > MAX_TEXT {
        errors.push(field, format!("Не длиннее {MAX_TEXT} символов"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> ServiceForm {
        ServiceForm {
            namespace: "urn:example:echo".into(),
            root: "EchoRequest".into(),
            name: "Эхо".into(),
            provider: "PROVIDER_01".into(),
            format: "XML".into(),
            ..ServiceForm::default()
        }
    }

    #[test]
    fn system_form_bad_fields_are_all_reported() {
        let form = SystemForm {
            mnemonic: "не мнемоника".into(),
            ..SystemForm::default()
        };
        let errors = form.validate().unwrap_err();
        assert_eq!(errors.fields(), vec!["mnemonic", "name", "kind"]);
    }

    #[test]
    fn service_form_complete_is_accepted() {
        assert_eq!(service().validate(), Ok(()));
    }

    #[test]
    fn service_form_bad_root_and_link_are_reported() {
        let form = ServiceForm {
            root: "ns:Echo".into(),
            regulation_link: "ftp://x".into(),
            ..service()
        };
        let errors = form.validate().unwrap_err();
        assert_eq!(errors.fields(), vec!["root", "regulation_link"]);
    }
}
