//! Identity: the hello, names bound to tokens, takeover by a reconnect, renames.
//!
//! Hellos are group-committed like messages: a hello's new identity is written into the
//! batch's open transaction, and its welcome waits for [`Hub::flush`], which commits every hello
//! of the batch at once (one disk sync) and only then welcomes them. A hello whose identity
//! fails to commit is not welcomed.

use std::net::IpAddr;

use super::{ConnId, Hub, Refusal, Session, fitting, refuse};
use crate::limits::address_key;
use crate::names::{self, Name};
use crate::store::cluster::Happened;
use crate::store::identities::{same_hash, token_hash};
use crate::store::{User, UserId};
use chinwag_protocol::{
    DEFAULT_ROOM, ErrorCode, HISTORY_ON_JOIN, MAX_REPLAY, NameProblem, PROTOCOL_VERSION, Rejection,
    RoomCursor, ServerFrame, close_code, wait_in_words,
};

/// How long a name given up by a rename stays kept for its identity: 30 days, in milliseconds.
/// Meanwhile nobody else can take it (or a look-alike of it), so nobody passes for the identity
/// that people knew by it.
pub const GIVEN_UP_NAME_KEPT_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// How many bytes of rooms and replays a welcome holds before the rooms after it replay only
/// their newest [`HISTORY_ON_JOIN`] missed messages (with `skipped`; the client pages the rest):
/// one hello must not make the server hold a thousand missed messages of every room at once.
pub const MAX_WELCOME_REPLAY_BYTES: usize = 16 * 1024 * 1024;

/// A hello whose identity is claimed and waits for the batch's commit to be welcomed.
pub(super) struct PendingHello {
    conn: ConnId,
    user: User,
    since: Vec<RoomCursor>,
}

/// The refusal of a name that breaks the rules.
fn invalid_name(problem: NameProblem) -> Refusal {
    refuse(ErrorCode::InvalidName, format!("name {problem}"))
}

impl Hub {
    /// A hello: checks the version, name and token, and claims or recognises the identity; the
    /// rest (see [`Hub::welcome`]) waits for the batch's commit.
    pub(super) fn hello(
        &mut self,
        conn: ConnId,
        version: u32,
        name: String,
        token: String,
        since: Vec<RoomCursor>,
    ) -> Result<(), Refusal> {
        let Some(peer) = self.peers.get(&conn) else {
            return Ok(());
        };
        if version != PROTOCOL_VERSION {
            self.reply(
                conn,
                &ServerFrame::error(
                    ErrorCode::UnsupportedVersion,
                    format!(
                        "this server speaks protocol version {PROTOCOL_VERSION}, not {version}"
                    ),
                ),
            );
            self.close(conn, close_code::POLICY, "unsupported protocol version");
            return Ok(());
        }
        if peer.session.is_some() {
            return Err(refuse(
                ErrorCode::AlreadyJoined,
                "you have already said hello",
            ));
        }
        let name = names::user_name(&name).map_err(invalid_name)?;
        chinwag_protocol::validate_token(&token)?;
        let address = peer.address;
        let user = self.claim(&name, &token_hash(&token), address)?;
        self.hellos.push(PendingHello { conn, user, since });
        Ok(())
    }

    /// Whether `conn` said a hello that waits for the batch's commit.
    pub(super) fn awaits_welcome(&self, conn: ConnId) -> bool {
        self.hellos.iter().any(|hello| hello.conn == conn)
    }

    /// Commits the identities of the batch's hellos (one transaction), then welcomes each; if
    /// the commit fails, none of them is welcomed and each is told the server failed.
    pub(super) fn welcome_hellos(&mut self) {
        if self.hellos.is_empty() {
            // A hello refused after its identity's transaction opened leaves it open.
            if let Err(err) = self.store.commit_deferred() {
                tracing::error!(%err, "storing what refused hellos wrote failed");
            }
            return;
        }
        let hellos = std::mem::take(&mut self.hellos);
        if let Err(err) = self.store.commit_deferred() {
            tracing::error!(%err, count = hellos.len(), "storing the batch's hellos failed");
            for hello in hellos {
                self.fail(hello.conn);
            }
            return;
        }
        for PendingHello { conn, user, since } in hellos {
            let welcomed = self
                .welcome(conn, user, &since)
                .and_then(|()| self.after_welcome(conn));
            if let Err(refusal) = welcomed {
                self.refused(conn, refusal);
            }
        }
    }

