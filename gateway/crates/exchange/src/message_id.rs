//! SMEV message identifiers: lowercase RFC 4122 version-1 UUIDs.
//!
//! The sender generates a time-based UUID; SMEV reads the timestamp inside it
//! to refuse stale messages (brief §1.4, CASES B17). The node generates its own
//! identifiers the same way.

use std::sync::OnceLock;

use time::{Duration, OffsetDateTime};
use uuid::{ContextV1, Timestamp, Uuid};

/// 100-nanosecond intervals between the Gregorian epoch (1582-10-15) and the
/// Unix epoch.
const GREGORIAN_TO_UNIX_TICKS: i128 = 0x01B2_1DD2_1381_4000;

/// What a MessageID string turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageIdCheck {
    /// A lowercase, hyphenated, RFC 4122 variant, version-1 UUID, with the
    /// instant embedded in it.
    V1(OffsetDateTime),
    /// Not a lowercase hyphenated UUID at all (schema-level problem).
    NotAUuid,
    /// A UUID, but not version 1 or not the RFC 4122 variant.
    NotVersion1,
}

/// Classifies a MessageID string.
pub fn check(text: &str) -> MessageIdCheck {
    if !is_lowercase_uuid(text) {
        return MessageIdCheck::NotAUuid;
    }
    let Ok(uuid) = Uuid::parse_str(text) else {
        return MessageIdCheck::NotAUuid;
    };
    let rfc_variant = uuid.get_variant() == uuid::Variant::RFC4122;
    if uuid.get_version_num() != 1 || !rfc_variant {
        return MessageIdCheck::NotVersion1;
    }
    MessageIdCheck::V1(embedded_instant(&uuid))
}

/// Whether a v1 instant is older than `window` before `now`.
pub fn is_stale(instant: OffsetDateTime, now: OffsetDateTime, window: Duration) -> bool {
    now.checked_sub(window)
        .is_some_and(|oldest| instant < oldest)
}

/// A fresh lowercase version-1 UUID for `now`, with a random node id (the
/// multicast bit set, as RFC 4122 §4.5 asks when no MAC address is used).
pub fn generate(now: OffsetDateTime) -> String {
    static NODE: OnceLock<[u8; 6]> = OnceLock::new();
    static CONTEXT: OnceLock<ContextV1> = OnceLock::new();
    let node = NODE.get_or_init(|| {
        let mut node: [u8; 6] = rand::random();
        node[0] |= 0x01;
        node
    });
    let context = CONTEXT.get_or_init(|| ContextV1::new(rand::random()));
    let nanos = now.unix_timestamp_nanos();
    let seconds = nanos.div_euclid(1_000_000_000) as u64;
    let subsec = nanos.rem_euclid(1_000_000_000) as u32;
    let ts = Timestamp::from_unix(context, seconds, subsec);
    Uuid::new_v1(ts, node).hyphenated().to_string()
}

fn is_lowercase_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(b),
        })
}

fn embedded_instant(uuid: &Uuid) -> OffsetDateTime {
    let fields = uuid.as_fields();
    let ticks =
        (u64::from(fields.2 & 0x0fff) << 48) | (u64::from(fields.1) << 32) | u64::from(fields.0);
    let unix_ticks = i128::from(ticks) - GREGORIAN_TO_UNIX_TICKS;
    OffsetDateTime::from_unix_timestamp_nanos(unix_ticks * 100)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn check_b17_v1_id_gives_its_instant() {
        let got = check("77419000-d7b2-11ee-8aaa-000000000001");
        assert_eq!(got, MessageIdCheck::V1(datetime!(2024-03-01 10:00 UTC)));
    }

    #[test]
    fn check_b17_v4_id_is_not_version_1() {
        let got = check("0a1b2c3d-1111-4aaa-8aaa-000000000002");
        assert_eq!(got, MessageIdCheck::NotVersion1);
    }

    #[test]
    fn check_uppercase_id_is_not_a_uuid() {
        let got = check("77419000-D7B2-11EE-8AAA-000000000001");
        assert_eq!(got, MessageIdCheck::NotAUuid);
    }

    #[test]
    fn check_wrong_variant_is_not_version_1() {
        let got = check("77419000-d7b2-11ee-0aaa-000000000001");
        assert_eq!(got, MessageIdCheck::NotVersion1);
    }

    #[test]
    fn check_b17_old_id_is_stale_after_two_days() {
        let MessageIdCheck::V1(at) = check("20fc4000-9149-11e4-8aaa-000000000001") else {
            panic!("a v1 id");
        };
        assert_eq!(at, datetime!(2015-01-01 00:00 UTC));
        let now = datetime!(2024-03-01 10:00 UTC);
        assert!(is_stale(at, now, Duration::days(2)));
        assert!(!is_stale(now - Duration::hours(47), now, Duration::days(2)));
    }

    #[test]
    fn generate_gives_lowercase_v1_at_now() {
        let now = datetime!(2026-12-04 15:00:00.123 UTC);
        let id = generate(now);
        let MessageIdCheck::V1(at) = check(&id) else {
            panic!("generated id {id} is not v1");
        };
        assert!(
            (at - now).abs() < Duration::milliseconds(1),
            "{at} vs {now}"
        );
        assert_ne!(generate(now), id, "two ids for one instant must differ");
    }
}
