//! Renders a batch of 500 orders into one PDF: for each order a UPS-style 1200x800 GIF label
//! (landscape, turned onto the 4x6 page) and a 4x6 packing slip with item thumbnails.
//!
//! `cargo bench -p wharf-documents --bench batch` (release build). Prints the wall and CPU time
//! of each run and the best and median. Inputs are made in memory first and are not timed.
//! With `BREAKDOWN=1` it renders the labels alone and the slips alone instead; with
//! `LABELS=png` the labels are PNG instead of GIF.

use std::io::Cursor;
use std::time::{Duration, Instant};

use barcoders::sym::code128::Code128;
use image::{DynamicImage, GrayImage, ImageFormat, Luma, Rgb, RgbImage};
use rayon::prelude::*;
use rust_decimal::Decimal;
use wharf_documents::{
    BatchEntry, BatchOptions, CarrierImage, Dpi, ItemOption, Label, LabelMessages, Rotation, SharedBytes, SlipItem,
    SlipPageSize, SlipTemplate, render_batch_pdf, render_slips_pdf, sample_slip_data,
};

const ORDERS: usize = 500;
const PRODUCTS: usize = 60;
const RUNS: usize = 5;

/// A deterministic pseudo-random sequence (xorshift), so every run renders the same batch.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// A black-and-white 1200x800 label like UPS's GIFs (or the same as a PNG): sender, recipient, service, reference and
/// billing text as glyph-like marks, rules, a MaxiCode-like dot field, a routing barcode and a
/// Code 128 tracking barcode, drawn landscape (the label's top on the left, as UPS sends them).
fn label_image(order: usize, format: LabelFormat) -> Vec<u8> {
    let (w, h) = (1200u32, 800u32);
    let mut portrait = GrayImage::from_pixel(h, w, Luma([255]));
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15 ^ order as u64);
    let fill = |img: &mut GrayImage, x0: u32, y0: u32, x1: u32, y1: u32| {
        for y in y0..y1.min(img.height()) {
            for x in x0..x1.min(img.width()) {
                img.put_pixel(x, y, Luma([0u8]));
            }
        }
    };
    // Each glyph is a few strokes inside its cell.
    for (top, lines, size, right) in
        [(24u32, 5u32, 20u32, 480u32), (150, 6, 30, 760), (390, 1, 56, 600), (470, 2, 20, 760), (1000, 7, 18, 760)]
    {
        for line in 0..lines {
            let y = top + line * (size + 8);
            let mut x = 30;
            while x < right {
                let cell = size * 6 / 10 + (noise.next() % 6) as u32;
                if !noise.next().is_multiple_of(7) {
                    for _ in 0..4 {
                        let sx = x + (noise.next() % u64::from(cell - 4)) as u32;
                        let sy = y + (noise.next() % u64::from(size - 6)) as u32;
                        let stroke = 2 + size / 12;
                        if noise.next().is_multiple_of(2) {
                            fill(&mut portrait, sx, y, sx + stroke, y + size);
                        } else {
                            fill(&mut portrait, x, sy, x + cell - 2, sy + stroke);
                        }
                    }
                }
                x += cell;
            }
        }
    }
    for y in [140u32, 380, 460, 540, 990] {
        fill(&mut portrait, 20, y, 780, y + 6);
    }
    for row in 0..33u32 {
        for col in 0..30u32 {
            if noise.next().is_multiple_of(2) {
                let (x, y) = (560 + col * 7 + (row % 2) * 3, 20 + row * 6);
                fill(&mut portrait, x, y, x + 5, y + 5);
            }
        }
    }
    let routing = format!("Ć420{:05}", 60_000 + order % 1000);
    let tracking = format!("Ɓ1Z999AA1Ć{:010}", 3_000_000_000u64 + order as u64);
    for (data, top, bottom, module) in [(routing, 560u32, 700u32, 4u32), (tracking, 720, 960, 3)] {
        let modules = Code128::new(data).expect("valid Code 128 input").encode();
        for (i, &m) in modules.iter().enumerate() {
            if m == 1 {
                let x = 60 + i as u32 * module;
                fill(&mut portrait, x, top, x + module, bottom);
            }
        }
    }
    // Turn counter-clockwise: UPS's landscape GIF has the label's top on the left.
    let landscape = image::imageops::rotate270(&portrait);
    if format == LabelFormat::Png {
        let mut png = Vec::new();
        DynamicImage::ImageLuma8(landscape)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .expect("PNG encodes in memory");
        return png;
    }
    // A two-colour palette, as label printers' GIFs have.
    let indices: Vec<u8> = landscape.as_raw().iter().map(|&p| u8::from(p != 0)).collect();
    let mut gif = Vec::new();
    {
        let mut encoder =
            gif::Encoder::new(&mut gif, w as u16, h as u16, &[0, 0, 0, 255, 255, 255]).expect("GIF header encodes");
        let frame = gif::Frame::from_indexed_pixels(w as u16, h as u16, indices, None);
        encoder.write_frame(&frame).expect("GIF frame encodes");
    }
    gif
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LabelFormat {
    /// What UPS sends by default; must be decoded (LZW) and recompressed.
    Gif,
    /// Embedded as it is, without decoding.
    Png,
}

/// `LABELS=png` benchmarks PNG labels instead of GIF ones.
fn label_format() -> LabelFormat {
    match std::env::var("LABELS").as_deref() {
        Ok("png") => LabelFormat::Png,
        _ => LabelFormat::Gif,
    }
}

