//! Storage: messages, identities, rooms and memberships, written by the hub thread, and the
//! bytes of attachments, moved by the HTTP side on connections of its own ([`BlobStore`],
//! [`open_blobs`]), in one of two databases behind one interface ([`Backend`]): SQLite ([`sqlite`], the default: a file,
//! nothing to set up) or PostgreSQL ([`pg`], `--db postgres://…`).
//!
//! Durability is the same on both: a batch is on disk when [`Backend::write_batch`] returns,
//! and the hub acknowledges a message only after that.

pub mod annotations;
pub mod attachments;
pub mod cluster;
mod error;
pub mod identities;
mod location;
mod messages;
pub mod pg;
mod rooms;
pub mod sqlite;

pub use annotations::AnnotationStore;
pub use attachments::{AttachmentStore, BlobStore};
pub use cluster::ClusterStore;
pub use error::{StoreError, StoreResult};
pub use identities::{IdentityStore, User, UserId};
pub use location::Location;
pub use messages::{Authored, MessageStore, StoredAt, StoredMessage};
pub use rooms::{Membership, ReadMark, RoomRow, RoomStore};

/// Everything a store does: the messages, rooms and identities it keeps, the batch the hub
/// commits, and whether the database answers.
pub trait Backend:
    MessageStore + RoomStore + IdentityStore + AnnotationStore + ClusterStore + Send
{
    /// Stores a batch in one transaction: new messages (with which message each reply
    /// answers), and read markers moved forward (never back). On disk when this returns `Ok`;
    /// nothing of it is stored on `Err`. A shared store ([`ClusterStore::shared`]) numbers the
    /// messages itself (other nodes write the same rooms): each room's keep their order and get
    /// the next numbers of the room, so a message's `seq` is final only when this returns; a
    /// store of one node keeps the hub's numbers.
    fn write_batch(
        &mut self,
        messages: &mut [Authored],
        read_marks: &[ReadMark],
    ) -> StoreResult<()>;

    /// Whether the database answers (a round trip; a lost connection is opened again first).
    fn check(&self) -> StoreResult<()>;

    /// A slice of the work that waits for idle time (a few milliseconds at most: the SQLite
    /// store's search index catching up); whether more remains.
    fn catch_up(&mut self) -> StoreResult<bool>;

    /// Lets the writes after it (until [`Backend::commit_deferred`]) share one transaction: the
    /// hub writes a batch's new identities so, and their hellos then cost one disk sync. Every
    /// write stays all or nothing on its own; [`Backend::write_batch`] must not run meanwhile.
    fn defer_commit(&self) -> StoreResult<()>;

    /// Commits what was written since [`Backend::defer_commit`], if anything: on disk when this
    /// returns `Ok`; nothing of it stored on `Err`.
    fn commit_deferred(&self) -> StoreResult<()>;

    /// From now on every commit that follows the creation of an identity fails, as a full disk
    /// would make it: for the tests of what a failed commit leaves.
    #[cfg(test)]
    fn fail_commits_of_new_identities(&self);
}

/// Everything the server keeps, in whichever database [`Location`] names. Its methods are
/// [`Backend`]'s (and so [`MessageStore`]'s, [`RoomStore`]'s, [`IdentityStore`]'s and
/// [`AnnotationStore`]'s).
pub struct Store {
    backend: Box<dyn Backend>,
    location: Location,
}

impl Store {
    /// Opens (creating or upgrading the schema if needed) the database at `location`: a SQLite
    /// file, whose writer's lock this process then holds, or a PostgreSQL database.
    pub fn open(location: impl Into<Location>) -> StoreResult<Self> {
        let location = location.into();
        let backend: Box<dyn Backend> = match &location {
            Location::Sqlite(path) => Box::new(sqlite::SqliteStore::open(path)?),
            Location::Postgres(url) => Box::new(pg::PgStore::connect(url)?),
        };
        Ok(Self { backend, location })
    }

    /// Where the database is: the HTTP side opens connections of its own to it for the bytes
    /// of attachments ([`open_blobs`]).
    pub fn location(&self) -> &Location {
        &self.location
    }
}

/// A new connection for the bytes of attachments to the database at `location` (already open
/// and current: see [`Store::open`]).
pub fn open_blobs(location: &Location) -> StoreResult<Box<dyn BlobStore>> {
    Ok(match location {
        Location::Sqlite(path) => Box::new(sqlite::SqliteBlobs::open(path)?),
        Location::Postgres(url) => Box::new(pg::PgBlobs::connect(url)?),
    })
}

impl std::ops::Deref for Store {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        &*self.backend
    }
}

impl std::ops::DerefMut for Store {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut *self.backend
    }
}
