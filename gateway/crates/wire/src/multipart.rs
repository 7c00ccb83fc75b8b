//! MTOM/XOP framing of SMEV's answers (brief §1.1, CASES B13): Apache CXF
//! answers `multipart/related` with an `application/xop+xml` root part,
//! even for an empty queue. This module finds the root part's bytes.
//!
//! Line endings may be CRLF (real MIME) or LF (hand-edited captures), and
//! the boundary may be quoted or not.

/// The multipart framing could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    /// The content type has no `boundary` parameter.
    #[error("content type has no boundary")]
    NoBoundary,
    /// No part is delimited by the boundary.
    #[error("no part delimited by boundary {0:?}")]
    NoParts(String),
    /// A part has no blank line after its headers.
    #[error("part {0} has no end of headers")]
    NoHeaderEnd(usize),
}

/// One MIME part: its raw headers and its content.
#[derive(Debug, Clone, Copy)]
struct Part<'b> {
    headers: &'b [u8],
    content: &'b [u8],
}

/// The value of parameter `name` in a header value such as a content type
/// (`; name="value"` or `; name=value`), matched case-insensitively.
pub(crate) fn header_param<'a>(value: &'a str, name: &str) -> Option<&'a str> {
    value.split(';').skip(1).find_map(|param| {
        let (key, val) = param.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case(name) {
            return None;
        }
        let val = val.trim();
        Some(
            val.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(val),
        )
    })
}

/// The content of the root part: the part whose `Content-ID` is the
/// `start` parameter, or the first part when `start` is absent or matches
/// nothing.
pub(crate) fn root_part<'b>(
    content_type: &str,
    body: &'b [u8],
) -> Result<&'b [u8], MultipartError> {
    let boundary = header_param(content_type, "boundary").ok_or(MultipartError::NoBoundary)?;
    let parts = split_parts(body, boundary)?;
    let start = header_param(content_type, "start");
    let chosen = start.and_then(|start| {
        parts
            .iter()
            .find(|p| header_value(p.headers, "content-id").as_deref() == Some(start))
    });
    Ok(chosen.unwrap_or(&parts[0]).content)
}

fn split_parts<'b>(body: &'b [u8], boundary: &str) -> Result<Vec<Part<'b>>, MultipartError> {
    let delimiter = format!("--{boundary}");
    let starts = find_all(body, delimiter.as_bytes());
    let mut parts = Vec::new();
    for (index, pair) in starts.windows(2).enumerate() {
        let after = pair[0] + delimiter.len();
        if body[after..].starts_with(b"--") {
            break;
        }
        let part = &body[skip_line(body, after)..strip_line_break(body, pair[1])];
        parts.push(read_part(part, index)?);
    }
    if parts.is_empty() {
        return Err(MultipartError::NoParts(boundary.to_owned()));
    }
    Ok(parts)
}

fn read_part(part: &[u8], index: usize) -> Result<Part<'_>, MultipartError> {
    let crlf = find_all(part, b"\r\n\r\n").first().map(|&i| (i, 4));
    let lf = find_all(part, b"\n\n").first().map(|&i| (i, 2));
    let (at, len) = match (crlf, lf) {
        (Some(a), Some(b)) => std::cmp::min_by_key(a, b, |x| x.0),
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => return Err(MultipartError::NoHeaderEnd(index)),
    };
    Ok(Part {
        headers: &part[..at],
        content: &part[at + len..],
    })
}

/// The value of header `name` in a raw header block, unfolded and trimmed.
fn header_value(headers: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(headers);
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// Index just past the end of the line containing `from`.
fn skip_line(body: &[u8], from: usize) -> usize {
    body[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(body.len(), |i| from + i + 1)
}

/// `at` moved back over the line break that belongs to the delimiter.
fn strip_line_break(body: &[u8], at: usize) -> usize {
    let mut end = at;
    if end > 0 && body[end - 1] == b'\n' {
        end -= 1;
        if end > 0 && body[end - 1] == b'\r' {
            end -= 1;
        }
    }
    end
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return Vec::new();
    }
    (0..=haystack.len() - needle.len())
        .filter(|&i| haystack[i..].starts_with(needle))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/related; type=\"application/xop+xml\"; boundary=\"b1\"; \
                      start=\"<root@x>\"; start-info=\"text/xml\"";

    #[test]
    fn root_part_with_crlf_is_found_by_start() {
        let body = b"--b1\r\nContent-ID: <other@x>\r\n\r\nNO\r\n--b1\r\n\
                     Content-Type: application/xop+xml\r\nContent-ID: <root@x>\r\n\r\n<a/>\r\n--b1--\r\n";
        assert_eq!(root_part(CT, body).unwrap(), b"<a/>");
    }

    #[test]
    fn root_part_with_lf_and_unquoted_boundary_is_first_part() {
        let body = b"--b2\nContent-Type: application/xop+xml\n\n<a>\n</a>\n--b2--";
        let ct = "multipart/related; boundary=b2";
        assert_eq!(root_part(ct, body).unwrap(), b"<a>\n</a>");
    }

    #[test]
    fn multipart_without_boundary_is_refused() {
        assert_eq!(
            root_part("multipart/related", b"x"),
            Err(MultipartError::NoBoundary)
        );
    }
}
