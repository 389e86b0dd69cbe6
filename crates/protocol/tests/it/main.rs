//! The protocol's integration tests, one binary: properties of the frame decoder and the markup
//! parser for generated input.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is how a test fails, in #[test] fns (clippy.toml) and their helpers alike"
)]

mod properties;
