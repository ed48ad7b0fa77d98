//! Telling the world (issue 6): the workers that deliver the outbox (Sears shipment updates and line
//! cancellations, customer e-mails), the customer requests read from Sears on every import, tracking
//! refreshes, and alerts.
//!
//! * `sears_updates`: one job per store sends due ASNs and line cancellations in feeds of many orders, polls
//!   the processing reports, and re-reads the purchase order before ever sending again after a PUT whose
//!   outcome is unknown (timeouts, crashes): no package is reported twice.
//! * `actions`: what the seller does (`ship-short`, `cancel-line`, `retry-notification`).
//! * `email`: customer e-mails from minijinja templates, sent over SMTP or written as `.eml` files.
//! * `requests`: customer cancellation and return requests, read after each import.
//! * `tracking` and `alerts`: scheduled jobs.

use std::path::PathBuf;

use jiff::SignedDuration;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

pub mod actions;
pub mod alerts;
pub mod asn;
pub mod email;
pub mod jobs;
pub mod orders;
pub mod requests;
pub mod sears_lines;
pub mod sears_updates;
pub mod tracking;

pub use jobs::{
    ALERTS_JOB, EMAIL_JOB, SEARS_UPDATES_JOB, TRACKING_JOB, schedule_installation_jobs, schedule_store_jobs,
};

/// How Wharf tells the world: the mail server, and how often the workers run.
#[derive(Clone, Debug)]
pub struct NotifyConfig {
    /// `None`: no SMTP server; e-mails are written as `.eml` files to `DATA_DIR/outbox/` and each order says
    /// that the customer was not reached.
    pub smtp: Option<SmtpSettings>,
    /// The From of customer e-mails and alerts (a store's reply-to, when set, is the Reply-To).
    pub mail_from: String,
    /// Sears feeds go out at least this often while updates wait (SPEC.md decision 9: 60 s).
    pub sears_feed_interval: SignedDuration,
    /// How soon a processing report is asked for after a PUT, and again while Sears says In Process.
    pub report_poll_interval: SignedDuration,
    /// After a PUT whose outcome is unknown (timeout, crash), how long Sears gets to apply it before the
    /// purchase order is re-read to decide whether to send again.
    pub recheck_after: SignedDuration,
    /// Orders per ASN feed (and lines per cancel feed): many per feed keep thousands of shipments an hour
    /// within Sears's 300 ASN files per hour.
    pub max_records_per_feed: usize,
    /// How often the e-mail worker looks for due e-mails.
    pub email_interval: SignedDuration,
    /// E-mail attempts before a retryable failure becomes terminal (with backoff in between).
    pub email_max_attempts: u32,
    /// How often tracking is refreshed for shipments in transit.
    pub tracking_interval: SignedDuration,
    /// How often alert conditions are checked.
    pub alert_interval: SignedDuration,
    /// An alert condition that persists is e-mailed again after this long (at most daily by default).
    pub alert_repeat: SignedDuration,
}

impl Default for NotifyConfig {
    fn default() -> Self {
        NotifyConfig {
            smtp: None,
            mail_from: "Wharf <wharf@localhost>".into(),
            sears_feed_interval: SignedDuration::from_secs(60),
            report_poll_interval: SignedDuration::from_secs(30),
            recheck_after: SignedDuration::from_mins(5),
            max_records_per_feed: 1000,
            email_interval: SignedDuration::from_secs(30),
            email_max_attempts: 8,
            tracking_interval: SignedDuration::from_mins(30),
            alert_interval: SignedDuration::from_mins(5),
            alert_repeat: SignedDuration::from_hours(24),
        }
    }
}

/// An SMTP server (lettre).
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub tls: SmtpTls,
    /// A PEM file of extra certificate authorities to trust (a relay with an internal CA).
    pub ca_file: Option<PathBuf>,
    pub timeout: std::time::Duration,
}

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS (required), usually port 587.
    Starttls,
    /// TLS from the first byte (SMTPS), usually port 465.
    Tls,
    /// No encryption (a relay on the same machine); never with a password over a network.
    None,
}

impl std::str::FromStr for SmtpTls {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(SmtpTls::Starttls),
            "tls" => Ok(SmtpTls::Tls),
            "none" => Ok(SmtpTls::None),
            other => Err(format!("smtp.tls is '{other}'; use starttls, tls or none")),
        }
    }
}

/// How long a failed delivery (Sears feed or e-mail) waits before its next attempt: 1, 2, 4 … 60 minutes.
pub(crate) fn retry_backoff(attempts: u32) -> jiff::SignedDuration {
    let exponent = attempts.saturating_sub(1).min(6);
    jiff::SignedDuration::from_mins(1 << exponent).min(jiff::SignedDuration::from_hours(1))
}
