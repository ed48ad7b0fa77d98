//! The `wharf` command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "wharf", version, about = "Self-hosted shipping for Sears Marketplace sellers")]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Where Wharf keeps its SQLite database, master key and e-mail outbox.
    #[arg(long, global = true, env = "WHARF_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Use this database instead of the SQLite file in the data directory (e.g. postgres://user@host/db).
    #[arg(long, global = true, env = "WHARF_DATABASE_URL", value_name = "URL")]
    pub database_url: Option<String>,
    /// The configuration file (read when it exists).
    #[arg(long, global = true, default_value = "wharf.toml", value_name = "FILE")]
    pub config: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server and the job workers (imports on schedule).
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Try Wharf with no accounts: a local Sears sandbox with orders, a connected store, import running.
    Demo(DemoArgs),
    /// Sears tools: decode documents, check credentials.
    #[command(subcommand)]
    Sears(SearsCommand),
    /// Run the local Sears sandbox on its own.
    SearsSandbox(SearsSandboxArgs),
    /// Connect and configure stores.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Import orders now, or see past imports.
    Import(ImportArgs),
    /// See orders.
    #[command(subcommand)]
    Orders(OrdersCommand),
    /// The product catalog (weights, images, options, locations by SKU).
    #[command(subcommand)]
    Product(ProductCommand),
    /// Each store's import health, orders past ship-by, failed jobs.
    Status(JsonFlag),
    /// Carrier accounts (UPS): add (credentials verified with the carrier first), list, remove.
    #[command(subcommand)]
    Carrier(crate::commands::carrier::CarrierCommand),
    /// Warehouses: the ship-from and return addresses labels need.
    #[command(subcommand)]
    Warehouse(crate::commands::warehouse::WarehouseCommand),
    /// Batches: check the day's orders, buy their labels together, print labels and packing slips in one file.
    #[command(subcommand)]
    Batch(crate::commands::batch::BatchCommand),
    /// Packing-slip templates and print settings (label messages, printer resolution, slip paper).
    #[command(subcommand)]
    Template(crate::commands::template::TemplateCommand),
    /// Automation rules: list, add, edit, move, enable, disable, remove, preview, export, import.
    #[command(subcommand)]
    Rules(crate::commands::rules::RulesCommand),
    /// Customer e-mails: send a test, preview, edit the templates (shipment and delivery confirmations).
    #[command(subcommand)]
    Email(crate::commands::email::EmailCommand),
    /// The account: its name and the address alerts are e-mailed to.
    #[command(subcommand)]
    Account(crate::commands::notify::AccountCommand),
}

#[derive(Debug, Args, Clone, Copy, Default)]
pub struct JsonFlag {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[arg(long)]
    pub port: Option<u16>,
    /// Address to listen on (loopback unless told otherwise).
    #[arg(long)]
    pub bind: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Port of Wharf's HTTP server (0 = any free port).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Port of the Sears sandbox (0 = any free port).
    #[arg(long, default_value_t = 0)]
    pub sears_port: u16,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Random orders beyond the documented showcase set.
    #[arg(long, default_value_t = 40)]
    pub orders: usize,
    /// A new order arrives in the sandbox every N seconds (0 = none).
    #[arg(long, default_value_t = 60)]
    pub new_order_every: u64,
}

#[derive(Debug, Subcommand)]
pub enum SearsCommand {
    /// Print a Sears document (PO response of any version, ASN, cancel, processing report, api-response...)
    /// as JSON; exits non-zero naming the line and element that is wrong.
    Decode { file: PathBuf },
    /// Verify Sears credentials with a real call and say what was found.
    Check(SearsCredentialArgs),
}

