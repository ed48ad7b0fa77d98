//! Wharf's documents: 4x6 shipping labels (PDF and ZPL II), packing slips from seller-editable
//! templates, pick lists, and batch files that put them together.
//!
//! Rendering only: no network, database or file access. Callers pass plain data (and image
//! bytes) in and get PDF bytes or ZPL text back. See README.md for an overview and
//! TEMPLATES.md for the packing-slip template language.

mod address;
mod barcode;
mod batch;
mod canvas;
mod color;
mod error;
mod fonts;
mod images;
mod label;
mod label_image;
mod layout;
mod markup;
mod money;
mod natural_order;
mod pick_list;
mod slip;
mod template;
mod zpl;

pub use address::Address;
pub use batch::{
    BatchEntry, BatchOptions, BatchSortKey, render_batch_pdf, render_batch_pdf_each, render_batch_slips_pdf,
    render_batch_slips_pdf_each, render_batch_zpl, sort_batch, sort_batch_with,
};
pub use color::Rgb;
pub use error::{DocumentError, Origin, Position, TemplateError};
pub use images::{Rotation, SharedBytes};
pub use label::{
    CarrierImage, CarrierPdf, Dpi, DrawnLabel, Label, LabelMessages, MAX_LABEL_MESSAGE_CHARS, MAX_LABEL_MESSAGES,
    PackageWeight, TEST_LABEL_BANNER, WeightUnit, render_label_pdf,
};
pub use pick_list::{PickItem, PickLine, PickList, PickOrder, pick_lines, render_pick_list_pdf};
pub use slip::{Branding, ItemOption, PackingSlip, SlipItem, SlipPageSize, Totals, sample_slip_data};
pub use template::{DEFAULT_SLIP_TEMPLATE, SlipTemplate, preview_slip_pdf, render_slip_pdf, render_slips_pdf};
pub use zpl::render_label_zpl;
