//! Access tokens of API clients: self-contained, short-lived and signed,
//! shaped as a JWT (RFC 7519) with HMAC-SHA-256 (`HS256`, RFC 7518 §3.2).
//!
//! The key is generated once and kept in the store, so every node sharing
//! the database verifies the tokens any node issued. A token names its
//! client, the client's secret generation (a rotated secret kills the
//! tokens issued under the old one), its scopes and its expiry; the guard
//! still checks on every call that the client exists and is enabled.

use std::collections::BTreeSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cabinet::Scope;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

// FIXME(#3): the signing key is made once and never rotated. Right is a
// key id (`kid`) in the header and a second key accepted during rollover.

/// How long an access token lives.
pub const TOKEN_TTL: Duration = Duration::minutes(10);

/// The `iss` of every token.
const ISSUER: &str = "smevgate";

/// `{"alg":"HS256","typ":"JWT"}`, base64url: the only header accepted.
const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// The key tokens are signed with.
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The client (`sub`).
    pub client_id: i64,
    /// The client's secret generation when the token was issued (`gen`).
    pub generation: i64,
    /// Granted scopes (`scope`).
    pub scopes: BTreeSet<Scope>,
    /// When it was issued (`iat`).
    pub issued_at: OffsetDateTime,
    /// When it stops being accepted (`exp`).
    pub expires_at: OffsetDateTime,
}

/// Why a presented token is not accepted: a value, not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    /// Not three base64url parts, another header, or claims of another shape.
    Malformed,
    /// The signature does not match.
    BadSignature,
    /// Past its `exp`.
    Expired,
}

/// The claims as JSON.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireClaims {
    iss: String,
    sub: String,
    gen: i64,
    scope: String,
    iat: i64,
    exp: i64,
}

// === impl TokenKey ===

impl TokenKey {
    /// The key of these bytes.
    pub fn new(bytes: [u8; 32]) -> Self {
        TokenKey(bytes)
    }

    /// `header.claims.signature`, each part base64url without padding.
    pub fn sign(&self, claims: &Claims) -> String {
        let wire = WireClaims {
            iss: ISSUER.to_owned(),
            sub: claims.client_id.to_string(),
            gen: claims.generation,
            scope: Scope::join(&claims.scopes),
            iat: claims.issued_at.unix_timestamp(),
            exp: claims.expires_at.unix_timestamp(),
        };
        let payload = serde_json::to_vec(&wire).unwrap_or_default();
        let signed = format!("{HEADER}.{}", URL_SAFE_NO_PAD.encode(payload));
        let signature = URL_SAFE_NO_PAD.encode(self.mac(signed.as_bytes()).finalize().into_bytes());
        format!("{signed}.{signature}")
    }

    /// The claims of `token` if this key signed it and it is live at `now`.
    ///
    /// # Errors
    /// The [`TokenRejection`] saying why it is refused.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<Claims, TokenRejection> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenRejection::Malformed);
        };
        if header != HEADER {
            return Err(TokenRejection::Malformed);
        }
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenRejection::Malformed)?;
        let signed = &token[..header.len() + 1 + payload.len()];
        self.mac(signed.as_bytes())
            .verify_slice(&signature)
            .map_err(|_| TokenRejection::BadSignature)?;

        let claims = decode_claims(payload)?;
        match now < claims.expires_at {
            true => Ok(claims),
            false => Err(TokenRejection::Expired),
        }
    }

    fn mac(&self, data: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("hmac accepts 32-byte keys"));
        mac.update(data);
        mac
    }
}

/// Whether `presented` has the shape of an access token (three parts)
/// rather than of a session or API token secret.
pub fn is_access_token(presented: &str) -> bool {
    presented.bytes().filter(|b| *b == b'.').count() == 2
}

fn decode_claims(payload: &str) -> Result<Claims, TokenRejection> {
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| TokenRejection::Malformed)?;
    let wire: WireClaims = serde_json::from_slice(&bytes).map_err(|_| TokenRejection::Malformed)?;
    let instant = |seconds: i64| {
        OffsetDateTime::from_unix_timestamp(seconds).map_err(|_| TokenRejection::Malformed)
    };
    let client_id = wire.sub.parse().map_err(|_| TokenRejection::Malformed)?;
    let scopes = Scope::parse_list(&wire.scope).ok_or(TokenRejection::Malformed)?;
    if wire.iss != ISSUER {
        return Err(TokenRejection::Malformed);
    }
    Ok(Claims {
        client_id,
        generation: wire.gen,
        scopes,
        issued_at: instant(wire.iat)?,
        expires_at: instant(wire.exp)?,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const T0: OffsetDateTime = datetime!(2024-03-01 10:00 UTC);

    fn claims() -> Claims {
        Claims {
            client_id: 7,
            generation: 2,
            scopes: [Scope::RequestsSend, Scope::JournalRead].into(),
            issued_at: T0,
            expires_at: T0 + TOKEN_TTL,
        }
    }

    #[test]
    fn access_token_signed_verifies_back_to_its_claims() {
        let key = TokenKey::new([9; 32]);

        let token = key.sign(&claims());

        assert!(is_access_token(&token));
        assert!(token.starts_with(HEADER));
        assert_eq!(key.verify(&token, T0 + Duration::minutes(9)), Ok(claims()));
    }

    #[test]
    fn access_token_header_is_hs256_jwt() {
        let header = URL_SAFE_NO_PAD.decode(HEADER).unwrap();
        assert_eq!(header, br#"{"alg":"HS256","typ":"JWT"}"#);
    }

    #[test]
    fn access_token_past_expiry_is_expired() {
        let key = TokenKey::new([9; 32]);
        let token = key.sign(&claims());

        assert_eq!(
            key.verify(&token, T0 + TOKEN_TTL),
            Err(TokenRejection::Expired)
        );
    }

    #[test]
    fn access_token_of_another_key_or_altered_is_refused() {
        let token = TokenKey::new([9; 32]).sign(&claims());
        let other = TokenKey::new([8; 32]);
        assert_eq!(other.verify(&token, T0), Err(TokenRejection::BadSignature));

        let key = TokenKey::new([9; 32]);
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let forged = serde_json::json!({
            "iss": "smevgate", "sub": "8", "gen": 2, "scope": "requests:send",
            "iat": T0.unix_timestamp(), "exp": (T0 + TOKEN_TTL).unix_timestamp(),
        });
        parts[1] = URL_SAFE_NO_PAD.encode(forged.to_string());
        let altered = parts.join(".");
        assert_eq!(key.verify(&altered, T0), Err(TokenRejection::BadSignature));
    }

    #[test]
    fn access_token_other_header_or_shape_is_malformed() {
        let key = TokenKey::new([9; 32]);
        let token = key.sign(&claims());
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let (_, rest) = token.split_once('.').unwrap();
        let unsigned = format!("{none}.{rest}");

        for bad in [unsigned.as_str(), "a.b", "a.b.c.d", "", "..", "x.y.!!"] {
            assert_eq!(
                key.verify(bad, T0),
                Err(TokenRejection::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn session_secret_is_not_an_access_token() {
        let (secret, _) = cabinet::Secret::generate().unwrap();
        assert!(!is_access_token(secret.expose()));
    }
}
