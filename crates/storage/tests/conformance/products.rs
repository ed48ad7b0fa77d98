use pretty_assertions::assert_eq;
use rust_decimal::Decimal;
use wharf_domain::Weight;
use wharf_domain::product::{Product, ProductOrigin};
use wharf_domain::sample;
use wharf_storage::{ImportDayWrite, StorageError};

use crate::Db;
use crate::fixtures::*;

fn skus(products: &[Product]) -> Vec<&str> {
    products.iter().map(|p| p.sku.as_str()).collect()
}

pub async fn upsert_products_inserts_then_replaces_by_sku(db: Db) {
    seed(&*db).await;
    let mug = sample::product("MUG-BLUE", 12, "A-1");
    let tee = sample::product("TEE-L", 6, "B-2");
    assert_eq!(db.upsert_products(&account_a(), &[mug.clone(), tee.clone()]).await.unwrap(), (2, 0));

    // A CSV import brings the mug again under a new id, with a new location, and a new cap.
    let mut mug_again = sample::product("MUG-BLUE", 14, "C-3");
    mug_again.product_id = "prd_fromcsv".parse().unwrap();
    mug_again.origin = ProductOrigin::CsvImport;
    mug_again.create_date = at("2026-11-25T00:00:00Z");
    mug_again.modify_date = at("2026-11-25T00:00:00Z");
    let cap = sample::product("CAP", 3, "D-4");
    assert_eq!(db.upsert_products(&account_a(), &[mug_again.clone(), cap.clone()]).await.unwrap(), (1, 1));

    let stored = db.get_product_by_sku(&account_a(), "MUG-BLUE").await.unwrap();
    let expected = Product {
        // Orders refer to the first id, and the product was created when it was first known.
        product_id: "prd_mugblue".parse().unwrap(),
        create_date: at("2026-11-01T00:00:00Z"),
        ..mug_again
    };
    assert_eq!(stored, expected);
    assert_eq!(stored.warehouse_location.as_deref(), Some("C-3"));
    assert_eq!(stored.weight, Some(Weight::ounces(Decimal::from(14))));

    // The same SKU twice in one call: the second replaces the first.
    let mut tee_second = sample::product("TEE-L", 7, "B-9");
    tee_second.product_id = "prd_tee2".parse().unwrap();
    let socks = sample::product("SOCKS", 2, "E-5");
    let mut socks_second = sample::product("SOCKS", 3, "E-6");
    socks_second.product_id = "prd_socks2".parse().unwrap();
    assert_eq!(db.upsert_products(&account_a(), &[tee_second, socks, socks_second]).await.unwrap(), (1, 2));
    let socks = db.get_product_by_sku(&account_a(), "SOCKS").await.unwrap();
    assert_eq!(socks.product_id.as_str(), "prd_socks");
    assert_eq!(socks.warehouse_location.as_deref(), Some("E-6"));
    assert_eq!(skus(&db.list_products(&account_a()).await.unwrap()), ["CAP", "MUG-BLUE", "SOCKS", "TEE-L"]);

    let mut foreign = sample::product("HAT", 1, "F-6");
    foreign.account_id = account_b();
    let refused = db.upsert_products(&account_a(), &[foreign]).await.unwrap_err();
    assert!(matches!(refused, StorageError::InvalidWrite { what: "product", .. }), "{refused:?}");
}

pub async fn products_by_skus_and_listing(db: Db) {
    seed(&*db).await;
    let products =
        [sample::product("TEE-L", 6, "B-2"), sample::product("MUG-BLUE", 12, "A-1"), sample::product("CAP", 3, "D-4")];
    db.upsert_products(&account_a(), &products).await.unwrap();

    let wanted = ["TEE-L".to_string(), "UNKNOWN".to_string(), "MUG-BLUE".to_string()];
    let found = db.products_by_skus(&account_a(), &wanted).await.unwrap();
    assert_eq!(found, vec![products[1].clone(), products[0].clone()]);
    assert_eq!(db.products_by_skus(&account_a(), &[]).await.unwrap(), vec![]);
    assert_eq!(skus(&db.list_products(&account_a()).await.unwrap()), ["CAP", "MUG-BLUE", "TEE-L"]);
    assert_eq!(db.get_product_by_sku(&account_a(), "CAP").await.unwrap(), products[2]);
    let missing = db.get_product_by_sku(&account_a(), "cap").await.unwrap_err();
    match missing {
        StorageError::NotFound { what, key } => {
            assert_eq!(what, "product with SKU");
            assert_eq!(key, "cap");
        }
        other => panic!("expected no product, got {other:?}"),
    }
}

pub async fn import_day_products_never_overwrite_the_catalog(db: Db) {
    seed(&*db).await;
    let known = sample::product("MUG-BLUE", 12, "A-1");
    db.upsert_products(&account_a(), std::slice::from_ref(&known)).await.unwrap();

    // The import met both SKUs on orders and made name-only products for them.
    let met = |sku: &str, id: &str| {
        let mut p = sample::product(sku, 0, "");
        p.product_id = id.parse().unwrap();
        p.weight = None;
        p.warehouse_location = None;
        p.image_url = None;
        p.options = vec![];
        p.origin = ProductOrigin::Import;
        p
    };
    let write = ImportDayWrite {
        new_products: vec![met("MUG-BLUE", "prd_imported1"), met("TEE-L", "prd_imported2")],
        ..Default::default()
    };
    db.write_import_day(&account_a(), &store_a(), write).await.unwrap();

    assert_eq!(db.get_product_by_sku(&account_a(), "MUG-BLUE").await.unwrap(), known);
    let tee = db.get_product_by_sku(&account_a(), "TEE-L").await.unwrap();
    assert_eq!(tee, met("TEE-L", "prd_imported2"));
    assert!(tee.is_incomplete());
}

pub async fn products_are_scoped_by_account(db: Db) {
    seed(&*db).await;
    seed_b(&*db).await;
    db.upsert_products(&account_a(), &[sample::product("MUG-BLUE", 12, "A-1")]).await.unwrap();
    let mut theirs = sample::product("MUG-BLUE", 20, "Z-9");
    theirs.product_id = "prd_bmug".parse().unwrap();
    theirs.account_id = account_b();
    // The same SKU in another account is another product.
    assert_eq!(db.upsert_products(&account_b(), std::slice::from_ref(&theirs)).await.unwrap(), (1, 0));

    assert_eq!(db.get_product_by_sku(&account_b(), "MUG-BLUE").await.unwrap(), theirs);
    let mine = db.get_product_by_sku(&account_a(), "MUG-BLUE").await.unwrap();
    assert_eq!(mine.warehouse_location.as_deref(), Some("A-1"));
    assert_eq!(db.list_products(&account_b()).await.unwrap(), vec![theirs.clone()]);
    assert_eq!(db.products_by_skus(&account_b(), &["MUG-BLUE".to_string()]).await.unwrap(), vec![theirs]);
}
