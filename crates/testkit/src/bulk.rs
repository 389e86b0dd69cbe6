//! Rooms filled in bulk: many messages, each as large as JSON makes a message.

use std::sync::atomic::{AtomicUsize, Ordering};

use chinwag_protocol::{MAX_TEXT_BYTES, ServerFrame};

use crate::RawClient;

/// A message text of `chars` characters that JSON makes as large as it can: a tag to find it
/// by, a hundred two-byte characters, and control characters (six bytes each once escaped).
pub fn largest_text(tag: &str, chars: usize) -> String {
    let mut text = format!("{tag} ");
    text.extend(std::iter::repeat_n('é', 100));
    let fill = chars - text.chars().count();
    text.extend(std::iter::repeat_n('\u{1}', fill));
    assert!(text.len() <= MAX_TEXT_BYTES);
    text
}

/// Posts `texts` to `room`, a hundred at a time, each hundred acknowledged before the next.
pub fn post_all(client: &mut RawClient, room: &str, texts: impl IntoIterator<Item = String>) {
    static NEXT_ID: AtomicUsize = AtomicUsize::new(1);
    let texts: Vec<String> = texts.into_iter().collect();
    for chunk in texts.chunks(100) {
        let mut last = String::new();
        for text in chunk {
            last = format!("m{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
            client.post(&last, room, text);
        }
        client.recv_until(|frame| matches!(frame, ServerFrame::Ack { id, .. } if *id == last));
    }
}

/// Alice posts one message, which bob sees, then 1,000 of ~300 characters while bob is away.
/// Returns alice (still connected).
pub fn thousand_missed(url: &str, bob_comes_first: impl FnOnce()) -> RawClient {
    let (mut alice, _) = RawClient::join(url, "alice", "lobby");
    post_all(&mut alice, "lobby", [String::from("before bob left")]);
    bob_comes_first();
    post_all(
        &mut alice,
        "lobby",
        (2..=1001).map(|n| largest_text(&format!("missed{n}"), 300)),
    );
    alice
}
