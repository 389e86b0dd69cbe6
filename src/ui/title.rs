//! The window title (the tab title in a browser): "Chinwag", or "(3) Chinwag" while three
//! messages from others wait unread across the user's rooms.

use crate::client::state::ChatState;

/// The title with nothing unread.
pub const APP_TITLE: &str = "Chinwag";

/// Keeps the title in step with the unread count, telling the window only about changes.
#[derive(Debug, Default)]
pub struct UnreadTitle {
    shown: Option<String>,
}

impl UnreadTitle {
    /// Sets the title from `state`'s unread count if it changed.
    pub fn update(&mut self, ctx: &egui::Context, state: &ChatState) {
        let title = title(state.total_unread());
        if self.shown.as_ref() != Some(&title) {
            set_title(ctx, &title);
            self.shown = Some(title);
        }
    }
}

/// "Chinwag" or "(n) Chinwag".
pub fn title(unread: u64) -> String {
    match unread {
        0 => APP_TITLE.to_owned(),
        n => format!("({n}) {APP_TITLE}"),
    }
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
    use super::title;

    #[test]
    fn the_title_carries_the_unread_count() {
        assert_eq!(title(0), "Chinwag");
        assert_eq!(title(3), "(3) Chinwag");
    }
}
