//! Native start-up: how long the real window takes from the start of the process to its first
//! frame on screen, and its memory (resident set size, from /proc/self/status) then and once a
//! message in every script has been drawn (the system fonts it needs loaded).
//!
//! Needs a display; on a server: `xvfb-run -a cargo run --release --example start_time`.
//! Prints one line, e.g. `first frame 212 ms after start; RSS 98 MB at the first frame, 131 MB
//! with every script shown`. Run it a few times: the first run also warms the disk cache.

use std::time::Instant;

use chinwag::ui::{ChatApp, JoinDetails, rich_text};

/// A message in every script the app is expected to show.
const EVERY_SCRIPT: &str = "hello 日本語 中文 한국어 Ελληνικά русский 🦀 😀 ❤\n\
                            مرحبا שלום café\nこんにちは 你好 안녕하세요";

/// Frames to draw with every script shown before measuring again (glyphs load on first use).
const SCRIPT_FRAMES: u32 = 5;

/// The app under measurement, and what was measured so far.
struct Probe {
    app: ChatApp,
    started: Instant,
    frames: u32,
    first_frame_ms: Option<u128>,
    first_frame_rss_kb: Option<u64>,
}

impl eframe::App for Probe {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.frames += 1;
        if self.frames == 2 {
            // The first frame has been painted and presented before the second one starts.
            self.first_frame_ms = Some(self.started.elapsed().as_millis());
            self.first_frame_rss_kb = rss_kb();
        }
        self.app.ui(ui, frame);
        if self.frames >= 2 {
            egui::Window::new("every script").show(ui.ctx(), |ui| {
                rich_text::show(ui, EVERY_SCRIPT, &[], "");
            });
        }
        if self.frames == 2 + SCRIPT_FRAMES {
            println!(
                "first frame {} ms after start; RSS {} MB at the first frame, {} MB with every \
                 script shown",
                self.first_frame_ms.unwrap_or_default(),
                self.first_frame_rss_kb.unwrap_or_default() / 1024,
                rss_kb().unwrap_or_default() / 1024,
            );
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        ui.ctx().request_repaint();
    }
}

/// The resident set size of this process, in KiB (`VmRSS` in /proc/self/status).
fn rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> eframe::Result {
    let started = Instant::now();
    // As src/main.rs starts the window.
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Chinwag")
            .with_inner_size([900.0, 640.0]),
        system_font_fallback: false,
        ..Default::default()
    };
    eframe::run_native(
        "Chinwag start time",
        options,
        Box::new(move |cc| {
            chinwag::ui::fonts::install(&cc.egui_ctx);
            Ok(Box::new(Probe {
                app: ChatApp::new(JoinDetails::default(), false),
                started,
                frames: 0,
                first_frame_ms: None,
                first_frame_rss_kb: None,
            }))
        }),
    )
}
