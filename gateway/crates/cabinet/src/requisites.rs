//! Requisites of a Russian legal entity: ИНН (10 digits), ОГРН (13 digits)
//! and КПП (9 characters), each checked by its published rule.
//!
//! - ИНН of a legal entity: the tenth digit is the weighted sum of the first
//!   nine (weights 2, 4, 10, 3, 5, 9, 4, 6, 8) modulo 11, then modulo 10.
//! - ОГРН: the thirteenth digit is the number formed by the first twelve
//!   modulo 11, then modulo 10; a legal entity's record starts with 1 or 5.
//! - КПП: four digits (tax office), two digits or capital Latin letters
//!   (reason of registration), three digits (sequence number).
//
// FIXME(#3): only legal entities are accepted. Individual entrepreneurs
// have a 12-digit ИНН (two check digits) and a 15-digit ОГРНИП and no КПП;
// right is a participant kind on the form that picks the rules.

use std::fmt;

/// Why a requisite was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequisiteError {
    /// Wrong length or characters.
    Format,
    /// Well formed, but the check digit does not match.
    Checksum,
}

/// ИНН of a legal entity: ten digits, the last one a check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Inn(String);

/// ОГРН: thirteen digits, the last one a check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ogrn(String);

/// КПП: nine characters, `NNNNPPNNN` where `P` is a digit or `A`–`Z`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Kpp(String);

const INN_WEIGHTS: [u32; 9] = [2, 4, 10, 3, 5, 9, 4, 6, 8];

// === impl Inn ===

impl Inn {
    /// Parses a ten-digit ИНН of a legal entity.
    ///
    /// # Errors
    /// [`RequisiteError::Format`] unless exactly ten ASCII digits,
    /// [`RequisiteError::Checksum`] when the tenth digit is wrong.
    pub fn parse(text: &str) -> Result<Self, RequisiteError> {
        let digits = ascii_digits(text, 10).ok_or(RequisiteError::Format)?;

        let sum: u32 = INN_WEIGHTS.iter().zip(&digits).map(|(w, d)| w * d).sum();
        let check = sum % 11 % 10;

        match check == digits[9] {
            true => Ok(Inn(text.to_owned())),
            false => Err(RequisiteError::Checksum),
        }
    }

    /// The ten digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Inn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// === impl Ogrn ===

impl Ogrn {
    /// Parses a thirteen-digit ОГРН of a legal entity.
    ///
    /// # Errors
    /// [`RequisiteError::Format`] unless exactly thirteen ASCII digits
    /// starting with 1 or 5, [`RequisiteError::Checksum`] when the last digit
    /// is wrong.
    pub fn parse(text: &str) -> Result<Self, RequisiteError> {
        let digits = ascii_digits(text, 13).ok_or(RequisiteError::Format)?;
        let legal_entity_record = matches!(digits[0], 1 | 5);
        if !legal_entity_record {
            return Err(RequisiteError::Format);
        }

        // Twelve digits fit in a u64 with room to spare.
        let number = digits[..12]
            .iter()
            .fold(0u64, |n, &d| n * 10 + u64::from(d));
        let check = number % 11 % 10;

        match check == u64::from(digits[12]) {
            true => Ok(Ogrn(text.to_owned())),
            false => Err(RequisiteError::Checksum),
        }
    }

    /// The thirteen digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Ogrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// === impl Kpp ===

impl Kpp {
    /// Parses a КПП.
    ///
    /// # Errors
    /// [`RequisiteError::Format`] unless it matches `NNNNPPNNN`.
    pub fn parse(text: &str) -> Result<Self, RequisiteError> {
        let bytes = text.as_bytes();
        if bytes.len() != 9 {
            return Err(RequisiteError::Format);
        }

        let reason = |b: &u8| b.is_ascii_digit() || b.is_ascii_uppercase();
        let well_formed = bytes[..4].iter().all(u8::is_ascii_digit)
            && bytes[4..6].iter().all(reason)
            && bytes[6..].iter().all(u8::is_ascii_digit);

        match well_formed {
            true => Ok(Kpp(text.to_owned())),
            false => Err(RequisiteError::Format),
        }
    }

