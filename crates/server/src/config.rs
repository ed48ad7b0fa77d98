//! Configuration, layered: built-in defaults, then `wharf.toml`, then `WHARF_…` environment variables, then
//! command-line flags. Unknown keys in the file or the environment are warned about (a typo must not be
//! silently ignored).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Environment variables that start with `WHARF_` but are not configuration keys.
const NOT_CONFIG_ENV: &[&str] =
    &["WHARF_FAILPOINT", "WHARF_TEST_PG_URL", "WHARF_SEARS_AUTH_KEY", "WHARF_UPS_CLIENT_SECRET"];

/// Settings whose values are secrets: never serialized, and never quoted in an error.
const SECRET_KEYS: &[&str] = &["master_key", "smtp.password"];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database, the master key file and the e-mail outbox live.
    pub data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL; empty means the SQLite file in the data directory.
    pub database_url: Option<String>,
    /// Base64 of 32 bytes; when absent, a key file `master.key` in the data directory is used (created on
    /// first start).
    #[serde(skip_serializing)]
    pub master_key: Option<SecretString>,
    pub bind: String,
    pub port: u16,
    /// A tracing filter, e.g. `info` or `wharf=debug,info`.
    pub log: String,
    /// `text` or `json`.
    pub log_format: String,
    /// Job-queue workers per instance.
    pub workers: u32,
    pub sears: SearsSettings,
    pub carriers: CarrierSettings,
    /// Customer e-mails and alerts (issue 6); without `smtp.host` e-mails are written to `DATA_DIR/outbox/`.
    pub smtp: crate::commands::notify::SmtpConfig,
    pub notify: crate::commands::notify::NotifySettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearsSettings {
    pub timeout_secs: u64,
    pub purchase_order_version: u32,
    pub requests_per_minute: u32,
    pub asn_files_per_hour: u32,
    pub order_updates_per_hour: u32,
    /// How long every store waits after Sears answers `403 rate limited`.
    pub rate_limit_backoff_minutes: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./wharf-data"),
            database_url: None,
            master_key: None,
            bind: "127.0.0.1".into(),
            port: 8080,
            log: "info".into(),
            log_format: "text".into(),
            workers: 2,
            sears: SearsSettings::default(),
            carriers: CarrierSettings::default(),
            smtp: Default::default(),
            notify: Default::default(),
        }
    }
}

/// How Wharf talks to carriers (UPS).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierSettings {
    /// Longest wait for one carrier call; a label purchase that takes longer is looked up, never bought again.
    pub timeout_secs: u64,
}

impl Default for CarrierSettings {
    fn default() -> Self {
        CarrierSettings { timeout_secs: 60 }
    }
}

impl Default for SearsSettings {
    fn default() -> Self {
        SearsSettings {
            timeout_secs: 60,
            purchase_order_version: 19,
            requests_per_minute: 500,
            asn_files_per_hour: 300,
            order_updates_per_hour: 200,
            rate_limit_backoff_minutes: 15,
        }
    }
}

/// A loaded configuration and the warnings found while loading it.
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

/// Loads defaults, then `file` (if it exists), then `WHARF_…` variables from `env`.
pub fn load(file: &Path, env: &[(String, String)]) -> Result<Loaded, String> {
    let known = known_keys();
    let mut merged = serde_json::to_value(Config::default()).expect("config serializes");
    let mut warnings = Vec::new();
    if file.exists() {
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        let value: toml::Value =
            toml::from_str(&text).map_err(|e| format!("{} is not valid TOML: {e}", file.display()))?;
        let value = serde_json::to_value(value).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut found = BTreeSet::new();
        collect_keys("", &value, &mut found);
        for key in found {
            match value_at(&value, &key) {
                Some(v) if known.contains(&key) => set_key(&mut merged, &key, v.clone()),
                _ => warnings.push(format!("{}: unknown setting '{key}' is ignored", file.display())),
            }
        }
    }
    for (name, value) in env {
        if !name.starts_with("WHARF_") || NOT_CONFIG_ENV.contains(&name.as_str()) {
            continue;
        }
        let key = name["WHARF_".len()..].to_ascii_lowercase().replace("__", ".");
        if known.contains(&key) {
            let typed = env_value(value_at(&merged, &key), value);
            set_key(&mut merged, &key, typed);
        } else {
            warnings.push(format!("environment: unknown setting {name} is ignored"));
        }
    }
    // serde_path_to_error names the setting that failed ("port: invalid type ..."), so the error says what to fix.
    let config: Config = serde_path_to_error::deserialize(merged).map_err(|e| {
        let key = e.path().to_string();
        let env_name = format!("WHARF_{}", key.to_ascii_uppercase().replace('.', "__"));
        // serde quotes the value it refused; a secret's value must not reach the terminal or a log.
        let why = if SECRET_KEYS.contains(&key.as_str()) {
            "the value (not shown: it is a secret) must be text".to_owned()
        } else {
            e.inner().to_string()
        };
        format!("invalid configuration: setting '{key}' (in {} or {env_name}): {why}", file.display())
    })?;
    if !matches!(config.log_format.as_str(), "text" | "json") {
        return Err(format!("log_format must be 'text' or 'json', not '{}'", config.log_format));
    }
    Ok(Loaded { config, warnings })
}

