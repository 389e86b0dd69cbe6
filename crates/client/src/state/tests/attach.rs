//! Messages with a file in [`ChatState`]: upload progress, resuming, starting over, exactly one
//! send, and refusals shown on the message with the text kept.

use super::*;
use crate::state::UPLOADS_AT_ONCE;
use chinwag_protocol::attachments::{Attachment, MAX_CHUNK_BYTES, UploadStart, UploadStatus};

use crate::error::ClientError;

const UPLOAD: &str = "up-1";

/// A file of `chunks` full chunks and a half one, every byte different from its neighbour.
fn file(chunks: usize) -> Vec<u8> {
    (0..chunks * MAX_CHUNK_BYTES + MAX_CHUNK_BYTES / 2)
        .map(|i| (i % 251) as u8)
        .collect()
}

fn status(size: usize, received: usize, done: bool) -> UploadStatus {
    UploadStatus {
        id: UPLOAD.into(),
        size: size as u64,
        received: received as u64,
        attachment: done.then(|| Attachment {
            hash: "ab".repeat(32),
            name: "photo.png".into(),
            size: size as u64,
            mime: "image/png".into(),
            image: None,
        }),
    }
}

fn refused(code: ErrorCode) -> Result<UploadStatus, ClientError> {
    Err(ClientError::Refused(Rejection::new(code, "no")))
}

/// The one upload request due now, for the only pending message.
fn one_request(state: &mut ChatState) -> UploadRequest {
    let mut requests = state.take_upload_requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let (id, request) = requests.remove(0);
    assert_eq!(id, state.pending()[0].id);
    request
}

fn upload(state: &ChatState) -> &Upload {
    state.pending()[0].upload.as_ref().expect("a file")
}

fn sends(state: &mut ChatState) -> Vec<ClientFrame> {
    state
        .take_outgoing()
        .filter(|frame| matches!(frame, ClientFrame::Send { .. }))
        .collect()
}

/// Alice attached `bytes` with a caption; the upload was started (id [`UPLOAD`]).
fn started(bytes: &[u8]) -> ChatState {
    let mut state = joined_state();
    assert!(state.attach("/home/alice/photo.png", bytes.to_vec(), "look", None));
    assert_eq!(
        one_request(&mut state),
        UploadRequest::Start(UploadStart {
            name: "photo.png".into(),
            size: bytes.len() as u64
        }),
        "the name without its path"
    );
    let id = state.pending()[0].id.clone();
    state.upload_answered(&id, Ok(status(bytes.len(), 0, false)));
    state
}

fn answer(state: &mut ChatState, answer: Result<UploadStatus, ClientError>) {
    let id = state.pending()[0].id.clone();
    state.upload_answered(&id, answer);
}

fn expect_chunk(state: &mut ChatState, bytes: &[u8], offset: usize) {
    match one_request(state) {
        UploadRequest::Chunk {
            upload,
            offset: at,
            bytes: chunk,
        } => {
            assert_eq!(upload, UPLOAD);
            assert_eq!(at, offset as u64);
            let end = (offset + MAX_CHUNK_BYTES).min(bytes.len());
            assert_eq!(chunk, bytes[offset..end], "the file's bytes from {offset}");
        }
        other => panic!("expected a chunk at {offset}, got {other:?}"),
    }
}

#[test]
fn chunks_go_in_order_with_progress_and_the_message_is_sent_once_stored() {
    let bytes = file(2);
    let mut state = started(&bytes);
    assert!(
        sends(&mut state).is_empty(),
        "nothing sent before the file is stored"
    );
    for chunk in 0..3 {
        let offset = chunk * MAX_CHUNK_BYTES;
        assert_eq!(upload(&state).sent(), offset as u64);
        expect_chunk(&mut state, &bytes, offset);
        assert!(
            state.take_upload_requests().is_empty(),
            "one request at a time"
        );
        let received = (offset + MAX_CHUNK_BYTES).min(bytes.len());
        answer(&mut state, Ok(status(bytes.len(), received, chunk == 2)));
    }
    assert_eq!(upload(&state).sent(), upload(&state).size());
    let sent = sends(&mut state);
    let id = state.pending()[0].id.clone();
    assert_eq!(
        sent,
        vec![ClientFrame::Send {
            id: id.clone(),
            room: "lobby".into(),
            text: "look".into(),
            reply_to: None,
            attachment: Some("ab".repeat(32)),
        }]
    );
    assert!(
        state.take_upload_requests().is_empty(),
        "the upload is over"
    );
    // A late repeat of the last answer sends nothing more.
    answer(&mut state, Ok(status(bytes.len(), bytes.len(), true)));
    assert!(sends(&mut state).is_empty());
    state.apply(ServerFrame::Ack {
        id,
        room: "lobby".into(),
        seq: 1,
        time: 1,
    });
    assert!(state.pending().is_empty(), "acknowledged like any message");
    let Some(Entry::Message(stored)) = lobby(&state).timeline().last() else {
        panic!("the message is stored");
    };
    assert_eq!(
        stored.attachment.as_deref().map(|a| a.hash.as_str()),
        Some("ab".repeat(32).as_str()),
        "it carries what the server stored"
    );
}

