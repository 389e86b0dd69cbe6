//! Which frames count against which per-identity rate limit, checked before a frame is applied.

use super::{ConnId, Hub, Refusal};
use chinwag_protocol::{ClientFrame, Rejection, wait_in_words};

/// The per-identity limit a frame counts against.
enum Counted<'a> {
    /// `send` (with its client id and room), `edit`, `delete`, reactions and pins: the message
    /// limit.
    Message(Option<(&'a str, &'a str)>),
    /// Frames that make the hub read or change rooms and names: the request limit.
    Request,
}

/// What `frame` counts against, if anything (`hello` is counted per address, `typing` and
/// `read` are bounded by the hub itself, `ping` never reaches it).
fn counted(frame: &ClientFrame) -> Option<Counted<'_>> {
    match frame {
        ClientFrame::Send { id, room, .. } => Some(Counted::Message(Some((id, room)))),
        ClientFrame::Edit { .. }
        | ClientFrame::Delete { .. }
        | ClientFrame::React { .. }
        | ClientFrame::Unreact { .. }
        | ClientFrame::Pin { .. }
        | ClientFrame::Unpin { .. } => Some(Counted::Message(None)),
        ClientFrame::Search { .. }
        | ClientFrame::ListRooms
        | ClientFrame::Members { .. }
        | ClientFrame::Join { .. }
        | ClientFrame::Leave { .. }
        | ClientFrame::OpenDm { .. }
        | ClientFrame::SetTopic { .. }
        | ClientFrame::Rename { .. }
        | ClientFrame::ListPins { .. }
        | ClientFrame::ShareReceipts { .. } => Some(Counted::Request),
        ClientFrame::Hello { .. }
        | ClientFrame::Typing { .. }
        | ClientFrame::Read { .. }
        | ClientFrame::Ping => None,
    }
}

impl Hub {
    /// Counts `frame` against its sender's message or request limit. Frames before the hello
    /// pass: they are refused as `not_joined` anyway, before any work.
    pub(super) fn within_rate(&mut self, conn: ConnId, frame: &ClientFrame) -> Result<(), Refusal> {
        let Some(counted) = counted(frame) else {
            return Ok(());
        };
        let Ok(who) = self.who(conn) else {
            return Ok(());
        };
        if let Counted::Message(Some((id, room))) = counted {
            self.refuse_when_overloaded(id, room)?;
        }
        let now = self.now.instant;
        let (taken, why) = match counted {
            Counted::Message(_) => (
                self.limits.messages.take(who.user, now),
                "you are sending too fast",
            ),
            Counted::Request => (
                self.limits.requests.take(who.user, now),
                "too many requests at once",
            ),
        };
        taken.map_err(|wait| {
            let rejection = Rejection::rate_limited(
                format!("{why}; try again in {}", wait_in_words(wait)),
                wait,
            );
            Refusal::Rejected(match counted {
                Counted::Message(Some((id, _))) => rejection.about_message(id),
                _ => rejection,
            })
        })
    }
}
