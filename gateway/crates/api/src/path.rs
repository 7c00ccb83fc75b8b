//! [`Path`]: the path parameters of a route, read like axum's extractor of
//! the same name, but refused as an RFC 9457 problem (400 naming the
//! parameter) instead of axum's plain-text answer. Every handler takes its
//! path parameters through it.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::problem::ApiError;

/// Path parameters parsed into `T` (a `String`, or a tuple of them).
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(rejection) => Err(refusal(&rejection)),
        }
    }
}

/// The 400 answering a path that could not be read, naming the parameter
/// (`path` when axum does not say which).
fn refusal(rejection: &PathRejection) -> ApiError {
    let PathRejection::FailedToDeserializePathParams(failed) = rejection else {
        return ApiError::bad_parameter("path", "Параметры пути не разобраны");
    };
    let (key, message) = match failed.kind() {
        ErrorKind::InvalidUtf8InPathParam { key } => {
            (key.as_str(), "Параметр пути не является текстом UTF-8")
        }
        ErrorKind::ParseErrorAtKey { key, .. } | ErrorKind::DeserializeError { key, .. } => {
            (key.as_str(), "Параметр пути не разобран")
        }
        _ => ("path", "Параметры пути не разобраны"),
    };
    ApiError::bad_parameter(key, message)
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    use super::*;
    use crate::problem::PROBLEM_JSON;

    async fn one(Path(id): Path<String>) -> String {
        id
    }

    async fn two(Path((mnemonic, id)): Path<(String, String)>) -> String {
        format!("{mnemonic}/{id}")
    }

    async fn call(uri: &str) -> (StatusCode, String, String) {
        let router = Router::new()
            .route("/r/{id}", get(one))
            .route("/s/{mnemonic}/p/{id}", get(two));
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = router.oneshot(request).await.unwrap();
        let status = response.status();
        let content_type = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        (
            status,
            content_type,
            String::from_utf8(bytes.to_vec()).unwrap(),
        )
    }

    #[tokio::test]
    async fn path_of_invalid_utf8_is_a_problem_naming_the_parameter() {
        let (status, content_type, body) = call("/r/%ff%fe").await;

        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(content_type, PROBLEM_JSON);
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["errors"][0]["field"], "id", "{problem}");
        assert_eq!(problem["status"], 400);
    }

    #[tokio::test]
    async fn path_second_parameter_of_invalid_utf8_is_named() {
        let (status, _, body) = call("/s/CONSUMER01/p/%c3%28").await;

        assert_eq!(status, StatusCode::BAD_REQUEST);
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(problem["errors"][0]["field"], "id", "{problem}");
    }

    #[tokio::test]
    async fn path_of_percent_encoded_text_is_decoded() {
        let (status, _, body) = call("/r/%D0%B0%20b").await;

        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, "а b");
    }
}
