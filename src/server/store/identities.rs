//! Identities: a name bound to the hash of the secret token that claimed it.
//!
//! Only a SHA-256 hash of each token is stored, so the database never holds a usable secret;
//! the token is looked up by its hash and compared to a name's owner in constant time.

use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::Store;

/// The database id of an identity.
pub type UserId = i64;

/// An identity: its id, current name and token hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Database id; never changes.
    pub id: UserId,
    /// The current display name.
    pub name: String,
    /// SHA-256 of the token, lower-case hex.
    pub token_hash: String,
}

/// The lower-case hex SHA-256 of a token.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Whether two token hashes are equal, compared in constant time.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |difference, (x, y)| difference | (x ^ y))
            == 0
}

impl Store {
    /// The identity whose token hashes to `token_hash`.
    pub fn user_by_token_hash(&self, token_hash: &str) -> rusqlite::Result<Option<User>> {
        self.user_where("token_hash = ?1", token_hash)
    }

    /// The identity holding `name`.
    pub fn user_by_name(&self, name: &str) -> rusqlite::Result<Option<User>> {
        self.user_where("name = ?1", name)
    }

    /// The identity with database id `id`.
    pub fn user_by_id(&self, id: UserId) -> rusqlite::Result<Option<User>> {
        self.user_where("id = ?1", id)
    }

    /// Binds `name` to a new identity.
    pub fn create_user(&self, name: &str, token_hash: &str) -> rusqlite::Result<User> {
        self.connection
            .prepare_cached("INSERT INTO users (name, token_hash) VALUES (?1, ?2)")?
            .execute(params![name, token_hash])?;
        Ok(User {
            id: self.connection.last_insert_rowid(),
            name: name.to_owned(),
            token_hash: token_hash.to_owned(),
        })
    }

    /// Gives identity `id` a new name (which must be free).
    pub fn rename_user(&self, id: UserId, name: &str) -> rusqlite::Result<()> {
        self.connection
            .prepare_cached("UPDATE users SET name = ?2 WHERE id = ?1")?
            .execute(params![id, name])
            .map(drop)
    }

    fn user_where(
        &self,
        condition: &str,
        value: impl rusqlite::ToSql,
    ) -> rusqlite::Result<Option<User>> {
        self.connection
            .prepare_cached(&format!(
                "SELECT id, name, token_hash FROM users WHERE {condition}"
            ))?
            .query_row(params![value], |row| {
                Ok(User {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    token_hash: row.get(2)?,
                })
            })
            .optional()
    }
}
