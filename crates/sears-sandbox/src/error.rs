//! The one error type of the sandbox's Rust and control APIs.

use jiff::civil::Date;

/// What went wrong in a control operation or while starting the sandbox, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("could not listen on 127.0.0.1:{port}: {source}; choose another port (0 picks a free one)")]
    Bind { port: u16, source: std::io::Error },

    #[error("the sandbox server stopped with an error: {0}")]
    Serve(std::io::Error),

    #[error("no seller {seller_id} in the sandbox; list sellers with GET /sandbox/control/sellers or add one")]
    UnknownSeller { seller_id: String },

    #[error("seller {seller_id} already exists; pick another seller id")]
    SellerExists { seller_id: String },

    #[error(
        "seller {seller_id} has no purchase order {po_number} dated {po_date}; list orders with GET /sandbox/control/orders"
    )]
    OrderNotFound { seller_id: String, po_number: String, po_date: Date },

    #[error("seller {seller_id} already has purchase order {po_number} dated {po_date}; use another PO number or date")]
    OrderExists { seller_id: String, po_number: String, po_date: Date },

    #[error("invalid order: {0}")]
    InvalidOrder(String),

    #[error("{0}")]
    InvalidRequest(String),

    #[error("the operation does not fit the order's state: {0}")]
    Conflict(String),
}

impl SandboxError {
    /// The HTTP status the control API answers with.
    pub(crate) fn http_status(&self) -> u16 {
        match self {
            SandboxError::Bind { .. } | SandboxError::Serve(_) => 500,
            SandboxError::UnknownSeller { .. } | SandboxError::OrderNotFound { .. } => 404,
            SandboxError::SellerExists { .. } | SandboxError::OrderExists { .. } | SandboxError::Conflict(_) => 409,
            SandboxError::InvalidOrder(_) | SandboxError::InvalidRequest(_) => 400,
        }
    }
}
