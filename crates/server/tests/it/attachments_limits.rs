//! Attachment limits and content, as a hostile client meets them: the size limit exactly and
//! one byte over, a chunk over its limit, the quota, content that lies about its type, and a
//! decompression bomb.

use chinwag_protocol::ErrorCode;
use chinwag_protocol::attachments::MAX_CHUNK_BYTES;
use chinwag_server::ServeOptions;
use chinwag_server::attachments::AttachmentLimits;
use chinwag_testkit::{RawClient, StoreKind, TestServer, http_send, token_of, unlimited};

use crate::attachments::{
    assert_guarded, download, next_message, noise, put_chunk, refusal, send_attachment,
    start_upload, status, upload,
};

/// Options without rate limits and with `limits` for attachments.
fn limited(limits: AttachmentLimits) -> ServeOptions {
    ServeOptions {
        attachments: limits,
        ..unlimited()
    }
}

#[test]
fn an_attachment_at_the_size_limit_is_taken_and_one_byte_over_is_refused() {
    let max = 2 * MAX_CHUNK_BYTES as u64 + 1;
    let server = TestServer::start_with(limited(AttachmentLimits {
        max_bytes: max,
        ..AttachmentLimits::default()
    }));
    let token = token_of("alice");
    drop(RawClient::join(&server.url(), "alice", "lobby"));
    let over = start_upload(server.addr(), &token, "big.bin", max + 1);
    assert_eq!(refusal(&over), (413, ErrorCode::TooLarge));
    let file = noise(usize::try_from(max).unwrap(), 11);
    assert_eq!(upload(server.addr(), &token, "big.bin", &file).size, max);
    let metrics = http_send(server.addr(), "GET", "/metrics", None, None).text();
    for counted in [
        "chinwag_uploads_started_total 1\n".to_owned(),
        "chinwag_uploads_completed_total 1\n".to_owned(),
        format!("chinwag_upload_bytes_total {max}\n"),
    ] {
        assert!(metrics.contains(&counted), "{counted} in {metrics}");
    }
    // A chunk one byte over its limit: 413 with a JSON body, nothing taken.
    let id = status(&start_upload(server.addr(), &token, "more.bin", max)).id;
    let long = put_chunk(
        server.addr(),
        &token,
        &id,
        0,
        &noise(MAX_CHUNK_BYTES + 1, 1),
    );
    assert_eq!(refusal(&long), (413, ErrorCode::TooLarge));
    let answer = http_send(
        server.addr(),
        "GET",
        &format!("/api/uploads/{id}"),
        Some(&token),
        None,
    );
    assert_eq!(status(&answer).received, 0);
    // Bad requests say why.
    let nameless = start_upload(server.addr(), &token, " / ", 10);
    assert_eq!(refusal(&nameless), (400, ErrorCode::Malformed));
    let empty = start_upload(server.addr(), &token, "empty.txt", 0);
    assert_eq!(refusal(&empty), (400, ErrorCode::Malformed));
    let garbage = http_send(
        server.addr(),
        "POST",
        "/api/uploads",
        Some(&token),
        Some(("application/json", b"{\"name\": 3}")),
    );
    assert_eq!(refusal(&garbage), (400, ErrorCode::Malformed));
    let anonymous = http_send(server.addr(), "POST", "/api/uploads", None, None);
    assert_eq!(refusal(&anonymous), (401, ErrorCode::InvalidToken));
}

/// Stored contents and uploads in progress count against the quota; the same content twice
/// counts once.
fn the_quota_counts_stored_contents_and_uploads_in_progress(store: StoreKind) {
    let server = TestServer::start_on_store(
        store,
        limited(AttachmentLimits {
            quota_bytes: 1_000,
            ..AttachmentLimits::default()
        }),
    );
    let token = token_of("alice");
    drop(RawClient::join(&server.url(), "alice", "lobby"));
    let stored = noise(400, 2);
    upload(server.addr(), &token, "a.bin", &stored);
    upload(server.addr(), &token, "same again.bin", &stored);
    // 400 stored (once), and 600 in progress: exactly the quota.
    let in_progress = status(&start_upload(server.addr(), &token, "b.bin", 600));
    assert_eq!(in_progress.received, 0);
    let over = start_upload(server.addr(), &token, "c.bin", 1);
    assert_eq!(refusal(&over), (413, ErrorCode::QuotaExceeded));
    // Someone else has a quota of their own.
    drop(RawClient::join(&server.url(), "bob", "lobby"));
    status(&start_upload(
        server.addr(),
        &token_of("bob"),
        "c.bin",
        1_000,
    ));
}

