//! Hosting taken over when the host goes away: the embedded server of plain `cargo run` moves
//! to another window, which keeps the history.

use chinwag::host::{HostTakeover, Hosting};
use chinwag::protocol::ServerFrame;
use chinwag::ui::app::HostFallback;
use chinwag_testkit::{PATIENCE, RawClient};

#[test]
fn when_the_host_goes_away_another_window_takes_over_with_the_same_history() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("shared.sqlite3");
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let first = chinwag::host::host_or_join(addr, &db);
    assert!(
        matches!(first, Hosting::Hosting(_)),
        "nobody answered, so the first window hosts"
    );
    let second = chinwag::host::host_or_join(addr, &db);
    assert!(matches!(second, Hosting::Joined), "the second window joins");
    let url = format!("ws://{addr}/ws");
    {
        let (mut alice, _) = RawClient::join(&url, "alice", "lobby");
        alice.post("a1", "lobby", "said before the host left");
        alice.recv_until(|f| matches!(f, ServerFrame::Ack { .. }));
    }
    let mut first = HostTakeover::new(addr, db.clone(), first);
    let mut second = HostTakeover::new(addr, db.clone(), second);
    assert_eq!(
        first.update(&url, false).as_deref(),
        Some(format!("hosting on {addr}").as_str())
    );
    drop(first); // The hosting window closes: its server stops and lets go of the database.

    let give_up = std::time::Instant::now() + PATIENCE;
    while second
        .update(&url, true)
        .is_none_or(|note| !note.starts_with("hosting"))
    {
        assert!(
            std::time::Instant::now() < give_up,
            "nobody took over hosting"
        );
        std::thread::yield_now();
    }
    let (_bob, welcome) = RawClient::join(&url, "bob", "lobby");
    let history = welcome.history;
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].text, "said before the host left");
}
