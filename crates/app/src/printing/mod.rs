//! The documents glue: turns orders, stores, shipments and print settings into what `wharf-documents`
//! renders (labels and packing slips in one batch file, pick lists, template previews), with product images
//! and store logos fetched and cached on the way.

pub mod batch_documents;
pub mod images;
pub mod label_messages;
pub mod settings;
pub mod slips;

pub use batch_documents::{LeftOut, PrintFormat, PrintOptions, PrintedBatch, pick_list, preview_slip, print_batch};
pub use images::{ImageCache, ImageLimits};
pub use label_messages::LabelMessageTemplates;
pub use settings::{PrintSetup, save_settings};
pub use wharf_documents::{BatchSortKey, Dpi, SlipPageSize};
