//! The window title (the tab title in a browser): "Chinwag", or "(3) Chinwag" while three
//! messages from others arrived that the user has not seen because the window was not focused.

use crate::client::state::{ChatState, Entry, Phase};

/// The title with nothing unread.
pub const APP_TITLE: &str = "Chinwag";

/// Counts messages that arrive while the window is in the background and shows the count in
/// the title. Messages count as seen once the window has focus; the history that comes with the
/// first join never counts.
#[derive(Debug, Default)]
pub struct UnreadTitle {
    /// Messages with a sequence number up to this one are seen.
    seen_seq: u64,
    /// The first join has happened (its history is not news).
    joined_once: bool,
    /// The title last set, so the window is only told about changes.
    shown: Option<String>,
}

impl UnreadTitle {
    /// Updates the count from `state` and the window's focus; sets the title if it changed.
    pub fn update(&mut self, ctx: &egui::Context, state: &ChatState) {
        let focused = ctx.input(|input| input.focused);
        let joined = state.phase() == &Phase::Joined;
        if focused || (joined && !self.joined_once) {
            self.seen_seq = self.seen_seq.max(latest_seq(state));
        }
        self.joined_once |= joined;
        let title = title(unread(state, self.seen_seq));
        if self.shown.as_ref() != Some(&title) {
            set_title(ctx, &title);
            self.shown = Some(title);
        }
    }
}

/// "Chinwag" or "(n) Chinwag".
pub fn title(unread: usize) -> String {
    match unread {
        0 => APP_TITLE.to_owned(),
        n => format!("({n}) {APP_TITLE}"),
    }
}

/// The highest sequence number in the timeline (0 when there are no messages).
fn latest_seq(state: &ChatState) -> u64 {
    messages_newest_first(state)
        .map(|(seq, _)| seq)
        .next()
        .unwrap_or(0)
}

/// Messages from others after `seen_seq`.
fn unread(state: &ChatState, seen_seq: u64) -> usize {
    messages_newest_first(state)
        .take_while(|&(seq, _)| seq > seen_seq)
        .filter(|&(_, from)| from != state.name())
        .count()
}

fn messages_newest_first(state: &ChatState) -> impl Iterator<Item = (u64, &str)> {
    state
        .timeline()
        .iter()
        .rev()
        .filter_map(|entry| match entry {
            Entry::Message(message) => Some((message.seq, message.from.as_str())),
            _ => None,
        })
}

/// Natively the window title; in the browser the document title, which eframe's web backend does
/// not set from [`egui::ViewportCommand::Title`].
fn set_title(ctx: &egui::Context, title: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        let _ = ctx;
        if let Some(document) = web_sys::window().and_then(|window| window.document()) {
            document.set_title(title);
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{ChatMessage, ServerFrame};

    fn message(seq: u64, from: &str) -> ChatMessage {
        ChatMessage {
            room: "lobby".into(),
            seq,
            id: format!("m{seq}"),
            from: from.into(),
            time: 0,
            text: "hi".into(),
        }
    }

    fn frame(ctx: &egui::Context, focused: bool, title: &mut UnreadTitle, state: &ChatState) {
        let input = egui::RawInput {
            focused,
            ..Default::default()
        };
        let mut output = ctx.run_ui(input, |ui| title.update(ui.ctx(), state));
        output.textures_delta.clear();
    }

    #[test]
    fn counts_messages_from_others_while_unfocused() {
        let ctx = egui::Context::default();
        let mut state = ChatState::new("lobby", "p", "token");
        state.join("alice");
        state.opened();
        let welcome = serde_json::json!({
            "type": "welcome", "version": 1, "name": "alice", "room": "lobby",
            "users": ["alice", "bob"],
            "history": [message(1, "bob"), message(2, "bob")],
        });
        state.apply(serde_json::from_value::<ServerFrame>(welcome).expect("a welcome"));
        let mut title = UnreadTitle::default();

        // History from before joining is not news, even in the background.
        frame(&ctx, false, &mut title, &state);
        assert_eq!(title.shown.as_deref(), Some("Chinwag"));

        state.apply(ServerFrame::Message(message(3, "bob")));
        state.apply(ServerFrame::Message(message(4, "alice")));
        state.apply(ServerFrame::Message(message(5, "bob")));
        frame(&ctx, false, &mut title, &state);
        assert_eq!(
            title.shown.as_deref(),
            Some("(2) Chinwag"),
            "our own are not unread"
        );

        frame(&ctx, true, &mut title, &state);
        assert_eq!(
            title.shown.as_deref(),
            Some("Chinwag"),
            "focus marks them seen"
        );

        state.apply(ServerFrame::Message(message(6, "bob")));
        frame(&ctx, false, &mut title, &state);
        assert_eq!(title.shown.as_deref(), Some("(1) Chinwag"));
    }
}
