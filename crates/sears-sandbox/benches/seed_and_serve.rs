//! How fast the sandbox seeds orders and serves a busy day of them over real HTTP.
//! `cargo bench -p wharf-sears-sandbox --bench seed_and_serve` prints the figures.

use std::time::Instant;

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use sha2::Sha256;
use wharf_sears_sandbox::{SandboxClock, SandboxConfig, SeedRequest, SellerCredentials};

fn authorization(seller: &SellerCredentials, now: Timestamp) -> String {
    let timestamp = now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(seller.auth_key.as_bytes()).unwrap();
    mac.update(format!("{}:{}:{timestamp}", seller.seller_id, seller.email).as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    format!("HMAC-SHA256 emailaddress={},timestamp={timestamp},signature={signature}", seller.email)
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let now: Timestamp = "2024-05-03T20:00:00Z".parse().unwrap();
        let sandbox = SandboxConfig { showcase: false, clock: SandboxClock::fixed(now), ..SandboxConfig::default() }
            .start()
            .await
            .unwrap();
        let seller = sandbox.default_seller();
        let client = reqwest::Client::new();
        let get_day = |version: u8, day: &str| {
            let url = format!(
                "{}/SellerPortal/api/oms/purchaseorder/v{version}?sellerId={}&fromdate={day}&todate={day}",
                sandbox.base_url(),
                seller.seller_id
            );
            client.get(url).header("authorization", authorization(&seller, now)).send()
        };

        let started = Instant::now();
        let summary = sandbox
            .control()
            .seed(&SeedRequest {
                seed: 1,
                orders: 20_000,
                days: 1,
                showcase: false,
                stale_percent: 0,
                ..SeedRequest::default()
            })
            .unwrap();
        println!("seed 20,000 orders on one day: {:?} ({} added)", started.elapsed(), summary.random_orders);

        for version in [19, 13, 4] {
            let started = Instant::now();
            let body = get_day(version, "2024-05-03").await.unwrap().bytes().await.unwrap();
            println!(
                "GET purchaseorder/v{version} for that day: {:?}, {:.1} MB, {} orders",
                started.elapsed(),
                body.len() as f64 / 1e6,
                body.windows(16).filter(|w| w == b"<purchase-order>").count()
            );
        }

        let started = Instant::now();
        let summary = sandbox
            .control()
            .seed(&SeedRequest {
                seed: 2,
                orders: 50_000,
                days: 3,
                stale_percent: 0,
                showcase: false,
                ..SeedRequest::default()
            })
            .unwrap();
        println!("seed 50,000 more orders over three days: {:?} ({} added)", started.elapsed(), summary.random_orders);
        for day in ["2024-05-01", "2024-05-02", "2024-05-03"] {
            let started = Instant::now();
            let body = get_day(19, day).await.unwrap().bytes().await.unwrap();
            println!("GET purchaseorder/v19 for {day}: {:?}, {:.1} MB", started.elapsed(), body.len() as f64 / 1e6);
        }
        sandbox.shutdown().await.unwrap();
    });
}
