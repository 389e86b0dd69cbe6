// The browser half of tests/browser.rs: drives the real web client in headless Chromium.
//
// The Rust test starts the server and a native client and runs this script; they take turns
// over stdin/stdout, one line each:
//
//   script -> `step loaded {json}`   the page loaded and the app replaced its loading text
//   script -> `step typed-name`      the name was typed and Enter pressed
//   test   -> `joined`               the native client saw the browser user join
//   script -> `step sent`            the message was typed and Enter pressed
//   test   -> `received`             the native client got it
//   script -> `step attached`        the attach button's file chooser got CHINWAG_ATTACH_FILE
//   test   -> `got-file`             the native client got the message carrying it
//   script -> `step thumbnail {status}` the page fetched the image's thumbnail to show it
//   script -> `step blurred`         the page no longer has focus
//   test   -> `replied`              the native client posted a reply
//   script -> `step unread {title}`  the tab title counts the reply as unread
//   script -> `step notified {json}` the reply (it mentions the user) made a desktop notification
//   script -> `step read {title}`    clicking the notification focuses the page: the count clears
//   script -> `step glyphs-ready`    the page as it is, before the glyph messages
//   test   -> `tofu`                 the native client posted three unassigned code points
//   script -> `step tofu-drawn`      … and the page shows them (boxes: no font has them)
//   test   -> `cjk`                  the native client posted 日本語
//   script -> `step cjk-drawn`
//   test   -> `emoji`                the native client posted 🦀
//   script -> `step glyph-figures {json}` figures: the pixels each drew, how unlike the boxes, colour
//   test   -> `scripts`              the native client posted every script, for the screenshot
//   script -> `step pictured`        the screenshots are taken (with CHINWAG_SCREENSHOT)
//   test   -> `filled`               the native client posted enough for a second page
//   script -> `step reloaded`        the page reloaded (a new app)
//   test   -> `left`                 the native client saw the old page leave
//   script -> `step rejoined`        Tab and Enter on the join screen (the name was remembered)
//   test   -> `seen`                 the native client saw the browser user join again
//   script -> `step paged {count}`   scrolling to the top fetched older history over HTTP
//   script -> `done {json}`          figures (load and first-frame times, wasm sizes)
//
// The message is composed the three ways people enter text: CHINWAG_MESSAGE is typed key by key,
// CHINWAG_IME_TEXT arrives as an input method commits it (no key events), then the whole is
// copied (Ctrl+A, Ctrl+C: it must land on the clipboard) and CHINWAG_PASTE_TEXT is pasted at the
// end (Ctrl+V), before Enter sends it.
//
// Any page error, console error, crash or timeout fails the script (exit code 1, reason on
// stderr). Settings: CHINWAG_URL, CHINWAG_NAME, CHINWAG_MESSAGE, CHINWAG_IME_TEXT,
// CHINWAG_PASTE_TEXT, CHINWAG_ATTACH_FILE (a PNG to attach), CHINWAG_DIST (for the wasm
// sizes), CHINWAG_CHROMIUM (default /usr/bin/chromium), CHINWAG_SCREENSHOT (optional PNG path),
// CHINWAG_TIMEOUT_MS (default 60000). With CHINWAG_SCREENSHOT, a second screenshot at phone size
// goes next to it (`-phone.png`).

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { gzipSync } from "node:zlib";

import { chromium } from "playwright-core";

import { installPixelHelpers, snapWhenStill, waitForChange } from "./glyphs.mjs";

const url = required("CHINWAG_URL");
const name = required("CHINWAG_NAME");
const message = required("CHINWAG_MESSAGE");
const imeText = required("CHINWAG_IME_TEXT");
const pasteText = required("CHINWAG_PASTE_TEXT");
const attachFile = required("CHINWAG_ATTACH_FILE");
const dist = process.env.CHINWAG_DIST;
const screenshot = process.env.CHINWAG_SCREENSHOT;
const timeout = Number(process.env.CHINWAG_TIMEOUT_MS ?? 60000);
const executablePath = process.env.CHINWAG_CHROMIUM ?? "/usr/bin/chromium";

function required(variable) {
    const value = process.env[variable];
    if (!value) {
        fail(`${variable} is not set`);
    }
    return value;
}