/// Environment values are text; a setting whose default is a number or a boolean takes it parsed, so
/// `WHARF_PORT=9000` is a number while an all-digit password or user name stays text.
fn env_value(default: Option<&serde_json::Value>, value: &str) -> serde_json::Value {
    match default {
        Some(serde_json::Value::Number(_)) => value.parse::<i64>().map_or_else(|_| value.into(), Into::into),
        Some(serde_json::Value::Bool(_)) => value.parse::<bool>().map_or_else(|_| value.into(), Into::into),
        _ => value.into(),
    }
}

fn value_at<'v>(value: &'v serde_json::Value, dotted: &str) -> Option<&'v serde_json::Value> {
    dotted.split('.').try_fold(value, |v, part| v.get(part))
}

fn set_key(target: &mut serde_json::Value, dotted: &str, value: serde_json::Value) {
    let mut node = target;
    let parts: Vec<&str> = dotted.split('.').collect();
    for part in &parts[..parts.len() - 1] {
        node = &mut node[*part];
    }
    node[parts[parts.len() - 1]] = value;
}

/// Every dotted key the configuration knows, from the defaults (plus the secret that is never serialized).
fn known_keys() -> BTreeSet<String> {
    let value = serde_json::to_value(Config::default()).expect("config serializes");
    let mut keys: BTreeSet<String> = SECRET_KEYS.iter().map(|k| (*k).to_owned()).collect();
    keys.insert("database_url".to_owned());
    collect_keys("", &value, &mut keys);
    keys
}

fn collect_keys(prefix: &str, value: &serde_json::Value, keys: &mut BTreeSet<String>) {
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
            if v.is_object() {
                collect_keys(&key, v, keys);
            } else {
                keys.insert(key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("wharf.toml");
        std::fs::write(&file, "port = 9000\nlog = \"debug\"\n[sears]\ntimeout_secs = 5\n").unwrap();
        let loaded = load(&file, &env(&[("WHARF_PORT", "9100"), ("WHARF_SEARS__REQUESTS_PER_MINUTE", "100")])).unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        assert_eq!(loaded.config.port, 9100, "environment beats the file");
        assert_eq!(loaded.config.log, "debug", "the file beats the defaults");
        assert_eq!(loaded.config.sears.timeout_secs, 5);
        assert_eq!(loaded.config.sears.requests_per_minute, 100);
        assert_eq!(loaded.config.bind, "127.0.0.1", "defaults bind loopback only");
    }

    #[test]
    fn unknown_keys_are_warned_about_not_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("wharf.toml");
        std::fs::write(&file, "prot = 9000\n[sears]\ntimeout = 5\n").unwrap();
        let loaded = load(&file, &env(&[("WHARF_DATADIR", "/x"), ("WHARF_FAILPOINT", "a")])).unwrap();
        let warnings = loaded.warnings.join("\n");
        assert!(warnings.contains("unknown setting 'prot'"), "{warnings}");
        assert!(warnings.contains("unknown setting 'sears.timeout'"), "{warnings}");
        assert!(warnings.contains("WHARF_DATADIR"), "{warnings}");
        assert!(!warnings.contains("WHARF_FAILPOINT"), "{warnings}");
        assert_eq!(loaded.config.port, 8080);
    }

    #[test]
    fn bad_values_are_errors_that_name_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("missing.toml");
        let err = load(&file, &env(&[("WHARF_PORT", "eighty")])).err().unwrap();
        assert!(err.contains("setting 'port'") && err.contains("WHARF_PORT"), "{err}");
    }

    #[test]
    fn all_digit_secrets_and_names_stay_text() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("missing.toml");
        let vars = env(&[
            ("WHARF_SMTP__PASSWORD", "12345678"),
            ("WHARF_SMTP__USERNAME", "4711"),
            ("WHARF_SMTP__PORT", "2525"),
        ]);
        let config = load(&file, &vars).unwrap().config;
        assert_eq!(config.smtp.password.as_ref().map(|p| p.expose_secret().to_owned()).as_deref(), Some("12345678"));
        assert_eq!(config.smtp.username.as_deref(), Some("4711"));
        assert_eq!(config.smtp.port, 2525);
    }

    #[test]
    fn a_refused_secret_is_not_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("wharf.toml");
        std::fs::write(&file, "master_key = 98765432\n").unwrap();
        let err = load(&file, &[]).err().unwrap();
        assert!(err.contains("setting 'master_key'") && err.contains("not shown"), "{err}");
        assert!(!err.contains("98765432"), "{err}");
    }
}
