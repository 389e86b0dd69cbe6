//! Identity tokens: the secret that owns a name on the server, one per name, created on first
//! use and kept.
//!
//! Natively each token is a file in the app's data directory (so several windows of one user
//! never overwrite each other's tokens, as one shared settings file would); in the browser it is
//! a `localStorage` entry; tests keep them in memory. Tokens are never logged or shown.

use std::collections::HashMap;

use crate::client::random;

/// Where identity tokens are kept.
#[derive(Debug)]
pub enum Identities {
    /// One file per name in this directory (native).
    Directory(std::path::PathBuf),
    /// `localStorage` (web).
    #[cfg(target_arch = "wasm32")]
    Browser,
    /// Only for the life of the process (tests).
    Memory(HashMap<String, String>),
}

impl Identities {
    /// The platform's place: the app's data directory natively, `localStorage` on the web.
    pub fn platform() -> Self {
        #[cfg(target_arch = "wasm32")]
        {
            Self::Browser
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            match eframe::storage_dir("Chinwag") {
                Some(dir) => Self::Directory(dir.join("identities")),
                None => Self::Memory(HashMap::new()),
            }
        }
    }

    /// The token for `name`, created (and kept) if there is none yet.
    pub fn token_for(&mut self, name: &str) -> String {
        if let Some(token) = self.read(name) {
            return token;
        }
        let token = random::token();
        self.write(name, &token);
        token
    }

    /// The token of `from` now belongs to `to` (after a rename the server accepted).
    pub fn renamed(&mut self, from: &str, to: &str) {
        if let Some(token) = self.read(from) {
            self.write(to, &token);
            self.remove(from);
        }
    }

    fn read(&self, name: &str) -> Option<String> {
        match self {
            Self::Directory(dir) => std::fs::read_to_string(dir.join(file_name(name)))
                .ok()
                .map(|token| token.trim().to_owned())
                .filter(|token| !token.is_empty()),
            #[cfg(target_arch = "wasm32")]
            Self::Browser => browser_storage()?.get_item(&storage_key(name)).ok()?,
            Self::Memory(tokens) => tokens.get(name).cloned(),
        }
    }

    fn write(&mut self, name: &str, token: &str) {
        match self {
            Self::Directory(dir) => {
                let written = std::fs::create_dir_all(&*dir)
                    .and_then(|()| write_private(&dir.join(file_name(name)), token));
                if let Err(err) = written {
                    log::error!("cannot keep the identity token for {name}: {err}");
                }
            }
            #[cfg(target_arch = "wasm32")]
            Self::Browser => {
                if let Some(storage) = browser_storage() {
                    let _ = storage.set_item(&storage_key(name), token);
                }
            }
            Self::Memory(tokens) => {
                tokens.insert(name.to_owned(), token.to_owned());
            }
        }
    }

    fn remove(&mut self, name: &str) {
        match self {
            Self::Directory(dir) => {
                let _ = std::fs::remove_file(dir.join(file_name(name)));
            }
            #[cfg(target_arch = "wasm32")]
            Self::Browser => {
                if let Some(storage) = browser_storage() {
                    let _ = storage.remove_item(&storage_key(name));
                }
            }
            Self::Memory(tokens) => {
                tokens.remove(name);
            }
        }
    }
}

/// Writes a secret to `path`, readable by this user only (on Unix; elsewhere the data directory
/// is private to the user already).
fn write_private(path: &std::path::Path, secret: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(secret.as_bytes())
}

/// A file name for any display name: its UTF-8 bytes in hex (names may hold any character).
fn file_name(name: &str) -> String {
    let hex: String = name.bytes().map(|byte| format!("{byte:02x}")).collect();
    format!("{hex}.token")
}

#[cfg(target_arch = "wasm32")]
fn storage_key(name: &str) -> String {
    format!("chinwag.identity.{name}")
}

#[cfg(target_arch = "wasm32")]
fn browser_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_its_token_across_runs_and_a_rename_moves_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = Identities::Directory(dir.path().to_owned());
        let alice = first.token_for("alice");
        let bob = first.token_for("Bob Smith/ä");
        assert_ne!(alice, bob);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let file = dir.path().join(file_name("alice"));
            let mode = std::fs::metadata(file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "only the user may read a token");
        }
        let mut second = Identities::Directory(dir.path().to_owned());
        assert_eq!(second.token_for("alice"), alice);
        second.renamed("alice", "al");
        assert_eq!(second.token_for("al"), alice);
        assert_ne!(second.token_for("alice"), alice);
    }
}
