//! Team-chat webhooks: Microsoft Teams (a Workflows webhook carrying an Adaptive Card), Slack
//! (incoming webhook, Block Kit), Google Chat (a `cardsV2` card, threaded per complaint), and a
//! generic JSON webhook signed as the Standard Webhooks specification lays down
//! (<https://www.standardwebhooks.com>), so a receiver can verify it with any of that
//! specification's libraries:
//!
//! - `webhook-id`: the message's key, the same on every retry (a receiver drops a second copy);
//! - `webhook-timestamp`: Unix seconds (a receiver refuses an old one: a replay);
//! - `webhook-signature`: `v1,<base64>` of HMAC-SHA256 over `<id>.<timestamp>.<body>`, one for
//!   each configured secret, separated by spaces, so a secret can be rotated without a gap.
//!
//! A secret written `whsec_<base64>` is the key those base64 bytes give, as the specification
//! says; one without that prefix (configs written before) is used as its bytes. Every request
//! carries `User-Agent: timescales/VERSION` and `Idempotency-Key` (the message's key).

use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox, SecretString};
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
    /// For `webhook`: the signing secret, `whsec_<base64>`; several separated by spaces while
    /// one is rotated out (each signs every message).
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
    /// The signing keys, from `secret` (generic webhooks only).
    keys: Vec<SecretBox<[u8]>>,
    client: reqwest::Client,
}

/// What every request says it is.
pub const USER_AGENT: &str = concat!("timescales/", env!("CARGO_PKG_VERSION"));

/// The keys a `secret` setting gives: each space-separated secret, `whsec_<base64>` decoded, any
/// other taken as its bytes.
pub fn signing_keys(secret: &str) -> Result<Vec<Vec<u8>>, String> {
    use base64::Engine as _;
    secret
        .split_whitespace()
        .map(|one| match one.strip_prefix("whsec_") {
            Some(b64) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| "a whsec_ secret must be followed by base64 (whsec_ and 24 to 64 random bytes in base64)".to_string())
                .and_then(|k| match k.len() {
                    24..=64 => Ok(k),
                    n => Err(format!("a whsec_ secret holds {n} bytes: give 24 to 64 random bytes, base64 after whsec_")),
                }),
            None => Ok(one.as_bytes().to_vec()),
        })
        .collect()
}

/// `v1,<base64>`: HMAC-SHA256 with `key` over `<id>.<timestamp>.<body>` (Standard Webhooks).
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    use base64::Engine as _;
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// How long `Retry-After` asks to wait, in either of its forms (RFC 9110): seconds, or an HTTP
/// date, counted from `now`. A date already past asks for no wait; anything else unreadable is
/// ignored (the worker's own backoff applies).
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let at = DateTime::<Utc>::from(at);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

impl Webhook {
    /// A webhook from its settings.
    pub fn new(s: &ChatSettings) -> Result<Self, String> {
        let keys = match (&s.secret, s.kind) {
            (Some(k), ChatKind::Webhook) => signing_keys(k.expose_secret())
                .map_err(|e| format!("notify.chat '{}': secret: {e}", s.name))?,
            _ => Vec::new(),
        };
        if s.kind == ChatKind::Webhook && keys.is_empty() {
            return Err(format!(
                "notify.chat '{}': a generic webhook needs a secret to sign with (whsec_ and base64 of 24 to 64 random bytes: echo \"whsec_$(head -c 32 /dev/urandom | base64)\")",
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
            .user_agent(USER_AGENT)
            .timeout(Duration::from_secs(s.timeout_seconds))
            .build()
            .map_err(|e| format!("notify.chat '{}': {e}", s.name))?;
        Ok(Webhook {
            name: s.name.clone(),
            kind: s.kind,
            url: s.url.clone(),
            keys: keys
                .into_iter()
                .map(|k| SecretBox::new(k.into_boxed_slice()))
                .collect(),
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
                // A cardsV2 card: the subject as its header, the facts as decorated text, a
                // button to the case record; one thread per complaint (with the URL's
                // messageReplyOption, see `send`).
                let mut widgets: Vec<Value> = m
                    .facts
                    .iter()
                    .map(|(k, v)| json!({"decoratedText": {"topLabel": k, "text": v, "wrapText": true}}))
                    .collect();
                if let Some(l) = &m.link {
                    widgets.push(json!({"buttonList": {"buttons": [
                        {"text": "Case record", "onClick": {"openLink": {"url": l}}}
                    ]}}));
                }
                let mut v = json!({
                    "text": m.subject,
                    "cardsV2": [{
                        "cardId": m.key,
                        "card": {
                            "header": {"title": m.subject,
                                       "subtitle": if alert { "Alert" } else { "Reminder" }},
                            "sections": [{"widgets": widgets}]
                        }
                    }]
                });
                if let Some(t) = &m.thread {
                    v["thread"] = json!({"threadKey": t});
                }
                v
            }
            ChatKind::Webhook => {
                let mut v = json!({
                    "type": m.about.as_ref().map_or("notice".to_string(), |a| format!("deadline.{}", a.event)),
                    "key": m.key,
                    "subject": m.subject,
                    "severity": m.severity,
                    "facts": m.facts.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
                    "link": m.link,
                });
                if let Some(a) = &m.about {
                    v["data"] = json!(a);
                }
                v
            }
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
        let mut url = reqwest::Url::parse(self.url.expose_secret()).map_err(|_| {
            DeliveryError::Permanent(format!("chat '{}': the url is not a valid URL", self.name))
        })?;
        if self.kind == ChatKind::GoogleChat && message.thread.is_some() {
            // Without this, Google Chat ignores the threadKey and starts a thread a message.
            url.query_pairs_mut()
                .append_pair("messageReplyOption", "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD");
        }
        let mut req = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("Idempotency-Key", &message.key);
        if !self.keys.is_empty() {
            let ts = now.timestamp();
            let signatures: Vec<String> = self
                .keys
                .iter()
                .map(|k| sign(k.expose_secret(), &message.key, ts, &body))
                .collect();
            req = req
                .header("webhook-id", &message.key)
                .header("webhook-timestamp", ts.to_string())
                .header("webhook-signature", signatures.join(" "));
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
            .and_then(|v| retry_after(v, now));
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
    use super::*;

    #[test]
    fn the_signature_is_standard_webhooks_v1() {
        // The example of the Standard Webhooks specification (its reference libraries' test):
        // secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id msg_p5jXN8AQM9LWM0D4loKWxJek,
        // timestamp 1614265330, body {"test": 2432232314}.
        let key = signing_keys("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert_eq!(
            sign(
                &key[0],
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_whsec_base64_or_plain_bytes_and_several_rotate() {
        let keys =
            signing_keys("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw  an-older-plain-secret").unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].len(), 24);
        assert_eq!(keys[1], b"an-older-plain-secret");
        assert!(signing_keys("whsec_not base64!").is_err());
        assert_eq!(
            signing_keys("whsec_AAAA").unwrap_err(),
            "a whsec_ secret holds 3 bytes: give 24 to 64 random bytes, base64 after whsec_"
        );
        assert!(signing_keys("   ").unwrap().is_empty());
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Wed, 02 Dec 2026 10:01:30 GMT", now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            retry_after("Wed, 02 Dec 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
    }
}
