//! Team-chat webhooks: Microsoft Teams (a Workflows webhook carrying an Adaptive Card), Slack
//! (incoming webhook, Block Kit), Google Chat, and a generic JSON webhook signed with HMAC-SHA256.
//!
//! The generic webhook sends `X-Timescales-Timestamp: <unix seconds>` and
//! `X-Timescales-Signature: sha256=<hex>`, the HMAC-SHA256 with the shared secret of
//! `<timestamp>.<body>`. A receiver recomputes it over the raw body, compares in constant time,
//! and refuses a timestamp more than five minutes old (a replay). Every webhook also carries
//! `Idempotency-Key`, the message's key, so a copy resent after a crash can be dropped.

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Sha256;

use super::{DeliveryError, Message, Severity};

/// Which chat a webhook posts to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChatKind {
    /// Microsoft Teams, through a Workflows webhook: an Adaptive Card.
    Teams,
    /// A Slack incoming webhook: Block Kit.
    Slack,
    /// A Google Chat space webhook.
    GoogleChat,
    /// Any receiver: the message as JSON, signed.
    Webhook,
}

/// One `[[notify.chat]]` entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatSettings {
    /// The name roles refer to (`notify.roles.ROLE.chat`).
    pub name: String,
    /// Which chat.
    pub kind: ChatKind,
    /// The webhook URL. It is a secret (whoever has it can post): never logged.
    #[serde(skip_serializing)]
    pub url: SecretString,
    /// For `webhook`: the HMAC secret.
    #[serde(default, skip_serializing)]
    pub secret: Option<SecretString>,
    /// How long one post may take, in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
}

fn default_timeout() -> u64 {
    10
}

/// A configured webhook.
#[derive(Clone)]
pub struct Webhook {
    name: String,
    kind: ChatKind,
    url: SecretString,
    secret: Option<SecretString>,
    client: reqwest::Client,
}

/// `sha256=<hex>` of HMAC-SHA256(secret, `<timestamp>.<body>`).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