#[test]
fn after_a_disconnect_the_upload_asks_where_to_resume_and_the_message_goes_once() {
    let bytes = file(3);
    let mut state = started(&bytes);
    expect_chunk(&mut state, &bytes, 0);
    answer(&mut state, Ok(status(bytes.len(), MAX_CHUNK_BYTES, false)));
    expect_chunk(&mut state, &bytes, MAX_CHUNK_BYTES);
    // The connection drops while the second chunk is on its way.
    state.closed("gone");
    answer(
        &mut state,
        Err(ClientError::Network("connection reset".into())),
    );
    assert!(
        state.take_upload_requests().is_empty(),
        "nothing while disconnected"
    );
    assert_eq!(
        state.next_upload_in(),
        Some(1.0),
        "a pause before trying again"
    );
    // Welcomed again: it asks at once where the server stands (it had the second chunk).
    state.opened();
    state.apply(welcome("alice", vec![]));
    assert_eq!(
        one_request(&mut state),
        UploadRequest::Status {
            upload: UPLOAD.into()
        }
    );
    answer(
        &mut state,
        Ok(status(bytes.len(), 2 * MAX_CHUNK_BYTES, false)),
    );
    expect_chunk(&mut state, &bytes, 2 * MAX_CHUNK_BYTES);
    answer(
        &mut state,
        Ok(status(bytes.len(), 3 * MAX_CHUNK_BYTES, false)),
    );
    expect_chunk(&mut state, &bytes, 3 * MAX_CHUNK_BYTES);
    answer(&mut state, Ok(status(bytes.len(), bytes.len(), true)));
    assert_eq!(sends(&mut state).len(), 1, "sent once stored");
    // Another reconnect before the ack: the same message again, by the same id (the server
    // acknowledges a repeat without storing it twice); no upload request.
    state.closed("gone again");
    state.opened();
    state.apply(welcome("alice", vec![]));
    let again = sends(&mut state);
    assert_eq!(again.len(), 1);
    assert!(
        matches!(&again[0], ClientFrame::Send { id, attachment: Some(_), .. } if *id == state.pending()[0].id)
    );
    assert!(state.take_upload_requests().is_empty());
}

#[test]
fn a_failed_chunk_pauses_longer_each_time_then_resumes_from_what_the_server_has() {
    let bytes = file(1);
    let mut state = started(&bytes);
    state.tick(10.0);
    for pause in [1.0, 2.0, 4.0] {
        let request = one_request(&mut state);
        assert!(
            matches!(
                request,
                UploadRequest::Chunk { .. } | UploadRequest::Status { .. }
            ),
            "{request:?}"
        );
        answer(
            &mut state,
            Err(ClientError::Http {
                status: 502,
                status_text: "Bad Gateway".into(),
            }),
        );
        assert_eq!(state.next_upload_in(), Some(pause));
        assert!(state.take_upload_requests().is_empty(), "pausing");
        state.tick(state.now() + pause);
    }
    assert!(matches!(
        one_request(&mut state),
        UploadRequest::Status { .. }
    ));
    answer(&mut state, Ok(status(bytes.len(), MAX_CHUNK_BYTES, false)));
    expect_chunk(&mut state, &bytes, MAX_CHUNK_BYTES);
}

