//! `wharf product import|list|show|set`.

use std::process::ExitCode;

use anyhow::Context;
use wharf_app::App;
use wharf_app::products::{self, find_product, parse_options, split_list};
use wharf_domain::product::Product;
use wharf_domain::{Dimensions, Weight};

use crate::cli::{ProductCommand, ProductSetArgs};
use crate::commands::account;
use crate::output::{self, or_dash};

pub async fn run(app: &App, command: ProductCommand) -> anyhow::Result<ExitCode> {
    let account = account(app).await?;
    match command {
        ProductCommand::Import { file, json } => {
            let reader = std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
            let result = products::import_csv(app, &account, reader).await?;
            if json.json {
                output::print_json(&result)?;
            } else {
                println!("{}: {} product(s) added, {} updated.", file.display(), result.inserted, result.updated);
            }
        }
        ProductCommand::List(json) => {
            let list = app.store.list_products(&account).await?;
            if json.json {
                output::print_json(&list)?;
            } else {
                let mut table = output::table(["SKU", "NAME", "WEIGHT", "LOCATION", "OPTIONS", "TAGS"]);
                for p in &list {
                    table.add_row([
                        p.sku.clone(),
                        p.name.clone(),
                        if p.is_incomplete() { "missing".into() } else { or_dash(p.weight) },
                        or_dash(p.warehouse_location.as_ref()),
                        options_text(p),
                        p.tags.join(", "),
                    ]);
                }
                println!("{table}");
                let incomplete = list.iter().filter(|p| p.is_incomplete()).count();
                if incomplete > 0 {
                    println!(
                        "{incomplete} product(s) have no weight yet: set it with `wharf product set SKU --weight \"12 oz\"`."
                    );
                }
            }
        }
        ProductCommand::Show { sku, json } => {
            let product = find_product(app, &account, &sku).await?;
            print_product(&product, json.json)?;
        }
        ProductCommand::Set(args) => {
            let json = args.json.json;
            let product = match app.store.get_product_by_sku(&account, &args.sku).await {
                Ok(p) => p,
                Err(wharf_storage::StorageError::NotFound { .. }) => products::new_product(app, &account, &args.sku),
                Err(e) => return Err(e.into()),
            };
            let product = products::save_product(app, &account, apply(product, args)?).await?;
            print_product(&product, json)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn apply(mut p: Product, args: ProductSetArgs) -> anyhow::Result<Product> {
    let text = |v: String| (!v.trim().is_empty()).then(|| v.trim().to_owned());
    if let Some(v) = args.name {
        p.name = v;
    }
    if let Some(v) = args.weight {
        p.weight = text(v).map(|w| w.parse::<Weight>()).transpose()?;
    }
    if let Some(v) = args.dimensions {
        p.dimensions = text(v).map(|d| d.parse::<Dimensions>()).transpose()?;
    }
    if let Some(v) = args.image_url {
        p.image_url = text(v);
    }
    if let Some(v) = args.options {
        p.options = parse_options(&v)?;
    }
    if let Some(v) = args.location {
        p.warehouse_location = text(v);
    }
    if let Some(v) = args.tags {
        p.tags = split_list(&v);
    }
    if let Some(v) = args.upc {
        p.upc = text(v);
    }
    Ok(p)
}

fn options_text(p: &Product) -> String {
    p.options.iter().map(|o| format!("{}: {}", o.name, o.value)).collect::<Vec<_>>().join(", ")
}

fn print_product(p: &Product, json: bool) -> anyhow::Result<()> {
    if json {
        return output::print_json(p);
    }
    println!("{} ({})", p.sku, p.product_id);
    println!("  name        {}", p.name);
    println!("  weight      {}", or_dash(p.weight));
    println!("  dimensions  {}", or_dash(p.dimensions));
    println!("  image       {}", or_dash(p.image_url.as_ref()));
    println!("  options     {}", options_text(p));
    println!("  location    {}", or_dash(p.warehouse_location.as_ref()));
    println!("  tags        {}", p.tags.join(", "));
    Ok(())
}
