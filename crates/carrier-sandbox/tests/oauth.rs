//! OAuth client credentials over real HTTP: tokens, their expiry on the sandbox clock, and UPS's
//! error shape for everything refused.

mod support;

use jiff::SignedDuration;
use pretty_assertions::assert_eq;
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::Value;
use support::{assert_response_valid, call, error_codes, http, start, token};
use wharf_carrier_sandbox::spec::Api;

const TOKEN_PATH: &str = "/security/v1/oauth/token";
const TRACK: &str = "/api/track/v1/details/1Z999AA10123456784";

async fn token_call(base_url: &str, credentials: Option<(&str, &str)>, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut request = http().post(format!("{base_url}{TOKEN_PATH}")).form(form);
    if let Some((id, secret)) = credentials {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.expect("token call");
    let status = response.status();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn a_registered_client_gets_a_token_shaped_like_ups_documents_it() {
    let sandbox = start().await;
    let client = sandbox.default_client();
    let (status, body) = token_call(
        &sandbox.base_url(),
        Some((&client.client_id, client.client_secret.expose_secret())),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_response_valid(Api::OAuth, "POST", TOKEN_PATH, status, &body);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["client_id"], "wharf-sandbox-client");
    assert_eq!(body["expires_in"], "14399");
    assert_eq!(body["status"], "approved");
    // Issued at the sandbox clock's 2026-03-02T15:00:00Z, in epoch milliseconds.
    assert_eq!(body["issued_at"], "1772463600000");
    assert!(body["access_token"].as_str().is_some_and(|token| token.len() >= 32));
}

#[tokio::test]
async fn wrong_credentials_and_grant_types_are_refused_in_ups_shape() {
    let sandbox = start().await;
    let base = sandbox.base_url();
    let grant = [("grant_type", "client_credentials")];

    let (status, body) = token_call(&base, Some(("wharf-sandbox-client", "wrong")), &grant).await;
    assert_eq!((status, error_codes(&body)), (StatusCode::UNAUTHORIZED, vec!["10401".to_owned()]));
    assert_response_valid(Api::OAuth, "POST", TOKEN_PATH, status, &body);

    let (status, body) = token_call(&base, Some(("nobody", "wharf-sandbox-secret")), &grant).await;
    assert_eq!((status, error_codes(&body)), (StatusCode::UNAUTHORIZED, vec!["10401".to_owned()]));

    let (status, body) = token_call(&base, None, &grant).await;
    assert_eq!((status, error_codes(&body)), (StatusCode::UNAUTHORIZED, vec!["10401".to_owned()]));

    let (status, body) =
        token_call(&base, Some(("wharf-sandbox-client", "wharf-sandbox-secret")), &[("grant_type", "password")]).await;
    assert_eq!((status, error_codes(&body)), (StatusCode::BAD_REQUEST, vec!["10400".to_owned()]));
    assert_response_valid(Api::OAuth, "POST", TOKEN_PATH, status, &body);

    // grant_type is required by the spec's form schema.
    let (status, body) = token_call(&base, Some(("wharf-sandbox-client", "wharf-sandbox-secret")), &[]).await;
    assert_eq!((status, error_codes(&body)), (StatusCode::BAD_REQUEST, vec!["10002".to_owned()]));
}

#[tokio::test]
async fn tokens_expire_on_the_sandbox_clock() {
    let sandbox = start().await;
    let token = token(&sandbox).await;
    // An unknown package proves the token was accepted: 404, not 401.
    let (status, _) = call(&sandbox, Method::GET, TRACK, &token, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // 14399 s after issue the token still works; at 14400 s it does not.
    sandbox.control().advance_clock(SignedDuration::from_secs(14_398));
    let (status, _) = call(&sandbox, Method::GET, TRACK, &token, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sandbox.control().advance_clock(SignedDuration::from_secs(1));
    let (status, body) = call(&sandbox, Method::GET, TRACK, &token, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_codes(&body), ["250002"]);
    assert_eq!(body["response"]["errors"][0]["message"], "Invalid Authentication Information.");

    // A new token works again.
    let fresh = support::token(&sandbox).await;
    let (status, _) = call(&sandbox, Method::GET, TRACK, &fresh, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn calls_without_a_known_bearer_token_are_unauthorized() {
    let sandbox = start().await;
    let (status, body) = call(&sandbox, Method::GET, TRACK, "made-up-token", None).await;
    assert_eq!((status, error_codes(&body)), (StatusCode::UNAUTHORIZED, vec!["250002".to_owned()]));
    let response = http()
        .post(format!("{}/api/shipments/v2409/ship", sandbox.base_url()))
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("call");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("json");
    assert_response_valid(Api::Shipping, "POST", support::SHIP_PATH, StatusCode::UNAUTHORIZED, &body);
}
