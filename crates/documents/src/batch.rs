//! Batch files: every order's label page(s) followed by its packing slip, in one PDF; or all
//! labels as one ZPL stream with the slips as a separate PDF.

use std::cmp::Ordering;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::canvas::{Page, write_pdf_chunks};
use crate::error::DocumentError;
use crate::label::{Dpi, Label, label_pages};
use crate::natural_order::natural_cmp;
use crate::slip::{PackingSlip, SlipPageSize};
use crate::template::{PictureCache, SlipTemplate, decode_pictures, slip_pages};
use crate::zpl::render_label_zpl;

/// One order of a batch: its label(s), one per package, and its packing slip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchEntry {
    pub labels: Vec<Label>,
    pub slip: PackingSlip,
}

/// Print orders of a batch (the seller's label print setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchSortKey {
    OrderDate,
    /// The SKU of the order's first item.
    Sku,
    /// The warehouse location of the order's first item; orders without one come last.
    WarehouseLocation,
    OrderNumber,
}

/// Sorts `entries` by `key`, stably: entries that compare equal keep their order. Codes compare
/// in natural order ("A-2" before "A-10").
pub fn sort_batch(entries: &mut [BatchEntry], key: BatchSortKey) {
    sort_entries(entries, |e| e, key);
}

/// [`sort_batch`] for entries that carry something along (e.g. the packing-slip template of each order).
pub fn sort_batch_with<T>(entries: &mut [(BatchEntry, T)], key: BatchSortKey) {
    sort_entries(entries, |(e, _)| e, key);
}

fn sort_entries<T>(items: &mut [T], entry: impl Fn(&T) -> &BatchEntry, key: BatchSortKey) {
    fn first_item<'a>(
        entry: &'a BatchEntry,
        field: fn(&'a crate::slip::SlipItem) -> Option<&'a str>,
    ) -> Option<&'a str> {
        entry.slip.items.first().and_then(field).map(str::trim).filter(|s| !s.is_empty())
    }
    fn missing_last(a: Option<&str>, b: Option<&str>) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) => natural_cmp(a, b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    // `sort_by` is a stable sort.
    match key {
        BatchSortKey::OrderDate => items.sort_by_key(|e| entry(e).slip.order_date),
        BatchSortKey::OrderNumber => {
            items.sort_by(|a, b| natural_cmp(&entry(a).slip.order_number, &entry(b).slip.order_number))
        }
        BatchSortKey::Sku => items.sort_by(|a, b| {
            missing_last(first_item(entry(a), |i| Some(&i.sku)), first_item(entry(b), |i| Some(&i.sku)))
        }),
        BatchSortKey::WarehouseLocation => items.sort_by(|a, b| {
            missing_last(
                first_item(entry(a), |i| i.location.as_deref()),
                first_item(entry(b), |i| i.location.as_deref()),
            )
        }),
    }
}

/// How a batch PDF is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchOptions {
    /// The label printer's resolution (drawn labels align their barcodes to its dots).
    pub dpi: Dpi,
    pub slip_size: SlipPageSize,
    /// Put each order's packing slip after its label(s).
    pub include_slips: bool,
}

impl Default for BatchOptions {
    fn default() -> BatchOptions {
        BatchOptions { dpi: Dpi::Dpi203, slip_size: SlipPageSize::FourBySix, include_slips: true }
    }
}

/// Orders per chunk: their pages are laid out in parallel while the previous chunk is written,
/// and only a chunk's decoded images are in memory at once.
const CHUNK: usize = 32;

fn entry_pages(
    entry: &BatchEntry,
    template: &SlipTemplate,
    options: &BatchOptions,
    cache: &PictureCache,
) -> Result<Vec<Page>, DocumentError> {
    let mut pages = Vec::new();
    for label in &entry.labels {
        pages.extend(label_pages(label, options.dpi)?);
    }
    if options.include_slips {
        pages.extend(slip_pages(&entry.slip, template, options.slip_size, cache)?);
    }
    Ok(pages)
}

/// Lays out chunks of `entries` on rayon's pool, one chunk ahead of the PDF writer.
fn render_pipelined(
    entries: &[BatchEntry],
    pages_of: impl Fn(usize, &BatchEntry) -> Result<Vec<Page>, DocumentError> + Sync,
) -> Result<Vec<u8>, DocumentError> {
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel(1);
        let pages_of = &pages_of;
        scope.spawn(move || {
            for (n, chunk) in entries.chunks(CHUNK).enumerate() {
                let pages = chunk
                    .par_iter()
                    .enumerate()
                    .map(|(i, entry)| pages_of(n * CHUNK + i, entry).map_err(|e| e.in_order(&entry.slip.order_number)))
                    .collect::<Result<Vec<Vec<Page>>, _>>()
                    .map(|pages| pages.into_iter().flatten().collect());
                let failed = pages.is_err();
                // The writer stops at the first error and drops the receiver.
                if sender.send(pages).is_err() || failed {
                    break;
                }
            }
        });
        write_pdf_chunks(receiver)
    })
}

