//! Randomness from the operating system (the browser's crypto API on the web).

/// A fresh secret: 128 random bits as 32 hex digits.
pub fn token() -> String {
    let mut bytes = [0u8; 16];
    fill(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A random number in `[0, 1)`.
pub fn fraction() -> f64 {
    let mut bytes = [0u8; 8];
    fill(&mut bytes);
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

fn fill(bytes: &mut [u8]) {
    // Only fails where the platform has no entropy source at all. The clock is a poor
    // substitute, but it keeps two such clients from sharing one identity token.
    if let Err(err) = getrandom::getrandom(bytes) {
        log::error!("no randomness available, identity tokens are guessable: {err}");
        let nanos = web_time::SystemTime::now()
            .duration_since(web_time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos());
        for (byte, clock) in bytes.iter_mut().zip(nanos.to_le_bytes().iter().cycle()) {
            *byte ^= clock;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_differ_and_fractions_stay_in_range() {
        assert_ne!(super::token(), super::token());
        assert_eq!(super::token().len(), 32);
        for _ in 0..1000 {
            let f = super::fraction();
            assert!((0.0..1.0).contains(&f));
        }
    }
}
