//! Images and files through the real window (egui_kittest) on a real server: a file dropped
//! onto one window uploads, and shows in another window inline as an image (its thumbnail
//! decoded into a texture; a click opens it full size, Escape closes it) or as a file with its
//! name, size and Download button; an image pasted from the clipboard is sent as a PNG; the new
//! controls have accessible names.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::window::{joined_harness, step_until};
use chinwag::client::state::Entry;
use chinwag::ui::ChatApp;
use chinwag_testkit::TestServer;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

/// A file dropped onto the window, as egui-winit hands one over natively: a path on disk.
#[derive(Debug)]
struct DroppedOnDisk(PathBuf);

impl egui::DroppedFile for DroppedOnDisk {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|error| error.to_string())
    }
}

/// Drops the file `name` with `bytes` (written into `folder`) onto the window.
fn drop_file(harness: &mut Harness<'_, ChatApp>, folder: &Path, name: &str, bytes: &[u8]) {
    let path = folder.join(name);
    std::fs::write(&path, bytes).unwrap();
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedOnDisk(path)));
    harness.run_steps(1);
}

/// A `width` × `height` PNG, a colour gradient.
fn png(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbaImage::from_fn(width, height, |x, y| {
        image::Rgba([(x * 255 / width) as u8, (y * 255 / height) as u8, 128, 255])
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

/// Steps the window (whose client uploads as it pumps) until its message with the file is
/// acknowledged: nothing pending, and a message of the room carries a file.
fn wait_for_ack(harness: &mut Harness<'_, ChatApp>) {
    step_until(harness, "the upload and its ack", |h| {
        let state = h.state().state();
        state.pending().is_empty()
            && state.current().is_some_and(|room| {
                room.timeline().iter().any(
                |entry| matches!(entry, Entry::Message(message) if message.attachment.is_some()),
            )
            })
    });
}

/// Types `text` into the composer without sending it.
fn type_caption(harness: &mut Harness<'_, ChatApp>, text: &str) {
    let composer = harness.get_by_role_and_label(Role::MultilineTextInput, "Message");
    composer.focus();
    composer.type_text(text);
    harness.run_steps(1);
}

#[test]
fn a_dropped_image_uploads_and_shows_inline_in_another_window_and_opens_full_size() {
    let server = TestServer::start();
    let folder = tempfile::tempdir().unwrap();
    let mut alice = joined_harness(&server.url(), "alice");
    let mut bob = joined_harness(&server.url(), "bob");
    type_caption(&mut alice, "look at this");
    drop_file(&mut alice, folder.path(), "photo.png", &png(640, 480));
    wait_for_ack(&mut alice);
    assert!(
        alice.query_by_label("look at this").is_some(),
        "the caption went with the file"
    );
    let image = "Image photo.png, ";
    step_until(&mut bob, "the image in bob's window", |h| {
        h.query_by_label_contains(image).is_some()
    });
    step_until(&mut bob, "its thumbnail decoded into a texture", |h| {
        h.state().texture_use().0 == 1
    });
    let room = bob.state().state().room("lobby").unwrap();
    let Some(Entry::Message(message)) = room.timeline().last() else {
        panic!("the last entry is the message");
    };
    let attachment = message.attachment.as_deref().unwrap();
    assert_eq!(
        (attachment.name.as_str(), attachment.mime.as_str()),
        ("photo.png", "image/png")
    );
    assert_eq!(message.text, "look at this");
    let shown = bob.get_by_label_contains(image).rect();
    assert_eq!(
        (shown.width().round(), shown.height().round()),
        (320.0, 240.0),
        "scaled from the size the message carries to fit 320 × 240"
    );

    bob.get_by_label_contains(image).click();
    step_until(&mut bob, "the viewer with the full image", |h| {
        h.query_by_role_and_label(Role::Button, "Close").is_some() && h.state().texture_use().0 == 2
    });
    bob.key_press(egui::Key::Escape);
    step_until(&mut bob, "the viewer to close", |h| {
        h.query_by_role_and_label(Role::Button, "Close").is_none()
    });
}

#[test]
fn a_dropped_file_shows_its_name_size_and_download_button_and_controls_are_named() {
    let server = TestServer::start();
    let folder = tempfile::tempdir().unwrap();
    let mut alice = joined_harness(&server.url(), "alice");
    let mut bob = joined_harness(&server.url(), "bob");
    assert!(
        alice
            .query_by_role_and_label(Role::Button, "Attach a file")
            .is_some(),
        "the attach button has an accessible name"
    );
    drop_file(&mut alice, folder.path(), "notes.txt", &vec![b'a'; 3000]);
    wait_for_ack(&mut alice);
    step_until(&mut bob, "the file in bob's window", |h| {
        h.query_by_label("notes.txt").is_some()
    });
    assert!(bob.query_by_label("2.9 KB").is_some(), "its size");
    assert!(
        bob.query_by_role_and_label(Role::Button, "Download")
            .is_some(),
        "a Download button"
    );
    assert_eq!(bob.state().texture_use().0, 0, "no image to load");
}

#[test]
fn an_empty_file_is_refused_with_a_reason_and_the_typed_text_stays() {
    let server = TestServer::start();
    let folder = tempfile::tempdir().unwrap();
    let mut alice = joined_harness(&server.url(), "alice");
    type_caption(&mut alice, "keep me");
    drop_file(&mut alice, folder.path(), "empty.txt", b"");
    step_until(&mut alice, "why it was refused", |h| {
        h.state()
            .state()
            .last_error()
            .is_some_and(|error| error.message == "empty.txt is empty: there is nothing to send")
    });
    assert!(alice.state().state().pending().is_empty());
    let composer = alice.get_by_role_and_label(Role::MultilineTextInput, "Message");
    assert_eq!(
        composer.value().as_deref(),
        Some("keep me"),
        "the typed text stays in the composer"
    );
}

#[test]
fn a_pasted_image_is_sent_as_a_png_and_shows_inline() {
    let server = TestServer::start();
    let mut alice = joined_harness(&server.url(), "alice");
    let mut bob = joined_harness(&server.url(), "bob");
    let pasted = egui::ColorImage::filled([200, 100], egui::Color32::from_rgb(30, 120, 200));
    alice.event(egui::Event::PasteImage(Arc::new(pasted)));
    alice.run_steps(1);
    wait_for_ack(&mut alice);
    step_until(&mut bob, "the pasted image in bob's window", |h| {
        h.query_by_label_contains("Image pasted image.png, ")
            .is_some()
    });
    let room = bob.state().state().room("lobby").unwrap();
    let attachment = room
        .timeline()
        .iter()
        .find_map(|entry| match entry {
            Entry::Message(message) => message.attachment.as_deref(),
            _ => None,
        })
        .unwrap();
    assert_eq!(attachment.mime, "image/png");
    assert_eq!(
        attachment.image,
        Some(chinwag::protocol::attachments::ImageSize {
            width: 200,
            height: 100
        })
    );
}
