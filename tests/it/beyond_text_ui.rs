//! Replies, reactions and read receipts through the real window (egui_kittest) on a real
//! server: a reply's quote jumps to its original, paging back to it; the reaction picker adds a
//! reaction and its chip takes it off; "seen by" shows once the other window has read.

use crate::window::{joined_harness, send_from_composer, step_until};
use chinwag::protocol::{ClientFrame, Reaction, ServerFrame};
use chinwag::ui::ChatApp;
use chinwag_testkit::{RawClient, TestServer};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

/// The next message `client` receives.
fn next_message(client: &mut RawClient) -> chinwag::protocol::ChatMessage {
    match client.recv_until(|frame| matches!(frame, ServerFrame::Message(_))) {
        ServerFrame::Message(message) => message,
        _ => unreachable!(),
    }
}

/// The reactions of the next `reactions` frame `client` receives.
fn next_reactions(client: &mut RawClient) -> Vec<Reaction> {
    match client.recv_until(|frame| matches!(frame, ServerFrame::Reactions { .. })) {
        ServerFrame::Reactions { reactions, .. } => reactions,
        _ => unreachable!(),
    }
}

/// Whether `label` shows in the window.
fn shows(harness: &Harness<'_, ChatApp>, label: &str) -> bool {
    harness.query_by_label(label).is_some()
}

/// Steps until `label` stays put from one frame to the next: rows are measured as they are
/// first drawn, and a click aimed at a row still moving misses it.
fn settle(harness: &mut Harness<'_, ChatApp>, label: &str) {
    let last = std::cell::Cell::new(egui::Rect::NOTHING);
    step_until(harness, "the list to settle", |h| {
        let now = h.get_by_label(label).rect();
        last.replace(now) == now
    });
}

#[test]
fn clicking_a_reply_quote_pages_back_to_the_original_and_shows_it() {
    let server = TestServer::start_unlimited();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    bob.post("b0", "lobby", "the original question");
    for n in 1..150 {
        bob.post(&format!("b{n}"), "lobby", &format!("filler {n}"));
    }
    bob.send(&ClientFrame::Send {
        attachment: None,
        id: "answer".into(),
        room: "lobby".into(),
        text: "and the answer".into(),
        reply_to: Some(1),
    });
    bob.recv_until(|frame| matches!(frame, ServerFrame::Ack { seq: 151, .. }));
    let mut harness = joined_harness(&server.url(), "alice");
    let quote = "↪ bob: the original question";
    step_until(&mut harness, "the reply and its quote", |h| shows(h, quote));
    assert!(
        !shows(&harness, "the original question"),
        "the original is not loaded yet"
    );
    settle(&mut harness, quote);
    harness.get_by_label(quote).click();
    step_until(&mut harness, "the original, paged in and in view", |h| {
        shows(h, "the original question")
    });
    let room = harness.state().state().room("lobby").expect("lobby");
    assert_eq!(room.oldest_seq(), Some(1));
}

#[test]
fn the_reaction_picker_adds_a_reaction_and_its_chip_takes_it_off() {
    let server = TestServer::start();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    bob.post("b1", "lobby", "react to me");
    let mut harness = joined_harness(&server.url(), "alice");
    step_until(&mut harness, "bob's message", |h| shows(h, "react to me"));
    settle(&mut harness, "react to me");
    harness.get_by_label("react to me").click_secondary();
    harness.run_steps(2);
    harness.get_by_label("React").click();
    harness.run_steps(2);

    harness
        .get_by_role_and_label(Role::TextInput, "Search emoji")
        .type_text("party");
    harness.run_steps(2);
    assert!(
        !shows(&harness, "👍"),
        "the search leaves only what matches"
    );
    harness.get_by_label("🎉").click();
    step_until(&mut harness, "the reaction's chip", |h| shows(h, "🎉 1"));
    let added = next_reactions(&mut bob);
    assert_eq!(
        (added[0].emoji.as_str(), added[0].names.as_slice()),
        ("🎉", ["alice".to_owned()].as_slice())
    );
    harness.get_by_label("🎉 1").click();
    step_until(&mut harness, "the chip to go", |h| !shows(h, "🎉 1"));
    assert!(next_reactions(&mut bob).is_empty(), "taken off again");
}

#[test]
fn seen_by_shows_under_the_message_once_the_other_window_has_read_it() {
    let server = TestServer::start();
    let mut alice = joined_harness(&server.url(), "alice");
    let mut bob = joined_harness(&server.url(), "bob");
    send_from_composer(&mut alice, "did you read this?");
    step_until(&mut bob, "alice's message in bob's window", |h| {
        shows(h, "did you read this?")
    });
    step_until(&mut alice, "bob's receipt", |h| shows(h, "seen by bob"));
    let room = alice.state().state().room("lobby").expect("lobby");
    let newest = room.last_seq();
    assert_eq!(room.seen_under(newest, None, "alice"), ["bob"]);
}

#[test]
fn a_message_pinned_from_its_menu_is_announced_and_listed_under_pinned() {
    let server = TestServer::start();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    bob.post("b1", "lobby", "the meeting is at ten");
    let mut harness = joined_harness(&server.url(), "alice");
    step_until(&mut harness, "bob's message", |h| {
        shows(h, "the meeting is at ten")
    });
    settle(&mut harness, "the meeting is at ten");
    harness
        .get_by_label("the meeting is at ten")
        .click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Pin").click();
    let notice = "alice pinned a message: bob: the meeting is at ten";
    step_until(&mut harness, "the pin's notice", |h| shows(h, notice));
    harness.get_by_label("Pinned").click();
    step_until(&mut harness, "the pinned list", |h| shows(h, "Pinned (1)"));
    assert!(shows(&harness, "bob: the meeting is at ten"));
    harness.get_by_label("Unpin").click();
    step_until(&mut harness, "the list to empty", |h| {
        shows(h, "Pinned (0)")
    });
    assert!(shows(
        &harness,
        "alice unpinned a message: bob: the meeting is at ten"
    ));
}

#[test]
fn reply_from_the_menu_shows_the_quote_over_the_composer_and_sends_a_reply() {
    let server = TestServer::start();
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    bob.post("b1", "lobby", "who is in?");
    next_message(&mut bob);
    let mut harness = joined_harness(&server.url(), "alice");
    step_until(&mut harness, "bob's message", |h| shows(h, "who is in?"));
    settle(&mut harness, "who is in?");
    harness.get_by_label("who is in?").click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Reply").click();
    step_until(&mut harness, "the quote over the composer", |h| {
        shows(h, "Replying to bob: who is in?")
    });
    send_from_composer(&mut harness, "me!");
    step_until(&mut harness, "the reply, stored", |h| {
        shows(h, "↪ bob: who is in?") && !shows(h, "Replying to bob: who is in?")
    });
    let reply = next_message(&mut bob);
    assert_eq!(
        (reply.text.as_str(), reply.reply_to.map(|quote| quote.seq)),
        ("me!", Some(1))
    );
}
