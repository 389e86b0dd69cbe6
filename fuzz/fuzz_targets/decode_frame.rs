//! Feeds arbitrary bytes to the server's frame decoder, as a WebSocket text frame would bring
//! them: it must never panic, and whatever it accepts must encode to a frame that decodes to the
//! same thing.

#![no_main]

use chinwag_protocol::parse_client_frame;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The server only decodes text frames, which are valid UTF-8.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(frame) = parse_client_frame(text) {
        let encoded = serde_json::to_string(&frame).expect("a decoded frame encodes");
        assert_eq!(parse_client_frame(&encoded).ok(), Some(frame));
    }
});
