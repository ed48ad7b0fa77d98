//! carrier-sandbox
