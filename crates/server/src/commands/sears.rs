//! `wharf sears decode|check` and `wharf sears-sandbox`.

use std::process::ExitCode;

use anyhow::Context;
use secrecy::SecretString;
use wharf_sears::{Credentials, RateLimiter, SearsClient, SearsConfig};

use crate::cli::{GlobalArgs, SearsCommand, SearsCredentialArgs, SearsSandboxArgs};
use crate::output;

pub async fn run(command: SearsCommand, _global: &GlobalArgs) -> anyhow::Result<ExitCode> {
    match command {
        SearsCommand::Decode { file } => decode(&file),
        SearsCommand::Check(args) => check(args).await,
    }
}

fn decode(file: &std::path::Path) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    match wharf_sears::decode_document(&bytes) {
        Ok(document) => {
            output::print_json(&document)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {}: {e}", file.display());
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn check(args: SearsCredentialArgs) -> anyhow::Result<ExitCode> {
    let base_url = args.base_url.clone().unwrap_or_else(|| wharf_sears::PRODUCTION_BASE_URL.to_owned());
    let client = client_for(&args, &base_url)?;
    match wharf_app::stores::check_sears_credentials(&client).await {
        Ok(found) => {
            if args.json.json {
                output::print_json(&found)?;
            } else {
                println!(
                    "Sears accepted the credentials of seller {} at {}: {} open purchase order(s).",
                    found.seller_id, found.base_url, found.open_orders
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// A client that needs no database: system clock, an in-memory rate limiter.
pub fn client_for(args: &SearsCredentialArgs, base_url: &str) -> anyhow::Result<SearsClient> {
    let credentials =
        Credentials::new(args.seller_id.trim(), args.email.trim(), SecretString::from(args.auth_key.clone()))?;
    let base_url = url::Url::parse(base_url).with_context(|| {
        format!("the Sears base URL '{base_url}' is not a URL; use e.g. {}", wharf_sears::PRODUCTION_BASE_URL)
    })?;
    Ok(SearsClient::new(SearsConfig { base_url, ..SearsConfig::default() }, credentials, RateLimiter::in_memory())?)
}

pub async fn run_sandbox(args: SearsSandboxArgs) -> anyhow::Result<ExitCode> {
    let config = wharf_sears_sandbox::SandboxConfig {
        port: args.port,
        seed: args.seed,
        orders: args.orders,
        ..Default::default()
    };
    wharf_sears_sandbox::run_standalone(config).await?;
    Ok(ExitCode::SUCCESS)
}
