//! Widget tests of the sidebar on its own: a [`ChatState`] fed server frames, the sidebar
//! drawn by egui_kittest, real clicks and keys.

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

use super::{Sidebar, SidebarAction};
use crate::client::state::ChatState;
use crate::protocol::{MAX_UNREAD_COUNT, RoomListing, RoomState, ServerFrame};
use crate::ui::chat_fixtures::{direct_room, public_room, welcomed};

/// What the sidebar is drawn from, and every action it gave.
struct Screen {
    sidebar: Sidebar,
    state: ChatState,
    actions: Vec<SidebarAction>,
}

fn harness(state: ChatState) -> Harness<'static, Screen> {
    let screen = Screen {
        sidebar: Sidebar::default(),
        state,
        actions: Vec::new(),
    };
    let mut harness = Harness::new_ui_state(
        |ui, screen: &mut Screen| {
            if let Some(action) = screen.sidebar.show(ui, &screen.state) {
                screen.actions.push(action);
            }
        },
        screen,
    );
    harness.run();
    harness
}

/// `room` with `unread` messages unread, `mentions` of them mentioning the user.
fn unread(mut room: RoomState, unread: u64, mentions: u64) -> RoomState {
    room.unread = unread;
    room.mentions = mentions;
    room
}

/// Alice in the lobby (shown), with unread messages in "random" and from bob.
fn alice_with_unread() -> ChatState {
    welcomed(
        "alice",
        vec![
            public_room("lobby", &["alice"], Vec::new()),
            unread(public_room("random", &["alice"], Vec::new()), 3, 1),
            unread(direct_room("bob", &["alice", "bob"]), 2, 0),
        ],
    )
}

/// Types `text` into the room name field.
fn type_room_name(harness: &mut Harness<'_, Screen>, text: &str) {
    let field = harness.get_by_role_and_label(Role::TextInput, "Join or create a room");
    field.focus();
    field.type_text(text);
    harness.run();
}

#[test]
fn rooms_and_direct_messages_are_listed_with_their_unread_counts() {
    let harness = harness(alice_with_unread());
    harness.get_by_label("# lobby");
    harness.get_by_label("# random");
    harness.get_by_label("@ bob");
    harness.get_by_label("3");
    harness.get_by_label("@1");
    harness.get_by_label("2");
    assert!(
        harness
            .query_by_label("Click a name in the member list to message someone.")
            .is_none(),
        "no hint while there are direct messages"
    );
}

#[test]
fn a_huge_unread_count_shows_as_the_cap() {
    let harness = harness(welcomed(
        "alice",
        vec![
            public_room("lobby", &["alice"], Vec::new()),
            unread(
                public_room("random", &["alice"], Vec::new()),
                MAX_UNREAD_COUNT as u64,
                0,
            ),
        ],
    ));
    harness.get_by_label(&format!("{}+", MAX_UNREAD_COUNT - 1));
}

#[test]
fn clicking_a_room_switches_to_it() {
    let mut harness = harness(alice_with_unread());
    harness.get_by_label("# random").click();
    harness.run();
    harness.get_by_label("@ bob").click();
    harness.run();
    assert_eq!(
        harness.state().actions,
        [
            SidebarAction::Switch("random".to_owned()),
            SidebarAction::Switch("@bob".to_owned()),
        ]
    );
}

#[test]
fn a_typed_room_name_is_joined_or_created_and_the_field_empties() {
    let mut harness = harness(alice_with_unread());
    type_room_name(&mut harness, "books");
    harness.get_by_label("Join").click();
    harness.run();
    type_room_name(&mut harness, "films");
    harness.get_by_label("Create").click();
    harness.run();
    type_room_name(&mut harness, "music");
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert_eq!(
        harness.state().actions,
        [
            SidebarAction::Join("books".to_owned()),
            SidebarAction::Create("films".to_owned()),
            SidebarAction::Join("music".to_owned()),
        ]
    );
    assert_eq!(harness.state().sidebar.room_name, "");
}

#[test]
fn an_invalid_room_name_says_why_and_cannot_be_joined() {
    let mut harness = harness(alice_with_unread());
    type_room_name(&mut harness, "@books");
    harness.get_by_label("A room name must not start with @");
    harness.get_by_label("Join").click();
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert_eq!(harness.state().actions, []);
}

#[test]
fn browsing_asks_for_the_rooms_and_offers_those_not_joined() {
    let mut harness = harness(alice_with_unread());
    harness.get_by_label("Browse rooms").click();
    // A spinner turns until the list comes.
    harness.run_steps(2);
    harness.get_by_role(Role::ProgressIndicator);
    assert_eq!(harness.state().actions, [SidebarAction::Browse]);

    let listing = |room: &str| RoomListing {
        room: room.to_owned(),
        topic: String::new(),
        members: 4,
    };
    harness.state_mut().state.apply(ServerFrame::RoomList {
        rooms: vec![listing("lobby"), listing("books")],
    });
    harness.run();
    assert_eq!(
        harness.query_all_by_label("# lobby").count(),
        1,
        "the lobby, joined already, is not offered"
    );
    harness.get_by_label("# books").click();
    harness.run();
    assert_eq!(
        harness.state().actions[1..],
        [SidebarAction::Join("books".to_owned())]
    );
}

#[test]
fn the_settings_button_opens_the_settings() {
    let mut harness = harness(alice_with_unread());
    harness.get_by_label("Settings").click();
    harness.run();
    assert_eq!(harness.state().actions, [SidebarAction::Settings]);
}
