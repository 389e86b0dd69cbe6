//! Attachments in the app: [`Media`] loads the images messages show (thumbnails, and the full
//! image in the viewer) into a bounded [`cache::TextureCache`], saves downloaded files, and
//! brings in files to send ([`incoming::Incoming`]: picked, dropped, pasted). Drawing them is in
//! `show.rs`.

mod cache;
mod decode;
pub mod incoming;
pub mod save;
mod show;

use std::collections::HashMap;

use crate::client::chat_client::ChatClient;
use crate::client::download::Download;
use crate::protocol::attachments::Attachment;

pub use cache::ImageKey;
use cache::TextureCache;
use decode::Decoding;
use incoming::Incoming;
use save::Saved;
pub use show::{attachment_height, file_icon};

/// The most attachment downloads in flight at once (a long scroll asks for many thumbnails).
const MAX_LOADS: usize = 6;

/// An image on its way: downloading, then decoding.
enum Load {
    Fetching(Download),
    Decoding(Decoding),
}

/// Where a Download button's file stands.
#[derive(Debug)]
pub enum SaveState {
    /// Downloading.
    Fetching,
    /// Saved (where).
    Saved(Saved),
    /// Could not be (why).
    Failed(String),
}

/// An image of an attachment as the list can draw it.
pub enum ImageState {
    /// Loaded.
    Ready(egui::TextureHandle),
    /// On its way (or about to be asked for).
    Loading,
    /// Could not be loaded (why).
    Failed(String),
}

/// The app's attachment images, downloads and incoming files.
#[derive(Default)]
pub struct Media {
    textures: TextureCache,
    loads: HashMap<ImageKey, Load>,
    failed: HashMap<ImageKey, String>,
    /// Images drawn this frame that are not loaded, with their room: asked for after it.
    wanted: Vec<(String, ImageKey)>,
    saves: HashMap<String, SaveState>,
    /// Files whose Download was clicked this frame, with their room: asked for after it.
    save_wanted: Vec<(String, Attachment)>,
    save_fetches: Vec<(Attachment, Download)>,
    /// The attachment open in the viewer, with its room.
    viewing: Option<(String, Attachment)>,
    /// Files on their way into the composer.
    pub incoming: Incoming,
}

impl Media {
    /// A new frame begins (textures drawn in it count as recently used).
    pub fn next_frame(&mut self) {
        self.textures.next_frame();
        self.wanted.clear();
    }

    /// The image `key` of an attachment in `room`: loaded, or asked for after this frame.
    pub fn image(&mut self, room: &str, key: ImageKey) -> ImageState {
        if let Some(texture) = self.textures.get(&key) {
            return ImageState::Ready(texture.clone());
        }
        if let Some(error) = self.failed.get(&key) {
            return ImageState::Failed(error.clone());
        }
        if !self.loads.contains_key(&key) {
            self.wanted.push((room.to_owned(), key));
        }
        ImageState::Loading
    }

    /// Forgets why `key` failed, so it is asked for again when next drawn.
    pub fn retry(&mut self, key: &ImageKey) {
        self.failed.remove(key);
    }

    /// How many textures are kept and their bytes (for the memory figures).
    pub fn texture_use(&self) -> (usize, usize) {
        (self.textures.len(), self.textures.bytes())
    }

    /// Downloads `attachment` of `room` (after this frame) and saves it (see [`save::save`]).
    pub fn save(&mut self, room: &str, attachment: &Attachment) {
        if matches!(self.saves.get(&attachment.hash), Some(SaveState::Fetching)) {
            return;
        }
        self.saves
            .insert(attachment.hash.clone(), SaveState::Fetching);
        self.save_wanted.push((room.to_owned(), attachment.clone()));
    }

    /// Where the Download of the file `hash` stands, if it was asked for.
    pub fn saved(&self, hash: &str) -> Option<&SaveState> {
        self.saves.get(hash)
    }

    /// Opens `attachment` of `room` in the viewer.
    pub fn open(&mut self, room: &str, attachment: &Attachment) {
        self.viewing = Some((room.to_owned(), attachment.clone()));
    }

    /// Closes the viewer; false if it was not open.
    pub fn close_viewer(&mut self) -> bool {
        self.viewing.take().is_some()
    }

    /// Whether the viewer is open.
    pub fn viewer_open(&self) -> bool {
        self.viewing.is_some()
    }

    /// After the frame: asks for the images it wanted, decodes those that arrived, uploads
    /// the decoded ones as textures and saves the downloads that came in.
    pub fn pump(&mut self, ctx: &egui::Context, client: &ChatClient) {
        self.take_loads(ctx);
        for (room, key) in std::mem::take(&mut self.wanted) {
            if self.loads.len() >= MAX_LOADS {
                break;
            }
            if self.loads.contains_key(&key) || self.textures.contains(&key) {
                continue;
            }
            let download = client.download(&room, &key.0, key.1);
            self.loads.insert(key, Load::Fetching(download));
        }
        for (room, attachment) in std::mem::take(&mut self.save_wanted) {
            let download = client.download(&room, &attachment.hash, false);
            self.save_fetches.push((attachment, download));
        }
        self.take_saves();
    }

    fn take_loads(&mut self, ctx: &egui::Context) {
        let max_side = ctx.input(|input| input.max_texture_side);
        for (key, load) in std::mem::take(&mut self.loads) {
            let next = match load {
                Load::Fetching(download) => match download.try_take() {
                    Ok(Ok(bytes)) => {
                        let wake = ctx.clone();
                        Some(Load::Decoding(decode::start(bytes, max_side, move || {
                            wake.request_repaint();
                        })))
                    }
                    Ok(Err(error)) => {
                        self.failed.insert(key.clone(), error.to_string());
                        None
                    }
                    Err(download) => Some(Load::Fetching(download)),
                },
                Load::Decoding(decoding) => match decoding.try_take() {
                    Ok(Ok(image)) => {
                        self.textures.insert(ctx, key.clone(), image);
                        None
                    }
                    Ok(Err(error)) => {
                        self.failed
                            .insert(key.clone(), format!("not an image this app shows: {error}"));
                        None
                    }
                    Err(decoding) => Some(Load::Decoding(decoding)),
                },
            };
            if let Some(next) = next {
                self.loads.insert(key, next);
            }
        }
    }

    fn take_saves(&mut self) {
        for (attachment, download) in std::mem::take(&mut self.save_fetches) {
            match download.try_take() {
                Ok(result) => {
                    let state = result
                        .map_err(|error| error.to_string())
                        .and_then(|bytes| save::save(&attachment.name, &attachment.mime, &bytes))
                        .map_or_else(SaveState::Failed, SaveState::Saved);
                    self.saves.insert(attachment.hash.clone(), state);
                }
                Err(download) => self.save_fetches.push((attachment, download)),
            }
        }
    }
}

/// `size` bytes in words, in units of 1024: "512 B", "12.1 KB", "4.5 MB", "1.2 GB".
pub fn size_words(size: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = size as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{size} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::size_words;

    #[test]
    fn sizes_read_in_units() {
        assert_eq!(size_words(0), "0 B");
        assert_eq!(size_words(1023), "1023 B");
        assert_eq!(size_words(12_345), "12.1 KB");
        assert_eq!(size_words(25 * 1024 * 1024), "25.0 MB");
        assert_eq!(size_words(3 << 30), "3.0 GB");
    }
}
