//! Uploading a photo: a 10 MB photo-like JPEG (a noisy gradient at quality 95, made here) sent
//! over real HTTP in 1 MiB chunks to a server on SQLite and to one on PostgreSQL (a throw-away
//! cluster with `fsync` on, as SQLite's `synchronous=FULL`), then downloaded. Prints for each
//! store the upload throughput (the chunks before the last, and the whole upload including
//! the completing chunk, which hashes, examines and thumbnails the photo), the completing
//! chunk's time, the download throughput, and, in process, the time to examine the photo
//! (decode and thumbnail) alone. Medians of `--runs`. Meanwhile another client posts chat
//! messages one at a time: their ack latency while the uploads run, next to as many posted
//! with nothing else going on (the uploads must not hold chat up).
//!
//! ```text
//! cargo run --release -p chinwag-server --example attachment_bench -- [--runs 3]
//! ```

use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;

use chinwag_protocol::attachments::{MAX_CHUNK_BYTES, UploadStatus, attachment_path};
use chinwag_protocol::{ClientFrame, ServerFrame};
use chinwag_server::attachments::content::examine;
use chinwag_server::store::Location;
use chinwag_server::{RunningServer, ServeOptions, limits::RateLimits};
use chinwag_testkit::{HttpAnswer, PgCluster, RawClient, http_send, token_of};

/// The benchmark's flags.
#[derive(Parser)]
struct Args {
    /// Uploads per store (medians are printed).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The photo's width (its height is three quarters of it).
    #[arg(long, default_value_t = 3_200)]
    width: u32,
}

/// What one upload took.
struct Run {
    chunks: Duration,
    chunk_bytes: usize,
    total: Duration,
    completing: Duration,
    download: Duration,
}

fn main() {
    let args = Args::parse();
    let photo = photo(args.width, args.width * 3 / 4);
    let mb = photo.len() as f64 / 1e6;
    println!(
        "photo: {} x {} JPEG, {mb:.1} MB; {} runs a store, medians",
        args.width,
        args.width * 3 / 4,
        args.runs
    );
    let mut examined = (0..args.runs)
        .map(|_| {
            let began = Instant::now();
            let found = examine(&photo);
            assert!(found.thumbnail.is_some(), "the photo has a thumbnail");
            began.elapsed()
        })
        .collect::<Vec<_>>();
    println!(
        "examine in process (decode + thumbnail): {:.0} ms",
        median(&mut examined).as_secs_f64() * 1e3
    );
    let dir = tempfile::tempdir().expect("temporary directory");
    measure(
        "SQLite",
        Location::Sqlite(dir.path().join("bench.sqlite3")),
        &photo,
        args.runs,
    );
    match PgCluster::start_durable() {
        Ok(cluster) => measure(
            "PostgreSQL",
            Location::Postgres(cluster.fresh_database()),
            &photo,
            args.runs,
        ),
        Err(why) => println!("PostgreSQL: skipped ({why})"),
    }
}

/// Uploads `photo` `runs` times to a server on `db` and prints the medians.
fn measure(store: &str, db: Location, photo: &[u8], runs: usize) {
    let options = ServeOptions {
        rate_limits: RateLimits::unlimited(),
        ..ServeOptions::default()
    };
    let server = RunningServer::start_with(SocketAddr::from(([127, 0, 0, 1], 0)), &db, options)
        .expect("server starts");
    let (runs, mut busy): (Vec<Run>, _) = chat_while(&server, || {
        (0..runs)
            .map(|run| upload_and_post(&server, photo, run))
            .collect()
    });
    let mut idle = chat_for(&server, busy.len());
    let mb = photo.len() as f64 / 1e6;
    let chunk_mb = runs[0].chunk_bytes as f64 / 1e6;
    let pick = |field: fn(&Run) -> Duration| {
        let mut values: Vec<Duration> = runs.iter().map(field).collect();
        median(&mut values).as_secs_f64()
    };
    let chunks = pick(|run| run.chunks);
    let total = pick(|run| run.total);
    let completing = pick(|run| run.completing);
    let download = pick(|run| run.download);
    println!(
        "{store:>10}: chunks {:.0} MB/s, whole upload {:.0} MB/s ({:.0} ms), completing chunk {:.0} ms, download {:.0} MB/s",
        chunk_mb / chunks,
        mb / total,
        total * 1e3,
        completing * 1e3,
        mb / download
    );
    println!(
        "{:>10}  chat ack latency p50 / p99 / max: {} while uploading, {} idle ({} messages each)",
        "",
        percentiles(&mut busy),
        percentiles(&mut idle),
        idle.len()
    );
    server.stop().expect("server stops");
}

/// The ack latencies of chat messages a client posts one at a time while `work` runs.
fn chat_while<T>(server: &RunningServer, work: impl FnOnce() -> T) -> (T, Vec<Duration>) {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let chat = scope.spawn(|| {
            chat(server, "busy", |sent| {
                sent > 0 && stop.load(Ordering::Relaxed)
            })
        });
        let done = work();
        stop.store(true, Ordering::Relaxed);
        (done, chat.join().expect("the chat client"))
    })
}

