//! Attachments over real sockets and HTTP (the contract: `chinwag_protocol::attachments`): an
//! upload in chunks, posted, received by every member and downloaded byte for byte; an
//! interrupted upload resumed from its status, across a restart; chunks replayed or sent
//! ahead. Limits and content are in `attachments_limits.rs`, who may have what in
//! `attachments_access.rs`. The helpers here serve all three.

use std::net::SocketAddr;
use std::time::Instant;

use chinwag_protocol::attachments::{
    MAX_CHUNK_BYTES, THUMBNAIL_MAX_PX, UploadStart, UploadStatus, attachment_path, chunk_path,
};
use chinwag_protocol::{
    Attachment, ChatMessage, ClientFrame, ErrorCode, HistoryPage, Rejection, ServerFrame,
};
use chinwag_server::store::Location;
use chinwag_testkit::{
    HttpAnswer, PATIENCE, RawClient, StoreKind, TestServer, http_send, token_of, unlimited,
};

/// `POST /api/uploads` of a file `name` of `size` bytes, as `token`.
pub(crate) fn start_upload(addr: SocketAddr, token: &str, name: &str, size: u64) -> HttpAnswer {
    let body = serde_json::to_vec(&UploadStart {
        name: name.into(),
        size,
    })
    .unwrap();
    http_send(
        addr,
        "POST",
        "/api/uploads",
        Some(token),
        Some(("application/json", &body)),
    )
}

/// `PUT` of `bytes` at `offset` of upload `id`.
pub(crate) fn put_chunk(
    addr: SocketAddr,
    token: &str,
    id: &str,
    offset: u64,
    bytes: &[u8],
) -> HttpAnswer {
    http_send(
        addr,
        "PUT",
        &chunk_path(id, offset),
        Some(token),
        Some(("application/octet-stream", bytes)),
    )
}

/// `GET` of upload `id`'s status.
pub(crate) fn upload_status(addr: SocketAddr, token: &str, id: &str) -> HttpAnswer {
    http_send(
        addr,
        "GET",
        &format!("/api/uploads/{id}"),
        Some(token),
        None,
    )
}

/// The status a successful upload request answered.
pub(crate) fn status(answer: &HttpAnswer) -> UploadStatus {
    assert!(
        matches!(answer.status, 200 | 201),
        "{}: {}",
        answer.status,
        answer.text()
    );
    serde_json::from_slice(&answer.body).unwrap_or_else(|err| panic!("{err}: {}", answer.text()))
}

/// A refusal's status and code (its body must be a `Rejection` with a message).
pub(crate) fn refusal(answer: &HttpAnswer) -> (u16, ErrorCode) {
    let rejection: Rejection = serde_json::from_slice(&answer.body)
        .unwrap_or_else(|err| panic!("{}: {err}: {}", answer.status, answer.text()));
    assert!(!rejection.message.is_empty());
    assert_eq!(
        answer.header("content-type"),
        Some("application/json"),
        "{}",
        answer.head
    );
    (answer.status, rejection.code)
}

/// Uploads `content` as `name` in chunks of at most [`MAX_CHUNK_BYTES`]; the stored attachment.
pub(crate) fn upload(addr: SocketAddr, token: &str, name: &str, content: &[u8]) -> Attachment {
    let started = status(&start_upload(addr, token, name, content.len() as u64));
    assert_eq!((started.received, started.attachment.as_ref()), (0, None));
    let mut last = started;
    for (index, chunk) in content.chunks(MAX_CHUNK_BYTES).enumerate() {
        let offset = (index * MAX_CHUNK_BYTES) as u64;
        last = status(&put_chunk(addr, token, &last.id, offset, chunk));
        assert_eq!(last.received, offset + chunk.len() as u64);
    }
    last.attachment
        .expect("the last chunk completes the upload")
}

/// `GET` of an attachment (or its thumbnail) of `room`.
pub(crate) fn download(
    addr: SocketAddr,
    token: Option<&str>,
    room: &str,
    hash: &str,
    thumbnail: bool,
) -> HttpAnswer {
    http_send(
        addr,
        "GET",
        &attachment_path(room, hash, thumbnail),
        token,
        None,
    )
}

/// Posts `text` with the attachment `hash` to `room`.
pub(crate) fn send_attachment(
    client: &mut RawClient,
    id: &str,
    room: &str,
    text: &str,
    hash: &str,
) {
    client.send(&ClientFrame::Send {
        id: id.into(),
        room: room.into(),
        text: text.into(),
        reply_to: None,
        attachment: Some(hash.into()),
    });
}

