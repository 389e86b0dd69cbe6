//! Files on their way into the composer: picked with the file dialog, dropped onto the window,
//! or (natively) an image pasted from the clipboard. Reading a file never blocks a frame: it
//! happens on a thread natively and asynchronously in the browser, and the file arrives through
//! [`Incoming::take`] on a later frame.

use std::sync::mpsc;

/// The largest file read for sending (the server's own limit is usually far lower and is
/// reported on the message; this only keeps a huge file from being read into memory).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// A file ready to attach.
#[derive(Debug)]
pub struct IncomingFile {
    /// Its name (no path).
    pub name: String,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// A file read, or why it could not be.
type Arrival = Result<IncomingFile, String>;

/// Where read files arrive.
pub struct Incoming {
    sender: mpsc::Sender<Arrival>,
    receiver: mpsc::Receiver<Arrival>,
}

impl Default for Incoming {
    fn default() -> Self {
        let (sender, receiver) = mpsc::channel();
        Self { sender, receiver }
    }
}

impl Incoming {
    /// The files read since the last call (or why one could not be).
    pub fn take(&self) -> Vec<Arrival> {
        self.receiver.try_iter().collect()
    }

    /// Opens the file dialog; the chosen file arrives later (nothing if the user cancels).
    pub fn pick(&self, ctx: &egui::Context) {
        let dialog = rfd::AsyncFileDialog::new()
            .set_title("Attach a file")
            .pick_file();
        let sender = self.sender.clone();
        let ctx = ctx.clone();
        spawn(async move {
            if let Some(file) = dialog.await {
                let arrival = read_picked(&file).await;
                // The app is gone if nobody receives: nothing to do.
                let _ = sender.send(arrival);
                ctx.request_repaint();
            }
        });
    }

    /// Reads the files dropped onto the window.
    pub fn dropped(&self, ctx: &egui::Context, files: Vec<egui::DroppedFileHandle>) {
        for file in files {
            let sender = self.sender.clone();
            let ctx = ctx.clone();
            spawn(async move {
                let _ = sender.send(read_dropped(&file).await);
                ctx.request_repaint();
            });
        }
    }

    /// An image pasted from the clipboard, as "pasted image.png".
    #[cfg(not(target_arch = "wasm32"))]
    pub fn pasted(&self, image: &egui::ColorImage) {
        let arrival = super::decode::encode_png(image)
            .map(|bytes| IncomingFile {
                name: "pasted image.png".to_owned(),
                bytes,
            })
            .map_err(|error| format!("could not paste the image: {error}"));
        let _ = self.sender.send(arrival);
    }
}

/// Runs `task` to its end without blocking the frame: on a thread natively, as a promise of
/// the browser's in the browser.
#[cfg(not(target_arch = "wasm32"))]
fn spawn(task: impl std::future::Future<Output = ()> + Send + 'static) {
    std::thread::spawn(move || pollster::block_on(task));
}

#[cfg(target_arch = "wasm32")]
fn spawn(task: impl std::future::Future<Output = ()> + 'static) {
    wasm_bindgen_futures::spawn_local(task);
}

#[cfg(not(target_arch = "wasm32"))]
async fn read_picked(file: &rfd::FileHandle) -> Arrival {
    read_path(file.path())
}

#[cfg(target_arch = "wasm32")]
async fn read_picked(file: &rfd::FileHandle) -> Arrival {
    checked(file.file_name(), file.read().await)
}

#[cfg(not(target_arch = "wasm32"))]
async fn read_dropped(file: &egui::DroppedFileHandle) -> Arrival {
    read_path(file.path())
}

#[cfg(target_arch = "wasm32")]
async fn read_dropped(file: &egui::DroppedFileHandle) -> Arrival {
    let name = name_of(file.path());
    let bytes = file
        .bytes_async()
        .await
        .map_err(|error| format!("{name}: {error}"))?;
    checked(name, bytes)
}

/// Reads the file at `path`, unless it is larger than [`MAX_FILE_BYTES`].
#[cfg(not(target_arch = "wasm32"))]
fn read_path(path: &std::path::Path) -> Arrival {
    let name = name_of(path);
    let size = std::fs::metadata(path)
        .map_err(|error| format!("{name}: {error}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(too_large(&name, size));
    }
    let bytes = std::fs::read(path).map_err(|error| format!("{name}: {error}"))?;
    checked(name, bytes)
}

fn checked(name: String, bytes: Vec<u8>) -> Arrival {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(&name, bytes.len() as u64));
    }
    Ok(IncomingFile { name, bytes })
}

fn too_large(name: &str, size: u64) -> String {
    format!(
        "{name} is too large to send ({}; at most {})",
        super::size_words(size),
        super::size_words(MAX_FILE_BYTES)
    )
}

fn name_of(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || "file".to_owned(),
        |name| name.to_string_lossy().into_owned(),
    )
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn a_file_past_the_limit_is_refused_before_it_is_read() {
        let folder = tempfile::tempdir().expect("a folder");
        let path = folder.path().join("huge.iso");
        // Sparse: it takes no disk, and reading it would take 256 MiB of memory.
        let file = std::fs::File::create(&path).expect("created");
        file.set_len(MAX_FILE_BYTES + 1024 * 1024).expect("sized");
        let error = read_path(&path).expect_err("too large");
        assert_eq!(
            error,
            "huge.iso is too large to send (257.0 MB; at most 256.0 MB)"
        );
        std::fs::write(&path, b"fine").expect("written");
        let file = read_path(&path).expect("read");
        assert_eq!(
            (file.name.as_str(), file.bytes.as_slice()),
            ("huge.iso", &b"fine"[..])
        );
    }
}
