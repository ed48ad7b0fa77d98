//! `wharf email test|preview|template`: customer e-mails (shipment and delivery confirmations) per store.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use wharf_app::App;
use wharf_app::notify::email::{self, Delivery, EmailKind, TemplateSources};
use wharf_app::stores::find_store;
use wharf_domain::AccountId;
use wharf_domain::store::Store as SalesStore;

use crate::cli::JsonFlag;
use crate::commands::account;
use crate::commands::orders::find_one;
use crate::output;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Kind {
    Shipment,
    Delivery,
}

impl From<Kind> for EmailKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Shipment => EmailKind::Shipment,
            Kind::Delivery => EmailKind::Delivery,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Part {
    Subject,
    Html,
    Text,
}

#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// Send the store's shipment confirmation, filled with an example order, to ADDR (over SMTP, or to an .eml
    /// file in DATA_DIR/outbox/ when no SMTP server is configured).
    Test {
        #[arg(long)]
        store: Option<String>,
        #[arg(long, value_name = "ADDR")]
        to: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Render a customer e-mail with the store's template, for an order or the example order.
    Preview {
        #[arg(long, value_enum)]
        kind: Kind,
        #[arg(long)]
        store: Option<String>,
        /// An order (id, PO number or key); the example order by default.
        #[arg(long)]
        order: Option<String>,
        /// Print only this part.
        #[arg(long, value_enum)]
        part: Option<Part>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// The store's e-mail templates (minijinja): show, set from files, or reset to Wharf's.
    #[command(subcommand)]
    Template(TemplateCommand),
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Print a template's parts (the store's own, or Wharf's to start from; or the named template --name).
    Show {
        #[arg(long, value_enum)]
        kind: Kind,
        #[arg(long, conflicts_with = "name")]
        store: Option<String>,
        /// A named template (as automation rules choose them).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Save a store's template; it must render with the example order (unknown variables are errors). With
    /// --name, a named template of the account that automation rules can choose (`set_email_template`).
    Set(TemplateSetArgs),
    /// Go back to Wharf's built-in template; with --name, remove that named template of --kind.
    #[command(visible_alias = "remove")]
    Reset {
        #[arg(long, value_enum)]
        kind: Kind,
        #[arg(long, conflicts_with = "name")]
        store: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// The named e-mail templates (those automation rules can choose), with their kinds.
    List {
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Args)]
pub struct TemplateSetArgs {
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// The store whose branding the template is checked with (a named template is the account's).
    #[arg(long)]
    pub store: Option<String>,
    /// Save a named template of the account, which automation rules can choose for an order; parts not given
    /// come from the named template's current version, else Wharf's built-in one.
    #[arg(long)]
    pub name: Option<String>,
    /// The subject line (a minijinja template).
    #[arg(long)]
    pub subject: Option<String>,
    /// The HTML part (minijinja; may include layout_top.html, items.html and layout_bottom.html).
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// The text part (minijinja).
    #[arg(long)]
    pub text: Option<PathBuf>,
}

/// The store named, or the account's only store.
pub async fn store_or_only(app: &App, account: &AccountId, key: Option<&str>) -> anyhow::Result<SalesStore> {
    if let Some(key) = key {
        return Ok(find_store(app, account, key).await?);
    }
    let mut stores = app.store.list_stores(account).await?;
    match stores.len() {
        1 => Ok(stores.remove(0)),
        0 => anyhow::bail!("no store is connected yet; connect one with `wharf store connect sears`"),
        _ => anyhow::bail!(
            "this account has {} stores; say which with --store ({})",
            stores.len(),
            stores.iter().map(|s| s.store_name.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

pub fn describe(delivery: &Delivery) -> String {
    match delivery {
        Delivery::Smtp { server } => format!("sent through the SMTP server {server}"),
        Delivery::File { path } => {
            format!("NOT sent: no SMTP server is configured (smtp.host); the e-mail was written to {}", path.display())
        }
    }
}

pub async fn run(app: &App, command: EmailCommand) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match command {
        EmailCommand::Test { store, to, json } => {
            let store = store_or_only(app, &account, store.as_deref()).await?;
            let delivery = email::send_test(app, &store, &to).await?;
            if json.json {
                output::print_json(&delivery)?;
            } else {
                println!("Test e-mail to {to}: {}", describe(&delivery));
            }
        }
        EmailCommand::Preview { kind, store, order, part, json } => {
            let store = store_or_only(app, &account, store.as_deref()).await?;
            let order = match order {
                Some(key) => Some(find_one(app, &account, &key).await?),
                None => None,
            };
            let rendered = email::preview(app, &store, kind.into(), order.as_ref()).await?;
            match (json.json, part) {
                (true, _) => output::print_json(&rendered)?,
                (false, Some(Part::Subject)) => println!("{}", rendered.subject),
                (false, Some(Part::Html)) => print!("{}", rendered.html),
                (false, Some(Part::Text)) => print!("{}", rendered.text),
                (false, None) => {
                    println!("Subject: {}\n\n{}\n--- HTML part ---\n{}", rendered.subject, rendered.text, rendered.html)
                }
            }
        }
        EmailCommand::Template(TemplateCommand::Show { kind, name: Some(name), json, .. }) => {
            let kind: EmailKind = kind.into();
            let Some(sources) = email::named_template(app, &account, kind, &name).await? else {
                anyhow::bail!(
                    "there is no {} e-mail template named '{}'; see `wharf email template list`",
                    kind.as_str(),
                    name.trim()
                );
            };
            if json.json {
                output::print_json(&sources)?;
            } else {
                println!(
                    "Subject: {}\n--- HTML part ---\n{}--- text part ---\n{}",
                    sources.subject, sources.html, sources.text
                );
            }
        }
        EmailCommand::Template(TemplateCommand::List { json }) => {
            let saved = app.store.named_email_templates(&account).await?;
            if json.json {
                let view: Vec<serde_json::Value> = saved
                    .iter()
                    .map(|t| {
                        serde_json::json!({
                            "name": t.name,
                            "kind": EmailKind::of(t.kind).map(EmailKind::as_str),
                            "subject": t.subject,
                            "modifyDate": t.modify_date,
                        })
                    })
                    .collect();
                output::print_json(&view)?;
            } else if saved.is_empty() {
                println!(
                    "No named e-mail templates. Save one with `wharf email template set --kind shipment --name NAME \
                     --subject ...`."
                );
            } else {
                for t in &saved {
                    let kind = EmailKind::of(t.kind).map(EmailKind::as_str).unwrap_or("?");
                    println!("{}  {kind}  subject: {}", t.name, t.subject);
                }
            }
        }
        EmailCommand::Template(TemplateCommand::Show { kind, store, name: None, json }) => {
            let store = store_or_only(app, &account, store.as_deref()).await?;
            let (sources, own) = email::template_of(app, &store, kind.into()).await?;
            if json.json {
                output::print_json(&sources)?;
            } else {
                println!(
                    "Subject: {}\n--- HTML part ---\n{}--- text part ---\n{}",
                    sources.subject, sources.html, sources.text
                );
                if !own {
                    eprintln!("(Wharf's built-in template: save your own with `wharf email template set`)");
                }
            }
        }
        EmailCommand::Template(TemplateCommand::Set(args)) => {
            let store = store_or_only(app, &account, args.store.as_deref()).await?;
            let kind: EmailKind = args.kind.into();
            if args.subject.is_none() && args.html.is_none() && args.text.is_none() {
                anyhow::bail!("give at least one of --subject, --html FILE, --text FILE");
            }
            let current = match &args.name {
                Some(name) => email::named_template(app, &account, kind, name)
                    .await?
                    .unwrap_or_else(|| email::templates::built_in(kind)),
                None => email::template_of(app, &store, kind).await?.0,
            };
            let sources = TemplateSources {
                subject: args.subject.unwrap_or(current.subject),
                html: args.html.as_deref().map(read).transpose()?.unwrap_or(current.html),
                text: args.text.as_deref().map(read).transpose()?.unwrap_or(current.text),
            };
            if let Some(name) = &args.name {
                let name = email::set_named_template(app, &store, name, kind, sources).await?;
                println!(
                    "The {} e-mail template '{name}' is saved; rules can choose it with set_email_template.",
                    kind.describe()
                );
            } else {
                email::set_template(app, &store, kind, sources).await?;
                println!("The {} e-mail template of '{}' is saved.", kind.describe(), store.store_name);
            }
        }
        EmailCommand::Template(TemplateCommand::Reset { kind, name: Some(name), .. }) => {
            let kind: EmailKind = kind.into();
            if email::remove_named_template(app, &account, kind, &name).await? {
                println!(
                    "The {} e-mail template '{}' is removed; orders that name it get their store's template.",
                    kind.describe(),
                    name.trim()
                );
            } else {
                anyhow::bail!(
                    "there is no {} e-mail template named '{}'; see `wharf email template list`",
                    kind.as_str(),
                    name.trim()
                );
            }
        }
        EmailCommand::Template(TemplateCommand::Reset { kind, store, name: None }) => {
            let store = store_or_only(app, &account, store.as_deref()).await?;
            let kind: EmailKind = kind.into();
            if email::reset_template(app, &store, kind).await? {
                println!("'{}' uses Wharf's built-in {} e-mail again.", store.store_name, kind.describe());
            } else {
                println!("'{}' already uses Wharf's built-in {} e-mail.", store.store_name, kind.describe());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `wharf template preview --email KIND --out FILE`: the store's e-mail rendered with the example order; the
/// HTML part is written to FILE, the subject and the text part are printed.
pub async fn preview_to_file(
    app: &App,
    account: &AccountId,
    store: Option<&str>,
    kind: &str,
    out: &Path,
) -> anyhow::Result<ExitCode> {
    let kind: EmailKind = kind.parse().map_err(anyhow::Error::msg)?;
    let store = store_or_only(app, account, store).await?;
    let rendered = email::preview(app, &store, kind, None).await?;
    std::fs::write(out, &rendered.html).with_context(|| format!("cannot write {}", out.display()))?;
    println!("Subject: {}\n\n{}", rendered.subject, rendered.text);
    println!("HTML part written to {}", out.display());
    Ok(ExitCode::SUCCESS)
}
