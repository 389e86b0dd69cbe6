//! Desktop notifications: delivering what the client core's rule
//! ([`crate::client::notify`]) asks for, through a [`Notifier`] (the platform's: `notify-rust`
//! natively, the browser's Notification API on the web; a recorder in tests), plus taskbar
//! attention natively, the app badge in the browser, and the user's choices (the level in
//! Settings, muted rooms), saved between runs.

#[cfg(not(target_arch = "wasm32"))]
mod native;
mod section;
#[cfg(target_arch = "wasm32")]
mod web;

use crate::client::notify::{Notification, NotifyPrefs};
use crate::client::state::ChatState;

pub use section::settings_section;

/// Whether the user is looking at the app: the window has the focus (egui's input, from the
/// platform) and, in a browser, the page has it too: eframe counts a visible tab whose canvas
/// has the keyboard as focused even while another window is in front of the browser.
pub fn window_focused(ctx: &egui::Context) -> bool {
    let focused = ctx.input(|input| input.focused);
    #[cfg(target_arch = "wasm32")]
    let focused = focused
        && web_sys::window()
            .and_then(|window| window.document())
            .is_none_or(|document| document.has_focus().unwrap_or(true));
    focused
}

/// Whether the platform lets the app show notifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// It does (natively always; in a browser once the user allowed it).
    Allowed,
    /// The browser has not asked the user yet ([`Notifier::request_permission`] asks).
    NotAsked,
    /// The user (or the browser) refused.
    Blocked,
    /// There is no way to show notifications here.
    Unsupported,
}

/// Shows desktop notifications. The app calls it from its frame: nothing here may block.
pub trait Notifier {
    /// Shows `notification`.
    fn notify(&mut self, notification: &Notification);

    /// The room of a notification the user clicked since the last call, if any.
    fn clicked(&mut self) -> Option<String>;

    /// Whether notifications can be shown.
    fn permission(&self) -> Permission {
        Permission::Allowed
    }

    /// Asks the user to allow notifications (in a browser; only from a click of theirs).
    fn request_permission(&mut self) {}

    /// Shows `unread` on the app's icon (0 clears it), where the platform has such a badge.
    fn set_badge(&mut self, _unread: u64) {}
}

/// The app's notifications: the user's choices and the notifier that delivers.
#[derive(Default)]
pub struct Notifications {
    prefs: NotifyPrefs,
    notifier: Option<Box<dyn Notifier>>,
    /// The unread count last shown on the badge.
    badge: Option<u64>,
    /// Whether the taskbar was asked for the user's attention since the window last had focus.
    #[cfg(not(target_arch = "wasm32"))]
    attention: bool,
}

impl Notifications {
    /// The eframe storage key the choices are saved under.
    pub const STORAGE_KEY: &'static str = "chinwag_notifications";

    /// Notifications with the choices `prefs`, delivered by `notifier`.
    pub fn new(prefs: NotifyPrefs, notifier: Box<dyn Notifier>) -> Self {
        Self {
            prefs,
            notifier: Some(notifier),
            ..Self::default()
        }
    }

    /// The platform's notifier, with the choices saved by an earlier run.
    pub fn platform(cc: &eframe::CreationContext<'_>) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        let notifier = native::NativeNotifier::new(cc.egui_ctx.clone());
        #[cfg(target_arch = "wasm32")]
        let notifier = web::WebNotifier::new(cc.egui_ctx.clone());
        Self::new(Self::load(cc.storage), Box::new(notifier))
    }

    /// The choices saved by an earlier run, or the defaults.
    pub fn load(storage: Option<&dyn eframe::Storage>) -> NotifyPrefs {
        storage
            .and_then(|storage| eframe::get_value(storage, Self::STORAGE_KEY))
            .unwrap_or_default()
    }

    /// Saves the choices for the next run.
    pub fn save(&self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, Self::STORAGE_KEY, &self.prefs);
    }

    /// The user's choices.
    pub fn prefs(&self) -> &NotifyPrefs {
        &self.prefs
    }

    /// The user's choices, to change.
    pub fn prefs_mut(&mut self) -> &mut NotifyPrefs {
        &mut self.prefs
    }

    /// Whether notifications can be shown (unsupported without a notifier).
    pub fn permission(&self) -> Permission {
        self.notifier
            .as_ref()
            .map_or(Permission::Unsupported, |notifier| notifier.permission())
    }

    /// Asks the user to allow notifications.
    pub fn request_permission(&mut self) {
        if let Some(notifier) = &mut self.notifier {
            notifier.request_permission();
        }
    }

    /// Once a frame, after the client's pump: notifies of what arrived as the choices say
    /// (asking the taskbar for attention natively), opens the room of a clicked notification,
    /// and keeps the badge at the unread count.
    pub fn update(&mut self, ctx: &egui::Context, state: &mut ChatState) {
        let mut notified = false;
        for arrival in state.take_arrivals() {
            if let Some(notification) = self.prefs.notification_for(&arrival) {
                notified = true;
                if let Some(notifier) = &mut self.notifier {
                    notifier.notify(&notification);
                }
            }
        }
        self.taskbar_attention(ctx, notified);
        let Some(notifier) = &mut self.notifier else {
            return;
        };
        if let Some(room) = notifier.clicked() {
            state.switch_to(&room);
            // In the browser the notifier focuses the page itself.
            #[cfg(not(target_arch = "wasm32"))]
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
            ctx.request_repaint();
        }
        let unread = state.total_unread();
        if self.badge != Some(unread) {
            self.badge = Some(unread);
            notifier.set_badge(unread);
        }
    }

    /// Asks the taskbar for attention when a notification went out, and stops asking once the
    /// window has the focus.
    #[cfg(not(target_arch = "wasm32"))]
    fn taskbar_attention(&mut self, ctx: &egui::Context, notified: bool) {
        use egui::{UserAttentionType, ViewportCommand};
        if notified && !self.attention {
            self.attention = true;
            ctx.send_viewport_cmd(ViewportCommand::RequestUserAttention(
                UserAttentionType::Informational,
            ));
        } else if self.attention && window_focused(ctx) {
            self.attention = false;
            ctx.send_viewport_cmd(ViewportCommand::RequestUserAttention(
                UserAttentionType::Reset,
            ));
        }
    }

    /// A browser page has no taskbar entry to ask for attention with (the tab title and the
    /// badge show the unread count).
    #[cfg(target_arch = "wasm32")]
    fn taskbar_attention(&mut self, _ctx: &egui::Context, _notified: bool) {}
}
