//! Re-stamping: the `{{…}}` placeholders of a `request.xml`, filled at
//! replay time so that no fixture depends on the day it was written.
//!
//! - `{{new-id NAME}}`: a fresh lowercase UUID v1 of now, remembered as NAME;
//! - `{{NAME}}`: a value remembered earlier in the run (generated or
//!   captured from an answer);
//! - `{{now}}`, `{{now+N}}`, `{{now-N}}`: an xs:dateTime (UTC, ms) now or N
//!   seconds away; N may end in `m`, `h` or `d`.

use std::collections::BTreeMap;

use time::{Duration, OffsetDateTime};

/// Values known by name during one replay run.
pub type Vars = BTreeMap<String, String>;

/// Why a template could not be filled.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TemplateError {
    /// `{{` without `}}`.
    #[error("unclosed placeholder at byte {0}")]
    Unclosed(usize),
    /// A name no earlier step defined.
    #[error("unknown value `{0}` (no earlier step generated or captured it)")]
    Unknown(String),
    /// An offset that is not a number of seconds, minutes, hours or days.
    #[error("bad time offset in `{0}`")]
    BadOffset(String),
}

/// Fills every placeholder of `template`; new ids are added to `vars`.
///
/// # Errors
/// [`TemplateError`] for unclosed placeholders, unknown names, bad offsets.
pub fn fill(template: &str, vars: &mut Vars, now: OffsetDateTime) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(TemplateError::Unclosed(template.len() - rest.len() + start));
        };
        out.push_str(&placeholder(after[..end].trim(), vars, now)?);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn placeholder(spec: &str, vars: &mut Vars, now: OffsetDateTime) -> Result<String, TemplateError> {
    if let Some(name) = spec.strip_prefix("new-id ") {
        let id = exchange::message_id::generate(now);
        vars.insert(name.trim().to_owned(), id.clone());
        return Ok(id);
    }
    if let Some(offset) = spec.strip_prefix("now") {
        let at = now + parse_offset(offset).ok_or_else(|| TemplateError::BadOffset(spec.into()))?;
        return Ok(crate::cmd::client::xs_now(at));
    }
    vars.get(spec)
        .cloned()
        .ok_or_else(|| TemplateError::Unknown(spec.to_owned()))
}

/// `""`, `+90`, `-15m`, `+1h`, `-3d`.
fn parse_offset(text: &str) -> Option<Duration> {
    if text.is_empty() {
        return Some(Duration::ZERO);
    }
    let (sign, number) = match text.split_at(1) {
        ("+", number) => (1, number),
        ("-", number) => (-1, number),
        _ => return None,
    };
    let (digits, unit) = match number.char_indices().last()? {
        (at, 'm') => (&number[..at], 60),
        (at, 'h') => (&number[..at], 3600),
        (at, 'd') => (&number[..at], 86_400),
        _ => (number, 1),
    };
    let value: i64 = digits.parse().ok()?;
    Some(Duration::seconds(sign * value.checked_mul(unit)?))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const NOW: OffsetDateTime = datetime!(2026-12-04 15:00:00.250 UTC);

    #[test]
    fn fill_new_id_is_remembered_and_reused() {
        let mut vars = Vars::new();
        let text = fill("<a>{{new-id req}}</a><b>{{ req }}</b>", &mut vars, NOW).unwrap();
        let id = vars.get("req").unwrap();
        assert_eq!(text, format!("<a>{id}</a><b>{id}</b>"));
        assert!(matches!(
            exchange::message_id::check(id),
            exchange::message_id::MessageIdCheck::V1(_)
        ));
    }

    #[test]
    fn fill_now_with_offsets_gives_xs_datetimes() {
        let mut vars = Vars::new();
        let text = fill("{{now}} {{now-1d}} {{now+90}} {{now-15m}}", &mut vars, NOW).unwrap();
        assert_eq!(
            text,
            "2026-12-04T15:00:00.250Z 2026-12-03T15:00:00.250Z \
             2026-12-04T15:01:30.250Z 2026-12-04T14:45:00.250Z"
        );
    }

    #[test]
    fn fill_unknown_name_and_bad_offset_are_errors() {
        let mut vars = Vars::new();
        assert_eq!(
            fill("{{reply_to}}", &mut vars, NOW),
            Err(TemplateError::Unknown("reply_to".into()))
        );
        assert_eq!(
            fill("{{now*2}}", &mut vars, NOW),
            Err(TemplateError::BadOffset("now*2".into()))
        );
        assert_eq!(
            fill("ab{{now", &mut vars, NOW),
            Err(TemplateError::Unclosed(2))
        );
    }

    #[test]
    fn fill_without_placeholders_is_identity() {
        let mut vars = Vars::new();
        let text = "<x a=\"{b}\">}} {</x>";
        assert_eq!(fill(text, &mut vars, NOW).unwrap(), text);
    }
}