function fail(reason) {
    console.error(`browser test failed: ${reason}`);
    process.exit(1);
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

/** Waits for the Rust test to say `expected` on stdin. */
async function expect(expected) {
    const { value, done } = await lines.next();
    if (done || value.trim() !== expected) {
        throw new Error(
            `expected "${expected}" from the test, got ${done ? "end of input" : `"${value}"`}`,
        );
    }
}

function step(what) {
    console.log(`step ${what}`);
}

/** Problems the page reported; the test fails on the first one. */
const problems = [];
function check() {
    if (problems.length > 0) {
        fail(`the page reported:\n  ${problems.join("\n  ")}`);
    }
}

const browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout,
    args: [
        "--no-sandbox",
        "--disable-gpu",
        "--use-angle=swiftshader",
        "--enable-unsafe-swiftshader",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
});
/** The page under test, for a screenshot when something fails. */
let page;
try {
    await run();
} catch (error) {
    if (page && screenshot) {
        const path = screenshot.replace(/\.png$/, "-failure.png");
        await page.screenshot({ path, timeout: 5000 }).catch(() => {});
        console.error(`screenshot of the failure: ${path}`);
    }
    check();
    fail(error?.stack ?? String(error));
} finally {
    await browser.close();
}
check();
// stdin stays open for the test's next line; nothing more is coming.
process.exit(0);

