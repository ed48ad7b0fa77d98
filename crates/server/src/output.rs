//! Printing results: JSON for scripts (`--json`), plain tables for people.

use comfy_table::Table;
use comfy_table::presets::NOTHING;
use serde::Serialize;

pub fn print_json<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// A borderless table with a header row.
pub fn table<const N: usize>(header: [&str; N]) -> Table {
    let mut table = Table::new();
    table.load_style(NOTHING).set_header(header);
    table
}

pub fn or_dash(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

/// A timestamp as the seller reads it: US Central, to the minute.
pub fn central(at: jiff::Timestamp) -> String {
    at.to_zoned_datetime(wharf_domain::sears_time::central()).strftime("%Y-%m-%d %H:%M %Z").to_string()
}
