//! Errors of the domain: a value that does not parse, or a rule that forbids a change.

use std::fmt;

/// A value given by a person or a file that is not what the field needs. Says which field, what was given,
/// and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    pub field: &'static str,
    pub given: String,
    pub hint: String,
}

impl ParseError {
    pub fn new(field: &'static str, given: impl fmt::Display, hint: impl Into<String>) -> Self {
        ParseError { field, given: given.to_string(), hint: hint.into() }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {} '{}': {}", self.field, self.given, self.hint)
    }
}
