//! What can go wrong while rendering, said so that a seller (or the app on their behalf) can act.

use std::fmt;

/// Any failure of this crate. Image problems of thumbnails and logos are not errors (they render
/// as placeholder boxes); a carrier label that cannot be read is, because shipping without it is
/// not possible.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("\"{value}\" is not a colour; write it as #RRGGBB, for example #1f6feb")]
    InvalidColor { value: String },

    #[error("a label has room for at most {max} messages but {given} were given; drop or merge some")]
    TooManyLabelMessages { given: usize, max: usize },

    #[error(
        "label message {line} contains a control character (such as a line break or tab); \
         use plain text on one line"
    )]
    LabelMessageControlCharacter { line: usize },

    #[error(
        "{value:?} cannot be printed as a Code 128 barcode: {reason}; barcodes take printable \
         ASCII characters (letters, digits, punctuation) only"
    )]
    Barcode { value: String, reason: String },

    #[error(
        "the carrier's label image could not be read ({reason}); download the label from the \
         carrier again, or void it and buy a new one"
    )]
    LabelImage { reason: String },

    #[error(
        "the carrier's PDF label could not be read ({reason}); download the label from the \
         carrier again, or void it and buy a new one"
    )]
    LabelPdf { reason: String },

    #[error(
        "the carrier returned this label as a PDF, which a ZPL printer cannot print; print the \
         batch as PDF, or set the carrier's label format to ZPL (or PNG/GIF) for thermal printers"
    )]
    PdfLabelInZpl,

    #[error(
        "the carrier returned this label as ZPL, which can only be sent to a thermal printer, \
         not placed in a PDF; print the batch as ZPL, or set the carrier's label format to PNG \
         or GIF for PDF output"
    )]
    ZplLabelInPdf,

    #[error(transparent)]
    Template(#[from] TemplateError),

    #[error("order {order_number}: {source}")]
    Order {
        order_number: String,
        #[source]
        source: Box<DocumentError>,
    },

    #[error("assembling the PDF failed ({reason}); this is a defect in Wharf, please report it")]
    Pdf { reason: String },
}

impl DocumentError {
    pub(crate) fn in_order(self, order_number: &str) -> DocumentError {
        DocumentError::Order { order_number: order_number.to_owned(), source: Box::new(self) }
    }
}

/// Which text a [`Position`] points into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The template source the seller wrote.
    Template,
    /// The markup the template produced with the order's data (for problems that only appear
    /// once variables are filled in, such as an element name built from a variable).
    Output,
}

/// A 1-based line and column (in characters) in a template or its output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub origin: Origin,
}

impl Position {
    /// The position of byte `offset` in `text`.
    pub(crate) fn at(text: &str, offset: usize, origin: Origin) -> Position {
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position { line, column: before[line_start..].chars().count() + 1, origin }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin {
            Origin::Template => write!(f, "line {}, column {}", self.line, self.column),
            Origin::Output => {
                write!(f, "line {}, column {} of the markup the template produced", self.line, self.column)
            }
        }
    }
}

/// A packing-slip template that cannot be used, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("template syntax error at {at}: {message}")]
    Syntax { at: Position, message: String },

    #[error("template failed at {at} while filling in the order: {message}")]
    Render { at: Position, message: String },

    #[error("unknown element <{name}> at {at}; the elements are: {known}")]
    UnknownElement { name: String, at: Position, known: String },

    #[error("<{element}> has no attribute \"{attribute}\" ({at}); it takes: {known}")]
    UnknownAttribute { element: String, attribute: String, at: Position, known: String },

    #[error("{attribute}=\"{value}\" on <{element}> at {at} is not valid: expected {expected}")]
    InvalidAttribute { element: String, attribute: String, value: String, at: Position, expected: String },

    #[error("<{element}> at {at} cannot contain {found}; {allowed}")]
    Misplaced { element: String, found: String, at: Position, allowed: String },

    #[error("malformed markup at {at}: {message} (the line reads: {excerpt:?})")]
    Markup { at: Position, message: String, excerpt: String },
}

impl TemplateError {
    /// The same error at `at`; a markup error also gets that line's text as its excerpt.
    pub(crate) fn relocated(self, at: Position, line_text: String) -> TemplateError {
        match self {
            TemplateError::Syntax { message, .. } => TemplateError::Syntax { at, message },
            TemplateError::Render { message, .. } => TemplateError::Render { at, message },
            TemplateError::UnknownElement { name, known, .. } => TemplateError::UnknownElement { name, at, known },
            TemplateError::UnknownAttribute { element, attribute, known, .. } => {
                TemplateError::UnknownAttribute { element, attribute, at, known }
            }
            TemplateError::InvalidAttribute { element, attribute, value, expected, .. } => {
                TemplateError::InvalidAttribute { element, attribute, value, at, expected }
            }
            TemplateError::Misplaced { element, found, allowed, .. } => {
                TemplateError::Misplaced { element, found, at, allowed }
            }
            TemplateError::Markup { message, .. } => TemplateError::Markup { at, message, excerpt: line_text },
        }
    }

    /// Where the problem is.
    pub fn position(&self) -> Position {
        match self {
            TemplateError::Syntax { at, .. }
            | TemplateError::Render { at, .. }
            | TemplateError::UnknownElement { at, .. }
            | TemplateError::UnknownAttribute { at, .. }
            | TemplateError::InvalidAttribute { at, .. }
            | TemplateError::Misplaced { at, .. }
            | TemplateError::Markup { at, .. } => *at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters_from_one() {
        let text = "ab\ncé<x";
        let at = Position::at(text, text.find('<').unwrap(), Origin::Template);
        assert_eq!((at.line, at.column), (2, 3));
        assert_eq!(at.to_string(), "line 2, column 3");
        assert_eq!(Position::at(text, 0, Origin::Output).to_string().split(',').next(), Some("line 1"));
    }
}
