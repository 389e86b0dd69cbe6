//! The client core's integration tests, one binary: the real client (`Link` + ewebsock driving a
//! `ChatState`) against a real server on 127.0.0.1:0 (helpers in `chinwag-testkit`).

mod connection;