/// The next message broadcast to `client`.
pub(crate) fn next_message(client: &mut RawClient) -> ChatMessage {
    match client.recv_until(|frame| matches!(frame, ServerFrame::Message(_))) {
        ServerFrame::Message(message) => message,
        _ => unreachable!(),
    }
}

/// `len` bytes of noise (xorshift from `seed`): no format recognises it.
pub(crate) fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3]
        })
        .collect()
}

/// A PNG of `width` × `height` (with alpha if `alpha`), noisy so it does not compress away.
pub(crate) fn png(width: u32, height: u32, alpha: bool) -> Vec<u8> {
    let pixels = noise((width * height * 4) as usize, u64::from(width));
    let image = image::RgbaImage::from_raw(width, height, pixels).unwrap();
    let image = if alpha {
        image::DynamicImage::ImageRgba8(image)
    } else {
        image::DynamicImage::ImageRgb8(image::DynamicImage::ImageRgba8(image).to_rgb8())
    };
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// How many rows `table` of the database at `db` has.
pub(crate) fn rows(db: &Location, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match db {
        Location::Sqlite(path) => {
            let connection = rusqlite::Connection::open(path).unwrap();
            connection.busy_timeout(PATIENCE).unwrap();
            connection.query_row(&sql, [], |row| row.get(0)).unwrap()
        }
        Location::Postgres(url) => ::postgres::Client::connect(url, ::postgres::NoTls)
            .unwrap()
            .query_one(&sql, &[])
            .unwrap()
            .get(0),
    }
}

/// Waits until `table` of `db` has `count` rows; panics after [`PATIENCE`].
pub(crate) fn await_rows(db: &Location, table: &str, count: i64) {
    let deadline = Instant::now() + PATIENCE;
    while rows(db, table) != count {
        assert!(Instant::now() < deadline, "{table} never had {count} rows");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The security headers every download has, with its type and disposition.
pub(crate) fn assert_guarded(answer: &HttpAnswer, mime: &str, disposition: &str) {
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(answer.header("content-type"), Some(mime), "{}", answer.head);
    assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        answer.header("content-security-policy"),
        Some("default-src 'none'; sandbox")
    );
    assert_eq!(answer.header("cache-control"), Some("private"));
    let content_disposition = answer.header("content-disposition").unwrap_or_default();
    assert!(
        content_disposition.starts_with(disposition),
        "{content_disposition}"
    );
}

fn an_upload_in_chunks_reaches_every_member_and_downloads_byte_for_byte(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let (mut bob, _) = RawClient::join(&server.url(), "bob", "lobby");
    let file = noise(2 * MAX_CHUNK_BYTES + 12_345, 7);
    let attachment = upload(
        server.addr(),
        &token_of("alice"),
        "dir/report v2.bin",
        &file,
    );
    assert_eq!(attachment.name, "report v2.bin");
    assert_eq!(attachment.size, file.len() as u64);
    assert_eq!(attachment.mime, "application/octet-stream");
    assert_eq!(attachment.image, None);
    let picture = png(800, 600, false);
    let image = upload(server.addr(), &token_of("alice"), "cat.png", &picture);
    assert_eq!(
        (
            image.mime.as_str(),
            image.image.map(|i| (i.width, i.height))
        ),
        ("image/png", Some((800, 600)))
    );

    send_attachment(&mut alice, "a1", "lobby", "the report", &attachment.hash);
    send_attachment(&mut alice, "a2", "lobby", "", &image.hash);
    for client in [&mut alice, &mut bob] {
        let first = next_message(client);
        assert_eq!(
            (first.text.as_str(), first.attachment.as_deref()),
            ("the report", Some(&attachment))
        );
        let second = next_message(client);
        assert_eq!(
            (second.text.as_str(), second.attachment.as_deref()),
            ("", Some(&image))
        );
    }
    // History carries them too.
    let page = http_send(
        server.addr(),
        "GET",
        "/api/rooms/lobby/messages",
        Some(&token_of("bob")),
        None,
    );
    let page: HistoryPage = serde_json::from_slice(&page.body).unwrap();
    let carried: Vec<_> = page
        .messages
        .iter()
        .filter_map(|m| m.attachment.as_deref())
        .collect();
    assert_eq!(carried, [&attachment, &image]);

    let answer = download(
        server.addr(),
        Some(&token_of("bob")),
        "lobby",
        &attachment.hash,
        false,
    );
    assert_guarded(
        &answer,
        "application/octet-stream",
        "attachment; filename*=UTF-8''report%20v2.bin",
    );
    assert!(
        answer.body == file,
        "the download is the upload, byte for byte"
    );
    let answer = download(
        server.addr(),
        Some(&token_of("bob")),
        "lobby",
        &image.hash,
        false,
    );
    assert_guarded(&answer, "image/png", "inline; filename*=UTF-8''cat.png");
    assert!(answer.body == picture);
    let answer = download(
        server.addr(),
        Some(&token_of("bob")),
        "lobby",
        &image.hash,
        true,
    );
    assert_guarded(&answer, "image/jpeg", "inline");
    let thumbnail = image::load_from_memory(&answer.body).unwrap();
    assert_eq!(
        (thumbnail.width(), thumbnail.height()),
        (THUMBNAIL_MAX_PX, 240)
    );
}

fn an_interrupted_upload_resumes_from_its_status_across_a_restart(store: StoreKind) {
    let mut server = TestServer::start_on_store(store, unlimited());
    let token = token_of("alice");
    let (alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    drop(alice);
    let file = noise(MAX_CHUNK_BYTES + 5_000, 3);
    let started = status(&start_upload(
        server.addr(),
        &token,
        "data.bin",
        file.len() as u64,
    ));
    let half = MAX_CHUNK_BYTES / 2;
    status(&put_chunk(
        server.addr(),
        &token,
        &started.id,
        0,
        &file[..half],
    ));
    server.restart();
    let resumed = status(&upload_status(server.addr(), &token, &started.id));
    assert_eq!(
        (resumed.received, resumed.size),
        (half as u64, file.len() as u64)
    );
    // The rest in one chunk that overlaps what the server has: it keeps what it had.
    let overlap = half - 100;
    let done = status(&put_chunk(
        server.addr(),
        &token,
        &started.id,
        overlap as u64,
        &file[overlap..],
    ));
    let attachment = done.attachment.expect("complete");
    // Its answer lost: the client asks again and gets the same.
    let again = status(&upload_status(server.addr(), &token, &started.id));
    assert_eq!(again.attachment.as_ref(), Some(&attachment));
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    send_attachment(&mut alice, "m1", "lobby", "resumed", &attachment.hash);
    assert_eq!(
        next_message(&mut alice).attachment.as_deref(),
        Some(&attachment)
    );
    let answer = download(
        server.addr(),
        Some(&token),
        "lobby",
        &attachment.hash,
        false,
    );
    assert!(answer.body == file);
}

fn chunks_replayed_are_taken_once_and_chunks_ahead_are_refused(store: StoreKind) {
    let server = TestServer::start_on_store(store, unlimited());
    let token = token_of("alice");
    drop(RawClient::join(&server.url(), "alice", "lobby"));
    let file = noise(3_000, 5);
    let id = status(&start_upload(server.addr(), &token, "f.bin", 3_000)).id;
    status(&put_chunk(server.addr(), &token, &id, 0, &file[..1_000]));
    // Replayed (its answer was lost): no effect.
    let replayed = status(&put_chunk(server.addr(), &token, &id, 0, &file[..1_000]));
    assert_eq!(replayed.received, 1_000);
    // Ahead of what the server has: 409, and the status says where to resume.
    let ahead = put_chunk(server.addr(), &token, &id, 2_000, &file[2_000..]);
    assert_eq!(refusal(&ahead), (409, ErrorCode::UploadOffset));
    assert_eq!(
        status(&upload_status(server.addr(), &token, &id)).received,
        1_000
    );
    // Past the announced size: 413.
    let long = put_chunk(server.addr(), &token, &id, 1_000, &noise(2_001, 9));
    assert_eq!(refusal(&long), (413, ErrorCode::TooLarge));
    // Someone else's upload, or none: 404.
    drop(RawClient::join(&server.url(), "bob", "lobby"));
    let theirs = put_chunk(server.addr(), &token_of("bob"), &id, 1_000, &file[1_000..]);
    assert_eq!(refusal(&theirs), (404, ErrorCode::UnknownUpload));
    let none = upload_status(server.addr(), &token, "no-such-upload");
    assert_eq!(refusal(&none), (404, ErrorCode::UnknownUpload));
    let done = status(&put_chunk(
        server.addr(),
        &token,
        &id,
        1_000,
        &file[1_000..],
    ));
    assert_eq!(done.received, 3_000);
    assert!(done.attachment.is_some());
}

chinwag_testkit::on_both_stores!(
    an_upload_in_chunks_reaches_every_member_and_downloads_byte_for_byte,
    an_interrupted_upload_resumes_from_its_status_across_a_restart,
    chunks_replayed_are_taken_once_and_chunks_ahead_are_refused,
);
