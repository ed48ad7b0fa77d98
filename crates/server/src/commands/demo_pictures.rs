//! `wharf demo`'s product pictures: a tiny image server on a loopback port serving a thumbnail per SKU (and a
//! store logo), and the catalog and store branding pointed at it, so the demo's packing slips show pictures,
//! shelves and a logo like a real seller's. Sears sends no pictures; a seller's catalog would hold their own.

use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use wharf_app::App;
use wharf_domain::store::Store as SalesStore;
use wharf_domain::{AccountId, StoreId};

/// Every demo picture URL has this path, so a later demo (on another port) can recognise and repoint them.
const PREFIX: &str = "/wharf-demo-pictures/";

/// A stable number for a SKU (FNV-1a), to pick colours and shelves.
fn hash(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// A 96x96 thumbnail: a light background and a coloured rounded "product" with a shadow, its colour from the SKU.
fn thumbnail(sku: &str) -> Vec<u8> {
    let h = hash(sku);
    let colour = [(h >> 16) as u8 / 2 + 64, (h >> 8) as u8 / 2 + 64, h as u8 / 2 + 64];
    let size = 96u32;
    let mut pixels = Vec::with_capacity((size * size * 3) as usize);
    for y in 0..size {
        for x in 0..size {
            let (dx, dy) = (x.abs_diff(48), y.abs_diff(46));
            let inside = dx.max(dy) < 28 || (dx < 34 && dy < 22);
            let shadow = y > 76 && y < 82 && x.abs_diff(48) < 30;
            let pixel = if inside {
                colour
            } else if shadow {
                [200, 200, 200]
            } else {
                [246, 246, 244]
            };
            pixels.extend_from_slice(&pixel);
        }
    }
    encode(size, size, &pixels)
}

/// A 360x120 wordmark-like logo: a green band with a white square.
fn logo() -> Vec<u8> {
    let (w, h) = (360u32, 120u32);
    let mut pixels = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            let mark = (20..100).contains(&x) && (20..100).contains(&y);
            pixels.extend_from_slice(if mark { &[255, 255, 255] } else { &[11, 110, 79] });
        }
    }
    encode(w, h, &pixels)
}

fn encode(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("encoding a PNG in memory cannot fail");
    writer.write_image_data(rgb).expect("the pixel buffer matches the header");
    writer.finish().expect("encoding a PNG in memory cannot fail");
    out
}

async fn picture(Path(name): Path<String>) -> Response {
    let body = match name.strip_suffix(".png") {
        Some("logo") => logo(),
        Some(sku) if !sku.is_empty() => thumbnail(sku),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CONTENT_TYPE, "image/png")], body).into_response()
}

/// The running picture server.
pub struct DemoPictures {
    pub base_url: String,
}

impl DemoPictures {
    pub fn url(&self, name: &str) -> String {
        format!(
            "{}{PREFIX}{}.png",
            self.base_url,
            url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        )
    }
}

/// Serves the pictures on a free loopback port until the process ends.
pub async fn start() -> anyhow::Result<DemoPictures> {
    let app = Router::new().route(&format!("{PREFIX}{{name}}"), axum::routing::get(picture));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!(error = %e, "the demo's picture server stopped");
        }
    });
    Ok(DemoPictures { base_url })
}

/// A shelf for a SKU: aisle A-F, bay 1-12.
fn shelf(sku: &str) -> String {
    let h = hash(sku);
    format!("{}-{}", (b'A' + (h % 6) as u8) as char, (h / 6) % 12 + 1)
}

/// Gives the store the demo logo and a company name (unless the seller set their own).
pub async fn brand_store(
    app: &App,
    account: &AccountId,
    store: &StoreId,
    pictures: &DemoPictures,
) -> anyhow::Result<SalesStore> {
    // Read afresh: the demo's automation has just changed the store's settings.
    let mut store = app.store.get_store(account, store).await?;
    let brand = &mut store.settings.branding;
    if brand.logo_url.as_deref().is_none_or(|u| u.contains(PREFIX)) {
        brand.logo_url = Some(pictures.url("logo"));
    }
    brand.company_name.get_or_insert_with(|| "Harbor Goods (demo)".into());
    // The logo's green.
    brand.primary_color.get_or_insert_with(|| "#0b6e4f".into());
    brand.contact_email.get_or_insert_with(|| "help@harborgoods.example".into());
    Ok(wharf_app::stores::save_store(app, store).await?)
}

/// Every few seconds, gives the catalog's products a demo picture and shelf when they have none (new SKUs
/// arrive with new orders), and repoints pictures of an earlier demo run to this run's server.
pub fn spawn_catalog_pictures(app: App, account: AccountId, pictures: DemoPictures, every: Duration) {
    tokio::spawn(async move {
        loop {
            match app.store.list_products(&account).await {
                Ok(products) => {
                    for mut product in products {
                        let stale = product
                            .image_url
                            .as_deref()
                            .is_some_and(|u| u.contains(PREFIX) && !u.starts_with(&pictures.base_url));
                        let changed = product.image_url.is_none() || stale || product.warehouse_location.is_none();
                        if !changed {
                            continue;
                        }
                        if product.image_url.is_none() || stale {
                            product.image_url = Some(pictures.url(&product.sku));
                        }
                        product.warehouse_location.get_or_insert_with(|| shelf(&product.sku));
                        if let Err(e) = wharf_app::products::save_product(&app, &account, product).await {
                            tracing::warn!(error = %e, "the demo could not give a product its picture");
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "the demo could not read the catalog"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_pngs_and_shelves_are_stable() {
        assert!(thumbnail("KTCH-BLND-600W-BLK").starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(logo().starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(shelf("KTCH-BLND-600W-BLK"), shelf("KTCH-BLND-600W-BLK"));
        let pictures = DemoPictures { base_url: "http://127.0.0.1:4000".into() };
        assert_eq!(pictures.url("A B/C"), "http://127.0.0.1:4000/wharf-demo-pictures/A+B%2FC.png");
    }
}
