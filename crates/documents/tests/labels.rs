//! 4x6 labels: drawn labels as PDF and ZPL, carrier images and PDFs placed on the page.

mod common;

use std::io::Cursor;

use barcoders::sym::code128::Code128;
use common::{PdfFile, assert_contains_all, decode_barcodes, drawn_label};
use image::{DynamicImage, GrayImage, Luma};
use wharf_documents::{
    CarrierImage, CarrierPdf, DocumentError, Dpi, Label, LabelMessages, Rotation, SharedBytes, TEST_LABEL_BANNER,
    render_label_pdf, render_label_zpl,
};

#[test]
fn drawn_labels_are_4x6_pages_with_every_field_and_a_readable_barcode() {
    for dpi in [Dpi::Dpi203, Dpi::Dpi300] {
        let pdf = PdfFile::new(&render_label_pdf(&Label::Drawn(drawn_label(false)), dpi).unwrap());
        assert_eq!(pdf.pages(), 1);
        assert_eq!(pdf.page_size(1), (288.0, 432.0));
        let text = pdf.text(1);
        assert_contains_all(
            &text,
            &[
                "FROM:",
                "Lakeshore Goods Co.",
                "2200 W Fulton St",
                "Chicago, IL 60612",
                "SHIP TO:",
                "Zoë Müller-Peña",
                "Café Ñandú",
                "1847 Lakeview Ave",
                "Apt 3B",
                "Evanston, IL 60201",
                "UPS Ground",
                "SHIP DATE",
                "2025-03-15",
                "WEIGHT",
                "2.5 lb",
                "ORDER #",
                "SRS-100482",
                "TRACKING #:",
                "1Z999AA10123456784",
                "Gift order — handle with care",
                "MUG-CER-12OZ x2",
            ],
        );
        assert!(!text.contains("TEST LABEL"), "a real label has no test banner");
        // Scanned from a 300 dpi rendering, and from one at the label printer's resolution.
        assert_eq!(pdf.barcodes(1, 300), vec!["1Z999AA10123456784"], "{dpi:?}");
        assert_eq!(pdf.barcodes(1, dpi.dots_per_inch()), vec!["1Z999AA10123456784"], "{dpi:?}");
    }
}

#[test]
fn test_labels_say_so_across_the_label() {
    let pdf = PdfFile::new(&render_label_pdf(&Label::Drawn(drawn_label(true)), Dpi::Dpi203).unwrap());
    assert_contains_all(&pdf.text(1), &["TEST LABEL — NOT VALID FOR SHIPPING", "Zoë Müller-Peña"]);
    assert_eq!(pdf.barcodes(1, 300), vec!["1Z999AA10123456784"]);
    let zpl = render_label_zpl(&Label::Drawn(drawn_label(true)), Dpi::Dpi203).unwrap();
    // White text (^FR) on a filled black box.
    assert!(zpl.contains(&format!("^FR^FD{TEST_LABEL_BANNER}^FS")), "{zpl}");
}

#[test]
fn drawn_label_zpl_matches_the_golden_files() {
    let label = Label::Drawn(drawn_label(false));
    let zpl_203 = render_label_zpl(&label, Dpi::Dpi203).unwrap();
    let zpl_300 = render_label_zpl(&label, Dpi::Dpi300).unwrap();
    insta::assert_snapshot!("drawn_label_203dpi", zpl_203);
    insta::assert_snapshot!("drawn_label_300dpi", zpl_300);

    // What the golden files must say, by the ZPL II manual: a 4x6 label is 812 x 1218 dots at
    // 203 dpi and 1200 x 1800 at 300; UTF-8 field data (^CI28); the tracking number as Code 128
    // starting in code set B (>:) and switching to C (>5) for its last ten digits.
    for (zpl, width, length) in [(&zpl_203, 812, 1218), (&zpl_300, 1200, 1800)] {
        assert!(zpl.starts_with("^XA\n^CI28\n"), "{zpl}");
        assert!(zpl.contains(&format!("^PW{width}\n^LL{length}\n")), "{zpl}");
        assert!(zpl.trim_end().ends_with("^XZ"), "{zpl}");
        assert!(zpl.contains("^BCN,") && zpl.contains("^FD>:1Z999AA1>50123456784^FS"), "{zpl}");
        for text in ["^FDZoë Müller-Peña^FS", "^FDUPS Ground^FS", "^FDGift order — handle with care^FS"] {
            assert!(zpl.contains(text), "{text} missing from {zpl}");
        }
    }
    // Dots scale with the resolution: the barcode is 158 dots tall at 203 dpi (56 pt) and 233 at 300.
    assert!(zpl_203.contains("^BCN,158,N,N,N,N"), "{zpl_203}");
    assert!(zpl_300.contains("^BCN,233,N,N,N,N"), "{zpl_300}");
}

