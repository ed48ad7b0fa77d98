//! `wharf store connect|list|show|set|map-status`.

use std::process::ExitCode;

use secrecy::SecretString;
use wharf_app::App;
use wharf_app::stores::{self, SearsConnect};
use wharf_domain::OrderStatus;
use wharf_domain::store::{Store as SalesStore, parse_color};

use crate::cli::{ConnectCommand, StoreCommand, StoreSetArgs};
use crate::commands::account;
use crate::output::{self, or_dash};

pub async fn run(app: &App, command: StoreCommand) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match command {
        StoreCommand::Connect(ConnectCommand::Sears { name, credentials }) => {
            let input = SearsConnect {
                name,
                email: credentials.email,
                seller_id: credentials.seller_id,
                auth_key: SecretString::from(credentials.auth_key),
                base_url: credentials.base_url,
            };
            let connected = stores::connect_sears(app, &account, input).await?;
            if credentials.json.json {
                output::print_json(&connected)?;
            } else {
                let verb = if connected.reconnected { "Reconnected" } else { "Connected" };
                println!(
                    "{verb} Sears store '{}' ({}): Sears accepted the credentials; {} open order(s) there. Orders \
                     import every {} minutes; run `wharf import --store {}` to import now.",
                    connected.store.store_name,
                    connected.store.store_id,
                    connected.check.open_orders,
                    connected.store.settings.import_interval_minutes,
                    connected.store.store_id
                );
            }
        }
        StoreCommand::List(json) => {
            let stores = app.store.list_stores(&account).await?;
            if json.json {
                output::print_json(&stores)?;
            } else if stores.is_empty() {
                println!(
                    "No store connected yet: `wharf store connect sears --name … --email … --seller-id … --auth-key …`."
                );
            } else {
                let mut table = output::table(["ID", "NAME", "MARKETPLACE", "SELLER ID", "AUTO-IMPORT", "LAST IMPORT"]);
                for store in &stores {
                    let state = app.store.store_import_state(&store.store_id).await?;
                    table.add_row([
                        store.store_id.to_string(),
                        store.store_name.clone(),
                        "Sears".into(),
                        store.connection.seller_id.clone(),
                        auto_import_text(store),
                        or_dash(state.last_success_at.map(output::central)),
                    ]);
                }
                println!("{table}");
            }
        }
        StoreCommand::Show { store, json } => {
            let store = stores::find_store(app, &account, &store).await?;
            print_store(&store, json.json)?;
        }
        StoreCommand::Set(args) => {
            let json = args.json.json;
            let store = stores::find_store(app, &account, &args.store).await?;
            let store = stores::save_store(app, apply_settings(store, args)?).await?;
            print_store(&store, json)?;
        }
        StoreCommand::MapService(args) => return super::automation::map_service(app, &account, args).await,
        StoreCommand::MapStatus { store, sears_status, wharf_status, remove, json } => {
            let mut store = stores::find_store(app, &account, &store).await?;
            if remove {
                if !store.settings.status_mapping.remove(&sears_status) {
                    anyhow::bail!("no mapping for the Sears status '{sears_status}'; see them with `wharf store show`");
                }
            } else {
                let status: OrderStatus = wharf_status.unwrap_or_default().parse()?;
                store.settings.status_mapping.set(&sears_status, status)?;
            }
            let store = stores::save_store(app, store).await?;
            print_store(&store, json.json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn auto_import_text(store: &SalesStore) -> String {
    if store.settings.auto_import {
        format!("every {} min", store.settings.import_interval_minutes)
    } else {
        "off".into()
    }
}

fn apply_settings(mut store: SalesStore, args: StoreSetArgs) -> anyhow::Result<SalesStore> {
    let s = &mut store.settings;
    let text = |v: String| (!v.trim().is_empty()).then(|| v.trim().to_owned());
    if let Some(name) = args.name {
        store.store_name = name.trim().to_owned();
    }
    if let Some(v) = args.company_name {
        s.branding.company_name = text(v);
    }
    if let Some(v) = args.logo_url {
        s.branding.logo_url = text(v);
    }
    if let Some(v) = args.primary_color {
        s.branding.primary_color = text(v).map(|c| parse_color(&c)).transpose()?;
    }
    if let Some(v) = args.accent_color {
        s.branding.accent_color = text(v).map(|c| parse_color(&c)).transpose()?;
    }
    if let Some(v) = args.contact_email {
        s.branding.contact_email = text(v);
    }
    if let Some(v) = args.contact_phone {
        s.branding.contact_phone = text(v);
    }
    if let Some(v) = args.reply_to {
        s.branding.reply_to = text(v);
    }
    if let Some(v) = args.shipment_confirmation {
        s.notifications.shipment_confirmation = v.into();
    }
    if let Some(v) = args.delivery_confirmation {
        s.notifications.delivery_confirmation = v.into();
    }
    if let Some(v) = args.import_window_days {
        s.import_window_days = v;
    }
    if let Some(v) = args.auto_import {
        s.auto_import = v.into();
    }
    if let Some(v) = args.import_interval_minutes {
        s.import_interval_minutes = v;
    }
    Ok(store)
}

fn print_store(store: &SalesStore, json: bool) -> anyhow::Result<()> {
    if json {
        return output::print_json(store);
    }
    let s = &store.settings;
    let b = &s.branding;
    println!("{} ({})", store.store_name, store.store_id);
    println!(
        "  marketplace        Sears, seller {} <{}> at {}",
        store.connection.seller_id, store.connection.email, store.connection.base_url
    );
    println!("  auto-import        {}", auto_import_text(store));
    println!("  import window      {} days", s.import_window_days);
    println!("  company            {}", or_dash(b.company_name.as_ref()));
    println!("  logo               {}", or_dash(b.logo_url.as_ref()));
    println!("  colors             {} / {}", or_dash(b.primary_color.as_ref()), or_dash(b.accent_color.as_ref()));
    println!("  contact            {} {}", or_dash(b.contact_email.as_ref()), or_dash(b.contact_phone.as_ref()));
    println!("  reply-to           {}", or_dash(b.reply_to.as_ref()));
    let on = |b: bool| if b { "on" } else { "off" };
    println!(
        "  e-mails            shipment confirmation {}, delivery confirmation {}",
        on(s.notifications.shipment_confirmation),
        on(s.notifications.delivery_confirmation)
    );
    println!("  status mapping     (Sears status -> Wharf status; anything else shows as unmapped)");
    for entry in s.status_mapping.entries() {
        println!("    {:<22} -> {}", entry.status_key, entry.order_status);
    }
    Ok(())
}
