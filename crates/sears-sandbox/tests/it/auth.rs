//! SPEC.md §2.1 and §16.1-2: every auth failure is HTTP 200 with an `api-response/error-detail`.

use jiff::SignedDuration;
use reqwest::StatusCode;
use wharf_sears_sandbox::{AuthSettings, AuthTexts, SandboxClock, SandboxConfig, SandboxSettings, SellerCredentials};

use crate::common::*;

async fn refused(sears: &Sears, authorization: Option<&str>, query: &str) -> String {
    let mut request = sears.client.get(sears.url(&format!("oms/purchaseorder/v19?{query}")));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let reply = sears.send(request).await;
    assert_eq!(reply.status, StatusCode::OK, "Sears answers auth failures with 200");
    assert_eq!(reply.content_type, "application/xml;charset=UTF-8");
    reply.error_detail().unwrap_or_else(|| panic!("expected an error-detail, got {}", reply.body))
}

#[tokio::test]
async fn a_signed_request_gets_its_orders() {
    let sears = showcase().await;
    let reply = sears.purchase_orders(19, "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.error_detail().is_none(), "{}", reply.body);
    assert_eq!(parse(&reply.body).root_element().tag_name().name(), "po-response");
}

#[tokio::test]
async fn the_header_name_is_case_insensitive() {
    let sears = showcase().await;
    let request = sears
        .client
        .get(sears.url(&format!("oms/purchaseorder/v19?{}", sears.seller_query())))
        .header("Authorization", sears.signed());
    assert!(sears.send(request).await.error_detail().is_none());
}

#[tokio::test]
async fn each_failure_says_what_sears_says() {
    let sears = showcase().await;
    let seller = sears.seller.clone();
    let q = sears.seller_query();
    let at = |minutes: i64| {
        now().saturating_add(SignedDuration::from_mins(minutes)).unwrap().strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
    };
    let sign = |ts: &str| authorization_with(&seller.seller_id, &seller.email, &seller.auth_key, ts);

    assert_eq!(refused(&sears, None, &q).await, "Missing Authorization header in request");
    assert_eq!(refused(&sears, Some("Basic dXNlcjpwYXNz"), &q).await, "Invalid Authorization header in request");
    let spaced = sign(&at(0)).replace(",timestamp", ", timestamp");
    assert_eq!(refused(&sears, Some(&spaced), &q).await, "Invalid Authorization header in request");
    let fractional = sign(&at(0)).replace("Z,signature", ".000Z,signature");
    assert_eq!(refused(&sears, Some(&fractional), &q).await, "Invalid Authorization header in request");

    assert_eq!(refused(&sears, Some(&sign(&at(0))), "").await, "Missing sellerId in request");
    assert_eq!(refused(&sears, Some(&sign(&at(0))), "sellerId=99999").await, "Invalid sellerId");

    let wrong_key = authorization_with(&seller.seller_id, &seller.email, "not-the-key", &at(0));
    assert_eq!(refused(&sears, Some(&wrong_key), &q).await, "Invalid signature in Authorization header");
    let upper = sign(&at(0));
    let (head, signature) = upper.rsplit_once('=').unwrap();
    assert_eq!(
        refused(&sears, Some(&format!("{head}={}", signature.to_uppercase())), &q).await,
        "Invalid signature in Authorization header",
        "only lowercase hex is a valid signature"
    );
    let other_email = authorization_with(&seller.seller_id, "someone@else.test", &seller.auth_key, &at(0));
    assert_eq!(refused(&sears, Some(&other_email), &q).await, "Authorization emailaddress does not belong to sellerId");

    // Valid for 30 minutes after the timestamp; at most 5 minutes in the future.
    assert!(
        sears
            .send(
                sears
                    .client
                    .get(sears.url(&format!("oms/purchaseorder/v19?{q}")))
                    .header("authorization", sign(&at(-30)))
            )
            .await
            .error_detail()
            .is_none()
    );
    assert_eq!(refused(&sears, Some(&sign(&at(-31))), &q).await, "Authorization timestamp has expired");
    assert!(
        sears
            .send(
                sears
                    .client
                    .get(sears.url(&format!("oms/purchaseorder/v19?{q}")))
                    .header("authorization", sign(&at(5)))
            )
            .await
            .error_detail()
            .is_none()
    );
    assert_eq!(refused(&sears, Some(&sign(&at(6))), &q).await, "Authorization timestamp is in the future");
}

#[tokio::test]
async fn a_seller_cannot_use_another_sellers_id() {
    let sears = showcase().await;
    let other = SellerCredentials::new("80005678", "other@sandbox.wharf.test", "other-key");
    sears.sandbox.control().add_seller(other.clone()).unwrap();
    // Signed with the other seller's own credentials but asking for the default seller's orders.
    let header = authorization_with(&sears.seller.seller_id, &other.email, &other.auth_key, "2024-05-03T20:00:00Z");
    assert_eq!(
        refused(&sears, Some(&header), &sears.seller_query()).await,
        "Authorization emailaddress does not belong to sellerId"
    );
    let header = authorization_with(&other.seller_id, &other.email, &other.auth_key, "2024-05-03T20:00:00Z");
    assert_eq!(
        refused(&sears, Some(&header), &sears.seller_query()).await,
        "Authorization emailaddress does not belong to sellerId"
    );
    // With its own id it is answered, and it has no orders.
    let reply = sears
        .send(sears.client.get(sears.url("oms/purchaseorder/v19?sellerId=80005678")).header("authorization", header))
        .await;
    assert_eq!(reply.error_detail().as_deref(), Some("No POs found"));
}

#[tokio::test]
async fn texts_and_windows_are_configurable() {
    let settings = SandboxSettings {
        auth: AuthSettings {
            max_age: SignedDuration::from_mins(10),
            max_future_skew: None,
            texts: AuthTexts { expired: "Signature expired".to_owned(), ..AuthTexts::default() },
        },
        ..SandboxSettings::default()
    };
    let sears = start(SandboxConfig { clock: SandboxClock::fixed(now()), settings, ..SandboxConfig::default() }).await;
    let seller = sears.seller.clone();
    let sign = |minutes: i64| {
        let ts = now()
            .saturating_add(SignedDuration::from_mins(minutes))
            .unwrap()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        authorization_with(&seller.seller_id, &seller.email, &seller.auth_key, &ts)
    };
    assert_eq!(refused(&sears, Some(&sign(-11)), &sears.seller_query()).await, "Signature expired");
    // No future limit: an hour ahead is accepted.
    let reply = sears
        .send(
            sears
                .client
                .get(sears.url(&format!("oms/purchaseorder/v19?{}", sears.seller_query())))
                .header("authorization", sign(60)),
        )
        .await;
    assert!(reply.error_detail().is_none());
}

#[tokio::test]
async fn the_documented_test_vector_authenticates() {
    // SPEC.md §2.1: seller 1234, test@searshc.com, key "dGVzdGtleQ==" used as literal text, signed 2016-02-11T20:23:05Z.
    let sears = start(SandboxConfig {
        clock: SandboxClock::fixed("2016-02-11T20:30:00Z".parse().unwrap()),
        seller: SellerCredentials::new("1234", "test@searshc.com", "dGVzdGtleQ=="),
        showcase: false,
        ..SandboxConfig::default()
    })
    .await;
    let header = "HMAC-SHA256 emailaddress=test@searshc.com,timestamp=2016-02-11T20:23:05Z,signature=897b4ce4fa824bd8b7719d549895abab73b9d8866a0d634373f06c1d2b68507f";
    let reply = sears
        .send(sears.client.get(sears.url("oms/purchaseorder/v19?sellerId=1234")).header("authorization", header))
        .await;
    assert_eq!(reply.error_detail().as_deref(), Some("No POs found"));
    let decoded_key = header.replace(
        "897b4ce4fa824bd8b7719d549895abab73b9d8866a0d634373f06c1d2b68507f",
        "6f2ee1d437877344683380e31dda5516110a421fd240ff22c2f05c97ccc8b710",
    );
    let reply = sears
        .send(sears.client.get(sears.url("oms/purchaseorder/v19?sellerId=1234")).header("authorization", decoded_key))
        .await;
    assert_eq!(reply.error_detail().as_deref(), Some("Invalid signature in Authorization header"));
}