#[test]
fn zpl_text_fields_escape_command_characters() {
    let mut label = drawn_label(false);
    label.ship_to.street = vec!["Unit ^7 ~ back_door".into()];
    let zpl = render_label_zpl(&Label::Drawn(label), Dpi::Dpi203).unwrap();
    assert!(zpl.contains("^FH_^FDUnit _5E7 _7E back_5Fdoor^FS"), "{zpl}");
}

#[test]
fn carrier_zpl_passes_through_unchanged_and_cannot_become_a_pdf() {
    let carrier = "^XA^FO50,50^A0N,30^FDCARRIER LABEL^FS^XZ".to_owned();
    let label = Label::CarrierZpl(carrier.clone());
    assert_eq!(render_label_zpl(&label, Dpi::Dpi300).unwrap(), carrier);
    assert!(matches!(render_label_pdf(&label, Dpi::Dpi203), Err(DocumentError::ZplLabelInPdf)));
}

/// A label image like UPS's: landscape, two colours, the label's top on the left (so a quarter
/// turn clockwise makes it upright), with a Code 128 barcode and a black corner marker at the
/// image's bottom-left, which must end up at the page's top-left.
fn landscape_gif(tracking: &str) -> Vec<u8> {
    let (w, h) = (1200u32, 800u32);
    // Draw upright (800 wide, 1200 tall), then turn counter-clockwise.
    let mut upright = GrayImage::from_pixel(h, w, Luma([255]));
    for y in 0..60 {
        for x in 0..60 {
            upright.put_pixel(x, y, Luma([0]));
        }
    }
    let modules = Code128::new(format!("Ɓ{tracking}")).unwrap().encode();
    for (i, &m) in modules.iter().enumerate() {
        for y in 700..900 {
            for dx in 0..2 {
                if m == 1 {
                    upright.put_pixel(80 + i as u32 * 2 + dx, y, Luma([0]));
                }
            }
        }
    }
    let landscape = image::imageops::rotate270(&upright);
    let indices: Vec<u8> = landscape.as_raw().iter().map(|&p| u8::from(p != 0)).collect();
    let mut gif = Vec::new();
    let mut encoder = gif::Encoder::new(&mut gif, w as u16, h as u16, &[0, 0, 0, 255, 255, 255]).unwrap();
    encoder.write_frame(&gif::Frame::from_indexed_pixels(w as u16, h as u16, indices, None)).unwrap();
    drop(encoder);
    gif
}

fn dark(png: &std::path::Path, x: u32, y: u32) -> bool {
    let image = image::open(png).unwrap().to_luma8();
    image.get_pixel(x, y)[0] < 100
}

#[test]
fn landscape_carrier_gifs_are_turned_to_fill_the_portrait_page() {
    let label = Label::CarrierImage(CarrierImage {
        bytes: SharedBytes::from(landscape_gif("1Z999AA10000000017")),
        rotation: Rotation::Auto,
        messages: LabelMessages::new(["no room for this"]).unwrap(),
    });
    let pdf = PdfFile::new(&render_label_pdf(&label, Dpi::Dpi203).unwrap());
    assert_eq!(pdf.page_size(1), (288.0, 432.0));
    let png = pdf.render(1, 72);
    // 800 x 1200 after turning is exactly 4:6, so the image fills the page and its marker sits
    // in the top-left corner; the bottom-left corner is paper.
    assert!(dark(&png, 3, 3), "the label's top-left corner marker is not at the top-left");
    assert!(!dark(&png, 3, 428), "the bottom-left corner should be white");
    assert_eq!(decode_barcodes(&png).len(), 0, "72 dpi is too coarse to scan; 300 is the test");
    assert_eq!(pdf.barcodes(1, 300), vec!["1Z999AA10000000017"]);
    // No room below the image, so the message is left out.
    assert!(!pdf.text(1).contains("no room for this"));
}

