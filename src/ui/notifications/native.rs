//! [`NativeNotifier`]: desktop notifications through `notify-rust` (D-Bus on Linux and the BSDs,
//! the notification centre on macOS, toasts on Windows).
//!
//! Showing one talks to the system (on Linux a D-Bus call to the notification daemon), so each
//! goes out on a thread of its own and the frame never waits. Where the platform reports
//! clicks (the freedesktop "default" action: Linux and the BSDs), that thread stays to wait for
//! one and hands its room back to the app; at most [`MAX_WAITING`] wait at a time, so a daemon
//! that never closes its notifications cannot pile up threads.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

use super::Notifier;
use crate::client::notify::Notification;

/// The most notifications waiting for a click at once; later ones are shown without waiting.
pub const MAX_WAITING: usize = 16;

/// Shows notifications with `notify-rust`; clicks come back on a channel.
pub struct NativeNotifier {
    ctx: egui::Context,
    clicks: mpsc::Receiver<String>,
    click_sender: mpsc::Sender<String>,
    waiting: Arc<AtomicUsize>,
    /// Whether a failure was logged as a warning already (the next ones are debug messages:
    /// without a notification daemon every message would warn again).
    warned: Arc<AtomicBool>,
}

impl NativeNotifier {
    /// A notifier whose clicks repaint `ctx`.
    pub fn new(ctx: egui::Context) -> Self {
        let (click_sender, clicks) = mpsc::channel();
        Self {
            ctx,
            clicks,
            click_sender,
            waiting: Arc::new(AtomicUsize::new(0)),
            warned: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl Notifier for NativeNotifier {
    fn notify(&mut self, notification: &Notification) {
        let notification = notification.clone();
        let click = Click {
            room: notification.room.clone(),
            sender: self.click_sender.clone(),
            ctx: self.ctx.clone(),
            waiting: Arc::clone(&self.waiting),
        };
        let warned = Arc::clone(&self.warned);
        let spawned = std::thread::Builder::new()
            .name("chinwag-notification".into())
            .spawn(move || show(&notification, click, &warned));
        if let Err(err) = spawned {
            log::warn!("no thread to show a notification on: {err}");
        }
    }

    fn clicked(&mut self) -> Option<String> {
        self.clicks.try_recv().ok()
    }
}

/// What a click on one notification does: send its room to the app and wake it.
struct Click {
    room: String,
    sender: mpsc::Sender<String>,
    ctx: egui::Context,
    waiting: Arc<AtomicUsize>,
}

/// Shows `notification` (blocking this thread) and, where clicks are reported, waits for one.
fn show(notification: &Notification, click: Click, warned: &AtomicBool) {
    let mut shown = notify_rust::Notification::new();
    shown
        .appname("Chinwag")
        .summary(&notification.title)
        .body(&notification.body);
    #[cfg(all(unix, not(target_os = "macos")))]
    shown
        .action("default", "Open")
        .hint(notify_rust::Hint::Category("im.received".into()));
    match shown.show() {
        Ok(handle) => wait_for_click(handle, click),
        Err(err) if warned.swap(true, Ordering::Relaxed) => {
            log::debug!("could not show a desktop notification: {err}");
        }
        Err(err) => log::warn!("could not show a desktop notification: {err}"),
    }
}

/// Waits until the notification is clicked (its room goes to the app) or closed.
#[cfg(all(unix, not(target_os = "macos")))]
fn wait_for_click(handle: notify_rust::NotificationHandle, click: Click) {
    if click.waiting.fetch_add(1, Ordering::Relaxed) >= MAX_WAITING {
        click.waiting.fetch_sub(1, Ordering::Relaxed);
        return;
    }
    handle.wait_for_action(|action| {
        if action == "default" && click.sender.send(click.room.clone()).is_ok() {
            click.ctx.request_repaint();
        }
    });
    click.waiting.fetch_sub(1, Ordering::Relaxed);
}

/// macOS and Windows: notify-rust shows the notification but reports no click to wait for.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn wait_for_click<H>(_handle: H, _click: Click) {}
