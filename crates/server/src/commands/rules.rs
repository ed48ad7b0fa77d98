//! `wharf rules list|add|edit|move|enable|disable|remove|preview|export|import`: the account's automation rules.
//!
//! A rule's criteria and actions are written as in a rule file (see example-rules.toml), one per flag:
//! `--when 'field = "gift", op = "is_true"'`, `--then 'add_tag = "gift"'`, `--then stop_processing`; or a whole
//! rule from a TOML or JSON file with `--file`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};
use wharf_app::App;
use wharf_app::automation::{self, ImportMode, RuleDraft, RuleEdit, RulePreview};
use wharf_domain::automation::{Action, Criterion, Rule};
use wharf_domain::{AccountId, RuleId};
use wharf_storage::rules::StoredRule;

use crate::cli::JsonFlag;
use crate::commands::account;
use crate::output::{self, print_json};

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// The account's rules, in the order they run.
    List(JsonFlag),
    /// Add a rule, from flags or from a file (checked before it is saved).
    Add(AddArgs),
    /// Change a rule (by id or name): only what is given changes.
    Edit(EditArgs),
    /// Move a rule to a position (1 = first); every rule is renumbered 1, 2, 3...
    Move {
        /// Rule id or name.
        rule: String,
        #[arg(long, value_name = "POSITION")]
        to: u32,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Turn a rule on.
    Enable {
        rule: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Turn a rule off (it stays, and is still checked when the rules are saved).
    Disable {
        rule: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Remove a rule.
    Remove {
        rule: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// The open orders a rule matches now and what it would change on each; changes nothing.
    Preview(PreviewArgs),
    /// Write the rules (and, with --store, that store's service mapping) as a readable TOML or JSON file.
    Export(ExportArgs),
    /// Read a rule file: the account's rules become the file's (or, with --merge, are added to or replaced).
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[arg(long, required_unless_present = "file", conflicts_with = "file")]
    pub name: Option<String>,
    /// A criterion, as in a rule file: 'field = "weight", op = "greater_than", value = "10 lb"'. All must hold;
    /// none means every order.
    #[arg(long = "when", value_name = "CRITERION", conflicts_with = "file")]
    pub criteria: Vec<String>,
    /// An action, as in a rule file: 'add_tag = "gift"', 'hold_for_days = 1', stop_processing.
    #[arg(long = "then", value_name = "ACTION", required_unless_present = "file", conflicts_with = "file")]
    pub actions: Vec<String>,
    /// Where the rule goes, 1 = first (default: last).
    #[arg(long)]
    pub position: Option<u32>,
    /// Add it turned off.
    #[arg(long)]
    pub disabled: bool,
    /// A rule as a TOML or JSON table: name, criteria, actions (and optionally id, enabled, position).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// Rule id or name.
    pub rule: String,
    #[arg(long, conflicts_with = "file")]
    pub name: Option<String>,
    /// Replaces the rule's criteria (give each one).
    #[arg(long = "when", value_name = "CRITERION", conflicts_with_all = ["file", "every_order"])]
    pub criteria: Vec<String>,
    /// The rule takes every order (no criteria).
    #[arg(long, conflicts_with = "file")]
    pub every_order: bool,
    /// Replaces the rule's actions (give each one).
    #[arg(long = "then", value_name = "ACTION", conflicts_with = "file")]
    pub actions: Vec<String>,
    /// Replaces the rule's name, criteria and actions (and enabled, when given) with the file's.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// A saved rule (id or name).
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub rule: Option<String>,
    /// A rule not saved yet, as a TOML or JSON table (as `wharf rules add --file` takes).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Toml,
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// TOML unless told, or unless the output file ends in .json.
    #[arg(long)]
    pub format: Option<Format>,
    /// Include this store's service mapping (id or name).
    #[arg(long)]
    pub store: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A rule file, TOML (or JSON when it ends in .json), as `wharf rules export` writes it.
    pub file: PathBuf,
    /// Add the file's rules, replacing those with the same id, and keep the others.
    #[arg(long)]
    pub merge: bool,
    /// The store the file's service mapping is for (needed when the file has one).
    #[arg(long)]
    pub store: Option<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}

pub async fn run(app: &App, command: RulesCommand) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match command {
        RulesCommand::List(json) => {
            let set = automation::rule_set(app, &account).await?;
            if json.json {
                print_json(&set.rules.iter().map(Listed::from).collect::<Vec<_>>())?;
            } else {
                print_rules(&set.rules);
            }
        }
        RulesCommand::Add(args) => {
            let draft = match &args.file {
                Some(file) => {
                    let input = read_rule_input(file)?;
                    RuleDraft {
                        id: input.id,
                        name: input.name,
                        enabled: input.enabled.unwrap_or(true) && !args.disabled,
                        criteria: input.criteria,
                        actions: input.actions,
                        position: args.position.or(input.position),
                    }
                }
                None => RuleDraft {
                    id: None,
                    name: args.name.clone().unwrap_or_default(),
                    enabled: !args.disabled,
                    criteria: parse_criteria(&args.criteria)?,
                    actions: parse_actions(&args.actions)?,
                    position: args.position,
                },
            };
            let rule = automation::add_rule(app, &account, draft).await?;
            print_saved(app, &account, &rule, "Added", args.json.json).await?;
        }
        RulesCommand::Edit(args) => {
            let edit = match &args.file {
                Some(file) => {
                    let input = read_rule_input(file)?;
                    RuleEdit {
                        name: Some(input.name),
                        enabled: input.enabled,
                        criteria: Some(input.criteria),
                        actions: Some(input.actions),
                    }
                }
                None => RuleEdit {
                    name: args.name.clone(),
                    enabled: None,
                    criteria: if args.every_order {
                        Some(Vec::new())
                    } else {
                        (!args.criteria.is_empty()).then(|| parse_criteria(&args.criteria)).transpose()?
                    },
                    actions: (!args.actions.is_empty()).then(|| parse_actions(&args.actions)).transpose()?,
                },
            };
            let rule = automation::edit_rule(app, &account, &args.rule, edit).await?;
            print_saved(app, &account, &rule, "Saved", args.json.json).await?;
        }
        RulesCommand::Move { rule, to, json } => {
            let rules = automation::move_rule(app, &account, &rule, to).await?;
            let set = automation::rule_set(app, &account).await?;
            if json.json {
                print_json(&set.rules.iter().map(Listed::from).collect::<Vec<_>>())?;
            } else {
                let moved = rules.iter().find(|r| r.id.as_str() == rule || r.name.eq_ignore_ascii_case(rule.trim()));
                if let Some(moved) = moved {
                    println!("Moved rule '{}' to position {}.", moved.name, moved.position);
                }
                print_rules(&set.rules);
            }
        }
        RulesCommand::Enable { rule, json } => set_enabled(app, &account, &rule, true, json.json).await?,
        RulesCommand::Disable { rule, json } => set_enabled(app, &account, &rule, false, json.json).await?,
        RulesCommand::Remove { rule, json } => {
            let removed = automation::remove_rule(app, &account, &rule).await?;
            if json.json {
                print_json(&removed)?;
            } else {
                println!("Removed rule '{}' ({}).", removed.name, removed.id);
            }
        }
        RulesCommand::Preview(args) => {
            let preview = match (&args.rule, &args.file) {
                (_, Some(file)) => {
                    let input = read_rule_input(file)?;
                    let rule = Rule {
                        id: input.id.unwrap_or_else(|| "rul_preview".parse().expect("a valid id")),
                        name: input.name,
                        enabled: true,
                        position: input.position.unwrap_or(1),
                        criteria: input.criteria,
                        actions: input.actions,
                    };
                    automation::preview(app, &account, &rule).await?
                }
                (Some(key), None) => automation::preview_stored(app, &account, key).await?,
                (None, None) => anyhow::bail!("name a saved rule, or give one with --file"),
            };
            if args.json.json {
                print_json(&preview)?;
            } else {
                print_preview(&preview);
            }
        }
        RulesCommand::Export(args) => {
            let store = match &args.store {
                Some(s) => Some(wharf_app::stores::find_store(app, &account, s).await?),
                None => None,
            };
            let file = automation::export_rules(app, &account, store.as_ref()).await?;
            let json = match args.format {
                Some(format) => matches!(format, Format::Json),
                None => args.output.as_deref().is_some_and(is_json_path),
            };
            let text = if json { file.to_json() + "\n" } else { file.to_toml() };
            match &args.output {
                Some(path) => {
                    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("Wrote {} rule(s) to {}.", file.rules.len(), path.display());
                }
                None => print!("{text}"),
            }
        }
        RulesCommand::Import(args) => {
            let text = std::fs::read_to_string(&args.file)
                .with_context(|| format!("cannot read the rule file {}", args.file.display()))?;
            let file = automation::read_rule_file(&text, looks_like_json(&args.file, &text))?;
            let store = match &args.store {
                Some(s) => Some(wharf_app::stores::find_store(app, &account, s).await?),
                None => None,
            };
            let mode = if args.merge { ImportMode::Merge } else { ImportMode::Replace };
            let summary = automation::import_rules(app, &account, &file, mode, store).await?;
            if args.json.json {
                print_json(&summary)?;
            } else {
                println!(
                    "Imported {}: {} added, {} changed, {} unchanged, {} removed; {} service mapping row(s).",
                    args.file.display(),
                    summary.added,
                    summary.updated,
                    summary.unchanged,
                    summary.removed,
                    summary.mapping_rows
                );
                println!(
                    "Orders already imported change when automation runs on them: `wharf orders reprocess --all`."
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn set_enabled(app: &App, account: &AccountId, key: &str, enabled: bool, json: bool) -> anyhow::Result<()> {
    let edit = RuleEdit { enabled: Some(enabled), ..RuleEdit::default() };
    let rule = automation::edit_rule(app, account, key, edit).await?;
    print_saved(app, account, &rule, if enabled { "Enabled" } else { "Disabled" }, json).await
}

/// A rule as `wharf rules add|edit|preview --file` reads it: one table, in the rule file's words.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleInput {
    #[serde(default)]
    id: Option<RuleId>,
    name: String,
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    position: Option<u32>,
    #[serde(default)]
    criteria: Vec<Criterion>,
    actions: Vec<Action>,
}

fn is_json_path(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// JSON when the file says so by its name, or (for any other name) when it starts as a JSON object does.
fn looks_like_json(path: &Path, text: &str) -> bool {
    is_json_path(path) || (path.extension().is_none() && text.trim_start().starts_with('{'))
}

fn read_rule_input(path: &Path) -> anyhow::Result<RuleInput> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the rule {}", path.display()))?;
    let hint = "a rule is one table: name, criteria, actions (see example-rules.toml)";
    if looks_like_json(path, &text) {
        serde_json::from_str(&text).with_context(|| format!("{} is not a rule in JSON; {hint}", path.display()))
    } else {
        toml::from_str(&text).with_context(|| format!("{} is not a rule in TOML; {hint}", path.display()))
    }
}

/// One `--when` / `--then` value as a TOML inline table (the braces may be left out).
fn inline_table<T: serde::de::DeserializeOwned>(text: &str, what: &str, example: &str) -> anyhow::Result<T> {
    #[derive(Deserialize)]
    struct Wrapped<T> {
        v: T,
    }
    let body = text.trim();
    let document = if body.starts_with('{') || body.starts_with('"') {
        format!("v = {body}")
    } else {
        format!("v = {{ {body} }}")
    };
    let wrapped: Wrapped<T> = toml::from_str(&document).map_err(|e| {
        anyhow::anyhow!(
            "the {what} '{text}' does not read: {}; write it as in a rule file, e.g. {example}",
            e.message()
        )
    })?;
    Ok(wrapped.v)
}

fn parse_criteria(texts: &[String]) -> anyhow::Result<Vec<Criterion>> {
    texts
        .iter()
        .map(|t| inline_table(t, "criterion", r#"--when 'field = "weight", op = "greater_than", value = "10 lb"'"#))
        .collect()
}

fn parse_actions(texts: &[String]) -> anyhow::Result<Vec<Action>> {
    texts
        .iter()
        .map(|t| {
            if t.trim().trim_matches('"') == "stop_processing" {
                return Ok(Action::StopProcessing);
            }
            inline_table(t, "action", r#"--then 'add_tag = "gift"'"#)
        })
        .collect()
}

/// A listed rule: the rule as in a rule file, with when it was saved.
#[derive(Serialize)]
struct Listed<'a> {
    #[serde(flatten)]
    rule: &'a Rule,
    create_date: jiff::Timestamp,
    modify_date: jiff::Timestamp,
}

impl<'a> From<&'a StoredRule> for Listed<'a> {
    fn from(stored: &'a StoredRule) -> Self {
        Listed { rule: &stored.rule, create_date: stored.create_date, modify_date: stored.modify_date }
    }
}

fn print_rules(rules: &[StoredRule]) {
    if rules.is_empty() {
        println!("No rules yet. Add one with `wharf rules add --name … --when … --then …`, or import a rule file.");
        return;
    }
    let mut table = output::table(["POS", "ID", "NAME", "ON", "CRITERIA", "ACTIONS", "MODIFIED"]);
    for stored in rules {
        let rule = &stored.rule;
        let actions: Vec<&str> = rule.actions.iter().map(Action::name).collect();
        table.add_row([
            rule.position.to_string(),
            rule.id.to_string(),
            rule.name.clone(),
            if rule.enabled { "yes" } else { "no" }.into(),
            if rule.criteria.is_empty() { "every order".into() } else { rule.criteria.len().to_string() },
            actions.join(", "),
            output::central(stored.modify_date),
        ]);
    }
    println!("{table}");
}

async fn print_saved(app: &App, account: &AccountId, rule: &Rule, verb: &str, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(rule);
    }
    println!(
        "{verb} rule '{}' ({}), position {}{}.",
        rule.name,
        rule.id,
        rule.position,
        if rule.enabled { "" } else { ", off" }
    );
    print_rules(&automation::rule_set(app, account).await?.rules);
    println!("Orders already imported change when automation runs on them: `wharf orders reprocess --all`.");
    Ok(())
}

fn print_preview(preview: &RulePreview) {
    println!(
        "Rule '{}' matches {} of {} open order(s) now (nothing was changed):",
        preview.rule_name,
        preview.matches.len(),
        preview.examined
    );
    for m in &preview.matches {
        if m.changes.is_empty() {
            println!("  {} ({})  already as the rule would make it", m.order_number, m.order_id);
            continue;
        }
        println!("  {} ({})", m.order_number, m.order_id);
        for change in &m.changes {
            println!("    {:<36} {} -> {}", change.field, change.old, change.new);
        }
    }
}