/// The ack latencies of `count` chat messages posted one at a time.
fn chat_for(server: &RunningServer, count: usize) -> Vec<Duration> {
    chat(server, "idle", |sent| sent >= count)
}

/// Posts messages one at a time (ids `{prefix}{n}`), each after the last one's ack, until
/// `done(sent)`; their ack latencies.
fn chat(server: &RunningServer, prefix: &str, done: impl Fn(usize) -> bool) -> Vec<Duration> {
    let (mut client, _) = RawClient::join(&server.ws_url(), "chatter", "lobby");
    let mut latencies = Vec::new();
    while !done(latencies.len()) {
        let id = format!("{prefix}{}", latencies.len());
        let sent = Instant::now();
        client.post(&id, "lobby", "meanwhile");
        client.recv_until(
            |frame| matches!(frame, ServerFrame::Ack { id: acked, .. } if *acked == id),
        );
        latencies.push(sent.elapsed());
    }
    latencies
}

/// "p50 / p99 / max" of `latencies`, in milliseconds.
fn percentiles(latencies: &mut [Duration]) -> String {
    latencies.sort();
    let at = |share: f64| {
        let index = ((latencies.len() as f64 * share) as usize).min(latencies.len() - 1);
        latencies[index].as_secs_f64() * 1e3
    };
    format!("{:.1} / {:.1} / {:.1} ms", at(0.5), at(0.99), at(1.0))
}

/// One upload of `photo` (made unique by `run`, so nothing is deduplicated), posted and
/// downloaded.
fn upload_and_post(server: &RunningServer, photo: &[u8], run: usize) -> Run {
    let name = format!("bench{run}");
    let token = token_of(&name);
    let (mut client, _) = RawClient::join(&server.ws_url(), &name, "lobby");
    let mut photo = photo.to_vec();
    // A comment segment after the image's end: another content, the same picture.
    photo.extend(format!("run {run}").bytes());
    let addr = server.addr();
    let began = Instant::now();
    let start = body(&http_send(
        addr,
        "POST",
        "/api/uploads",
        Some(&token),
        Some((
            "application/json",
            format!(r#"{{"name": "photo{run}.jpg", "size": {}}}"#, photo.len()).as_bytes(),
        )),
    ));
    let mut status = start;
    let chunks: Vec<&[u8]> = photo.chunks(MAX_CHUNK_BYTES).collect();
    let (last, before) = chunks.split_last().expect("chunks");
    for chunk in before {
        status = put(addr, &token, &status, chunk);
    }
    let chunks_took = began.elapsed();
    let completing_began = Instant::now();
    status = put(addr, &token, &status, last);
    let completing = completing_began.elapsed();
    let total = began.elapsed();
    let attachment = status.attachment.expect("the upload completes");
    assert!(attachment.image.is_some(), "the photo is an image");
    client.send(&ClientFrame::Send {
        id: "photo".into(),
        room: "lobby".into(),
        text: String::new(),
        reply_to: None,
        attachment: Some(attachment.hash.clone()),
    });
    client.recv_until(|frame| matches!(frame, ServerFrame::Ack { id, .. } if id == "photo"));
    let download_began = Instant::now();
    let answer = http_send(
        addr,
        "GET",
        &attachment_path("lobby", &attachment.hash, false),
        Some(&token),
        None,
    );
    let download = download_began.elapsed();
    assert!(
        answer.status == 200 && answer.body == photo,
        "the download is the photo: {} after {download:?}, {} of {} bytes",
        answer.status,
        answer.body.len(),
        photo.len()
    );
    Run {
        chunks: chunks_took,
        chunk_bytes: before.iter().map(|chunk| chunk.len()).sum(),
        total,
        completing,
        download,
    }
}

/// Sends the next chunk of the upload `status` stands at.
fn put(addr: SocketAddr, token: &str, status: &UploadStatus, chunk: &[u8]) -> UploadStatus {
    body(&http_send(
        addr,
        "PUT",
        &chinwag_protocol::attachments::chunk_path(&status.id, status.received),
        Some(token),
        Some(("application/octet-stream", chunk)),
    ))
}

fn body(answer: &HttpAnswer) -> UploadStatus {
    assert!(
        matches!(answer.status, 200 | 201),
        "{}: {}",
        answer.status,
        answer.text()
    );
    serde_json::from_slice(&answer.body).expect("an upload status")
}

/// A photo-like JPEG: a colour gradient with noise, at quality 95.
fn photo(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let [r, g, b, ..] = state.to_le_bytes();
        let noise = |n: u8| i32::from(n % 64) - 32;
        let channel = |base: u32, n: u8| {
            u8::try_from((i32::try_from(base % 256).unwrap_or(0) + noise(n)).clamp(0, 255))
                .unwrap_or(0)
        };
        image::Rgb([
            channel(x * 255 / width, r),
            channel(y * 255 / height, g),
            channel((x + y) * 128 / (width + height) + 64, b),
        ])
    });
    let mut jpeg = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
        .encode_image(&image)
        .expect("the photo encodes");
    jpeg.into_inner()
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values[values.len() / 2]
}
