//! Label messages: up to three short lines printed on labels, written as templates with fields in square
//! brackets, such as `[Order #] [SKU #1] x[Qty #1]`.
//!
//! | field | value |
//! |---|---|
//! | `[Order #]` | the order number (Sears PO number) |
//! | `[Order Date]` | the order date, `YYYY-MM-DD` (US Central) |
//! | `[SKU #N]` | the SKU of item N (1, 2, 3, …; empty when the order has fewer items) |
//! | `[Item #N]` | the name of item N (also `[Product #N]`) |
//! | `[Qty #N]` | the quantity of item N |
//! | `[Location #N]` | the warehouse location of item N (also `[Warehouse Loc #N]`) |
//! | `[Custom Field N]` | custom field 1, 2 or 3 |
//! | `[Notes from Buyer]` | the customer's notes |
//! | `[Item Count]` | units in the order |
//! | `[Line Count]` | lines in the order |
//! | `[Store]` | the store's name |
//!
//! Field names ignore case and spaces (`[sku#1]` is `[SKU #1]`); anything outside brackets is printed as
//! written. A line longer than the label's room is cut with an ellipsis. Items are the order's physical
//! lines (Sears adjustment lines are skipped).
//!
//! Hand-written rather than minijinja: ShipStation sellers know this bracket syntax, and it has eleven
//! fields and no logic, so a parser of a few lines says "unknown field" better than a general engine would.

use std::fmt;

use wharf_domain::Order;
use wharf_domain::sears_time::central_date;

use crate::{AppError, AppResult};

/// At most this many lines fit a label.
pub const MAX_LINES: usize = wharf_documents::MAX_LABEL_MESSAGES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    OrderNumber,
    OrderDate,
    Sku(usize),
    ItemName(usize),
    Quantity(usize),
    Location(usize),
    Custom(u8),
    NotesFromBuyer,
    ItemCount,
    LineCount,
    Store,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(Field),
}

/// One parsed message line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageTemplate {
    source: String,
    pieces: Vec<Piece>,
}

impl fmt::Display for MessageTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

const KNOWN: &str = "[Order #], [Order Date], [SKU #N], [Item #N], [Qty #N], [Location #N], [Custom Field N], \
                     [Notes from Buyer], [Item Count], [Line Count], [Store]";

/// `name` with an item number: `sku#1`, `sku1` -> 1.
fn numbered(name: &str, prefixes: &[&str]) -> Option<usize> {
    prefixes.iter().find_map(|prefix| {
        let rest = name.strip_prefix(prefix)?;
        let rest = rest.strip_prefix('#').unwrap_or(rest);
        rest.parse::<usize>().ok().filter(|n| *n >= 1)
    })
}

fn field(inside: &str) -> Option<Field> {
    let name: String = inside.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect();
    Some(match name.as_str() {
        "order#" | "ordernumber" => Field::OrderNumber,
        "orderdate" => Field::OrderDate,
        "notesfrombuyer" => Field::NotesFromBuyer,
        "itemcount" => Field::ItemCount,
        "linecount" => Field::LineCount,
        "store" => Field::Store,
        _ => {
            if let Some(n) = numbered(&name, &["sku"]) {
                Field::Sku(n)
            } else if let Some(n) = numbered(&name, &["item", "product"]) {
                Field::ItemName(n)
            } else if let Some(n) = numbered(&name, &["qty", "quantity"]) {
                Field::Quantity(n)
            } else if let Some(n) = numbered(&name, &["location", "warehouseloc", "warehouselocation"]) {
                Field::Location(n)
            } else {
                let n = numbered(&name, &["customfield"]).filter(|n| *n <= 3)?;
                Field::Custom(n as u8)
            }
        }
    })
}