    /// Puts a connection whose hello is committed online as its identity (taking over an older
    /// connection of it), and answers with every room it is a member of (the welcome, and after
    /// it the rooms and replays that did not fit in it).
    fn welcome(&mut self, conn: ConnId, user: User, since: &[RoomCursor]) -> Result<(), Refusal> {
        if !self.peers.contains_key(&conn) {
            return Ok(());
        }
        let rejoining = match self.online.get(&user.id) {
            Some(&old) => {
                self.replace(old);
                true
            }
            None => self.store.is_online_elsewhere(&user.name)?,
        };
        // Its connection on another node, if any, is replaced there.
        self.tell_hello(user.id);
        if let Some(peer) = self.peers.get_mut(&conn) {
            peer.session = Some(Session {
                user: user.id,
                name: user.name.clone(),
                rooms: Default::default(),
            });
            peer.outbox.set_welcomed();
        }
        self.online.insert(user.id, conn);
        let mut rooms = Vec::new();
        let mut replayed = 0;
        for membership in self.store.memberships(user.id)? {
            let cursor = since
                .iter()
                .find(|cursor| cursor.room == membership.room)
                .map(|cursor| cursor.last_seq);
            let most_replayed = if replayed < MAX_WELCOME_REPLAY_BYTES {
                MAX_REPLAY
            } else {
                HISTORY_ON_JOIN
            };
            let room = self.subscribe(conn, &membership, cursor, most_replayed, !rejoining)?;
            replayed += room.bytes();
            rooms.push(room);
        }
        tracing::info!(conn, rooms = rooms.len(), rejoining, "said hello");
        self.reply_all(
            conn,
            &fitting::welcome_frames(user.name, rooms, Some(self.store.epoch())),
        );
        Ok(())
    }

    /// The identity for `name` and this token: the token's own (renamed to `name` if it had
    /// another), or a new one (starting in the default room) if the name is free and `address`
    /// is within its limit of new identities.
    fn claim(&mut self, name: &Name, hash: &str, address: IpAddr) -> Result<User, Refusal> {
        let me = self.store.user_by_token_hash(hash)?;
        if let Some(user) = me.as_ref().filter(|user| user.name == name.text) {
            return Ok(user.clone());
        }
        self.ensure_free(name, me.as_ref())?;
        match me {
            Some(mut user) => {
                self.may_rename_by_hello(user.id)?;
                // A rename is its own transaction, told at once: the batch's hellos go first.
                self.flush();
                self.store
                    .rename_user(user.id, name, self.now.unix_ms + GIVEN_UP_NAME_KEPT_MS)?;
                let old = std::mem::replace(&mut user.name, name.text.clone());
                self.announce_rename(user.id, &old, &name.text, None)?;
                Ok(user)
            }
            None => {
                self.limits
                    .identities
                    .take(address_key(address), self.now.instant)
                    .map_err(|wait| {
                        Refusal::Rejected(Rejection::rate_limited(
                            format!(
                                "too many new names from your address; try again in {}",
                                wait_in_words(wait)
                            ),
                            wait,
                        ))
                    })?;
                self.store.defer_commit()?;
                let user = self.store.create_user(name, hash)?;
                self.store.add_member(DEFAULT_ROOM, user.id)?;
                Ok(user)
            }
        }
    }

    /// Counts a rename by a hello against the identity's request limit, as a `rename` frame is
    /// counted: each tells every room of the identity, and reconnecting costs nothing.
    fn may_rename_by_hello(&mut self, user: UserId) -> Result<(), Refusal> {
        self.limits
            .requests
            .take(user, self.now.instant)
            .map_err(|wait| {
                Refusal::Rejected(Rejection::rate_limited(
                    format!(
                        "you are renaming too fast; try again in {}",
                        wait_in_words(wait)
                    ),
                    wait,
                ))
            })
    }

