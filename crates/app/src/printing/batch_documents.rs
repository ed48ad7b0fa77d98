//! A batch's documents: one merged PDF (each order's label(s) followed by its packing slip), or the labels
//! as one ZPL stream with the packing slips as a separate PDF; the pick list; template previews.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use serde::Serialize;
use wharf_documents::{
    BatchEntry, BatchOptions, BatchSortKey, Dpi, PickList, SlipPageSize, SlipTemplate, render_batch_pdf_each,
    render_batch_slips_pdf_each, render_batch_zpl, render_pick_list_pdf, render_slip_pdf, sample_slip_data,
    sort_batch_with,
};
use wharf_domain::history::Actor;
use wharf_domain::product::Product;
use wharf_domain::shipment::{Shipment, ShipmentState};
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{AccountId, BatchId, Order, OrderId, ShipmentId, StoreId};
use wharf_storage::batches::{Batch, BatchOrder, OrderResult};

use super::images::{ImageCache, ImageLimits};
use super::settings::{NOTICE_SLIP_TEMPLATE_MISSING, PrintSetup, named_slip_template};
use super::slips::{branding, document_label, packing_slip, pick_order, printed_items, service_name};
use crate::notify::orders::{order_write, set_notice};
use crate::{App, AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintFormat {
    Pdf,
    Zpl,
}

/// How to print a batch; unset values come from the print settings.
#[derive(Debug, Clone, Copy)]
pub struct PrintOptions {
    pub format: PrintFormat,
    pub sort: BatchSortKey,
    pub dpi: Option<Dpi>,
    pub slip_size: Option<SlipPageSize>,
}

/// An order that is not in the printed file, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeftOut {
    pub order_id: OrderId,
    pub order_number: String,
    pub reason: String,
}

/// What was printed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrintedBatch {
    #[serde(skip)]
    pub labels_file: Vec<u8>,
    /// With ZPL: the packing slips, as a PDF.
    #[serde(skip)]
    pub slips_pdf: Option<Vec<u8>>,
    pub format: PrintFormat,
    /// Order numbers in print order.
    pub orders: Vec<String>,
    pub labels: usize,
    pub left_out: Vec<LeftOut>,
    /// Things the seller should know (a template not used, images that could not be fetched...).
    pub notes: Vec<String>,
}

/// Orders with what printing them needs, loaded once for a batch.
struct Loaded {
    orders: Vec<Order>,
    stores: HashMap<StoreId, SalesStore>,
    setups: HashMap<StoreId, PrintSetup>,
    catalog: HashMap<String, Product>,
    shipments: HashMap<OrderId, Shipment>,
}

pub fn image_cache(app: &App) -> ImageCache {
    ImageCache::new(app.data_dir().join("images"), ImageLimits::default())
}

