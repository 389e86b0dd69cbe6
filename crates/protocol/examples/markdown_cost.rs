//! What the markdown parser costs on the largest messages, ordinary and hostile (the server
//! parses unread messages to count mentions, on its hub thread, so no input may be slow).
//!
//! `cargo run --release -p chinwag-protocol --example markdown_cost`

use std::time::{Duration, Instant};

use chinwag_protocol::MAX_TEXT_BYTES;
use chinwag_protocol::markup;
use chinwag_testkit::measure;

/// A text of at most [`MAX_TEXT_BYTES`] made of `unit` repeated.
fn filled(unit: &str) -> String {
    unit.repeat(MAX_TEXT_BYTES / unit.len())
}

fn main() {
    let names = vec!["alice".to_owned(), "bob".to_owned()];
    let inputs = [
        (
            "ordinary chat",
            filled("hello @alice, see **this** and `that` at https://x.y/z. "),
        ),
        ("opening brackets", filled("[")),
        (
            "brackets and a close",
            format!("{}]", "[".repeat(MAX_TEXT_BYTES - 1)),
        ),
        ("half links", filled("[a](x")),
        ("unclosed stars", filled("*a ")),
        ("unclosed backticks", filled("`a ")),
        ("underscores", filled("_a_b ")),
        ("at signs", filled("@ali ")),
        ("urls", filled("https://a.b/(c ")),
    ];
    println!("markdown parse of {MAX_TEXT_BYTES}-byte messages (release build), 200 runs each");
    println!("  {:<22} {:>10} {:>10}", "input", "p50 ms", "max ms");
    for (name, text) in inputs {
        let mut times: Vec<Duration> = (0..200)
            .map(|_| {
                let started = Instant::now();
                std::hint::black_box(markup::parse(&text, &names));
                started.elapsed()
            })
            .collect();
        times.sort();
        println!(
            "  {name:<22} {:>10.3} {:>10.3}",
            measure::percentile_ms(&times, 0.5),
            measure::percentile_ms(&times, 1.0)
        );
    }
}
