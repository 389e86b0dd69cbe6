//! Identities: a name bound to the hash of the secret token that claimed it.
//!
//! Only a SHA-256 hash of each token is stored, so the database never holds a usable secret;
//! the token is looked up by its hash and compared to a name's owner in constant time.
//!
//! Each identity's name has a look-alike key (see [`crate::names`]) under a unique
//! index. A name given up by a rename stays kept for its identity until a set time (the hub
//! decides how long), in `retired_names`, so that nobody else can take it meanwhile.

use sha2::{Digest, Sha256};

use super::StoreResult;
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

/// Identities as a store keeps them.
pub trait IdentityStore {
    /// The identity whose token hashes to `token_hash`.
    fn user_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<User>>;

    /// The identity holding `name`, or else the one holding a name that looks like it.
    fn user_named(&self, name: &Name) -> StoreResult<Option<User>>;

    /// The identity with database id `id`.
    fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>>;

    /// The identity that gave up a name with look-alike key `key` by a rename and keeps it
    /// until a time after `now` (milliseconds since the Unix epoch).
    fn kept_for(&self, key: &str, now: i64) -> StoreResult<Option<UserId>>;

    /// Binds `name` to a new identity (the name must be free: see [`IdentityStore::kept_for`]).
    fn create_user(&self, name: &Name, token_hash: &str) -> StoreResult<User>;

    /// Gives identity `id` the new name `name` (which must be free), and keeps the name it gives
    /// up for it until `keep_until` (only its [`KEPT_NAMES`] most recent ones).
    fn rename_user(&self, id: UserId, name: &Name, keep_until: i64) -> StoreResult<()>;
}
