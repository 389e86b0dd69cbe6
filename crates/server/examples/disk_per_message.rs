//! What one stored message costs on disk: for texts of several lengths, writes MESSAGES
//! messages (default 2,000) into a fresh database through the server's own store, in batches
//! as the hub commits them, closes it (SQLite checkpoints the WAL into the file) and prints the
//! file size per message next to the text's own bytes.
//!
//! `cargo run -p chinwag-server --example disk_per_message -- [MESSAGES]` (sizes do not depend
//! on the build profile).

use chinwag_protocol::ChatMessage;
use chinwag_server::store::{Authored, Store};

/// Text lengths measured, in characters (ASCII, so also bytes).
const LENGTHS: [usize; 6] = [10, 100, 500, 1000, 2000, 8000];
/// Messages per transaction, as a busy hub batches them.
const BATCH: usize = 100;

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map(|arg| arg.parse().expect("MESSAGES is a number"))
        .unwrap_or(2000);
    let empty = database_bytes(0, 0);
    println!("empty database: {empty} bytes; {count} messages each:");
    println!("| text | bytes on disk per message | overhead per message |");
    println!("|---|---|---|");
    for length in LENGTHS {
        let total = database_bytes(length, count);
        let per_message = (total - empty) as f64 / count as f64;
        println!(
            "| {length} characters | {per_message:.0} | {:.0} |",
            per_message - length as f64
        );
    }
}

/// The size of a database holding `count` messages of `length` characters, after closing.
fn database_bytes(length: usize, count: usize) -> u64 {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("chat.sqlite3");
    {
        let mut store = Store::open(&path).expect("open the store");
        let text: String = "abcdefghij".chars().cycle().take(length).collect();
        let mut messages: Vec<Authored> = (1..=count)
            .map(|seq| Authored {
                sender_id: 1,
                message: ChatMessage {
                    attachment: None,
                    room: "lobby".into(),
                    seq: seq as u64,
                    id: format!("client-message-{seq}"),
                    from: "alice".into(),
                    time: 1_700_000_000_000 + seq as i64,
                    text: text.clone(),
                    edited: None,
                    deleted: false,
                    reply_to: None,
                    reactions: Vec::new(),
                },
            })
            .collect();
        for batch in messages.chunks_mut(BATCH) {
            store.write_batch(batch, &[]).expect("store a batch");
        }
    }
    std::fs::read_dir(dir.path())
        .expect("list the directory")
        .map(|entry| entry.expect("an entry").metadata().expect("its size").len())
        .sum()
}
