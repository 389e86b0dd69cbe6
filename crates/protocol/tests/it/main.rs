//! The protocol's integration tests, one binary: properties of the frame decoder and the markup
//! parser for generated input.

mod properties;
