//! Pick lists: what to take from which shelf for a set of orders.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::canvas::{Align, LETTER_SIZE, write_pdf};
use crate::color::Rgb;
use crate::error::DocumentError;
use crate::fonts::Weight;
use crate::layout::{Pictures, paginate};
use crate::markup::{Block, ColumnSpec, PageBand, Paragraph, Row, SlipMarkup, Style, Table, Width};
use crate::natural_order::natural_cmp;
use crate::slip::{ItemOption, PackingSlip};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickItem {
    pub sku: String,
    pub name: String,
    #[serde(default)]
    pub options: Vec<ItemOption>,
    pub quantity: u32,
    #[serde(default)]
    pub location: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickOrder {
    pub order_number: String,
    pub items: Vec<PickItem>,
}

impl From<&PackingSlip> for PickOrder {
    fn from(slip: &PackingSlip) -> PickOrder {
        PickOrder {
            order_number: slip.order_number.clone(),
            items: slip
                .items
                .iter()
                .map(|item| PickItem {
                    sku: item.sku.clone(),
                    name: item.name.clone(),
                    options: item.options.clone(),
                    quantity: item.quantity,
                    location: item.location.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickList {
    /// Such as "Batch 2025-03-14 #3".
    pub title: String,
    /// A second heading line, such as who printed it and when (the caller formats it).
    #[serde(default)]
    pub subtitle: Option<String>,
    pub orders: Vec<PickOrder>,
}

/// One line of a pick list: a SKU at a location, summed over the orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PickLine {
    pub location: Option<String>,
    pub sku: String,
    /// Name and options as on the first order that has this SKU at this location.
    pub name: String,
    pub options: Vec<ItemOption>,
    pub quantity: u64,
    /// How many orders want this line.
    pub order_count: usize,
}

/// Lines summed by (location, SKU), sorted by location, then SKU (both in natural order, so
/// shelf "A-2" comes before "A-10"); lines without a location come last.
pub fn pick_lines(list: &PickList) -> Vec<PickLine> {
    let mut lines: Vec<PickLine> = Vec::new();
    let mut index: HashMap<(Option<String>, String), usize> = HashMap::new();
    for order in &list.orders {
        let mut counted: Vec<usize> = Vec::new();
        for item in &order.items {
            let location = item.location.as_deref().map(str::trim).filter(|l| !l.is_empty());
            let key = (location.map(str::to_owned), item.sku.trim().to_owned());
            let at = *index.entry(key.clone()).or_insert_with(|| {
                lines.push(PickLine {
                    location: key.0.clone(),
                    sku: key.1.clone(),
                    name: item.name.clone(),
                    options: item.options.clone(),
                    quantity: 0,
                    order_count: 0,
                });
                lines.len() - 1
            });
            lines[at].quantity += u64::from(item.quantity);
            if !counted.contains(&at) {
                counted.push(at);
                lines[at].order_count += 1;
            }
        }
    }
    lines.sort_by(|a, b| {
        let by_location = match (&a.location, &b.location) {
            (Some(x), Some(y)) => natural_cmp(x, y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        };
        by_location.then_with(|| natural_cmp(&a.sku, &b.sku))
    });
    lines
}

fn text(text: impl Into<String>, style: Style) -> Block {
    Block::Paragraph(Paragraph { text: text.into(), style })
}

/// The pick list as a letter PDF: a checkbox, location, SKU, item, quantity and order count per
/// line, the table header repeated on every page.
pub fn render_pick_list_pdf(list: &PickList) -> Result<Vec<u8>, DocumentError> {
    let lines = pick_lines(list);
    let ink = Rgb::new(0x1f, 0x23, 0x28);
    let muted = Rgb::new(0x57, 0x60, 0x6a);
    let base = Style { size: 9.5, weight: Weight::Regular, color: ink, align: Align::Left, leading: 1.3 };
    let bold = Style { weight: Weight::Bold, ..base };
    let small = Style { size: 8.0, color: muted, ..base };
    let center = |s: Style| Style { align: Align::Center, ..s };

    let units: u64 = lines.iter().map(|l| l.quantity).sum();
    let mut rows = vec![Row {
        header: true,
        background: None,
        cells: ["", "Location", "SKU", "Item", "Qty", "Orders"]
            .iter()
            .enumerate()
            .map(|(i, h)| vec![text(*h, if i >= 4 { center(bold) } else { bold })])
            .collect(),
    }];
    for line in &lines {
        let mut item = vec![text(line.name.clone(), base)];
        if !line.options.is_empty() {
            let options: Vec<String> = line.options.iter().map(|o| format!("{}: {}", o.name, o.value)).collect();
            item.push(text(options.join(" · "), small));
        }
        rows.push(Row {
            header: false,
            background: None,
            cells: vec![
                vec![Block::Box { padding: 5.0, border: 1.0, border_color: ink, background: None, blocks: Vec::new() }],
                vec![text(line.location.clone().unwrap_or_else(|| "—".to_owned()), bold)],
                vec![text(line.sku.clone(), base)],
                item,
                vec![text(line.quantity.to_string(), center(Style { size: 11.0, ..bold }))],
                vec![text(line.order_count.to_string(), center(base))],
            ],
        });
    }
    let widths = [22.0, 78.0, 110.0, 0.0, 44.0, 54.0];
    let table = Table {
        columns: widths
            .iter()
            .map(|&w| ColumnSpec { width: if w > 0.0 { Width::Points(w) } else { Width::Auto }, align: None })
            .collect(),
        rows,
        padding: 4.0,
        border_color: Some(Rgb::new(0xd0, 0xd7, 0xde)),
        stripe: Some(Rgb::new(0xf6, 0xf8, 0xfa)),
        header_background: Some(Rgb::new(0xea, 0xee, 0xf2)),
        middle: true,
    };
    let mut title = vec![text(list.title.clone(), Style { size: 16.0, ..bold })];
    if let Some(subtitle) = list.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
        title.push(text(subtitle, small));
    }
    let markup = SlipMarkup {
        margin: Some(36.0),
        header: Some(PageBand {
            blocks: vec![Block::Columns {
                gap: 12.0,
                columns: vec![
                    crate::markup::Column { width: Width::Auto, blocks: title },
                    crate::markup::Column {
                        width: Width::Points(120.0),
                        blocks: vec![text("Page {page} of {pages}", Style { align: Align::Right, ..small })],
                    },
                ],
            }],
            skip_first: false,
        }),
        footer: None,
        body: vec![
            text(format!("{} orders · {} lines · {} units", list.orders.len(), lines.len(), units), small),
            Block::Spacer(6.0),
            Block::Table(table),
        ],
    };
    write_pdf(paginate(&markup, LETTER_SIZE, 36.0, &Pictures::new())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(sku: &str, quantity: u32, location: Option<&str>) -> PickItem {
        PickItem {
            sku: sku.into(),
            name: format!("{sku} name"),
            options: vec![],
            quantity,
            location: location.map(Into::into),
        }
    }

    #[test]
    fn sums_by_location_and_sku_and_counts_orders() {
        let list = PickList {
            title: "t".into(),
            subtitle: None,
            orders: vec![
                PickOrder {
                    order_number: "1".into(),
                    items: vec![item("MUG", 2, Some("A-10")), item("MUG", 1, Some("A-10"))],
                },
                PickOrder {
                    order_number: "2".into(),
                    items: vec![item("MUG", 3, Some("A-10")), item("TEE", 1, Some("A-2"))],
                },
                PickOrder {
                    order_number: "3".into(),
                    items: vec![item("CANDLE", 4, None), item("MUG", 1, Some("B-1"))],
                },
            ],
        };
        let lines: Vec<(Option<String>, String, u64, usize)> =
            pick_lines(&list).into_iter().map(|l| (l.location, l.sku, l.quantity, l.order_count)).collect();
        let expected = [
            (Some("A-2"), "TEE", 1, 1),
            (Some("A-10"), "MUG", 6, 2),
            (Some("B-1"), "MUG", 1, 1),
            (None, "CANDLE", 4, 1),
        ]
        .map(|(l, s, q, c)| (l.map(String::from), s.to_owned(), q, c));
        assert_eq!(lines, expected);
    }
}
