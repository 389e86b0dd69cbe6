//! Widget tests of the message list on its own: a [`ChatState`] fed server frames, the list
//! drawn by egui_kittest, real scroll-wheel, click and key events.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

use super::{ListAction, MessageList};
use crate::client::state::ChatState;
use crate::protocol::{ErrorCode, HistoryPage, ServerFrame};
use crate::ui::chat_fixtures::{message, numbered, public_room, welcomed};

/// The window's size: room for about ten one-line messages.
const SIZE: [f32; 2] = [400.0, 300.0];

/// What the list is drawn from, and every action it gave.
struct Screen {
    list: MessageList,
    state: ChatState,
    loading: bool,
    actions: Vec<ListAction>,
}

/// The list over `state` in a window of [`SIZE`], settled.
fn harness(state: ChatState) -> Harness<'static, Screen> {
    let screen = Screen {
        list: MessageList::default(),
        state,
        loading: false,
        actions: Vec::new(),
    };
    // Scrolling eases over a few frames.
    let mut harness = Harness::builder()
        .with_size(SIZE)
        .with_max_steps(20)
        .build_ui_state(
            |ui, screen: &mut Screen| {
                if let Some(action) = screen.list.show(ui, &screen.state, screen.loading) {
                    screen.actions.push(action);
                }
            },
            screen,
        );
    harness.run();
    harness
}

/// Alice in the lobby, where bob said "message `first`" to "message `last`" (the older
/// history, if `first` > 1, not loaded).
fn lobby(first: u64, last: u64) -> ChatState {
    welcomed(
        "alice",
        vec![public_room(
            "lobby",
            &["alice", "bob"],
            numbered("lobby", "bob", first..=last),
        )],
    )
}

/// Turns the mouse wheel over the list: positive `points` scroll up (towards older messages).
fn wheel(harness: &mut Harness<'_, Screen>, points: f32) {
    harness.event(egui::Event::PointerMoved(egui::pos2(200.0, 150.0)));
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, points),
        modifiers: egui::Modifiers::NONE,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    });
}

/// Wheels up a little at a time until the paging row is in view, then lets the scrolling end
/// (as a user who reached the top would).
fn wheel_to_the_top(harness: &mut Harness<'_, Screen>) {
    for _ in 0..100 {
        if harness
            .query_by_label("scroll up for older messages")
            .is_some()
        {
            harness.run();
            return;
        }
        wheel(harness, 100.0);
        harness.step();
    }
    panic!("the top of the list never came into view");
}

/// The numbers of the "message N" rows laid out (the rows in view), in order.
fn rows_in_view(harness: &Harness<'_, Screen>) -> Vec<u64> {
    harness
        .query_all_by_label_contains("message ")
        .filter_map(|node| {
            // A label's text is its value in AccessKit.
            let text = node.accesskit_node().value()?;
            text.strip_prefix("message ")?.parse().ok()
        })
        .collect()
}

/// Bob's message `seq` arriving in the lobby.
fn bob_says(harness: &mut Harness<'_, Screen>, seq: u64) {
    let text = format!("message {seq}");
    harness
        .state_mut()
        .state
        .apply(ServerFrame::Message(message("lobby", seq, "bob", &text)));
}

#[test]
fn a_room_opens_at_its_newest_message_and_follows_new_ones() {
    let mut harness = harness(lobby(1, 50));
    let shown = rows_in_view(&harness);
    assert_eq!(shown.last(), Some(&50), "the newest message is in view");
    assert!(!shown.contains(&1), "the oldest is not");

    bob_says(&mut harness, 51);
    harness.run();
    assert_eq!(rows_in_view(&harness).last(), Some(&51));
}

#[test]
fn scrolled_up_the_list_stays_put_when_messages_arrive() {
    let mut harness = harness(lobby(1, 50));
    wheel(&mut harness, 400.0);
    harness.run();
    let shown = rows_in_view(&harness);
    assert!(!shown.contains(&50), "scrolled away from the newest");

    bob_says(&mut harness, 51);
    harness.run();
    assert_eq!(rows_in_view(&harness), shown, "the view did not move");
}

#[test]
fn scrolling_back_down_to_the_bottom_follows_again() {
    let mut harness = harness(lobby(1, 50));
    wheel(&mut harness, 400.0);
    harness.run();
    wheel(&mut harness, -10_000.0);
    harness.run();
    bob_says(&mut harness, 51);
    harness.run();
    assert_eq!(rows_in_view(&harness).last(), Some(&51));
}

#[test]
fn a_long_message_wraps_into_a_taller_row() {
    let long = "a long message that goes on and on ".repeat(12);
    let long = long.trim_end();
    let history = vec![
        message("lobby", 1, "bob", "short"),
        message("lobby", 2, "bob", long),
        message("lobby", 3, "bob", "after"),
    ];
    let harness = harness(welcomed(
        "alice",
        vec![public_room("lobby", &["alice", "bob"], history)],
    ));
    let short = harness.get_by_label("short").rect();
    let long = harness.get_by_label(long).rect();
    let after = harness.get_by_label("after").rect();
    assert!(long.width() <= SIZE[0], "the long text wraps to the window");
    assert!(
        long.height() > 4.0 * short.height(),
        "it takes several lines: {long:?} against {short:?}"
    );
    assert!(
        long.max.y <= after.min.y,
        "the next row starts below it, not over it"
    );
    // The remembered heights are the measured ones (no paging row: row 0 is message 1).
    let heights = &harness.state().list.heights;
    assert!((0..3).all(|row| heights.is_measured(row)));
    assert!(heights.of(1) > heights.of(0) + 3.0 * short.height());
}

