//! What a request carries and an answer returns: [`JsonBody`] reads a JSON
//! request body (content type, size limit, read deadline, a JSON object
//! whose unknown fields are refused), [`RawBody`] reads a body of bytes
//! under the same limit and deadline, [`QueryParams`] reads the query
//! string, and [`json`] writes a JSON answer ([`secret_json`] one that must
//! not be cached).
//!
//! Parser messages reach the caller only through [`describe_serde`], which
//! replaces the Rust type names serde puts in them with words.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cabinet::FieldErrors;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::problem::ApiError;

/// Largest request body read, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long reading a whole request body may take; a body still unfinished
/// then (a client that stalled half-way) is answered 408.
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// A request body parsed from JSON into `T` (whose type refuses unknown
/// fields with `#[serde(deny_unknown_fields)]`).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T, S> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers();
        let encoded = headers
            .get(header::CONTENT_ENCODING)
            .is_some_and(|v| !v.as_bytes().eq_ignore_ascii_case(b"identity"));
        if encoded || !is_json(headers.get(header::CONTENT_TYPE)) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = read_limited(request.into_body()).await?;
        if !is_json_object(&bytes) {
            return Err(ApiError::MalformedBody {
                reason: "тело запроса должно быть JSON-объектом {…}".to_owned(),
            });
        }
        let mut json = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut json).map_err(refusal_of)?;
        Ok(JsonBody(value))
    }
}

/// A request body of bytes (a certificate, say), read under
/// [`MAX_BODY_BYTES`] and [`BODY_DEADLINE`] like [`JsonBody`].
#[derive(Debug)]
pub struct RawBody(pub axum::body::Bytes);

impl<S> FromRequest<S> for RawBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        read_limited(request.into_body()).await.map(RawBody)
    }
}

/// Query parameters parsed into `T` (which refuses unknown parameters).
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let value = serde_urlencoded::from_str(query).map_err(|error| {
            let error = describe_serde(&error.to_string());
            let message = format!("Параметры запроса не разобраны: {error}");
            ApiError::bad_parameter("query", &message)
        })?;
        Ok(QueryParams(value))
    }
}

/// A JSON answer with `status`.
pub fn json(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let content_type = HeaderValue::from_static("application/json");
            (status, [(header::CONTENT_TYPE, content_type)], bytes).into_response()
        }
        Err(error) => {
            ApiError::Internal(format!("answer not serialisable: {error}")).into_response()
        }
    }
}

/// A JSON answer with `status` that carries a secret (a session token, an
/// API token's secret): `Cache-Control: no-store`, so that no cache along
/// the way keeps it.
pub fn secret_json(status: StatusCode, value: &impl Serialize) -> Response {
    let mut response = json(status, value);
    let no_store = HeaderValue::from_static("no-store");
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, no_store);
    response
}

/// `response` (a 201) with `Location: /api/v1{path}`, the new resource.
pub fn located(mut response: Response, path: &str) -> Response {
    let location = format!("{}{path}", crate::PREFIX);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// The answer to a body serde could not read: a 400 naming the field when
/// the error sits at one (a wrong type, a number out of range), otherwise a
/// malformed body.
fn refusal_of(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let field = error.path().to_string();
    let reason = describe_serde(&error.inner().to_string());
    if field.is_empty() || field == "." || error.inner().is_syntax() || error.inner().is_eof() {
        return ApiError::MalformedBody { reason };
    }
    let mut errors = FieldErrors::new();
    errors.push(field, reason);
    ApiError::BadRequest(errors)
}

/// Whether the content type is `application/json`; a `charset`
/// parameter, if any, must be UTF-8 (RFC 8259 §8.1: JSON is UTF-8).
fn is_json(value: Option<&HeaderValue>) -> bool {
    let Some(text) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = text.split(';');
    let essence = parts.next().unwrap_or_default().trim();
    let utf8 = parts.all(|parameter| match parameter.split_once('=') {
        Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
            let value = value.trim().trim_matches('"');
            value.eq_ignore_ascii_case("utf-8") || value.eq_ignore_ascii_case("utf8")
        }
        _ => true,
    });
    essence.eq_ignore_ascii_case("application/json") && utf8
}

/// Whether `bytes`, past leading whitespace, open a JSON object (arrays,
/// strings, numbers and `null` are no body of this API).
fn is_json_object(bytes: &[u8]) -> bool {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    first == Some(&b'{')
}

