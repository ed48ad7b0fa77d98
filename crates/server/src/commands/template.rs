//! `wharf template preview|show|set|reset|list|settings`: the packing-slip template (minijinja producing the
//! layout markup of TEMPLATES.md in the documents crate) and the other print settings, for the account or for
//! one store (a store's settings override the account's); and named packing-slip templates (`--name`), which
//! automation rules choose for an order.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;
use wharf_app::App;
use wharf_app::printing::{self, PrintSetup, settings};
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{AccountId, StoreId};
use wharf_storage::batches::PrintSettings;

use crate::cli::JsonFlag;
use crate::commands::account;
use crate::output;

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Render a packing slip of sample data (every feature a template can show) to a PDF.
    Preview {
        /// The PDF to write.
        #[arg(long)]
        out: PathBuf,
        /// A template file to try before saving it; the saved template by default.
        #[arg(long)]
        template: Option<PathBuf>,
        /// Use this store's template, branding and footer (id or name).
        #[arg(long)]
        store: Option<String>,
        /// letter or 4x6; the print settings' by default.
        #[arg(long)]
        size: Option<String>,
        /// Preview a customer e-mail instead (shipment or delivery) with the store's e-mail template: the HTML
        /// part goes to --out, the subject and text part are printed (more in `wharf email preview`).
        #[arg(long, value_name = "KIND", conflicts_with_all = ["template", "size"])]
        email: Option<String>,
    },
    /// Print the packing-slip template in use (the seller's own, or Wharf's default to start one from), or the
    /// named template --name.
    Show {
        #[arg(long, conflicts_with = "name")]
        store: Option<String>,
        /// A named template (as automation rules choose them).
        #[arg(long)]
        name: Option<String>,
    },
    /// Save a packing-slip template (checked first; nothing is saved if it has a problem). With --name, a
    /// named template that automation rules can choose for an order (`set_packing_slip_template`); it must
    /// render a packing slip of sample data.
    Set {
        file: PathBuf,
        #[arg(long, conflicts_with = "name")]
        store: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Go back to Wharf's default packing slip; with --name, remove that named template.
    #[command(visible_alias = "remove")]
    Reset {
        #[arg(long, conflicts_with = "name")]
        store: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// The named packing-slip templates (those automation rules can choose).
    List {
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Show or change the print settings: label messages, label printer resolution, slip paper, slip footer.
    Settings(SettingsArgs),
}

#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// These settings are for one store (id or name); the account's otherwise.
    #[arg(long)]
    pub store: Option<String>,
    /// 203 or 300.
    #[arg(long)]
    pub dpi: Option<u32>,
    /// letter or 4x6.
    #[arg(long)]
    pub slip_size: Option<String>,
    /// A label message (up to three; repeat the flag), with fields such as "[Order #] [SKU #1] x[Qty #1]".
    #[arg(long = "message")]
    pub messages: Vec<String>,
    /// Remove the label messages.
    #[arg(long, conflicts_with = "messages")]
    pub clear_messages: bool,
    /// Text at the foot of every packing slip.
    #[arg(long)]
    pub footer: Option<String>,
    #[arg(long, conflicts_with = "footer")]
    pub clear_footer: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

async fn store(app: &App, account: &AccountId, key: Option<&str>) -> anyhow::Result<Option<SalesStore>> {
    Ok(match key {
        Some(key) => Some(wharf_app::stores::find_store(app, account, key).await?),
        None => None,
    })
}

fn read(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
}

/// A named template as `--json` lists it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NamedView<'a> {
    name: &'a str,
    modify_date: jiff::Timestamp,
}

/// The saved settings and what printing uses after fallbacks.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SettingsView {
    scope: String,
    saved: PrintSettings,
    dpi: u32,
    slip_size: &'static str,
    label_messages: Vec<String>,
    slip_footer: Option<String>,
    custom_template: bool,
}

