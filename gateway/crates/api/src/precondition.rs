//! Optimistic concurrency on the wire: a versioned object's `ETag` is its
//! version (`"7"`), and a change names the version it was based on in
//! `If-Match`. Missing is 428, stale is 412 (from the store's conflict).
//! `If-Match` uses the strong comparison (RFC 9110 §13.1.1): a weak tag
//! (`W/"7"`) or an unquoted one (`7`) names no version and is a 400.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

use crate::problem::ApiError;

/// The `ETag` of `version`: the number in double quotes.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// `response` with the `ETag` of `version`.
pub fn with_etag(mut response: Response, version: i64) -> Response {
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}

/// The version named by `If-Match`.
///
/// # Errors
/// [`ApiError::PreconditionRequired`] when the header is missing,
/// [`ApiError::BadRequest`] when it names no single version.
pub fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    let value = headers
        .get(header::IF_MATCH)
        .ok_or(ApiError::PreconditionRequired)?;
    let version = value.to_str().ok().and_then(parse_version);
    version.ok_or_else(|| {
        ApiError::bad_parameter(
            "If-Match",
            "Укажите одну версию объекта из его ETag в кавычках, например \"3\" \
             (слабые W/\"3\" и значения без кавычек не принимаются)",
        )
    })
}

/// The version named by `If-Match`, if the header is there.
///
/// # Errors
/// [`ApiError::BadRequest`] when it is there but names no single version.
pub fn optional_if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    match headers.contains_key(header::IF_MATCH) {
        true => if_match(headers).map(Some),
        false => Ok(None),
    }
}

/// Whether the request says `If-None-Match: *` (create, never replace).
pub fn if_none_match_any(headers: &HeaderMap) -> bool {
    let value = headers.get(header::IF_NONE_MATCH);
    value.and_then(|v| v.to_str().ok()).map(str::trim) == Some("*")
}

/// The strong entity tag `"7"` as 7; weak, unquoted or other tags as none.
fn parse_version(text: &str) -> Option<i64> {
    let quoted = text.trim().strip_prefix('"')?.strip_suffix('"')?;
    let digits = !quoted.is_empty() && quoted.bytes().all(|b| b.is_ascii_digit());
    let version = quoted.parse::<i64>().ok().filter(|_| digits);
    version.filter(|v| *v > 0)
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;

    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn if_match_quoted_version_is_read() {
        for text in ["\"7\"", " \"7\" "] {
            assert_eq!(if_match(&headers(text)).unwrap(), 7, "{text}");
        }
    }

    #[test]
    fn if_match_weak_or_unquoted_tag_is_bad_request() {
        for text in ["W/\"7\"", "w/\"7\"", "7", "\"+7\"", "\"7", "7\"", "\"\""] {
            let error = if_match(&headers(text)).unwrap_err();
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{text}");
        }
    }

    #[test]
    fn if_match_missing_is_precondition_required() {
        let error = if_match(&HeaderMap::new()).unwrap_err();
        assert_eq!(error.status(), StatusCode::PRECONDITION_REQUIRED);
    }

    #[test]
    fn if_match_star_or_list_is_bad_request() {
        for text in ["*", "\"1\", \"2\"", "\"0\"", "abc"] {
            let error = if_match(&headers(text)).unwrap_err();
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{text}");
        }
    }

    #[test]
    fn etag_is_the_quoted_version() {
        assert_eq!(etag(12), "\"12\"");
    }
}