#[test]
fn content_claiming_a_type_it_is_not_downloads_as_a_plain_file() {
    let server = TestServer::start_unlimited();
    let token = token_of("alice");
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    // Named like a PNG, anything but.
    let fake = upload(server.addr(), &token, "cat.png", &noise(5_000, 4));
    assert_eq!(
        (fake.mime.as_str(), fake.image),
        ("application/octet-stream", None)
    );
    // A PNG signature on garbage: a PNG that does not decode.
    let mut broken = b"\x89PNG\r\n\x1a\n".to_vec();
    broken.extend(noise(5_000, 8));
    let broken = upload(server.addr(), &token, "broken.png", &broken);
    assert_eq!((broken.mime.as_str(), broken.image), ("image/png", None));
    // A page that would run script if a browser rendered it.
    let html = upload(
        server.addr(),
        &token,
        "page.html",
        b"<html><script>alert(1)</script>",
    );
    assert_eq!(html.mime, "text/plain");
    for (id, attachment) in [("f1", &fake), ("f2", &broken), ("f3", &html)] {
        send_attachment(&mut alice, id, "lobby", "", &attachment.hash);
        next_message(&mut alice);
        let answer = download(
            server.addr(),
            Some(&token),
            "lobby",
            &attachment.hash,
            false,
        );
        let disposition = format!("attachment; filename*=UTF-8''{}", attachment.name);
        assert_guarded(&answer, &attachment.mime, &disposition);
        let thumbnail = download(server.addr(), Some(&token), "lobby", &attachment.hash, true);
        assert_eq!(refusal(&thumbnail), (404, ErrorCode::UnknownAttachment));
    }
}

/// A valid PNG of a few hundred bytes declaring 100,000 × 100,000 pixels (30 GB decoded).
fn decompression_bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend(100_000_u32.to_be_bytes());
    header.extend(100_000_u32.to_be_bytes());
    header.extend([8, 2, 0, 0, 0]);
    push_chunk(&mut png, b"IHDR", &header);
    // A zlib stream of one stored block of zeros: the start of the first rows.
    let zeros = vec![0_u8; 256];
    let mut idat = vec![0x78, 0x01, 0x01];
    idat.extend(u16::try_from(zeros.len()).unwrap().to_le_bytes());
    idat.extend((!u16::try_from(zeros.len()).unwrap()).to_le_bytes());
    idat.extend(&zeros);
    idat.extend(adler32(&zeros).to_be_bytes());
    push_chunk(&mut png, b"IDAT", &idat);
    push_chunk(&mut png, b"IEND", &[]);
    png
}

fn push_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend(u32::try_from(data.len()).unwrap().to_be_bytes());
    let start = png.len();
    png.extend(kind);
    png.extend(data);
    let crc = crc32(&png[start..]);
    png.extend(crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0_u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1_u32, 0_u32);
    for &byte in bytes {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

#[test]
fn a_decompression_bomb_is_never_decoded_and_stays_a_plain_file() {
    let bomb = decompression_bomb();
    assert_eq!(
        image::ImageReader::new(std::io::Cursor::new(&bomb))
            .with_guessed_format()
            .unwrap()
            .into_dimensions()
            .unwrap(),
        (100_000, 100_000),
        "the bomb is a PNG that says so"
    );
    let server = TestServer::start_unlimited();
    let token = token_of("alice");
    let (mut alice, _) = RawClient::join(&server.url(), "alice", "lobby");
    let attachment = upload(server.addr(), &token, "bomb.png", &bomb);
    assert_eq!(
        (attachment.mime.as_str(), attachment.image),
        ("image/png", None)
    );
    send_attachment(&mut alice, "b1", "lobby", "", &attachment.hash);
    next_message(&mut alice);
    let answer = download(
        server.addr(),
        Some(&token),
        "lobby",
        &attachment.hash,
        false,
    );
    assert_guarded(
        &answer,
        "image/png",
        "attachment; filename*=UTF-8''bomb.png",
    );
    assert!(answer.body == bomb);
    let thumbnail = download(server.addr(), Some(&token), "lobby", &attachment.hash, true);
    assert_eq!(refusal(&thumbnail), (404, ErrorCode::UnknownAttachment));
}

chinwag_testkit::on_both_stores!(the_quota_counts_stored_contents_and_uploads_in_progress);