#[test]
fn an_upload_the_server_forgot_starts_over_from_zero() {
    let bytes = file(1);
    let mut state = started(&bytes);
    expect_chunk(&mut state, &bytes, 0);
    answer(&mut state, Ok(status(bytes.len(), MAX_CHUNK_BYTES, false)));
    expect_chunk(&mut state, &bytes, MAX_CHUNK_BYTES);
    answer(&mut state, refused(ErrorCode::UnknownUpload));
    assert_eq!(upload(&state).sent(), 0);
    assert!(matches!(one_request(&mut state), UploadRequest::Start(_)));
    answer(&mut state, Ok(status(bytes.len(), 0, false)));
    expect_chunk(&mut state, &bytes, 0);
    // A chunk past what the server has: ask where it stands.
    answer(&mut state, refused(ErrorCode::UploadOffset));
    assert!(matches!(
        one_request(&mut state),
        UploadRequest::Status { .. }
    ));
}

#[test]
fn too_large_and_over_quota_show_on_the_message_which_can_be_taken_back_with_its_text() {
    for (code, says) in [
        (
            ErrorCode::TooLarge,
            "photo.png is too large for this server",
        ),
        (ErrorCode::QuotaExceeded, "no room left for photo.png"),
    ] {
        let mut state = joined_state();
        assert!(state.attach("photo.png", vec![1; 10], "my caption", Some(7)));
        let _ = one_request(&mut state);
        answer(&mut state, refused(code));
        let error = upload(&state).error().expect("stopped").to_owned();
        assert!(error.starts_with(says), "{error}");
        assert!(state.take_upload_requests().is_empty(), "not tried again");
        assert!(sends(&mut state).is_empty());
        // Reconnecting does not retry it either.
        state.opened();
        state.apply(welcome("alice", vec![]));
        assert!(state.take_upload_requests().is_empty());
        assert!(sends(&mut state).is_empty());
        let id = state.pending()[0].id.clone();
        assert_eq!(state.take_back(&id).as_deref(), Some("my caption"));
        assert!(state.pending().is_empty());
    }
}

#[test]
fn a_stopped_upload_can_be_retried_and_an_empty_file_is_refused_at_once() {
    let mut state = joined_state();
    assert!(!state.attach("empty.txt", Vec::new(), "", None));
    assert!(state.pending().is_empty());
    let error = state.last_error().expect("said why");
    assert_eq!(
        error.message,
        "empty.txt is empty: there is nothing to send"
    );

    let mut state = joined_state();
    assert!(state.attach("a.bin", vec![1; 10], "", None));
    let _ = one_request(&mut state);
    answer(
        &mut state,
        Err(ClientError::Http {
            status: 403,
            status_text: "Forbidden".into(),
        }),
    );
    assert!(upload(&state).error().is_some());
    let id = state.pending()[0].id.clone();
    state.retry_message(&id);
    assert!(matches!(one_request(&mut state), UploadRequest::Start(_)));
    answer(&mut state, Ok(status(10, 10, true)));
    assert_eq!(sends(&mut state).len(), 1);
}

#[test]
fn attaching_before_joining_waits_for_the_welcome() {
    let mut state = ChatState::new("t", TOKEN);
    assert!(state.join("alice"));
    assert!(state.attach("a.bin", vec![1; 10], "", None));
    assert!(
        state.take_upload_requests().is_empty(),
        "no token in use yet"
    );
    state.connecting();
    state.opened();
    state.apply(welcome("alice", vec![]));
    assert!(matches!(one_request(&mut state), UploadRequest::Start(_)));
}

#[test]
fn many_files_upload_a_few_at_a_time_oldest_first() {
    let mut state = joined_state();
    for n in 0..5 {
        assert!(state.attach(&format!("f{n}.bin"), vec![n; 10], "", None));
    }
    let ids: Vec<String> = state.pending().iter().map(|m| m.id.clone()).collect();
    let first: Vec<String> = state
        .take_upload_requests()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(first, ids[..UPLOADS_AT_ONCE], "the oldest first");
    assert!(state.take_upload_requests().is_empty(), "both busy");
    state.upload_answered(&ids[0], Ok(status(10, 10, true)));
    let next: Vec<String> = state
        .take_upload_requests()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(next, [ids[2].clone()], "one more once one is done");
}
