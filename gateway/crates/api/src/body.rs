//! What a request carries and an answer returns: [`JsonBody`] reads a JSON
//! request body (content type, size limit, shape with unknown fields
//! refused), [`QueryParams`] reads the query string the same way, and
//! [`json`] writes a JSON answer.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::problem::ApiError;

/// Largest request body read, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

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
        if !is_json(request.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = read_limited(request.into_body()).await?;
        let value = serde_json::from_slice(&bytes).map_err(|error| ApiError::MalformedBody {
            reason: error.to_string(),
        })?;
        Ok(JsonBody(value))
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

/// `response` (a 201) with `Location: /api/v1{path}`, the new resource.
pub fn located(mut response: Response, path: &str) -> Response {
    let location = format!("{}{path}", crate::PREFIX);
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Whether the content type is `application/json`, parameters allowed.
fn is_json(value: Option<&HeaderValue>) -> bool {
    let Some(text) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = text.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

/// The body, up to [`MAX_BODY_BYTES`].
///
/// # Errors
/// [`ApiError::PayloadTooLarge`] over the limit, [`ApiError::MalformedBody`]
/// when it cannot be read.
pub(crate) async fn read_limited(body: Body) -> Result<axum::body::Bytes, ApiError> {
    let limited = http_body_util::Limited::new(body, MAX_BODY_BYTES);
    match http_body_util::BodyExt::collect(limited).await {
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
    use super::*;

    #[test]
    fn json_content_type_with_charset_is_json() {
        let value = HeaderValue::from_static("Application/JSON; charset=utf-8");
        assert!(is_json(Some(&value)));
    }

    #[test]
    fn json_other_or_missing_content_type_is_not_json() {
        let text = HeaderValue::from_static("text/plain");
        let form = HeaderValue::from_static("application/x-www-form-urlencoded");
        assert!(!is_json(Some(&text)));
        assert!(!is_json(Some(&form)));
        assert!(!is_json(None));
    }
}
