//! The product catalog: CSV import (all rows checked before any is saved) and single-product edits.

use std::collections::HashSet;
use std::io::Read;

use wharf_domain::product::{CustomsInfo, Product, ProductOrigin, ProductShippingDefaults};
use wharf_domain::{AccountId, Dimensions, ItemOption, Money, ParseError, ProductId, Weight};
use wharf_storage::StorageError;

use crate::{App, AppError, AppResult};

/// The columns `wharf product import` reads; only `sku` is required. Unknown columns are an error (a typo
/// would otherwise silently drop data).
pub const CSV_COLUMNS: &[&str] = &[
    "sku",
    "name",
    "weight",
    "dimensions",
    "image_url",
    "options",
    "warehouse_location",
    "tags",
    "upc",
    "customs_description",
    "customs_value",
    "customs_tariff_code",
    "customs_country_of_origin",
];

/// The outcome of a CSV import.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CsvImport {
    pub inserted: u64,
    pub updated: u64,
}

/// One row's problems, by CSV line.
#[derive(Debug, Clone)]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

/// Reads a product CSV: header row with column names from [`CSV_COLUMNS`]. Every row is checked first; if
/// any is wrong, nothing is saved and every problem is reported with its line.
pub async fn import_csv(app: &App, account: &AccountId, input: impl Read) -> AppResult<CsvImport> {
    let products = parse_csv(app, account, input).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(|e| format!("  line {}: {}", e.line, e.message)).collect();
        AppError::InvalidInput(format!(
            "the CSV has {} problem(s); nothing was imported. Fix them and import again:\n{}",
            errors.len(),
            list.join("\n")
        ))
    })?;
    let existing: Vec<Product> = {
        let skus: Vec<String> = products.iter().map(|p| p.sku.clone()).collect();
        app.store.products_by_skus(account, &skus).await?
    };
    // Keep each product's id and creation date; a CSV describes products, it does not re-create them.
    let products: Vec<Product> = products
        .into_iter()
        .map(|mut p| {
            if let Some(old) = existing.iter().find(|o| o.sku == p.sku) {
                p.product_id = old.product_id.clone();
                p.create_date = old.create_date;
                p.defaults = old.defaults.clone();
            }
            p
        })
        .collect();
    let (inserted, updated) = app.store.upsert_products(account, &products).await?;
    Ok(CsvImport { inserted, updated })
}

fn parse_csv(app: &App, account: &AccountId, input: impl Read) -> Result<Vec<Product>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(input);
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.to_ascii_lowercase()).collect::<Vec<_>>(),
        Err(e) => {
            return Err(vec![RowError { line: 1, message: format!("cannot read the header row: {e}") }]);
        }
    };
    let mut errors = Vec::new();
    for h in &headers {
        if !CSV_COLUMNS.contains(&h.as_str()) {
            errors.push(RowError {
                line: 1,
                message: format!("unknown column '{h}'; the columns are: {}", CSV_COLUMNS.join(", ")),
            });
        }
    }
    if !headers.iter().any(|h| h == "sku") {
        errors.push(RowError { line: 1, message: "the header row needs a 'sku' column".into() });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let now = app.now();
    let mut products = Vec::new();
    let mut seen = HashSet::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(RowError { line, message: e.to_string() });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let get =
            |name: &str| headers.iter().position(|h| h == name).and_then(|i| record.get(i)).filter(|v| !v.is_empty());
        match product_from_row(app, account, &get, now) {
            Ok(p) if !seen.insert(p.sku.clone()) => {
                errors.push(RowError { line, message: format!("SKU '{}' appears twice in the file", p.sku) })
            }
            Ok(p) => products.push(p),
            Err(messages) => errors.extend(messages.into_iter().map(|message| RowError { line, message })),
        }
    }
    if errors.is_empty() { Ok(products) } else { Err(errors) }
}

