//! A crowd in the users panel: the count is everyone online, the list the first page, and
//! "Show more" pages in the rest from the server. Runs the real UI through egui_kittest against
//! a real server.

use chinwag::protocol::MEMBER_PAGE;
use chinwag_testkit::{RawClient, TestServer};
use egui_kittest::kittest::Queryable as _;

use crate::window::{harness_sized, join_as, step_until};

#[test]
fn a_crowds_panel_counts_everyone_and_shows_more_names_on_demand() {
    let server = TestServer::start_unlimited();
    let others = MEMBER_PAGE + 5;
    // Named after "alice" in sorted order: her first page ends before the last six of them.
    let _crowd: Vec<RawClient> = (0..others)
        .map(|n| RawClient::join(&server.url(), &format!("m{n:03}"), "lobby").0)
        .collect();
    // Tall enough to show every name without scrolling.
    let mut harness = harness_sized(&server.url(), [800.0, 3000.0]);
    join_as(&mut harness, "alice");
    let everyone = others as u64 + 1;
    step_until(&mut harness, "the crowd's count", |h| {
        h.state().state().current().map(|room| room.online) == Some(everyone)
    });
    harness.get_by_label(&format!("{everyone} online"));
    harness.get_by_label("m098");
    assert!(
        harness.query_by_label("m104").is_none(),
        "not on the first page"
    );

    harness
        .get_by_label(&format!(
            "Show more ({} not listed)",
            everyone as usize - MEMBER_PAGE
        ))
        .click();
    step_until(&mut harness, "the next page", |h| {
        h.state()
            .state()
            .current()
            .is_some_and(|room| room.users.len() as u64 == everyone)
    });
    harness.get_by_label("m104");
    assert!(
        harness.query_by_label_contains("Show more").is_none(),
        "everyone is listed"
    );
}
