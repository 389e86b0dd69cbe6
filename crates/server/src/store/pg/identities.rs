//! Identities in PostgreSQL.

use postgres::Row;
use postgres::types::ToSql;

use super::PgStore;
use crate::names::Name;
use crate::store::identities::KEPT_NAMES;
use crate::store::{IdentityStore, StoreResult, User, UserId};

/// The columns [`user_from_row`] reads.
const USER_COLUMNS: &str = "id, name, token_hash";

fn user_from_row(row: &Row) -> User {
    User {
        id: row.get(0),
        name: row.get(1),
        token_hash: row.get(2),
    }
}

impl IdentityStore for PgStore {
    fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE token_hash = $1");
        Ok(self.row(&sql, &[&token_hash])?.as_ref().map(user_from_row))
    }

    fn user_named(&self, name: &Name) -> StoreResult<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE name = $1 OR skeleton = $2
             ORDER BY name = $1 DESC LIMIT 1"
        );
        Ok(self
            .row(&sql, &[&name.text, &name.key])?
            .as_ref()
            .map(user_from_row))
    }

    fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        Ok(self.row(&sql, &[&id])?.as_ref().map(user_from_row))
    }

    fn kept_for(&self, key: &str, now: i64) -> StoreResult<Option<UserId>> {
        let row = self.row(
            "SELECT user_id FROM retired_names WHERE skeleton = $1 AND until > $2",
            &[&key, &now],
        )?;
        Ok(row.map(|row| row.get(0)))
    }

    /// One statement (a name given up lately stops being kept as it is taken); within the
    /// batch's open transaction (see [`crate::store::Backend::defer_commit`]) under a savepoint,
    /// so a name taken meanwhile on another node fails this identity alone.
    fn create_user(&self, name: &Name, token_hash: &str) -> StoreResult<User> {
        let within = self.deferring();
        let id = self.with(|session| {
            let insert = session.prepare(
                "WITH freed AS (DELETE FROM retired_names WHERE skeleton = $3)
                 INSERT INTO users (name, token_hash, skeleton) VALUES ($1, $2, $3)
                 RETURNING id",
            )?;
            let params: [&(dyn ToSql + Sync); 3] = [&name.text, &token_hash, &name.key];
            if !within {
                return Ok(session.client.query_one(&insert, &params));
            }
            session.client.batch_execute("SAVEPOINT new_user")?;
            let inserted = session.client.query_one(&insert, &params);
            let end = if inserted.is_ok() {
                "RELEASE new_user"
            } else {
                "ROLLBACK TO new_user"
            };
            session.client.batch_execute(end)?;
            Ok(inserted)
        })??;
        Ok(User {
            id: id.get(0),
            name: name.text.clone(),
            token_hash: token_hash.to_owned(),
        })
    }

    fn rename_user(&self, id: UserId, name: &Name, keep_until: i64) -> StoreResult<()> {
        self.transact(|session| {
            let mut transaction = session.client.transaction()?;
            let old_key: Option<String> = transaction
                .query_one("SELECT skeleton FROM users WHERE id = $1", &[&id])?
                .get(0);
            transaction.execute(
                "DELETE FROM retired_names WHERE skeleton = $1",
                &[&name.key],
            )?;
            transaction.execute(
                "UPDATE users SET name = $2, skeleton = $3 WHERE id = $1",
                &[&id, &name.text, &name.key],
            )?;
            if let Some(old_key) = old_key.filter(|old_key| *old_key != name.key) {
                transaction.execute(
                    "INSERT INTO retired_names (skeleton, user_id, until) VALUES ($1, $2, $3)
                     ON CONFLICT (skeleton) DO UPDATE
                     SET user_id = excluded.user_id, until = excluded.until",
                    &[&old_key, &id, &keep_until],
                )?;
                transaction.execute(
                    "DELETE FROM retired_names WHERE user_id = $1 AND skeleton NOT IN
                     (SELECT skeleton FROM retired_names WHERE user_id = $1
                      ORDER BY until DESC LIMIT $2)",
                    &[&id, &super::limit(KEPT_NAMES)],
                )?;
            }
            transaction.commit()
        })
    }
}
