import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Where screenshots go (gitignored under tmp/). */
export const screenshotDir = path.join(root, "tmp/screenshots");

/**
 * Flags for a headless Chromium on a CI box or container: no sandbox (runs as root), no GPU, and
 * nothing that phones home, so a run never waits on the network.
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Launches the system Chromium (`/usr/bin/chromium`, or `CHROMIUM_PATH`). Close it in `after`. */
export async function launchBrowser(): Promise<Browser> {
  // Tests may read the environment; only the server's config module may not.
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

/**
 * The browser's own time zone in tests: not the nodes' (Asia/Shanghai), as on a laptop in
 * Urumqi time or in UTC, so a page that shows an instant in the browser's zone instead of the
 * node's is off by two hours and fails its test. With the nodes' zone here, three hub pages
 * showed UTC on a UTC machine and every test passed.
 */
export const BROWSER_TIME_ZONE = "Asia/Urumqi";

/** Where a test's browser may be told it runs: New York gives away a time shown in the browser's zone. */
export const NEW_YORK = "America/New_York";

/**
 * A fresh browser context (own cookies) pointed at `baseURL`, in zh-CN at a desktop size, in
 * `BROWSER_TIME_ZONE` unless `timezoneId` says otherwise. Page errors fail loudly: they are
 * collected in `errors` for the test to assert empty.
 */
export async function openContext(
  browser: Browser,
  baseURL: string,
  options: { viewport?: { width: number; height: number }; timezoneId?: string } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    baseURL,
    locale: "zh-CN",
    timezoneId: options.timezoneId ?? BROWSER_TIME_ZONE,
    viewport: options.viewport ?? { width: 1366, height: 768 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  return { context, page, errors };
}

/** Saves a full-page PNG to tmp/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  // The pointer to the corner: it stays where the last click was, and the row that has since
  // appeared under it showed its hover tint, which read as a selected answer (exam-sheet.png).
  await page.mouse.move(0, 0);
  // Finished transitions and loaded fonts, so the PNG shows the settled page.
  await page.evaluate("document.fonts.ready.then(() => undefined)");
  await page.screenshot({ path: file, fullPage: true, animations: "disabled" });
  return file;
}

/** Logs a staff user in through the login form (one copy, shared with `npm run screenshots`). */
export { loginThroughForm } from "../../scripts/browser-login.js";

/**
 * Opens `url` until `target` shows, at most `tries` times: for a page that reads its data once on
 * load (no live updates), so a change made elsewhere (another node's message arriving) only shows
 * after a reload. Throws, naming `what`, when it never shows.
 */
export async function reloadUntilVisible(
  page: Page,
  url: string,
  target: Locator,
  what: string,
  tries = 40,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    await page.goto(url);
    // The list is fetched after the page has loaded: give it a moment rather than looking once.
    const shown = await target
      .first()
      .waitFor({ timeout: 1_000 })
      .then(() => true)
      .catch(() => false);
    if (shown) return;
  }
  throw new Error(`${what}: not shown after ${tries} loads of ${url}`);
}
