//! What an attachment is, found in its bytes and never taken from the client: its content type
//! (the image crate's format guess, then a short table of other common formats), and for the
//! images shown inline ([`INLINE_IMAGE_TYPES`]) their size and a thumbnail, decoded under
//! limits so that a small file declaring a huge image (a decompression bomb) is never decoded:
//! it stays a plain file to download.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder as _, ImageFormat, ImageReader, Limits};

use crate::store::attachments::Examined;
use chinwag_protocol::ImageSize;
use chinwag_protocol::attachments::{INLINE_IMAGE_TYPES, THUMBNAIL_MAX_PX};

/// The widest and tallest image decoded (in pixels).
pub const MAX_IMAGE_SIDE: u32 = 12_000;
/// The most memory the decoder may take for one image (the pixels included): 256 MiB, a
/// 8,000 × 8,000 RGBA photo.
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// The type of content nothing recognises.
pub const UNKNOWN_TYPE: &str = "application/octet-stream";
/// A thumbnail's JPEG quality.
const THUMBNAIL_QUALITY: u8 = 80;

/// Other formats worth naming, by their first bytes: (offset, magic, type).
const MAGIC: [(usize, &[u8], &str); 9] = [
    (0, b"%PDF-", "application/pdf"),
    (0, b"PK\x03\x04", "application/zip"),
    (0, b"\x1f\x8b", "application/gzip"),
    (0, b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (0, b"OggS", "audio/ogg"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"fLaC", "audio/flac"),
    (4, b"ftyp", "video/mp4"),
    (0, b"\x1a\x45\xdf\xa3", "video/webm"),
];

/// Examines `content`: its type, and for an image shown inline that decodes within the limits,
/// its size and thumbnail.
pub fn examine(content: &[u8]) -> Examined {
    let format = image::guess_format(content).ok();
    let mime = match format {
        Some(format) => format.to_mime_type().to_owned(),
        None => other_type(content).to_owned(),
    };
    let image = format
        .filter(|_| INLINE_IMAGE_TYPES.contains(&mime.as_str()))
        .and_then(|format| decode(content, format));
    match image {
        Some(image) => {
            let size = ImageSize {
                width: image.width(),
                height: image.height(),
            };
            match thumbnail(&image) {
                Ok(thumbnail) => Examined {
                    mime,
                    image: Some(size),
                    thumbnail: Some(thumbnail),
                },
                Err(err) => {
                    tracing::warn!(%err, "no thumbnail for a decoded image");
                    plain(mime)
                }
            }
        }
        None => plain(mime),
    }
}

/// A file that is not shown inline.
fn plain(mime: String) -> Examined {
    Examined {
        mime,
        image: None,
        thumbnail: None,
    }
}

/// The type of content that is no image: from [`MAGIC`], or plain text if it is UTF-8 without
/// control characters, else [`UNKNOWN_TYPE`].
fn other_type(content: &[u8]) -> &'static str {
    let known = MAGIC.iter().find(|(offset, magic, _)| {
        content
            .get(*offset..offset + magic.len())
            .is_some_and(|start| start == *magic)
    });
    match known {
        Some((.., mime)) => mime,
        None if is_text(content) => "text/plain",
        None => UNKNOWN_TYPE,
    }
}

/// UTF-8 with no control characters but tabs and line breaks.
fn is_text(content: &[u8]) -> bool {
    std::str::from_utf8(content).is_ok_and(|text| {
        text.chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
    })
}

/// The image in `content` as it is meant to be seen (turned as its EXIF orientation says), if
/// it decodes within the limits: its declared size and the memory it needs are checked before
/// any pixel is decoded.
fn decode(content: &[u8], format: ImageFormat) -> Option<DynamicImage> {
    let decoded = (|| {
        let mut reader = ImageReader::new(Cursor::new(content));
        reader.set_format(format);
        reader.limits(limits());
        let mut decoder = reader.into_decoder()?;
        limits().reserve(decoder.total_bytes())?;
        let orientation = decoder.orientation()?;
        let mut image = DynamicImage::from_decoder(decoder)?;
        image.apply_orientation(orientation);
        Ok::<_, image::ImageError>(image)
    })();
    decoded
        .inspect_err(|err| tracing::info!(%err, "an image attachment kept as a plain file"))
        .ok()
}

