//! In the browser, the app's Ctrl/⌘ shortcuts ([`shortcuts::SHORTCUTS`]) are the app's: without
//! this the browser would act on them too (Ctrl+K moves the keyboard to the address bar's search,
//! Ctrl+F opens find in page) and the quick switcher would never get what is typed. eframe
//! prevents the browser's default only for a few keys of its own.

use eframe::wasm_bindgen::JsCast as _;
use eframe::wasm_bindgen::closure::Closure;

use crate::ui::shortcuts;

/// Listens (once, before eframe's own listeners) for key presses and prevents the browser's
/// default action for those that are one of the app's shortcuts with Ctrl or ⌘.
pub fn claim_shortcuts() {
    static CLAIMED: std::sync::Once = std::sync::Once::new();
    CLAIMED.call_once(|| {
        let Some(window) = web_sys::window() else {
            return;
        };
        let listener =
            Closure::<dyn FnMut(web_sys::KeyboardEvent)>::new(|event: web_sys::KeyboardEvent| {
                if is_command_shortcut(&event) {
                    event.prevent_default();
                }
            });
        let added = window.add_event_listener_with_callback_and_bool(
            "keydown",
            listener.as_ref().unchecked_ref(),
            true,
        );
        if added.is_err() {
            log::warn!("the browser keeps Ctrl+K and Ctrl+F to itself");
        }
        // The listener lives as long as the page.
        listener.forget();
    });
}

/// Whether `event` presses one of the shortcuts that use Ctrl (⌘ on macOS).
fn is_command_shortcut(event: &web_sys::KeyboardEvent) -> bool {
    let command = event.ctrl_key() || event.meta_key();
    let pressed = egui::Modifiers {
        alt: event.alt_key(),
        ctrl: event.ctrl_key(),
        shift: event.shift_key(),
        mac_cmd: false,
        command,
    };
    let key = egui::Key::from_name(&event.key());
    command
        && shortcuts::SHORTCUTS.iter().any(|shortcut| {
            shortcut.keys.modifiers.command
                && key == Some(shortcut.keys.logical_key)
                && pressed.matches_logically(shortcut.keys.modifiers)
        })
}
