//! `wharf batch create|list|status|process|retry|print|picklist|archive`.
//!
//! Exit codes: 0 when the command did what it was asked; `batch process` and `batch retry` exit 2 when the
//! batch was processed but some orders still have no label (each with its reason in `batch status`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use wharf_app::App;
use wharf_app::batches::{
    self, BatchProgress, BatchRequest, BatchStatus, ProcessOptions, ProcessOutcome, enqueue_processing, process_batch,
};
use wharf_app::printing::{self, PrintFormat, PrintOptions};
use wharf_domain::{AccountId, OrderStatus};
use wharf_storage::batches::{Batch, BatchState, OrderResult};

use crate::cli::JsonFlag;
use crate::commands::account;
use crate::output::{self, or_dash};

#[derive(Debug, Subcommand)]
pub enum BatchCommand {
    /// Put orders in a new batch and check each for problems before anything is bought.
    Create(CreateArgs),
    /// The batches, newest first.
    List {
        /// open, processing, processed or archived (repeatable); all by default.
        #[arg(long = "state")]
        states: Vec<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// A batch's state, counts and each order's result (label bought, problems, the carrier's message).
    Status {
        /// Batch id (bat_…) or number (3, #3).
        batch: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Buy the labels of every order not bought yet, and wait (with a progress bar) until done.
    Process(ProcessArgs),
    /// Process the batch again: only orders without a label (fixed since, or failed for a passing reason).
    Retry(ProcessArgs),
    /// Print the batch's labels and packing slips into one file.
    Print(PrintArgs),
    /// Print a pick list of the batch: what to take from which shelf, by location and SKU.
    Picklist {
        batch: String,
        /// The PDF to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Put a batch away (its orders without a label can then go in a new batch).
    Archive {
        batch: String,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Orders in this status.
    #[arg(long, default_value = "awaiting_shipment")]
    pub status: String,
    /// Only this store's orders (id or name).
    #[arg(long)]
    pub store: Option<String>,
    /// At most this many orders (oldest first).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Exactly these orders (id, PO number or order key; repeatable) instead of --status/--store/--limit.
    #[arg(long = "order")]
    pub orders: Vec<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct ProcessArgs {
    /// Batch id (bat_…) or number.
    pub batch: String,
    /// Return at once; the labels are bought in the background by `wharf serve`'s workers.
    #[arg(long)]
    pub no_wait: bool,
    /// Label purchases in flight at once.
    #[arg(long, default_value_t = ProcessOptions::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Seconds the batch stays this process's without a sign of life (a crashed process's batch is taken over
    /// after this).
    #[arg(long, default_value_t = ProcessOptions::DEFAULT_LEASE_SECONDS, hide = true)]
    pub lease_secs: u64,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Pdf,
    Zpl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SortBy {
    OrderDate,
    Sku,
    Location,
    OrderNumber,
}

#[derive(Debug, Args)]
pub struct PrintArgs {
    pub batch: String,
    /// `pdf`: each order's label followed by its packing slip. `zpl`: the labels for a thermal printer, and the
    /// packing slips as a separate PDF beside it.
    #[arg(long, value_enum, default_value = "pdf")]
    pub format: Format,
    /// The file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Print order.
    #[arg(long, value_enum, default_value = "order-number")]
    pub sort: SortBy,
    /// Label printer resolution (203 or 300); the print settings' by default.
    #[arg(long)]
    pub dpi: Option<u32>,
    /// Packing slip paper: letter or 4x6; the print settings' by default.
    #[arg(long)]
    pub slip_size: Option<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}

pub async fn run(app: &App, command: BatchCommand) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match command {
        BatchCommand::Create(args) => create(app, &account, args).await,
        BatchCommand::List { states, limit, json } => {
            let states = states
                .iter()
                .map(|s| {
                    BatchState::parse(s.trim()).ok_or_else(|| {
                        anyhow::anyhow!("unknown batch state {s:?}; use open, processing, processed or archived")
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let list = batches::list_batches(app, &account, &states, limit).await?;
            if json.json {
                output::print_json(&list)?;
            } else if list.is_empty() {
                println!("No batch yet: create one with `wharf batch create --status awaiting_shipment`.");
            } else {
                let mut table =
                    output::table(["#", "ID", "STATE", "CREATED", "ORDERS", "BOUGHT", "PROBLEMS", "FAILED", "LEFT"]);
                for b in &list {
                    table.add_row([
                        b.number.to_string(),
                        b.batch_id.to_string(),
                        b.state.to_string(),
                        output::central(b.created_at),
                        b.counts.total.to_string(),
                        b.counts.bought.to_string(),
                        b.counts.invalid.to_string(),
                        b.counts.failed.to_string(),
                        b.counts.removed.to_string(),
                    ]);
                }
                println!("{table}");
            }
            Ok(ExitCode::SUCCESS)
        }
        BatchCommand::Status { batch, json } => {
            let found = batches::find_batch(app, &account, &batch).await?;
            let status = batches::batch_status(app, &account, &found.batch_id).await?;
            if json.json {
                output::print_json(&status)?;
            } else {
                print_status(&status);
            }
            Ok(ExitCode::SUCCESS)
        }
        BatchCommand::Process(args) | BatchCommand::Retry(args) => process(app, &account, args).await,
        BatchCommand::Print(args) => print(app, &account, args).await,
        BatchCommand::Picklist { batch, out } => {
            let found = batches::find_batch(app, &account, &batch).await?;
            let pdf = printing::pick_list(app, &account, &found.batch_id).await?;
            write_file(&out, &pdf)?;
            println!("Pick list of batch #{} written to {}", found.number, out.display());
            Ok(ExitCode::SUCCESS)
        }
        BatchCommand::Archive { batch, json } => {
            let found = batches::find_batch(app, &account, &batch).await?;
            let archived = batches::archive_batch(app, &account, &found.batch_id).await?;
            if json.json {
                output::print_json(&archived)?;
            } else {
                println!("Batch #{} is archived.", archived.number);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn create(app: &App, account: &AccountId, args: CreateArgs) -> anyhow::Result<ExitCode> {
    let status: OrderStatus = args.status.parse()?;
    let store_id = match &args.store {
        Some(s) => Some(wharf_app::stores::find_store(app, account, s).await?.store_id),
        None => None,
    };
    let mut orders = Vec::new();
    for key in &args.orders {
        orders.push(crate::commands::orders::find_one(app, account, key).await?.order_id);
    }
    let request = BatchRequest { status, store_id, limit: args.limit, orders };
    let status = batches::create_batch(app, account, &request).await?;
    if args.json.json {
        output::print_json(&status)?;
    } else {
        println!("Batch #{} ({}) created with {} order(s).", status.number, status.batch_id, status.counts.total);
        print_status(&status);
        if status.counts.invalid > 0 {
            println!(
                "{} order(s) have problems and will not be bought until they are fixed; the others can be \
                 bought now: wharf batch process {}",
                status.counts.invalid, status.number
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The progress bar of `wharf batch process`.
struct Bar(ProgressBar);

impl BatchProgress for Bar {
    fn started(&self, _batch: &Batch, to_do: usize) {
        self.0.set_length(to_do as u64);
        self.0.set_position(0);
    }

    fn order_done(&self, order_number: &str, result: OrderResult) {
        self.0.inc(1);
        self.0.set_message(format!("order {order_number}: {result}"));
    }
}

async fn process(app: &App, account: &AccountId, args: ProcessArgs) -> anyhow::Result<ExitCode> {
    let found = batches::find_batch(app, account, &args.batch).await?;
    let options = ProcessOptions { concurrency: args.concurrency, lease_seconds: args.lease_secs };
    if args.no_wait {
        let job = enqueue_processing(app, account, &found.batch_id, &options).await?;
        if args.json.json {
            output::print_json(&serde_json::json!({"id": found.batch_id, "number": found.number, "job": job.id}))?;
        } else {
            println!(
                "Batch #{} is queued for processing (job {}); a running `wharf serve` buys its labels. Follow it \
                 with `wharf batch status {}`.",
                found.number, job.id, found.number
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let processor = batches::process::processor_name(app, "cli");
    let bar = if args.json.json { ProgressBar::hidden() } else { ProgressBar::new(0) };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg}")
            .expect("the progress template is valid")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let progress = Bar(bar.clone());
    let report = loop {
        match process_batch(app, account, &found.batch_id, &options, &processor, &progress).await? {
            ProcessOutcome::Done(report) => break report,
            ProcessOutcome::Busy { processor: holder, until } => {
                // Someone else is buying this batch's labels: follow their progress until they finish, or take
                // over once their lease has run out (they crashed).
                let current = app.store.get_batch(account, &found.batch_id).await?;
                bar.set_length(u64::from(current.counts.total));
                bar.set_position(u64::from(current.counts.total - current.counts.to_process()));
                bar.set_message(format!("being processed by {holder} (lease until {})", output::central(until)));
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    bar.finish_and_clear();
    let status = batches::batch_status(app, account, &found.batch_id).await?;
    if args.json.json {
        output::print_json(&status)?;
    } else {
        println!(
            "Batch #{} processed: {} order(s) tried now, {} bought, {} with problems, {} failed, {} left the batch.",
            status.number, report.tried, report.bought, report.invalid, report.failed, report.removed
        );
        print_status(&status);
        let c = status.counts;
        if c.to_process() > 0 {
            println!(
                "Fix what is listed above, then buy the rest with `wharf batch retry {}` (bought labels are \
                 never bought again).",
                status.number
            );
        } else {
            println!("Print it: wharf batch print {} --format pdf --out batch-{}.pdf", status.number, status.number);
        }
    }
    let c = status.counts;
    Ok(if c.to_process() > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

/// `labels.zpl` -> `labels.slips.pdf`.
pub fn slips_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "batch".into());
    out.with_file_name(format!("{stem}.slips.pdf"))
}

fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}

async fn print(app: &App, account: &AccountId, args: PrintArgs) -> anyhow::Result<ExitCode> {
    let found = batches::find_batch(app, account, &args.batch).await?;
    let options = PrintOptions {
        format: match args.format {
            Format::Pdf => PrintFormat::Pdf,
            Format::Zpl => PrintFormat::Zpl,
        },
        sort: match args.sort {
            SortBy::OrderDate => printing::BatchSortKey::OrderDate,
            SortBy::Sku => printing::BatchSortKey::Sku,
            SortBy::Location => printing::BatchSortKey::WarehouseLocation,
            SortBy::OrderNumber => printing::BatchSortKey::OrderNumber,
        },
        dpi: args.dpi.map(printing::settings::parse_dpi).transpose()?,
        slip_size: args.slip_size.as_deref().map(printing::settings::parse_slip_size).transpose()?,
    };
    let printed = printing::print_batch(app, account, &found.batch_id, options).await?;
    write_file(&args.out, &printed.labels_file)?;
    let slips = match &printed.slips_pdf {
        Some(pdf) => {
            let path = slips_path(&args.out);
            write_file(&path, pdf)?;
            Some(path)
        }
        None => None,
    };
    if args.json.json {
        let mut value = serde_json::to_value(&printed)?;
        value["out"] = serde_json::json!(args.out);
        value["slips"] = serde_json::json!(slips);
        output::print_json(&value)?;
    } else {
        println!(
            "Batch #{}: {} label(s) of {} order(s) written to {}",
            found.number,
            printed.labels,
            printed.orders.len(),
            args.out.display()
        );
        if let Some(path) = &slips {
            println!("The packing slips are in {}", path.display());
        }
        for left in &printed.left_out {
            println!("  not printed: order {}: {}", left.order_number, left.reason);
        }
        for note in &printed.notes {
            println!("  note: {note}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn detail(order: &batches::BatchOrderView) -> String {
    let o = &order.outcome;
    let mut parts: Vec<String> = Vec::new();
    if let Some(label) = &o.label {
        parts.push(format!(
            "tracking {}{}",
            label.tracking_numbers.join(", "),
            label.carrier_fee.as_deref().map(|f| format!(", fee {f}")).unwrap_or_default()
        ));
    }
    parts.extend(o.problems.iter().map(|p| format!("problem ({}): {}", p.code, p.message)));
    if let Some(error) = &o.error {
        parts.push(format!("failed: {}", error.message));
    }
    if let Some(reason) = &o.removed_reason {
        parts.push(format!("left the batch: {reason}"));
    }
    parts.extend(o.warnings.iter().map(|w| format!("warning ({}): {}", w.code, w.message)));
    parts.join("\n")
}

fn print_status(status: &BatchStatus) {
    let c = status.counts;
    println!(
        "Batch #{} ({}) is {}{}: {} order(s), {} bought, {} pending, {} with problems, {} failed, {} left; {} with \
         warnings.",
        status.number,
        status.batch_id,
        status.state,
        if status.queued { " (queued for processing)" } else { "" },
        c.total,
        c.bought,
        c.pending,
        c.invalid,
        c.failed,
        c.removed,
        status.warnings
    );
    if let Some(processor) = &status.processor {
        println!(
            "Being processed by {processor} (lease until {}).",
            or_dash(status.processor_until.map(output::central))
        );
    }
    let mut table = output::table(["ORDER #", "RESULT", "DETAIL"]);
    for order in &status.orders {
        table.add_row([order.order_number.clone(), order.result.to_string(), detail(order)]);
    }
    println!("{table}");
}
