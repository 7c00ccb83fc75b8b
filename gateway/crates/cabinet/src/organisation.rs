//! The participant organisation a node serves: names, requisites, address,
//! contacts and its participation status in SMEV.
//!
//! An [`Organisation`] exists only through [`OrganisationForm::validate`],
//! so a stored or displayed one always has valid requisites.

use crate::field_errors::FieldErrors;
use crate::requisites::{Inn, Kpp, Ogrn, RequisiteError};

/// Where the organisation stands as an SMEV participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParticipationStatus {
    /// Application filed, not yet connected.
    Applicant,
    /// Connected and exchanging.
    Active,
    /// Exchange suspended for now.
    Suspended,
    /// Participation ended.
    Terminated,
}

/// The organisation as submitted: every field as text, unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganisationForm {
    /// Full name (`full_name`).
    pub full_name: String,
    /// Short name (`short_name`).
    pub short_name: String,
    /// ИНН (`inn`).
    pub inn: String,
    /// ОГРН (`ogrn`).
    pub ogrn: String,
    /// КПП (`kpp`).
    pub kpp: String,
    /// Postal address (`address`).
    pub address: String,
    /// Contact e-mail (`email`).
    pub email: String,
    /// Contact phone (`phone`), may be empty.
    pub phone: String,
    /// Participation status (`status`), as [`ParticipationStatus::as_str`].
    pub status: String,
}

/// A validated organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    full_name: String,
    short_name: String,
    inn: Inn,
    ogrn: Ogrn,
    kpp: Kpp,
    address: String,
    email: String,
    phone: String,
    status: ParticipationStatus,
}

/// Longest name or address accepted, in characters.
const MAX_TEXT: usize = 1000;

// === impl ParticipationStatus ===

impl ParticipationStatus {
    /// Every status, in life-cycle order.
    pub const ALL: [ParticipationStatus; 4] = [
        ParticipationStatus::Applicant,
        ParticipationStatus::Active,
        ParticipationStatus::Suspended,
        ParticipationStatus::Terminated,
    ];

    /// The stored and submitted spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipationStatus::Applicant => "applicant",
            ParticipationStatus::Active => "active",
            ParticipationStatus::Suspended => "suspended",
            ParticipationStatus::Terminated => "terminated",
        }
    }

    /// The status spelled `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The status in Russian, for people.
    pub fn title(self) -> &'static str {
        match self {
            ParticipationStatus::Applicant => "Заявка на подключение",
            ParticipationStatus::Active => "Участник взаимодействия",
            ParticipationStatus::Suspended => "Взаимодействие приостановлено",
            ParticipationStatus::Terminated => "Участие прекращено",
        }
    }
}

// === impl OrganisationForm ===

impl OrganisationForm {
    /// Checks every field and builds the organisation.
    ///
    /// # Errors
    /// Every bad field, each with a Russian message.
    pub fn validate(&self) -> Result<Organisation, FieldErrors> {
        let mut errors = FieldErrors::new();
        check_text(
            &mut errors,
            "full_name",
            &self.full_name,
            "полное наименование",
        );
        check_text(
            &mut errors,
            "short_name",
            &self.short_name,
            "сокращённое наименование",
        );
        check_text(&mut errors, "address", &self.address, "адрес");
        let inn = requisite(&mut errors, "inn", Inn::parse(self.inn.trim()), INN_TEXTS);
        let ogrn = requisite(
            &mut errors,
            "ogrn",
            Ogrn::parse(self.ogrn.trim()),
            OGRN_TEXTS,
        );
        let kpp = requisite(&mut errors, "kpp", Kpp::parse(self.kpp.trim()), KPP_TEXTS);
        check_email(&mut errors, self.email.trim());
        check_phone(&mut errors, self.phone.trim());
        let status = ParticipationStatus::parse(&self.status);
        if status.is_none() {
            errors.push("status", "Выберите статус участия из списка");
        }

        let (Some(inn), Some(ogrn), Some(kpp), Some(status)) = (inn, ogrn, kpp, status) else {
            return Err(errors);
        };
        errors.into_result(|| Organisation {
            full_name: self.full_name.trim().to_owned(),
            short_name: self.short_name.trim().to_owned(),
            inn,
            ogrn,
            kpp,
            address: self.address.trim().to_owned(),
            email: self.email.trim().to_owned(),
            phone: self.phone.trim().to_owned(),
            status,
        })
    }
}

/// Russian messages of a requisite: bad format, bad check digit.
type RequisiteTexts = (&'static str, &'static str);

const INN_TEXTS: RequisiteTexts = (
    "ИНН юридического лица состоит из 10 цифр",
    "Неверное контрольное число ИНН",
);
const OGRN_TEXTS: RequisiteTexts = (
    "ОГРН юридического лица состоит из 13 цифр и начинается с 1 или 5",
    "Неверное контрольное число ОГРН",
);
const KPP_TEXTS: RequisiteTexts = (
    "КПП состоит из 9 символов: 4 цифры, 2 цифры или заглавные латинские буквы, 3 цифры",
    "Неверный КПП",
);

fn requisite<T>(
    errors: &mut FieldErrors,
    field: &str,
    parsed: Result<T, RequisiteError>,
    (format, checksum): RequisiteTexts,
) -> Option<T> {
    match parsed {
        Ok(value) => Some(value),
        Err(RequisiteError::Format) => {
            errors.push(field, format);
            None
        }
        Err(RequisiteError::Checksum) => {
            errors.push(field, checksum);
            None
        }
    }
}

