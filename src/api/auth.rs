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
    /// For a calendar feed: the roles whose deadlines it carries.
    pub calendar_roles: Vec<String>,
}

impl Token {
    /// A token.
    pub fn new(name: &str, secret: &str, scopes: Vec<Scope>) -> Self {
        Token {
            name: name.into(),
            secret: SecretString::from(secret.to_string()),
            scopes,
            calendar_roles: Vec::new(),
        }
    }

    /// A calendar feed's token, for the deadlines `roles` own.
    pub fn calendar(name: &str, secret: &str, roles: &[&str]) -> Self {
        Token {
            calendar_roles: roles.iter().map(|r| r.to_string()).collect(),
            ..Token::new(name, secret, vec![Scope::Calendar])
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
            calendar_roles: t.calendar_roles.clone(),
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
        // A feed's token travels in its address: it carries that feed and nothing else, and
        // only characters an address keeps as they are.
        let calendar = t.scopes.contains(&Scope::Calendar);
        if calendar && (t.scopes.len() > 1 || t.calendar_roles.is_empty()) {
            return Err(ConfigError(format!(
                "api token '{}': the calendar scope stands alone, with calendar_roles naming the roles whose deadlines the feed carries",
                t.name
            )));
        }
        if !calendar && !t.calendar_roles.is_empty() {
            return Err(ConfigError(format!(
                "api token '{}': calendar_roles needs scopes = [\"calendar\"]",
                t.name
            )));
        }
        let url_safe = t
            .secret
            .expose_secret()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
        if calendar && !url_safe {
            return Err(ConfigError(format!(
                "api token '{}': a calendar feed's token may hold only letters, digits, '-' and '_' (it is part of the feed's address)",
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

/// The token whose secret is `given`, comparing with every token so that timing says nothing
/// about which matched.
fn find(tokens: &[Token], given: &str) -> Option<Token> {
    let mut found = None;
    for t in tokens {
        if constant_time_eq(t.secret.expose_secret().as_bytes(), given.as_bytes())
            && found.is_none()
        {
            found = Some(t);
        }
    }
    found.cloned()
}

/// The calendar feed token `given`, when there is one with the calendar scope.
pub(super) fn calendar_token(tokens: &TokenSet, given: &str) -> Option<Token> {
    find(&tokens.current(), given).filter(|t| t.scopes.contains(&Scope::Calendar))
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
    let token = find(&tokens, given).ok_or_else(|| unauthorized("the token is not valid"))?;
    if !token.scopes.contains(&scope) {
        let s = match scope {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
            Scope::Calendar => "calendar",
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
    fn a_calendar_token_stands_alone_names_its_roles_and_fits_in_an_address() {
        use crate::config::{ApiSettings, Scope, TokenSettings};
        let load = |token: &str, scopes: Vec<Scope>, roles: &[&str]| {
            let api = ApiSettings {
                tokens: vec![TokenSettings {
                    name: "chairs".into(),
                    token: token.to_string().into(),
                    scopes,
                    calendar_roles: roles.iter().map(|r| r.to_string()).collect(),
                }],
                ..ApiSettings::default()
            };
            super::load_tokens(&api)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let good = "feed-token_0123456789";
        assert_eq!(load(good, vec![Scope::Calendar], &["chair"]), Ok(()));
        let alone = "config: api token 'chairs': the calendar scope stands alone, with calendar_roles naming the roles whose deadlines the feed carries";
        assert_eq!(
            load(good, vec![Scope::Calendar, Scope::Read], &["chair"]).unwrap_err(),
            alone
        );
        assert_eq!(load(good, vec![Scope::Calendar], &[]).unwrap_err(), alone);
        assert_eq!(
            load(good, vec![Scope::Read], &["chair"]).unwrap_err(),
            "config: api token 'chairs': calendar_roles needs scopes = [\"calendar\"]"
        );
        assert!(
            load("feed/token?0123456789", vec![Scope::Calendar], &["chair"])
                .unwrap_err()
                .contains("may hold only letters, digits, '-' and '_'")
        );
    }

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
