//! Identities in SQLite.

use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use crate::names::Name;
use crate::store::identities::KEPT_NAMES;
use crate::store::{IdentityStore, StoreResult, User, UserId};

impl IdentityStore for SqliteStore {
    fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>> {
        self.user_where("token_hash = ?1", token_hash)
    }

    fn user_named(&self, name: &Name) -> StoreResult<Option<User>> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE name = ?1 OR skeleton = ?2
                 ORDER BY name = ?1 DESC LIMIT 1"
            ))?
            .query_row(params![name.text, name.key], user_from_row)
            .optional()?)
    }

    fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        self.user_where("id = ?1", id)
    }

    fn kept_for(&self, key: &str, now: i64) -> StoreResult<Option<UserId>> {
        Ok(self
            .connection
            .prepare_cached("SELECT user_id FROM retired_names WHERE skeleton = ?1 AND until > ?2")?
            .query_row(params![key, now], |row| row.get(0))
            .optional()?)
    }

    fn create_user(&self, name: &Name, token_hash: &str) -> StoreResult<User> {
        // Within the batch's open transaction if there is one (see `Backend::defer_commit`).
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

    fn rename_user(&self, id: UserId, name: &Name, keep_until: i64) -> StoreResult<()> {
        let transaction = rusqlite::Transaction::new_unchecked(
            &self.connection,
            rusqlite::TransactionBehavior::Immediate,
        )?;
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
        Ok(transaction.commit()?)
    }
}

impl SqliteStore {
    fn user_where(
        &self,
        condition: &str,
        value: impl rusqlite::ToSql,
    ) -> StoreResult<Option<User>> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM users WHERE {condition}"
            ))?
            .query_row(params![value], user_from_row)
            .optional()?)
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