/// What decoding an image may take.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    limits
}

/// `image` at most [`THUMBNAIL_MAX_PX`] on its longer side: PNG if it has alpha, else JPEG.
fn thumbnail(image: &DynamicImage) -> image::ImageResult<Vec<u8>> {
    let small = if image.width().max(image.height()) > THUMBNAIL_MAX_PX {
        image.thumbnail(THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX)
    } else {
        image.clone()
    };
    let mut encoded = Cursor::new(Vec::new());
    if small.color().has_alpha() {
        small.to_rgba8().write_to(&mut encoded, ImageFormat::Png)?;
    } else {
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut encoded, THUMBNAIL_QUALITY)
            .encode_image(&small.to_rgb8())?;
    }
    Ok(encoded.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, alpha: bool) -> Vec<u8> {
        let image = if alpha {
            DynamicImage::new_rgba8(width, height)
        } else {
            DynamicImage::new_rgb8(width, height)
        };
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, ImageFormat::Png).unwrap();
        bytes.into_inner()
    }

    #[test]
    fn a_large_opaque_image_gets_a_jpeg_thumbnail_within_the_limit() {
        let examined = examine(&png(1000, 400, false));
        assert_eq!(examined.mime, "image/png");
        assert_eq!(
            examined.image,
            Some(ImageSize {
                width: 1000,
                height: 400
            })
        );
        let thumbnail = examined.thumbnail.unwrap();
        assert_eq!(image::guess_format(&thumbnail).unwrap(), ImageFormat::Jpeg);
        let thumbnail = image::load_from_memory(&thumbnail).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (320, 128));
    }

    #[test]
    fn an_image_with_alpha_gets_a_png_thumbnail_and_a_small_one_keeps_its_size() {
        let thumbnail = examine(&png(20, 10, true)).thumbnail.unwrap();
        assert_eq!(image::guess_format(&thumbnail).unwrap(), ImageFormat::Png);
        let thumbnail = image::load_from_memory(&thumbnail).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (20, 10));
    }

    #[test]
    fn a_photo_turned_by_its_exif_orientation_is_measured_and_thumbnailed_upright() {
        use image::ImageEncoder as _;
        // EXIF (big-endian TIFF) with one entry: orientation 6, turn 90° clockwise to view.
        let exif = b"MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0".to_vec();
        let mut jpeg = Cursor::new(Vec::new());
        let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90);
        encoder.set_exif_metadata(exif).unwrap();
        let stored = DynamicImage::new_rgb8(640, 480).to_rgb8();
        encoder
            .write_image(&stored, 640, 480, image::ExtendedColorType::Rgb8)
            .unwrap();
        let examined = examine(&jpeg.into_inner());
        assert_eq!(
            examined.image,
            Some(ImageSize {
                width: 480,
                height: 640
            })
        );
        let thumbnail = image::load_from_memory(&examined.thumbnail.unwrap()).unwrap();
        assert_eq!((thumbnail.width(), thumbnail.height()), (240, 320));
    }

    #[test]
    fn other_content_is_named_by_its_bytes_or_not_at_all() {
        assert_eq!(examine(b"%PDF-1.7 ...").mime, "application/pdf");
        assert_eq!(examine("plain words\n".as_bytes()).mime, "text/plain");
        assert_eq!(examine(&[0, 1, 2, 0xff]).mime, UNKNOWN_TYPE);
        assert_eq!(examine(b"\x89PNG\r\n\x1a\n not really").image, None);
    }
}
