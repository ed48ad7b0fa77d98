//! Batch files: labels and slips merged in order, ZPL streams, and print order.

mod common;

use std::io::Cursor;

use common::{PdfFile, drawn_label, squash};
use image::{DynamicImage, GrayImage, Luma};
use rust_decimal_macros::dec;
use wharf_documents::{
    BatchEntry, BatchOptions, BatchSortKey, CarrierImage, DocumentError, Dpi, Label, LabelMessages, Rotation,
    SharedBytes, SlipItem, SlipPageSize, SlipTemplate, render_batch_pdf, render_batch_slips_pdf, render_batch_zpl,
    render_slip_pdf, sample_slip_data, sort_batch,
};

fn tracking(order: usize, package: usize) -> String {
    format!("1Z999AA1{:010}", order * 10 + package)
}

/// A carrier PNG label (portrait, 4x6 at 203 dpi) with a Code 128 of `data`.
fn carrier_png(data: &str) -> SharedBytes {
    let mut image = GrayImage::from_pixel(812, 1218, Luma([255]));
    let modules = barcoders::sym::code128::Code128::new(format!("Ɓ{data}")).unwrap().encode();
    for (i, &m) in modules.iter().enumerate() {
        if m == 1 {
            for y in 500..700 {
                for dx in 0..2 {
                    image.put_pixel(100 + i as u32 * 2 + dx, y, Luma([0]));
                }
            }
        }
    }
    let mut png = Vec::new();
    DynamicImage::ImageLuma8(image).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    SharedBytes::from(png)
}

/// Order `n` with `packages` labels: drawn labels for even orders, carrier images for odd ones.
/// Order 3 has 40 lines, so its slip takes several letter pages.
fn entry(n: usize, packages: usize) -> BatchEntry {
    let mut slip = sample_slip_data();
    slip.order_number = format!("ORD-{n}");
    if n == 3 {
        let template = slip.items[0].clone();
        slip.items = (0..40).map(|i| SlipItem { sku: format!("BULK-{i:02}"), ..template.clone() }).collect();
    }
    let labels = (1..=packages)
        .map(|package| {
            if n.is_multiple_of(2) {
                let mut label = drawn_label(false);
                label.order_number = slip.order_number.clone();
                label.tracking_number = tracking(n, package);
                Label::Drawn(label)
            } else {
                Label::CarrierImage(CarrierImage {
                    bytes: carrier_png(&tracking(n, package)),
                    rotation: Rotation::Auto,
                    messages: LabelMessages::default(),
                })
            }
        })
        .collect();
    BatchEntry { labels, slip }
}

#[derive(Debug, PartialEq)]
enum Kind {
    Label(String),
    Slip(String),
}

#[test]
fn a_batch_pdf_has_each_orders_labels_then_its_slip_in_order() {
    let entries = vec![entry(0, 1), entry(1, 1), entry(2, 2), entry(3, 1), entry(4, 1)];
    let options = BatchOptions { dpi: Dpi::Dpi203, slip_size: SlipPageSize::Letter, include_slips: true };
    let pdf = PdfFile::new(&render_batch_pdf(&entries, &SlipTemplate::default(), &options).unwrap());
    // Order 3's slip on its own, to know how many pages it takes.
    let long_slip = render_slip_pdf(&entries[3].slip, &SlipTemplate::default(), SlipPageSize::Letter).unwrap();
    let long_pages = PdfFile::new(&long_slip).pages();
    assert!(long_pages >= 2);

    let expected = vec![
        Kind::Label(tracking(0, 1)),
        Kind::Slip("ORD-0".into()),
        Kind::Label(tracking(1, 1)),
        Kind::Slip("ORD-1".into()),
        Kind::Label(tracking(2, 1)),
        Kind::Label(tracking(2, 2)),
        Kind::Slip("ORD-2".into()),
        Kind::Label(tracking(3, 1)),
    ];
    let expected: Vec<Kind> = expected
        .into_iter()
        .chain((0..long_pages).map(|_| Kind::Slip("ORD-3".into())))
        .chain([Kind::Label(tracking(4, 1)), Kind::Slip("ORD-4".into())])
        .collect();
    let mut found = Vec::new();
    for page in 1..=pdf.pages() {
        let text = squash(&pdf.text(page));
        let size = pdf.page_size(page);
        if text.contains("PACKING SLIP") || text.contains("(continued)") {
            assert_eq!(size, (612.0, 792.0), "slip page {page}");
            let order = text.split("Order ").nth(1).unwrap().split_whitespace().next().unwrap().to_owned();
            found.push(Kind::Slip(order));
        } else {
            assert_eq!(size, (288.0, 432.0), "label page {page}");
            let codes = pdf.barcodes(page, 300);
            assert_eq!(codes.len(), 1, "page {page}: {codes:?}");
            found.push(Kind::Label(codes[0].clone()));
        }
    }
    assert_eq!(found, expected);
}

