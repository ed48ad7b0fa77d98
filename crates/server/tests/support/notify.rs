//! Telling the world on the harness: settling the Sears worker (advancing the sandbox clock and draining the
//! job queue until no Sears message waits), reading the Sears sandbox's own record of the feeds it received,
//! checking each ASN with xmllint, and a real SMTP server (aiosmtpd, STARTTLS and AUTH with a throwaway CA made
//! with openssl) that writes what it receives as JSON.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use jiff::SignedDuration;
use tokio::io::{AsyncBufReadExt, BufReader};
use wharf_app::notify::{NotifyConfig, SmtpSettings, SmtpTls};
use wharf_domain::Order;
use wharf_domain::outbox::{MessageKind, MessageState, OutboxMessage};
use wharf_sears_sandbox::{FeedKind, FeedOutcome, FeedRecord, OrderRef, OrderState};

use super::Harness;

pub const SEARS_KINDS: [MessageKind; 2] = [MessageKind::SearsShipment, MessageKind::SearsLineCancel];

impl Harness {
    /// Sears messages still pending or sent (waiting for a report or a re-read).
    pub async fn sears_in_flight(&self) -> u64 {
        self.app
            .store
            .count_messages(&self.account, &SEARS_KINDS, &[MessageState::Pending, MessageState::Sent])
            .await
            .unwrap()
    }

    /// Advances the clock a minute at a time and drains the job queue until no Sears message is in flight
    /// (at most `rounds` minutes). Returns the rounds it took.
    pub async fn settle_sears(&self, rounds: usize) -> usize {
        self.drain_jobs().await;
        for round in 1..=rounds {
            if self.sears_in_flight().await == 0 {
                return round - 1;
            }
            self.advance(SignedDuration::from_secs(61));
            self.drain_jobs().await;
        }
        let left = self.sears_in_flight().await;
        assert_eq!(left, 0, "Sears messages still in flight after {rounds} minutes");
        rounds
    }

    pub async fn messages(&self, order: &Order) -> Vec<OutboxMessage> {
        self.app.store.order_messages(&self.account, &order.order_id).await.unwrap()
    }

    pub async fn message_of(&self, order: &Order, kind: MessageKind) -> OutboxMessage {
        let found: Vec<OutboxMessage> = self.messages(order).await.into_iter().filter(|m| m.kind == kind).collect();
        assert_eq!(found.len(), 1, "one {kind:?} message of order {}: {found:?}", order.order_number);
        found.into_iter().next().unwrap()
    }

    /// Every feed the Sears sandbox received, oldest first.
    pub fn feeds(&self, kind: FeedKind) -> Vec<FeedRecord> {
        self.sandbox.control().feeds(None).into_iter().filter(|f| f.kind == kind).collect()
    }

    pub fn sandbox_order(&self, po_number: &str, po_date: &str) -> OrderState {
        self.sandbox.control().order(&OrderRef::new(po_number, po_date.parse().unwrap())).unwrap()
    }

    /// The sandbox's state of a Wharf order.
    pub fn sandbox_order_of(&self, order: &Order) -> OrderState {
        let sears = order.sears.as_ref().unwrap();
        self.sandbox.control().order(&OrderRef::new(sears.po_number.clone(), sears.po_date)).unwrap()
    }
}

/// How often each tracking number appears in the ASN feeds Sears accepted (by the feeds' own XML text).
pub fn reported(feeds: &[FeedRecord], tracking: &str) -> usize {
    let element = format!("<tracking-number>{tracking}</tracking-number>");
    feeds.iter().filter(|f| f.outcome == FeedOutcome::Accepted).map(|f| f.xml.matches(&element).count()).sum()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Checks a feed the sandbox received against Sears's XSD with `spec/sears/validate` (xmllint).
pub fn validate(xsd: &str, xml: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("feed.xml");
    std::fs::write(&file, xml).unwrap();
    let out = std::process::Command::new(repo_root().join("spec/sears/validate"))
        .arg(xsd)
        .arg(&file)
        .output()
        .expect("spec/sears/validate runs (xmllint from Debian's libxml2-utils)");
    assert!(
        out.status.success(),
        "{xsd} refuses the feed:\n{}{}\n{xml}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A throwaway certificate authority and a server certificate for 127.0.0.1 signed by it (openssl).
pub struct TestCertificates {
    pub dir: tempfile::TempDir,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl").current_dir(dir).args(args).output().expect("openssl runs");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

pub fn test_certificates() -> TestCertificates {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Wharf test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ],
    );
    std::fs::write(
        d.join("ext.cnf"),
        "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n\
         subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-out",
            "server.pem",
        ],
    );
    TestCertificates { ca: d.join("ca.pem"), cert: d.join("server.pem"), key: d.join("server.key"), dir }
}

/// aiosmtpd with STARTTLS and AUTH, writing each message it receives as JSON into `out`.
pub struct SmtpServer {
    pub port: u16,
    pub out: tempfile::TempDir,
    pub certificates: TestCertificates,
    _process: tokio::process::Child,
}

pub const SMTP_USER: &str = "wharf-test";
pub const SMTP_PASSWORD: &str = "s3cret-smtp-pass";

impl SmtpServer {
    /// Starts the server; `reject` recipients are refused with 550.
    pub async fn start(reject: &[&str]) -> SmtpServer {
        let certificates = test_certificates();
        let out = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_server.py");
        let mut command = tokio::process::Command::new("python3");
        command
            .arg(script)
            .arg("--cert")
            .arg(&certificates.cert)
            .arg("--key")
            .arg(&certificates.key)
            .args(["--user", SMTP_USER, "--password", SMTP_PASSWORD])
            .arg("--out")
            .arg(out.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        for r in reject {
            command.args(["--reject", r]);
        }
        let mut process = command.spawn().expect("python3 runs (aiosmtpd: scripts/install-test-deps)");
        let mut lines = BufReader::new(process.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
            .await
            .expect("the SMTP server starts")
            .unwrap()
            .expect("the SMTP server says READY (is aiosmtpd installed? scripts/install-test-deps)");
        let port = line.strip_prefix("READY ").expect("READY <port>").trim().parse().unwrap();
        SmtpServer { port, out, certificates, _process: process }
    }

    /// Wharf's settings for this server: STARTTLS, AUTH, the test CA trusted.
    pub fn notify_config(&self, password: &str) -> NotifyConfig {
        NotifyConfig {
            smtp: Some(SmtpSettings {
                host: "127.0.0.1".into(),
                port: self.port,
                username: Some(SMTP_USER.into()),
                password: Some(password.to_owned().into()),
                tls: SmtpTls::Starttls,
                ca_file: Some(self.certificates.ca.clone()),
                timeout: std::time::Duration::from_secs(10),
            }),
            mail_from: "Harbor Goods <orders@harbor.example>".into(),
            ..NotifyConfig::default()
        }
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<serde_json::Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.out.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        files.iter().map(|f| serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap()).collect()
    }
}
