/** Debian's Chromium driven by playwright-core, for the UI's end-to-end tests. */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.WF_CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOTS = join(dirname(fileURLToPath(import.meta.url)), "screenshots");

/**
 * True when Chromium is here. Missing: a printed reason and a skip locally; in CI (CI=true) the
 * caller registers a failing test instead, since `.ci/run` installs it.
 */
export function chromiumAvailable(): boolean {
  const ok = existsSync(CHROMIUM_PATH);
  if (!ok && process.env.CI !== "true") {
    console.warn(
      `skipping the UI tests: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set WF_CHROMIUM_PATH)`,
    );
  }
  return ok;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface UiPage {
  readonly page: Page;
  /** Errors the page reported: uncaught exceptions and console errors (CSP violations among them). */
  readonly errors: string[];
  close(): Promise<void>;
}

/**
 * A fresh browser context (empty localStorage) at 1440x900. Console errors about failed resource
 * loads are expected (a 401 before the key is entered; a 404 while an optional route is missing)
 * and left out; everything else is collected for the test to assert on.
 */
export async function openPage(browser: Browser): Promise<UiPage> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  // Fail on the step that waits, well before the test's own timeout.
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    if (text.startsWith("Failed to load resource")) return;
    errors.push(`console: ${text}`);
  });
  return { page, errors, close: () => context.close() };
}

/** Save a full-page screenshot as `screenshots/<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // From the top: the sticky sidebar would otherwise sit where the page was scrolled to.
  await page.evaluate("window.scrollTo(0, 0)");
  await page.screenshot({ path, fullPage: true });
  return path;
}
