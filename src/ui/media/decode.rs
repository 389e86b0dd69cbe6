//! Turning an attachment's bytes into an [`egui::ColorImage`], off the frame: natively with the
//! `image` crate on a thread of its own (PNG, JPEG, GIF and WebP: the inline types), in the
//! browser by the browser itself (`createImageBitmap`, drawn on a canvas and read back), so the
//! web client carries no image decoder.

use poll_promise::Promise;

/// A decode on its way.
pub type Decoding = Promise<Result<egui::ColorImage, String>>;

/// The largest side decoded natively, in pixels (what the server accepts as an image is
/// smaller still; this bounds what a hostile file could make us allocate).
#[cfg(not(target_arch = "wasm32"))]
const MAX_SIDE: u32 = 16_384;

/// Starts decoding `bytes`; `wake` runs when it is done. An image wider or taller than
/// `max_side` (the GPU's limit) is scaled down to fit.
#[cfg(not(target_arch = "wasm32"))]
pub fn start(bytes: Vec<u8>, max_side: usize, wake: impl FnOnce() + Send + 'static) -> Decoding {
    let (sender, promise) = Promise::new();
    std::thread::spawn(move || {
        sender.send(decode(&bytes, max_side));
        wake();
    });
    promise
}

#[cfg(not(target_arch = "wasm32"))]
fn decode(bytes: &[u8], max_side: usize) -> Result<egui::ColorImage, String> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|error| error.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    reader.limits(limits);
    let mut image = reader.decode().map_err(|error| error.to_string())?;
    let max_side = u32::try_from(max_side).unwrap_or(u32::MAX);
    if image.width() > max_side || image.height() > max_side {
        image = image.thumbnail(max_side, max_side);
    }
    let rgba = image.to_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    Ok(egui::ColorImage::from_rgba_unmultiplied(size, &rgba))
}

/// Encodes a pasted image as PNG (what the clipboard gives natively).
#[cfg(not(target_arch = "wasm32"))]
pub fn encode_png(image: &egui::ColorImage) -> Result<Vec<u8>, String> {
    let [width, height] = image.size;
    let mut png = Vec::new();
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        image.as_raw(),
        u32::try_from(width).map_err(|error| error.to_string())?,
        u32::try_from(height).map_err(|error| error.to_string())?,
        image::ExtendedColorType::Rgba8,
    )
    .map_err(|error| error.to_string())?;
    Ok(png)
}

/// Starts decoding `bytes` in the browser; `wake` runs when it is done. An image wider or
/// taller than `max_side` is drawn smaller to fit.
#[cfg(target_arch = "wasm32")]
pub fn start(bytes: Vec<u8>, max_side: usize, wake: impl FnOnce() + 'static) -> Decoding {
    let (sender, promise) = Promise::new();
    wasm_bindgen_futures::spawn_local(async move {
        sender.send(decode(&bytes, max_side).await);
        wake();
    });
    promise
}

#[cfg(target_arch = "wasm32")]
async fn decode(bytes: &[u8], max_side: usize) -> Result<egui::ColorImage, String> {
    use eframe::wasm_bindgen::JsCast as _;
    let describe = |error: eframe::wasm_bindgen::JsValue| format!("{error:?}");
    let window = web_sys::window().ok_or("no window")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(describe)?;
    let bitmap: web_sys::ImageBitmap = wasm_bindgen_futures::JsFuture::from(
        window
            .create_image_bitmap_with_blob(&blob)
            .map_err(describe)?,
    )
    .await
    .map_err(describe)?
    .dyn_into()
    .map_err(|_| "not the element asked for".to_owned())?;
    let (width, height) = (bitmap.width() as f64, bitmap.height() as f64);
    let scale = (max_side as f64 / width.max(height)).min(1.0);
    let (width, height) = (
        (width * scale).round().max(1.0),
        (height * scale).round().max(1.0),
    );
    let canvas: web_sys::HtmlCanvasElement = window
        .document()
        .ok_or("no document")?
        .create_element("canvas")
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "not the element asked for".to_owned())?;
    canvas.set_width(width as u32);
    canvas.set_height(height as u32);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(describe)?
        .ok_or("no 2D canvas")?
        .dyn_into()
        .map_err(|_| "not the element asked for".to_owned())?;
    context
        .draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, width, height)
        .map_err(describe)?;
    bitmap.close();
    let data = context
        .get_image_data(0.0, 0.0, width, height)
        .map_err(describe)?;
    let size = [width as usize, height as usize];
    Ok(egui::ColorImage::from_rgba_unmultiplied(size, &data.data()))
}