/// One PDF with, for each entry in the given order, its label page(s) (4x6) and then its
/// packing slip page(s) (`options.slip_size`). Labels must be images, PDFs or drawn; a batch
/// with carrier ZPL labels is printed with [`render_batch_zpl`].
pub fn render_batch_pdf(
    entries: &[BatchEntry],
    template: &SlipTemplate,
    options: &BatchOptions,
) -> Result<Vec<u8>, DocumentError> {
    render_batch_pdf_each(entries, &vec![template; entries.len()], options)
}

/// [`render_batch_pdf`] with each entry's own packing-slip template: `templates[i]` is entry `i`'s.
pub fn render_batch_pdf_each(
    entries: &[BatchEntry],
    templates: &[&SlipTemplate],
    options: &BatchOptions,
) -> Result<Vec<u8>, DocumentError> {
    assert_eq!(entries.len(), templates.len(), "one template per batch entry");
    let cache =
        if options.include_slips { decode_pictures(entries.iter().map(|e| &e.slip)) } else { PictureCache::new() };
    render_pipelined(entries, |i, entry| entry_pages(entry, templates[i], options, &cache))
}

/// Every label of the batch as ZPL, in order, one `^XA..^XZ` format each (carrier ZPL exactly
/// as received). Print the slips with [`render_batch_slips_pdf`].
pub fn render_batch_zpl(entries: &[BatchEntry], dpi: Dpi) -> Result<String, DocumentError> {
    let labels = entries
        .par_iter()
        .map(|entry| {
            entry
                .labels
                .iter()
                .map(|label| render_label_zpl(label, dpi))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.in_order(&entry.slip.order_number))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut zpl = String::new();
    for label in labels.into_iter().flatten() {
        zpl.push_str(&label);
        if !zpl.ends_with('\n') {
            zpl.push('\n');
        }
    }
    Ok(zpl)
}

/// The packing slips of a batch, in order, as one PDF (to go with [`render_batch_zpl`]).
pub fn render_batch_slips_pdf(
    entries: &[BatchEntry],
    template: &SlipTemplate,
    size: SlipPageSize,
) -> Result<Vec<u8>, DocumentError> {
    render_batch_slips_pdf_each(entries, &vec![template; entries.len()], size)
}

/// [`render_batch_slips_pdf`] with each entry's own template: `templates[i]` is entry `i`'s.
pub fn render_batch_slips_pdf_each(
    entries: &[BatchEntry],
    templates: &[&SlipTemplate],
    size: SlipPageSize,
) -> Result<Vec<u8>, DocumentError> {
    assert_eq!(entries.len(), templates.len(), "one template per batch entry");
    let cache = decode_pictures(entries.iter().map(|e| &e.slip));
    render_pipelined(entries, |i, entry| slip_pages(&entry.slip, templates[i], size, &cache))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slip::sample_slip_data;

    fn entry(number: &str, day: i8, sku: &str, location: Option<&str>) -> BatchEntry {
        let mut slip = sample_slip_data();
        slip.order_number = number.into();
        slip.order_date = jiff::civil::date(2025, 3, day);
        slip.items.truncate(1);
        slip.items[0].sku = sku.into();
        slip.items[0].location = location.map(Into::into);
        BatchEntry { labels: vec![], slip }
    }

    fn numbers(entries: &[BatchEntry]) -> Vec<&str> {
        entries.iter().map(|e| e.slip.order_number.as_str()).collect()
    }

    #[test]
    fn sorts_stably_by_each_key() {
        let base = vec![
            entry("1010", 3, "TEE-2", Some("B-1")),
            entry("999", 1, "MUG-10", None),
            entry("1002", 3, "MUG-9", Some("A-10")),
            entry("1001", 2, "MUG-9", Some("A-2")),
        ];
        let sorted = |key| {
            let mut entries = base.clone();
            sort_batch(&mut entries, key);
            numbers(&entries).into_iter().map(String::from).collect::<Vec<_>>()
        };
        assert_eq!(sorted(BatchSortKey::OrderNumber), ["999", "1001", "1002", "1010"]);
        // 1010 and 1002 share a date and keep their order.
        assert_eq!(sorted(BatchSortKey::OrderDate), ["999", "1001", "1010", "1002"]);
        assert_eq!(sorted(BatchSortKey::Sku), ["1002", "1001", "999", "1010"]);
        assert_eq!(sorted(BatchSortKey::WarehouseLocation), ["1001", "1002", "1010", "999"]);
    }

    #[test]
    fn what_an_entry_carries_moves_with_it() {
        let mut entries = vec![(entry("1010", 3, "TEE-2", None), "b"), (entry("999", 1, "MUG-10", None), "a")];
        sort_batch_with(&mut entries, BatchSortKey::OrderNumber);
        let got: Vec<(&str, &str)> = entries.iter().map(|(e, t)| (e.slip.order_number.as_str(), *t)).collect();
        assert_eq!(got, [("999", "a"), ("1010", "b")]);
    }
}
