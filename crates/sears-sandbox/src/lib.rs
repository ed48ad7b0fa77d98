//! sears-sandbox
