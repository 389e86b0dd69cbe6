//! The PostgreSQL store (`--db postgres://user@host/dbname`): the same tables as SQLite's, the
//! same answers.
//!
//! The hub thread is synchronous and the store's only user, so this is one connection of the
//! synchronous `postgres` client (tokio-postgres driven by a runtime of its own while a call
//! blocks), not a pool: the hub's calls never overlap. Statements are prepared once per
//! connection. A connection that breaks (PostgreSQL restarted, the network) is opened again by
//! the next call, so the server recovers by itself; the call that met the break fails like any
//! database error (a batch is then not acknowledged and its senders retry).
//!
//! Durability: PostgreSQL's own (`synchronous_commit` on, its default): a batch is on disk when
//! its `COMMIT` returns.

mod annotations;
mod attachments;
mod cluster;
mod identities;
mod listen;
mod messages;
mod rooms;
mod schema;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::time::Duration;

use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Statement};

use super::{Authored, Backend, ReadMark, StoreResult};

pub use attachments::PgBlobs;

/// How long connecting may take before the store counts as down.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A PostgreSQL database, as one node of those sharing it.
pub struct PgStore {
    config: postgres::Config,
    /// This node's row in `nodes`.
    node: i64,
    /// The database's random id (`epoch` table).
    epoch: String,
    /// The open connection; `None` after it broke, until the next call opens another.
    session: RefCell<Option<Session>>,
    /// The transaction of the batch's new identities (see [`Backend::defer_commit`]).
    deferred: Cell<Deferred>,
}

/// Where the transaction opened by [`Backend::defer_commit`] stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deferred {
    /// None is open: every write commits on its own.
    Closed,
    /// Open on the connection: writes join it until [`Backend::commit_deferred`].
    Open,
    /// It was lost (a statement failed in it, or its connection broke): what it held is not
    /// stored, and [`Backend::commit_deferred`] says so. Writes meanwhile commit on their own.
    Lost,
}

/// One connection and the statements prepared on it.
struct Session {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl PgStore {
    /// Connects to the database at `url` and brings its schema up to date.
    pub fn connect(url: &str) -> StoreResult<Self> {
        let mut config: postgres::Config = url.parse()?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let mut store = Self {
            config,
            node: 0,
            epoch: String::new(),
            session: RefCell::new(None),
            deferred: Cell::new(Deferred::Closed),
        };
        store.with(|session| schema::migrate(&mut session.client))?;
        store.node = store
            .row("INSERT INTO nodes DEFAULT VALUES RETURNING id", &[])?
            .map_or(0, |row| row.get(0));
        store.epoch = store
            .row("SELECT id FROM epoch", &[])?
            .map(|row| row.get(0))
            .unwrap_or_default();
        Ok(store)
    }

    /// Runs `work` on the connection, opening one first if there is none. A connection that
    /// `work` found broken is let go, so the next call opens a new one.
    fn with<T>(
        &self,
        work: impl FnOnce(&mut Session) -> Result<T, postgres::Error>,
    ) -> StoreResult<T> {
        let mut slot = self.session.borrow_mut();
        let session = match &mut *slot {
            Some(session) if !session.client.is_closed() => session,
            _ => {
                // A transaction left open on the broken connection is gone with it.
                self.lose_deferred();
                slot.insert(Session {
                    client: self.config.connect(NoTls)?,
                    statements: HashMap::new(),
                })
            }
        };
        let done = work(session);
        if done.is_err() && self.deferred.get() == Deferred::Open {
            // PostgreSQL ignores everything after an error in a transaction until it ends (and
            // then answers a `COMMIT` with a rollback): end it now, so what follows works.
            self.lose_deferred();
            let _ = session.client.batch_execute("ROLLBACK");
        }
        if session.client.is_closed() {
            *slot = None;
        }
        Ok(done?)
    }

    /// [`PgStore::with`] for `work` that opens a transaction of its own: the batch's new
    /// identities, if their transaction is open, are committed first (what they wait for is
    /// only that they are stored).
    fn transact<T>(
        &self,
        work: impl FnOnce(&mut Session) -> Result<T, postgres::Error>,
    ) -> StoreResult<T> {
        if self.deferred.get() == Deferred::Open
            && self
                .with(|session| session.client.batch_execute("COMMIT"))
                .is_ok()
        {
            self.deferred.set(Deferred::Closed);
        }
        self.with(work)
    }

    /// Whether writes now join the open transaction of new identities.
    fn deferring(&self) -> bool {
        self.deferred.get() == Deferred::Open
    }

    /// Marks the open transaction of new identities, if any, as lost.
    fn lose_deferred(&self) {
        if self.deferred.get() == Deferred::Open {
            self.deferred.set(Deferred::Lost);
        }
    }

