//! Time-of-day windows: the hours, in a given time zone, during which a
//! user may work.
//!
//! A zone is an IANA name (`Europe/Moscow`, from the database compiled into
//! `chrono-tz`, so no system files are read) or a fixed UTC offset
//! (`+03:00`). A window whose end is earlier than its start crosses
//! midnight: 22:00–06:00 is the night shift.

use std::fmt;

use chrono::Timelike;
use time::{OffsetDateTime, Time, UtcOffset};

/// A time zone: IANA by name, or a fixed offset from UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A zone of the IANA database, with its daylight-saving rules.
    Named(chrono_tz::Tz),
    /// A fixed offset from UTC.
    Fixed(UtcOffset),
}

/// Daily hours `[start, end)` in `zone`; crosses midnight when `end < start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    start: Time,
    end: Time,
    zone: Zone,
}

/// Why a window could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowError {
    /// Start and end are the same time: the window would be empty or the
    /// whole day, so say which by having no window instead.
    Empty,
}

// === impl Zone ===

impl Zone {
    /// Parses an IANA zone name or a fixed offset: `+03:00`, `-0530`, `+3`,
    /// `UTC`.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.starts_with(['+', '-']) {
            return parse_offset(text).map(Zone::Fixed);
        }
        text.parse::<chrono_tz::Tz>().ok().map(Zone::Named)
    }

    /// The wall-clock time of `at` in this zone.
    pub fn time_of(&self, at: OffsetDateTime) -> Time {
        match self {
            Zone::Fixed(offset) => at.to_offset(*offset).time(),
            Zone::Named(tz) => {
                let utc = chrono::DateTime::from_timestamp(at.unix_timestamp(), at.nanosecond())
                    .unwrap_or_default();
                let local = utc.with_timezone(tz);
                // chrono's hour, minute and second are always in range.
                Time::from_hms(
                    local.hour() as u8,
                    local.minute() as u8,
                    local.second() as u8,
                )
                .unwrap_or(Time::MIDNIGHT)
            }
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Named(tz) => f.write_str(tz.name()),
            Zone::Fixed(offset) => {
                let sign = if offset.is_negative() { '-' } else { '+' };
                let (hours, minutes, _) = offset.as_hms();
                write!(
                    f,
                    "{sign}{:02}:{:02}",
                    hours.unsigned_abs(),
                    minutes.unsigned_abs()
                )
            }
        }
    }
}

/// `+HH:MM`, `+HHMM` or `+H`/`+HH`, with `-` as well.
fn parse_offset(text: &str) -> Option<UtcOffset> {
    let (sign, digits) = text.split_at(1);
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    let all_digits =
        |s: &str| !s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(hours) || !all_digits(minutes) {
        return None;
    }
    let (hours, minutes): (i8, i8) = (hours.parse().ok()?, minutes.parse().ok()?);
    if hours > 14 || minutes > 59 {
        return None;
    }
    let factor = if sign == "-" { -1 } else { 1 };
    UtcOffset::from_hms(factor * hours, factor * minutes, 0).ok()
}

// === impl TimeWindow ===

impl TimeWindow {
    /// The daily window `[start, end)` in `zone`.
    ///
    /// # Errors
    /// [`WindowError::Empty`] when `start == end`.
    pub fn new(start: Time, end: Time, zone: Zone) -> Result<Self, WindowError> {
        match start == end {
            true => Err(WindowError::Empty),
            false => Ok(TimeWindow { start, end, zone }),
        }
    }

    /// Whether the instant `at` falls in the window on its local day.
    pub fn contains(&self, at: OffsetDateTime) -> bool {
        let local = self.zone.time_of(at);
        match self.start < self.end {
            true => self.start <= local && local < self.end,
            false => local >= self.start || local < self.end,
        }
    }

    /// Local start time.
    pub fn start(&self) -> Time {
        self.start
    }

    /// Local end time (not included).
    pub fn end(&self) -> Time {
        self.end
    }

    /// The zone the times are in.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// Whether the window crosses midnight.
    pub fn crosses_midnight(&self) -> bool {
        self.end < self.start
    }
}

#[cfg(test)]
mod tests {
    use time::macros::{datetime, time};

    use super::*;

    fn zone(text: &str) -> Zone {
        Zone::parse(text).unwrap()
    }

