//! This node among the others on one PostgreSQL database: notifications (`NOTIFY chinwag`,
//! JSON [`Event`]s), who is online on which node (`online`), dead nodes dropped (`nodes`).

use postgres::{Statement, Transaction};

use super::{PgStore, from_db};
use crate::store::StoreResult;
use crate::store::cluster::{ClusterStore, Event, Forward, Happened, Presence};

/// The notification channel every node listens on.
pub(super) const CHANNEL: &str = "chinwag";

/// Sends each of `$1` (JSON events) on [`CHANNEL`]; delivered when the transaction commits, in
/// commit order.
pub(super) const NOTIFY: &str =
    "SELECT pg_notify('chinwag', event) FROM UNNEST($1::text[]) AS event";

/// A node whose heartbeat is older than this is dead: its users are dropped from presence.
pub(super) const DEAD_AFTER: &str = "15 seconds";

/// PostgreSQL refuses a notification's payload of this many bytes or more (and with it the
/// whole transaction).
const PAYLOAD_LIMIT: usize = 8000;

/// Tells every node `events`, said by `node`, when `transaction` commits. An event too large
/// to tell (none should be: they carry ids and names) is left out, so it cannot fail the rest.
pub(super) fn notify(
    transaction: &mut Transaction<'_>,
    notify: &Statement,
    node: i64,
    events: &[Happened],
) -> Result<(), postgres::Error> {
    if events.is_empty() {
        return Ok(());
    }
    let payloads: Vec<String> = events
        .iter()
        .map(|what| {
            serde_json::to_string(&Event {
                node,
                what: what.clone(),
            })
            .unwrap_or_else(|err| unreachable!("an event failed to serialise: {err}"))
        })
        .filter(|payload| {
            let fits = payload.len() < PAYLOAD_LIMIT;
            if !fits {
                tracing::error!(
                    bytes = payload.len(),
                    "an event too large to tell other nodes"
                );
            }
            fits
        })
        .collect();
    transaction.execute(notify, &[&payloads])?;
    Ok(())
}

/// The rooms and the names of `pairs`, as two columns for `UNNEST`.
fn columns<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> (Vec<String>, Vec<String>) {
    pairs
        .map(|(room, name)| (room.to_owned(), name.to_owned()))
        .unzip()
}

/// Records that `names` are online in `rooms` (pairwise) on `node`.
fn insert_online(
    transaction: &mut Transaction<'_>,
    node: i64,
    rooms: &[String],
    names: &[String],
) -> Result<(), postgres::Error> {
    if rooms.is_empty() {
        return Ok(());
    }
    transaction.execute(
        "INSERT INTO online (node, room, name)
         SELECT $1, room, name FROM UNNEST($2::text[], $3::text[]) AS o (room, name)
         ON CONFLICT DO NOTHING",
        &[&node, &rooms, &names],
    )?;
    Ok(())
}

impl ClusterStore for PgStore {
    fn shared(&self) -> bool {
        true
    }

    fn node(&self) -> i64 {
        self.node
    }

    fn epoch(&self) -> String {
        self.epoch.clone()
    }

    fn publish(&mut self, presence: &[Presence], events: &[Happened]) -> StoreResult<()> {
        let node = self.node;
        self.transact(|session| {
            let notify_all = session.prepare(NOTIFY)?;
            let mut transaction = session.client.transaction()?;
            // The last change of each (room, name) is what holds.
            let mut last = std::collections::BTreeMap::new();
            for change in presence {
                last.insert((change.room.as_str(), change.name.as_str()), change.online);
            }
            let (online, offline): (Vec<_>, Vec<_>) = last.into_iter().partition(|(_, on)| *on);
            let (rooms, names) = columns(online.iter().map(|(key, _)| *key));
            insert_online(&mut transaction, node, &rooms, &names)?;
            if !offline.is_empty() {
                let (rooms, names) = columns(offline.iter().map(|(key, _)| *key));
                transaction.execute(
                    "DELETE FROM online USING UNNEST($2::text[], $3::text[]) AS o (room, name)
                     WHERE online.node = $1 AND online.room = o.room AND online.name = o.name",
                    &[&node, &rooms, &names],
                )?;
            }
            notify(&mut transaction, &notify_all, node, events)?;
            transaction.commit()
        })
    }

