//! The web client in a real browser, and `chinwag serve --web` serving it.
//!
//! `the_web_client_chats_with_a_native_client` builds the web client with Trunk (release, as
//! deployed), serves it with `chinwag serve --web` on 127.0.0.1:0, and drives headless Chromium
//! through `tests/browser/e2e.mjs` (playwright-core): the page loads, joins, sends a message that a
//! native client receives, attaches a picture through the attach button's file chooser that the
//! native client receives too (and the page fetches its thumbnail to show it), and shows the native client's reply (it mentions the browser user) as
//! an unread count in the tab title and as a desktop notification, whose click brings the page
//! back; the native client's CJK text and colour emoji are drawn (not missing-glyph boxes). It
//! needs Trunk, wasm-bindgen-cli, wasm-opt, Chromium and `npm ci` in tests/browser (see
//! README "The web client"); when one is missing it fails under `CI=true` and otherwise says how
//! to install it and passes, so `cargo test` works on a fresh machine.
//!
//! The other tests check the static serving itself with plain HTTP and need no tools.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chinwag::protocol::ServerFrame;
use chinwag_testkit::{PATIENCE, RawClient, came, went};
use tungstenite::Message;

/// The web client's download budget (README "Size and speed").
const MAX_WASM_BYTES: u64 = 4_000_000;
const MAX_WASM_GZIP_BYTES: u64 = 1_500_000;

/// How long one browser step may take (loading a 4 MB wasm on a slow CI machine included).
const BROWSER_PATIENCE: Duration = Duration::from_secs(90);

// ---------------------------------------------------------------------------------------------
// `chinwag serve --web DIR`

/// `chinwag serve` as a child process on a free port; killed when dropped.
struct ServeProcess {
    child: Child,
    addr: SocketAddr,
    _db_dir: tempfile::TempDir,
}

