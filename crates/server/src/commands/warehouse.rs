//! `wharf warehouse add|list|set-default`: where parcels leave from (the ship-from address on labels) and
//! where returns go.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use wharf_app::App;
use wharf_app::shipping::{NewWarehouse, add_warehouse, set_default_warehouse};
use wharf_domain::Address;
use wharf_storage::shipping::Warehouse;

use crate::cli::JsonFlag;
use crate::commands::account;
use crate::output::{self, or_dash};

#[derive(Debug, Subcommand)]
pub enum WarehouseCommand {
    /// Add a warehouse (the first one becomes the default).
    Add(Box<WarehouseAddArgs>),
    List(JsonFlag),
    /// Labels ship from the default warehouse unless an order names another.
    SetDefault {
        /// Warehouse id (whs_…) or name.
        warehouse: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Args)]
pub struct WarehouseAddArgs {
    /// The warehouse's name in Wharf, e.g. "Main".
    #[arg(long)]
    pub name: String,
    /// The shipper printed on labels (a person or desk); the company, else the name, by default.
    #[arg(long)]
    pub contact: Option<String>,
    #[arg(long)]
    pub company: Option<String>,
    #[arg(long)]
    pub street1: String,
    #[arg(long)]
    pub street2: Option<String>,
    #[arg(long)]
    pub city: String,
    /// Two-letter state code, e.g. IL.
    #[arg(long)]
    pub state: String,
    #[arg(long)]
    pub postal_code: String,
    #[arg(long, default_value = "US")]
    pub country: String,
    #[arg(long)]
    pub phone: String,
    /// Returns go to another address (give at least --return-street1, --return-city, --return-state and
    /// --return-postal-code; the rest defaults to the ship-from address's).
    #[arg(long)]
    pub return_name: Option<String>,
    #[arg(long)]
    pub return_company: Option<String>,
    #[arg(long)]
    pub return_street1: Option<String>,
    #[arg(long)]
    pub return_street2: Option<String>,
    #[arg(long)]
    pub return_city: Option<String>,
    #[arg(long)]
    pub return_state: Option<String>,
    #[arg(long)]
    pub return_postal_code: Option<String>,
    #[arg(long)]
    pub return_phone: Option<String>,
    /// Make it the default even though another warehouse is.
    #[arg(long)]
    pub default: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

impl WarehouseAddArgs {
    fn origin(&self) -> Address {
        let shipper = self.contact.clone().or_else(|| self.company.clone()).unwrap_or_else(|| self.name.clone());
        Address {
            name: shipper.trim().to_owned(),
            company: self.company.clone(),
            street1: self.street1.trim().to_owned(),
            street2: self.street2.clone(),
            street3: None,
            city: self.city.trim().to_owned(),
            state: self.state.trim().to_ascii_uppercase(),
            postal_code: self.postal_code.trim().to_owned(),
            country: self.country.trim().to_ascii_uppercase(),
            phone: Some(self.phone.trim().to_owned()),
            residential: Some(false),
            address_verified: Default::default(),
        }
    }

    /// The return address, when any --return-… flag is given: what is not given is the origin's.
    fn return_address(&self, origin: &Address) -> Option<Address> {
        let given = [
            &self.return_name,
            &self.return_company,
            &self.return_street1,
            &self.return_street2,
            &self.return_city,
            &self.return_state,
            &self.return_postal_code,
            &self.return_phone,
        ]
        .iter()
        .any(|f| f.is_some());
        if !given {
            return None;
        }
        let or = |value: &Option<String>, fallback: &str| value.as_deref().unwrap_or(fallback).trim().to_owned();
        Some(Address {
            name: or(&self.return_name, &origin.name),
            company: self.return_company.clone().or_else(|| origin.company.clone()),
            street1: self.return_street1.clone().unwrap_or_default(),
            street2: self.return_street2.clone(),
            street3: None,
            city: self.return_city.clone().unwrap_or_default(),
            state: self.return_state.clone().unwrap_or_default().trim().to_ascii_uppercase(),
            postal_code: self.return_postal_code.clone().unwrap_or_default(),
            country: origin.country.clone(),
            phone: Some(or(&self.return_phone, origin.phone.as_deref().unwrap_or_default())),
            residential: Some(false),
            address_verified: Default::default(),
        })
    }
}

pub async fn run(app: &App, command: WarehouseCommand) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match command {
        WarehouseCommand::Add(args) => {
            let origin = args.origin();
            let return_address = args.return_address(&origin);
            let added = add_warehouse(
                app,
                &account,
                NewWarehouse { name: args.name.clone(), origin, return_address, make_default: args.default },
            )
            .await?;
            if args.json.json {
                output::print_json(&added)?;
            } else {
                println!(
                    "Warehouse '{}' ({}) added{}.",
                    added.name,
                    added.warehouse_id,
                    if added.is_default { " as the default" } else { "" }
                );
            }
        }
        WarehouseCommand::List(json) => {
            let list = app.store.list_warehouses(&account).await?;
            if json.json {
                output::print_json(&list)?;
            } else {
                print_warehouses(&list);
            }
        }
        WarehouseCommand::SetDefault { warehouse, json } => {
            let chosen = set_default_warehouse(app, &account, &warehouse).await?;
            if json.json {
                output::print_json(&chosen)?;
            } else {
                println!(
                    "Labels now ship from '{}' ({}) unless an order names another warehouse.",
                    chosen.name, chosen.warehouse_id
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn one_line(a: &Address) -> String {
    let street: Vec<&str> = a.street_lines().collect();
    format!("{}, {}, {}, {} {}", a.name, street.join(", "), a.city, a.state, a.postal_code)
}

fn print_warehouses(list: &[Warehouse]) {
    if list.is_empty() {
        println!(
            "No warehouse yet: add one with `wharf warehouse add --name Main --street1 … --city … --state … --postal-code … --phone …`."
        );
        return;
    }
    let mut table = output::table(["ID", "NAME", "DEFAULT", "SHIP FROM", "PHONE", "RETURNS TO"]);
    for w in list {
        table.add_row([
            w.warehouse_id.to_string(),
            w.name.clone(),
            if w.is_default { "yes".into() } else { String::new() },
            one_line(&w.origin),
            or_dash(w.origin.phone.as_ref()),
            w.return_address.as_ref().map_or_else(|| "(ship-from)".into(), one_line),
        ]);
    }
    println!("{table}");
}
