//! Identities: a name bound to the hash of the secret token that claimed it.
//!
//! Only a SHA-256 hash of each token is stored, so the database never holds a usable secret;
//! the token is looked up by its hash and compared to a name's owner in constant time.
//!
//! Each identity's name has a look-alike key (see [`crate::names`]) under a unique
//! index. A name given up by a rename stays kept for its identity until a set time (the hub
//! decides how long), in `retired_names`, so that nobody else can take it meanwhile.

use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::Store;
use crate::names::Name;

/// How many names given up by renames an identity keeps at most (the most recent ones): one
/// identity renaming again and again cannot hold on to names without end.
pub const KEPT_NAMES: usize = 8;

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

    /// The identity holding `name`, or else the one holding a name that looks like it.
    pub fn user_named(&self, name: &Name) -> rusqlite::Result<Option<User>> {
        self.connection
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE name = ?1 OR skeleton = ?2
                 ORDER BY name = ?1 DESC LIMIT 1"
            ))?
            .query_row(params![name.text, name.key], user_from_row)
            .optional()
    }

    /// The identity with database id `id`.
    pub fn user_by_id(&self, id: UserId) -> rusqlite::Result<Option<User>> {
        self.user_where("id = ?1", id)
    }

    /// The identity that gave up a name with look-alike key `key` by a rename and keeps it
    /// until a time after `now` (milliseconds since the Unix epoch).
    pub fn kept_for(&self, key: &str, now: i64) -> rusqlite::Result<Option<UserId>> {
        self.connection
            .prepare_cached("SELECT user_id FROM retired_names WHERE skeleton = ?1 AND until > ?2")?
            .query_row(params![key, now], |row| row.get(0))
            .optional()
    }

    /// Binds `name` to a new identity (the name must be free: see [`Store::kept_for`]), within
    /// the open transaction if there is one (see [`Store::defer_commit`]).
    pub fn create_user(&self, name: &Name, token_hash: &str) -> rusqlite::Result<User> {
        let id = self.atomically(|| {
            let connection = &self.connection;
            connection
                .prepare_cached("DELETE FROM retired_names WHERE skeleton = ?1")?
                .execute([&name.key])?;
            connection
                .prepare_cached(
                    "INSERT INTO users (name, token_hash, skeleton) VALUES (?1, ?2, ?3)",
                )?
                .execute(params![name.text, token_hash, name.key])?;
            Ok(connection.last_insert_rowid())
        })?;
        Ok(User {
            id,
            name: name.text.clone(),
            token_hash: token_hash.to_owned(),
        })
    }

    /// Gives identity `id` the new name `name` (which must be free), and keeps the name it gives
    /// up for it until `keep_until` (only its [`KEPT_NAMES`] most recent ones).
    pub fn rename_user(&self, id: UserId, name: &Name, keep_until: i64) -> rusqlite::Result<()> {
        let transaction = self.connection.unchecked_transaction()?;
        let old_key: Option<String> = transaction
            .prepare_cached("SELECT skeleton FROM users WHERE id = ?1")?
            .query_row([id], |row| row.get(0))?;
        transaction
            .prepare_cached("DELETE FROM retired_names WHERE skeleton = ?1")?
            .execute([&name.key])?;
        transaction
            .prepare_cached("UPDATE users SET name = ?2, skeleton = ?3 WHERE id = ?1")?
            .execute(params![id, name.text, name.key])?;
        if let Some(old_key) = old_key.filter(|old_key| *old_key != name.key) {
            transaction
                .prepare_cached(
                    "INSERT OR REPLACE INTO retired_names (skeleton, user_id, until)
                     VALUES (?1, ?2, ?3)",
                )?
                .execute(params![old_key, id, keep_until])?;
            transaction
                .prepare_cached(
                    "DELETE FROM retired_names WHERE user_id = ?1 AND skeleton NOT IN
                     (SELECT skeleton FROM retired_names WHERE user_id = ?1
                      ORDER BY until DESC LIMIT ?2)",
                )?
                .execute(params![id, KEPT_NAMES])?;
        }
        transaction.commit()
    }

    fn user_where(
        &self,
        condition: &str,
        value: impl rusqlite::ToSql,
    ) -> rusqlite::Result<Option<User>> {
        self.connection
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE {condition}"
            ))?
            .query_row(params![value], user_from_row)
            .optional()
    }
}

/// The columns [`user_from_row`] reads.
const USER_COLUMNS: &str = "id, name, token_hash";

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(0)?,
        name: row.get(1)?,
        token_hash: row.get(2)?,
    })
}