async function run() {
    // A fresh profile (Playwright makes one per context): no stored settings, no cache.
    const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
    context.setDefaultTimeout(timeout);
    // Notifications are allowed as if the user had said yes before: the app must then notify of a
    // mention while the page is in the background, and never ask for the permission itself.
    await context.grantPermissions(["clipboard-read", "clipboard-write", "notifications"]);
    page = await context.newPage();
    page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
    page.on("crash", () => problems.push("the page crashed"));
    page.on("console", (entry) => {
        if (entry.type() === "error") {
            problems.push(`console.error: ${entry.text()}`);
        }
    });
    page.on("requestfailed", (request) =>
        problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
    );

    // Measuring only: when the app removes its loading text (it started), and the next two
    // animation frames (the first frame is painted by then).
    await page.addInitScript(() => {
        new MutationObserver((_, observer) => {
            if (document.readyState !== "loading" && !document.getElementById("loading_text")) {
                observer.disconnect();
                window.chinwagStarted = performance.now();
                requestAnimationFrame(() =>
                    requestAnimationFrame(() => {
                        window.chinwagFirstFrame = performance.now();
                    }),
                );
            }
        }).observe(document, { childList: true, subtree: true });
    });

    // Records every Notification the page constructs, every permission request and every app
    // badge it sets (where the browser has a badge), and still does what they do.
    await page.addInitScript(() => {
        const Real = window.Notification;
        window.chinwagNotifications = [];
        window.chinwagPermissionRequests = 0;
        class Recorded extends Real {
            constructor(title, options) {
                super(title, options);
                window.chinwagNotifications.push({ title, body: options?.body, notification: this });
            }
            static get permission() {
                return Real.permission;
            }
            static requestPermission(...args) {
                window.chinwagPermissionRequests += 1;
                return Real.requestPermission(...args);
            }
        }
        window.Notification = Recorded;
        window.chinwagBadges = navigator.setAppBadge ? [] : null;
        if (navigator.setAppBadge) {
            const setAppBadge = navigator.setAppBadge.bind(navigator);
            navigator.setAppBadge = (count) => {
                window.chinwagBadges.push(count);
                return setAppBadge(count);
            };
        }
    });

    // The app fetches its Arabic and monospace fonts once it runs (kept out of the .wasm).
    const arabicFont = page.waitForResponse((answer) =>
        answer.url().endsWith("/NotoSansArabic-Regular.ttf"),
    );
    const monospaceFont = page.waitForResponse((answer) =>
        answer.url().endsWith("/Hack-Regular.ttf"),
    );
    const response = await page.goto(url, { waitUntil: "load" });
    if (!response || !response.ok()) {
        fail(`loading ${url} gave ${response ? response.status() : "no response"}`);
    }
    // The loading text goes away when the app runs; if the wasm fails it turns into an error.
    await page.waitForFunction(
        () =>
            window.chinwagFirstFrame !== undefined ||
            document.querySelector("#loading_text.error") !== null,
    );
    const failure = await page.evaluate(() => document.getElementById("loading_text")?.innerText);
    if (failure) {
        fail(`the app did not start: ${failure}`);
    }
    check();
    const timing = await page.evaluate(() => ({
        domContentLoadedMs: performance.getEntriesByType("navigation")[0].domContentLoadedEventEnd,
        startedMs: window.chinwagStarted,
        firstFrameMs: window.chinwagFirstFrame,
    }));
    const font = await arabicFont;
    if (font.status() !== 200 || (await font.body()).length < 100_000) {
        fail(`the Arabic font answered ${font.status()}`);
    }
    const monospace = await monospaceFont;
    if (monospace.status() !== 200 || (await monospace.body()).length < 100_000) {
        fail(`the monospace font answered ${monospace.status()}`);
    }
    step(`loaded ${JSON.stringify(timing)}`);
    if ((await page.title()) !== "Chinwag") {
        fail(`the title is "${await page.title()}", expected "Chinwag"`);
    }

    // The name field has the focus on the join screen; a click on an empty spot of the canvas
    // gives the page the keyboard, as a user's first click would.
    await page.mouse.click(10, 10);
    await textFieldFocused();
    await page.keyboard.type(name, { delay: 20 });
    await page.keyboard.press("Enter");
    check();
    step("typed-name");
    await expect("joined");

    // The composer takes the focus once the chat shows.
    await textFieldFocused();
    await page.keyboard.type(message, { delay: 20 });
    await page.keyboard.insertText(imeText);
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Control+C");
    await page.waitForFunction(
        (expected) => navigator.clipboard.readText().then((text) => text === expected),
        message + imeText,
    );
    await page.keyboard.press("End");
    await page.evaluate((text) => navigator.clipboard.writeText(text), pasteText);
    await page.keyboard.press("Control+V");
    await page.keyboard.press("Enter");
    check();
    step("sent");
    await expect("received");
    await attachThroughTheFileChooser();

    // The user switches away: the page loses the focus, so new messages count as unread.
    await page.evaluate(() => document.activeElement?.blur());
    await page.waitForFunction(() => !document.hasFocus() || document.activeElement === document.body);
    // Let the app run a frame without the focus.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    step("blurred");
    await expect("replied");

    await page.waitForFunction(() => document.title === "(1) Chinwag");
    check();
    step(`unread ${await page.title()}`);

    // The reply mentions the user: a desktop notification, the permission never asked for.
    await page.waitForFunction(() => window.chinwagNotifications.length > 0);
    const notified = await page.evaluate(() => ({
        notifications: window.chinwagNotifications.map(({ title, body }) => ({ title, body })),
        permissionRequests: window.chinwagPermissionRequests,
        badges: window.chinwagBadges,
    }));
    step(`notified ${JSON.stringify(notified)}`);

    // A click on the notification brings the page back: the message is read.
    await page.evaluate(() =>
        window.chinwagNotifications[0].notification.dispatchEvent(new Event("click")),
    );
    await page.waitForFunction(() => document.title === "Chinwag");
    step(`read ${await page.title()}`);
    await glyphsDrawn();
    if (screenshot) {
        await page.screenshot({ path: screenshot });
        // The same conversation on a phone-sized screen, for a look.
        await page.setViewportSize({ width: 390, height: 760 });
        await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
        await page.screenshot({ path: screenshot.replace(/\.png$/, "-phone.png") });
    }
    check();
    step("pictured");
    await expect("filled");

    // The name persisted in the browser's storage: after a reload the join screen has it, so
    // Tab (to the name field) and Enter join without typing it again.
    const reloaded = await page.reload({ waitUntil: "load" });
    if (!reloaded || !reloaded.ok()) {
        fail(`reloading gave ${reloaded ? reloaded.status() : "no response"}`);
    }
    await page.waitForFunction(
        () => document.getElementById("chinwag_canvas") && !document.getElementById("loading_text"),
    );
    // The server must have seen the old page go before the name is free again.
    step("reloaded");
    await expect("left");
    await page.mouse.click(10, 10);
    await page.keyboard.press("Tab");
    await textFieldFocused();
    await page.keyboard.press("Enter");
    check();
    step("rejoined");
    await expect("seen");

    // Scrolled to the top, the client pages older history in over HTTP (ehttp on fetch).
    const page_answer = page.waitForResponse((response) =>
        response.url().includes("/api/rooms/lobby/messages"),
    );
    const box = await page.locator("#chinwag_canvas").boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    let answered = null;
    page_answer.then((response) => {
        answered = response;
    });
    while (!answered) {
        await page.mouse.wheel(0, -3000);
        await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
    }
    if (answered.status() !== 200) {
        fail(`the history page answered ${answered.status()}`);
    }
    const older = await answered.json();
    check();
    step(`paged ${older.messages.length}`);

    const sizes = dist ? wasmSizes(dist) : {};
    console.log(`done ${JSON.stringify({ ...timing, ...sizes })}`);
}

