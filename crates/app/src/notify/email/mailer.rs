//! Sending an e-mail: over SMTP with lettre (STARTTLS, implicit TLS or none; AUTH when a username is set), or,
//! without an SMTP server, as an `.eml` file in `DATA_DIR/outbox/` (nothing reaches the recipient).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use jiff::Timestamp;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::notify::{NotifyConfig, SmtpSettings, SmtpTls};

/// An e-mail address as lettre checks it (for callers that check one before it is used).
pub use lettre::Address;

/// One e-mail to send.
#[derive(Clone, Debug)]
pub struct OutgoingMail {
    pub to: String,
    pub to_name: Option<String>,
    /// Shown as the sender's name (the address is always `mail_from`'s).
    pub from_name: Option<String>,
    pub reply_to: Option<String>,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// Stable per message, so a re-sent e-mail carries the same `Message-ID` (`<id@wharf>`).
    pub message_id: String,
    pub date: Timestamp,
}

/// Where an e-mail went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "via")]
pub enum Delivery {
    /// Accepted by the SMTP server.
    Smtp { server: String },
    /// No SMTP server is configured: written here, and nobody received it.
    File { path: PathBuf },
}

impl Delivery {
    pub fn reached_recipient(&self) -> bool {
        matches!(self, Delivery::Smtp { .. })
    }
}

/// Why an e-mail did not go, and whether trying again later can help.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MailError {
    pub retryable: bool,
    pub message: String,
}

impl MailError {
    fn terminal(message: String) -> Self {
        MailError { retryable: false, message }
    }
    fn retryable(message: String) -> Self {
        MailError { retryable: true, message }
    }
}

fn mailbox(name: Option<&str>, address: &str, what: &str) -> Result<Mailbox, MailError> {
    let address = address.trim();
    let parsed = address
        .parse::<lettre::Address>()
        .map_err(|e| MailError::terminal(format!("the {what} address '{address}' is not an e-mail address ({e})")))?;
    Ok(Mailbox::new(name.map(str::to_owned).filter(|n| !n.trim().is_empty()), parsed))
}

/// The MIME message: multipart/alternative with the text part first and the HTML part second.
pub fn build_message(config: &NotifyConfig, mail: &OutgoingMail) -> Result<Message, MailError> {
    let from: Mailbox = config.mail_from.parse().map_err(|e| {
        MailError::retryable(format!(
            "smtp.from '{}' is not an e-mail address ({e}); fix the configuration",
            config.mail_from
        ))
    })?;
    let from = Mailbox::new(mail.from_name.clone().or(from.name), from.email);
    let mut builder = Message::builder()
        .from(from)
        .to(mailbox(mail.to_name.as_deref(), &mail.to, "recipient")?)
        .subject(mail.subject.clone())
        .message_id(Some(format!("<{}@wharf>", mail.message_id)))
        .date(SystemTime::try_from(mail.date).unwrap_or(SystemTime::UNIX_EPOCH));
    if let Some(reply_to) = mail.reply_to.as_deref().filter(|r| !r.trim().is_empty()) {
        builder = builder.reply_to(mailbox(None, reply_to, "reply-to")?);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.text.clone()))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(mail.html.clone())),
        )
        .map_err(|e| MailError::terminal(format!("the e-mail cannot be built: {e}")))
}

/// Sends `mail` over SMTP, or writes it to `data_dir/outbox/` when no SMTP server is configured.
pub async fn send(config: &NotifyConfig, data_dir: &Path, mail: &OutgoingMail) -> Result<Delivery, MailError> {
    let message = build_message(config, mail)?;
    match &config.smtp {
        Some(smtp) => send_smtp(smtp, message).await,
        None => write_eml(data_dir, mail, &message).map(|path| Delivery::File { path }),
    }
}

async fn send_smtp(smtp: &SmtpSettings, message: Message) -> Result<Delivery, MailError> {
    let server = format!("{}:{}", smtp.host, smtp.port);
    let transport = transport(smtp)?;
    match transport.send(message).await {
        Ok(_) => Ok(Delivery::Smtp { server }),
        Err(e) => Err(classify(&server, &e)),
    }
}

fn transport(smtp: &SmtpSettings) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let tls = || -> Result<TlsParameters, MailError> {
        let mut builder = TlsParameters::builder(smtp.host.clone());
        if let Some(ca_file) = &smtp.ca_file {
            let pem = std::fs::read(ca_file).map_err(|e| {
                MailError::retryable(format!(
                    "cannot read smtp.ca_file {}: {e}; fix the configuration",
                    ca_file.display()
                ))
            })?;
            let certificate = Certificate::from_pem(&pem).map_err(|e| {
                MailError::retryable(format!("smtp.ca_file {} is not a PEM certificate: {e}", ca_file.display()))
            })?;
            builder = builder.add_root_certificate(certificate);
        }
        builder.build().map_err(|e| MailError::retryable(format!("cannot set up TLS for {}: {e}", smtp.host)))
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(smtp.timeout))
        .tls(match smtp.tls {
            SmtpTls::Starttls => Tls::Required(tls()?),
            SmtpTls::Tls => Tls::Wrapper(tls()?),
            SmtpTls::None => Tls::None,
        });
    if let Some(username) = &smtp.username {
        let password = smtp.password.as_ref().map(|p| p.expose_secret().to_owned()).unwrap_or_default();
        builder = builder.credentials(Credentials::new(username.clone(), password));
    }
    Ok(builder.build())
}