    /// The nine characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Kpp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The digit values of `text` when it is exactly `len` ASCII digits.
fn ascii_digits(text: &str, len: usize) -> Option<Vec<u32>> {
    let all_digits = text.len() == len && text.bytes().all(|b| b.is_ascii_digit());
    all_digits.then(|| text.bytes().map(|b| u32::from(b - b'0')).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Appends the ИНН check digit to nine digits, by the rule above.
    fn with_inn_check(nine: &str) -> String {
        let sum: u32 = nine
            .bytes()
            .zip(INN_WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        format!("{nine}{}", sum % 11 % 10)
    }

    /// Appends the ОГРН check digit to twelve digits.
    fn with_ogrn_check(twelve: &str) -> String {
        let number: u64 = twelve.parse().unwrap();
        format!("{twelve}{}", number % 11 % 10)
    }

    #[test]
    fn inn_real_world_example_is_valid() {
        assert_eq!(Inn::parse("7707083893").unwrap().as_str(), "7707083893");
    }

    #[test]
    fn inn_computed_examples_are_valid() {
        for nine in ["500100732", "772801001", "123456789", "000000001"] {
            let inn = with_inn_check(nine);
            assert!(Inn::parse(&inn).is_ok(), "{inn}");
        }
        // Worked by hand: 5·2 + 1·3 + 7·4 + 3·6 + 2·8 = 75, 75 % 11 = 9.
        assert_eq!(with_inn_check("500100732"), "5001007329");
    }

    #[test]
    fn inn_wrong_check_digit_is_checksum_error() {
        assert_eq!(Inn::parse("7707083894"), Err(RequisiteError::Checksum));
        assert_eq!(Inn::parse("7707083890"), Err(RequisiteError::Checksum));
    }

    #[test]
    fn inn_bad_shape_is_format_error() {
        for text in [
            "",
            "770708389",
            "77070838930",
            "77070838a3",
            "7707083893 ",
            "770708389٣",
        ] {
            assert_eq!(Inn::parse(text), Err(RequisiteError::Format), "{text:?}");
        }
    }

    #[test]
    fn ogrn_real_world_example_is_valid() {
        assert_eq!(
            Ogrn::parse("1027700132195").unwrap().as_str(),
            "1027700132195"
        );
    }

    #[test]
    fn ogrn_computed_examples_are_valid() {
        for twelve in ["102770013219", "502770013219", "116774622222"] {
            let ogrn = with_ogrn_check(twelve);
            assert!(Ogrn::parse(&ogrn).is_ok(), "{ogrn}");
        }
    }

    #[test]
    fn ogrn_wrong_check_digit_is_checksum_error() {
        assert_eq!(Ogrn::parse("1027700132196"), Err(RequisiteError::Checksum));
    }

    #[test]
    fn ogrn_bad_shape_or_record_kind_is_format_error() {
        let not_legal_entity = format!("3{}", &with_ogrn_check("02770013219")[..12]);
        for text in [
            "",
            "102770013219",
            "10277001321950",
            "1O27700132195",
            &not_legal_entity,
        ] {
            assert_eq!(Ogrn::parse(text), Err(RequisiteError::Format), "{text:?}");
        }
    }

    #[test]
    fn kpp_published_formats_are_valid() {
        for text in ["773601001", "7736AB001", "77360A001", "000000000"] {
            assert_eq!(Kpp::parse(text).unwrap().as_str(), text);
        }
    }

    #[test]
    fn kpp_bad_shape_is_format_error() {
        for text in [
            "",
            "77360100",
            "7736010011",
            "7736ab001",
            "A73601001",
            "77360100Z",
            "7736-1001",
        ] {
            assert_eq!(Kpp::parse(text), Err(RequisiteError::Format), "{text:?}");
        }
    }
}
