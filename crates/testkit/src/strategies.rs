//! Proptest strategies shared by the property tests of several crates.

use proptest::prelude::*;

/// Any string, with the characters frames and markup care about over-represented.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[-{}\\[\\]\":,0-9a-z_*`@()/. \n\\\\]{0,80}",
        "(\\*\\*|\\*|_|`|```|\\[|\\]|\\(|\\)|@al|https://x\\.y/|\n| |a|é|😀){0,40}",
    ]
}
