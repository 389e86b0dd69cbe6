//! The client core's integration tests, one binary: the real client (`ChatClient`: `Link` +
//! ewebsock driving a `ChatState`, history paging) against a real server on 127.0.0.1:0 (helpers
//! in `chinwag-testkit`).

mod connection;
mod paging;