/// A serde message with the Rust type names it may carry (`expected struct
/// SendRequestJson`, `expected enum Role`) put in words, for the caller.
pub(crate) fn describe_serde(message: &str) -> String {
    let words = [
        ("expected struct ", "ожидается JSON-объект"),
        ("expected unit struct ", "ожидается null"),
        ("expected tuple struct ", "ожидается JSON-массив"),
        ("expected enum ", "ожидается одно из допустимых значений"),
    ];
    let mut text = message.to_owned();
    for (rust, plain) in words {
        while let Some(start) = text.find(rust) {
            let name_start = start + rust.len();
            let name_len = text[name_start..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(text.len() - name_start);
            text.replace_range(start..name_start + name_len, plain);
        }
    }
    text
}

/// The body, up to [`MAX_BODY_BYTES`] and within [`BODY_DEADLINE`].
///
/// # Errors
/// [`ApiError::PayloadTooLarge`] over the limit, [`ApiError::BodyTimeout`]
/// past the deadline, [`ApiError::MalformedBody`] when it cannot be read.
pub(crate) async fn read_limited(body: Body) -> Result<axum::body::Bytes, ApiError> {
    let limited = http_body_util::Limited::new(body, MAX_BODY_BYTES);
    let collect = http_body_util::BodyExt::collect(limited);
    let Ok(collected) = tokio::time::timeout(BODY_DEADLINE, collect).await else {
        return Err(ApiError::BodyTimeout {
            seconds: BODY_DEADLINE.as_secs(),
        });
    };
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<http_body_util::LengthLimitError>() => {
            Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            })
        }
        Err(error) => Err(ApiError::MalformedBody {
            reason: format!("тело запроса не прочитано ({error})"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use axum::body::Bytes;
    use futures_util::StreamExt;
    use http_body_util::StreamBody;
    use serde::Deserialize;

    use super::*;

    /// A body that sends `first` and then nothing, never ending.
    fn stalled_body(first: &'static [u8]) -> Body {
        let chunk = Ok::<_, Infallible>(http_body::Frame::data(Bytes::from_static(first)));
        let stream = futures_util::stream::iter([chunk]).chain(futures_util::stream::pending());
        Body::new(StreamBody::new(stream))
    }

    #[tokio::test(start_paused = true)]
    async fn body_stalled_after_one_byte_times_out_with_408() {
        let started = tokio::time::Instant::now();

        let error = read_limited(stalled_body(b"{")).await.unwrap_err();

        assert_eq!(error.status(), StatusCode::REQUEST_TIMEOUT);
        assert!(started.elapsed() >= BODY_DEADLINE);
    }

    #[tokio::test(start_paused = true)]
    async fn body_complete_before_the_deadline_is_read() {
        let bytes = read_limited(Body::from("{\"a\":1}")).await.unwrap();
        assert_eq!(&bytes[..], b"{\"a\":1}");
    }

    #[test]
    fn json_object_is_told_from_other_json_values() {
        assert!(is_json_object(b"  \n{\"login\":\"a\"}"));
        for text in ["[\"login\",\"pw\"]", "\"x\"", "1", "null", "", "  "] {
            assert!(!is_json_object(text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn serde_message_with_rust_names_is_put_in_words() {
        let text = "invalid type: integer `5`, expected struct WindowJson at line 1 column 12";
        let described = describe_serde(text);
        assert_eq!(
            described,
            "invalid type: integer `5`, ожидается JSON-объект at line 1 column 12"
        );
        assert_eq!(
            describe_serde("expected enum Role"),
            "ожидается одно из допустимых значений"
        );
    }

    #[test]
    fn serde_message_of_a_real_type_carries_no_rust_name() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct InnerJson {
            a: u8,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct OuterJson {
            inner: InnerJson,
        }
        let error = serde_json::from_str::<OuterJson>("{\"inner\": 5}").unwrap_err();

        let described = describe_serde(&error.to_string());

        assert!(!described.contains("InnerJson"), "{described}");
        assert!(described.contains("ожидается JSON-объект"), "{described}");
    }

    #[test]
    fn json_content_type_with_charset_is_json() {
        let value = HeaderValue::from_static("Application/JSON; charset=utf-8");
        assert!(is_json(Some(&value)));
    }

    #[test]
    fn json_other_or_missing_content_type_is_not_json() {
        let text = HeaderValue::from_static("text/plain");
        let form = HeaderValue::from_static("application/x-www-form-urlencoded");
        let latin = HeaderValue::from_static("application/json; charset=latin1");
        assert!(!is_json(Some(&text)));
        assert!(!is_json(Some(&form)));
        assert!(!is_json(Some(&latin)));
        assert!(!is_json(None));
    }
}
