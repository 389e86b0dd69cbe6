//! Who may have which attachment, and how long it lives: downloads only for members of a room
//! with a message carrying it, a send only of one's own uploads, content stored once however
//! often uploaded, a deleted message taking its attachment (and the content going once nothing
//! holds it), expired uploads swept, and an upload on one node sent and downloaded on another.

use chinwag_protocol::{ClientFrame, ErrorCode, HistoryPage, ServerFrame};
use chinwag_server::store::{Location, open_blobs};
use chinwag_testkit::{
    PgCluster, RawClient, StoreKind, TestServer, error_code, http_send, token_of, unlimited,
};

use crate::attachments::{
    await_rows, download, next_message, noise, put_chunk, refusal, rows, send_attachment,
    start_upload, status, upload, upload_status,
};

#[test]
fn an_attachment_goes_only_to_members_of_a_room_with_a_message_carrying_it() {
    let server = TestServer::start_unlimited();
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "den");
    let (_bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let (_carol, _) = RawClient::join(&server.url(), "carol", "lobby");
    let secret = upload(server.addr(), &token_of("alice"), "plan.txt", b"the plan");
    send_attachment(&mut alice, "s1", "den", "", &secret.hash);
    next_message(&mut alice);
    alice.send(&ClientFrame::OpenDm { peer: "bob".into() });
    let ServerFrame::Room(dm) = alice.recv_until(|frame| matches!(frame, ServerFrame::Room(_)))
    else {
        unreachable!()
    };
    let private = upload(
        server.addr(),
        &token_of("alice"),
        "note.txt",
        b"for bob only",
    );
    send_attachment(&mut alice, "d1", &dm.room, "", &private.hash);
    next_message(&mut alice);

    let get = |token: Option<&str>, room: &str, hash: &str| {
        download(server.addr(), token, room, hash, false)
    };
    assert_eq!(
        get(Some(&token_of("alice")), "den", &secret.hash).body,
        b"the plan"
    );
    let bob = token_of("bob");
    assert_eq!(
        refusal(&get(None, "den", &secret.hash)),
        (401, ErrorCode::InvalidToken)
    );
    assert_eq!(
        refusal(&get(Some("not a token of anyone"), "den", &secret.hash)),
        (401, ErrorCode::InvalidToken)
    );
    // A public room bob is not in.
    assert_eq!(
        refusal(&get(Some(&bob), "den", &secret.hash)),
        (403, ErrorCode::Forbidden)
    );
    // A room bob is in, where no message carries it.
    assert_eq!(
        refusal(&get(Some(&bob), "lobby", &secret.hash)),
        (404, ErrorCode::UnknownAttachment)
    );
    // Someone else's direct conversation is no room at all; its own two may.
    let carol = token_of("carol");
    assert_eq!(
        refusal(&get(Some(&carol), &dm.room, &private.hash)),
        (404, ErrorCode::UnknownRoom)
    );
    assert_eq!(
        get(Some(&bob), &dm.room, &private.hash).body,
        b"for bob only"
    );
    assert_eq!(
        refusal(&get(Some(&bob), "nowhere", &private.hash)),
        (404, ErrorCode::UnknownRoom)
    );
    // The thumbnail follows the same rules.
    let thumbnail = download(server.addr(), Some(&bob), "den", &secret.hash, true);
    assert_eq!(refusal(&thumbnail), (403, ErrorCode::Forbidden));
}

fn a_send_names_only_content_its_sender_uploaded(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let hers = upload(server.addr(), &token_of("alice"), "hers.txt", b"alice's");
    send_attachment(&mut bob, "b1", "lobby", "mine now", &hers.hash);
    let refused = bob.recv_until(|frame| error_code(frame).is_some());
    assert_eq!(error_code(&refused), Some(ErrorCode::UnknownAttachment));
    let ServerFrame::Error { id, .. } = refused else {
        unreachable!()
    };
    assert_eq!(id.as_deref(), Some("b1"));
    send_attachment(&mut bob, "b2", "lobby", "", &"0".repeat(64));
    assert_eq!(bob.recv_error(), ErrorCode::UnknownAttachment);
    // Without an attachment, a message still needs a text.
    bob.post("b3", "lobby", " ");
    assert_eq!(bob.recv_error(), ErrorCode::EmptyMessage);
    // The same content uploaded by bob is his to send: stored once, sent by both.
    let his = upload(server.addr(), &token_of("bob"), "his.txt", b"alice's");
    assert_eq!(his.hash, hers.hash);
    send_attachment(&mut bob, "b4", "lobby", "", &his.hash);
    assert_eq!(next_message(&mut alice).attachment.as_deref(), Some(&his));
    send_attachment(&mut alice, "a1", "lobby", "", &hers.hash);
    assert_eq!(next_message(&mut bob).attachment.as_deref(), Some(&his));
    assert_eq!(next_message(&mut bob).attachment.as_deref(), Some(&hers));
    assert_eq!(rows(&server.db, "attachments"), 1);
    assert_eq!(rows(&server.db, "chunks"), 1);
    assert_eq!(rows(&server.db, "attachment_owners"), 2);
}