impl Webhook {
    /// A webhook from its settings.
    pub fn new(s: &ChatSettings) -> Result<Self, String> {
        let no_secret = s
            .secret
            .as_ref()
            .is_none_or(|k| k.expose_secret().trim().is_empty());
        if s.kind == ChatKind::Webhook && no_secret {
            return Err(format!(
                "notify.chat '{}': a generic webhook needs a secret to sign with",
                s.name
            ));
        }
        if reqwest::Url::parse(s.url.expose_secret()).is_err() {
            return Err(format!(
                "notify.chat '{}': the url is not a valid URL",
                s.name
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(s.timeout_seconds))
            .build()
            .map_err(|e| format!("notify.chat '{}': {e}", s.name))?;
        Ok(Webhook {
            name: s.name.clone(),
            kind: s.kind,
            url: s.url.clone(),
            secret: s.secret.clone(),
            client,
        })
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The JSON this webhook posts for `message`.
    pub fn payload(&self, m: &Message) -> Value {
        let alert = m.severity == Severity::Alert;
        match self.kind {
            ChatKind::Teams => {
                let facts: Vec<Value> = m
                    .facts
                    .iter()
                    .map(|(k, v)| json!({"title": k, "value": v}))
                    .collect();
                let mut body = vec![
                    json!({"type": "TextBlock", "text": m.subject, "weight": "Bolder", "wrap": true,
                           "color": if alert { "Attention" } else { "Default" }}),
                    json!({"type": "FactSet", "facts": facts}),
                ];
                let actions: Vec<Value> = m
                    .link
                    .iter()
                    .map(|l| json!({"type": "Action.OpenUrl", "title": "Case record", "url": l}))
                    .collect();
                if actions.is_empty() {
                    body.truncate(2);
                }
                json!({"type": "message", "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "content": {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                                "type": "AdaptiveCard", "version": "1.4", "body": body, "actions": actions}
                }]})
            }
            ChatKind::Slack => {
                let fields: Vec<Value> = m
                    .facts
                    .iter()
                    .map(|(k, v)| json!({"type": "mrkdwn", "text": format!("*{k}*\n{v}")}))
                    .collect();
                let mut blocks = vec![
                    json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("{}*{}*", if alert { ":warning: " } else { "" }, m.subject)}}),
                    json!({"type": "section", "fields": fields}),
                ];
                if let Some(l) = &m.link {
                    blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("<{l}|Case record>")}}));
                }
                json!({"text": m.subject, "blocks": blocks})
            }
            ChatKind::GoogleChat => {
                let mut text = format!("*{}*\n", m.subject);
                for (k, v) in &m.facts {
                    text.push_str(&format!("{k}: {v}\n"));
                }
                if let Some(l) = &m.link {
                    text.push_str(&format!("<{l}|Case record>\n"));
                }
                json!({"text": text})
            }
            ChatKind::Webhook => json!({
                "key": m.key,
                "subject": m.subject,
                "severity": m.severity,
                "facts": m.facts.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
                "link": m.link,
            }),
        }
    }

    /// Where it posts to, for reports: the scheme, host and any port (the path of a webhook URL
    /// is its secret).
    pub fn host(&self) -> String {
        reqwest::Url::parse(self.url.expose_secret())
            .ok()
            .map(|u| {
                let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
                format!("{}://{}{port}", u.scheme(), u.host_str().unwrap_or("?"))
            })
            .unwrap_or_else(|| "?".into())
    }

    /// Whether the webhook's server answers, without posting anything: a GET of the URL, which
    /// chat services answer with an error status (they only take POST). Any answer but 404 or
    /// 410 (a wrong or deleted webhook) shows that name resolution, the network path, any proxy
    /// and TLS all work. Returns what the server said.
    pub async fn check(&self) -> Result<String, String> {
        match self.client.get(self.url.expose_secret()).send().await {
            Ok(resp) => {
                let status = resp.status();
                match status.as_u16() {
                    404 | 410 => Err(format!(
                        "{} answered HTTP {status}: the webhook URL is wrong or the webhook was deleted",
                        self.host()
                    )),
                    _ => Ok(format!("{} answered HTTP {status}", self.host())),
                }
            }
            Err(e) => Err(format!(
                "{}: {}",
                self.host(),
                if e.is_timeout() {
                    "timed out"
                } else if e.is_connect() {
                    "could not connect (name resolution, firewall, proxy or TLS)"
                } else {
                    "the request failed"
                }
            )),
        }
    }

    /// Posts `message`.
    pub async fn send(&self, message: &Message, now: DateTime<Utc>) -> Result<(), DeliveryError> {
        let body = serde_json::to_vec(&self.payload(message))
            .map_err(|e| DeliveryError::Permanent(e.to_string()))?;
        let mut req = self
            .client
            .post(self.url.expose_secret())
            .header("content-type", "application/json")
            .header("Idempotency-Key", &message.key);
        if let Some(secret) = &self.secret {
            let ts = now.timestamp();
            req = req.header("X-Timescales-Timestamp", ts.to_string()).header(
                "X-Timescales-Signature",
                sign(secret.expose_secret().as_bytes(), ts, &body),
            );
        }
        // Errors are described without the URL: it is a secret.
        let resp = req.body(body).send().await.map_err(|e| {
            let what = if e.is_timeout() {
                "timed out"
            } else if e.is_connect() {
                "could not connect"
            } else {
                "failed"
            };
            DeliveryError::transient(format!("chat '{}': the post {what}", self.name))
        })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let message = format!("chat '{}': HTTP {status}", self.name);
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
            Err(DeliveryError::Transient {
                message,
                retry_after,
            })
        } else {
            Err(DeliveryError::Permanent(message))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        // RFC 4231 does not cover this framing; the value is checked against Python's
        // hmac.new(b"key", b"1700000000.{}", hashlib.sha256).hexdigest().
        assert_eq!(
            super::sign(b"key", 1_700_000_000, b"{}"),
            "sha256=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae"
        );
    }
}
