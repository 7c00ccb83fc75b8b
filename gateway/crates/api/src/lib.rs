//! The administrative REST API v1 of the participant's cabinet: JSON over
//! HTTP under `/api/v1`, answers to errors as RFC 9457 problem+json, and an
//! OpenAPI 3.1 document of itself at `/api/v1/openapi.json`.
//!
//! Boundary: this crate is the JSON edge of the `cabinet` domain and the
//! `store`. Domain types stay free of serde; every JSON type lives here.
//!
//! # Life of a request
//!
//! 1. The route table ([`routes::ROUTES`]) picks the endpoint; an unknown
//!    path or method is answered by [`problem::ApiError`] (404/405).
//! 2. The guard ([`auth`]) finds the bearer's session or API token, checks
//!    the user's address and time window against the peer and the node
//!    clock, then the role against the route's [`cabinet::Action`]. An API
//!    client's access token ([`access_token`]) is verified instead, then the
//!    client's address, window, scopes and request rate ([`rate_limit`]).
//! 3. The handler reads its body ([`body::JsonBody`]: content type, size,
//!    unknown fields), calls the store and answers JSON.
//! 4. Every failure becomes one problem+json answer in
//!    [`problem::ApiError`]'s `IntoResponse` — the only place that picks
//!    HTTP statuses for errors.
//!
//! # Layout
//!
//! - [`routes`] — the route table: router and OpenAPI document both come
//!   from it.
//! - [`problem`] — [`problem::ApiError`] and its problem+json answer.
//! - [`auth`] — bearer authentication and the access guard.
//! - [`body`], [`path`], [`precondition`], [`instant`] — request bodies,
//!   path parameters, `If-Match` and `ETag`, RFC 3339 times.
//! - [`session`], [`organisation`], [`users`], [`tokens`], [`audit`],
//!   [`journal`], [`systems`], [`services`], [`requests`], [`responses`],
//!   [`status`], [`clients`], [`points`] (integration points and dead
//!   letters) — one module per resource: its JSON types and handlers.
//! - [`login_limit`] — failed logins per address (429 on `POST /session`).
//! - [`oauth`] — `POST /oauth/token`, the client credentials grant;
//!   [`access_token`] — the signed tokens it issues; [`rate_limit`] — the
//!   clients' token buckets.
//! - [`known`] — references a form makes to the registry (ИС, services).
//! - [`openapi`] — the OpenAPI 3.1 document.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod access_token;
pub mod audit;
pub mod auth;
pub mod body;
pub mod clients;
pub mod instant;
pub mod journal;
pub mod known;
pub mod login_limit;
pub mod oauth;
pub mod openapi;
pub mod organisation;
pub mod path;
pub mod points;
pub mod precondition;
pub mod problem;
pub mod rate_limit;
pub mod requests;
pub mod responses;
pub mod routes;
pub mod services;
pub mod session;
pub mod state;
pub mod status;
pub mod systems;
pub mod tokens;
pub mod users;

use std::sync::Arc;

use axum::Router;

pub use crate::problem::ApiError;
pub use crate::routes::{Access, Endpoint, Route, Verb, PREFIX, ROUTES};
pub use crate::state::ApiState;

/// The `/api/v1` routes for `node`, on the node's clock, ready to merge
/// into a router of any state.
pub fn router<S: Clone + Send + Sync + 'static>(node: Arc<exchange::Node>) -> Router<S> {
    router_with(ApiState::new(node))
}

/// The `/api/v1` routes on the given state (clock and lock-out policy).
pub fn router_with<S: Clone + Send + Sync + 'static>(state: ApiState) -> Router<S> {
    Router::new().nest(PREFIX, routes::build(state))
}
