//! Byte-level checks made before libxml2 sees an input: size, UTF-8, the
//! declared encoding, and the absence of a DOCTYPE.
//!
//! A DOCTYPE is refused here, before parsing, because libxml2 processes the
//! internal subset (entity declarations, parameter entities) while parsing it,
//! even when it never substitutes entities.

use crate::document::{ParseError, ParseErrorKind};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Refuses inputs that are too large, not UTF-8, declared in another
/// encoding, or carrying a DOCTYPE.
pub(crate) fn check(bytes: &[u8], max_bytes: usize) -> Result<(), ParseError> {
    if bytes.len() > max_bytes {
        let message = format!("input is {} bytes, the limit is {max_bytes}", bytes.len());
        return Err(ParseError::new(ParseErrorKind::TooLarge, 0, 0, message));
    }
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    // The declaration goes first, so that a document in another encoding is
    // refused by the name it declares rather than by its first odd byte.
    let after_decl = check_declaration(body)?;
    let text = utf8(body)?;
    check_no_doctype(text, after_decl)
}

fn utf8(body: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(body).map_err(|err| {
        let at = err.valid_up_to();
        let (line, column) = position(&body[..at]);
        let utf16 = body.starts_with(b"\xFE\xFF") || body.starts_with(b"\xFF\xFE");
        let message = if utf16 {
            "utf-16 byte order mark; only utf-8 is accepted".to_owned()
        } else {
            format!("input is not valid utf-8 at byte {at}")
        };
        ParseError::new(ParseErrorKind::Encoding, line, column, message)
    })
}

/// Checks the XML declaration, if any, and returns the offset just past it.
fn check_declaration(body: &[u8]) -> Result<usize, ParseError> {
    let has_decl =
        body.starts_with(b"<?xml") && body.get(5).is_some_and(|b| b" \t\r\n".contains(b));
    if !has_decl {
        return Ok(0);
    }
    let Some(end) = body.windows(2).position(|pair| pair == b"?>") else {
        return Ok(0); // unterminated: libxml2 reports it with a position
    };
    let declaration = String::from_utf8_lossy(&body[..end]);
    match declared_encoding(&declaration) {
        Some(name) if !is_utf8_name(name) => {
            let message = format!("declared encoding '{name}' is refused; only utf-8 is accepted");
            Err(ParseError::new(ParseErrorKind::Encoding, 1, 1, message))
        }
        _ => Ok(end + 2),
    }
}

/// The value of the `encoding` pseudo-attribute of an XML declaration.
fn declared_encoding(declaration: &str) -> Option<&str> {
    let rest = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next().filter(|q| *q == '"' || *q == '\'')?;
    let value = &rest[1..];
    value.find(quote).map(|end| &value[..end])
}

fn is_utf8_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("utf-8") || name.eq_ignore_ascii_case("utf8")
}

/// Walks the prolog (whitespace, comments, processing instructions) after
/// the declaration and refuses a DOCTYPE found there. A DOCTYPE anywhere else
/// is a well-formedness error libxml2 reports on its own.
fn check_no_doctype(text: &str, start: usize) -> Result<(), ParseError> {
    let mut at = start;
    loop {
        let rest = &text[at..];
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        at += rest.len() - trimmed.len();
        let skip = if trimmed.starts_with("<!--") {
            trimmed.find("-->").map(|end| end + 3)
        } else if trimmed.starts_with("<?") {
            trimmed.find("?>").map(|end| end + 2)
        } else if starts_with_ignore_case(trimmed, "<!DOCTYPE") {
            let (line, column) = position(&text.as_bytes()[..at]);
            let message = "doctype is refused (no dtd, no entity declarations)".to_owned();
            return Err(ParseError::new(
                ParseErrorKind::Doctype,
                line,
                column,
                message,
            ));
        } else {
            None
        };
        match skip {
            Some(len) => at += len,
            None => return Ok(()),
        }
    }
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// The 1-based line and column just after `before`.
fn position(before: &[u8]) -> (u32, u32) {
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = before.len() - line_start + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(bytes: &[u8]) -> Option<ParseErrorKind> {
        check(bytes, 1 << 20).err().map(|e| e.kind)
    }

    #[test]
    fn declaration_encoding_utf8_any_case_is_accepted() {
        assert_eq!(kind(b"<?xml version='1.0' encoding='UTF-8'?><a/>"), None);
        assert_eq!(
            kind(b"<?xml version=\"1.0\" encoding = \"utf8\" ?><a/>"),
            None
        );
        assert_eq!(kind(b"<?xml version=\"1.0\"?><a/>"), None);
    }

    #[test]
    fn declaration_other_encoding_is_refused_by_name() {
        let err = check(b"<?xml version='1.0' encoding='windows-1251'?><a/>", 100).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::Encoding);
        assert!(err.message.contains("'windows-1251'"), "{}", err.message);
    }

    #[test]
    fn invalid_utf8_reports_its_line_and_column() {
        let err = check(b"<a>\n  \xC3(</a>", 100).unwrap_err();
        assert_eq!(
            (err.kind, err.line, err.column),
            (ParseErrorKind::Encoding, 2, 3)
        );
    }

    #[test]
    fn utf16_bom_is_refused() {
        let err = check(b"\xFF\xFE<\0a\0/\0>\0", 100).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::Encoding);
        assert!(err.message.contains("utf-16"));
    }

    #[test]
    fn doctype_after_comment_and_pi_is_found() {
        let input = b"\xEF\xBB\xBF<?xml version='1.0'?>\n<!-- c -->\n<?pi x?>\n<!DOCTYPE a []><a/>";
        let err = check(input, 1000).unwrap_err();
        assert_eq!(
            (err.kind, err.line, err.column),
            (ParseErrorKind::Doctype, 4, 1)
        );
    }

    #[test]
    fn doctype_text_inside_root_is_left_to_libxml2() {
        assert_eq!(kind(b"<a><![CDATA[<!DOCTYPE x>]]></a>"), None);
    }

    #[test]
    fn size_over_limit_is_refused() {
        let err = check(b"<a></a>", 6).unwrap_err();
        assert_eq!(err.kind, ParseErrorKind::TooLarge);
        assert_eq!(err.message, "input is 7 bytes, the limit is 6");
    }
}
