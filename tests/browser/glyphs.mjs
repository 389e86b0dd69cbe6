// Are characters actually drawn in the page, not only received? The app draws on a WebGL
// canvas whose pixels cannot be read back, so these helpers take screenshots, decode them in the
// page and compare them there (only small figures come back).
//
// A new message changes a band of the page: `waitForChange` finds the changed pixels and waits
// until the page is still. Rows with fewer than MIN_CHANGED_IN_ROW changed pixels are ignored, so
// a blinking text caret is not taken for a message.

const MIN_CHANGED_IN_ROW = 4;

/** Puts the comparing functions into the page (once per page load). */
export async function installPixelHelpers(page) {
    await page.evaluate((minChangedInRow) => {
        const shots = {};
        /** Did a pixel change between two images (any channel by more than 48)? */
        const changed = (a, b, i) =>
            Math.abs(a.data[i] - b.data[i]) > 48 ||
            Math.abs(a.data[i + 1] - b.data[i + 1]) > 48 ||
            Math.abs(a.data[i + 2] - b.data[i + 2]) > 48;
        window.chinwagPixels = {
            async store(name, base64) {
                const image = new Image();
                image.src = `data:image/png;base64,${base64}`;
                await image.decode();
                const canvas = document.createElement("canvas");
                canvas.width = image.width;
                canvas.height = image.height;
                const context = canvas.getContext("2d", { willReadFrequently: true });
                context.drawImage(image, 0, 0);
                shots[name] = context.getImageData(0, 0, image.width, image.height);
            },
            /** The pixels that changed from shot `before` to `after`: their box and a mask. */
            change(before, after) {
                const a = shots[before];
                const b = shots[after];
                let box = null;
                const points = [];
                for (let y = 0; y < b.height; y++) {
                    const row = [];
                    for (let x = 0; x < b.width; x++) {
                        if (changed(a, b, (y * b.width + x) * 4)) {
                            row.push(x);
                        }
                    }
                    if (row.length < minChangedInRow) {
                        continue;
                    }
                    for (const x of row) {
                        points.push([x, y]);
                    }
                    box = box ?? { left: row[0], top: y, right: row[0], bottom: y };
                    box.left = Math.min(box.left, row[0]);
                    box.right = Math.max(box.right, row[row.length - 1]);
                    box.bottom = y;
                }
                return box && { box, points };
            },
            /** No change between two shots (a blinking caret aside). */
            same(first, second) {
                return this.change(first, second) === null;
            },
            /** Pixels of the change to `after` whose colour is far from grey (max − min > 96). */
            colourful(before, after) {
                const { points } = this.change(before, after);
                const b = shots[after];
                return points.filter(([x, y]) => {
                    const i = (y * b.width + x) * 4;
                    const channels = [b.data[i], b.data[i + 1], b.data[i + 2]];
                    return Math.max(...channels) - Math.min(...channels) > 96;
                }).length;
            },
            /**
             * How different two changes look, each placed at its box's top-left corner: the
             * changed pixels in one but not the other, over those in either (0 = the same).
             */
            unlike([before1, after1], [before2, after2]) {
                const shape = (before, after) => {
                    const { box, points } = this.change(before, after);
                    return new Set(points.map(([x, y]) => `${x - box.left},${y - box.top}`));
                };
                const one = shape(before1, after1);
                const two = shape(before2, after2);
                const both = [...one].filter((point) => two.has(point)).length;
                const either = one.size + two.size - both;
                return either === 0 ? 0 : (either - both) / either;
            },
            ink(before, after) {
                return this.change(before, after).points.length;
            },
        };
    }, MIN_CHANGED_IN_ROW);
}

/** Takes a screenshot and keeps its pixels in the page as `name`. */
export async function snap(page, name) {
    const png = await page.screenshot({ type: "png" });
    await page.evaluate(
        ([shot, base64]) => window.chinwagPixels.store(shot, base64),
        [name, png.toString("base64")],
    );
}

/** Waits until two screenshots a moment apart are the same; keeps the page as shot `name`. */
export async function snapWhenStill(page, name, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        await snap(page, name);
        if (await isStill(page, name)) {
            return;
        }
    }
    throw new Error(`the page did not keep still for shot "${name}"`);
}

/** Is the page a moment later the same as shot `name`? */
async function isStill(page, name) {
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    await snap(page, `${name}-again`);
    return page.evaluate(([a, b]) => window.chinwagPixels.same(a, b), [name, `${name}-again`]);
}

/**
 * Waits until the page differs from shot `before` and then stays the same for a moment (a new
 * message drawn); keeps that page as shot `name` and returns the changed box.
 */
export async function waitForChange(page, before, name, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        await snap(page, name);
        const change = await page.evaluate(
            ([from, to]) => window.chinwagPixels.change(from, to)?.box ?? null,
            [before, name],
        );
        if (change) {
            if (await isStill(page, name)) {
                return change;
            }
        } else {
            await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
        }
    }
    throw new Error(`the page did not change from "${before}" to show "${name}"`);
}
