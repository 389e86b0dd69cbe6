//! Memory and frame time of the real window scrolling through 500 image messages.
//!
//! Starts a server (chinwag-testkit, SQLite in a temp folder), has a headless
//! [`ChatClient`] post 500 different PNG photos (800 × 600) to the lobby through the real upload
//! manager, then opens the real `ChatApp` in egui_kittest (no GPU: layout and textures on the
//! CPU side), scrolls from the newest message up through the whole history (paging it in) and
//! back down, and prints frame times, the most attachment textures and texture bytes held at
//! once (the cache's bound), and the process's resident memory.
//!
//! `cargo run --release --example image_scroll`

use std::time::{Duration, Instant};

use chinwag::client::chat_client::ChatClient;
use chinwag::client::identity::Identities;
use chinwag::client::state::Phase;
use chinwag::ui::{ChatApp, JoinDetails};
use chinwag_testkit::{TestServer, measure};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

const IMAGES: usize = 500;
const WIDTH: u32 = 800;
const HEIGHT: u32 = 600;
const PATIENCE: Duration = Duration::from_secs(300);

/// Photo `n`: a gradient whose colours depend on `n`, so every one has its own hash.
fn photo(n: usize) -> Vec<u8> {
    let image = image::RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let shade = (n * 37 % 256) as u32;
        image::Rgb([
            (x * 255 / WIDTH) as u8,
            (y * 255 / HEIGHT) as u8,
            ((shade + x / 8 + y / 8) % 256) as u8,
        ])
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .expect("encode");
    bytes
}

/// Posts the photos from a headless client and waits until every one is acknowledged.
fn post_photos(url: &str) {
    let mut poster = ChatClient::new(url, Identities::Memory(Default::default()), || {});
    poster.join("poster");
    let started = Instant::now();
    let clock = Instant::now();
    let mut attached = false;
    while !(attached && poster.state().pending().is_empty()) {
        assert!(started.elapsed() < PATIENCE, "posting took too long");
        poster.pump(clock.elapsed().as_secs_f64());
        if !attached && poster.state().phase() == &Phase::Joined {
            for n in 0..IMAGES {
                let name = format!("photo {n}.png");
                assert!(poster.state_mut().attach(&name, photo(n), "", None));
            }
            attached = true;
        }
        if let Some(error) = poster
            .state()
            .pending()
            .iter()
            .find_map(|m| m.upload.as_ref()?.error())
        {
            panic!("an upload failed: {error}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    println!(
        "posted {IMAGES} photos ({WIDTH}x{HEIGHT} PNG) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn wheel(harness: &mut Harness<'_, ChatApp>, points: f32) {
    harness.event(egui::Event::PointerMoved(egui::pos2(450.0, 300.0)));
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, points),
        modifiers: egui::Modifiers::NONE,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    });
}

fn main() {
    let server = TestServer::start_unlimited();
    post_photos(&server.url());
    let rss_before = measure::rss_mib();
    let details = JoinDetails {
        name: "viewer".into(),
        server_url: server.url(),
    };
    let mut harness = Harness::builder()
        .with_size([900.0, 640.0])
        .build_eframe(move |cc| {
            chinwag::ui::fonts::install(&cc.egui_ctx);
            ChatApp::with_identities(details, true, Identities::Memory(Default::default()))
        });
    let started = Instant::now();
    let mut times = Vec::new();
    let (mut most_textures, mut most_bytes) = (0, 0);
    // Up to the first photo (paging the history in), then back down to the newest.
    for (direction, end) in [(1.0, 0), (-1.0, IMAGES - 1)] {
        let label = format!("Image photo {end}.png, ");
        while harness.query_by_label_contains(&label).is_none() {
            assert!(
                started.elapsed() < PATIENCE,
                "scrolling to photo {end} took too long"
            );
            wheel(&mut harness, 200.0 * direction);
            let frame = Instant::now();
            harness.step();
            times.push(frame.elapsed());
            let (textures, bytes) = harness.state().texture_use();
            most_textures = most_textures.max(textures);
            most_bytes = most_bytes.max(bytes);
            // Downloads and decodes run on other threads: give them a moment, as a display's
            // refresh would.
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let frames = times.len();
    times.sort();
    let (textures, bytes) = harness.state().texture_use();
    println!(
        "scrolled through {IMAGES} image messages and back in {frames} frames ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    println!(
        "frame time (UI, no GPU): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        measure::percentile_ms(&times, 0.5),
        measure::percentile_ms(&times, 0.99),
        measure::percentile_ms(&times, 1.0)
    );
    println!(
        "attachment textures: at most {most_textures} held ({:.1} MB); at the end {textures} ({:.1} MB); \
         all {IMAGES} thumbnails would be {:.1} MB",
        most_bytes as f64 / 1e6,
        bytes as f64 / 1e6,
        (IMAGES * 320 * 240 * 4) as f64 / 1e6
    );
    println!(
        "resident memory: {:.1} MiB before the window, {:.1} MiB after scrolling",
        rss_before,
        measure::rss_mib()
    );
}