async fn load(app: &App, account: &AccountId, members: &[&BatchOrder]) -> AppResult<Loaded> {
    let mut orders = Vec::with_capacity(members.len());
    for member in members {
        orders.push(app.store.get_order(account, &member.order_id).await?);
    }
    let mut stores = HashMap::new();
    let mut setups = HashMap::new();
    for store_id in orders.iter().map(|o| &o.store_id).collect::<BTreeSet<_>>() {
        let store = app.store.get_store(account, store_id).await?;
        setups.insert(store_id.clone(), PrintSetup::load(app, account, Some(store_id)).await?);
        stores.insert(store_id.clone(), store);
    }
    let skus: Vec<String> = orders
        .iter()
        .flat_map(|o| o.items.iter().map(|i| i.sku.clone()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let catalog = app.store.products_by_skus(account, &skus).await?.into_iter().map(|p| (p.sku.clone(), p)).collect();
    let ids: Vec<OrderId> = orders.iter().map(|o| o.order_id.clone()).collect();
    let wanted: HashMap<&OrderId, Option<&ShipmentId>> =
        members.iter().map(|m| (&m.order_id, m.shipment_id.as_ref())).collect();
    let mut shipments = HashMap::new();
    for shipment in app.store.shipments_for_orders(account, &ids).await? {
        let chosen = match wanted.get(&shipment.order_id) {
            Some(Some(id)) => *id == &shipment.shipment_id,
            _ => shipment.state == ShipmentState::Active && !shipment.test_label,
        };
        if chosen {
            shipments.insert(shipment.order_id.clone(), shipment);
        }
    }
    Ok(Loaded { orders, stores, setups, catalog, shipments })
}

/// The template, resolution and paper the batch prints with: the batch store's settings (or the account's
/// when the batch spans stores that disagree, which is noted).
async fn batch_setup(
    app: &App,
    account: &AccountId,
    batch: &Batch,
    loaded: &Loaded,
    notes: &mut Vec<String>,
) -> AppResult<PrintSetup> {
    let store_ids: BTreeSet<&StoreId> = loaded.orders.iter().map(|o| &o.store_id).collect();
    let single = match (&batch.store_id, store_ids.len()) {
        (Some(store), _) => Some(store.clone()),
        (None, 1) => store_ids.first().map(|s| (*s).clone()),
        _ => None,
    };
    if let Some(store) = single {
        return PrintSetup::load(app, account, Some(&store)).await;
    }
    let setup = PrintSetup::load(app, account, None).await?;
    let differing: Vec<String> = loaded
        .setups
        .iter()
        .filter(|(_, s)| s.template.source() != setup.template.source())
        .filter_map(|(id, _)| loaded.stores.get(id).map(|s| s.store_name.clone()))
        .collect();
    if !differing.is_empty() {
        notes.push(format!(
            "the batch holds orders of several stores, so every slip uses the account's template; the own templates \
             of {} were not used (make one batch per store to use them)",
            differing.join(", ")
        ));
    }
    Ok(setup)
}

fn image_urls(loaded: &Loaded) -> Vec<String> {
    let mut urls: Vec<String> = loaded
        .orders
        .iter()
        .flat_map(|o| printed_items(o, &loaded.catalog).into_iter().filter_map(|p| p.image_url.map(str::to_owned)))
        .collect();
    urls.extend(
        loaded.stores.values().filter_map(|s| s.settings.branding.logo_url.as_deref().map(|u| u.trim().to_owned())),
    );
    urls
}

/// Renders the batch's bought labels with their packing slips, in `options.sort` order.
pub async fn print_batch(
    app: &App,
    account: &AccountId,
    batch: &BatchId,
    options: PrintOptions,
) -> AppResult<PrintedBatch> {
    let batch =
        app.store.get_batch(account, batch).await.map_err(|e| AppError::from_storage(e, "see `wharf batch list`"))?;
    let members = app.store.batch_orders(account, &batch.batch_id).await?;
    let bought: Vec<&BatchOrder> = members.iter().filter(|m| m.result == OrderResult::Bought).collect();
    if bought.is_empty() {
        return Err(AppError::InvalidInput(format!(
            "batch #{} has no bought label to print yet ({} orders: {} pending, {} with problems, {} failed); run \
             `wharf batch process {}` first",
            batch.number,
            batch.counts.total,
            batch.counts.pending,
            batch.counts.invalid,
            batch.counts.failed,
            batch.number
        )));
    }
    let loaded = load(app, account, &bought).await?;
    let mut notes = Vec::new();
    let setup = batch_setup(app, account, &batch, &loaded, &mut notes).await?;
    let urls = image_urls(&loaded);
    let images = image_cache(app).get_all(urls.iter().map(String::as_str), app.now()).await;
    let missing: BTreeSet<&String> = urls.iter().filter(|u| !images.contains_key(*u)).collect();
    if !missing.is_empty() {
        notes.push(format!(
            "{} image(s) could not be fetched and print as placeholders (see the log for why)",
            missing.len()
        ));
    }

    let mut entries = Vec::with_capacity(loaded.orders.len());
    let mut left_out = Vec::new();
    // Named templates chosen by automation: found, missing (None), or unusable (the reason).
    let mut named: HashMap<String, Result<Option<SlipTemplate>, String>> = HashMap::new();
    let mut unused_names = BTreeSet::new();
    let stored_labels = {
        let ids: Vec<ShipmentId> = loaded.shipments.values().map(|s| s.shipment_id.clone()).collect();
        app.store.shipment_labels(account, &ids).await?
    };
    for order in &loaded.orders {
        let store = &loaded.stores[&order.store_id];
        let store_setup = &loaded.setups[&order.store_id];
        let leave = |reason: String| LeftOut {
            order_id: order.order_id.clone(),
            order_number: order.order_number.clone(),
            reason,
        };
        let Some(shipment) = loaded.shipments.get(&order.order_id) else {
            left_out.push(leave("its shipment is not found (voided since?); see `wharf orders show`".into()));
            continue;
        };
        if shipment.state != ShipmentState::Active {
            left_out.push(leave(format!("its shipment is {:?}, not active", shipment.state).to_lowercase()));
            continue;
        }
        let messages = store_setup.label_messages.render(order, &store.store_name);
        let mut labels = Vec::new();
        let mut problem = None;
        for package in &shipment.packages {
            let file = stored_labels
                .iter()
                .find(|l| l.shipment_id == shipment.shipment_id && l.sequence == package.sequence)
                .map(|l| &l.label);
            match file.map(|f| document_label(f, &messages)) {
                Some(Ok(label)) => labels.push(label),
                Some(Err(e)) => problem = Some(e.to_string()),
                None => problem = Some(format!("package {} has no stored label", package.sequence)),
            }
        }
        if let Some(problem) = problem {
            left_out.push(leave(problem));
            continue;
        }
        let items = printed_items(order, &loaded.catalog);
        let slip = packing_slip(
            order,
            &items,
            branding(store, store_setup.slip_footer.as_deref(), &images),
            service_name(order, Some(shipment)),
            &images,
        );
        let template = match chosen_template(order) {
            None => setup.template.clone(),
            Some(name) => {
                if !named.contains_key(name) {
                    let found = named_slip_template(app, account, name).await.map_err(|e| e.to_string());
                    named.insert(name.to_owned(), found);
                }
                match &named[name] {
                    Ok(Some(template)) => template.clone(),
                    Ok(None) | Err(_) => {
                        unused_names.insert(name.to_owned());
                        setup.template.clone()
                    }
                }
            }
        };
        entries.push((BatchEntry { labels, slip }, template));
    }
    if !unused_names.is_empty() {
        notes.push(format!(
            "the packing-slip template(s) {} chosen by automation do not exist (or no longer parse), so those \
             orders' slips use the store's template; create them with `wharf template set FILE --name NAME`",
            unused_names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
        ));
    }
    let printed: Vec<&Order> =
        loaded.orders.iter().filter(|o| !left_out.iter().any(|l| l.order_id == o.order_id)).collect();
    note_missing_templates(app, &printed, &named).await;
    sort_batch_with(&mut entries, options.sort);
    let (entries, templates): (Vec<BatchEntry>, Vec<SlipTemplate>) = entries.into_iter().unzip();
    let dpi = options.dpi.unwrap_or(setup.dpi);
    let slip_size = options.slip_size.unwrap_or(setup.slip_size);
    let format = options.format;
    let rendered = tokio::task::spawn_blocking(move || -> Result<_, wharf_documents::DocumentError> {
        let labels: usize = entries.iter().map(|e| e.labels.len()).sum();
        let orders: Vec<String> = entries.iter().map(|e| e.slip.order_number.clone()).collect();
        let templates: Vec<&SlipTemplate> = templates.iter().collect();
        let (main, slips) = match format {
            PrintFormat::Pdf => (
                render_batch_pdf_each(&entries, &templates, &BatchOptions { dpi, slip_size, include_slips: true })?,
                None,
            ),
            PrintFormat::Zpl => (
                render_batch_zpl(&entries, dpi)?.into_bytes(),
                Some(render_batch_slips_pdf_each(&entries, &templates, slip_size)?),
            ),
        };
        Ok((main, slips, labels, orders))
    })
    .await
    .map_err(|e| AppError::Io(format!("rendering the batch stopped: {e}")))?
    .map_err(|e| AppError::InvalidInput(e.to_string()))?;
    let (labels_file, slips_pdf, labels, orders) = rendered;
    Ok(PrintedBatch { labels_file, slips_pdf, format, orders, labels, left_out, notes })
}

/// The packing-slip template automation chose for `order`, if any.
fn chosen_template(order: &Order) -> Option<&str> {
    order.advanced_options.packing_slip_template.as_deref().map(str::trim).filter(|n| !n.is_empty())
}

/// Tells each printed order whose chosen template was not used why (an order notice), and clears the notice
/// from orders whose template is back. A failed write is logged: it never stops printing.
async fn note_missing_templates(
    app: &App,
    orders: &[&Order],
    named: &HashMap<String, Result<Option<SlipTemplate>, String>>,
) {
    let now = app.now();
    for &order in orders {
        let notice = chosen_template(order).and_then(|name| match named.get(name) {
            Some(Ok(None)) => Some(format!(
                "The packing-slip template '{name}' chosen by automation does not exist, so the slip was printed \
                 with the store's template; create it with `wharf template set FILE --name {name}` or change the rule"
            )),
            Some(Err(reason)) => Some(format!(
                "The packing-slip template '{name}' chosen by automation could not be used ({reason}), so the slip \
                 was printed with the store's template; save it again with `wharf template set FILE --name {name}`"
            )),
            _ => None,
        });
        let mut after = order.clone();
        set_notice(&mut after, NOTICE_SLIP_TEMPLATE_MISSING, notice, now);
        let Some(write) = order_write(order, after, Actor::System, Some("packing slip printed"), now) else { continue };
        if let Err(e) = app.store.update_order(&write).await {
            tracing::warn!(error = %e, order = %order.order_id, "the packing-slip template notice was not saved");
        }
    }
}

/// The batch's pick list (every order still in the batch, bought or not): what to take from which shelf.
pub async fn pick_list(app: &App, account: &AccountId, batch: &BatchId) -> AppResult<Vec<u8>> {
    let batch =
        app.store.get_batch(account, batch).await.map_err(|e| AppError::from_storage(e, "see `wharf batch list`"))?;
    let members = app.store.batch_orders(account, &batch.batch_id).await?;
    let kept: Vec<&BatchOrder> = members.iter().filter(|m| m.result != OrderResult::Removed).collect();
    let loaded = load(app, account, &kept).await?;
    let list = PickList {
        title: format!("Pick list — batch #{}", batch.number),
        subtitle: Some(format!("created {}", central_minute(batch.created_at))),
        orders: loaded.orders.iter().map(|o| pick_order(o, &printed_items(o, &loaded.catalog))).collect(),
    };
    tokio::task::spawn_blocking(move || render_pick_list_pdf(&list))
        .await
        .map_err(|e| AppError::Io(format!("rendering the pick list stopped: {e}")))?
        .map_err(|e| AppError::InvalidInput(e.to_string()))
}

fn central_minute(at: Timestamp) -> String {
    at.to_zoned_datetime(wharf_domain::sears_time::central()).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// A packing slip of sample data (every feature a template can show) rendered with `template` (or the
/// saved one), in `store`'s branding when given.
pub async fn preview_slip(
    app: &App,
    account: &AccountId,
    store: Option<&SalesStore>,
    template: Option<&str>,
    size: Option<SlipPageSize>,
) -> AppResult<Vec<u8>> {
    let setup = PrintSetup::load(app, account, store.map(|s| &s.store_id)).await?;
    let template = match template {
        Some(source) => super::settings::parse_template(source)?,
        None => setup.template.clone(),
    };
    let mut slip = sample_slip_data();
    if let Some(store) = store {
        let logo: Vec<String> = store.settings.branding.logo_url.iter().map(|u| u.trim().to_owned()).collect();
        let images = image_cache(app).get_all(logo.iter().map(String::as_str), app.now()).await;
        let mut brand = branding(store, setup.slip_footer.as_deref(), &images);
        // The sample's logo stands in for a store without one, so the preview shows where it goes.
        if brand.logo.is_none() {
            brand.logo = slip.branding.logo.clone();
        }
        slip.branding = brand;
    } else if let Some(footer) = &setup.slip_footer {
        slip.branding.footer = Some(footer.clone());
    }
    let size = size.unwrap_or(setup.slip_size);
    tokio::task::spawn_blocking(move || render_slip_pdf(&slip, &template, size))
        .await
        .map_err(|e| AppError::Io(format!("rendering the preview stopped: {e}")))?
        .map_err(|e| AppError::InvalidInput(e.to_string()))
}
