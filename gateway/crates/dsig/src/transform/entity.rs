//! Turning raw text and attribute values of the input into characters:
//! line-end normalization, attribute-value normalization, and expansion of
//! the predefined entities and character references (XML 1.0 §2.11, §3.3.3,
//! §4.1). Only what a parser does before the StAX events are built.

use std::borrow::Cow;

use super::TransformError;

/// Where a raw value comes from: attribute values additionally turn literal
/// TAB/LF/CR into spaces (references are kept as the characters they name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    Text,
    Attribute,
}

/// Expands `raw` as a parser would report it in `context`.
///
/// # Errors
///
/// [`TransformError::UnknownEntity`] for an entity other than the five
/// predefined ones, [`TransformError::InvalidCharReference`] for a reference
/// that names no legal XML 1.0 character.
pub(super) fn expand(raw: &str, context: Context) -> Result<Cow<'_, str>, TransformError> {
    let is_special = |b: &u8| match context {
        Context::Text => matches!(b, b'&' | b'\r'),
        Context::Attribute => matches!(b, b'&' | b'\r' | b'\t' | b'\n'),
    };
    if !raw.as_bytes().iter().any(is_special) {
        return Ok(Cow::Borrowed(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    // The special bytes are ASCII, so their positions are char boundaries.
    while let Some(at) = rest.as_bytes().iter().position(is_special) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix('&') {
            let end = after.find(';').ok_or_else(|| unknown_entity(after))?;
            out.push(resolve_reference(&after[..end])?);
            rest = &after[end + 1..];
        } else {
            let (c, len) = match tail.as_bytes() {
                [b'\r', b'\n', ..] => ('\n', 2),
                [b'\r', ..] => ('\n', 1),
                [b'\t', ..] => ('\t', 1),
                _ => ('\n', 1),
            };
            out.push(if context == Context::Attribute {
                ' '
            } else {
                c
            });
            rest = &tail[len..];
        }
    }
    out.push_str(rest);
    Ok(Cow::Owned(out))
}

/// One reference without its `&` and `;`.
fn resolve_reference(name: &str) -> Result<char, TransformError> {
    let code = if let Some(hex) = name.strip_prefix("#x") {
        u32::from_str_radix(hex, 16).ok()
    } else if let Some(dec) = name.strip_prefix('#') {
        dec.parse::<u32>().ok()
    } else {
        return match name {
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "amp" => Ok('&'),
            "apos" => Ok('\''),
            "quot" => Ok('"'),
            _ => Err(unknown_entity(name)),
        };
    };
    code.and_then(char::from_u32)
        .filter(|&c| is_xml_char(c))
        .ok_or_else(|| TransformError::InvalidCharReference(name.to_owned()))
}

/// XML 1.0 production [2] `Char`.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}')
        || u32::from(c) >= 0x10000
}

fn unknown_entity(name: &str) -> TransformError {
    let name: String = name.chars().take(32).collect();
    TransformError::UnknownEntity(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_references_expand_and_line_ends_normalize() {
        let out = expand(
            "a&lt;&gt;&amp;&apos;&quot;&#xD;&#10;\r\nb\rc",
            Context::Text,
        )
        .unwrap();
        assert_eq!(out, "a<>&'\"\r\n\nb\nc");
    }

    #[test]
    fn attribute_literal_whitespace_becomes_space_references_stay() {
        let out = expand("a\tb\r\nc\nd&#x9;&#xA;&#xD;", Context::Attribute).unwrap();
        assert_eq!(out, "a b c d\t\n\r");
    }

    #[test]
    fn unknown_entity_is_rejected() {
        let err = expand("&nbsp;", Context::Text).unwrap_err();
        assert!(matches!(err, TransformError::UnknownEntity(name) if name == "nbsp"));
    }

    #[test]
    fn illegal_char_reference_is_rejected() {
        let err = expand("&#x1;", Context::Text).unwrap_err();
        assert!(matches!(err, TransformError::InvalidCharReference(name) if name == "#x1"));
    }
}
