//! Where the database is: a SQLite file or a PostgreSQL URL, chosen from one string (`--database`,
//! `WHARF_DATABASE`), and how to show that string without its password.

use std::fmt;
use std::path::PathBuf;

use url::Url;

use crate::{Result, StorageError};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parsed database location. `Debug` and `Display` hide any password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseLocation {
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL, as given (it may hold a password).
    Postgres(String),
}

impl DatabaseLocation {
    /// `sqlite://PATH` or a plain path is SQLite (`sqlite:///abs/path` is absolute, `sqlite://rel/path`
    /// relative); `postgres://…` or `postgresql://…` is PostgreSQL.
    pub fn parse(location: &str) -> Result<Self> {
        let text = location.trim();
        let invalid =
            |reason: &str| StorageError::InvalidLocation { location: redact(text), reason: reason.to_owned() };
        if text.is_empty() {
            return Err(invalid("it is empty"));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Url::parse(text).map_err(|e| invalid(&format!("not a valid URL ({e})")))?;
            return Ok(DatabaseLocation::Postgres(text.to_owned()));
        }
        if let Some(path) = text.strip_prefix("sqlite://").or_else(|| text.strip_prefix("sqlite:")) {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path.starts_with(":memory:") {
                return Err(invalid("Wharf keeps its data in a file that the CLI and the server share; name a file"));
            }
            return Ok(DatabaseLocation::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(invalid(&format!("Wharf does not support {scheme:?} databases")));
        }
        Ok(DatabaseLocation::Sqlite(PathBuf::from(text)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseLocation::Sqlite(_) => Backend::Sqlite,
            DatabaseLocation::Postgres(_) => Backend::Postgres,
        }
    }
}

impl fmt::Display for DatabaseLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseLocation::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseLocation::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for DatabaseLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseLocation({self})")
    }
}

/// The location with any password replaced by `***`, for errors and logs.
pub(crate) fn redact(location: &str) -> String {
    match Url::parse(location) {
        Ok(mut url) if url.password().is_some() => {
            // Cannot fail: a URL with a password has a host.
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        Ok(url) if url.query_pairs().any(|(k, _)| k.eq_ignore_ascii_case("password")) => {
            let mut clean = url.clone();
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k.eq_ignore_ascii_case("password") { "***".to_owned() } else { v.into_owned() };
                    (k.into_owned(), v)
                })
                .collect();
            clean.query_pairs_mut().clear().extend_pairs(pairs);
            clean.to_string()
        }
        _ => location.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_urls_pick_the_backend() {
        assert_eq!(
            DatabaseLocation::parse("/var/lib/wharf/wharf.db").unwrap(),
            DatabaseLocation::Sqlite(PathBuf::from("/var/lib/wharf/wharf.db"))
        );
        assert_eq!(
            DatabaseLocation::parse("sqlite:///var/lib/wharf/wharf.db").unwrap(),
            DatabaseLocation::Sqlite(PathBuf::from("/var/lib/wharf/wharf.db"))
        );
        assert_eq!(
            DatabaseLocation::parse("sqlite://data/wharf.db?mode=rwc").unwrap(),
            DatabaseLocation::Sqlite(PathBuf::from("data/wharf.db"))
        );
        assert_eq!(
            DatabaseLocation::parse("postgres://wharf@db.internal:5432/wharf").unwrap(),
            DatabaseLocation::Postgres("postgres://wharf@db.internal:5432/wharf".into())
        );
        assert_eq!(DatabaseLocation::parse("postgresql://db/wharf").unwrap().backend(), Backend::Postgres);
    }

    #[test]
    fn unusable_locations_say_what_to_give() {
        let mysql = DatabaseLocation::parse("mysql://root:hunter2@db/wharf").unwrap_err().to_string();
        assert!(mysql.contains("does not support \"mysql\""), "{mysql}");
        assert!(mysql.contains("postgres://USER@HOST"), "{mysql}");
        assert!(!mysql.contains("hunter2"), "{mysql}");
        let memory = DatabaseLocation::parse("sqlite::memory:").unwrap_err().to_string();
        assert!(memory.contains("name a file"), "{memory}");
        assert!(DatabaseLocation::parse("  ").is_err());
    }

    #[test]
    fn passwords_never_show() {
        let location = DatabaseLocation::parse("postgres://wharf:s3cret@db:5432/wharf").unwrap();
        assert_eq!(location.to_string(), "postgres://wharf:***@db:5432/wharf");
        assert!(!format!("{location:?}").contains("s3cret"));
        assert_eq!(
            redact("postgres://db/wharf?user=wharf&password=s3cret"),
            "postgres://db/wharf?user=wharf&password=***"
        );
        assert_eq!(redact("/var/lib/wharf.db"), "/var/lib/wharf.db");
    }
}
