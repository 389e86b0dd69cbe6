//! Saving a downloaded attachment: natively into the user's Downloads folder under a name no
//! file there has yet (never overwriting one), in the browser as a download of the browser's
//! own (a Blob URL clicked through an `<a download>`).

/// Where a saved file went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    /// The file's full path (natively), or its name (in the browser).
    pub path: String,
    /// The folder it went to, to show (natively).
    pub folder: Option<String>,
}

/// Saves `bytes` as `name` in the Downloads folder (`Downloads` in the home folder if the
/// platform names none); `name (1).ext`, `name (2).ext`… if the name is taken.
#[cfg(not(target_arch = "wasm32"))]
pub fn save(name: &str, _mime: &str, bytes: &[u8]) -> Result<Saved, String> {
    let dirs = directories::UserDirs::new().ok_or("no home folder to save into")?;
    let folder = dirs
        .download_dir()
        .map_or_else(|| dirs.home_dir().join("Downloads"), Into::into);
    save_into(&folder, name, bytes)
}

/// Saves `bytes` as `name` in `folder` under the first free name.
#[cfg(not(target_arch = "wasm32"))]
pub fn save_into(folder: &std::path::Path, name: &str, bytes: &[u8]) -> Result<Saved, String> {
    use std::io::Write as _;
    std::fs::create_dir_all(folder).map_err(|error| format!("{}: {error}", folder.display()))?;
    let safe = safe_name(name);
    let (stem, extension) = match safe.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
        _ => (safe.as_str(), String::new()),
    };
    for n in 0..10_000 {
        let candidate = if n == 0 {
            safe.clone()
        } else {
            format!("{stem} ({n}){extension}")
        };
        let path = folder.join(candidate);
        // `create_new` fails if the file exists, so nothing is ever overwritten, even by a file
        // that appeared since the check.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(bytes)
                    .map_err(|error| format!("{}: {error}", path.display()))?;
                return Ok(Saved {
                    path: path.display().to_string(),
                    folder: Some(folder.display().to_string()),
                });
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(format!("{}: {error}", path.display())),
        }
    }
    Err(format!("no free name for {safe} in {}", folder.display()))
}

/// A file name that cannot leave the folder or hide: no path separators, no leading dots or
/// control characters.
#[cfg(not(target_arch = "wasm32"))]
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() {
        "download".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Hands `bytes` to the browser as a download called `name`.
#[cfg(target_arch = "wasm32")]
pub fn save(name: &str, mime: &str, bytes: &[u8]) -> Result<Saved, String> {
    use eframe::wasm_bindgen::JsCast as _;
    let describe = |error: eframe::wasm_bindgen::JsValue| format!("{error:?}");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(describe)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "not the element asked for".to_owned())?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The browser has taken the download; the URL is not needed any more.
    web_sys::Url::revoke_object_url(&url).map_err(describe)?;
    Ok(Saved {
        path: name.to_owned(),
        folder: None,
    })
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn a_taken_name_gets_a_number_and_nothing_is_overwritten() {
        let folder = tempfile::tempdir().expect("a folder");
        let first = save_into(folder.path(), "report.pdf", b"one").expect("saved");
        let second = save_into(folder.path(), "report.pdf", b"two").expect("saved");
        let third = save_into(folder.path(), "report.pdf", b"three").expect("saved");
        assert!(first.path.ends_with("report.pdf"), "{}", first.path);
        assert!(second.path.ends_with("report (1).pdf"), "{}", second.path);
        assert!(third.path.ends_with("report (2).pdf"), "{}", third.path);
        assert_eq!(std::fs::read(&first.path).expect("read"), b"one");
        assert_eq!(std::fs::read(&third.path).expect("read"), b"three");
    }

    #[test]
    fn a_hostile_name_stays_in_the_folder() {
        let folder = tempfile::tempdir().expect("a folder");
        for name in ["../../etc/passwd", "..", "", ".hidden", "a/b\\c:d"] {
            let saved = save_into(folder.path(), name, b"x").expect("saved");
            let path = std::path::Path::new(&saved.path);
            assert_eq!(
                path.parent(),
                Some(folder.path()),
                "{name} -> {}",
                saved.path
            );
            let file = path.file_name().and_then(|f| f.to_str()).expect("a name");
            assert!(!file.starts_with('.'), "{name} -> {file}");
        }
    }
}
