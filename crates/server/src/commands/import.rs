//! `wharf import --store S | --all`, `wharf import runs`, `wharf import skipped`.

use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use wharf_app::App;
use wharf_app::import::{ImportProgress, import_store};
use wharf_app::stores::find_store;
use wharf_domain::import_run::{ImportCounts, ImportOutcome, ImportRun, ImportTrigger};

use crate::cli::{ImportArgs, ImportCommand};
use crate::commands::account;
use crate::output::{self, or_dash};

pub async fn run(app: &App, args: ImportArgs) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match args.command {
        Some(ImportCommand::Runs { store, limit, json }) => {
            let store_id = match store {
                Some(s) => Some(find_store(app, &account, &s).await?.store_id),
                None => None,
            };
            let runs = app.store.list_import_runs(&account, store_id.as_ref(), limit).await?;
            if json.json {
                output::print_json(&runs)?;
            } else {
                let mut table = output::table([
                    "RUN", "STORE", "STARTED", "DAYS", "FETCHED", "NEW", "UPDATED", "SKIPPED", "FAILED", "OUTCOME",
                ]);
                for r in &runs {
                    let c = &r.counts;
                    table.add_row([
                        r.run_id.to_string(),
                        r.store_id.to_string(),
                        output::central(r.started_at),
                        format!("{}..{}", r.window_from, r.window_to),
                        c.fetched.to_string(),
                        c.new.to_string(),
                        c.updated.to_string(),
                        c.skipped.to_string(),
                        c.failed.to_string(),
                        outcome_text(r),
                    ]);
                }
                println!("{table}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(ImportCommand::Skipped { store, json }) => {
            let store_id = match store {
                Some(s) => Some(find_store(app, &account, &s).await?.store_id),
                None => None,
            };
            let skipped = app.store.list_skipped(&account, store_id.as_ref()).await?;
            if json.json {
                output::print_json(&skipped)?;
            } else if skipped.is_empty() {
                println!("No order was skipped.");
            } else {
                let mut table = output::table(["STORE", "PO NUMBER", "PO DATE", "REASON", "LAST SEEN"]);
                for s in &skipped {
                    table.add_row([
                        s.store_id.to_string(),
                        s.po_number.clone(),
                        s.po_date.to_string(),
                        s.message.clone(),
                        output::central(s.last_seen),
                    ]);
                }
                println!("{table}");
            }
            Ok(ExitCode::SUCCESS)
        }
        None => {
            let stores = match (&args.store, args.all) {
                (Some(s), _) => vec![find_store(app, &account, s).await?],
                (None, true) => app.store.list_stores(&account).await?.into_iter().filter(|s| s.active).collect(),
                (None, false) => {
                    anyhow::bail!("say which store to import: --store NAME_OR_ID, or --all")
                }
            };
            if stores.is_empty() {
                anyhow::bail!("no store is connected; connect one with `wharf store connect sears …`");
            }
            let mut runs = Vec::new();
            for store in &stores {
                let progress = BarProgress::new(&store.store_name, args.json.json);
                let run = import_store(app, store, ImportTrigger::Manual, &progress).await?;
                progress.finish(&run);
                runs.push(run);
            }
            if args.json.json {
                output::print_json(&runs)?;
            }
            let failed = runs.iter().any(|r| r.outcome != ImportOutcome::Succeeded);
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
    }
}

fn outcome_text(run: &ImportRun) -> String {
    match run.outcome {
        ImportOutcome::Succeeded => "ok".into(),
        ImportOutcome::Running => "running".into(),
        ImportOutcome::Partial | ImportOutcome::Failed => {
            format!("{:?}: {}", run.outcome, or_dash(run.errors.first())).to_lowercase()
        }
    }
}

/// A progress bar over the days of the import window (hidden with --json or without a terminal).
struct BarProgress {
    bar: ProgressBar,
    quiet: bool,
}

impl BarProgress {
    fn new(store: &str, quiet: bool) -> Self {
        let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(0) };
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} days {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(format!("Importing {store}"));
        BarProgress { bar, quiet }
    }

    fn finish(&self, run: &ImportRun) {
        self.bar.finish_and_clear();
        if self.quiet {
            return;
        }
        let c = &run.counts;
        println!(
            "{}: {} fetched, {} new, {} updated, {} unchanged, {} skipped, {} failed ({} to {})",
            run.store_id, c.fetched, c.new, c.updated, c.unchanged, c.skipped, c.failed, run.window_from, run.window_to
        );
        for error in &run.errors {
            eprintln!("error: {error}");
        }
        if c.skipped > 0 {
            println!("See why orders were skipped with `wharf import skipped`.");
        }
    }
}

impl ImportProgress for BarProgress {
    fn planned(&self, days: usize) {
        self.bar.set_length(days as u64);
    }

    fn day_done(&self, day: jiff::civil::Date, counts: &ImportCounts) {
        self.bar.set_message(format!("{day}: {} orders", counts.fetched));
        self.bar.inc(1);
    }
}