fn product_from_row<'r>(
    app: &App,
    account: &AccountId,
    get: &dyn Fn(&str) -> Option<&'r str>,
    now: jiff::Timestamp,
) -> Result<Product, Vec<String>> {
    let mut problems = Vec::new();
    let mut note = |e: ParseError| problems.push(e.to_string());
    let sku = get("sku").unwrap_or_default().to_owned();
    if sku.is_empty() {
        note(ParseError::new("sku", "", "every row needs a SKU"));
    }
    let weight = get("weight").and_then(|w| w.parse::<Weight>().map_err(&mut note).ok());
    let dimensions = get("dimensions").and_then(|d| d.parse::<Dimensions>().map_err(&mut note).ok());
    let options = get("options").map(parse_options).transpose().map_err(&mut note).ok().flatten().unwrap_or_default();
    let customs_value = get("customs_value").and_then(|v| {
        v.parse::<Money>().map_err(|_| note(ParseError::new("customs_value", v, "write an amount, e.g. 12.50"))).ok()
    });
    let customs = get("customs_description").map(|description| CustomsInfo {
        description: description.to_owned(),
        value: customs_value,
        harmonized_tariff_code: get("customs_tariff_code").map(str::to_owned),
        country_of_origin: get("customs_country_of_origin").map(str::to_owned),
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Product {
        product_id: ProductId::from_uuid(app.new_uuid()),
        account_id: account.clone(),
        name: get("name").unwrap_or(&sku).to_owned(),
        sku,
        weight,
        dimensions,
        image_url: get("image_url").map(str::to_owned),
        options,
        warehouse_location: get("warehouse_location").map(str::to_owned),
        tags: get("tags").map(split_list).unwrap_or_default(),
        upc: get("upc").map(str::to_owned),
        customs,
        defaults: ProductShippingDefaults::default(),
        origin: ProductOrigin::CsvImport,
        create_date: now,
        modify_date: now,
    })
}

/// `Color=Blue; Size=L` (or `Color: Blue`).
pub fn parse_options(text: &str) -> Result<Vec<ItemOption>, ParseError> {
    split_list(text)
        .into_iter()
        .map(|pair| {
            let (name, value) = pair.split_once('=').or_else(|| pair.split_once(':')).ok_or_else(|| {
                ParseError::new(
                    "options",
                    text,
                    "write options as Name=Value pairs separated by ';', e.g. Color=Blue; Size=L",
                )
            })?;
            Ok(ItemOption { name: name.trim().to_owned(), value: value.trim().to_owned() })
        })
        .collect()
}

/// Items separated by `;` or `|`, blanks dropped.
pub fn split_list(text: &str) -> Vec<String> {
    text.split([';', '|']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

pub async fn find_product(app: &App, account: &AccountId, sku: &str) -> AppResult<Product> {
    app.store.get_product_by_sku(account, sku).await.map_err(|e| match e {
        StorageError::NotFound { .. } => AppError::not_found(
            "product",
            sku,
            "list products with `wharf product list`, or add it with `wharf product set`",
        ),
        other => other.into(),
    })
}

/// Saves one product (created by `wharf product set` when the SKU is new).
pub async fn save_product(app: &App, account: &AccountId, mut product: Product) -> AppResult<Product> {
    product.modify_date = app.now();
    app.store.upsert_products(account, std::slice::from_ref(&product)).await?;
    Ok(product)
}

/// A new, empty product for `sku`, entered by the seller.
pub fn new_product(app: &App, account: &AccountId, sku: &str) -> Product {
    let now = app.now();
    Product {
        product_id: ProductId::from_uuid(app.new_uuid()),
        account_id: account.clone(),
        sku: sku.to_owned(),
        name: sku.to_owned(),
        weight: None,
        dimensions: None,
        image_url: None,
        options: vec![],
        warehouse_location: None,
        tags: vec![],
        upc: None,
        customs: None,
        defaults: ProductShippingDefaults::default(),
        origin: ProductOrigin::Seller,
        create_date: now,
        modify_date: now,
    }
}