#[test]
fn batches_without_slips_and_with_4x6_slips() {
    let entries = vec![entry(0, 1), entry(1, 1)];
    let labels_only = BatchOptions { dpi: Dpi::Dpi300, slip_size: SlipPageSize::Letter, include_slips: false };
    let pdf = PdfFile::new(&render_batch_pdf(&entries, &SlipTemplate::default(), &labels_only).unwrap());
    assert_eq!(pdf.pages(), 2);
    assert_eq!(pdf.barcodes(1, 300), vec![tracking(0, 1)]);
    assert_eq!(pdf.barcodes(2, 300), vec![tracking(1, 1)]);

    let four_by_six = BatchOptions { dpi: Dpi::Dpi203, slip_size: SlipPageSize::FourBySix, include_slips: true };
    let pdf = PdfFile::new(&render_batch_pdf(&entries, &SlipTemplate::default(), &four_by_six).unwrap());
    for page in 1..=pdf.pages() {
        assert_eq!(pdf.page_size(page), (288.0, 432.0), "page {page}");
    }
    assert!(squash(&pdf.text(2)).contains("PACKING SLIP"));
}

#[test]
fn sorting_decides_the_print_order() {
    let mut entries: Vec<BatchEntry> = [(5, "B-2"), (7, "A-10"), (9, "A-2")]
        .into_iter()
        .map(|(n, location)| {
            let mut e = entry(n, 1);
            e.slip.items.truncate(1);
            e.slip.items[0].location = Some(location.into());
            e
        })
        .collect();
    sort_batch(&mut entries, BatchSortKey::WarehouseLocation);
    let options = BatchOptions { dpi: Dpi::Dpi203, slip_size: SlipPageSize::FourBySix, include_slips: false };
    let pdf = PdfFile::new(&render_batch_pdf(&entries, &SlipTemplate::default(), &options).unwrap());
    let printed: Vec<String> = (1..=3).map(|p| pdf.barcodes(p, 300).remove(0)).collect();
    assert_eq!(printed, vec![tracking(9, 1), tracking(7, 1), tracking(5, 1)]);
}

#[test]
fn zpl_batches_concatenate_labels_and_slips_come_as_their_own_pdf() {
    let carrier_zpl = "^XA^FO40,40^A0N,40^FDFROM THE CARRIER^FS^XZ".to_owned();
    let mut second = entry(2, 1);
    second.labels.push(Label::CarrierZpl(carrier_zpl.clone()));
    let entries = vec![entry(0, 1), second, entry(1, 1)];
    let zpl = render_batch_zpl(&entries, Dpi::Dpi203).unwrap();
    assert_eq!(zpl.matches("^XA").count(), 4);
    assert_eq!(zpl.matches("^XZ").count(), 4);
    let first = zpl.find(&tracking(0, 1)).unwrap();
    let drawn = zpl.find(&tracking(2, 1)).unwrap();
    let carrier = zpl.find(&carrier_zpl).unwrap();
    let image = zpl.find("^GFA").unwrap();
    assert!(first < drawn && drawn < carrier && carrier < image, "labels out of order");

    let slips =
        PdfFile::new(&render_batch_slips_pdf(&entries, &SlipTemplate::default(), SlipPageSize::Letter).unwrap());
    let orders: Vec<bool> = ["ORD-0", "ORD-2", "ORD-1"]
        .iter()
        .enumerate()
        .map(|(i, order)| squash(&slips.text(i + 1)).contains(&format!("Order {order}")))
        .collect();
    assert_eq!(orders, vec![true, true, true]);
}

#[test]
fn a_bad_label_names_its_order() {
    let mut bad = entry(2, 1);
    bad.labels = vec![Label::CarrierZpl("^XA^XZ".into())];
    let entries = vec![entry(0, 1), bad];
    let err = render_batch_pdf(&entries, &SlipTemplate::default(), &BatchOptions::default()).unwrap_err();
    assert!(
        matches!(&err, DocumentError::Order { order_number, source } if order_number == "ORD-2"
            && matches!(**source, DocumentError::ZplLabelInPdf)),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("order ORD-2: "), "{err}");
}

#[test]
fn an_order_of_a_hundred_batch_renders_with_shared_thumbnails() {
    let picture = sample_slip_data().items[0].thumbnail.clone();
    let entries: Vec<BatchEntry> = (0..100)
        .map(|n| {
            let mut e = entry(2 * n, 1);
            e.slip.items = vec![SlipItem {
                sku: format!("S-{n}"),
                name: "Mug".into(),
                options: vec![],
                quantity: 1,
                unit_price: dec!(5),
                location: None,
                thumbnail: picture.clone(),
            }];
            e
        })
        .collect();
    let options = BatchOptions { dpi: Dpi::Dpi203, slip_size: SlipPageSize::FourBySix, include_slips: true };
    let pdf = PdfFile::new(&render_batch_pdf(&entries, &SlipTemplate::default(), &options).unwrap());
    assert_eq!(pdf.pages(), 200);
    // One picture and one logo (the same bytes in a hundred separate buffers), each embedded
    // once for all hundred slips.
    let images = common::run("pdfimages", &["-list", pdf.path().to_str().unwrap()]);
    let objects: std::collections::BTreeSet<&str> =
        images.lines().skip(2).filter_map(|l| l.split_whitespace().nth(10)).collect();
    assert_eq!(objects.len(), 2, "{images}");
}