#[test]
fn carrier_images_with_room_below_get_the_label_messages() {
    // A portrait 4 x 5 inch label at 203 dpi leaves a band of an inch.
    let mut image = GrayImage::from_pixel(812, 1015, Luma([255]));
    let modules = Code128::new("Ć9405511899223197428490").unwrap().encode();
    for (i, &m) in modules.iter().enumerate() {
        for y in 300..500 {
            for dx in 0..3 {
                if m == 1 {
                    image.put_pixel(100 + i as u32 * 3 + dx, y, Luma([0]));
                }
            }
        }
    }
    let mut png = Vec::new();
    DynamicImage::ImageLuma8(image).write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
    let label = Label::CarrierImage(CarrierImage {
        bytes: SharedBytes::from(png),
        rotation: Rotation::Auto,
        messages: LabelMessages::new(["Order SRS-100482", "Fragile: glass inside"]).unwrap(),
    });
    let pdf = PdfFile::new(&render_label_pdf(&label, Dpi::Dpi203).unwrap());
    assert_eq!(pdf.page_size(1), (288.0, 432.0));
    assert_contains_all(&pdf.text(1), &["Order SRS-100482", "Fragile: glass inside"]);
    assert_eq!(pdf.barcodes(1, 300), vec!["9405511899223197428490"]);

    // The same label for a thermal printer: the image as a ^GFA graphic, the messages below it.
    let zpl = render_label_zpl(&label, Dpi::Dpi203).unwrap();
    assert!(zpl.starts_with("^XA\n^CI28\n^PW812\n^LL1218\n"), "{zpl}");
    // 812 dots wide is 102 bytes per row; 1015 rows.
    assert!(zpl.contains(&format!("^GFA,{n},{n},102,", n = 102 * 1015)), "{}", &zpl[..200]);
    assert!(zpl.contains("^FDOrder SRS-100482^FS") && zpl.contains("^FDFragile: glass inside^FS"));
}

#[test]
fn unreadable_carrier_images_are_errors_that_say_what_to_do() {
    let label = Label::CarrierImage(CarrierImage {
        bytes: SharedBytes::from(b"GIF89a garbage".to_vec()),
        rotation: Rotation::Auto,
        messages: LabelMessages::default(),
    });
    let err = render_label_pdf(&label, Dpi::Dpi203).unwrap_err();
    assert!(matches!(err, DocumentError::LabelImage { .. }), "{err:?}");
    assert!(err.to_string().contains("download the label from the carrier again"), "{err}");
}

#[test]
fn carrier_pdfs_are_placed_as_they_are() {
    // A carrier's PDF label: here one Wharf drew, so its text and barcode are known.
    let carrier_pdf = render_label_pdf(&Label::Drawn(drawn_label(false)), Dpi::Dpi203).unwrap();
    let label = Label::CarrierPdf(CarrierPdf { bytes: SharedBytes::from(carrier_pdf), rotation: Rotation::Auto });
    let pdf = PdfFile::new(&render_label_pdf(&label, Dpi::Dpi203).unwrap());
    assert_eq!(pdf.pages(), 1);
    assert_eq!(pdf.page_size(1), (288.0, 432.0));
    assert_contains_all(&pdf.text(1), &["Zoë Müller-Peña", "1Z999AA10123456784"]);
    assert_eq!(pdf.barcodes(1, 300), vec!["1Z999AA10123456784"]);
    assert!(matches!(render_label_zpl(&label, Dpi::Dpi203), Err(DocumentError::PdfLabelInZpl)));
    let broken =
        Label::CarrierPdf(CarrierPdf { bytes: SharedBytes::from(b"%PDF-1.7 nope".to_vec()), rotation: Rotation::Auto });
    assert!(matches!(render_label_pdf(&broken, Dpi::Dpi203), Err(DocumentError::LabelPdf { .. })));
}

#[test]
fn tracking_numbers_that_code_128_cannot_carry_are_refused() {
    let mut label = drawn_label(false);
    label.tracking_number = "1Z€".into();
    let err = render_label_pdf(&Label::Drawn(label), Dpi::Dpi203).unwrap_err();
    assert!(matches!(err, DocumentError::Barcode { .. }), "{err:?}");
}
