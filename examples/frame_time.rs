//! Frame time of the message list with small and huge histories.
//!
//! Runs the real `MessageList` in a headless egui context (layout + tessellation, no GPU) over a
//! `ChatState` holding N messages, at the bottom (where chat sits) and while scrolling through
//! the middle, and prints frame-time percentiles.
//!
//! `cargo run --release --example frame_time`

use std::time::Instant;

use chinwag::client::state::ChatState;
use chinwag::protocol::{ChatMessage, PROTOCOL_VERSION, RoomKind, RoomState, ServerFrame};
use chinwag::ui::messages::MessageList;
use chinwag_testkit::measure;

const FRAMES: usize = 300;

fn state_with(messages: usize) -> ChatState {
    let mut state = ChatState::new("bench", "bench-identity-token");
    state.join("bench");
    state.opened();
    state.apply(ServerFrame::Welcome {
        version: PROTOCOL_VERSION,
        name: "bench".into(),
        rooms: vec![RoomState {
            room: "lobby".into(),
            kind: RoomKind::Public,
            topic: String::new(),
            peer: None,
            users: vec!["bench".into()],
            online: 1,
            history: vec![],
            skipped: 0,
            last_read: 0,
            unread: 0,
            mentions: 0,
            seen: Vec::new(),
        }],
        more_rooms: 0,
        epoch: None,
    });
    for seq in 1..=messages as u64 {
        let text = match seq % 4 {
            0 => "short".to_owned(),
            1 => "a medium message that says a bit more than hello".to_owned(),
            2 => "line one\nline two\nline three".to_owned(),
            _ => "a long message that will certainly wrap over several lines in a normal window, "
                .repeat(3),
        };
        state.apply(ServerFrame::Message(ChatMessage {
            attachment: None,
            room: "lobby".into(),
            seq,
            id: format!("m{seq}"),
            from: format!("user{}", seq % 7),
            time: 1_700_000_000_000 + seq as i64 * 1000,
            text,
            edited: None,
            deleted: false,
            reply_to: None,
            reactions: Vec::new(),
        }));
    }
    state
}

fn input(scroll: f32) -> egui::RawInput {
    let mut input = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(900.0, 640.0),
        )),
        ..Default::default()
    };
    if scroll != 0.0 {
        input
            .events
            .push(egui::Event::PointerMoved(egui::pos2(400.0, 300.0)));
        input.events.push(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, scroll),
            modifiers: egui::Modifiers::NONE,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
        });
    }
    input
}

fn measure(messages: usize, scroll: f32) -> (f64, f64, f64) {
    let state = state_with(messages);
    let ctx = egui::Context::default();
    let mut list = MessageList::default();
    let mut times = Vec::with_capacity(FRAMES);
    for frame in 0..FRAMES + 20 {
        let started = Instant::now();
        let mut output = ctx.run_ui(input(if frame > 20 { scroll } else { 0.0 }), |ui| {
            egui::CentralPanel::default().show(ui, |ui| list.show(ui, &state, false));
        });
        // No GPU here: the font atlas uploads have nowhere to go.
        output.textures_delta.clear();
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        std::hint::black_box(primitives);
        if frame >= 20 {
            times.push(started.elapsed());
        }
    }
    times.sort();
    (
        measure::percentile_ms(&times, 0.5),
        measure::percentile_ms(&times, 0.99),
        measure::percentile_ms(&times, 1.0),
    )
}

fn main() {
    let before = measure::rss_mib();
    let big = state_with(100_000);
    println!(
        "memory: a ChatState with 100,000 messages adds {:.1} MiB to the process",
        measure::rss_mib() - before
    );
    drop(big);
    println!("message list frame time, {FRAMES} frames at 900x640 (layout + tessellation)");
    println!(
        "{:>10} {:>10} {:>9} {:>9} {:>9}",
        "messages", "view", "p50 ms", "p99 ms", "max ms"
    );
    for messages in [100, 10_000, 100_000] {
        for (view, scroll) in [("bottom", 0.0), ("scrolling", 120.0)] {
            let (p50, p99, max) = measure(messages, scroll);
            println!("{messages:>10} {view:>10} {p50:>9.3} {p99:>9.3} {max:>9.3}");
        }
    }
}
