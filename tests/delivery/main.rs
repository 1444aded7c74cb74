//! Delivery with real peers: an SMTP server (aiosmtpd) and HTTP receivers (wiremock), the worker
//! driven step by step by a test clock.

#[path = "../support/backends.rs"]
mod backends;
mod digest;
mod doctor;
mod email;
#[path = "../support/fixtures.rs"]
mod fixtures;
mod holidays;
mod smtp;
mod webhooks;
mod worker;