/// A 300x300 product picture with some texture, as a catalog thumbnail would be.
fn product_png(product: usize) -> Vec<u8> {
    let mut noise = Noise(0x5851_f42d_4c95_7f2d ^ product as u64);
    let base = [(noise.next() % 200) as u8, (noise.next() % 200) as u8, (noise.next() % 200) as u8];
    let image = RgbImage::from_fn(300, 300, |x, y| {
        let d = ((x as i32 - 150).pow(2) + (y as i32 - 150).pow(2)) as u32 / 400;
        Rgb(base.map(|c| c.saturating_add((d % 56) as u8)))
    });
    let mut png = Vec::new();
    DynamicImage::ImageRgb8(image)
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .expect("PNG encodes in memory");
    png
}

fn batch() -> Vec<BatchEntry> {
    let products: Vec<SharedBytes> = (0..PRODUCTS).into_par_iter().map(|p| SharedBytes::from(product_png(p))).collect();
    let format = label_format();
    let labels: Vec<Vec<u8>> = (0..ORDERS).into_par_iter().map(|order| label_image(order, format)).collect();
    labels
        .into_iter()
        .enumerate()
        .map(|(order, gif)| {
            let mut slip = sample_slip_data();
            slip.order_number = format!("SRS-{}", 200_000 + order);
            slip.items = (0..1 + order % 3)
                .map(|line| {
                    let product = (order * 7 + line * 13) % PRODUCTS;
                    SlipItem {
                        sku: format!("SKU-{product:03}"),
                        name: format!("Catalog product number {product}"),
                        options: vec![ItemOption { name: "Size".into(), value: "M".into() }],
                        quantity: 1 + (line as u32),
                        unit_price: Decimal::new(1999, 2),
                        location: Some(format!("A-{:02}-{}", product % 40, line + 1)),
                        thumbnail: Some(products[product].clone()),
                    }
                })
                .collect();
            BatchEntry {
                labels: vec![Label::CarrierImage(CarrierImage {
                    bytes: SharedBytes::from(gif),
                    rotation: Rotation::Auto,
                    messages: LabelMessages::default(),
                })],
                slip,
            }
        })
        .collect()
}

fn main() {
    let made = Instant::now();
    let entries = batch();
    let label_bytes: usize = entries
        .iter()
        .map(|e| match &e.labels[0] {
            Label::CarrierImage(image) => image.bytes.as_bytes().len(),
            _ => 0,
        })
        .sum();
    println!(
        "inputs: {ORDERS} orders made in {} ms (not timed); {:?} labels average {} KB",
        made.elapsed().as_millis(),
        label_format(),
        label_bytes / ORDERS / 1000
    );
    let template = SlipTemplate::default();
    let options = BatchOptions { dpi: Dpi::Dpi203, slip_size: SlipPageSize::FourBySix, include_slips: true };

    // BREAKDOWN=1: the labels alone and the slips alone, to see where the time goes.
    if std::env::var_os("BREAKDOWN").is_some() {
        let labels_only = BatchOptions { include_slips: false, ..options };
        let slips: Vec<_> = entries.iter().map(|e| e.slip.clone()).collect();
        for _ in 0..3 {
            let (cpu, start) = (cpu_ms(), Instant::now());
            let pdf = render_batch_pdf(&entries, &template, &labels_only).expect("the labels render");
            let (wall, cpu, size) = (start.elapsed().as_millis(), cpu_ms() - cpu, pdf.len());
            println!("labels only: {wall} ms wall, {cpu} ms CPU, {size} bytes");
            let (cpu, start) = (cpu_ms(), Instant::now());
            let pdf = render_slips_pdf(&slips, &template, SlipPageSize::FourBySix).expect("the slips render");
            let (wall, cpu, size) = (start.elapsed().as_millis(), cpu_ms() - cpu, pdf.len());
            println!("slips only: {wall} ms wall, {cpu} ms CPU, {size} bytes");
        }
        return;
    }
    let mut times: Vec<Duration> = Vec::new();
    let mut pages = 0;
    let mut size = 0;
    for run in 1..=RUNS {
        let (cpu_before, start) = (cpu_ms(), Instant::now());
        let pdf = render_batch_pdf(&entries, &template, &options).expect("the batch renders");
        let elapsed = start.elapsed();
        let cpu = cpu_ms() - cpu_before;
        pages = count_pages(&pdf);
        size = pdf.len();
        println!(
            "run {run}: {:.0} ms wall, {cpu} ms CPU (load average {})",
            elapsed.as_secs_f64() * 1000.0,
            load_average()
        );
        times.push(elapsed);
    }
    times.sort();
    let best = times[0].as_secs_f64();
    let median = times[RUNS / 2].as_secs_f64();
    println!(
        "{ORDERS} orders, {pages} pages, {:.1} MB: best {:.0} ms ({:.0} pages/s), median {:.0} ms ({:.0} pages/s), {} rayon threads",
        size as f64 / 1e6,
        best * 1000.0,
        pages as f64 / best,
        median * 1000.0,
        pages as f64 / median,
        rayon::current_num_threads()
    );
}

/// CPU time (user + system) of this process so far, from /proc/self/stat (Linux ticks of 10 ms).
fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    (ticks(11) + ticks(12)) * 10
}

/// The one-minute load average: other work on the machine that competed with the run.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

/// The page count from the page tree's "/Count n" (the root is the only page tree krilla writes).
fn count_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.split("/Count ")
        .skip(1)
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .max()
        .unwrap_or(0)
}