    /// Refuses `name` with `name_taken` unless identity `me` (none: a new one) may take it:
    /// nobody else holds it or a name that looks like it, and nobody else gave it up by a
    /// rename less than [`GIVEN_UP_NAME_KEPT_MS`] ago.
    fn ensure_free(&self, name: &Name, me: Option<&User>) -> Result<(), Refusal> {
        if let Some(holder) = self.store.user_named(name)?
            && !me.is_some_and(|me| same_hash(&holder.token_hash, &me.token_hash))
        {
            let message = if holder.name == name.text {
                format!("{} belongs to someone else; pick another name", name.text)
            } else {
                format!(
                    "{} looks too much like {}, which belongs to someone else; pick another name",
                    name.text, holder.name
                )
            };
            return Err(refuse(ErrorCode::NameTaken, message));
        }
        if let Some(keeper) = self.store.kept_for(&name.key, self.now.unix_ms)?
            && me.is_none_or(|me| me.id != keeper)
        {
            return Err(refuse(
                ErrorCode::NameTaken,
                format!(
                    "{} (or a name like it) was given up lately and is kept for its owner; \
                     pick another name",
                    name.text
                ),
            ));
        }
        Ok(())
    }

    /// A rename asked for by a connected user: the new name must be valid and free.
    pub(super) fn rename(&mut self, conn: ConnId, name: String) -> Result<(), Refusal> {
        let who = self.who(conn)?;
        let name = names::user_name(&name).map_err(invalid_name)?;
        if name.text == who.name {
            return Ok(());
        }
        let me = self.store.user_by_id(who.user)?;
        self.ensure_free(&name, me.as_ref())?;
        self.store
            .rename_user(who.user, &name, self.now.unix_ms + GIVEN_UP_NAME_KEPT_MS)?;
        if let Some(session) = self.session_mut(conn) {
            session.name = name.text.clone();
        }
        self.announce_rename(who.user, &who.name, &name.text, Some(conn))
    }

    /// Tells every room of identity `user` about its new name, and moves its presence there.
    /// `conn`, the renamer's own connection, hears it even when it is in no room.
    fn announce_rename(
        &mut self,
        user: UserId,
        from: &str,
        to: &str,
        conn: Option<ConnId>,
    ) -> Result<(), Refusal> {
        let memberships = self.store.memberships(user)?;
        self.presence.renamed(from, to);
        self.tell(Happened::Renamed {
            user,
            from: from.to_owned(),
            to: to.to_owned(),
        });
        // Every room's presence moves first: a broadcast below may drop a slow client, which
        // must then be found under its new name everywhere.
        for membership in &memberships {
            if let Some(state) = self.rooms.get_mut(&membership.room)
                && let Some(holder) = state.online.remove(from)
            {
                state.online.insert(to.to_owned(), holder);
                self.note_presence(&membership.room, from, false);
                self.note_presence(&membership.room, to, true);
            }
        }
        for membership in &memberships {
            let room = &membership.room;
            self.broadcast(
                room,
                &ServerFrame::Renamed {
                    room: room.clone(),
                    from: from.to_owned(),
                    to: to.to_owned(),
                },
            );
        }
        if memberships.is_empty()
            && let Some(conn) = conn
        {
            self.reply(
                conn,
                &ServerFrame::Renamed {
                    room: String::new(),
                    from: from.to_owned(),
                    to: to.to_owned(),
                },
            );
        }
        Ok(())
    }

    /// Drops an old connection whose identity a reconnect takes over, without telling its
    /// rooms it left (it is coming straight back).
    pub(super) fn replace(&mut self, old: ConnId) {
        self.reply(
            old,
            &ServerFrame::error(ErrorCode::Replaced, "you connected again from elsewhere"),
        );
        self.close(old, close_code::POLICY, "replaced by a newer connection");
        self.forget(old);
    }
}