impl MessageTemplate {
    pub fn parse(source: &str) -> AppResult<MessageTemplate> {
        let invalid = |why: String| AppError::InvalidInput(format!("label message {source:?}: {why}"));
        if source.chars().any(char::is_control) {
            return Err(invalid("use plain text on one line (no tabs or line breaks)".into()));
        }
        let mut pieces = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find('[') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            let after = &rest[open + 1..];
            let close =
                after.find(']').ok_or_else(|| invalid(format!("'[' at {:?} has no closing ']'", &rest[open..])))?;
            let inside = &after[..close];
            let field =
                field(inside).ok_or_else(|| invalid(format!("unknown field [{inside}]; the fields are {KNOWN}")))?;
            pieces.push(Piece::Field(field));
            rest = &after[close + 1..];
        }
        if rest.contains(']') {
            return Err(invalid("a ']' has no opening '['".into()));
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Ok(MessageTemplate { source: source.to_owned(), pieces })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The line for `order` (of the store named `store`), with runs of spaces collapsed and ends trimmed.
    pub fn render(&self, order: &Order, store: &str) -> String {
        let items: Vec<_> = order.items.iter().filter(|i| !i.adjustment).collect();
        let item = |n: usize| items.get(n - 1);
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Field(field) => {
                    let value = match *field {
                        Field::OrderNumber => order.order_number.clone(),
                        Field::OrderDate => central_date(order.order_date).to_string(),
                        Field::Sku(n) => item(n).map(|i| i.sku.clone()).unwrap_or_default(),
                        Field::ItemName(n) => item(n).map(|i| i.name.clone()).unwrap_or_default(),
                        Field::Quantity(n) => item(n).map(|i| i.quantity.to_string()).unwrap_or_default(),
                        Field::Location(n) => item(n).and_then(|i| i.warehouse_location.clone()).unwrap_or_default(),
                        Field::Custom(n) => {
                            order.advanced_options.custom_field(n).map(str::to_owned).unwrap_or_default()
                        }
                        Field::NotesFromBuyer => order.customer_notes.clone().unwrap_or_default(),
                        Field::ItemCount => items.iter().map(|i| i.quantity).sum::<u32>().to_string(),
                        Field::LineCount => items.len().to_string(),
                        Field::Store => store.to_owned(),
                    };
                    // A value with a line break would not print on one line.
                    out.extend(value.chars().map(|c| if c.is_control() { ' ' } else { c }));
                }
            }
        }
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// The label message lines of a printer setting (at most [`MAX_LINES`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelMessageTemplates(Vec<MessageTemplate>);

impl LabelMessageTemplates {
    pub fn parse<S: AsRef<str>>(lines: &[S]) -> AppResult<LabelMessageTemplates> {
        let lines: Vec<&str> = lines.iter().map(AsRef::as_ref).filter(|l| !l.trim().is_empty()).collect();
        if lines.len() > MAX_LINES {
            return Err(AppError::InvalidInput(format!(
                "a label has room for {MAX_LINES} messages, not {}; drop or merge some",
                lines.len()
            )));
        }
        Ok(LabelMessageTemplates(lines.into_iter().map(MessageTemplate::parse).collect::<AppResult<_>>()?))
    }

    pub fn lines(&self) -> &[MessageTemplate] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages for one order, ready for a label (blank lines dropped, long ones cut).
    pub fn render(&self, order: &Order, store: &str) -> wharf_documents::LabelMessages {
        let lines: Vec<String> = self.0.iter().map(|t| t.render(order, store)).collect();
        // Rendered lines hold no control characters and are at most three, which is all that can fail.
        wharf_documents::LabelMessages::new(lines).expect("rendered label messages are valid")
    }
}

#[cfg(test)]
mod tests {
    use wharf_domain::sample;

    use super::*;

    fn order() -> Order {
        let mut order = sample::order("ord_1", "5000101");
        order.items[0].sku = "KTCH-BLND-600W-BLK".into();
        order.items[0].name = "Countertop Blender".into();
        order.items[0].quantity = 2;
        order.items[0].warehouse_location = Some("A-03-2".into());
        order.advanced_options.custom_field2 = Some("rush\ngift".into());
        order
    }

    #[test]
    fn fields_are_filled_from_the_order() {
        let order = order();
        let render = |text: &str| MessageTemplate::parse(text).unwrap().render(&order, "Lakeshore");
        assert_eq!(render("[Order #] [SKU #1]"), "5000101 KTCH-BLND-600W-BLK");
        assert_eq!(render("[sku#1] x[QTY 1] @ [Warehouse Loc #1]"), "KTCH-BLND-600W-BLK x2 @ A-03-2");
        assert_eq!(render("[Item #1] / [Product #1]"), "Countertop Blender / Countertop Blender");
        // Missing values leave nothing behind, and spaces collapse.
        assert_eq!(render("[SKU #1]  [SKU #9] [Custom Field 1] end"), "KTCH-BLND-600W-BLK end");
        assert_eq!(render("CF2: [Custom Field 2]"), "CF2: rush gift");
        assert_eq!(render("[Store]"), "Lakeshore");
    }

    #[test]
    fn unknown_fields_and_brackets_are_refused_with_the_list() {
        let error = MessageTemplate::parse("[Order #] [Colour]").unwrap_err().to_string();
        assert!(error.contains("unknown field [Colour]") && error.contains("[Location #N]"), "{error}");
        let error = MessageTemplate::parse("[Order #").unwrap_err().to_string();
        assert!(error.contains("no closing ']'"), "{error}");
        let error = MessageTemplate::parse("Order] #").unwrap_err().to_string();
        assert!(error.contains("no opening '['"), "{error}");
        assert!(MessageTemplate::parse("[Custom Field 4]").is_err());
        assert!(MessageTemplate::parse("[SKU #0]").is_err());
        assert!(MessageTemplate::parse("tab\there").is_err());
    }

    #[test]
    fn at_most_three_lines_and_long_lines_are_cut() {
        assert!(LabelMessageTemplates::parse(&["a", "b", "c", "d"]).is_err());
        let templates = LabelMessageTemplates::parse(&["[Order #]", " ", "[Item #1] [Item #1] [Item #1]"]).unwrap();
        assert_eq!(templates.lines().len(), 2);
        let messages = templates.render(&order(), "S");
        assert_eq!(messages.lines()[0], "5000101");
        // 30 characters at most, the last an ellipsis.
        assert_eq!(messages.lines()[1], "Countertop Blender Countertop…");
    }
}