pub async fn run(app: &App, command: TemplateCommand) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match command {
        TemplateCommand::Preview { out, template, store: key, size, email } => {
            if let Some(kind) = email {
                return super::email::preview_to_file(app, &account, key.as_deref(), &kind, &out).await;
            }
            let store = store(app, &account, key.as_deref()).await?;
            let source = template.as_ref().map(read).transpose()?;
            let size = size.as_deref().map(settings::parse_slip_size).transpose()?;
            let pdf = printing::preview_slip(app, &account, store.as_ref(), source.as_deref(), size).await?;
            std::fs::write(&out, pdf).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
            println!("Preview written to {}", out.display());
        }
        TemplateCommand::Show { name: Some(name), .. } => {
            match app.store.named_slip_template(&account, name.trim()).await? {
                Some(saved) => print!("{}", saved.source),
                None => anyhow::bail!(
                    "there is no packing-slip template named '{}'; see `wharf template list`",
                    name.trim()
                ),
            }
        }
        TemplateCommand::Set { file, name: Some(name), .. } => {
            let source = read(&file)?;
            let name = settings::save_named_slip_template(app, &account, &name, &source).await?;
            println!("Packing-slip template '{name}' saved; rules can choose it with set_packing_slip_template.");
        }
        TemplateCommand::Reset { name: Some(name), .. } => {
            if app.store.delete_named_slip_template(&account, name.trim()).await? {
                println!(
                    "Packing-slip template '{}' removed; orders that name it print with their store's template.",
                    name.trim()
                );
            } else {
                anyhow::bail!("there is no packing-slip template named '{}'; see `wharf template list`", name.trim());
            }
        }
        TemplateCommand::List { json } => {
            let saved = app.store.named_slip_templates(&account).await?;
            if json.json {
                let view: Vec<NamedView> =
                    saved.iter().map(|t| NamedView { name: &t.name, modify_date: t.modify_date }).collect();
                output::print_json(&view)?;
            } else if saved.is_empty() {
                println!("No named packing-slip templates. Save one with `wharf template set FILE --name NAME`.");
            } else {
                for t in &saved {
                    println!("{}  (saved {})", t.name, t.modify_date.strftime("%Y-%m-%d %H:%M UTC"));
                }
            }
        }
        TemplateCommand::Show { store: key, name: None } => {
            let store = store(app, &account, key.as_deref()).await?;
            let setup = PrintSetup::load(app, &account, store.as_ref().map(|s| &s.store_id)).await?;
            print!("{}", setup.template.source());
            if !setup.custom_template {
                eprintln!("(Wharf's default template: save your own with `wharf template set FILE`)");
            }
        }
        TemplateCommand::Set { file, store: key, name: None } => {
            let store = store(app, &account, key.as_deref()).await?;
            let source = read(&file)?;
            let scope = store.as_ref().map(|s| &s.store_id);
            let mut saved = app.store.print_settings(&account, scope).await?;
            saved.slip_template = Some(source);
            settings::save_settings(app, &account, scope, &saved).await?;
            println!("Packing-slip template saved for {}.", scope_name(store.as_ref()));
        }
        TemplateCommand::Reset { store: key, name: None } => {
            let store = store(app, &account, key.as_deref()).await?;
            let scope = store.as_ref().map(|s| &s.store_id);
            let mut saved = app.store.print_settings(&account, scope).await?;
            saved.slip_template = None;
            settings::save_settings(app, &account, scope, &saved).await?;
            println!("{} uses Wharf's default packing slip again (unless set higher up).", scope_name(store.as_ref()));
        }
        TemplateCommand::Settings(args) => {
            let store = store(app, &account, args.store.as_deref()).await?;
            let scope: Option<&StoreId> = store.as_ref().map(|s| &s.store_id);
            let mut saved = app.store.print_settings(&account, scope).await?;
            let changing = args.dpi.is_some()
                || args.slip_size.is_some()
                || !args.messages.is_empty()
                || args.clear_messages
                || args.footer.is_some()
                || args.clear_footer;
            if changing {
                if let Some(dpi) = args.dpi {
                    saved.dpi = Some(dpi);
                }
                if let Some(size) = &args.slip_size {
                    saved.slip_size = Some(settings::slip_size_name(settings::parse_slip_size(size)?).to_owned());
                }
                if !args.messages.is_empty() {
                    saved.label_messages = Some(args.messages.clone());
                }
                if args.clear_messages {
                    saved.label_messages = None;
                }
                if let Some(footer) = &args.footer {
                    saved.slip_footer = Some(footer.clone());
                }
                if args.clear_footer {
                    saved.slip_footer = None;
                }
                settings::save_settings(app, &account, scope, &saved).await?;
            }
            let setup = PrintSetup::load(app, &account, scope).await?;
            let view = SettingsView {
                scope: scope_name(store.as_ref()),
                saved,
                dpi: setup.dpi.dots_per_inch(),
                slip_size: settings::slip_size_name(setup.slip_size),
                label_messages: setup.label_messages.lines().iter().map(|l| l.source().to_owned()).collect(),
                slip_footer: setup.slip_footer.clone(),
                custom_template: setup.custom_template,
            };
            if args.json.json {
                output::print_json(&view)?;
            } else {
                println!("Print settings of {}{}:", view.scope, if changing { " (saved)" } else { "" });
                println!("  label printer:  {} dpi", view.dpi);
                println!("  packing slips:  {}", view.slip_size);
                println!("  slip template:  {}", if view.custom_template { "your own" } else { "Wharf's default" });
                println!("  slip footer:    {}", view.slip_footer.as_deref().unwrap_or("-"));
                if view.label_messages.is_empty() {
                    println!("  label messages: none");
                }
                for (n, line) in view.label_messages.iter().enumerate() {
                    println!("  label message {}: {line}", n + 1);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn scope_name(store: Option<&SalesStore>) -> String {
    match store {
        Some(store) => format!("store '{}'", store.store_name),
        None => "the account".into(),
    }
}
