//! The two servers the benchmark drives with the same generator, and what differs between them:
//! how a client logs in, how it sends a text, and which frames are deliveries.
//!
//! Every text a sender sends starts with a marker, `FB:<step>:<micros>:`, the step of the sweep
//! and the sender's clock (microseconds since the run's epoch: every client is in this process),
//! so a receiver can tell the latency of each delivery from the frame alone.

use std::time::Duration;

use chinwag_protocol::{ClientFrame, ErrorCode, PROTOCOL_VERSION, ServerFrame};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

/// A client's socket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The room every Chinwag client joins.
const ROOM: &str = "fanout";
/// The start of a delivery frame of Chinwag: a `message` frame (serde writes the tag first).
const CHINWAG_MESSAGE: &str = r#"{"type":"message""#;
/// Where a text's marker starts.
const MARKER: &str = "FB:";

/// Which server, and so which protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Chinwag: hello, join one room, `send` frames; deliveries are `message` frames.
    Chinwag,
    /// axum's examples/chat: the first text frame is the user name, then every text frame is
    /// broadcast to everyone as "name: text".
    AxumChat,
}

/// Who a client is: its number and the run's tag, which keeps names and tokens apart between
/// runs against the same server.
#[derive(Clone, Copy, Debug)]
pub struct Identity {
    /// The client's number, 0 to N-1.
    pub index: usize,
    /// The run's tag.
    pub tag: u32,
}

impl Identity {
    fn name(self) -> String {
        format!("b{}x{}", self.tag, self.index)
    }
}

impl Target {
    /// Logs `who` in on `socket` and waits (within `deadline`) until it receives the room's
    /// broadcasts; `Err` says why not.
    pub async fn login(
        self,
        socket: &mut Socket,
        who: Identity,
        deadline: Duration,
    ) -> Result<(), String> {
        let name = who.name();
        match self {
            Self::Chinwag => {
                let hello = ClientFrame::Hello {
                    version: PROTOCOL_VERSION,
                    name: name.clone(),
                    token: format!("fanout-bench-token-{}-{:06}", who.tag, who.index),
                    since: vec![],
                };
                let join = ClientFrame::Join {
                    room: ROOM.into(),
                    create: true,
                    last_seq: None,
                };
                send(socket, json(&hello)).await?;
                send(socket, json(&join)).await?;
                wait_for(socket, deadline, |text| {
                    match serde_json::from_str::<ServerFrame>(text) {
                        Ok(ServerFrame::Room(state)) if state.room == ROOM => Some(Ok(())),
                        Ok(ServerFrame::Error { code, message, .. }) => {
                            Some(Err(format!("{code:?}: {message}")))
                        }
                        _ => None,
                    }
                })
                .await
            }
            Self::AxumChat => {
                send(socket, name.clone()).await?;
                let joined = format!("{name} joined.");
                wait_for(socket, deadline, |text| {
                    if text == joined {
                        Some(Ok(()))
                    } else if text == "Username already taken." {
                        Some(Err(text.to_owned()))
                    } else {
                        None
                    }
                })
                .await
            }
        }
    }

    /// The frame that sends `text` as message `n` of client `index` in step `step`.
    pub fn send_frame(self, index: usize, step: usize, n: u64, text: String) -> Message {
        match self {
            Self::Chinwag => Message::text(json(&ClientFrame::Send {
                attachment: None,
                id: format!("{index}-{step}-{n}"),
                room: ROOM.into(),
                text,
                reply_to: None,
            })),
            Self::AxumChat => Message::text(text),
        }
    }

    /// The step and sender timestamp of a delivery frame; `None` for anything else (acks,
    /// presence, joins).
    pub fn delivery(self, frame: &str) -> Option<Marker> {
        if self == Self::Chinwag && !frame.starts_with(CHINWAG_MESSAGE) {
            return None;
        }
        Marker::find(frame)
    }

    /// The step of a message the server refused with `rate_limited` (Chinwag under overload);
    /// `None` for any other frame.
    pub fn refusal(self, frame: &str) -> Option<usize> {
        if self != Self::Chinwag || !frame.starts_with(r#"{"type":"error""#) {
            return None;
        }
        let Ok(ServerFrame::Error {
            code: ErrorCode::RateLimited,
            id: Some(id),
            ..
        }) = serde_json::from_str(frame)
        else {
            return None;
        };
        id.split('-').nth(1)?.parse().ok()
    }
}

/// What a sender put at the start of its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Marker {
    /// The step of the sweep it was sent in.
    pub step: usize,
    /// When it was sent, in microseconds since the run's epoch.
    pub micros: u64,
}

impl Marker {
    /// The text of a message: the marker, then `x` up to `bytes` bytes.
    pub fn text(self, bytes: usize) -> String {
        let mut text = format!("{MARKER}{}:{}:", self.step, self.micros);
        let pad = bytes.saturating_sub(text.len());
        text.extend(std::iter::repeat_n('x', pad));
        text
    }

    /// The first marker in `frame`.
    fn find(frame: &str) -> Option<Self> {
        let rest = &frame[frame.find(MARKER)? + MARKER.len()..];
        let mut parts = rest.splitn(3, ':');
        let step = parts.next()?.parse().ok()?;
        let micros = parts.next()?.parse().ok()?;
        Some(Self { step, micros })
    }
}

fn json(frame: &ClientFrame) -> String {
    serde_json::to_string(frame).expect("client frames serialise")
}

async fn send(socket: &mut Socket, text: String) -> Result<(), String> {
    socket
        .send(Message::text(text))
        .await
        .map_err(|err| format!("send: {err}"))
}

/// Reads text frames until `answer` has one (within `deadline`).
async fn wait_for(
    socket: &mut Socket,
    deadline: Duration,
    mut answer: impl FnMut(&str) -> Option<Result<(), String>>,
) -> Result<(), String> {
    let read = async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    if let Some(result) = answer(&text) {
                        return result;
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(format!("read: {err}")),
                None => return Err("the server closed the connection".into()),
            }
        }
    };
    tokio::time::timeout(deadline, read)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {deadline:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_survives_both_wrappings() {
        let marker = Marker {
            step: 3,
            micros: 1_234_567,
        };
        let text = marker.text(64);
        assert_eq!(text.len(), 64);
        assert_eq!(
            Target::AxumChat.delivery(&format!("b1x7: {text}")),
            Some(marker)
        );
        let frame = format!(
            r#"{{"type":"message","room":"fanout","seq":9,"id":"7-1","from":"b1x7","time":1,"text":"{text}"}}"#
        );
        assert_eq!(Target::Chinwag.delivery(&frame), Some(marker));
        assert_eq!(
            Target::Chinwag.delivery(&format!(r#"{{"type":"ack","text":"{text}"}}"#)),
            None
        );
    }
}
