//! `wharf carrier add|list|remove`: carrier accounts, verified with the carrier before they are saved, their
//! credentials sealed at rest and never shown.

use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use secrecy::SecretString;
use wharf_app::App;
use wharf_app::shipping::carrier_accounts::{add_carrier_account, list_carrier_accounts, remove_carrier_account};
use wharf_app::shipping::{LabelFormat, NewCarrierAccount};
use wharf_storage::shipping::CarrierAccount;

use crate::cli::JsonFlag;
use crate::commands::account;
use crate::output;

#[derive(Debug, Subcommand)]
pub enum CarrierCommand {
    /// Add a carrier account; its credentials are checked with the carrier (a sign-in) before anything is saved.
    #[command(subcommand)]
    Add(CarrierAddCommand),
    /// The carrier accounts (credentials are never shown).
    List(JsonFlag),
    /// Remove a carrier account and its credentials (its labels stay on their orders).
    Remove {
        /// Carrier account id (car_…) or name.
        account: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Subcommand)]
pub enum CarrierAddCommand {
    /// A UPS account: the client id and secret of your app on developer.ups.com, and your shipper number.
    Ups(UpsArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LabelFormatArg {
    Gif,
    Png,
    Zpl,
}

impl From<LabelFormatArg> for LabelFormat {
    fn from(format: LabelFormatArg) -> Self {
        match format {
            LabelFormatArg::Gif => LabelFormat::Gif,
            LabelFormatArg::Png => LabelFormat::Png,
            LabelFormatArg::Zpl => LabelFormat::Zpl,
        }
    }
}

#[derive(Debug, Args)]
pub struct UpsArgs {
    #[arg(long)]
    pub client_id: String,
    /// Also read from WHARF_UPS_CLIENT_SECRET (keeps it out of the process list).
    #[arg(long, env = "WHARF_UPS_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: String,
    /// The 6-character UPS shipper number that pays for labels.
    #[arg(long)]
    pub account_number: String,
    /// UPS production unless told otherwise: https://wwwcie.ups.com for UPS's test environment, or a local
    /// sandbox's URL.
    #[arg(long)]
    pub base_url: Option<String>,
    #[arg(long, value_enum, default_value = "gif")]
    pub label_format: LabelFormatArg,
    /// Ask UPS for the account's negotiated rates (and bill them).
    #[arg(long)]
    pub negotiated_rates: bool,
    /// A name for the account (default "UPS <account number>").
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}

pub async fn run(app: &App, command: CarrierCommand) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match command {
        CarrierCommand::Add(CarrierAddCommand::Ups(args)) => {
            let added = add_carrier_account(
                app,
                &account,
                NewCarrierAccount {
                    carrier: "ups".into(),
                    client_id: args.client_id,
                    client_secret: SecretString::from(args.client_secret),
                    account_number: args.account_number,
                    base_url: args.base_url,
                    label_format: args.label_format.into(),
                    negotiated_rates: args.negotiated_rates,
                    name: args.name,
                },
            )
            .await?;
            if args.json.json {
                output::print_json(&added)?;
            } else {
                println!(
                    "UPS accepted the credentials; carrier account '{}' ({}) added for shipper {}.",
                    added.name, added.carrier_account_id, added.account_number
                );
            }
        }
        CarrierCommand::List(json) => {
            let list = list_carrier_accounts(app, &account).await?;
            if json.json {
                output::print_json(&list)?;
            } else {
                print_accounts(&list);
            }
        }
        CarrierCommand::Remove { account: key, json } => {
            let removed = remove_carrier_account(app, &account, &key).await?;
            if json.json {
                output::print_json(&removed)?;
            } else {
                println!(
                    "Carrier account '{}' ({}) and its credentials removed.",
                    removed.name, removed.carrier_account_id
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_accounts(list: &[CarrierAccount]) {
    if list.is_empty() {
        println!(
            "No carrier account yet: add one with `wharf carrier add ups --client-id … --client-secret … --account-number …`."
        );
        return;
    }
    let mut table = output::table(["ID", "NAME", "CARRIER", "ACCOUNT #", "LABELS", "RATES", "URL"]);
    for c in list {
        table.add_row([
            c.carrier_account_id.to_string(),
            c.name.clone(),
            c.carrier.to_uppercase(),
            c.account_number.clone(),
            c.label_format.to_uppercase(),
            if c.negotiated_rates { "negotiated".into() } else { "published".into() },
            c.base_url.clone(),
        ]);
    }
    println!("{table}");
}
