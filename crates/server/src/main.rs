//! `wharf`: self-hosted shipping for Sears Marketplace sellers.

mod cli;
mod commands;
mod config;
mod http;
mod output;
mod setup;

use std::process::ExitCode;

use clap::Parser;

/// Sears documents and orders are many small strings; mimalloc handles them faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // One TLS crypto provider for the whole process (reqwest, lettre and sqlx all use rustls).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
