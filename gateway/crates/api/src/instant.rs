//! Instants on the wire: RFC 3339 text in JSON bodies and query strings.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// `at` as RFC 3339 text in UTC.
pub fn to_text(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// RFC 3339 `text` as an instant, if it is one.
pub fn parse(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn instant_text_round_trips_in_utc() {
        let at = datetime!(2024-03-01 13:00 +03:00);

        assert_eq!(to_text(at), "2024-03-01T10:00:00Z");
        assert_eq!(parse("2024-03-01T10:00:00Z"), Some(at));
    }

    #[test]
    fn instant_bad_text_is_none() {
        assert_eq!(parse("вчера"), None);
        assert_eq!(parse("2024-03-01"), None);
    }
}
