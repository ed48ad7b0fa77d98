//! How fast the sandbox makes labels, alone and behind 300 ms of carrier latency.
//!
//! `cargo bench -p wharf-carrier-sandbox --bench label_throughput` prints:
//! - rendering time per label in GIF, PNG and ZPL;
//! - 500 ship calls over loopback HTTP with 16 in flight, at 0 ms and at 300 ms latency, next to
//!   the floor the latency alone imposes (ceil(500 / 16) x 300 ms): the sandbox adds the rest.

use std::time::{Duration, Instant};

use futures::StreamExt;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use wharf_carrier_sandbox::label::{self, LabelContent, LabelFormat};
use wharf_carrier_sandbox::{SandboxClock, SandboxConfig};

const LABELS: usize = 500;
const IN_FLIGHT: usize = 16;

fn content(serial: usize) -> LabelContent {
    LabelContent {
        tracking_number: wharf_carrier_sandbox::tracking_number::compose("W4RF01", "03", serial as u32)
            .expect("tracking number"),
        service_name: "UPS Ground".into(),
        ship_from: vec!["Wharf Seller".into(), "1 Dock St".into(), "TIMONIUM MD 21093".into()],
        ship_to: vec!["Jane Doe".into(), "12 Elm St".into(), "ALPHARETTA GA 30005".into()],
        package_line: "PKG 1 OF 1".into(),
        weight_line: "2 LBS".into(),
        references: vec![format!("PO-{serial}")],
    }
}

fn render_per_label() {
    for format in [LabelFormat::Gif, LabelFormat::Png, LabelFormat::Zpl] {
        let rounds = 40;
        let started = Instant::now();
        let mut bytes = 0;
        for serial in 1..=rounds {
            bytes += label::render(format, &content(serial)).expect("label").len();
        }
        let per_label = started.elapsed() / rounds as u32;
        println!(
            "render {:<3}: {:>7.2} ms per label, {:>6} bytes on average",
            format.code(),
            per_label.as_secs_f64() * 1000.0,
            bytes / rounds
        );
    }
}

fn ship_body(reference: usize, format: &str) -> Value {
    let address = |line: &str, city: &str, state: &str, zip: &str| json!({ "AddressLine": [line], "City": city, "StateProvinceCode": state, "PostalCode": zip, "CountryCode": "US" });
    json!({ "ShipmentRequest": {
        "Request": { "RequestOption": "nonvalidate" },
        "Shipment": {
            "Shipper": { "Name": "Wharf Seller", "ShipperNumber": "W4RF01", "Address": address("1 Dock St", "Timonium", "MD", "21093") },
            "ShipTo": { "Name": "Jane Doe", "Address": address("12 Elm St", "Alpharetta", "GA", "30005") },
            "Service": { "Code": "03" },
            "ReferenceNumber": [{ "Value": format!("PO-{reference}") }],
            "Package": [{ "Packaging": { "Code": "02" }, "PackageWeight": { "UnitOfMeasurement": { "Code": "LBS" }, "Weight": "2" } }]
        },
        "LabelSpecification": { "LabelImageFormat": { "Code": format }, "LabelStockSize": { "Height": "6", "Width": "4" } }
    }})
}

async fn ship_many(latency: Duration, format: &str) -> Duration {
    let sandbox = SandboxConfig {
        clock: SandboxClock::fixed("2026-03-02T15:00:00Z".parse().expect("instant")),
        latency,
        ..SandboxConfig::default()
    }
    .start()
    .await
    .expect("sandbox");
    let http = reqwest::Client::builder().pool_max_idle_per_host(IN_FLIGHT).build().expect("client");
    let client = sandbox.default_client();
    let token: Value = http
        .post(format!("{}/security/v1/oauth/token", sandbox.base_url()))
        .basic_auth(&client.client_id, Some(client.client_secret.expose_secret()))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token json");
    let token = token["access_token"].as_str().expect("access token").to_owned();
    let url = format!("{}/api/shipments/v2409/ship", sandbox.base_url());
    let started = Instant::now();
    let statuses: Vec<u16> = futures::stream::iter(0..LABELS)
        .map(|reference| {
            let request = http.post(&url).bearer_auth(&token).json(&ship_body(reference, format));
            async move {
                let response = request.send().await.expect("ship");
                let status = response.status().as_u16();
                let _ = response.bytes().await.expect("body");
                status
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|status| *status == 200), "every label bought");
    assert_eq!(sandbox.control().shipments().len(), LABELS);
    elapsed
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    render_per_label();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    for (latency_ms, format) in [(0u64, "ZPL"), (0, "PNG"), (0, "GIF"), (300, "GIF"), (300, "PNG")] {
        let latency = Duration::from_millis(latency_ms);
        let elapsed = runtime.block_on(ship_many(latency, format));
        let floor = latency * LABELS.div_ceil(IN_FLIGHT) as u32;
        println!(
            "{LABELS} {format} labels, {IN_FLIGHT} in flight, latency {latency_ms:>3} ms: {:>6.2} s \
             (latency floor {:>5.2} s, sandbox overhead {:>5.2} s, {:>6.1} labels/s)",
            elapsed.as_secs_f64(),
            floor.as_secs_f64(),
            (elapsed.saturating_sub(floor)).as_secs_f64(),
            LABELS as f64 / elapsed.as_secs_f64()
        );
    }
}