    fn restate(&mut self, online: &[(String, String)]) -> StoreResult<()> {
        let node = self.node;
        self.transact(|session| {
            let notify_all = session.prepare(NOTIFY)?;
            let mut transaction = session.client.transaction()?;
            transaction.execute("DELETE FROM online WHERE node = $1", &[&node])?;
            let (rooms, names) = columns(online.iter().map(|(room, name)| (&**room, &**name)));
            insert_online(&mut transaction, node, &rooms, &names)?;
            notify(&mut transaction, &notify_all, node, &[Happened::Restated])?;
            transaction.commit()
        })
    }

    fn online_elsewhere(&self, rooms: &[String]) -> StoreResult<Vec<(String, String)>> {
        if rooms.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .rows(
                "SELECT DISTINCT room, name FROM online WHERE room = ANY($1) AND node <> $2",
                &[&rooms, &self.node],
            )?
            .iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }

    fn is_online_elsewhere(&self, name: &str) -> StoreResult<bool> {
        Ok(self
            .row(
                "SELECT 1 FROM online WHERE name = $1 AND node <> $2 LIMIT 1",
                &[&name, &self.node],
            )?
            .is_some())
    }

    fn heads(&self, rooms: &[String]) -> StoreResult<Vec<(String, u64)>> {
        if rooms.is_empty() {
            return Ok(Vec::new());
        }
        Ok(self
            .rows(
                "SELECT name, last_seq FROM rooms WHERE name = ANY($1)",
                &[&rooms],
            )?
            .iter()
            .map(|row| (row.get(0), from_db(row.get(1))))
            .collect())
    }

    /// Only a node whose own heartbeat is fresh judges the others (after PostgreSQL restarted,
    /// a node's listener first has to beat again).
    fn reap(&mut self) -> StoreResult<()> {
        let node = self.node;
        self.transact(|session| {
            let notify_all = session.prepare(NOTIFY)?;
            let mut transaction = session.client.transaction()?;
            let gone = transaction.query(
                &format!(
                    "WITH dead AS (
                        DELETE FROM nodes WHERE seen < now() - interval '{DEAD_AFTER}'
                        AND EXISTS (SELECT 1 FROM nodes WHERE id = $1
                                    AND seen > now() - interval '5 seconds')
                        RETURNING id)
                     DELETE FROM online WHERE node IN (SELECT id FROM dead) RETURNING room, name"
                ),
                &[&node],
            )?;
            if gone.is_empty() {
                return transaction.commit();
            }
            let rooms: Vec<String> = gone.iter().map(|row| row.get(0)).collect();
            let names: Vec<String> = gone.iter().map(|row| row.get(1)).collect();
            // Who is still online on a live node (reconnected there) did not leave.
            let left: Vec<Happened> = transaction
                .query(
                    "SELECT DISTINCT room, name FROM UNNEST($1::text[], $2::text[]) AS g (room, name)
                     WHERE NOT EXISTS (SELECT 1 FROM online
                                       WHERE online.room = g.room AND online.name = g.name)",
                    &[&rooms, &names],
                )?
                .iter()
                .map(|row| Happened::Left {
                    room: row.get(0),
                    name: row.get(1),
                })
                .collect();
            tracing::warn!(users = left.len(), "dropped the users of dead nodes from presence");
            notify(&mut transaction, &notify_all, 0, &left)?;
            transaction.commit()
        })
    }

    fn listen(&self, forward: Forward) -> std::io::Result<()> {
        super::listen::spawn(self.config.clone(), self.node, forward)
    }
}