/// Permanent refusals of the message or recipient are terminal; a refused login, a timeout, a connection or
/// TLS failure and temporary refusals are retried (the configuration or the server may be fixed meanwhile).
fn classify(server: &str, e: &lettre::transport::smtp::Error) -> MailError {
    let code = e.status().map(|c| c.to_string());
    // A status code means the server answered and said no; without one, the conversation itself failed.
    let text =
        format!("the SMTP server {server} {}: {e}", if code.is_some() { "refused the e-mail" } else { "failed" });
    match code.as_deref() {
        Some("530" | "534" | "535" | "538") => {
            MailError::retryable(format!("{text}; check smtp.username and smtp.password"))
        }
        _ if e.is_permanent() => MailError::terminal(text),
        _ => MailError::retryable(text),
    }
}

/// Writes the e-mail as an `.eml` file (atomically: a temporary file renamed into place).
fn write_eml(data_dir: &Path, mail: &OutgoingMail, message: &Message) -> Result<PathBuf, MailError> {
    let dir = data_dir.join("outbox");
    let io = |e: std::io::Error| MailError::retryable(format!("cannot write the e-mail to {}: {e}", dir.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    let stamp = mail.date.strftime("%Y%m%dT%H%M%SZ");
    let name: String = mail
        .message_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .collect();
    let path = dir.join(format!("{stamp}-{name}.eml"));
    let temporary = dir.join(format!(".{stamp}-{name}.eml.tmp"));
    std::fs::write(&temporary, message.formatted()).map_err(io)?;
    std::fs::rename(&temporary, &path).map_err(io)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            to: "masked-5000101@seller.sears.com".into(),
            to_name: Some("Maria Gonzalez".into()),
            from_name: Some("Acme Kitchen".into()),
            reply_to: Some("help@acme.example".into()),
            subject: "Acme Kitchen: your order 5000101 has shipped".into(),
            html: "<p>Hello Maria</p>".into(),
            text: "Hello Maria".into(),
            message_id: "msg_0001".into(),
            date: "2024-05-03T20:00:00Z".parse().unwrap(),
        }
    }

    #[tokio::test]
    async fn without_smtp_the_mail_is_an_eml_file() {
        let dir = tempfile::tempdir().unwrap();
        let config = NotifyConfig { mail_from: "Wharf <orders@acme.example>".into(), ..Default::default() };
        let delivery = send(&config, dir.path(), &mail()).await.unwrap();
        let Delivery::File { path } = &delivery else { panic!("{delivery:?}") };
        assert!(!delivery.reached_recipient());
        assert_eq!(path, &dir.path().join("outbox").join("20240503T200000Z-msg_0001.eml"));
        let eml = std::fs::read_to_string(path).unwrap();
        for header in [
            "From: \"Acme Kitchen\" <orders@acme.example>",
            "To: \"Maria Gonzalez\" <masked-5000101@seller.sears.com>",
            "Reply-To: help@acme.example",
            "Subject: Acme Kitchen: your order 5000101 has shipped",
            "Message-ID: <msg_0001@wharf>",
            "Date: Fri, 03 May 2024 20:00:00 +0000",
            "Content-Type: multipart/alternative",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Type: text/html; charset=utf-8",
        ] {
            assert!(eml.contains(header), "{header} missing in\n{eml}");
        }
        assert!(std::fs::read_dir(dir.path().join("outbox")).unwrap().count() == 1, "no temporary file left");
    }

    #[test]
    fn a_bad_recipient_is_terminal() {
        let config = NotifyConfig::default();
        let err = build_message(&config, &OutgoingMail { to: "not an address".into(), ..mail() }).unwrap_err();
        assert!(!err.retryable);
        assert!(err.message.contains("recipient address 'not an address'"), "{}", err.message);
    }

    #[tokio::test]
    async fn an_unreachable_server_is_retried() {
        let config = NotifyConfig {
            smtp: Some(SmtpSettings {
                host: "127.0.0.1".into(),
                port: 9,
                username: None,
                password: None,
                tls: SmtpTls::None,
                ca_file: None,
                timeout: std::time::Duration::from_secs(5),
            }),
            ..Default::default()
        };
        let err = send(&config, Path::new("/nonexistent"), &mail()).await.unwrap_err();
        assert!(err.retryable, "{err:?}");
        assert!(err.message.contains("127.0.0.1:9"), "{}", err.message);
    }
}
