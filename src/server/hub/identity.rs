//! Identity: the hello, names bound to tokens, takeover by a reconnect, renames.

use std::sync::atomic::Ordering;

use super::{ConnId, Hub, Refusal, Session, refuse};
use crate::protocol::{
    self, DEFAULT_ROOM, ErrorCode, PROTOCOL_VERSION, RoomCursor, ServerFrame, close_code,
};
use crate::server::store::User;
use crate::server::store::identities::{same_hash, token_hash};

impl Hub {
    /// A hello: checks the version, name and token, claims or recognises the identity, takes
    /// over an older connection of it, and answers with every room it is a member of.
    pub(super) fn hello(
        &mut self,
        conn: ConnId,
        version: u32,
        name: String,
        token: String,
        since: Vec<RoomCursor>,
    ) -> Result<(), Refusal> {
        let Some(connection) = self.connections.get(&conn) else {
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
        if connection.session.is_some() {
            return Err(refuse(
                ErrorCode::AlreadyJoined,
                "you have already said hello",
            ));
        }
        protocol::validate_name(&name)
            .map_err(|problem| refuse(ErrorCode::InvalidName, format!("name {problem}")))?;
        protocol::validate_token(&token)?;
        let user = self.claim(&name, &token_hash(&token))?;
        let rejoining = match self.online.get(&user.id) {
            Some(&old) => {
                self.replace(old);
                true
            }
            None => false,
        };
        if let Some(connection) = self.connections.get_mut(&conn) {
            connection.session = Some(Session {
                user: user.id,
                name: user.name.clone(),
                rooms: Default::default(),
            });
            connection.outbox.welcomed.store(true, Ordering::Relaxed);
        }
        self.online.insert(user.id, conn);
        let mut rooms = Vec::new();
        for membership in self.store.memberships(user.id)? {
            let cursor = since
                .iter()
                .find(|cursor| cursor.room == membership.room)
                .map(|cursor| cursor.last_seq);
            rooms.push(self.subscribe(conn, &membership, cursor, !rejoining)?);
        }
        tracing::info!(conn, rooms = rooms.len(), rejoining, "said hello");
        self.reply(
            conn,
            &ServerFrame::Welcome {
                version: PROTOCOL_VERSION,
                name: user.name,
                rooms,
            },
        );
        Ok(())
    }

    /// The identity for `name` and this token: the token's own (renamed to `name` if it had
    /// another), or a new one (starting in the default room) if the name is free. A name bound
    /// to another token is refused.
    fn claim(&mut self, name: &str, hash: &str) -> Result<User, Refusal> {
        if let Some(owner) = self.store.user_by_name(name)?
            && !same_hash(&owner.token_hash, hash)
        {
            return Err(refuse(
                ErrorCode::NameTaken,
                format!("{name} belongs to someone else; pick another name"),
            ));
        }
        match self.store.user_by_token_hash(hash)? {
            Some(mut user) => {
                if user.name != name {
                    self.store.rename_user(user.id, name)?;
                    let old = std::mem::replace(&mut user.name, name.to_owned());
                    self.announce_rename(user.id, &old, name, None)?;
                }
                Ok(user)
            }
            None => {
                let user = self.store.create_user(name, hash)?;
                self.store.add_member(DEFAULT_ROOM, user.id)?;
                Ok(user)
            }
        }
    }

    /// A rename asked for by a connected user: the new name must be valid and free.
    pub(super) fn rename(&mut self, conn: ConnId, name: String) -> Result<(), Refusal> {
        let who = self.who(conn)?;
        protocol::validate_name(&name)
            .map_err(|problem| refuse(ErrorCode::InvalidName, format!("name {problem}")))?;
        if name == who.name {
            return Ok(());
        }
        if let Some(owner) = self.store.user_by_name(&name)?
            && owner.id != who.user
        {
            return Err(refuse(
                ErrorCode::NameTaken,
                format!("{name} belongs to someone else; pick another name"),
            ));
        }
        self.store.rename_user(who.user, &name)?;
        if let Some(session) = self.session_mut(conn) {
            session.name = name.clone();
        }
        self.announce_rename(who.user, &who.name, &name, Some(conn))
    }

    /// Tells every room of identity `user` about its new name, and moves its presence there.
    /// `conn`, the renamer's own connection, hears it even when it is in no room.
    fn announce_rename(
        &mut self,
        user: crate::server::store::UserId,
        from: &str,
        to: &str,
        conn: Option<ConnId>,
    ) -> Result<(), Refusal> {
        let memberships = self.store.memberships(user)?;
        // Every room's presence moves first: a broadcast below may drop a slow client, which
        // must then be found under its new name everywhere.
        for membership in &memberships {
            if let Some(state) = self.rooms.get_mut(&membership.room)
                && let Some(holder) = state.online.remove(from)
            {
                state.online.insert(to.to_owned(), holder);
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
    fn replace(&mut self, old: ConnId) {
        self.reply(
            old,
            &ServerFrame::error(ErrorCode::Replaced, "you connected again from elsewhere"),
        );
        self.close(old, close_code::POLICY, "replaced by a newer connection");
        self.forget(old);
    }
}
