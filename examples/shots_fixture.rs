//! Scratch (not committed): a conversation with an image, a file, a reply, reactions and
//! receipts, posted to the server at argv[1] for screenshots; stays connected until killed.

use std::time::Duration;

use chinwag_testkit::LiveClient;

fn photo() -> Vec<u8> {
    let image = image::RgbImage::from_fn(1200, 800, |x, y| {
        let sky = y < 450;
        let sun = ((x as i32 - 900).pow(2) + (y as i32 - 200).pow(2)) < 90 * 90;
        if sun {
            image::Rgb([255, 214, 90])
        } else if sky {
            image::Rgb([(90 + y / 8) as u8, (150 + y / 10) as u8, 235])
        } else {
            let wave = ((x as f32 / 40.0).sin() * 12.0) as i32;
            let g = (120 + (y as i32 + wave) % 40) as u8;
            image::Rgb([40, g, 90])
        }
    });
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    bytes
}

fn main() {
    let url = std::env::args().nth(1).expect("a ws:// URL");
    let mut bob = LiveClient::new(&url, "bob");
    let mut carol = LiveClient::new(&url, "carol");
    bob.pump_until("bob in", |s| s.current().is_some());
    carol.pump_until("carol in", |s| s.current().is_some());
    assert!(
        bob.state_mut()
            .send("Morning! Photos from Saturday's sailing trip are up.")
    );
    bob.pump_until("sent", |s| s.pending().is_empty());
    assert!(bob.state_mut().attach("harbour.jpg", photo(), "", None));
    bob.pump_until("photo", |s| s.pending().is_empty());
    let photo_seq = bob.state().current().unwrap().last_seq();
    let report: Vec<u8> = b"%PDF-1.4\n% sailing club minutes\n"
        .iter()
        .copied()
        .cycle()
        .take(184_320)
        .collect();
    assert!(bob.state_mut().attach(
        "club minutes.pdf",
        report,
        "and the minutes from the meeting",
        None
    ));
    bob.pump_until("file", |s| s.pending().is_empty());
    carol.pump_until("carol sees", |s| {
        s.current().unwrap().last_seq() >= photo_seq + 1
    });
    assert!(
        carol
            .state_mut()
            .send_reply("What a view! Is that the north pier?", Some(photo_seq))
    );
    carol.pump_until("reply", |s| s.pending().is_empty());
    carol.state_mut().toggle_reaction(photo_seq, "👍");
    carol.state_mut().toggle_reaction(photo_seq, "🌅");
    bob.state_mut().toggle_reaction(photo_seq, "🌅");
    for _ in 0..20 {
        bob.wait_and_pump(Duration::from_millis(100));
        carol.wait_and_pump(Duration::from_millis(100));
    }
    bob.state_mut().mark_read();
    carol.state_mut().mark_read();
    println!("ready");
    loop {
        bob.wait_and_pump(Duration::from_millis(500));
        carol.wait_and_pump(Duration::from_millis(500));
    }
}
