//! Turning configuration into a running Wharf: logs, the master key, the database, the app.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use jiff::SignedDuration;
use wharf_app::clock::SystemClock;
use wharf_app::{App, MasterKey};
use wharf_sears::{SearsConfig, SearsLimits};

use crate::cli::GlobalArgs;
use crate::config::{self, Config};

/// The configuration after flags: file and environment, then `--data-dir` / `--database-url`.
pub fn load_config(global: &GlobalArgs) -> anyhow::Result<Config> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let loaded = config::load(&global.config, &env).map_err(anyhow::Error::msg)?;
    let mut config = loaded.config;
    if let Some(dir) = &global.data_dir {
        config.data_dir = dir.clone();
    }
    if let Some(url) = &global.database_url {
        config.database_url = Some(url.clone());
    }
    init_logs(&config);
    for warning in loaded.warnings {
        tracing::warn!("{warning}");
    }
    Ok(config)
}

fn init_logs(config: &Config) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_target(false);
    let _ = if config.log_format == "json" { builder.json().try_init() } else { builder.compact().try_init() };
}

/// Where the database is: the configured URL, or the SQLite file in the data directory.
pub fn database_url(config: &Config) -> String {
    match &config.database_url {
        Some(url) if !url.trim().is_empty() => url.clone(),
        _ => format!("sqlite://{}", config.data_dir.join("wharf.db").display()),
    }
}

pub fn master_key_path(config: &Config) -> PathBuf {
    config.data_dir.join("master.key")
}

/// Opens the database (creating and migrating it as needed) and builds the app.
pub async fn open_app(config: &Config) -> anyhow::Result<App> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create the data directory {}", config.data_dir.display()))?;
    let master_key = match &config.master_key {
        Some(key) => MasterKey::from_base64(key)?,
        None => MasterKey::load_or_create(&master_key_path(config))?,
    };
    let store = wharf_storage::connect(&database_url(config)).await?;
    let sears = SearsConfig {
        timeout: Duration::from_secs(config.sears.timeout_secs),
        versions: wharf_sears::ApiVersions {
            purchase_order: config.sears.purchase_order_version,
            ..Default::default()
        },
        ..SearsConfig::default()
    };
    let limits = SearsLimits {
        requests_per_minute: config.sears.requests_per_minute,
        asn_files_per_hour: config.sears.asn_files_per_hour,
        order_updates_per_hour: config.sears.order_updates_per_hour,
        back_off: SignedDuration::from_mins(config.sears.rate_limit_backoff_minutes),
        ..SearsLimits::default()
    };
    // The counters live in the database: every `wharf` process on it shares Sears's limits (decision 13).
    let limiter = wharf_app::sears_limits::database_limiter(store.clone(), limits);
    let shipping = wharf_app::shipping::ShippingSettings::with_timeout_secs(config.carriers.timeout_secs);
    Ok(App::new(store, Arc::new(SystemClock), master_key, sears, limiter, config.data_dir.clone())
        .with_shipping_settings(shipping)
        .with_notify(crate::commands::notify::notify_config(&config.smtp, &config.notify)?))
}