fn check_text(errors: &mut FieldErrors, field: &str, value: &str, what: &str) {
    let value = value.trim();
    if value.is_empty() {
        errors.push(field, format!("Укажите {what}"));
    } else if value.chars().count() > MAX_TEXT {
        errors.push(field, format!("Поле «{what}» длиннее {MAX_TEXT} символов"));
    } else if value.chars().any(char::is_control) {
        errors.push(field, format!("Поле «{what}» содержит управляющие символы"));
    }
}

fn check_email(errors: &mut FieldErrors, email: &str) {
    let well_formed = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
                && !domain.contains('@')
        }
        None => false,
    };
    if !well_formed || email.len() > 254 {
        errors.push(
            "email",
            "Укажите адрес электронной почты вида name@example.ru",
        );
    }
}

fn check_phone(errors: &mut FieldErrors, phone: &str) {
    if phone.is_empty() {
        return;
    }
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()".contains(c));
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if !allowed || !(10..=15).contains(&digits) {
        errors.push(
            "phone",
            "Телефон: от 10 до 15 цифр, допустимы пробел, +, - и скобки",
        );
    }
}

// === impl Organisation ===

impl Organisation {
    /// Full name.
    pub fn full_name(&self) -> &str {
        &self.full_name
    }

    /// Short name.
    pub fn short_name(&self) -> &str {
        &self.short_name
    }

    /// ИНН.
    pub fn inn(&self) -> &Inn {
        &self.inn
    }

    /// ОГРН.
    pub fn ogrn(&self) -> &Ogrn {
        &self.ogrn
    }

    /// КПП.
    pub fn kpp(&self) -> &Kpp {
        &self.kpp
    }

    /// Postal address.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Contact e-mail.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// Contact phone; empty when not given.
    pub fn phone(&self) -> &str {
        &self.phone
    }

    /// Participation status.
    pub fn status(&self) -> ParticipationStatus {
        self.status
    }

    /// The form that validates back to this organisation, for editing.
    pub fn to_form(&self) -> OrganisationForm {
        OrganisationForm {
            full_name: self.full_name.clone(),
            short_name: self.short_name.clone(),
            inn: self.inn.as_str().to_owned(),
            ogrn: self.ogrn.as_str().to_owned(),
            kpp: self.kpp.as_str().to_owned(),
            address: self.address.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            status: self.status.as_str().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good_form() -> OrganisationForm {
        OrganisationForm {
            full_name: "Публичное акционерное общество «Сбербанк России»".into(),
            short_name: "ПАО Сбербанк".into(),
            inn: "7707083893".into(),
            ogrn: "1027700132195".into(),
            kpp: "773601001".into(),
            address: "117997, г. Москва, ул. Вавилова, д. 19".into(),
            email: "smev@example.ru".into(),
            phone: "+7 (495) 500-55-50".into(),
            status: "active".into(),
        }
    }

    #[test]
    fn organisation_good_form_validates_and_round_trips() {
        let organisation = good_form().validate().unwrap();

        assert_eq!(organisation.inn().as_str(), "7707083893");
        assert_eq!(organisation.status(), ParticipationStatus::Active);
        assert_eq!(organisation.to_form(), good_form());
    }

    #[test]
    fn organisation_form_trims_surrounding_spaces() {
        let form = OrganisationForm {
            inn: " 7707083893 ".into(),
            short_name: "  ПАО Сбербанк ".into(),
            ..good_form()
        };

        let organisation = form.validate().unwrap();

        assert_eq!(organisation.inn().as_str(), "7707083893");
        assert_eq!(organisation.short_name(), "ПАО Сбербанк");
    }

    #[test]
    fn organisation_every_bad_field_is_reported() {
        let form = OrganisationForm {
            full_name: " ".into(),
            short_name: String::new(),
            inn: "7707083894".into(),
            ogrn: "12345".into(),
            kpp: "77360100".into(),
            address: "ул.\u{0}".into(),
            email: "нет".into(),
            phone: "12".into(),
            status: "unknown".into(),
        };

        let errors = form.validate().unwrap_err();

        let expected = [
            "full_name",
            "short_name",
            "address",
            "inn",
            "ogrn",
            "kpp",
            "email",
            "phone",
            "status",
        ];
        assert_eq!(errors.fields(), expected);
        assert_eq!(
            errors.message("inn"),
            Some("Неверное контрольное число ИНН")
        );
        assert_eq!(
            errors.message("full_name"),
            Some("Укажите полное наименование")
        );
    }

    #[test]
    fn organisation_single_bad_field_is_the_only_error() {
        let form = OrganisationForm {
            ogrn: "1027700132196".into(),
            ..good_form()
        };

        let errors = form.validate().unwrap_err();

        assert_eq!(errors.fields(), ["ogrn"]);
        assert_eq!(
            errors.message("ogrn"),
            Some("Неверное контрольное число ОГРН")
        );
    }

    #[test]
    fn organisation_empty_phone_is_allowed() {
        let form = OrganisationForm {
            phone: String::new(),
            ..good_form()
        };

        assert_eq!(form.validate().unwrap().phone(), "");
    }

    #[test]
    fn participation_status_spellings_round_trip() {
        for status in ParticipationStatus::ALL {
            assert_eq!(ParticipationStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(ParticipationStatus::parse("Active"), None);
    }
}
