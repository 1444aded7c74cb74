//! The complaint store and lifecycle on both backends: the same suite on SQLite and PostgreSQL.

mod backends;
mod lifecycle;