impl ServeProcess {
    fn start(web: &Path) -> Self {
        let db_dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_chinwag"))
            .args(["serve", "--bind", "127.0.0.1:0", "--db"])
            .arg(db_dir.path().join("chat.sqlite3"))
            .arg("--web")
            .arg(web)
            // The native client posts a page of history in one go.
            .args(["--messages-per-second", "0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("chinwag serve starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut addr = None;
        let mut line = String::new();
        while addr.is_none() {
            line.clear();
            if stdout.read_line(&mut line).expect("read stdout") == 0 {
                let status = child.wait().expect("wait");
                panic!("chinwag serve exited ({status}) before listening");
            }
            addr = line
                .trim()
                .strip_prefix("chinwag: serving ws://")
                .and_then(|rest| rest.split_once("/ws"))
                .map(|(addr, _)| addr.parse().expect("a socket address"));
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Self {
            child,
            addr: addr.expect("address"),
            _db_dir: db_dir,
        }
    }

    fn http_url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A response to a plain HTTP/1.1 GET.
struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

fn http_get(addr: SocketAddr, path: &str, extra_headers: &[(&str, &str)]) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in extra_headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8(raw[..split].to_vec()).expect("ASCII head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let body = raw[split + 4..].to_vec();
    HttpResponse {
        status,
        headers,
        body,
    }
}

/// A stand-in for a built dist/: an index page, a hashed script and wasm, an asset.
fn fake_dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let files: [(&str, &[u8]); 4] = [
        ("index.html", b"<!DOCTYPE html><title>Chinwag</title>"),
        ("chinwag-0123abcd.js", b"export default function init() {}"),
        ("chinwag-0123abcd_bg.wasm", b"\0asm\x01\0\0\0"),
        ("assets/manifest.json", b"{\"name\": \"Chinwag\"}"),
    ];
    for (name, contents) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }
    dir
}

#[test]
fn serve_web_serves_the_client_with_content_types_that_browsers_need() {
    let dist = fake_dist();
    let server = ServeProcess::start(dist.path());

    let index = http_get(server.addr, "/", &[]);
    assert_eq!(index.status, 200);
    assert_eq!(index.body, b"<!DOCTYPE html><title>Chinwag</title>");
    assert!(
        index
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );

    // Streaming compilation needs exactly application/wasm.
    let wasm = http_get(server.addr, "/chinwag-0123abcd_bg.wasm", &[]);
    assert_eq!(wasm.status, 200);
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");

    // Module scripts need a JavaScript type.
    let js = http_get(server.addr, "/chinwag-0123abcd.js", &[]);
    assert_eq!(js.status, 200);
    let js_type = js.header("content-type").unwrap();
    assert!(
        js_type.starts_with("text/javascript") || js_type.starts_with("application/javascript"),
        "{js_type}"
    );

    let manifest = http_get(server.addr, "/assets/manifest.json", &[]);
    assert_eq!(manifest.status, 200);
    assert!(manifest.header("content-type").unwrap().contains("json"));

    assert_eq!(http_get(server.addr, "/nothing-here.js", &[]).status, 404);
    let escape = http_get(server.addr, "/../Cargo.toml", &[]);
    assert!(escape.status >= 400, "{}", escape.status);
    // The API is still there.
    assert_eq!(http_get(server.addr, "/healthz", &[]).body, b"ok");
    let (_alice, _) = RawClient::join(&server.ws_url(), "alice", "lobby");
}

#[test]
fn serve_web_never_serves_a_stale_build() {
    let dist = fake_dist();
    let server = ServeProcess::start(dist.path());

    // Browsers may keep copies but must revalidate them before each use...
    for path in [
        "/",
        "/index.html",
        "/chinwag-0123abcd_bg.wasm",
        "/assets/manifest.json",
    ] {
        let response = http_get(server.addr, path, &[]);
        assert_eq!(response.header("cache-control"), Some("no-cache"), "{path}");
    }
    // ...which costs a round trip, not a download, while the file is unchanged...
    let index = http_get(server.addr, "/", &[]);
    let modified = index
        .header("last-modified")
        .expect("Last-Modified")
        .to_owned();
    let unchanged = http_get(server.addr, "/", &[("If-Modified-Since", &modified)]);
    assert_eq!(unchanged.status, 304);

    // ...and a new build is served as soon as it is there.
    std::thread::sleep(Duration::from_millis(1100)); // Last-Modified has one-second resolution
    std::fs::write(dist.path().join("index.html"), b"new build").expect("rewrite");
    let changed = http_get(server.addr, "/", &[("If-Modified-Since", &modified)]);
    assert_eq!(changed.status, 200);
    assert_eq!(changed.body, b"new build");
}

#[test]
fn serve_web_without_a_built_client_says_how_to_build_one() {
    let empty = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_chinwag"))
        .args(["serve", "--bind", "127.0.0.1:0", "--web"])
        .arg(empty.path())
        .output()
        .expect("chinwag runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("trunk build --release"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// The real browser

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `wasm-bindgen` version in Cargo.lock, which wasm-bindgen-cli must match exactly.
fn locked_wasm_bindgen_version() -> String {
    let lock = std::fs::read_to_string(repo().join("Cargo.lock")).expect("Cargo.lock");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            let version = lines.next().expect("a version line");
            return version
                .trim_start_matches("version = \"")
                .trim_end_matches('"')
                .to_owned();
        }
    }
    panic!("Cargo.lock has no wasm-bindgen");
}

/// `program --version`'s output, if it runs.
fn version_of(program: &str) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

fn chromium() -> PathBuf {
    std::env::var_os("CHINWAG_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| "/usr/bin/chromium".into())
}

/// What is missing for the browser test, each with how to install it.
fn missing_tools() -> Vec<String> {
    let mut missing = Vec::new();
    let wasm_bindgen = locked_wasm_bindgen_version();
    let wanted: [(&str, String, String); 3] = [
        (
            "trunk",
            "trunk 0.21.".into(),
            "cargo install --locked trunk --version 0.21.14".into(),
        ),
        (
            "wasm-bindgen",
            format!("wasm-bindgen {wasm_bindgen}"),
            format!("cargo install wasm-bindgen-cli --version {wasm_bindgen}"),
        ),
        (
            "wasm-opt",
            "wasm-opt version 132 ".into(),
            "npm install -g binaryen@132".into(),
        ),
    ];
    for (program, prefix, install) in wanted {
        match version_of(program) {
            Some(version) if version.starts_with(&prefix) => {}
            Some(version) => missing.push(format!(
                "{program}: found \"{version}\", need \"{}\": {install}",
                prefix.trim()
            )),
            None => missing.push(format!("{program}: {install}")),
        }
    }
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
        .unwrap_or_default();
    if !sysroot.join("lib/rustlib/wasm32-unknown-unknown").is_dir() {
        missing.push("the wasm32 target: rustup target add wasm32-unknown-unknown".into());
    }
    if !chromium().exists() {
        missing.push(format!(
            "Chromium at {}: apt-get install chromium (or set CHINWAG_CHROMIUM)",
            chromium().display()
        ));
    }
    if version_of("node").is_none() {
        missing.push("node: apt-get install nodejs npm".into());
    }
    if !repo()
        .join("tests/browser/node_modules/playwright-core")
        .is_dir()
    {
        missing.push("playwright-core: (cd tests/browser && npm ci)".into());
    }
    missing
}

/// True when the browser test can run. Otherwise fails under CI, or explains and skips.
fn browser_tools_present() -> bool {
    let missing = missing_tools();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "the browser test needs tools that are missing:\n  {}\n(README \"The web client\" has the setup; .ci/run installs them)",
        missing.join("\n  ")
    );
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("{message}");
    }
    // Straight to stderr, past the test harness's output capture: plain `cargo test` shows it.
    let _ = writeln!(
        std::io::stderr().lock(),
        "\n{bar}\nSKIPPING the browser test: {message}\n{bar}\n",
        bar = "!".repeat(78)
    );
    false
}

/// `trunk build --release` into a fresh directory of its own (test runs in parallel must not
/// serve each other's half-written builds).
fn build_web_client() -> tempfile::TempDir {
    let dist = tempfile::Builder::new()
        .prefix("chinwag-dist-")
        .tempdir()
        .expect("temp dir");
    // Trunk keeps intermediate files at fixed places under target/: one build at a time.
    let lock_dir = repo().join("target/browser-test");
    std::fs::create_dir_all(&lock_dir).expect("target/browser-test");
    let lock = std::fs::File::create(lock_dir.join("trunk-build.lock")).expect("lock file");
    lock.lock().expect("lock");
    // Trunk runs cargo offline: the wasm-only crates must be in cargo's cache.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let fetched = Command::new(cargo)
        .current_dir(repo())
        .arg("fetch")
        .status()
        .expect("cargo runs");
    assert!(fetched.success(), "cargo fetch failed ({fetched})");
    let output = Command::new("trunk")
        .current_dir(repo())
        .args([
            "build",
            "--release",
            "--offline",
            "--color",
            "never",
            "--dist",
        ])
        .arg(dist.path())
        // Trunk 0.21 rejects NO_COLOR=1 ("invalid value '1' for '--no-color'").
        .env_remove("NO_COLOR")
        .output()
        .expect("trunk runs");
    assert!(
        output.status.success(),
        "trunk build --release failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    drop(lock);
    dist
}

/// The e2e script, with its stdout lines arriving on a channel.
struct Script {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    transcript: Vec<String>,
}

impl Script {
    fn start(url: &str, dist: &Path, screenshot: &Path, attach: &Path) -> Self {
        let mut child = Command::new("node")
            .arg(repo().join("tests/browser/e2e.mjs"))
            .current_dir(repo().join("tests/browser"))
            .env("CHINWAG_URL", url)
            .env("CHINWAG_NAME", "webby")
            .env("CHINWAG_MESSAGE", "hello from the browser")
            .env("CHINWAG_IME_TEXT", ", 日本語 ü")
            .env("CHINWAG_PASTE_TEXT", ", pasted")
            .env("CHINWAG_ATTACH_FILE", attach)
            .env("CHINWAG_DIST", dist)
            .env("CHINWAG_CHROMIUM", chromium())
            .env("CHINWAG_SCREENSHOT", screenshot)
            .env(
                "CHINWAG_TIMEOUT_MS",
                BROWSER_PATIENCE.as_millis().to_string(),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            stdin,
            lines,
            transcript: Vec::new(),
        }
    }

    /// The rest of the script's next `prefix` line; fails if the script ends or stalls first.
    fn expect(&mut self, prefix: &str) -> String {
        loop {
            match self.lines.recv_timeout(BROWSER_PATIENCE) {
                Ok(line) => {
                    eprintln!("browser: {line}");
                    self.transcript.push(line.clone());
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.trim().to_owned();
                    }
                }
                Err(err) => {
                    let _ = self.child.kill();
                    let status = self.child.wait().expect("wait");
                    panic!(
                        "the browser script stopped ({err}, {status}) waiting for \"{prefix}\"; \
                         its reason is on stderr above; it said:\n  {}",
                        self.transcript.join("\n  ")
                    );
                }
            }
        }
    }

    /// Waits for the script to exit.
    fn finish(&mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        self.child.wait().expect("wait")
    }

    fn say(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("the script's stdin is open");
        writeln!(stdin, "{line}").expect("the browser script is listening");
    }
}

impl Drop for Script {
    /// Closing stdin tells the script to stop: it saves a screenshot of the page (next to the
    /// conversation screenshot, `-failure.png`) when the test failed; then it is killed.
    fn drop(&mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first frame `client` receives that is `wanted`, within [`PATIENCE`] in all (pings and
/// other frames do not extend it).
fn recv_before_deadline(
    client: &mut RawClient,
    what: &str,
    wanted: impl Fn(&ServerFrame) -> bool,
) -> ServerFrame {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    loop {
        assert!(
            Instant::now() < deadline,
            "no {what} within {PATIENCE:?}; the native client got {seen:?}"
        );
        match client.socket.read() {
            Ok(Message::Text(text)) => {
                let frame: ServerFrame = serde_json::from_str(&text).expect("a server frame");
                if wanted(&frame) {
                    return frame;
                }
                seen.push(frame);
            }
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
            Ok(other) => panic!("waiting for {what}, the native client got {other:?}"),
            Err(err) => panic!("waiting for {what}, the native client's socket failed: {err}"),
        }
    }
}

/// CJK text and a colour emoji from the native client are drawn in the page, not boxes: the
/// script measures the pixels each message changed (tests/browser/glyphs.mjs). Then every
/// script of the conversation goes in, for the screenshot.
fn glyphs_are_drawn(script: &mut Script, bob: &mut RawClient) {
    script.expect("step glyphs-ready");
    // Unassigned code points: no font has them, so they show the missing-glyph box.
    bob.post("bob-tofu", "lobby", "\u{378}\u{378}\u{378}");
    script.say("tofu");
    script.expect("step tofu-drawn");
    bob.post("bob-cjk", "lobby", "日本語");
    script.say("cjk");
    script.expect("step cjk-drawn");
    bob.post("bob-emoji", "lobby", "🦀");
    script.say("emoji");
    let figures = script.expect("step glyph-figures");
    let ink = |key| figure(&figures, key);
    assert!(
        ink("tofuInk") > 30.0 && ink("cjkInk") > 30.0,
        "both messages drew something: {figures}"
    );
    assert!(
        ink("cjkUnlikeTofu") > 0.3,
        "日本語 looks unlike three missing-glyph boxes: {figures}"
    );
    assert!(
        ink("emojiColourful") > 40.0,
        "🦀 is drawn in colour: {figures}"
    );
    bob.post(
        "bob-scripts",
        "lobby",
        "hello 日本語 中文 한국어 Ελληνικά русский 🦀 😀 ❤",
    );
    bob.post("bob-rtl", "lobby", "مرحبا שלום café");
    script.say("scripts");
    script.expect("step pictured");
}

/// A number from the script's JSON figures.
fn figure(json: &str, key: &str) -> f64 {
    let value: serde_json::Value = serde_json::from_str(json).expect("JSON figures");
    value[key]
        .as_f64()
        .unwrap_or_else(|| panic!("no {key} in {json}"))
}

/// A file picked through the page's file chooser uploads, and its message reaches the native
/// client `bob` with what the server found in `png`; the page then shows it (it fetched the
/// thumbnail).
fn a_picked_file_reaches_the_native_client(script: &mut Script, bob: &mut RawClient, png: &[u8]) {
    script.expect("step attached");
    let ServerFrame::Message(message) = recv_before_deadline(
        bob,
        "webby's picture",
        |frame| matches!(frame, ServerFrame::Message(message) if message.attachment.is_some()),
    ) else {
        unreachable!()
    };
    let attachment = message.attachment.expect("an attachment");
    assert_eq!(message.from, "webby");
    assert_eq!(
        (
            attachment.name.as_str(),
            attachment.mime.as_str(),
            attachment.size
        ),
        ("from the browser.png", "image/png", png.len() as u64)
    );
    assert_eq!(
        attachment.image,
        Some(chinwag::protocol::attachments::ImageSize {
            width: 120,
            height: 80
        })
    );
    script.say("got-file");
    assert_eq!(script.expect("step thumbnail"), "200");
}

/// A folder with "from the browser.png" (120 × 80) in it, and the file's bytes.
fn png_to_attach() -> (tempfile::TempDir, Vec<u8>) {
    let folder = tempfile::tempdir().expect("temp dir");
    let image = image::RgbaImage::from_fn(120, 80, |x, y| {
        image::Rgba([(x * 2) as u8, (y * 3) as u8, 200, 255])
    });
    image
        .save(folder.path().join("from the browser.png"))
        .expect("write the PNG");
    let bytes = std::fs::read(folder.path().join("from the browser.png")).expect("read it back");
    (folder, bytes)
}

#[test]
fn the_web_client_chats_with_a_native_client() {
    if !browser_tools_present() {
        return;
    }
    let dist = build_web_client();
    let mut server = ServeProcess::start(dist.path());
    let screenshot = repo().join("target/browser-test/conversation.png");

    let (attach, attached_png) = png_to_attach();
    let mut script = Script::start(
        &server.http_url(),
        dist.path(),
        &screenshot,
        &attach.path().join("from the browser.png"),
    );
    let loaded = script.expect("step loaded");

    // The browser user joins: a native client sees them online.
    script.expect("step typed-name");
    let (mut bob, welcome) = RawClient::join(&server.ws_url(), "bob", "lobby");
    let users = welcome.users;
    if !users.iter().any(|user| user == "webby") {
        recv_before_deadline(&mut bob, "webby joining", came("webby"));
    }
    script.say("joined");

    // What the browser user typed reaches the native client.
    script.expect("step sent");
    let ServerFrame::Message(message) = recv_before_deadline(
        &mut bob,
        "webby's message",
        |frame| matches!(frame, ServerFrame::Message(message) if message.from == "webby"),
    ) else {
        unreachable!()
    };
    // Typed, committed by an input method, copied and pasted.
    assert_eq!(message.text, "hello from the browser, 日本語 ü, pasted");
    script.say("received");

    a_picked_file_reaches_the_native_client(&mut script, &mut bob, &attached_png);

    // With the page in the background, the native client's reply shows as unread in the title,
    // and as a desktop notification, since it mentions the browser user.
    script.expect("step blurred");
    bob.post("bob-1", "lobby", "hi @webby, bob here\nand a second line");
    script.say("replied");
    assert_eq!(script.expect("step unread"), "(1) Chinwag");
    let notified: serde_json::Value =
        serde_json::from_str(&script.expect("step notified")).expect("JSON");
    assert_eq!(
        notified["notifications"],
        serde_json::json!([{"title": "bob in #lobby", "body": "hi @webby, bob here"}]),
        "{notified}"
    );
    assert_eq!(notified["permissionRequests"], 0, "{notified}");
    // Where the browser has an app badge, it showed the unread count.
    if let Some(badges) = notified["badges"].as_array() {
        assert_eq!(badges.last(), Some(&serde_json::json!(1)), "{notified}");
    }
    // Clicking the notification focused the page and the room: the reply is read.
    assert_eq!(script.expect("step read"), "Chinwag");
    glyphs_are_drawn(&mut script, &mut bob);
    // More history than a join brings, so the reloaded page has older messages to page in.
    let total = chinwag::protocol::HISTORY_ON_JOIN as u64 + 20;
    for n in 1..=total {
        bob.post(&format!("fill-{n}"), "lobby", &format!("filler {n}"));
    }
    recv_before_deadline(
        &mut bob,
        "the last filler's ack",
        |frame| matches!(frame, ServerFrame::Ack { id, .. } if *id == format!("fill-{total}")),
    );
    script.say("filled");

    // The page remembered the name: after a reload, joining takes no typing.
    script.expect("step reloaded");
    recv_before_deadline(&mut bob, "webby leaving", went("webby"));
    script.say("left");
    script.expect("step rejoined");
    recv_before_deadline(&mut bob, "webby joining again", came("webby"));
    script.say("seen");
    let paged: usize = script
        .expect("step paged")
        .parse()
        .expect("a message count");
    assert!(paged > 0, "the older page held messages");

    let figures = script.expect("done");
    let status = script.finish();
    assert!(status.success(), "the browser script failed: {status}");
    assert!(
        server.child.try_wait().expect("try_wait").is_none(),
        "the server is still running"
    );

    let raw = figure(&figures, "wasmBytes");
    let gzip = figure(&figures, "wasmGzipBytes");
    eprintln!(
        "web client: wasm {:.2} MB raw, {:.2} MB gzipped; first frame {:.0} ms after navigation \
         (app started at {:.0} ms); page {loaded}; screenshot {}",
        raw / 1e6,
        gzip / 1e6,
        figure(&figures, "firstFrameMs"),
        figure(&figures, "startedMs"),
        screenshot.display(),
    );
    assert!(
        raw <= MAX_WASM_BYTES as f64 && gzip <= MAX_WASM_GZIP_BYTES as f64,
        "the wasm is over budget: {raw} bytes raw (max {MAX_WASM_BYTES}), {gzip} gzipped \
         (max {MAX_WASM_GZIP_BYTES})"
    );
}
