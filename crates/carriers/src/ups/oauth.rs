//! UPS OAuth client credentials (`OAuthClientCredentials.yaml`, `POST /security/v1/oauth/token`).

use std::fmt;
use std::time::Duration;

use base64::Engine;
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::error::{CarrierError, Operation};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::ups::config::UpsAccountConfig;
use crate::ups::wire::{CARRIER, error_from_response};

/// A bearer token and when to stop using it.
#[derive(Clone)]
pub struct AccessToken {
    pub token: SecretString,
    pub expires_at: Timestamp,
    /// When to fetch a new one: shortly before expiry, so a request never leaves with a token that expires
    /// in flight.
    pub refresh_at: Timestamp,
}

impl AccessToken {
    pub fn is_fresh(&self, now: Timestamp) -> bool {
        now < self.refresh_at
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .field("refresh_at", &self.refresh_at)
            .finish()
    }
}

/// How long before expiry a token is replaced: a minute, or half its life when it lives less than two.
const REFRESH_MARGIN: SignedDuration = SignedDuration::from_secs(60);

pub fn build_request(account: &UpsAccountConfig) -> HttpRequest {
    let credentials = format!("{}:{}", account.client_id.trim(), account.client_secret.expose_secret());
    let basic = base64::engine::general_purpose::STANDARD.encode(credentials);
    HttpRequest::new(Method::Post, &["security", "v1", "oauth", "token"])
        .secret_header("Authorization", SecretString::from(format!("Basic {basic}")))
        .header("x-merchant-id", account.account_number.trim())
        .form(&[("grant_type", "client_credentials")])
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// The spec declares a string of seconds; a number is read too.
    expires_in: serde_json::Value,
}

/// Reads the token answer. `now` is when the request was sent (so the token is never thought fresher than
/// it is).
pub fn parse_response(response: &HttpResponse, now: Timestamp) -> Result<AccessToken, CarrierError> {
    if !response.is_success() {
        return Err(error_from_response(Operation::Authenticate, response));
    }
    // The body holds the token: never quote it, not even in a parse error.
    let unreadable = |what: &str| {
        CarrierError::unreadable_response(CARRIER, Operation::Authenticate, response.status, what.to_owned())
    };
    let parsed: TokenResponse = serde_json::from_slice(&response.body)
        .map_err(|_| unreadable("the token answer is not the JSON UPS documents"))?;
    let seconds = match &parsed.expires_in {
        serde_json::Value::String(text) => text.trim().parse::<u64>().ok(),
        serde_json::Value::Number(number) => number.as_u64(),
        _ => None,
    }
    .filter(|s| *s > 0)
    .ok_or_else(|| unreadable("expires_in is not a positive number of seconds"))?;
    if parsed.access_token.trim().is_empty() {
        return Err(unreadable("the access token is empty"));
    }
    let lifetime =
        SignedDuration::try_from(Duration::from_secs(seconds)).map_err(|_| unreadable("expires_in is out of range"))?;
    let margin = REFRESH_MARGIN.min(lifetime / 2);
    let expires_at = now.checked_add(lifetime).map_err(|_| unreadable("expires_in is out of range"))?;
    Ok(AccessToken {
        token: SecretString::from(parsed.access_token),
        expires_at,
        refresh_at: expires_at.checked_sub(margin).unwrap_or(now),
    })
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::error::ErrorKind;

    fn account() -> UpsAccountConfig {
        UpsAccountConfig::new("wharf-client", SecretString::from("wharf-secret"), "A1B2C3")
    }

    #[test]
    fn token_request_uses_basic_auth_and_the_form_grant() {
        let request = build_request(&account());
        // base64("wharf-client:wharf-secret"), computed by hand with `printf %s ... | base64`.
        assert_eq!(
            request.header_value("Authorization").unwrap().expose(),
            "Basic d2hhcmYtY2xpZW50OndoYXJmLXNlY3JldA=="
        );
        assert_eq!(request.header_value("x-merchant-id").unwrap().expose(), "A1B2C3");
        assert_eq!(request.path_string(), "/security/v1/oauth/token");
        assert!(!serde_json::to_string(&request).unwrap().contains("d2hhcmYt"));
    }

    #[test]
    fn token_lifetime_leaves_a_margin() {
        let now: Timestamp = "2026-03-09T15:00:00Z".parse().unwrap();
        let body = br#"{"token_type":"Bearer","access_token":"abc.def","expires_in":"14399","status":"approved"}"#;
        let token = parse_response(&HttpResponse::new(200, body.to_vec()), now).unwrap();
        assert_eq!(token.expires_at, "2026-03-09T18:59:59Z".parse::<Timestamp>().unwrap());
        assert_eq!(token.refresh_at, "2026-03-09T18:58:59Z".parse::<Timestamp>().unwrap());
        assert_eq!(token.token.expose_secret(), "abc.def");
        assert!(!format!("{token:?}").contains("abc.def"));

        let short = br#"{"access_token":"x","expires_in":20}"#;
        let token = parse_response(&HttpResponse::new(200, short.to_vec()), now).unwrap();
        assert_eq!(token.refresh_at, "2026-03-09T15:00:10Z".parse::<Timestamp>().unwrap());
    }

    #[test]
    fn refused_credentials_are_an_auth_error() {
        let body = br#"{"response":{"errors":[{"code":"10401","message":"ClientId is Invalid"}]}}"#;
        let err = parse_response(&HttpResponse::new(401, body.to_vec()), Timestamp::UNIX_EPOCH).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Auth);
        assert_eq!(err.carrier_code(), Some("10401"));
        assert!(err.message.contains("client id, client secret and account number"), "{}", err.message);
    }

    #[test]
    fn a_garbled_token_answer_is_not_quoted() {
        let body = br#"{"access_token":"leaky-token","expires_in":"soon"}"#;
        let err = parse_response(&HttpResponse::new(200, body.to_vec()), Timestamp::UNIX_EPOCH).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unexpected);
        assert!(!err.message.contains("leaky-token"));
    }
}
