//! Secrets at rest: Sears authorization keys and carrier credentials are sealed with the installation's
//! master key (XChaCha20-Poly1305, a random 24-byte nonce per sealing) before they reach the database.
//!
//! The master key comes from configuration (`WHARF_MASTER_KEY`, base64 of 32 bytes) or, on a fresh install,
//! from a key file generated in the data directory with mode 0600.

use std::fmt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
/// Version byte in front of every sealed value, so the format can change later.
const FORMAT_V1: u8 = 1;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the master key is not valid: {0}; it must be the base64 of 32 random bytes (generate one with \
         `head -c 32 /dev/urandom | base64`)"
    )]
    InvalidMasterKey(String),
    #[error(
        "a stored secret cannot be opened with this master key; Wharf is running with a different master key \
         than the one the secret was sealed with (check WHARF_MASTER_KEY or the key file), or reconnect the \
         store/carrier to enter the secret again"
    )]
    WrongKey,
    #[error("cannot read or write the master key file {path}: {source}")]
    KeyFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The installation's master key. Debug never shows it.
#[derive(Clone)]
pub struct MasterKey([u8; KEY_LEN]);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

impl MasterKey {
    pub fn from_base64(text: &SecretString) -> Result<Self, SecretError> {
        let bytes = BASE64
            .decode(text.expose_secret().trim())
            .map_err(|_| SecretError::InvalidMasterKey("not base64".into()))?;
        let key: [u8; KEY_LEN] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| SecretError::InvalidMasterKey(format!("{} bytes instead of 32", b.len())))?;
        Ok(MasterKey(key))
    }

    pub fn generate() -> Self {
        MasterKey(XChaCha20Poly1305::generate_key(&mut OsRng).into())
    }

    /// Reads the key file, or creates it (mode 0600, never overwriting an existing one) on first start.
    pub fn load_or_create(path: &Path) -> Result<Self, SecretError> {
        let io_error = |source| SecretError::KeyFile { path: path.display().to_string(), source };
        match std::fs::read_to_string(path) {
            Ok(text) => MasterKey::from_base64(&SecretString::from(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = MasterKey::generate();
                write_private_file(path, BASE64.encode(key.0).as_bytes()).map_err(io_error)?;
                Ok(key)
            }
            Err(e) => Err(io_error(e)),
        }
    }

    pub fn seal(&self, plaintext: &SecretString) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, plaintext.expose_secret().as_bytes())
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, sealed: &[u8]) -> Result<SecretString, SecretError> {
        let (&version, rest) = sealed.split_first().ok_or(SecretError::WrongKey)?;
        if version != FORMAT_V1 || rest.len() < NONCE_LEN {
            return Err(SecretError::WrongKey);
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let cipher = XChaCha20Poly1305::new(&self.0.into());
        let plain = cipher.decrypt(XNonce::from_slice(nonce), ciphertext).map_err(|_| SecretError::WrongKey)?;
        String::from_utf8(plain).map(SecretString::from).map_err(|_| SecretError::WrongKey)
    }
}

fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens() {
        let key = MasterKey::generate();
        let sealed = key.seal(&SecretString::from("dGVzdGtleQ=="));
        assert!(!sealed.windows(12).any(|w| w == b"dGVzdGtleQ=="), "the plaintext must not appear");
        assert_eq!(key.open(&sealed).unwrap().expose_secret(), "dGVzdGtleQ==");
        // Two sealings of the same secret differ (fresh nonce).
        assert_ne!(sealed, key.seal(&SecretString::from("dGVzdGtleQ==")));
        assert!(matches!(MasterKey::generate().open(&sealed), Err(SecretError::WrongKey)));
        assert!(matches!(key.open(&[]), Err(SecretError::WrongKey)));
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let first = MasterKey::load_or_create(&path).unwrap();
        let second = MasterKey::load_or_create(&path).unwrap();
        let sealed = first.seal(&SecretString::from("k"));
        assert_eq!(second.open(&sealed).unwrap().expose_secret(), "k");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert_eq!(format!("{first:?}"), "MasterKey([redacted])");
    }

    #[test]
    fn bad_master_keys_say_how_to_make_one() {
        let err = MasterKey::from_base64(&SecretString::from("short")).unwrap_err();
        assert!(err.to_string().contains("head -c 32 /dev/urandom | base64"), "{err}");
    }
}