    fn window(start: Time, end: Time, zone_text: &str) -> TimeWindow {
        TimeWindow::new(start, end, zone(zone_text)).unwrap()
    }

    #[test]
    fn window_daytime_includes_start_excludes_end() {
        let office = window(time!(9:00), time!(18:00), "+00:00");

        assert!(!office.contains(datetime!(2024-03-01 08:59:59 UTC)));
        assert!(office.contains(datetime!(2024-03-01 09:00 UTC)));
        assert!(office.contains(datetime!(2024-03-01 17:59:59 UTC)));
        assert!(!office.contains(datetime!(2024-03-01 18:00 UTC)));
    }

    #[test]
    fn window_across_midnight_includes_both_sides() {
        let night = window(time!(22:00), time!(6:00), "+00:00");

        assert!(night.crosses_midnight());
        assert!(night.contains(datetime!(2024-03-01 23:30 UTC)));
        assert!(night.contains(datetime!(2024-03-02 00:00 UTC)));
        assert!(night.contains(datetime!(2024-03-02 05:59 UTC)));
        assert!(!night.contains(datetime!(2024-03-02 06:00 UTC)));
        assert!(!night.contains(datetime!(2024-03-02 12:00 UTC)));
        assert!(!night.contains(datetime!(2024-03-02 21:59 UTC)));
    }

    #[test]
    fn window_in_moscow_is_three_hours_ahead_of_utc() {
        let office = window(time!(9:00), time!(18:00), "Europe/Moscow");

        // 06:30 UTC is 09:30 in Moscow; 15:30 UTC is 18:30 there.
        assert!(office.contains(datetime!(2024-07-01 06:30 UTC)));
        assert!(!office.contains(datetime!(2024-07-01 15:30 UTC)));
        assert!(!office.contains(datetime!(2024-07-01 05:30 UTC)));
    }

    #[test]
    fn window_named_zone_follows_daylight_saving() {
        let office = window(time!(9:00), time!(10:00), "Europe/Berlin");

        // 08:30 UTC is 09:30 in Berlin in winter (UTC+1), 10:30 in summer (UTC+2).
        assert!(office.contains(datetime!(2024-01-15 08:30 UTC)));
        assert!(!office.contains(datetime!(2024-07-15 08:30 UTC)));
        assert!(office.contains(datetime!(2024-07-15 07:30 UTC)));
    }

    #[test]
    fn window_across_midnight_in_far_east_zone() {
        // Vladivostok is UTC+10: 22:00–02:00 there is 12:00–16:00 UTC.
        let night = window(time!(22:00), time!(2:00), "Asia/Vladivostok");

        assert!(night.contains(datetime!(2024-03-01 12:00 UTC)));
        assert!(night.contains(datetime!(2024-03-01 15:59 UTC)));
        assert!(!night.contains(datetime!(2024-03-01 16:00 UTC)));
        assert!(!night.contains(datetime!(2024-03-01 11:59 UTC)));
    }

    #[test]
    fn window_instant_with_any_offset_is_the_same_moment() {
        let office = window(time!(9:00), time!(18:00), "+03:00");

        assert!(office.contains(datetime!(2024-03-01 09:30 +03:00)));
        assert!(office.contains(datetime!(2024-03-01 01:30 -05:00)));
    }

    #[test]
    fn window_start_equal_to_end_is_refused() {
        let refused = TimeWindow::new(time!(9:00), time!(9:00), zone("UTC"));
        assert_eq!(refused, Err(WindowError::Empty));
    }

    #[test]
    fn zone_parses_names_and_offsets() {
        assert_eq!(zone("Europe/Moscow").to_string(), "Europe/Moscow");
        assert_eq!(zone("+03:00").to_string(), "+03:00");
        assert_eq!(zone("+0300").to_string(), "+03:00");
        assert_eq!(zone("+3").to_string(), "+03:00");
        assert_eq!(zone("-05:30").to_string(), "-05:30");
        assert_eq!(zone("UTC").to_string(), "UTC");
    }

    #[test]
    fn zone_refuses_unknown_names_and_bad_offsets() {
        for text in [
            "Europe/Atlantis",
            "",
            "+25:00",
            "+03:60",
            "+3:0:0",
            "+a",
            "03:00",
        ] {
            assert_eq!(Zone::parse(text), None, "{text:?}");
        }
    }
}
