//! [`WebNotifier`]: the browser's Notification API, and the app badge (`navigator.setAppBadge`)
//! where the browser has one.
//!
//! The permission is asked for only by [`Notifier::request_permission`], which the Settings
//! dialog calls from a click (browsers refuse, or hold against the page, a request made
//! without one). A click on a notification focuses the tab and the app's canvas (so the app
//! counts as looked at again) and hands the room back to the app.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use eframe::wasm_bindgen::{JsCast, JsValue, closure::Closure};

use super::{Notifier, Permission};
use crate::client::notify::Notification;

/// Shows notifications with the browser's Notification API.
pub struct WebNotifier {
    ctx: egui::Context,
    /// Rooms of clicked notifications, filled by their click handlers.
    clicks: Rc<RefCell<VecDeque<String>>>,
}

impl WebNotifier {
    /// A notifier whose clicks and permission answers repaint `ctx`.
    pub fn new(ctx: egui::Context) -> Self {
        Self {
            ctx,
            clicks: Rc::default(),
        }
    }
}

/// Whether the browser has the Notification API at all (some, like iOS Safari outside an
/// installed web app, do not).
fn has_notification_api() -> bool {
    web_sys::window().is_some_and(|window| {
        js_sys::Reflect::has(&window, &JsValue::from_str("Notification")).unwrap_or(false)
    })
}

impl Notifier for WebNotifier {
    fn notify(&mut self, notification: &Notification) {
        if self.permission() != Permission::Allowed {
            return;
        }
        let options = web_sys::NotificationOptions::new();
        options.set_body(&notification.body);
        // One notification per room: a newer one replaces the one before, and alerts again.
        options.set_tag(&notification.room);
        options.set_renotify(true);
        let shown = match web_sys::Notification::new_with_options(&notification.title, &options) {
            Ok(shown) => shown,
            Err(err) => {
                log::warn!("could not show a notification: {err:?}");
                return;
            }
        };
        let room = notification.room.clone();
        let clicks = Rc::clone(&self.clicks);
        let ctx = self.ctx.clone();
        let closing = shown.clone();
        let on_click = Closure::once_into_js(move || {
            focus_page();
            closing.close();
            clicks.borrow_mut().push_back(room);
            ctx.request_repaint();
        });
        shown.set_onclick(Some(on_click.unchecked_ref()));
    }

    fn clicked(&mut self) -> Option<String> {
        self.clicks.borrow_mut().pop_front()
    }

    fn permission(&self) -> Permission {
        if !has_notification_api() {
            return Permission::Unsupported;
        }
        match web_sys::Notification::permission() {
            web_sys::NotificationPermission::Granted => Permission::Allowed,
            web_sys::NotificationPermission::Denied => Permission::Blocked,
            _ => Permission::NotAsked,
        }
    }

    fn request_permission(&mut self) {
        if !has_notification_api() {
            return;
        }
        match web_sys::Notification::request_permission() {
            Ok(answer) => {
                let ctx = self.ctx.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    // Granted or not, the Settings dialog shows what it is now.
                    let _ = wasm_bindgen_futures::JsFuture::from(answer).await;
                    ctx.request_repaint();
                });
            }
            Err(err) => log::warn!("could not ask for notifications: {err:?}"),
        }
    }

    fn set_badge(&mut self, unread: u64) {
        let Some(navigator) = web_sys::window().map(|window| window.navigator()) else {
            return;
        };
        let (method, args) = if unread == 0 {
            ("clearAppBadge", js_sys::Array::new())
        } else {
            (
                "setAppBadge",
                js_sys::Array::of1(&JsValue::from_f64(unread as f64)),
            )
        };
        // Feature-detected: most browsers have no badge (Chromium has it for installed apps).
        let Ok(function) = js_sys::Reflect::get(&navigator, &JsValue::from_str(method))
            .and_then(JsCast::dyn_into::<js_sys::Function>)
        else {
            return;
        };
        if let Ok(promise) = function
            .apply(&navigator, &args)
            .and_then(JsCast::dyn_into::<js_sys::Promise>)
        {
            // A refusal (e.g. not installed) is no error worth a console line.
            wasm_bindgen_futures::spawn_local(async move {
                let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            });
        }
    }
}

/// Brings the tab to the front and gives the app's canvas the keyboard, as a click on it would.
fn focus_page() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let _ = window.focus();
    if let Some(canvas) = window
        .document()
        .and_then(|document| document.get_element_by_id("chinwag_canvas"))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = canvas.focus();
    }
}
