//! One module per command group; each returns the process exit code.

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::setup;

pub(crate) mod automation;
pub(crate) mod batch;
pub(crate) mod carrier;
mod demo;
mod demo_pictures;
pub(crate) mod email;
mod import;
pub(crate) mod notify;
mod orders;
mod products;
pub(crate) mod rules;
mod sears;
mod serve;
pub(crate) mod shipping;
mod status;
mod store;
pub(crate) mod template;
pub(crate) mod warehouse;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Commands that need no database come first.
    match cli.command {
        Command::Sears(command) => return sears::run(command, &cli.global).await,
        Command::SearsSandbox(args) => return sears::run_sandbox(args).await,
        _ => {}
    }
    let config = setup::load_config(&cli.global)?;
    match cli.command {
        Command::Serve(args) => serve::run(config, args).await,
        Command::Migrate => {
            let app = setup::open_app(&config).await?;
            println!("database at {} is up to date ({})", setup::database_url(&config), app.store.backend());
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => demo::run(config, args).await,
        Command::Store(command) => store::run(&setup::open_app(&config).await?, command).await,
        Command::Import(args) => import::run(&setup::open_app(&config).await?, args).await,
        Command::Orders(command) => orders::run(&setup::open_app(&config).await?, command).await,
        Command::Product(command) => products::run(&setup::open_app(&config).await?, command).await,
        Command::Status(json) => status::run(&setup::open_app(&config).await?, json).await,
        Command::Carrier(command) => carrier::run(&setup::open_app(&config).await?, command).await,
        Command::Warehouse(command) => warehouse::run(&setup::open_app(&config).await?, command).await,
        Command::Batch(command) => batch::run(&setup::open_app(&config).await?, command).await,
        Command::Template(command) => template::run(&setup::open_app(&config).await?, command).await,
        Command::Rules(command) => rules::run(&setup::open_app(&config).await?, command).await,
        Command::Email(command) => email::run(&setup::open_app(&config).await?, command).await,
        Command::Account(command) => notify::run_account(&setup::open_app(&config).await?, command).await,
        Command::Sears(_) | Command::SearsSandbox(_) => unreachable!("handled above"),
    }
}

/// The account the CLI acts for: the installation's default account.
pub async fn account(app: &wharf_app::App) -> anyhow::Result<wharf_domain::AccountId> {
    Ok(app.store.default_account(app.now()).await?.account_id)
}
