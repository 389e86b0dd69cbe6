//! [`TextureCache`]: decoded attachment images on the GPU, the least recently drawn forgotten
//! first, so scrolling through thousands of images keeps a bounded number of textures.

use std::collections::HashMap;

/// The most textures kept.
pub const MAX_TEXTURES: usize = 64;
/// The most texture bytes kept (RGBA, 4 bytes a pixel): 64 thumbnails of 320 × 320 are 26 MB,
/// one full-size 12-megapixel photo 48 MB.
pub const MAX_TEXTURE_BYTES: usize = 96 * 1024 * 1024;

/// Which image of an attachment: its content hash and whether it is the thumbnail.
pub type ImageKey = (String, bool);

struct Cached {
    texture: egui::TextureHandle,
    bytes: usize,
    /// The frame it was last drawn in.
    used: u64,
}

/// Textures by [`ImageKey`], with the frame each was last drawn in.
#[derive(Default)]
pub struct TextureCache {
    textures: HashMap<ImageKey, Cached>,
    bytes: usize,
    frame: u64,
}

impl TextureCache {
    /// A new frame begins: what is drawn from now on counts as used in it.
    pub fn next_frame(&mut self) {
        self.frame += 1;
    }

    /// The texture of `key`, if it is loaded (and marks it used in this frame).
    pub fn get(&mut self, key: &ImageKey) -> Option<&egui::TextureHandle> {
        let frame = self.frame;
        self.textures.get_mut(key).map(|cached| {
            cached.used = frame;
            &cached.texture
        })
    }

    /// Whether `key` is loaded.
    pub fn contains(&self, key: &ImageKey) -> bool {
        self.textures.contains_key(key)
    }

    /// Uploads `image` as the texture of `key`, then forgets the least recently drawn textures
    /// (never one drawn in this frame) while more than [`MAX_TEXTURES`] or [`MAX_TEXTURE_BYTES`]
    /// are kept.
    pub fn insert(&mut self, ctx: &egui::Context, key: ImageKey, image: egui::ColorImage) {
        let bytes = image.pixels.len() * 4;
        let name = format!(
            "attachment-{}-{}",
            key.0,
            if key.1 { "thumb" } else { "full" }
        );
        let texture = ctx.load_texture(name, image, egui::TextureOptions::LINEAR);
        let cached = Cached {
            texture,
            bytes,
            used: self.frame,
        };
        self.bytes += bytes;
        if let Some(old) = self.textures.insert(key, cached) {
            self.bytes -= old.bytes;
        }
        self.evict();
    }

    /// How many textures are kept.
    pub fn len(&self) -> usize {
        self.textures.len()
    }

    /// How many texture bytes are kept.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    fn evict(&mut self) {
        while self.textures.len() > MAX_TEXTURES || self.bytes > MAX_TEXTURE_BYTES {
            let oldest = self
                .textures
                .iter()
                .filter(|(_, cached)| cached.used < self.frame)
                .min_by_key(|(_, cached)| cached.used)
                .map(|(key, _)| key.clone());
            let Some(oldest) = oldest else {
                return;
            };
            if let Some(gone) = self.textures.remove(&oldest) {
                self.bytes -= gone.bytes;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(side: usize) -> egui::ColorImage {
        egui::ColorImage::filled([side, side], egui::Color32::RED)
    }

    #[test]
    fn the_least_recently_drawn_go_first_and_never_one_drawn_in_this_frame() {
        let ctx = egui::Context::default();
        let mut cache = TextureCache::default();
        for n in 0..MAX_TEXTURES {
            cache.next_frame();
            cache.insert(&ctx, (format!("{n}"), true), image(4));
        }
        cache.next_frame();
        assert!(cache.get(&("0".into(), true)).is_some(), "drawn again");
        cache.insert(&ctx, ("new".into(), true), image(4));
        assert_eq!(cache.len(), MAX_TEXTURES);
        assert!(cache.contains(&("0".into(), true)), "used in this frame");
        assert!(!cache.contains(&("1".into(), true)), "the oldest went");
        assert_eq!(cache.bytes(), MAX_TEXTURES * 4 * 4 * 4);
    }

    #[test]
    fn big_images_are_bounded_by_bytes() {
        let ctx = egui::Context::default();
        let mut cache = TextureCache::default();
        let side = 2048; // 16 MiB each
        for n in 0..10 {
            cache.next_frame();
            cache.insert(&ctx, (format!("{n}"), false), image(side));
        }
        assert!(cache.bytes() <= MAX_TEXTURE_BYTES, "{}", cache.bytes());
        assert_eq!(cache.len(), MAX_TEXTURE_BYTES / (side * side * 4));
    }
}
