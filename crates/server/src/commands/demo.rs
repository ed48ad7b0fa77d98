//! `wharf demo`: Wharf with no accounts. A local Sears sandbox on a real loopback port with seeded orders
//! (and a new one now and then), a connected store, imports running, and the URL printed. The store records
//! the sandbox's URL, so other `wharf` commands on the same data directory work while the demo runs.

use std::process::ExitCode;
use std::time::Duration;

use secrecy::SecretString;
use wharf_app::stores::{self, SearsConnect};
use wharf_sears_sandbox::{SandboxConfig, SeedRequest};

use crate::cli::DemoArgs;
use crate::commands::{account, serve};
use crate::config::Config;
use crate::setup;

pub const DEMO_STORE_NAME: &str = "Sears demo store";

pub async fn run(mut config: Config, args: DemoArgs) -> anyhow::Result<ExitCode> {
    config.port = args.port;
    // The port first: a demo that cannot listen stops before it points the stored store and carrier account at
    // sandboxes that would die with it.
    let listener = serve::bind(&config).await?;
    let sandbox = SandboxConfig { port: args.sears_port, seed: args.seed, orders: args.orders, ..Default::default() }
        .start()
        .await?;
    let seller = sandbox.default_seller();
    let app = setup::open_app(&config).await?;
    let account = account(&app).await?;
    let connected = stores::connect_sears(
        &app,
        &account,
        SearsConnect {
            name: DEMO_STORE_NAME.into(),
            email: seller.email.clone(),
            seller_id: seller.seller_id.clone(),
            auth_key: SecretString::from(seller.auth_key.clone()),
            base_url: Some(sandbox.base_url()),
        },
    )
    .await?;
    // Automation: the documented demo rules and service mapping (example-rules.toml, README "Automation"),
    // unless the seller has some already; before the first import, so the sandbox's orders show them at work.
    let automation = wharf_app::automation::install_demo_automation(&app, &connected.store).await?;
    // Shipping: the UPS sandbox as a connected carrier account and a default warehouse, and demo weights for the
    // sandbox's SKUs (Sears sends none), so the demo's orders can be rated and labelled straight away.
    let shipping = super::shipping::demo_shipping(&app, &account).await?;
    super::shipping::spawn_demo_weights(app.clone(), account.clone(), Duration::from_secs(5));
    // Printing: pictures and shelves for the sandbox's SKUs and a store logo, served from loopback, so batches
    // print packing slips like a real seller's.
    let pictures = super::demo_pictures::start().await?;
    super::demo_pictures::brand_store(&app, &account, &connected.store.store_id, &pictures).await?;
    super::demo_pictures::spawn_catalog_pictures(app.clone(), account.clone(), pictures, Duration::from_secs(5));

    let url = format!("http://{}", listener.local_addr()?);
    println!("Wharf demo is running at {url}");
    println!("  Sears sandbox:  {} (seller {}, {})", sandbox.base_url(), seller.seller_id, seller.email);
    println!(
        "  store:          '{}' ({}), importing every {} minutes",
        connected.store.store_name, connected.store.store_id, connected.store.settings.import_interval_minutes
    );
    println!(
        "  automation:     {} demo rule(s), {} service mapping row(s) installed (see `wharf rules list`)",
        automation.rules, automation.mapping_rows
    );
    println!(
        "  UPS sandbox:    {} (carrier account '{}', shipping from '{}')",
        shipping.sandbox.base_url(),
        shipping.carrier.name,
        shipping.warehouse.name
    );
    println!("  data directory: {}", config.data_dir.display());
    println!("Try, in another terminal: wharf --data-dir {} orders list", config.data_dir.display());
    println!("Stop with Ctrl-C.");

    if args.new_order_every > 0 {
        let control = sandbox.control().clone();
        let seed = args.seed;
        tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                tokio::time::sleep(Duration::from_secs(args.new_order_every)).await;
                n += 1;
                let request = SeedRequest {
                    seed: seed.wrapping_mul(1_000_003).wrapping_add(n),
                    orders: 1,
                    days: 1,
                    showcase: false,
                    stale_percent: 0,
                    seller_id: None,
                };
                if let Err(e) = control.seed(&request) {
                    tracing::warn!(error = %e, "the sandbox could not add a new order");
                }
            }
        });
    }
    serve::run_with(app, listener, config.workers, serve::shutdown_signal()).await?;
    sandbox.shutdown().await?;
    shipping.sandbox.shutdown().await;
    Ok(ExitCode::SUCCESS)
}
