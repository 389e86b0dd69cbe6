//! [`Connection`]: one ewebsock socket to the server, polled once per frame.

use std::ops::ControlFlow;
use std::sync::mpsc;

use ewebsock::{Options, WsEvent, WsMessage, WsSender};

use chinwag_protocol::{ClientFrame, ServerFrame};

use crate::error::ClientError;

/// Largest frame the client accepts from the server (a welcome carries history).
const MAX_INCOMING_BYTES: usize = 16 * 1024 * 1024;

/// One WebSocket to the server.
pub struct Connection {
    sender: WsSender,
    events: mpsc::Receiver<WsEvent>,
    open: bool,
}

/// What happened on the socket since the last poll.
#[derive(Debug)]
pub enum ConnectionEvent {
    /// The socket is open.
    Opened,
    /// The server sent a frame (boxed: most events are small).
    Frame(Box<ServerFrame>),
    /// The socket is gone (closed, failed to connect, or broke), with the reason.
    Closed(String),
}

impl Connection {
    /// Starts connecting to `url`; `wake_up` is called on every socket event (from another
    /// thread natively), so the UI can repaint only when something happened.
    ///
    /// ewebsock's own `connect_with_wakeup` calls the wake-up *before* it queues the event, so a
    /// repaint could run, find nothing and go back to sleep with the event still unseen. Here
    /// the event is queued first and the wake-up comes after.
    pub fn open(
        url: &str,
        wake_up: impl Fn() + Send + Sync + 'static,
    ) -> Result<Self, ClientError> {
        let options = Options {
            max_incoming_frame_size: MAX_INCOMING_BYTES,
            ..Options::default()
        };
        let (queue, events) = mpsc::channel();
        let on_event = Box::new(move |event| {
            let delivered = queue.send(event).is_ok();
            wake_up();
            if delivered {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        });
        let sender = ewebsock::ws_connect(url.to_owned(), options, on_event).map_err(|reason| {
            ClientError::Connect {
                url: url.to_owned(),
                reason,
            }
        })?;
        Ok(Self {
            sender,
            events,
            open: false,
        })
    }

    /// Whether the socket has reported open.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Every event since the last poll; never blocks. After a `Closed`, drop the connection.
    pub fn poll(&mut self) -> Vec<ConnectionEvent> {
        let mut events = Vec::new();
        while let Ok(event) = self.events.try_recv() {
            match event {
                WsEvent::Opened => {
                    self.open = true;
                    events.push(ConnectionEvent::Opened);
                }
                WsEvent::Message(WsMessage::Text(text)) => {
                    match serde_json::from_str::<ServerFrame>(&text) {
                        Ok(frame) => events.push(ConnectionEvent::Frame(Box::new(frame))),
                        Err(err) => log::warn!("ignoring a frame the client cannot read: {err}"),
                    }
                }
                WsEvent::Message(_) => {}
                // Natively a failed connect gives only `Error`; on the web `Error` is followed by
                // `Closed`. Either ends the connection: report the first and stop there.
                WsEvent::Error(error) => {
                    events.push(ConnectionEvent::Closed(in_words(error)));
                    break;
                }
                WsEvent::Closed => {
                    events.push(ConnectionEvent::Closed(
                        "the server closed the connection".into(),
                    ));
                    break;
                }
            }
        }
        events
    }

    /// Sends one frame. Only call once open.
    pub fn send(&mut self, frame: &ClientFrame) {
        match serde_json::to_string(frame) {
            Ok(text) => self.sender.send(WsMessage::Text(text)),
            Err(err) => log::error!("cannot encode a client frame: {err}"),
        }
    }
}

/// A connect error in words. Natively ewebsock reports a refused handshake as its HTTP status
/// only (`Connect: HTTP error: 503 Service Unavailable`; the body, which says why, is dropped),
/// and the server answers 503 only over a connection cap and 403 only to a page origin or host
/// name it does not serve. (A browser does not tell a page why its socket failed at all.)
fn in_words(error: String) -> String {
    if error.contains("HTTP error: 503") {
        "the server refused the connection: it holds too many connections (from your address, \
         or in total); try again later"
            .into()
    } else if error.contains("HTTP error: 403") {
        "the server refused the connection: it does not serve this page's origin or this host \
         name (its operator can allow an origin with --allow-origin)"
            .into()
    } else {
        error
    }
}

#[cfg(test)]
mod tests {
    use super::in_words;

    #[test]
    fn refused_handshakes_are_put_in_words() {
        assert!(
            in_words("Connect: HTTP error: 503 Service Unavailable".into())
                .contains("too many connections")
        );
        assert!(in_words("Connect: HTTP error: 403 Forbidden".into()).contains("origin"));
        assert_eq!(
            in_words("Connect: IO error: Connection refused (os error 111)".into()),
            "Connect: IO error: Connection refused (os error 111)"
        );
    }
}
