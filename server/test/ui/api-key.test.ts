/**
 * The API key in the browser: once a key exists the UI's files still load, the API answers 401,
 * and the UI asks for the key, refuses a wrong one with the server's message, and keeps a right
 * one in localStorage (sent as `Authorization: Bearer`).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { numbers, startTestServer, type TestServer } from "../support.js";
import { chromiumAvailable, launchChromium, openPage, screenshot } from "./browser.js";

const available = chromiumAvailable();
/** Evaluated in the page (the tests are not compiled with the DOM types). */
const STORED_KEY = 'localStorage.getItem("wf.apiKey")';

test.runIf(!available && process.env.CI === "true")("Chromium is installed (CI)", () => {
  throw new Error("the UI tests need Chromium at /usr/bin/chromium; .ci/run installs it");
});

describe.runIf(available)("web UI with API keys", () => {
  let s: TestServer;
  let browser: Browser;
  let key: string;
  let prefix: string;
  let runName: string;

  beforeAll(async () => {
    s = await startTestServer();
    await numbers(2);
    runName = (await s.store.runs.listFlowRuns({}))[0]!.name;
    ({ key, prefix } = await s.store.apiKeys.create("browser"));
    // The server trusts its "does any key exist?" answer for a second.
    await new Promise((r) => setTimeout(r, 1100));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  test("the key prompt appears on 401, a wrong key is refused, the right one works and is kept", async () => {
    expect((await fetch(`${s.url}/api/v1/flow-runs`)).status).toBe(401);
    expect((await fetch(`${s.url}/`)).status).toBe(200);
    expect((await fetch(`${s.url}/ui/app.js`)).status).toBe(200);

    const ui = await openPage(browser);
    const { page } = ui;
    const authHeaders: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/v1/")) authHeaders.push(r.headers()["authorization"] ?? "");
    });
    await page.goto(`${s.url}/#/`);
    const dialog = page.locator(".modal");
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("needs an API key");
    await screenshot(page, "api-key-prompt");

    await dialog.locator("#api-key").fill("wf_AAAAAAAA_" + "B".repeat(32));
    await dialog.getByRole("button", { name: "Save key" }).click();
    await dialog.locator(".alert-error").filter({ hasText: "not valid" }).waitFor();
    expect(await page.evaluate(STORED_KEY)).toBeNull();

    await dialog.locator("#api-key").fill(key);
    await dialog.getByRole("button", { name: "Save key" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText(runName).first().waitFor();
    expect(await page.evaluate(STORED_KEY)).toBe(key);
    expect(authHeaders).toContain(`Bearer ${key}`);

    // A reload keeps working without asking again.
    await page.reload();
    await page.getByText(runName).first().waitFor();
    expect(await page.locator(".modal").count()).toBe(0);

    // "Forget API key" drops it, and the prompt comes back.
    await page.getByRole("button", { name: "Forget API key" }).click();
    await page.locator(".modal").waitFor();
    expect(await page.evaluate(STORED_KEY)).toBeNull();

    // A saved key that the server no longer accepts (deleted) brings the prompt back, saying so.
    await page.locator("#api-key").fill(key);
    await page.getByRole("button", { name: "Save key" }).click();
    await page.locator(".modal").waitFor({ state: "detached" });
    // (Another key stays, so the server still requires one.)
    await s.store.apiKeys.create("other");
    expect(await s.store.apiKeys.delete(prefix)).toBe(true);
    await page.reload();
    await page.locator(".modal").getByText("The saved key was refused").waitFor();
    expect(await page.locator(".modal").textContent()).toContain("not valid");
    await ui.close();
    expect(ui.errors).toEqual([]);
  });
});
