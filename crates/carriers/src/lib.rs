//! carriers
