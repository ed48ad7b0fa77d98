//! Import throughput: N realistic orders over 3 days from the Sears sandbox (over real loopback HTTP) into a
//! fresh SQLite file and a fresh PostgreSQL database, raw documents and history stored, default durability.
//!
//! `cargo bench -p wharf-app --bench import` runs the matrix {SQLite, PostgreSQL} x {10,000, 50,000} orders;
//! `-- --orders N --backend sqlite|postgres` runs one cell. Every cell runs in a process of its own, with the
//! sandbox in yet another process, so the peak RSS printed is the importer's alone.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use secrecy::SecretString;
use wharf_app::clock::SystemClock;
use wharf_app::import::{NoProgress, import_store};
use wharf_app::stores::{SearsConnect, connect_sears};
use wharf_app::{App, MasterKey};
use wharf_domain::import_run::ImportTrigger;
use wharf_sears::{RateLimiter, SearsConfig};
use wharf_storage::Backend;

/// The allocator the `wharf` binary runs with, so the figures are the shipped configuration's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    match args.get(1).map(String::as_str) {
        Some("sandbox") => serve_sandbox(arg("--orders").unwrap().parse().unwrap()),
        _ if arg("--orders").is_some() => {
            let orders: usize = arg("--orders").unwrap().parse().unwrap();
            let backend = match arg("--backend").as_deref() {
                Some("postgres") => Backend::Postgres,
                _ => Backend::Sqlite,
            };
            run_cell(orders, backend);
        }
        _ => run_matrix(),
    }
}

fn run_matrix() {
    println!("import benchmark: orders over 3 days, one process per cell ({} cores)", cores());
    println!("{:<10} {:>8} {:>10} {:>12} {:>14}", "backend", "orders", "seconds", "orders/s", "peak RSS MiB");
    for backend in ["sqlite", "postgres"] {
        for orders in [10_000, 50_000] {
            let out = Command::new(std::env::current_exe().unwrap())
                .args(["--orders", &orders.to_string(), "--backend", backend])
                .stderr(Stdio::inherit())
                .output()
                .expect("the benchmark cell runs");
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// The sandbox child: seeds `orders` random orders over 3 days (none stale) and serves until stdin closes.
fn serve_sandbox(orders: usize) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let sandbox =
            wharf_sears_sandbox::SandboxConfig { showcase: false, ..Default::default() }.start().await.unwrap();
        sandbox
            .control()
            .seed(&wharf_sears_sandbox::SeedRequest {
                seed: 42,
                orders,
                days: 3,
                showcase: false,
                stale_percent: 0,
                seller_id: None,
            })
            .unwrap();
        println!("{}", sandbox.base_url());
        // Runs until the parent closes our stdin.
        tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new())).await.ok();
    });
}

fn run_cell(orders: usize, backend: Backend) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    // WHARF_BENCH_LOG=wharf_app=debug shows each day's fetch, plan and write times.
    if let Ok(filter) = std::env::var("WHARF_BENCH_LOG") {
        let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
    }
    let mut sandbox = Command::new(std::env::current_exe().unwrap())
        .args(["sandbox", "--orders", &orders.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut url = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(sandbox.stdout.as_mut().unwrap()), &mut url).unwrap();
    let url = url.trim().to_owned();

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let (store, _db) = wharf_storage::testing::fresh(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let app = App::new(
            store,
            Arc::new(SystemClock),
            MasterKey::generate(),
            SearsConfig { timeout: std::time::Duration::from_secs(600), ..SearsConfig::default() },
            RateLimiter::in_memory(),
            dir.path().to_owned(),
        );
        let account = app.store.default_account(app.now()).await.unwrap().account_id;
        let seller = wharf_sears_sandbox::SellerCredentials::default();
        let connected = connect_sears(
            &app,
            &account,
            SearsConnect {
                name: "bench".into(),
                email: seller.email,
                seller_id: seller.seller_id,
                auth_key: SecretString::from(seller.auth_key),
                base_url: Some(url),
            },
        )
        .await
        .unwrap();
        let started = Instant::now();
        let run = import_store(&app, &connected.store, ImportTrigger::Manual, &NoProgress).await.unwrap();
        let seconds = started.elapsed().as_secs_f64();
        assert!(run.errors.is_empty(), "{:?}", run.errors);
        // The generator makes a few orders without a shipping address (skipped, with their reason).
        assert_eq!(run.counts.fetched as usize, orders, "every order fetched");
        assert_eq!((run.counts.new + run.counts.skipped) as usize, orders, "every order stored or skipped");
        println!(
            "{:<10} {:>8} {:>10.2} {:>12.0} {:>14.1}",
            backend.to_string(),
            orders,
            seconds,
            orders as f64 / seconds,
            peak_rss_mib()
        );
    });
    drop(sandbox.stdin.take());
    let _ = sandbox.wait();
}

/// VmHWM: the process's peak resident set.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}
