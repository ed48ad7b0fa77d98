//! Checks generated documents with the programs people would use on them: poppler's pdfinfo,
//! pdftotext and pdftoppm (Debian package poppler-utils) and zbarimg (zbar-tools).
#![allow(dead_code)] // Each test binary uses its own subset.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// A PDF written to a temporary directory so the tools can read it.
pub struct PdfFile {
    dir: TempDir,
    path: PathBuf,
}

impl PdfFile {
    pub fn new(bytes: &[u8]) -> PdfFile {
        assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("document.pdf");
        std::fs::write(&path, bytes).expect("the PDF is written");
        PdfFile { dir, path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn pages(&self) -> usize {
        let info = run("pdfinfo", &[self.path.to_str().unwrap()]);
        info.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("pdfinfo gave no page count:\n{info}"))
    }

    /// Width and height of page `page` (1-based) in points.
    pub fn page_size(&self, page: usize) -> (f64, f64) {
        let n = page.to_string();
        let info = run("pdfinfo", &["-f", &n, "-l", &n, self.path.to_str().unwrap()]);
        let line = info
            .lines()
            .find(|l| l.starts_with(&format!("Page {n:>4} size:")) || l.starts_with(&format!("Page {n} size:")))
            .unwrap_or_else(|| panic!("pdfinfo gave no size for page {page}:\n{info}"));
        let numbers: Vec<f64> =
            line.split_once("size:").unwrap().1.split_whitespace().filter_map(|w| w.parse().ok()).collect();
        (numbers[0], numbers[1])
    }

    /// The text of page `page`, in reading order (pdftotext -layout).
    pub fn text(&self, page: usize) -> String {
        let n = page.to_string();
        run("pdftotext", &["-layout", "-f", &n, "-l", &n, self.path.to_str().unwrap(), "-"])
    }

    /// The text of page `page` in the order it was drawn (pdftotext -raw): a table row's cells
    /// come out one after the other even when they wrap to different heights.
    pub fn raw_text(&self, page: usize) -> String {
        let n = page.to_string();
        run("pdftotext", &["-raw", "-f", &n, "-l", &n, self.path.to_str().unwrap(), "-"])
    }

    /// The text of every page.
    pub fn all_text(&self) -> String {
        run("pdftotext", &["-layout", self.path.to_str().unwrap(), "-"])
    }

    /// Page `page` rendered to a PNG at `dpi` (pdftoppm); returns the PNG's path.
    pub fn render(&self, page: usize, dpi: u32) -> PathBuf {
        let n = page.to_string();
        let prefix = self.dir.path().join(format!("page{page}-{dpi}"));
        run(
            "pdftoppm",
            &[
                "-r",
                &dpi.to_string(),
                "-f",
                &n,
                "-l",
                &n,
                "-singlefile",
                "-png",
                self.path.to_str().unwrap(),
                prefix.to_str().unwrap(),
            ],
        );
        prefix.with_extension("png")
    }

    /// Every barcode zbarimg finds on page `page` rendered at `dpi`.
    pub fn barcodes(&self, page: usize, dpi: u32) -> Vec<String> {
        decode_barcodes(&self.render(page, dpi))
    }
}

/// Every barcode zbarimg finds in the image at `path` (empty when it finds none).
pub fn decode_barcodes(path: &Path) -> Vec<String> {
    let output = Command::new("zbarimg")
        .args(["-q", "--raw"])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("zbarimg could not run ({e}); install the zbar-tools package"));
    // zbarimg exits with 4 when it finds no barcode.
    assert!(
        output.status.success() || output.status.code() == Some(4),
        "zbarimg failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().lines().map(str::to_owned).collect()
}

pub fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} could not run ({e}); install the poppler-utils package"));
    assert!(output.status.success(), "{program} {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs of whitespace as one space, so tests can look for phrases whatever the layout.
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Asserts that every needle appears in `text` (whitespace-insensitive).
#[track_caller]
pub fn assert_contains_all(text: &str, needles: &[&str]) {
    let squashed = squash(text);
    for needle in needles {
        assert!(squashed.contains(&squash(needle)), "{needle:?} is missing from:\n{text}");
    }
}

use rust_decimal_macros::dec;
use wharf_documents::{Address, DrawnLabel, LabelMessages, PackageWeight, WeightUnit};

pub fn chicago_warehouse() -> Address {
    Address {
        name: "Lakeshore Goods Co.".into(),
        company: None,
        street: vec!["2200 W Fulton St".into(), "Dock 4".into()],
        city: "Chicago".into(),
        region: "IL".into(),
        postal_code: "60612".into(),
        country_code: "US".into(),
        phone: Some("(312) 555-0188".into()),
    }
}

pub fn buyer() -> Address {
    Address {
        name: "Zoë Müller-Peña".into(),
        company: Some("Café Ñandú".into()),
        street: vec!["1847 Lakeview Ave".into(), "Apt 3B".into()],
        city: "Evanston".into(),
        region: "IL".into(),
        postal_code: "60201".into(),
        country_code: "US".into(),
        phone: None,
    }
}

pub fn drawn_label(test: bool) -> DrawnLabel {
    DrawnLabel {
        ship_from: chicago_warehouse(),
        ship_to: buyer(),
        service: "UPS Ground".into(),
        weight: PackageWeight { value: dec!(2.5), unit: WeightUnit::Pounds },
        tracking_number: "1Z999AA10123456784".into(),
        order_number: "SRS-100482".into(),
        ship_date: jiff::civil::date(2025, 3, 15),
        test,
        messages: LabelMessages::new(["Gift order — handle with care", "MUG-CER-12OZ x2"]).unwrap(),
    }
}