#[test]
fn only_the_rows_in_view_are_laid_out() {
    let harness = harness(lobby(1, 10_000));
    let shown = rows_in_view(&harness);
    assert_eq!(shown.last(), Some(&10_000));
    assert!(
        shown.len() < 30,
        "{} rows laid out for a window with room for about ten",
        shown.len()
    );
    let heights = &harness.state().list.heights;
    assert!(heights.is_measured(9_999), "the newest row was measured");
    assert!(
        !heights.is_measured(5_000),
        "rows never in view are only estimated"
    );
}

#[test]
fn scrolling_to_the_top_asks_for_older_messages() {
    // Messages 1 to 100 are on the server, not loaded: the paging row heads the list.
    let mut harness = harness(lobby(101, 130));
    assert!(
        harness
            .query_by_label("scroll up for older messages")
            .is_none()
    );
    assert_eq!(harness.state().actions, [], "nothing asked at the bottom");

    wheel_to_the_top(&mut harness);
    assert!(harness.state().actions.contains(&ListAction::LoadOlder));
}

#[test]
fn while_a_page_loads_a_spinner_shows_and_the_page_goes_in_above_the_view() {
    let mut harness = harness(lobby(101, 130));
    wheel_to_the_top(&mut harness);
    assert!(harness.state().actions.contains(&ListAction::LoadOlder));
    let shown = rows_in_view(&harness);
    assert_eq!(shown.first(), Some(&101), "scrolled to the top");

    // The app starts loading the page: the paging row spins, and nothing more is asked.
    let screen = harness.state_mut();
    screen.loading = true;
    screen.actions.clear();
    // The spinner keeps asking for frames; the page takes a second to come.
    harness.run_steps(60);
    harness.get_by_label("loading older messages…");
    assert_eq!(harness.state().actions, []);

    let screen = harness.state_mut();
    screen.loading = false;
    let lobby = screen.state.room_mut("lobby").expect("in the lobby");
    lobby.prepend(HistoryPage {
        room: "lobby".to_owned(),
        messages: numbered("lobby", "bob", 71..=100),
        more: true,
    });
    harness.run();
    let now = rows_in_view(&harness);
    assert!(
        shown.iter().all(|seq| now.contains(seq)),
        "the page went in above what was on screen: {shown:?} then {now:?}"
    );
    assert!(!now.contains(&71), "the view did not jump to the top");
    assert!(harness.query_by_label("loading older messages…").is_none());
}

#[test]
fn our_message_can_be_edited_in_place_and_deleted() {
    let history = vec![message("lobby", 1, "alice", "helo wrold")];
    let mut harness = harness(welcomed(
        "alice",
        vec![public_room("lobby", &["alice"], history)],
    ));
    harness.get_by_label("helo wrold").click_secondary();
    harness.run();
    harness.get_by_label("Edit").click();
    harness.run();
    let editor = harness.get_by_role_and_label(Role::MultilineTextInput, "Edit message");
    editor.focus();
    editor.type_text("!");
    harness.run();
    harness.get_by_label("Save").click();
    harness.run();
    assert_eq!(
        harness.state().actions,
        [ListAction::Edit(1, "helo wrold!".to_owned())]
    );
    assert!(
        harness.query_by_label("Edit message").is_none(),
        "the editor closed"
    );

    harness.get_by_label("helo wrold").click_secondary();
    harness.run();
    harness.get_by_label("Delete").click();
    harness.run();
    assert_eq!(harness.state().actions[1..], [ListAction::Delete(1)]);
}

#[test]
fn our_last_message_opens_focused_and_enter_saves_while_shift_enter_starts_a_line() {
    let history = vec![
        message("lobby", 1, "alice", "one"),
        message("lobby", 2, "bob", "two"),
    ];
    let mut harness = harness(welcomed(
        "alice",
        vec![public_room("lobby", &["alice", "bob"], history)],
    ));
    let screen = harness.state_mut();
    screen.list.edit_last_own(&screen.state);
    harness.run();
    let editor = harness.get_by_role_and_label(Role::MultilineTextInput, "Edit message");
    assert_eq!(editor.value().as_deref(), Some("one"), "ours, not bob's");
    assert!(editor.is_focused(), "ready to type");
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Edit message")
        .type_text("more");
    harness.run();
    assert!(
        harness.state().actions.is_empty(),
        "Shift+Enter did not save"
    );
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert_eq!(
        harness.state().actions,
        [ListAction::Edit(1, "one\nmore".to_owned())]
    );
    assert!(harness.query_by_label("Edit message").is_none());
}

#[test]
fn a_refused_message_offers_retry_and_taking_it_back() {
    let mut state = lobby(1, 3);
    assert!(state.send("too much"));
    let id = state.pending()[0].id.clone();
    state.apply(ServerFrame::Error {
        code: ErrorCode::TooLarge,
        message: "too long".to_owned(),
        id: Some(id.clone()),
        retry_after: None,
    });
    let mut harness = harness(state);
    harness.get_by_label("not sent: too long");
    harness.get_by_label("Retry").click();
    harness.run();
    harness.get_by_label("Edit").click();
    harness.run();
    assert_eq!(
        harness.state().actions,
        [ListAction::Retry(id.clone()), ListAction::TakeBack(id)]
    );
}

#[test]
fn an_empty_room_says_so() {
    let harness = harness(lobby(1, 0));
    harness.get_by_label("No messages yet. Say hello!");
}
