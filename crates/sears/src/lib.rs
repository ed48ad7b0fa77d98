//! sears