#[derive(Debug, Args)]
pub struct SearsCredentialArgs {
    /// The Sears Seller Portal login e-mail.
    #[arg(long)]
    pub email: String,
    /// The seller ID (Seller Portal > Account Profile).
    #[arg(long)]
    pub seller_id: String,
    /// The API authorization key (Seller Portal > Account Info); also read from WHARF_SEARS_AUTH_KEY.
    #[arg(long, env = "WHARF_SEARS_AUTH_KEY", hide_env_values = true)]
    pub auth_key: String,
    /// Sears's address (production by default; a sandbox's URL for testing).
    #[arg(long)]
    pub base_url: Option<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
pub struct SearsSandboxArgs {
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    #[arg(long, default_value_t = 40)]
    pub orders: usize,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Connect a marketplace store (credentials are verified with Sears before anything is saved).
    #[command(subcommand)]
    Connect(ConnectCommand),
    List(JsonFlag),
    Show {
        /// Store id or name.
        store: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Change a store's settings.
    Set(StoreSetArgs),
    /// Map a Sears status to a Wharf status (or --remove a mapping).
    MapStatus {
        store: String,
        /// The Sears status exactly as Sears sends it, e.g. "Ready to Invoice".
        sears_status: String,
        /// awaiting_payment, awaiting_shipment, shipped or cancelled.
        #[arg(required_unless_present = "remove")]
        wharf_status: Option<String>,
        #[arg(long)]
        remove: bool,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Map a shipping method the buyer requests on Sears to a carrier, service and package (or --remove one;
    /// --unmapped lists those no row maps).
    MapService(crate::commands::automation::MapServiceArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConnectCommand {
    Sears {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        credentials: SearsCredentialArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

impl From<OnOff> for bool {
    fn from(v: OnOff) -> bool {
        matches!(v, OnOff::On)
    }
}

#[derive(Debug, Args)]
pub struct StoreSetArgs {
    /// Store id or name.
    pub store: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long)]
    pub company_name: Option<String>,
    #[arg(long)]
    pub logo_url: Option<String>,
    /// #RRGGBB
    #[arg(long)]
    pub primary_color: Option<String>,
    /// #RRGGBB
    #[arg(long)]
    pub accent_color: Option<String>,
    #[arg(long)]
    pub contact_email: Option<String>,
    #[arg(long)]
    pub contact_phone: Option<String>,
    #[arg(long)]
    pub reply_to: Option<String>,
    #[arg(long)]
    pub shipment_confirmation: Option<OnOff>,
    #[arg(long)]
    pub delivery_confirmation: Option<OnOff>,
    #[arg(long)]
    pub import_window_days: Option<u32>,
    #[arg(long)]
    pub auto_import: Option<OnOff>,
    #[arg(long)]
    pub import_interval_minutes: Option<u32>,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub command: Option<ImportCommand>,
    /// Import this store (id or name).
    #[arg(long, conflicts_with = "all")]
    pub store: Option<String>,
    /// Import every store.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Past import runs, newest first.
    Runs {
        #[arg(long)]
        store: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Orders Sears returned that were not imported, with the reason.
    Skipped {
        #[arg(long)]
        store: Option<String>,
        #[command(flatten)]
        json: JsonFlag,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// Orders, newest first, filtered by status and store.
    List {
        /// awaiting_payment, awaiting_shipment, on_hold, shipped, cancelled or unmapped.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        store: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// One order: Sears's facts, items, shipments, notifications, notices and history (by id, PO number or key).
    Show {
        /// Order id (ord_…), order number (Sears PO number) or order key.
        id: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    #[command(flatten)]
    Automation(crate::commands::automation::OrdersAutomationCommand),
    #[command(flatten)]
    Shipping(crate::commands::shipping::OrdersShippingCommand),
    #[command(flatten)]
    Notify(crate::commands::notify::OrdersNotifyCommand),
}

#[derive(Debug, Subcommand)]
pub enum ProductCommand {
    /// Import products from a CSV file (columns: sku, name, weight, dimensions, image_url, options,
    /// warehouse_location, tags, upc, customs_…); nothing is saved if any row is wrong.
    Import {
        file: PathBuf,
        #[command(flatten)]
        json: JsonFlag,
    },
    List(JsonFlag),
    Show {
        sku: String,
        #[command(flatten)]
        json: JsonFlag,
    },
    /// Create or change a product.
    Set(ProductSetArgs),
}

#[derive(Debug, Args)]
pub struct ProductSetArgs {
    pub sku: String,
    #[arg(long)]
    pub name: Option<String>,
    /// e.g. "12 oz", "1.5 lb", "300 g".
    #[arg(long)]
    pub weight: Option<String>,
    /// e.g. "12x8x4 in".
    #[arg(long)]
    pub dimensions: Option<String>,
    #[arg(long)]
    pub image_url: Option<String>,
    /// e.g. "Color=Blue; Size=L".
    #[arg(long)]
    pub options: Option<String>,
    /// Warehouse location (bin), e.g. "A-01-3".
    #[arg(long)]
    pub location: Option<String>,
    /// e.g. "fragile; gift".
    #[arg(long)]
    pub tags: Option<String>,
    #[arg(long)]
    pub upc: Option<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}