fn a_deleted_message_takes_its_attachment_and_the_content_goes_once_unreferenced(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let token = token_of("bob");
    let file = noise(1_500_000, 6);
    let attachment = upload(server.addr(), &token_of("alice"), "twice.bin", &file);
    send_attachment(&mut alice, "m1", "lobby", "once", &attachment.hash);
    send_attachment(&mut alice, "m2", "lobby", "twice", &attachment.hash);
    let first = next_message(&mut bob);
    let second = next_message(&mut bob);
    assert_eq!(
        rows(&server.db, "uploads"),
        0,
        "the messages hold the content now"
    );

    alice.send(&ClientFrame::Delete {
        room: "lobby".into(),
        seq: first.seq,
    });
    bob.recv_until(|frame| matches!(frame, ServerFrame::Deleted { .. }));
    // Still carried by the second message.
    assert!(
        download(
            server.addr(),
            Some(&token),
            "lobby",
            &attachment.hash,
            false
        )
        .body
            == file
    );
    alice.send(&ClientFrame::Delete {
        room: "lobby".into(),
        seq: second.seq,
    });
    bob.recv_until(|frame| matches!(frame, ServerFrame::Deleted { .. }));
    let gone = download(
        server.addr(),
        Some(&token),
        "lobby",
        &attachment.hash,
        false,
    );
    assert_eq!(refusal(&gone), (404, ErrorCode::UnknownAttachment));
    let page = http_send(
        server.addr(),
        "GET",
        "/api/rooms/lobby/messages",
        Some(&token),
        None,
    );
    let page: HistoryPage = serde_json::from_slice(&page.body).unwrap();
    assert!(
        page.messages
            .iter()
            .all(|m| m.deleted && m.attachment.is_none())
    );
    await_rows(&server.db, "attachments", 0);
    for table in ["chunks", "attachment_owners", "message_attachments"] {
        assert_eq!(rows(&server.db, table), 0, "{table}");
    }
    // A retry of a message it was sent with still gets that message's ack.
    alice.recv_until(
        |frame| matches!(frame, ServerFrame::Deleted { seq, .. } if *seq == second.seq),
    );
    send_attachment(&mut alice, "m2", "lobby", "twice", &attachment.hash);
    let ack = alice.recv_until(|frame| matches!(frame, ServerFrame::Ack { .. }));
    assert!(
        matches!(ack, ServerFrame::Ack { seq, .. } if seq == second.seq),
        "{ack:?}"
    );
    // Gone for its uploader too: sending it again needs a new upload.
    send_attachment(&mut alice, "m3", "lobby", "again", &attachment.hash);
    assert_eq!(alice.recv_error(), ErrorCode::UnknownAttachment);
}

fn an_expired_upload_is_swept_with_its_bytes(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let token = token_of("alice");
    drop(RawClient::join(&server.url(), "alice", "lobby"));
    let waiting = status(&start_upload(server.addr(), &token, "late.bin", 3_000)).id;
    status(&put_chunk(
        server.addr(),
        &token,
        &waiting,
        0,
        &noise(1_000, 2),
    ));
    let unsent = upload(server.addr(), &token, "unsent.bin", &noise(2_000, 3));
    assert_eq!(rows(&server.db, "chunks"), 2);
    // A day later (as far as the sweep is told): both forgotten.
    let mut blobs = open_blobs(&server.db).unwrap();
    let stored = blobs.sweep(i64::MAX).unwrap();
    assert_eq!((stored.blobs, stored.bytes), (0, 0));
    assert_eq!(
        refusal(&upload_status(server.addr(), &token, &waiting)),
        (404, ErrorCode::UnknownUpload)
    );
    for table in ["chunks", "uploads", "attachments", "attachment_owners"] {
        assert_eq!(rows(&server.db, table), 0, "{table}");
    }
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    send_attachment(&mut alice, "m1", "lobby", "", &unsent.hash);
    assert_eq!(alice.recv_error(), ErrorCode::UnknownAttachment);
}

/// Two nodes on one PostgreSQL: uploaded on one, posted and downloaded on the other.
#[test]
fn an_upload_on_one_node_is_posted_and_downloaded_on_another() {
    let Some(cluster) = PgCluster::shared() else {
        return;
    };
    let db = Location::Postgres(cluster.fresh_database());
    let first = TestServer::start_at(db.clone(), tempfile::tempdir().unwrap(), unlimited());
    let second = TestServer::start_at(db, tempfile::tempdir().unwrap(), unlimited());
    let (mut alice, _) = RawClient::join(&second.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&first.url(), "bob", "lobby");
    let file = noise(1_200_000, 12);
    let attachment = upload(first.addr(), &token_of("alice"), "across.bin", &file);
    send_attachment(
        &mut alice,
        "x1",
        "lobby",
        "from the other node",
        &attachment.hash,
    );
    assert_eq!(
        next_message(&mut bob).attachment.as_deref(),
        Some(&attachment)
    );
    let answer = download(
        second.addr(),
        Some(&token_of("bob")),
        "lobby",
        &attachment.hash,
        false,
    );
    assert!(answer.body == file);
}

chinwag_testkit::on_both_stores!(
    a_send_names_only_content_its_sender_uploaded,
    a_deleted_message_takes_its_attachment_and_the_content_goes_once_unreferenced,
    an_expired_upload_is_swept_with_its_bytes,
);
