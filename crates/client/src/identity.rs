//! Identity tokens: the secret that owns a name on a server, one per server and name, created on
//! first use and kept. A token is never sent to any server but the one it was made for (another
//! server could otherwise replay it where it counts).
//!
//! Natively each token is a file in the app's data directory (so several windows of one user
//! never overwrite each other's tokens, as one shared settings file would); in the browser it is
//! a `localStorage` entry; tests keep them in memory. Tokens are never logged or shown.

use std::collections::HashMap;

use crate::random;

/// Where identity tokens are kept.
#[derive(Debug)]
pub enum Identities {
    /// One file per server and name below this directory (native).
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
            match directories::ProjectDirs::from("", "", "Chinwag") {
                Some(dirs) => Self::Directory(dirs.data_dir().join("identities")),
                None => Self::Memory(HashMap::new()),
            }
        }
    }

    /// The token for `name` on `server`, created (and kept) if there is none yet.
    pub fn token_for(&mut self, server: &str, name: &str) -> String {
        let key = Key::new(server, name);
        if let Some(token) = self.read(&key) {
            return token;
        }
        let token = random::token();
        self.write(&key, &token);
        token
    }

    /// On `server`, the token of `from` now belongs to `to` (after a rename it accepted).
    pub fn renamed(&mut self, server: &str, from: &str, to: &str) {
        let from = Key::new(server, from);
        if let Some(token) = self.read(&from) {
            self.write(&Key::new(server, to), &token);
            self.remove(&from);
        }
    }

    fn read(&self, key: &Key) -> Option<String> {
        match self {
            Self::Directory(dir) => std::fs::read_to_string(key.path(dir))
                .ok()
                .map(|token| token.trim().to_owned())
                .filter(|token| !token.is_empty()),
            #[cfg(target_arch = "wasm32")]
            Self::Browser => browser_storage()?.get_item(&key.storage_key()).ok()?,
            Self::Memory(tokens) => tokens.get(&key.storage_key()).cloned(),
        }
    }

    fn write(&mut self, key: &Key, token: &str) {
        match self {
            Self::Directory(dir) => {
                let path = key.path(dir);
                let written = path
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| write_private(&path, token));
                if let Err(err) = written {
                    log::error!("cannot keep the identity token for {}: {err}", key.name);
                }
            }
            #[cfg(target_arch = "wasm32")]
            Self::Browser => {
                if let Some(storage) = browser_storage() {
                    let _ = storage.set_item(&key.storage_key(), token);
                }
            }
            Self::Memory(tokens) => {
                tokens.insert(key.storage_key(), token.to_owned());
            }
        }
    }

    fn remove(&mut self, key: &Key) {
        match self {
            Self::Directory(dir) => {
                let _ = std::fs::remove_file(key.path(dir));
            }
            #[cfg(target_arch = "wasm32")]
            Self::Browser => {
                if let Some(storage) = browser_storage() {
                    let _ = storage.remove_item(&key.storage_key());
                }
            }
            Self::Memory(tokens) => {
                tokens.remove(&key.storage_key());
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

/// Which token: a name on a server.
struct Key<'a> {
    server: &'a str,
    name: &'a str,
}

impl<'a> Key<'a> {
    fn new(server: &'a str, name: &'a str) -> Self {
        Self {
            server: server.trim(),
            name,
        }
    }

    /// `DIR/<server in hex>/<name in hex>.token` (names and URLs may hold any character).
    fn path(&self, dir: &std::path::Path) -> std::path::PathBuf {
        dir.join(hex(self.server))
            .join(format!("{}.token", hex(self.name)))
    }

    /// `chinwag.identity.<server>.<name>` (hex, so neither can run into the other).
    fn storage_key(&self) -> String {
        format!("chinwag.identity.{}.{}", hex(self.server), hex(self.name))
    }
}

fn hex(text: &str) -> String {
    text.bytes().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(target_arch = "wasm32")]
fn browser_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_its_token_per_server_across_runs_and_a_rename_moves_it() {
        let dir = tempfile::tempdir().unwrap();
        let here = "ws://127.0.0.1:9001/ws";
        let mut first = Identities::Directory(dir.path().to_owned());
        let alice = first.token_for(here, "alice");
        let bob = first.token_for(here, "Bob Smith/ä");
        assert_ne!(alice, bob);
        assert_ne!(
            first.token_for("wss://elsewhere.example/ws", "alice"),
            alice,
            "another server never sees this server's token"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let file = Key::new(here, "alice").path(dir.path());
            let mode = std::fs::metadata(file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "only the user may read a token");
        }
        let mut second = Identities::Directory(dir.path().to_owned());
        assert_eq!(second.token_for(here, "alice"), alice);
        second.renamed(here, "alice", "al");
        assert_eq!(second.token_for(here, "al"), alice);
        assert_ne!(second.token_for(here, "alice"), alice);
    }
}
