//! Whether a new message calls for a desktop notification: the rule, without any way of showing
//! one (the app delivers them, natively or in the browser).
//!
//! [`ChatState`](crate::state::ChatState) reports every message from someone else that arrives
//! live as an [`Arrival`] (not the history replayed on a reconnect, not older pages, not our own
//! messages); [`NotifyPrefs::notification_for`] decides, by the user's choices, which of them
//! become a [`Notification`].

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// The longest notification body, in characters (the rest of the first line is cut with `…`).
pub const MAX_BODY_CHARS: usize = 200;

/// Which messages notify the user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum NotifyLevel {
    /// Every message from someone else.
    All,
    /// Direct messages, and messages that mention the user.
    #[default]
    MentionsAndDirect,
    /// None at all.
    Nothing,
}

/// A message from someone else that arrived while the client was connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// The room it is in (its key: for a direct conversation, the server's room name).
    pub room: String,
    /// The room as the user knows it: `#name` for a public room, the other user for a direct one.
    pub room_title: String,
    /// Whether it is a direct message.
    pub direct: bool,
    /// Who sent it.
    pub sender: String,
    /// What it says.
    pub text: String,
    /// Whether it mentions the user.
    pub mentioned: bool,
    /// Whether the user was looking at the window when it arrived.
    pub focused: bool,
}

/// A desktop notification to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The room to show when the notification is clicked.
    pub room: String,
    /// Who wrote, and where: `bob in #lobby`, or just `bob` for a direct message.
    pub title: String,
    /// The message's first line (at most [`MAX_BODY_CHARS`]).
    pub body: String,
}

/// The user's choices about notifications; persisted by the app.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifyPrefs {
    /// Which messages notify.
    pub level: NotifyLevel,
    /// Rooms that never notify, by key.
    pub muted: BTreeSet<String>,
}

impl NotifyPrefs {
    /// Whether `room` is muted.
    pub fn is_muted(&self, room: &str) -> bool {
        self.muted.contains(room)
    }

    /// Mutes `room`, or unmutes it.
    pub fn set_muted(&mut self, room: &str, muted: bool) {
        if muted {
            self.muted.insert(room.to_owned());
        } else {
            self.muted.remove(room);
        }
    }

    /// The notification `arrival` calls for: none while the user looks at the window, for a
    /// muted room, or for a message the level leaves out.
    pub fn notification_for(&self, arrival: &Arrival) -> Option<Notification> {
        let wanted = match self.level {
            NotifyLevel::All => true,
            NotifyLevel::MentionsAndDirect => arrival.direct || arrival.mentioned,
            NotifyLevel::Nothing => false,
        };
        (wanted && !arrival.focused && !self.is_muted(&arrival.room)).then(|| Notification {
            room: arrival.room.clone(),
            title: if arrival.direct {
                arrival.sender.clone()
            } else {
                format!("{} in {}", arrival.sender, arrival.room_title)
            },
            body: first_line(&arrival.text),
        })
    }
}

/// The first non-blank line of `text`, trimmed, cut to [`MAX_BODY_CHARS`].
fn first_line(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or_default();
    if line.chars().count() <= MAX_BODY_CHARS {
        return line.to_owned();
    }
    let mut cut: String = line.chars().take(MAX_BODY_CHARS - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrival(direct: bool, mentioned: bool, focused: bool) -> Arrival {
        Arrival {
            room: if direct { "dm:alice:bob" } else { "lobby" }.to_owned(),
            room_title: if direct { "bob" } else { "#lobby" }.to_owned(),
            direct,
            sender: "bob".to_owned(),
            text: "hi @alice\nsecond line".to_owned(),
            mentioned,
            focused,
        }
    }

    fn notifies(prefs: &NotifyPrefs, arrival: &Arrival) -> bool {
        prefs.notification_for(arrival).is_some()
    }

    #[test]
    fn by_default_direct_messages_and_mentions_notify_and_plain_messages_do_not() {
        let prefs = NotifyPrefs::default();
        assert_eq!(prefs.level, NotifyLevel::MentionsAndDirect);
        assert!(notifies(&prefs, &arrival(true, false, false)));
        assert!(notifies(&prefs, &arrival(false, true, false)));
        assert!(!notifies(&prefs, &arrival(false, false, false)));
    }

    #[test]
    fn nothing_notifies_while_the_user_looks_at_the_window() {
        let prefs = NotifyPrefs {
            level: NotifyLevel::All,
            ..NotifyPrefs::default()
        };
        for (direct, mentioned) in [(true, false), (false, true), (false, false)] {
            assert!(!notifies(&prefs, &arrival(direct, mentioned, true)));
        }
    }

    #[test]
    fn all_notifies_plain_messages_and_nothing_notifies_none() {
        let mut prefs = NotifyPrefs {
            level: NotifyLevel::All,
            ..NotifyPrefs::default()
        };
        assert!(notifies(&prefs, &arrival(false, false, false)));
        prefs.level = NotifyLevel::Nothing;
        for (direct, mentioned) in [(true, true), (true, false), (false, true)] {
            assert!(!notifies(&prefs, &arrival(direct, mentioned, false)));
        }
    }

    #[test]
    fn a_muted_room_never_notifies_and_the_others_still_do() {
        let mut prefs = NotifyPrefs {
            level: NotifyLevel::All,
            ..NotifyPrefs::default()
        };
        prefs.set_muted("lobby", true);
        assert!(prefs.is_muted("lobby"));
        assert!(!notifies(&prefs, &arrival(false, true, false)));
        assert!(notifies(&prefs, &arrival(true, false, false)));
        prefs.set_muted("lobby", false);
        assert!(notifies(&prefs, &arrival(false, true, false)));
    }

    #[test]
    fn the_notification_names_sender_and_room_and_shows_the_first_line() {
        let prefs = NotifyPrefs::default();
        let in_room = prefs.notification_for(&arrival(false, true, false));
        assert_eq!(
            in_room,
            Some(Notification {
                room: "lobby".into(),
                title: "bob in #lobby".into(),
                body: "hi @alice".into(),
            })
        );
        let direct = prefs.notification_for(&arrival(true, false, false));
        assert_eq!(
            direct.map(|n| (n.room, n.title)),
            Some(("dm:alice:bob".into(), "bob".into()))
        );
    }

    #[test]
    fn the_body_skips_blank_lines_and_cuts_a_long_line() {
        assert_eq!(first_line("\n  \n  second  \nthird"), "second");
        assert_eq!(first_line(""), "");
        let long = "é".repeat(MAX_BODY_CHARS + 5);
        let cut = first_line(&long);
        assert_eq!(cut.chars().count(), MAX_BODY_CHARS);
        assert!(cut.ends_with('…'));
        let exact = "x".repeat(MAX_BODY_CHARS);
        assert_eq!(first_line(&exact), exact);
    }

    #[test]
    fn preferences_read_back_what_they_wrote_and_default_what_is_missing() {
        let mut prefs = NotifyPrefs {
            level: NotifyLevel::Nothing,
            ..NotifyPrefs::default()
        };
        prefs.set_muted("lobby", true);
        let json = serde_json::to_string(&prefs).expect("serialises");
        assert_eq!(
            serde_json::from_str::<NotifyPrefs>(&json).expect("parses"),
            prefs
        );
        assert_eq!(
            serde_json::from_str::<NotifyPrefs>("{}").expect("parses"),
            NotifyPrefs::default()
        );
    }
}
