//! The token every form carries (against cross-site request forgery): an HMAC-SHA256 of the
//! signed-in person's name under the service's key. A page from another site cannot read it,
//! so cannot post a form that carries it; it needs no session store, and is the same for the
//! person on every instance that shares the key ([`crate::config::WebSettings::secret_file`]).

use std::path::Path;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::ConfigError;

/// The shortest key file accepted, in bytes.
pub const MIN_KEY: usize = 32;

/// The key that signs form tokens.
#[derive(Clone)]
pub struct FormKey([u8; 32]);

impl std::fmt::Debug for FormKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormKey(..)")
    }
}

impl FormKey {
    /// The key in `file` (its bytes, hashed to 32), or a new random one without a file.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let bytes = match file {
            Some(path) => {
                let b = std::fs::read(path)
                    .map_err(|e| ConfigError(format!("web.secret_file {}: {e}", path.display())))?;
                let b = b.trim_ascii().to_vec();
                if b.len() < MIN_KEY {
                    return Err(ConfigError(format!(
                        "web.secret_file {}: holds {} bytes; give at least {MIN_KEY} of random text (`head -c 48 /dev/urandom | base64`)",
                        path.display(),
                        b.len()
                    )));
                }
                b
            }
            None => {
                let mut b = vec![0u8; 32];
                use std::io::Read;
                std::fs::File::open("/dev/urandom")
                    .and_then(|mut f| f.read_exact(&mut b))
                    .map_err(|e| ConfigError(format!("web: no random key (/dev/urandom: {e})")))?;
                b
            }
        };
        Ok(FormKey(<Sha256 as sha2::Digest>::digest(&bytes).into()))
    }

    /// A key from fixed bytes, for tests.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        FormKey(bytes)
    }

    fn mac(&self, person: &str) -> Hmac<Sha256> {
        let mut m = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any size");
        m.update(b"timescales form\0");
        m.update(person.as_bytes());
        m
    }

    /// The token `person`'s forms carry.
    pub fn token(&self, person: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(self.mac(person).finalize().into_bytes())
    }

    /// Is `given` `person`'s token? Compared in constant time.
    pub fn verify(&self, person: &str, given: &str) -> bool {
        let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(given) else {
            return false;
        };
        self.mac(person).verify_slice(&bytes).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_the_persons_under_the_key_and_no_one_elses() {
        let k = FormKey::from_bytes([7; 32]);
        let t = k.token("Sam Chair");
        assert!(k.verify("Sam Chair", &t));
        assert!(!k.verify("Pat Manager", &t));
        assert!(!FormKey::from_bytes([8; 32]).verify("Sam Chair", &t));
        assert!(!k.verify("Sam Chair", ""));
        assert!(!k.verify("Sam Chair", "not base64 !"));
        assert_eq!(t, k.token("Sam Chair"), "the same person, the same token");
    }

    #[test]
    fn a_short_key_file_is_refused_and_a_missing_one_named() {
        let dir = tempfile::tempdir().unwrap();
        let short = dir.path().join("short");
        std::fs::write(&short, "too short\n").unwrap();
        let e = FormKey::load(Some(&short)).unwrap_err().to_string();
        assert!(e.contains("holds 9 bytes"), "{e}");
        let e = FormKey::load(Some(&dir.path().join("none")))
            .unwrap_err()
            .to_string();
        assert!(e.contains("web.secret_file") && e.contains("none"), "{e}");
        let good = dir.path().join("good");
        std::fs::write(&good, "a".repeat(48)).unwrap();
        let (a, b) = (
            FormKey::load(Some(&good)).unwrap(),
            FormKey::load(Some(&good)).unwrap(),
        );
        assert_eq!(a.token("x"), b.token("x"), "one file, one key");
        let (r1, r2) = (FormKey::load(None).unwrap(), FormKey::load(None).unwrap());
        assert_ne!(r1.token("x"), r2.token("x"), "random keys differ");
    }
}
