//! Pick lists: lines summed over orders by location and SKU, in walking order.

mod common;

use common::{PdfFile, assert_contains_all, squash};
use wharf_documents::{ItemOption, PickItem, PickList, PickOrder, render_pick_list_pdf};

fn item(sku: &str, name: &str, quantity: u32, location: Option<&str>) -> PickItem {
    PickItem {
        sku: sku.into(),
        name: name.into(),
        options: vec![ItemOption { name: "Size".into(), value: "M".into() }],
        quantity,
        location: location.map(Into::into),
    }
}

#[test]
fn lines_are_summed_and_sorted_by_location_then_sku() {
    let list = PickList {
        title: "Batch 2025-03-14 #3".into(),
        subtitle: Some("Printed by Ana Ñúñez".into()),
        orders: vec![
            PickOrder {
                order_number: "1001".into(),
                items: vec![item("MUG-10", "Mug, blue", 2, Some("A-10")), item("TEE-1", "Tee, crème", 1, Some("A-2"))],
            },
            PickOrder {
                order_number: "1002".into(),
                items: vec![item("MUG-10", "Mug, blue", 3, Some("A-10")), item("CANDLE", "Candle", 4, None)],
            },
            PickOrder {
                order_number: "1003".into(),
                items: vec![item("MUG-9", "Mug, red", 1, Some("A-10")), item("MUG-10", "Mug, blue", 1, Some("B-1"))],
            },
        ],
    };
    let pdf = PdfFile::new(&render_pick_list_pdf(&list).unwrap());
    assert_eq!(pdf.pages(), 1);
    assert_eq!(pdf.page_size(1), (612.0, 792.0));
    let text = pdf.text(1);
    assert_contains_all(
        &text,
        &[
            "Batch 2025-03-14 #3",
            "Printed by Ana Ñúñez",
            "3 orders · 5 lines · 12 units",
            "Location SKU Item Qty Orders",
        ],
    );
    // One row per (location, SKU): location, SKU, name, options, quantity, order count.
    let rows = [
        "A-2 TEE-1 Tee, crème Size: M 1 1",
        "A-10 MUG-9 Mug, red Size: M 1 1",
        "A-10 MUG-10 Mug, blue Size: M 5 2",
        "B-1 MUG-10 Mug, blue Size: M 1 1",
        "— CANDLE Candle Size: M 4 1",
    ];
    let squashed = squash(&pdf.raw_text(1));
    let mut from = 0;
    for row in rows {
        let at = squashed[from..].find(row).unwrap_or_else(|| panic!("{row:?} missing or out of order in:\n{text}"));
        from += at + row.len();
    }
}

#[test]
fn long_pick_lists_repeat_the_table_header_on_every_page() {
    let list = PickList {
        title: "Big batch".into(),
        subtitle: None,
        orders: (0..150)
            .map(|n| PickOrder {
                order_number: format!("{n}"),
                items: vec![item(&format!("SKU-{n:03}"), "Part", 1, Some(&format!("S-{n:03}")))],
            })
            .collect(),
    };
    let pdf = PdfFile::new(&render_pick_list_pdf(&list).unwrap());
    let pages = pdf.pages();
    assert!(pages >= 3, "{pages}");
    let mut found = 0;
    for page in 1..=pages {
        let text = squash(&pdf.text(page));
        assert!(text.contains("Location SKU Item Qty Orders"), "page {page}: {text}");
        assert!(text.contains(&format!("Page {page} of {pages}")), "page {page}: {text}");
        found += (0..150).filter(|n| text.contains(&format!("SKU-{n:03}"))).count();
    }
    assert_eq!(found, 150);
}
