//! Bearer tokens: where they come from, and checking one in constant time.

use std::path::Path;
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::ApiError;
use crate::config::{ApiSettings, ConfigError, Scope, TokenSettings, MAX_TOKEN_NAME};

/// A token that may call the API.
#[derive(Clone, Debug)]
pub struct Token {
    /// Who holds it, for the audit log.
    pub name: String,
    secret: SecretString,
    scopes: Vec<Scope>,
}

impl Token {
    /// A token.
    pub fn new(name: &str, secret: &str, scopes: Vec<Scope>) -> Self {
        Token {
            name: name.into(),
            secret: SecretString::from(secret.to_string()),
            scopes,
        }
    }

    /// `who` as written by this client, for the audit log.
    pub fn attribute(&self, who: &str) -> String {
        format!("{who} (via {})", self.name)
    }
}

impl From<&TokenSettings> for Token {
    fn from(t: &TokenSettings) -> Self {
        Token {
            name: t.name.clone(),
            secret: t.token.clone(),
            scopes: t.scopes.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    tokens: Vec<TokenSettings>,
}

/// The tokens from the config, the tokens file, and `$CREDENTIALS_DIRECTORY/api-tokens` (a
/// systemd credential) when present. A file that cannot be read or parsed is a config error.
pub fn load_tokens(api: &ApiSettings) -> Result<Vec<Token>, ConfigError> {
    let mut tokens: Vec<Token> = api.tokens.iter().map(Token::from).collect();
    let credential =
        std::env::var_os("CREDENTIALS_DIRECTORY").map(|d| Path::new(&d).join("api-tokens"));
    let files = api
        .tokens_file
        .iter()
        .cloned()
        .chain(credential.filter(|p| p.is_file()));
    for path in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| ConfigError(format!("api tokens file {}: {e}", path.display())))?;
        // An empty file (the package's placeholder credential) holds no tokens.
        if text.trim().is_empty() {
            continue;
        }
        let file: TokensFile = toml::from_str(&text).map_err(|e| {
            ConfigError(format!(
                "api tokens file {}: {}",
                path.display(),
                e.message()
            ))
        })?;
        tokens.extend(file.tokens.iter().map(Token::from));
    }
    for t in &tokens {
        // The name goes into every audit line the token writes, after the client's own
        // `recorded_by` (`... (via NAME)`): plain and short.
        let plain = crate::text::control_character("name", &t.name).is_none();
        if !plain || t.name.trim().is_empty() || t.name.chars().count() > MAX_TOKEN_NAME {
            return Err(ConfigError(format!(
                "api token named '{}': a token's name is 1 to {MAX_TOKEN_NAME} characters of plain text",
                crate::text::quoted(&t.name)
            )));
        }
        if t.secret.expose_secret().len() < 16 {
            return Err(ConfigError(format!(
                "api token '{}' is shorter than 16 characters: use a long random value",
                t.name
            )));
        }
    }
    Ok(tokens)
}

/// Equal in time that depends only on the lengths, never on where the bytes differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= usize::from(x ^ y);
    }
    diff == 0
}

/// The caller's token, when it has `scope`: 401 without a valid token, 403 without the scope.
pub(super) fn require(
    headers: &HeaderMap,
    tokens: &TokenSet,
    scope: Scope,
) -> Result<Token, ApiError> {
    let tokens = tokens.current();
    let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m, None);
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| unauthorized("an Authorization: Bearer TOKEN header is required"))?;
    // Compare with every token, not stopping at a match, so timing says nothing about which.
    let mut found = None;
    for t in tokens.iter() {
        if constant_time_eq(t.secret.expose_secret().as_bytes(), given.as_bytes())
            && found.is_none()
        {
            found = Some(t);
        }
    }
    let token = found
        .cloned()
        .ok_or_else(|| unauthorized("the token is not valid"))?;
    if !token.scopes.contains(&scope) {
        let s = match scope {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        };
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("the token '{}' lacks the {s} scope", token.name),
            None,
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq_is_equality() {
        use super::constant_time_eq as eq;
        assert!(eq(b"abcdefgh", b"abcdefgh"));
        assert!(!eq(b"abcdefgh", b"abcdefgi"));
        assert!(!eq(b"abcdefgh", b"abcdefg"));
        assert!(!eq(b"", b"a"));
        assert!(eq(b"", b""));
    }
}

/// The tokens in force: swapped whole when the service reloads its configuration, so a request
/// is checked against the old set or the new one, never a mixture.
#[derive(Debug, Default)]
pub struct TokenSet(std::sync::RwLock<Arc<Vec<Token>>>);

impl TokenSet {
    /// These tokens.
    pub fn new(tokens: Vec<Token>) -> Self {
        TokenSet(std::sync::RwLock::new(Arc::new(tokens)))
    }

    /// Puts `tokens` in force in place of the current set.
    pub fn replace(&self, tokens: Vec<Token>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(tokens);
    }

    /// The set in force now.
    pub fn current(&self) -> Arc<Vec<Token>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