/**
 * CJK text and a colour emoji are drawn, not boxes: three messages from the native client, each
 * found as the pixels it changed. Unassigned code points show the box a missing glyph gets;
 * 日本語 (as many characters) must look unlike it, and 🦀 must bring colour.
 */
async function glyphsDrawn() {
    await installPixelHelpers(page);
    await snapWhenStill(page, "before", timeout);
    step("glyphs-ready");
    await expect("tofu");
    await waitForChange(page, "before", "tofu", timeout);
    step("tofu-drawn");
    await expect("cjk");
    await waitForChange(page, "tofu", "cjk", timeout);
    step("cjk-drawn");
    await expect("emoji");
    await waitForChange(page, "cjk", "emoji", timeout);
    const figures = await page.evaluate(() => {
        const pixels = window.chinwagPixels;
        return {
            tofuInk: pixels.ink("before", "tofu"),
            cjkInk: pixels.ink("tofu", "cjk"),
            cjkUnlikeTofu: pixels.unlike(["before", "tofu"], ["tofu", "cjk"]),
            emojiInk: pixels.ink("cjk", "emoji"),
            emojiColourful: pixels.colourful("cjk", "emoji"),
        };
    });
    step(`glyph-figures ${JSON.stringify(figures)}`);
    await expect("scripts");
    await waitForChange(page, "emoji", "scripts", timeout);
    check();
}

/**
 * Clicks the composer's attach button (left of the message field, above the status bar) and
 * gives its file chooser (rfd's `<input type=file>`) CHINWAG_ATTACH_FILE; then waits for the
 * page to fetch the image's thumbnail to show it inline. The button is found by trying the
 * points where the layout puts it, nearest first: a click elsewhere there only focuses the
 * message field.
 */
async function attachThroughTheFileChooser() {
    const box = await page.locator("#chinwag_canvas").boundingBox();
    const thumbnail = page.waitForResponse(
        (answer) => answer.url().includes("/attachments/") && answer.url().endsWith("/thumbnail"),
    );
    let chooser = null;
    for (const up of [54, 48, 60, 42, 66, 36, 72]) {
        const chosen = page.waitForEvent("filechooser", { timeout: 1500 }).catch(() => null);
        await page.mouse.click(box.x + 203, box.y + box.height - up);
        chooser = await chosen;
        if (chooser) {
            break;
        }
    }
    if (!chooser) {
        fail("no file chooser opened from the attach button");
    }
    await chooser.setFiles(attachFile);
    check();
    step("attached");
    await expect("got-file");
    const answer = await thumbnail;
    step(`thumbnail ${answer.status()}`);
}

/**
 * Waits until a text field of the app has the keyboard. egui moves the browser's focus to its
 * hidden text input one frame after a text field gets the focus: keys sent earlier go elsewhere,
 * as a user's would if they typed before the caret showed.
 */
async function textFieldFocused() {
    await page.waitForFunction(() => document.activeElement?.tagName === "INPUT");
}

function wasmSizes(dir) {
    const wasm = readdirSync(dir).filter((file) => file.endsWith(".wasm"));
    if (wasm.length !== 1) {
        fail(`expected one .wasm in ${dir}, found ${wasm.length}`);
    }
    const bytes = readFileSync(join(dir, wasm[0]));
    return { wasmBytes: bytes.length, wasmGzipBytes: gzipSync(bytes, { level: 9 }).length };
}