    /// The rows `sql` answers with `params`.
    fn rows(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Vec<Row>> {
        self.with(|session| {
            let statement = session.prepare(sql)?;
            session.client.query(&statement, params)
        })
    }

    /// The one row `sql` answers with `params`, if any.
    fn row(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<Option<Row>> {
        self.with(|session| {
            let statement = session.prepare(sql)?;
            session.client.query_opt(&statement, params)
        })
    }

    /// Runs `sql` with `params` for its effect.
    fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> StoreResult<()> {
        self.with(|session| {
            let statement = session.prepare(sql)?;
            session.client.execute(&statement, params).map(drop)
        })
    }
}

impl Session {
    /// `sql` prepared on this connection (once).
    fn prepare(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

impl Backend for PgStore {
    /// Numbers the batch's messages from their rooms' rows (locked until the commit, so
    /// numbers are gapless and in commit order whichever node commits), stores them, moves the
    /// markers (a poster's marker at its message's number follows it to the final one) and
    /// tells every node.
    fn write_batch(
        &mut self,
        messages: &mut [Authored],
        read_marks: &[ReadMark],
    ) -> StoreResult<()> {
        let node = self.node;
        self.transact(|session| {
            let number = session.prepare(messages::NUMBER)?;
            let insert = session.prepare(messages::INSERT)?;
            let replies = session.prepare(annotations::INSERT_REPLIES)?;
            let attached = session.prepare(attachments::INSERT_ATTACHMENTS)?;
            let mark = session.prepare(rooms::MOVE_READ_MARKS)?;
            let notify = session.prepare(cluster::NOTIFY)?;
            let mut transaction = session.client.transaction()?;
            let provisional: Vec<u64> = messages.iter().map(|a| a.message.seq).collect();
            let heads = messages::number(&mut transaction, &number, messages)?;
            messages::insert_messages(&mut transaction, &insert, messages)?;
            annotations::insert_replies(&mut transaction, &replies, messages)?;
            attachments::insert_attachments(&mut transaction, &attached, messages)?;
            let marks = messages::renumbered_marks(read_marks, &provisional, messages);
            rooms::move_read_marks(&mut transaction, &mark, &marks)?;
            let events: Vec<_> = heads
                .into_iter()
                .map(|(room, seq)| super::cluster::Happened::Message { room, seq })
                .collect();
            cluster::notify(&mut transaction, &notify, node, &events)?;
            transaction.commit()
        })
    }

    fn check(&self) -> StoreResult<()> {
        self.with(|session| session.client.simple_query("SELECT 1").map(drop))
    }

    /// Nothing waits: PostgreSQL keeps its search index itself.
    fn catch_up(&mut self) -> StoreResult<bool> {
        Ok(false)
    }

    /// Opens a transaction on the connection (unless one is open, or was lost in this batch:
    /// [`Backend::commit_deferred`] must then fail for all of it); the writes that follow join
    /// it, each within a savepoint of its own where it takes several statements.
    fn defer_commit(&self) -> StoreResult<()> {
        if self.deferred.get() == Deferred::Closed {
            self.with(|session| session.client.batch_execute("BEGIN"))?;
            self.deferred.set(Deferred::Open);
        }
        Ok(())
    }

    /// Commits the open transaction. A lost one, or a `COMMIT` that fails, is an error: none of
    /// it is stored (a `COMMIT` that answers is one that committed, since any failed statement
    /// already ended the transaction, see [`PgStore::with`]).
    fn commit_deferred(&self) -> StoreResult<()> {
        let committed = match self.deferred.get() {
            Deferred::Closed => Ok(()),
            Deferred::Lost => Err(super::StoreError::Aborted),
            Deferred::Open => self.with(|session| session.client.batch_execute("COMMIT")),
        };
        self.deferred.set(Deferred::Closed);
        committed
    }

    #[cfg(test)]
    fn fail_commits_of_new_identities(&self) {
        // A check deferred to the commit, failing for every new identity.
        self.with(|session| {
            session.client.batch_execute(
                "CREATE FUNCTION fail_the_commit() RETURNS trigger LANGUAGE plpgsql AS
                 $$ BEGIN RAISE EXCEPTION 'this commit fails on purpose'; END $$;
                 CREATE CONSTRAINT TRIGGER fail_the_commit AFTER INSERT ON users
                 DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_the_commit();",
            )
        })
        .expect("the commit guard is set up");
    }
}

/// A sequence number or read marker as PostgreSQL keeps it (`BIGINT`); numbers beyond it (no
/// message has one) are the largest.
fn to_db(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

/// A sequence number or read marker read back (never negative).
fn from_db(seq: i64) -> u64 {
    u64::try_from(seq).unwrap_or(0)
}

/// A row count limit for `LIMIT`.
fn limit(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}
