//! Attachments, the hub's small part: who an HTTP request of the attachment API is and whether
//! they may have a room's attachment, and the attachment a `send` names. The bytes never pass
//! through the hub (see [`crate::attachments`]).

use super::paging::internal;
use super::rooms::may_read;
use super::{Hub, Refusal, refuse};
use crate::store::UserId;
use chinwag_protocol::{Attachment, ErrorCode, Rejection, RoomKind};

/// An HTTP request of the attachment API, as its handler parsed it.
#[derive(Debug)]
pub struct AttachmentRequest {
    /// The bearer token of the asker.
    pub token: String,
    /// What it asks for.
    pub access: Access,
}

/// What an attachment request asks for.
#[derive(Debug)]
pub enum Access {
    /// To upload (any identity may).
    Upload,
    /// Content `hash` as carried by a message of `room`.
    Download {
        /// The room.
        room: String,
        /// The content's hash.
        hash: String,
    },
}

/// What the hub allows an attachment request.
#[derive(Debug)]
pub struct Grant {
    /// The asker's identity.
    pub user: UserId,
    /// For a download: the name the room's message gives the attachment.
    pub name: Option<String>,
}

impl Hub {
    /// The identity behind `request` if it may have what it asks for: any identity may upload;
    /// an attachment goes to members of a room with a message carrying it (someone else's
    /// direct conversation is a room that does not exist; a public room one is not in is
    /// forbidden).
    pub(super) fn attachment_access(
        &mut self,
        request: AttachmentRequest,
    ) -> Result<Grant, Rejection> {
        let user = self.api_user(&request.token)?;
        let Access::Download { room, hash } = request.access else {
            return Ok(Grant { user, name: None });
        };
        let kind = self
            .store
            .room(&room)
            .map_err(|err| internal(&err))?
            .map(|row| row.kind)
            .filter(|&kind| may_read(&room, kind, user))
            .ok_or_else(|| {
                Rejection::new(
                    ErrorCode::UnknownRoom,
                    format!("there is no room called {room}"),
                )
            })?;
        if kind == RoomKind::Public
            && self
                .store
                .membership(&room, user)
                .map_err(|err| internal(&err))?
                .is_none()
        {
            return Err(Rejection::new(
                ErrorCode::Forbidden,
                format!("you are not in {room}"),
            ));
        }
        let name = self
            .store
            .room_carries(&room, &hash)
            .map_err(|err| internal(&err))?
            .ok_or_else(|| {
                Rejection::new(
                    ErrorCode::UnknownAttachment,
                    format!("no message of {room} carries that attachment"),
                )
            })?;
        Ok(Grant {
            user,
            name: Some(name),
        })
    }

    /// The attachment `hash` for a message of `user`: what the store found in the content
    /// `user` uploaded, never what the client says; `unknown_attachment` if they have not.
    pub(super) fn attachment_to_send(
        &self,
        user: UserId,
        hash: Option<String>,
    ) -> Result<Option<Box<Attachment>>, Refusal> {
        let Some(hash) = hash else {
            return Ok(None);
        };
        match self.store.owned_attachment(user, &hash)? {
            Some(attachment) => Ok(Some(Box::new(attachment))),
            None => Err(refuse(
                ErrorCode::UnknownAttachment,
                "you have not uploaded that attachment (or it expired): upload it again",
            )),
        }
    }
}
